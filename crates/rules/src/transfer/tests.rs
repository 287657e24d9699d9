//! The transfer rules: the worked numbers of the CLI example, each rule of article 6, the
//! temporary account's ages, the deadlines on the holiday calendar, and properties.

use super::*;
use proptest::prelude::*;

fn params() -> Params {
    Params::embedded().expect("shipped parameters load")
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

/// Every month from `from` to `to` inclusive at one base.
fn constant(from: &str, to: &str, base_fen: Fen) -> Vec<PaidMonth> {
    let (a, b) = (ym(from).index(), ym(to).index());
    (a..=b).filter_map(YearMonth::from_index).map(|month| PaidMonth { month, base_fen }).collect()
}

fn stays(list: &[(&str, u32)]) -> Vec<Stay> {
    list.iter().map(|(p, y)| Stay { place: p.to_string(), years: *y, temporary: false }).collect()
}

#[test]
fn the_cli_example_moves_2153952_fen() {
    // 36 months × 4986 yuan = 179496 yuan of bases; × 12% = 21539.52 yuan.
    let p = params();
    let r = p.transfer_funds(&constant("2022-03", "2025-02", 498_600), 0, day("2025-03-01")).unwrap();
    assert_eq!((r.value.months, r.value.pool_months, r.value.pool_base_fen), (36, 36, 17_949_600));
    assert_eq!((r.value.pool_transfer_fen, r.value.total_fen), (2_153_952, 2_153_952));
    let keys: Vec<&str> = r.params.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, ["transfer.pool_rate", "transfer.pool_from_month"]);
    assert!(r.params.iter().all(|u| u.source == "GBF2009-66" && u.doc_no == "国办发〔2009〕66号"));
    assert!(r.steps.iter().any(|s| s.en.contains("rounded half-up to the fen once") && s.zh.contains("四舍五入")));
}

#[test]
fn months_before_1998_move_no_pooling_money_and_the_account_moves_in_full() {
    let p = params();
    let months = constant("1997-07", "1998-06", 100_000);
    let r = p.transfer_funds(&months, 1_234_567, day("2025-03-01")).unwrap();
    assert_eq!((r.value.months, r.value.pool_months), (12, 6));
    assert_eq!(r.value.pool_transfer_fen, 72_000);
    assert_eq!(r.value.total_fen, 72_000 + 1_234_567);
    assert!(r.steps.iter().any(|s| s.en.contains("6 months are before 1998-01")));
}

#[test]
fn rounding_happens_once_on_the_sum() {
    let p = params();
    // 4 fen × 12% = 0.48 fen each, but 8 fen × 12% = 0.96 → 1 fen.
    let months = vec![PaidMonth { month: ym("2020-01"), base_fen: 4 }, PaidMonth { month: ym("2020-02"), base_fen: 4 }];
    assert_eq!(p.transfer_funds(&months, 0, day("2025-01-01")).unwrap().value.pool_transfer_fen, 1);
    // Exactly half a fen rounds up: 25 fen × 12% = 3 fen; 125 fen × 12% = 15 fen; 4.5 → 5.
    let half = vec![PaidMonth { month: ym("2020-01"), base_fen: 3_750 }];
    assert_eq!(p.transfer_funds(&half, 0, day("2025-01-01")).unwrap().value.pool_transfer_fen, 450);
    let odd = vec![PaidMonth { month: ym("2020-01"), base_fen: 4_125 }];
    assert_eq!(p.transfer_funds(&odd, 0, day("2025-01-01")).unwrap().value.pool_transfer_fen, 495);
}

#[test]
fn bad_funds_input_names_the_field() {
    let p = params();
    let on = day("2025-01-01");
    let neg = vec![PaidMonth { month: ym("2020-01"), base_fen: -1 }];
    assert!(matches!(p.transfer_funds(&neg, 0, on), Err(TransferError::Input { field: "base", .. })));
    let twice = vec![PaidMonth { month: ym("2020-01"), base_fen: 1 }, PaidMonth { month: ym("2020-01"), base_fen: 1 }];
    assert!(matches!(p.transfer_funds(&twice, 0, on), Err(TransferError::Input { field: "months", .. })));
    assert!(matches!(p.transfer_funds(&[], -5, on), Err(TransferError::Input { field: "personal_account", .. })));
    // Before the 办法 was in force no rule is looked up: an error, not a default.
    assert!(matches!(p.transfer_funds(&[], 0, day("2009-06-01")), Err(TransferError::Param(_))));
}

