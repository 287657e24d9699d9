//! The transfer calculators (国办发〔2009〕66号) as requests and responses: the funds that move
//! and the benefit place. Field names are a contract, as for the other calculators.

use super::{CalcError, Explanation, NumText, bad, date_field, month_field, split, yuan_field};
use chrono::NaiveDate;
use flexpension_rules::Params;
use flexpension_rules::transfer::{BenefitPlace, PaidMonth, Sex, Stay, TemporaryAccount, TransferDeadlines, TransferError, TransferFunds};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

fn transfer_error(e: TransferError, param_field: &str) -> CalcError {
    match e {
        TransferError::Input { field, problem } => bad(field, problem),
        TransferError::Param(e) => CalcError::param(e, param_field),
        TransferError::Workday(e) => CalcError { error: "no_parameter", message: e.to_string(), field: param_field.into() },
    }
}

// ---------------------------------------------------------------- transfer funds

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TransferFundsRequest {
    /// First contribution month, `YYYY-MM`.
    #[schema(example = "2022-03")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub from: String,
    /// Last contribution month, `YYYY-MM` (inclusive).
    #[schema(example = "2025-02")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub to: String,
    /// The monthly contribution base over those months, yuan.
    #[schema(example = "4986")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub base: NumText,
    /// The personal-account balance that moves in full, yuan; default 0.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub personal_account: Option<NumText>,
    /// The transfer's date, `YYYY-MM-DD`, which picks the rules in force; default today.
    #[serde(default)]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferFundsResponse {
    #[serde(flatten)]
    pub result: TransferFunds,
    #[serde(flatten)]
    pub explanation: Explanation,
}

/// The most months one question covers: 100 years.
const MAX_MONTHS: i64 = 1200;

pub fn transfer_funds(p: &Params, r: &TransferFundsRequest, today: NaiveDate) -> Result<TransferFundsResponse, CalcError> {
    let from = month_field("from", &r.from)?;
    let to = month_field("to", &r.to)?;
    if from > to {
        return Err(bad("from", format!("{from} is after to ({to})")));
    }
    if to.index() - from.index() >= MAX_MONTHS {
        return Err(bad("from", format!("{from}..{to} is more than {MAX_MONTHS} months")));
    }
    let base_fen = yuan_field("base", &r.base)?;
    let personal = match &r.personal_account {
        None => 0,
        Some(NumText::Text(t)) if t.trim().is_empty() => 0,
        Some(v) => yuan_field("personal_account", v)?,
    };
    let on = match r.date.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(d) => date_field("date", d)?,
        None => today,
    };
    let months: Vec<PaidMonth> = (from.index()..=to.index())
        .filter_map(flexpension_rules::YearMonth::from_index)
        .map(|month| PaidMonth { month, base_fen })
        .collect();
    let out = p.transfer_funds(&months, personal, on).map_err(|e| transfer_error(e, "date"))?;
    let (result, explanation) = split(out);
    Ok(TransferFundsResponse { result, explanation })
}

// ---------------------------------------------------------------- benefit place

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BenefitPlaceRequest {
    /// The hukou province: a two-letter code (`ah`) or a GB/T 2260 prefix (`34`).
    #[schema(example = "ah")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub hukou: String,
    /// The insurance history in order, the last place current: `place:years,...`; a place that
    /// held only a temporary account is written `place:years:temporary`.
    #[schema(example = "zj:12,sh:8")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub history: String,
    /// `YYYY-MM-DD`, which picks the rules in force; default today.
    #[serde(default)]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BenefitPlaceResponse {
    #[serde(flatten)]
    pub result: BenefitPlace,
    #[serde(flatten)]
    pub explanation: Explanation,
}

/// The most places one history lists.
const MAX_STAYS: usize = 100;

