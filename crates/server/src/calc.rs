//! The calculators as requests and responses: one shape shared by the CLI (`flexpension calc`)
//! and the API (`/api/v1/calc/...`), so the two always agree. Pure: no I/O, `today` comes in.
//!
//! Field names of the responses are a contract used outside this repository.

use chrono::NaiveDate;
use flexpension_rules::checkdigit::{self, IdCheck, IdKind};
use flexpension_rules::contribution::{ContributionError, ContributionInput, ContributionView};
use flexpension_rules::estimate::ResidentsPension;
use flexpension_rules::injury::{InjuryError, InjuryPremium, OrderType};
use flexpension_rules::money::{Dec6, parse_yuan_nonneg};
use flexpension_rules::pension::{Pension, PensionError, PensionInput};
use flexpension_rules::retirement::Retirement;
use flexpension_rules::workdays::WorkdayError;
use flexpension_rules::{Age, Category, Explained, ParamError, ParamUse, Params, Text, YearMonth};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

mod transfer;
pub use transfer::*;

/// A number, as a JSON number or as text: `3800`, `"3800"`, `"3800.50"` (yuan: up to 2 decimals).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum NumText {
    Text(String),
    Int(i64),
    Float(f64),
}

impl NumText {
    pub(crate) fn text(&self) -> String {
        match self {
            NumText::Text(s) => s.clone(),
            NumText::Int(i) => i.to_string(),
            NumText::Float(f) => f.to_string(),
        }
    }
}

/// Written by hand for the text form's constraint: not blank (the API refuses a blank number).
impl utoipa::PartialSchema for NumText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
        let num = |t, f| ObjectBuilder::new().schema_type(t).format(Some(SchemaFormat::KnownFormat(f)));
        let text = ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).pattern(Some(r"\S"));
        let about = "A number, as a JSON number or as text: `3800`, `\"3800\"`, `\"3800.50\"` (yuan: up to 2 decimals).";
        let one = OneOfBuilder::new().description(Some(about)).item(text).item(num(Type::Integer, KnownFormat::Int64));
        one.item(num(Type::Number, KnownFormat::Double)).into()
    }
}

impl ToSchema for NumText {}

impl From<&str> for NumText {
    fn from(s: &str) -> Self {
        NumText::Text(s.to_string())
    }
}

/// A bad request: which field and why, in words a person can act on. Also the API's one error
/// shape, `{"error", "message", "field"}`, for every endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error, ToSchema)]
#[schema(as = Error)]
#[error("{field}: {message}")]
pub struct CalcError {
    /// A stable code. From the calculators: `invalid_input`, `unknown_name`, `bad_parameters`
    /// (400), `no_parameter` (422). From the API: `malformed`, `unknown_field`, `missing_field`
    /// (400), `not_found`, `method_not_allowed`, `payload_too_large`, `unsupported_media_type`,
    /// and the codes each operation lists.
    pub error: &'static str,
    pub message: String,
    /// The request field at fault; empty when it is the request as a whole.
    pub field: String,
}

fn bad(field: &str, message: impl Into<String>) -> CalcError {
    CalcError { error: "invalid_input", message: message.into(), field: field.to_string() }
}

impl CalcError {
    fn param(e: ParamError, field: &str) -> CalcError {
        let error = match &e {
            ParamError::NoValue { .. } => "no_parameter",
            ParamError::Unknown { .. } => "unknown_name",
            _ => "bad_parameters",
        };
        let field = match &e {
            ParamError::Unknown { what, .. } => (*what).to_string(),
            _ => field.to_string(),
        };
        // Users see this: never the parameter file's name, only the parameter and its problem.
        let message = match e {
            ParamError::Invalid { key, problem, .. } => format!("{key}: {problem}"),
            ParamError::Syntax { .. } => "the rule data could not be read".into(),
            e => e.to_string(),
        };
        CalcError { error, message, field }
    }
}

fn yuan_field(field: &str, v: &NumText) -> Result<i64, CalcError> {
    parse_yuan_nonneg(&v.text()).map_err(|e| bad(field, format!("{e} (yuan, up to 2 decimals)")))
}