#[test]
fn the_cli_example_is_rule_3_back_to_zhejiang() {
    let p = params();
    let r = p.benefit_place("ah", &stays(&[("zj", 12), ("sh", 8)]), day("2025-03-01")).unwrap();
    assert_eq!((r.value.place.as_str(), r.value.rule, r.value.current.as_deref()), ("zj", 3, Some("sh")));
    assert_eq!(r.params[0].key, "transfer.benefit_place_min_years");
    assert!(r.steps.iter().any(|s| s.en.starts_with("Rule 3") && s.en.contains("Zhejiang (12 years)")), "{:?}", r.steps);
}

#[test]
fn each_rule_of_article_6() {
    let p = params();
    let on = day("2025-03-01");
    let at = |h: &str, l: &[(&str, u32)]| {
        let v = p.benefit_place(h, &stays(l), on).unwrap().value;
        (v.place, v.rule)
    };
    assert_eq!(at("ah", &[("zj", 5), ("ah", 3)]), ("ah".into(), 1));
    assert_eq!(at("ah", &[("sh", 3), ("zj", 12)]), ("zj".into(), 2));
    assert_eq!(at("ah", &[("zj", 5), ("sh", 8)]), ("ah".into(), 4));
    // Years add up across stays in one province: 6 + 5 = 11 in Zhejiang.
    assert_eq!(at("ah", &[("zj", 6), ("sh", 2), ("zj", 5)]), ("zj".into(), 2));
    // The latest earlier place with enough years, not the first.
    assert_eq!(at("ah", &[("js", 10), ("zj", 11), ("sh", 2)]), ("zj".into(), 3));
    // GB/T 2260 prefixes name the same provinces.
    assert_eq!(at("34", &[("33", 12), ("31", 8)]), ("zj".into(), 3));
}

#[test]
fn a_temporary_account_never_pays() {
    let p = params();
    let on = day("2025-03-01");
    let mut h = stays(&[("zj", 12), ("sh", 8)]);
    h[0].temporary = true;
    let r = p.benefit_place("ah", &h, on).unwrap();
    assert_eq!((r.value.place.as_str(), r.value.rule), ("ah", 4));
    // The current place is the last one holding the relationship, not a temporary account.
    let mut h = stays(&[("zj", 12), ("sh", 8)]);
    h[1].temporary = true;
    let r = p.benefit_place("ah", &h, on).unwrap();
    assert_eq!((r.value.place.as_str(), r.value.rule, r.value.current.as_deref()), ("zj", 2, Some("zj")));
    let mut h = stays(&[("zj", 12)]);
    h[0].temporary = true;
    assert_eq!(p.benefit_place("ah", &h, on).unwrap().value.rule, 4);
}

#[test]
fn bad_history_names_the_field() {
    let p = params();
    let on = day("2025-03-01");
    assert!(matches!(p.benefit_place("xx", &stays(&[("zj", 1)]), on), Err(TransferError::Input { field: "hukou", .. })));
    assert!(matches!(p.benefit_place("ah", &[], on), Err(TransferError::Input { field: "history", .. })));
    let e = p.benefit_place("ah", &stays(&[("zz", 1)]), on).unwrap_err().to_string();
    assert!(e.starts_with("history: 'zz' is no province code"), "{e}");
    assert!(matches!(p.benefit_place("ah", &stays(&[("zj", 200)]), on), Err(TransferError::Input { field: "history", .. })));
}

#[test]
fn temporary_account_ages() {
    let p = params();
    let on = day("2025-03-01");
    let t = |s, a, home| p.temporary_account(s, a, home, on).unwrap().value;
    assert_eq!(t(Sex::Male, 50, false), TemporaryAccount { temporary: true, from_age: 50 });
    assert!(!t(Sex::Male, 49, false).temporary);
    assert_eq!(t(Sex::Female, 40, false), TemporaryAccount { temporary: true, from_age: 40 });
    assert!(!t(Sex::Female, 39, false).temporary);
    assert!(!t(Sex::Male, 58, true).temporary);
    let r = p.temporary_account(Sex::Female, 45, false, on).unwrap();
    assert_eq!(r.params[0].key, "transfer.temporary_account_age_female");
    assert!(matches!(p.temporary_account(Sex::Male, 300, false, on), Err(TransferError::Input { field: "age", .. })));
}

