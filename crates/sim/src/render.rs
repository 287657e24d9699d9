//! A report as text: the table people read and the CSV spreadsheets read. Pure string building.

use crate::projection::ProjGroup;
use crate::report::SimReport;
use crate::stats::GroupReport;
use flexpension_rules::Lang;
use flexpension_rules::money::yuan;
use std::fmt::Write;

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.2}%", x * 100.0)).unwrap_or_else(|| "-".into())
}

fn opt_yuan(v: Option<i64>) -> String {
    v.map(yuan).unwrap_or_else(|| "-".into())
}

/// The table `flexpension simulate` prints.
pub fn table(r: &SimReport, lang: Lang) -> String {
    let mut s = String::new();
    let pop = match &r.population.origin {
        crate::population::Origin::Generated { seed } => format!("{} synthetic workers (seed {seed})", r.population.workers),
        crate::population::Origin::Listed => format!("{} listed workers", r.population.workers),
    };
    let _ = writeln!(
        s,
        "Simulation: region {}, {}, {pop}{}",
        r.region,
        r.month,
        r.overlay.as_ref().map(|o| format!(", overlay {o}")).unwrap_or_default()
    );
    for p in r.policy_order.iter().filter_map(|n| r.policies.get(n).map(|p| (n, p))) {
        let r = &p.1.rules;
        let below = yuan(r.subsidy_income_below_fen);
        // One share reads "40% below 5000.00 yuan"; bands carry their limits, then the ceiling.
        let subsidy = if r.subsidy_bands.contains(':') {
            format!("{}; none from {below} yuan", r.subsidy_bands)
        } else {
            format!("{} below {below} yuan", r.subsidy_bands)
        };
        let _ = writeln!(
            s,
            "  {}: {} — rate {}, base {}-{}, subsidy {subsidy}",
            p.0,
            p.1.title_en,
            r.brackets,
            yuan(r.base_lower_fen),
            yuan(r.base_upper_fen),
        );
    }
    if r.is_variant() {
        let _ = writeln!(s, "VARIANT IN USE: values below are not the parameter files'.");
    }
    for w in &r.warnings {
        let _ = writeln!(s, "! {}", w.get(lang));
    }
    let names: Vec<&String> = r.policy_order.iter().filter(|n| r.policies.contains_key(*n)).collect();
    let pols: Vec<_> = names.iter().filter_map(|n| r.policies.get(*n)).collect();
    let _ = writeln!(s, "\n{:<34}{}", "", names.iter().map(|n| format!("{n:>18}")).collect::<String>());
    let mut row = |label: &str, f: &dyn Fn(&crate::report::PolicyReport) -> String| {
        let _ = writeln!(s, "{label:<34}{}", pols.iter().map(|p| format!("{:>18}", f(p))).collect::<String>());
    };
    row("workers", &|p| p.totals.workers.to_string());
    row("contribution revenue (yuan)", &|p| yuan(p.totals.contribution_fen));
    row("  to personal accounts (yuan)", &|p| yuan(p.totals.personal_account_fen));
    row("  to the pooling fund (yuan)", &|p| yuan(p.totals.pooling_fen));
    row("subsidy cost (yuan)", &|p| yuan(p.totals.subsidy_fen));
    row("net cost to workers (yuan)", &|p| yuan(p.totals.net_fen));
    row("mean burden", &|p| pct(p.mean_burden));
    row("median burden", &|p| pct(p.median_burden));
    row("over the 10% benchmark", &|p| format!("{} ({})", pct(Some(p.over_benchmark_share)), p.totals.over_benchmark));
    let groups = |s: &mut String, title: &str, pick: &dyn Fn(&crate::report::PolicyReport) -> &Vec<GroupReport>| {
        let _ =
            writeln!(s, "\n{title}: workers, then per policy mean burden / median burden / share over 10% / net cost per worker (yuan)");
        let Some(first) = pols.first() else { return };
        for (i, g) in pick(first).iter().enumerate() {
            let _ = write!(s, "  {:<26}{:>9}", g.group, g.workers);
            for p in &pols {
                if let Some(x) = pick(p).get(i) {
                    let per = if x.workers > 0 { yuan((x.net_fen * 2 + x.workers as i64) / (2 * x.workers as i64)) } else { "-".into() };
                    let _ = write!(
                        s,
                        "   {:>7} {:>7} {:>7} {:>8}",
                        pct(x.mean_burden),
                        pct(x.median_burden),
                        pct(Some(x.over_benchmark_share)),
                        per
                    );
                }
            }
            s.push('\n');
        }
    };
    groups(&mut s, "By income band (the month's income, yuan)", &|p| &p.by_income_band);
    groups(&mut s, "By job type", &|p| &p.by_job);
    if let Some(res) = &r.residents {
        let _ = writeln!(
            s,
            "\nResidents' pension after {} years (basic pension {} yuan): monthly pension, replacement of the median income, share of workers under 10%",
            res.years,
            yuan(res.basic_fen)
        );
        for g in &res.grades {
            let _ = writeln!(
                s,
                "  grade {:>8} yuan/year: {:>8} yuan  {:>7}  {:>7}",
                yuan(g.grade_fen),
                yuan(g.pension_fen),
                pct(Some(g.replacement_at_median_income)),
                pct(Some(g.replacement_under_10pct))
            );
        }
    }
    for n in &names {
        let Some(pr) = r.policies.get(*n).and_then(|p| p.projection.as_ref()) else { continue };
        let _ = writeln!(
            s,
            "\nProjection to statutory retirement under {n} (monthly pension in today's money; benefit base {} yuan; credited rate above wage growth {}):",
            yuan(pr.benefit_base_fen),
            pr.assumed_credited_rate
        );
        let _ = writeln!(
            s,
            "  projected {} (retiring within {} years); beyond the horizon {}; at or past retirement age {}; without age or sex {}",
            pr.projected, pr.horizon_years, pr.beyond_horizon, pr.at_or_past_retirement, pr.without_age_or_sex
        );
        let _ = writeln!(
            s,
            "  {:<26}{:>9} {:>12} {:>12} {:>12} {:>10} {:>10} {:>8}",
            "group", "workers", "short of min", "mean pension", "median", "repl mean", "repl med", "years"
        );
        let line = |s: &mut String, g: &ProjGroup| {
            let _ = writeln!(
                s,
                "  {:<26}{:>9} {:>12} {:>12} {:>12} {:>10} {:>10} {:>8}",
                g.group,
                g.workers,
                format!("{} ({})", g.short_of_minimum, pct(Some(g.short_of_minimum_share))),
                opt_yuan(g.pension_mean_fen),
                opt_yuan(g.pension_median_fen),
                pct(g.replacement_mean),
                pct(g.replacement_median),
                g.contribution_years_mean.map(|y| format!("{y:.1}")).unwrap_or_else(|| "-".into())
            );
        };
        line(&mut s, &pr.all);
        for g in pr.by_income_band.iter().chain(&pr.by_job).chain(&pr.by_sex) {
            line(&mut s, g);
        }
    }
    s
}

