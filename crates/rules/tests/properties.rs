//! Property tests: no input makes a calculator panic, and results move the way the rules say.

use chrono::NaiveDate;
use flexpension_rules::contribution::{ContributionInput, compute};
use flexpension_rules::money::Dec6;
use flexpension_rules::pension::PensionInput;
use flexpension_rules::{Age, Category, Params, YearMonth, checkdigit};
use proptest::prelude::*;
use std::sync::OnceLock;

fn params() -> &'static Params {
    static P: OnceLock<Params> = OnceLock::new();
    P.get_or_init(|| Params::embedded().expect("parameters load"))
}

fn month() -> impl Strategy<Value = YearMonth> {
    (1990i32..2040, 1u32..=12).prop_map(|(y, m)| YearMonth::new(y, m).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn contribution_never_panics(m in month(), income in any::<i64>(), base in proptest::option::of(any::<i64>()), policy in prop_oneof![Just("current"), Just("paper")], overlay in any::<bool>()) {
        let s = params().scenario("zj", Some(policy), overlay.then_some("paper-2024")).unwrap();
        let _ = s.contribution(&ContributionInput { month: m, income_fen: income, declared_base_fen: base });
    }

    #[test]
    fn contribution_parts_add_up(income in 0i64..10_000_000, base in proptest::option::of(1i64..5_000_000), policy in prop_oneof![Just("current"), Just("paper")]) {
        let s = params().scenario("zj", Some(policy), None).unwrap();
        let m = YearMonth::new(2025, 6).unwrap();
        let r = s.contribution(&ContributionInput { month: m, income_fen: income, declared_base_fen: base }).unwrap().value;
        prop_assert_eq!(r.personal_account_fen + r.pooling_fen, r.contribution_fen);
        prop_assert_eq!(r.subsidy_fen + r.net_fen, r.contribution_fen);
        prop_assert!((498_600..=2_529_900).contains(&r.base_fen));
        prop_assert!(r.subsidy_fen >= 0 && r.net_fen >= 0);
    }

    #[test]
    fn more_income_never_lowers_the_contribution_within_a_bracket(a in 0i64..10_000_000, d in 0i64..1_000_000, base in proptest::option::of(1i64..5_000_000), policy in prop_oneof![Just("current"), Just("paper")]) {
        let s = params().scenario("zj", Some(policy), None).unwrap();
        let (rules, _) = s.month_rules(YearMonth::new(2025, 6).unwrap()).unwrap();
        let (lo, hi) = (compute(&rules, a, base), compute(&rules, a + d, base));
        if rules.brackets.find(a).0 == rules.brackets.find(a + d).0 {
            prop_assert!(hi.contribution_fen >= lo.contribution_fen);
        }
        // A higher base never lowers the contribution either.
        let more = compute(&rules, a, Some(base.unwrap_or(0) + d + 1));
        prop_assert!(more.contribution_fen >= compute(&rules, a, Some(base.unwrap_or(0).max(1))).contribution_fen);
    }

    #[test]
    fn more_years_never_lowers_the_pension(months in 0u32..600, extra in 0u32..120, idx in 0i64..3_000_000, bal in 0i64..100_000_000, age in 50u32..65, am in 0u32..12) {
        let p = params();
        let input = |months| PensionInput {
            retire: YearMonth::new(2026, 1).unwrap(),
            age: Age { years: age, months: am },
            benefit_base_fen: 843_300,
            avg_contribution_index: Dec6(idx),
            months,
            balance_fen: bal,
        };
        let a = p.pension(&input(months)).unwrap().value.total_fen;
        let b = p.pension(&input(months + extra)).unwrap().value.total_fen;
        prop_assert!(b >= a);
    }

    #[test]
    fn pension_never_panics(months in any::<u32>(), idx in any::<i64>(), bal in any::<i64>(), base in any::<i64>(), y in 0u32..200, m in 0u32..12, rm in month()) {
        let _ = params().pension(&PensionInput { retire: rm, age: Age { years: y, months: m }, benefit_base_fen: base, avg_contribution_index: Dec6(idx), months, balance_fen: bal });
    }

    #[test]
    fn divisor_falls_with_age(a in 40u32..70, m in 0u32..11) {
        let p = params();
        let mut ex = flexpension_rules::Explainer::new();
        let rm = YearMonth::new(2026, 1).unwrap();
        let d1 = p.annuity_divisor(Age { years: a, months: m }, rm, &mut ex).unwrap();
        let d2 = p.annuity_divisor(Age { years: a, months: m + 1 }, rm, &mut ex).unwrap();
        prop_assert!(d2 <= d1);
    }

    #[test]
    fn retirement_never_panics_and_is_monotone(y in 1900i32..2100, m in 1u32..=12, cat in prop_oneof![Just(Category::Male), Just(Category::Female55), Just(Category::Female50)]) {
        let p = params();
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let b = YearMonth::new(y, m).unwrap();
        if let (Ok(a), Some(next)) = (p.retirement(b, cat, today), b.add_months(1)) {
            if let Ok(c) = p.retirement(next, cat, today) {
                prop_assert!(c.value.retirement_month > a.value.retirement_month);
            }
            prop_assert!(a.value.earliest_month <= a.value.retirement_month);
        }
    }

    #[test]
    fn workdays_never_panic_and_round_trip(day in 0u64..700, n in 0u32..300) {
        let cal = params().calendar();
        let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + chrono::Days::new(day);
        if let Ok(to) = cal.add(from, n) {
            prop_assert_eq!(cal.between(from, to.value).unwrap().value, n);
        }
    }

    #[test]
    fn id_check_never_panics(s in "\\PC{0,24}") {
        let _ = checkdigit::check(&s, None);
        let _ = checkdigit::mask(&s);
    }

    #[test]
    fn id_check_catches_every_single_digit_change(pos in 0usize..17, delta in 1u8..10) {
        let good = b"11010519491231002X";
        let mut bad = *good;
        bad[pos] = b'0' + (bad[pos] - b'0' + delta) % 10;
        let s = std::str::from_utf8(&bad).unwrap();
        prop_assert!(!checkdigit::check(s, None).valid, "{}", s);
    }
}
