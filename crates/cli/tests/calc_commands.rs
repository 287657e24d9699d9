//! `flexpension calc transfer-funds` and `calc benefit-place`: their JSON fields (a contract),
//! the explanation in both languages, and refusals that name the flag.

mod common;

use common::*;

fn fails(args: &[&str]) -> String {
    let dir = TempDir::new("calc");
    let o = run(&dir.0, args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}{}", stdout(&o), stderr(&o));
    stderr(&o)
}

#[test]
fn transfer_funds_json_and_text() {
    let dir = TempDir::new("calc");
    let v = json(&dir.0, &["calc", "transfer-funds", "--from", "2022-03", "--to", "2025-02", "--base", "4986", "--json"]);
    // 36 months × 4986 yuan × 12% = 21539.52 yuan.
    assert_eq!(v["months"], 36);
    assert_eq!(v["pool_transfer_fen"], 2_153_952);
    assert_eq!(v["params"][0]["key"], "transfer.pool_rate");
    let zh = ok(&dir.0, &["calc", "transfer-funds", "--from", "2022-03", "--to", "2025-02", "--base", "4986"]);
    assert!(zh.contains("统筹基金转移额: 21539.52") && zh.contains("国办发〔2009〕66号"), "{zh}");
    let en = ok(&dir.0, &["calc", "transfer-funds", "--from", "2022-03", "--to", "2025-02", "--base", "4986", "--lang", "en"]);
    assert!(en.contains("pooling-fund transfer: 21539.52") && en.contains("rounded half-up"), "{en}");
}

#[test]
fn benefit_place_json_and_text() {
    let dir = TempDir::new("calc");
    let v = json(&dir.0, &["calc", "benefit-place", "--hukou", "ah", "--history", "zj:12,sh:8", "--json"]);
    assert_eq!((v["place"].as_str(), v["rule"].as_u64()), (Some("zj"), Some(3)));
    let en = ok(&dir.0, &["calc", "benefit-place", "--hukou", "34", "--history", "zj:12,sh:8", "--lang", "en"]);
    assert!(en.contains("benefit place: Zhejiang (zj)") && en.contains("Rule 3"), "{en}");
    let zh = ok(&dir.0, &["calc", "benefit-place", "--hukou", "ah", "--history", "zj:12:temporary,sh:8"]);
    assert!(zh.contains("安徽省 (ah)") && zh.contains("临时缴费账户"), "{zh}");
}

#[test]
fn bad_input_names_the_flag() {
    let tf = |from: &str, to: &str, base: &str| fails(&["calc", "transfer-funds", "--from", from, "--to", to, "--base", base]);
    assert!(tf("2025-03", "2025-02", "4986").contains("--from: 2025-03 is after to"));
    assert!(tf("2025-3x", "2025-02", "4986").contains("--from:"));
    assert!(tf("2025-01", "2025-02", "-4986").contains("--base: '-4986' must not be negative"));
    let bp = |hukou: &str, history: &str| fails(&["calc", "benefit-place", "--hukou", hukou, "--history", history]);
    assert!(bp("xx", "zj:1").contains("--hukou: 'xx' is no province code"));
    assert!(bp("ah", "").contains("--history: is empty"));
    assert!(bp("ah", "zj").contains("--history: 'zj' is not place:years"));
    assert!(bp("ah", "zj:12,qq:3").contains("--history: 'qq' is no province code"));
    assert!(bp("ah", "zj:twelve").contains("--history:"));
}

#[test]
fn temporary_account_and_deadlines() {
    let dir = TempDir::new("calc");
    let v = json(&dir.0, &["calc", "temporary-account", "--sex", "male", "--age", "52", "--hukou", "ah", "--insured-in", "zj", "--json"]);
    assert_eq!((v["temporary"].as_bool(), v["from_age"].as_u64()), (Some(true), Some(50)));
    let en =
        ok(&dir.0, &["calc", "temporary-account", "--sex", "female", "--age", "39", "--hukou", "ah", "--insured-in", "zj", "--lang", "en"]);
    assert!(en.contains("temporary contribution account: no") && en.contains("age 40"), "{en}");
    let zh = ok(&dir.0, &["calc", "transfer-deadlines", "--application", "2025-09-15"]);
    assert!(zh.contains("新参保地办结最晚: 2025-11-21") && zh.contains("调休上班日"), "{zh}");
    // A year not published yet is estimated Monday to Friday, and said so; one before the
    // calendars is refused.
    let later = ok(&dir.0, &["calc", "transfer-deadlines", "--application", "2027-03-01", "--lang", "en"]);
    assert!(later.contains("2027 holiday arrangement is not published yet"), "{later}");
    let e = fails(&["calc", "transfer-deadlines", "--application", "2024-03-01"]);
    assert!(e.contains("--application:") && e.contains("2024"), "{e}");
    assert!(fails(&["calc", "temporary-account", "--sex", "x", "--age", "1", "--hukou", "ah", "--insured-in", "zj"]).contains("--sex:"));
    assert!(
        fails(&["calc", "temporary-account", "--sex", "male", "--age", "1", "--hukou", "ah", "--insured-in", "qq"])
            .contains("--insured-in:")
    );
}