/// Long-format CSV: one row per policy and group; projection rows carry their own columns.
pub fn csv(r: &SimReport) -> String {
    let mut s = String::from(
        "policy,variant,table,group,workers,contribution_fen,subsidy_fen,net_fen,over_benchmark,over_benchmark_share,mean_burden,median_burden,short_of_minimum,pension_mean_fen,pension_median_fen,replacement_mean,replacement_median\n",
    );
    let f = |v: Option<f64>| v.map(|x| format!("{x:.6}")).unwrap_or_default();
    let i = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let clean = |t: &str| t.replace(',', ";");
    for name in &r.policy_order {
        let Some(p) = r.policies.get(name) else { continue };
        let variant = clean(&p.variant.iter().map(|a| format!("{}={}", a.key, a.now)).collect::<Vec<_>>().join(" "));
        let total = GroupReport {
            group: "all".into(),
            workers: p.totals.workers,
            contribution_fen: p.totals.contribution_fen,
            subsidy_fen: p.totals.subsidy_fen,
            net_fen: p.totals.net_fen,
            over_benchmark: p.totals.over_benchmark,
            over_benchmark_share: p.over_benchmark_share,
            mean_burden: p.mean_burden,
            median_burden: p.median_burden,
        };
        let month = std::iter::once(("month", &total))
            .chain(p.by_income_band.iter().map(|g| ("month_by_income_band", g)))
            .chain(p.by_job.iter().map(|g| ("month_by_job", g)));
        for (table, g) in month {
            let _ = writeln!(
                s,
                "{name},{variant},{table},{},{},{},{},{},{},{:.6},{},{},,,,,",
                clean(&g.group),
                g.workers,
                g.contribution_fen,
                g.subsidy_fen,
                g.net_fen,
                g.over_benchmark,
                g.over_benchmark_share,
                f(g.mean_burden),
                f(g.median_burden)
            );
        }
        if let Some(pr) = &p.projection {
            let rows = std::iter::once(("projection", &pr.all))
                .chain(pr.by_income_band.iter().map(|g| ("projection_by_income_band", g)))
                .chain(pr.by_job.iter().map(|g| ("projection_by_job", g)))
                .chain(pr.by_sex.iter().map(|g| ("projection_by_sex", g)));
            for (table, g) in rows {
                let _ = writeln!(
                    s,
                    "{name},{variant},{table},{},{},,,,,,,,{},{},{},{},{}",
                    clean(&g.group),
                    g.workers,
                    g.short_of_minimum,
                    i(g.pension_mean_fen),
                    i(g.pension_median_fen),
                    f(g.replacement_mean),
                    f(g.replacement_median)
                );
            }
        }
    }
    s
}