fn month_field(field: &str, v: &str) -> Result<YearMonth, CalcError> {
    v.parse().map_err(|e: flexpension_rules::time::BadMonth| bad(field, e.to_string()))
}

fn date_field(field: &str, v: &str) -> Result<NaiveDate, CalcError> {
    v.trim().parse().map_err(|_| bad(field, format!("'{v}' is not a date: write YYYY-MM-DD")))
}

/// The explanation parts every response carries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}

fn split<T>(e: Explained<T>) -> (T, Explanation) {
    (e.value, Explanation { steps: e.steps, params: e.params, warnings: e.warnings })
}

// ---------------------------------------------------------------- contribution

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ContributionRequest {
    /// Insurance region code; default the deployment's region (`zj`).
    #[serde(default)]
    pub region: Option<String>,
    /// Contribution month, `YYYY-MM`.
    #[schema(example = "2025-03")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub month: String,
    /// Verified income from all platforms this month, yuan.
    #[schema(example = "3800")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub income: NumText,
    /// The base the worker declared, yuan; default the region's lower limit.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub base: Option<NumText>,
    /// `current` (the law; default) or `paper` (the paper's proposal).
    #[serde(default)]
    pub policy: Option<String>,
    /// A named overlay, e.g. `paper-2024` to reproduce the paper's 2024 figures.
    #[serde(default)]
    pub overlay: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContributionResponse {
    pub region: String,
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay: Option<String>,
    #[serde(flatten)]
    pub result: ContributionView,
    #[serde(flatten)]
    pub explanation: Explanation,
}

pub fn contribution(p: &Params, r: &ContributionRequest) -> Result<ContributionResponse, CalcError> {
    let region = r.region.as_deref().filter(|s| !s.is_empty()).unwrap_or(crate::DEFAULT_REGION);
    let policy = r.policy.as_deref().filter(|s| !s.is_empty());
    let overlay = r.overlay.as_deref().filter(|s| !s.is_empty());
    let s = p.scenario(region, policy, overlay).map_err(|e| CalcError::param(e, "region"))?;
    let input = ContributionInput {
        month: month_field("month", &r.month)?,
        income_fen: yuan_field("income", &r.income)?,
        declared_base_fen: match &r.base {
            None => None,
            Some(NumText::Text(t)) if t.trim().is_empty() => None,
            Some(b) => Some(yuan_field("base", b)?),
        },
    };
    let out = s.contribution(&input).map_err(|e| match e {
        ContributionError::Input { field, reason } => bad(field, reason),
        ContributionError::Param(e) => CalcError::param(e, "month"),
    })?;
    let (result, explanation) = split(out);
    Ok(ContributionResponse {
        region: s.region.code.clone(),
        policy: s.policy.name.clone(),
        overlay: overlay.map(str::to_string),
        result,
        explanation,
    })
}

// ---------------------------------------------------------------- retirement

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RetirementRequest {
    /// Birth month, `YYYY-MM`.
    #[schema(example = "1971-04")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub birth: String,
    /// `male` or `female`.
    #[schema(example = "female")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub sex: String,
    /// Women only: `female55` or `female50`; default the region's practice.
    #[serde(default)]
    pub category: Option<String>,
    /// Insurance region code; default the deployment's region.
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetirementResponse {
    #[serde(flatten)]
    pub result: Retirement,
    #[serde(flatten)]
    pub explanation: Explanation,
}

pub fn retirement(p: &Params, r: &RetirementRequest, today: NaiveDate) -> Result<RetirementResponse, CalcError> {
    let birth = month_field("birth", &r.birth)?;
    let category = match (r.sex.trim(), r.category.as_deref().filter(|c| !c.is_empty())) {
        ("male", None) => Category::Male,
        ("male", Some(_)) => return Err(bad("category", "a category is only chosen for women (female55 or female50)")),
        ("female", Some(c)) => match Category::parse(c) {
            Some(c @ (Category::Female55 | Category::Female50)) => c,
            _ => return Err(bad("category", format!("'{c}' is not female55 or female50"))),
        },
        ("female", None) => {
            // The region decides which original age applies to women in the flexible track.
            let region = r.region.as_deref().unwrap_or(crate::DEFAULT_REGION);
            let s = p.scenario(region, None, None).map_err(|e| CalcError::param(e, "region"))?;
            let (c, _) =
                p.lookup(&s.region.female_flexible_category, today, |c| c.as_str().into()).map_err(|e| CalcError::param(e, "category"))?;
            *c
        }
        (other, _) => return Err(bad("sex", format!("'{other}' is not male or female"))),
    };
    if birth.first_day() > today {
        return Err(bad("birth", "is in the future"));
    }
    let mut out = p.retirement(birth, category, today).map_err(|e| CalcError::param(e, "birth"))?;
    if r.sex.trim() == "female" && r.category.as_deref().filter(|c| !c.is_empty()).is_none() {
        let region = r.region.as_deref().unwrap_or(crate::DEFAULT_REGION);
        if let Ok(s) = p.scenario(region, None, None)
            && let Ok((_, u)) = p.lookup(&s.region.female_flexible_category, today, |c| c.as_str().into())
        {
            out.warnings.push(Text::new(
                format!("未指定类别，按{}的做法视为{}（来源较弱）。", s.region.name_zh, category.as_str()),
                format!("No category given; {}'s practice is taken as {} (weak source).", s.region.name_en, category.as_str()),
            ));
            out.params.push(u);
        }
    }
    let (result, explanation) = split(out);
    Ok(RetirementResponse { result, explanation })
}

// ---------------------------------------------------------------- pension

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PensionRequest {
    /// Insurance region code; checked when given.
    #[serde(default)]
    pub region: Option<String>,
    /// Retirement month, `YYYY-MM`.
    #[schema(example = "2025-12")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub retire: String,
    /// Age at retirement, e.g. `60y1m`.
    #[schema(example = "60y1m")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub age: String,
    /// Benefit base (last year's average monthly wage), yuan.
    #[schema(example = "8462")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub benefit_base: NumText,
    /// Average contribution index, e.g. `0.872`.
    #[schema(example = "0.872")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub index: NumText,
    /// Months of contributions.
    #[schema(example = "517")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub months: NumText,
    /// Personal account balance, yuan.
    #[schema(example = "111640.05")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub balance: NumText,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PensionResponse {
    #[serde(flatten)]
    pub result: Pension,
    #[serde(flatten)]
    pub explanation: Explanation,
}

fn pension_err(e: PensionError, default_field: &str) -> CalcError {
    match e {
        PensionError::Input { field, reason } => bad(field, reason),
        PensionError::Param(e) => CalcError::param(e, default_field),
    }
}

pub fn pension(p: &Params, r: &PensionRequest) -> Result<PensionResponse, CalcError> {
    if let Some(region) = r.region.as_deref().filter(|s| !s.is_empty()) {
        p.scenario(region, None, None).map_err(|e| CalcError::param(e, "region"))?;
    }
    let months = r.months.text();
    let input = PensionInput {
        retire: month_field("retire", &r.retire)?,
        age: r.age.parse().map_err(|e: flexpension_rules::time::BadAge| bad("age", e.to_string()))?,
        benefit_base_fen: yuan_field("benefit_base", &r.benefit_base)?,
        avg_contribution_index: Dec6::parse(&r.index.text()).map_err(|e| bad("index", e.to_string()))?,
        months: months.trim().parse().map_err(|_| bad("months", format!("'{months}' is not a whole number of months")))?,
        balance_fen: yuan_field("balance", &r.balance)?,
    };
    let (result, explanation) = split(p.pension(&input).map_err(|e| pension_err(e, "retire"))?);
    Ok(PensionResponse { result, explanation })
}

// ---------------------------------------------------------------- workdays

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WorkdaysRequest {
    /// Start date, `YYYY-MM-DD`.
    #[schema(example = "2025-09-26")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub from: String,
    /// Working days to add (give this or `to`).
    #[serde(default)]
    #[schema(example = "7")]
    #[param(value_type = Option<String>)]
    pub add: Option<NumText>,
    /// End date, `YYYY-MM-DD` (give this or `add`).
    #[serde(default)]
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkdaysResponse {
    /// With `add`: the date that many working days later.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// With `to`: the working days between the dates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub working_days: Option<u32>,
    #[serde(flatten)]
    pub explanation: Explanation,
}

pub fn workdays(p: &Params, r: &WorkdaysRequest) -> Result<WorkdaysResponse, CalcError> {
    let from = date_field("from", &r.from)?;
    let cal_err = |field: &str, e: WorkdayError| CalcError { error: "no_parameter", message: e.to_string(), field: field.into() };
    match (&r.add, r.to.as_deref().filter(|s| !s.is_empty())) {
        (Some(n), None) => {
            let t = n.text();
            let n: u32 = t.trim().parse().map_err(|_| bad("add", format!("'{t}' is not a whole number of working days")))?;
            let (d, explanation) = split(p.calendar().add(from, n).map_err(|e| cal_err("add", e))?);
            Ok(WorkdaysResponse { date: Some(d), working_days: None, explanation })
        }
        (None, Some(to)) => {
            let to = date_field("to", to)?;
            let (n, explanation) = split(p.calendar().between(from, to).map_err(|e| cal_err("to", e))?);
            Ok(WorkdaysResponse { date: None, working_days: Some(n), explanation })
        }
        _ => Err(bad("add", "give either add (a number of working days) or to (a date), not both")),
    }
}

// ---------------------------------------------------------------- injury

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InjuryRequest {
    /// `ride_hailing`, `instant_delivery` or `same_city_freight`.
    #[schema(example = "instant_delivery")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub order_type: String,
    /// Orders in the period.
    #[schema(example = "1200")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub orders: NumText,
    /// `standard` (default) or `high`: instant delivery's 0.25-yuan level.
    #[serde(default)]
    pub level: Option<String>,
    /// `YYYY-MM-DD`; default today (Asia/Shanghai).
    #[serde(default)]
    pub date: Option<String>,
    /// Insurance region code; default the national rates.
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InjuryResponse {
    #[serde(flatten)]
    pub result: InjuryPremium,
    #[serde(flatten)]
    pub explanation: Explanation,
}

pub fn injury(p: &Params, r: &InjuryRequest, today: NaiveDate) -> Result<InjuryResponse, CalcError> {
    let t: OrderType = r.order_type.trim().parse().map_err(|e: String| bad("order_type", e))?;
    let o = r.orders.text();
    let orders: u64 = o.trim().parse().map_err(|_| bad("orders", format!("'{o}' is not a whole number of orders")))?;
    let high = match r.level.as_deref().map(str::trim) {
        None | Some("") | Some("standard") => false,
        Some("high") if t == OrderType::InstantDelivery => true,
        Some("high") => return Err(bad("level", "only instant delivery has a high level")),
        Some(other) => return Err(bad("level", format!("'{other}' is not standard or high"))),
    };
    let date = match r.date.as_deref().filter(|s| !s.is_empty()) {
        Some(d) => date_field("date", d)?,
        None => today,
    };
    let region = match r.region.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => Some(p.scenario(code, None, None).map_err(|e| CalcError::param(e, "region"))?.region),
        None => None,
    };
    let out = p.injury_premium(t, orders, high, date, region.as_ref()).map_err(|e| match e {
        InjuryError::TooMany(_) => bad("orders", e.to_string()),
        InjuryError::NotCovered { .. } => CalcError { error: "no_parameter", message: e.to_string(), field: "date".into() },
        InjuryError::Param(e) => CalcError::param(e, "date"),
    })?;
    let (result, explanation) = split(out);
    Ok(InjuryResponse { result, explanation })
}

// ---------------------------------------------------------------- id check

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IdCheckRequest {
    /// A resident ID (18 characters) or a unified social credit code. Not logged or stored.
    #[schema(example = "11010519491231002X")]
    pub number: String,
    /// `resident_id` or `uscc`; guessed when left out.
    #[serde(default)]
    pub kind: Option<String>,
}

pub fn id_check(r: &IdCheckRequest) -> Result<IdCheck, CalcError> {
    let kind = match r.kind.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("resident_id") => Some(IdKind::ResidentId),
        Some("uscc") => Some(IdKind::Uscc),
        Some(other) => return Err(bad("kind", format!("'{other}' is not resident_id or uscc"))),
    };
    Ok(checkdigit::check(&r.number, kind))
}

// ---------------------------------------------------------------- estimate (the worker's page)

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EstimateRequest {
    /// Insurance region code; default the deployment's region.
    #[serde(default)]
    pub region: Option<String>,
    /// `current` (the law; default) or `paper` (the paper's proposal).
    #[serde(default)]
    pub policy: Option<String>,
    /// The base contributed on, yuan; default the region's lower limit in `month`.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub base: Option<NumText>,
    /// Retirement month, `YYYY-MM` (the estimate is in that month's money).
    #[schema(example = "2025-03")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub month: String,
    /// Years of contributions.
    #[schema(example = "15")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub years: NumText,
    /// Age at retirement, default `60`.
    #[serde(default)]
    pub age: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EstimateResponse {
    #[serde(flatten)]
    pub result: Pension,
    pub base_fen: i64,
    pub years: u32,
    #[serde(flatten)]
    pub explanation: Explanation,
}

pub fn estimate(p: &Params, r: &EstimateRequest) -> Result<EstimateResponse, CalcError> {
    let region = r.region.as_deref().filter(|s| !s.is_empty()).unwrap_or(crate::DEFAULT_REGION);
    let s = p.scenario(region, r.policy.as_deref().filter(|s| !s.is_empty()), None).map_err(|e| CalcError::param(e, "region"))?;
    let month = month_field("month", &r.month)?;
    let (rules, _) = s.month_rules(month).map_err(|e| CalcError::param(e, "month"))?;
    let base = match &r.base {
        None => rules.base_lower_fen,
        Some(NumText::Text(t)) if t.trim().is_empty() => rules.base_lower_fen,
        Some(b) => yuan_field("base", b)?.clamp(rules.base_lower_fen, rules.base_upper_fen),
    };
    let y = r.years.text();
    let years: u32 = y.trim().parse().map_err(|_| bad("years", format!("'{y}' is not a whole number of years")))?;
    let age: Age = match r.age.as_deref().filter(|s| !s.is_empty()) {
        Some(a) => a.parse().map_err(|e: flexpension_rules::time::BadAge| bad("age", e.to_string()))?,
        None => Age { years: 60, months: 0 },
    };
    let out = s.estimate_pension(base, years, age, month).map_err(|e| pension_err(e, "month"))?;
    let (result, explanation) = split(out);
    Ok(EstimateResponse { result, base_fen: base, years, explanation })
}

// ---------------------------------------------------------------- residents' pension

#[derive(Debug, Clone, Deserialize, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ResidentsRequest {
    /// Yearly grade, yuan (100, 200, ... 2000).
    #[schema(example = "100")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub grade: NumText,
    /// Years of contributions.
    #[schema(example = "15")]
    #[param(value_type = String, min_length = 1, pattern = r"\S")]
    pub years: NumText,
    /// `YYYY-MM`.
    #[schema(example = "2025-03")]
    #[schema(min_length = 1, pattern = r"\S")]
    #[param(min_length = 1, pattern = r"\S")]
    pub month: String,
    /// Monthly income, yuan, to show the replacement rate.
    #[serde(default)]
    #[param(value_type = Option<String>)]
    pub income: Option<NumText>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResidentsResponse {
    #[serde(flatten)]
    pub result: ResidentsPension,
    #[serde(flatten)]
    pub explanation: Explanation,
}

pub fn residents(p: &Params, r: &ResidentsRequest) -> Result<ResidentsResponse, CalcError> {
    let grade = yuan_field("grade", &r.grade)?;
    let y = r.years.text();
    let years: u32 = y.trim().parse().map_err(|_| bad("years", format!("'{y}' is not a whole number of years")))?;
    let month = month_field("month", &r.month)?;
    let income = r.income.as_ref().map(|i| yuan_field("income", i)).transpose()?;
    let out = p.residents_pension(grade, years, month, income).map_err(|e| pension_err(e, "month"))?;
    let (result, explanation) = split(out);
    Ok(ResidentsResponse { result, explanation })
}

#[cfg(test)]
mod tests;
