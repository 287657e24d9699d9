//! The paper's section 4.2 on a CSV population of incomes 3500..4000 yuan, with the overlay that
//! restores its 2024 lower limit: 845.40 yuan a month, 21-24% of income. And what current
//! official figures say instead: 4986 × 20% = 997.20.

use flexpension_rules::Params;
use flexpension_sim::{PopulationSpec, SimRequest, run};

fn incomes_3500_to_4000() -> String {
    let mut s = String::from("worker_id,income_yuan\n");
    for (i, y) in (3500..=4000).enumerate() {
        s.push_str(&format!("{i},{y}\n"));
    }
    s
}

#[test]
fn section_4_2_is_reproduced_with_the_overlay() {
    let params = Params::embedded().unwrap();
    let mut req = SimRequest::new(PopulationSpec::Csv { text: incomes_3500_to_4000() }, "zj", "2024-06".parse().unwrap());
    req.overlay = Some("paper-2024".into());
    let rep = run(&params, &req).unwrap();
    let cur = &rep.policies["current"];
    assert_eq!(cur.totals.workers, 501);
    assert_eq!(cur.totals.contribution_fen, 84_540 * 501);
    let (lo, hi) = (84_540.0 / 400_000.0, 84_540.0 / 350_000.0);
    assert!((0.21..0.22).contains(&lo) && (0.24..0.25).contains(&hi));
    assert!(cur.mean_burden.unwrap() > lo && cur.mean_burden.unwrap() < hi);
    assert_eq!(cur.totals.over_benchmark, 501);
    // The proposal: 12% below 4000 (507.24), 16% at 4000 (676.32); the subsidy band from 3000 to
    // 3999.99 pays 40% of it (202.90), the band from 4000 to 4999.99 30% (202.90 again).
    let pap = &rep.policies["paper"];
    assert_eq!(pap.totals.contribution_fen, 50_724 * 500 + 67_632);
    assert_eq!(pap.totals.subsidy_fen, 20_290 * 500 + 20_290);
    assert!(rep.warnings.iter().any(|w| w.en.contains("paper-2024")));
    // The residents' pension: 100-300 yuan a month, under 10% of these incomes.
    let res = rep.residents.as_ref().unwrap();
    assert!(res.grades.iter().all(|g| g.pension_fen < 40_000 && g.replacement_at_median_income < 0.10));
}

#[test]
fn official_2025_figures_change_the_picture() {
    let params = Params::embedded().unwrap();
    let req = SimRequest::new(PopulationSpec::Csv { text: incomes_3500_to_4000() }, "zj", "2025-06".parse().unwrap());
    let rep = run(&params, &req).unwrap();
    assert_eq!(rep.policies["current"].totals.contribution_fen, 99_720 * 501);
    assert!(rep.warnings.is_empty());
}

#[test]
fn a_variant_is_applied_checked_and_reported() {
    let params = Params::embedded().unwrap();
    let mut req = SimRequest::new(PopulationSpec::Csv { text: incomes_3500_to_4000() }, "zj", "2025-06".parse().unwrap());
    req.sets = vec!["paper.subsidy.share=0.5".into(), "paper.rate.brackets=3999.99:0.10,6000:0.16,:0.20".into()];
    let rep = run(&params, &req).unwrap();
    let p = &rep.policies["paper"];
    assert_eq!(p.variant.len(), 2);
    assert!(rep.is_variant() && rep.policies["current"].variant.is_empty());
    assert!(rep.warnings.iter().any(|w| w.en.starts_with("Variant: paper")));
    // 4986 × 10% = 498.60, half subsidised: 249.30 for the 500 workers below 4000.
    assert_eq!(p.totals.subsidy_fen, 24_930 * 500 + 39_888);
    req.sets = vec!["paper.subsidy.share=0.6".into()];
    let e = run(&params, &req).unwrap_err().to_string();
    assert!(e.contains("paper.subsidy.share") && e.contains("50%"), "{e}");
    // Without a policy name a variant changes every policy but the law.
    req.sets = vec!["subsidy.share=0.5".into()];
    let rep = run(&params, &req).unwrap();
    assert_eq!(rep.policies["paper"].variant.len(), 1);
    assert!(rep.policies["current"].variant.is_empty());
}