/// `zj:12,sh:8` (a `:temporary` third part marks a temporary account).
pub fn parse_history(text: &str) -> Result<Vec<Stay>, CalcError> {
    if text.trim().is_empty() {
        return Err(bad("history", "is empty: give place:years pairs, e.g. zj:12,sh:8"));
    }
    if text.split(',').count() > MAX_STAYS {
        return Err(bad("history", format!("has more than {MAX_STAYS} places")));
    }
    text.split(',')
        .map(|pair| {
            let parts: Vec<&str> = pair.trim().split(':').map(str::trim).collect();
            let malformed = || bad("history", format!("'{}' is not place:years (e.g. zj:12, or zj:12:temporary)", pair.trim()));
            let (place, years, temporary) = match parts.as_slice() {
                [p, y] => (*p, *y, false),
                [p, y, "temporary"] => (*p, *y, true),
                _ => return Err(malformed()),
            };
            if place.is_empty() {
                return Err(malformed());
            }
            let years: u32 = years.parse().map_err(|_| bad("history", format!("'{}': years must be a whole number ≥ 0", pair.trim())))?;
            Ok(Stay { place: place.to_string(), years, temporary })
        })
        .collect()
}

pub fn benefit_place(p: &Params, r: &BenefitPlaceRequest, today: NaiveDate) -> Result<BenefitPlaceResponse, CalcError> {
    let history = parse_history(&r.history)?;
    let on = match r.date.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(d) => date_field("date", d)?,
        None => today,
    };
    let out = p.benefit_place(r.hukou.trim(), &history, on).map_err(|e| transfer_error(e, "date"))?;
    let (result, explanation) = split(out);
    Ok(BenefitPlaceResponse { result, explanation })
}

// ---------------------------------------------------------------- temporary account

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TemporaryAccountRequest {
    /// `male` or `female`.
    #[schema(example = "male")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub sex: String,
    /// Age in whole years.
    #[schema(example = "52")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub age: NumText,
    /// The hukou province: a two-letter code or a GB/T 2260 prefix.
    #[schema(example = "ah")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub hukou: String,
    /// The province of the new insurance place.
    #[schema(example = "zj")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub insured_in: String,
    /// `YYYY-MM-DD`, which picks the rules in force; default today.
    #[serde(default)]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TemporaryAccountResponse {
    #[serde(flatten)]
    pub result: TemporaryAccount,
    #[serde(flatten)]
    pub explanation: Explanation,
}

pub fn temporary_account(p: &Params, r: &TemporaryAccountRequest, today: NaiveDate) -> Result<TemporaryAccountResponse, CalcError> {
    let sex = match r.sex.trim() {
        "male" => Sex::Male,
        "female" => Sex::Female,
        other => return Err(bad("sex", format!("'{other}' is not male or female"))),
    };
    let t = r.age.text();
    let age: u32 = t.trim().parse().map_err(|_| bad("age", format!("'{t}' is not a whole number of years")))?;
    let province = |field: &'static str, code: &str| {
        p.provinces
            .find(code)
            .map(|p| p.code.clone())
            .ok_or_else(|| bad(field, format!("'{code}' is no province code ({})", p.provinces.codes())))
    };
    let home = province("hukou", &r.hukou)? == province("insured_in", &r.insured_in)?;
    let on = match r.date.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(d) => date_field("date", d)?,
        None => today,
    };
    let out = p.temporary_account(sex, age, home, on).map_err(|e| transfer_error(e, "date"))?;
    let (result, explanation) = split(out);
    Ok(TemporaryAccountResponse { result, explanation })
}

// ---------------------------------------------------------------- deadlines

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TransferDeadlinesRequest {
    /// The day the written transfer application was filed, `YYYY-MM-DD`.
    #[schema(example = "2025-09-15")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub application: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferDeadlinesResponse {
    #[serde(flatten)]
    pub result: TransferDeadlines,
    #[serde(flatten)]
    pub explanation: Explanation,
}