#[test]
fn deadlines_follow_the_holiday_calendar() {
    let p = params();
    // 15 working days after 2025-09-15 cross the National Day week and both make-up days.
    let r = p.transfer_deadlines(day("2025-09-15")).unwrap();
    let v = r.value;
    assert_eq!((v.review_due, v.handover_due, v.completion_due), (day("2025-10-11"), day("2025-10-31"), day("2025-11-21")));
    assert_eq!(v.working_days, 45);
    assert_eq!(r.params.len(), 3);
    assert!(r.steps.iter().any(|s| s.en.contains("2025-09-28 is a make-up working day")));
    // Across the new year into 2026: its own calendar (Spring Festival 02-15..02-23).
    let v = p.transfer_deadlines(day("2026-01-05")).unwrap().value;
    assert_eq!((v.review_due, v.handover_due, v.completion_due), (day("2026-01-26"), day("2026-02-14"), day("2026-03-13")));
}

#[test]
fn deadlines_outside_the_calendar_are_an_error() {
    let p = params();
    let e = p.transfer_deadlines(day("2024-12-20")).unwrap_err();
    assert!(matches!(e, TransferError::Workday(WorkdayError::NoCalendar { year: 2024, .. })), "{e}");
    // Starts in 2026 but runs into 2027, whose calendar is not published: estimated Monday to
    // Friday there, and the explanation says so. 2026-11-20 + 15 working days = 12-11; + 15 =
    // 2027-01-01 (a Friday, counted as a working day by the estimate); + 15 = 2027-01-22.
    let r = p.transfer_deadlines(day("2026-11-20")).unwrap();
    let v = r.value;
    assert_eq!((v.review_due, v.handover_due, v.completion_due), (day("2026-12-11"), day("2027-01-01"), day("2027-01-22")));
    assert!(r.warnings.iter().any(|w| w.en.contains("2027 holiday arrangement is not published")), "{:?}", r.warnings);
    assert!(r.warnings.iter().any(|w| w.zh.contains("2027年的放假安排还没有公布")));
    // The strict count stays an error.
    assert!(matches!(p.calendar().add(day("2026-12-20"), 15), Err(WorkdayError::NoCalendar { year: 2027, .. })));
}

fn place_code() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("zj"), Just("ah"), Just("sh"), Just("js"), Just("33")]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn pool_transfer_is_12_percent_of_the_bases_since_1998(bases in proptest::collection::vec(0i64..5_000_000, 0..60), start in 1990i32..2020) {
        let p = params();
        let months: Vec<PaidMonth> = bases.iter().enumerate()
            .filter_map(|(i, b)| YearMonth::new(start, 1).and_then(|m| m.add_months(i as i64)).map(|month| PaidMonth { month, base_fen: *b }))
            .collect();
        let r = p.transfer_funds(&months, 0, day("2025-01-01")).unwrap().value;
        let since: i128 = months.iter().filter(|m| m.month >= ym("1998-01")).map(|m| i128::from(m.base_fen)).sum();
        prop_assert_eq!(i128::from(r.pool_transfer_fen), (since * 12 + 50) / 100);
        prop_assert_eq!(r.months as usize, months.len());
        // Never more than 12% of all bases, rounded up by at most half a fen.
        let all: i128 = months.iter().map(|m| i128::from(m.base_fen)).sum();
        prop_assert!(i128::from(r.pool_transfer_fen) * 100 <= all * 12 + 50);
    }

    #[test]
    fn the_benefit_place_is_hukou_or_a_place_with_enough_years(hukou in place_code(), list in proptest::collection::vec((place_code(), 0u32..15, any::<bool>()), 1..6)) {
        let p = params();
        let h: Vec<Stay> = list.iter().map(|(c, y, t)| Stay { place: c.to_string(), years: *y, temporary: *t }).collect();
        let v = p.benefit_place(hukou, &h, day("2025-01-01")).unwrap().value;
        let code = |c: &str| p.provinces.find(c).map(|p| p.code.clone()).unwrap_or_default();
        let years = |c: &str| h.iter().filter(|s| !s.temporary && code(&s.place) == c).map(|s| s.years).sum::<u32>();
        prop_assert!((1..=4).contains(&v.rule));
        match v.rule {
            1 | 4 => prop_assert_eq!(v.place.clone(), code(hukou)),
            _ => prop_assert!(years(&v.place) >= 10),
        }
        // A place that only ever held temporary accounts never pays, unless it is the hukou province.
        if v.place != code(hukou) {
            prop_assert!(h.iter().any(|s| !s.temporary && code(&s.place) == v.place));
        }
        prop_assert_eq!(v.rule == 1, v.current.as_deref() == Some(code(hukou).as_str()));
    }
}