pub fn transfer_deadlines(p: &Params, r: &TransferDeadlinesRequest) -> Result<TransferDeadlinesResponse, CalcError> {
    let application = date_field("application", &r.application)?;
    let out = p.transfer_deadlines(application).map_err(|e| transfer_error(e, "application"))?;
    let (result, explanation) = split(out);
    Ok(TransferDeadlinesResponse { result, explanation })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Params {
        Params::embedded().unwrap()
    }
    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn transfer_funds_contract_fields() {
        let r =
            TransferFundsRequest { from: "2022-03".into(), to: "2025-02".into(), base: "4986".into(), personal_account: None, date: None };
        let v = serde_json::to_value(transfer_funds(&p(), &r, today()).unwrap()).unwrap();
        assert_eq!(v["months"], 36);
        assert_eq!(v["pool_transfer_fen"], 2_153_952);
        assert!(v["steps"].as_array().is_some_and(|s| !s.is_empty()) && v["params"][0]["source"] == "GBF2009-66");
    }

    #[test]
    fn transfer_funds_refusals_name_the_field() {
        let req = |from: &str, to: &str, base: &str| TransferFundsRequest {
            from: from.into(),
            to: to.into(),
            base: base.into(),
            personal_account: None,
            date: None,
        };
        let e = |r: TransferFundsRequest| transfer_funds(&p(), &r, today()).unwrap_err();
        assert_eq!(e(req("2025-03", "2025-02", "4986")).field, "from");
        assert_eq!(e(req("2025-13", "2025-02", "4986")).field, "from");
        assert_eq!(e(req("2025-01", "x", "4986")).field, "to");
        let neg = e(req("2025-01", "2025-02", "-1"));
        assert_eq!((neg.field.as_str(), neg.message.contains("negative")), ("base", true));
    }

    #[test]
    fn benefit_place_contract_fields_and_refusals() {
        let r = BenefitPlaceRequest { hukou: "ah".into(), history: "zj:12,sh:8".into(), date: None };
        let v = serde_json::to_value(benefit_place(&p(), &r, today()).unwrap()).unwrap();
        assert_eq!((v["place"].as_str(), v["rule"].as_u64()), (Some("zj"), Some(3)));
        let e = |h: &str, hist: &str| {
            benefit_place(&p(), &BenefitPlaceRequest { hukou: h.into(), history: hist.into(), date: None }, today()).unwrap_err()
        };
        assert_eq!(e("xx", "zj:1").field, "hukou");
        let long = vec!["zj:1"; 101].join(",");
        for bad in ["", "zj", "zj:x", "zj:12:maybe", ":3", "zj:-1", "qq:3", long.as_str()] {
            assert_eq!(e("ah", bad).field, "history", "{bad}");
        }
        let t = BenefitPlaceRequest { hukou: "ah".into(), history: "zj:12:temporary,sh:8".into(), date: None };
        assert_eq!(benefit_place(&p(), &t, today()).unwrap().result.rule, 4);
    }

    #[test]
    fn temporary_account_and_deadlines() {
        let req = |sex: &str, age: &str, hukou: &str, insured_in: &str| TemporaryAccountRequest {
            sex: sex.into(),
            age: age.into(),
            hukou: hukou.into(),
            insured_in: insured_in.into(),
            date: None,
        };
        let v = serde_json::to_value(temporary_account(&p(), &req("male", "52", "ah", "zj"), today()).unwrap()).unwrap();
        assert_eq!((v["temporary"].as_bool(), v["from_age"].as_u64()), (Some(true), Some(50)));
        assert!(!temporary_account(&p(), &req("female", "45", "ah", "34"), today()).unwrap().result.temporary);
        assert_eq!(temporary_account(&p(), &req("x", "45", "ah", "zj"), today()).unwrap_err().field, "sex");
        assert_eq!(temporary_account(&p(), &req("male", "-1", "ah", "zj"), today()).unwrap_err().field, "age");
        assert_eq!(temporary_account(&p(), &req("male", "50", "ah", "qq"), today()).unwrap_err().field, "insured_in");
        let v = serde_json::to_value(transfer_deadlines(&p(), &TransferDeadlinesRequest { application: "2025-09-15".into() }).unwrap())
            .unwrap();
        assert_eq!(
            (v["review_due"].as_str(), v["completion_due"].as_str(), v["working_days"].as_u64()),
            (Some("2025-10-11"), Some("2025-11-21"), Some(45))
        );
        // A year not published yet: estimated, with the warning; before the calendars: refused.
        let later = transfer_deadlines(&p(), &TransferDeadlinesRequest { application: "2027-03-01".into() }).unwrap();
        assert!(later.explanation.warnings.iter().any(|w| w.en.contains("2027 holiday arrangement")), "{:?}", later.explanation.warnings);
        let e = transfer_deadlines(&p(), &TransferDeadlinesRequest { application: "2024-03-01".into() }).unwrap_err();
        assert_eq!((e.error, e.field.as_str()), ("no_parameter", "application"));
        assert!(e.message.contains("2024"), "{}", e.message);
    }
}
