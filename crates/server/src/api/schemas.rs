//! OpenAPI descriptions of the calculators' requests and responses. The real types live in
//! [`crate::calc`] and the rules core, which stay free of utoipa; these mirrors only describe
//! them, and a test (`tests/openapi.rs`) checks every field here against real responses and
//! against the fields serde accepts, so the two cannot drift apart unnoticed.
#![allow(dead_code)]

use std::borrow::Cow;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::SchemaType};
use utoipa::{PartialSchema, ToSchema};

/// A number given as a JSON number or as text: `3800`, `"3800"`, `"3800.50"`.
pub struct NumText;

impl PartialSchema for NumText {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).pattern(Some(r"^\s*[+-]?\d*\.?\d*\s*$")))
            .item(ObjectBuilder::new().schema_type(SchemaType::new(Type::Number)))
            .description(Some("a number, as JSON number or text (yuan: up to 2 decimals)"))
            .into()
    }
}
impl ToSchema for NumText {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("NumText")
    }
}

/// One sentence in both UI languages.
#[derive(ToSchema)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

/// How sure a parameter value is: P primary law, S official secondary, W weak, M background
/// knowledge, C computed, PROPOSAL the paper's proposal (not law).
#[derive(ToSchema)]
pub enum Confidence {
    P,
    S,
    W,
    M,
    C,
    #[schema(rename = "PROPOSAL")]
    Proposal,
}

/// A parameter value a calculation used, and where it comes from.
#[derive(ToSchema)]
pub struct ParamUse {
    pub key: String,
    pub name: Text,
    pub value: String,
    #[schema(format = Date)]
    pub effective_from: String,
    #[schema(format = Date)]
    pub effective_to: Option<String>,
    pub source: String,
    pub source_title: String,
    /// The document number; left out when there is none.
    pub doc_no: Option<String>,
    pub confidence: Confidence,
    pub note: Option<Text>,
}

/// The error shape of every endpoint.
#[derive(ToSchema)]
pub struct Error {
    /// `malformed`, `unknown_field`, `missing_field`, `invalid_input`, `unknown_name`,
    /// `bad_parameters` (400); `no_parameter` (422); `not_found`, `method_not_allowed`,
    /// `payload_too_large`, `unsupported_media_type`.
    pub error: String,
    pub message: String,
    /// The request field at fault; empty when it is the request as a whole.
    pub field: String,
}

// ------------------------------------------------------------------ requests

#[derive(ToSchema)]
pub struct ContributionRequest {
    /// Insurance region code, default `zj`.
    pub region: Option<String>,
    /// Contribution month, `YYYY-MM`.
    #[schema(example = "2025-03")]
    pub month: String,
    /// Verified income from all platforms this month, yuan.
    #[schema(example = "3800")]
    pub income: NumText,
    /// The base the worker declared, yuan; default the region's lower limit.
    pub base: Option<NumText>,
    /// `current` (the law; default) or `paper` (the paper's proposal).
    pub policy: Option<String>,
    /// A named overlay, e.g. `paper-2024` to reproduce the paper's 2024 figures.
    pub overlay: Option<String>,
}

#[derive(ToSchema)]
pub struct RetirementRequest {
    /// Birth month, `YYYY-MM`.
    #[schema(example = "1971-04")]
    pub birth: String,
    /// `male` or `female`.
    #[schema(example = "female")]
    pub sex: String,
    /// Women only: `female55` or `female50`; default the region's practice.
    pub category: Option<String>,
    pub region: Option<String>,
}

#[derive(ToSchema)]
pub struct PensionRequest {
    pub region: Option<String>,
    /// Retirement month, `YYYY-MM`.
    #[schema(example = "2025-12")]
    pub retire: String,
    /// Age at retirement, e.g. `60y1m`.
    #[schema(example = "60y1m")]
    pub age: String,
    /// Benefit base (last year's average monthly wage), yuan.
    #[schema(example = "8462")]
    pub benefit_base: NumText,
    /// Average contribution index, e.g. `0.872`.
    #[schema(example = "0.872")]
    pub index: NumText,
    /// Months of contributions.
    #[schema(example = "517")]
    pub months: NumText,
    /// Personal account balance, yuan.
    #[schema(example = "111640.05")]
    pub balance: NumText,
}

#[derive(ToSchema)]
pub struct WorkdaysRequest {
    /// Start date, `YYYY-MM-DD`.
    #[schema(example = "2025-09-26")]
    pub from: String,
    /// Working days to add (give this or `to`).
    #[schema(example = "7")]
    pub add: Option<NumText>,
    /// End date, `YYYY-MM-DD` (give this or `add`).
    pub to: Option<String>,
}

#[derive(ToSchema)]
pub struct InjuryRequest {
    /// `ride_hailing`, `instant_delivery` or `same_city_freight`.
    #[schema(example = "instant_delivery")]
    pub order_type: String,
    #[schema(example = "1200")]
    pub orders: NumText,
    /// `standard` (default) or `high` (instant delivery only).
    pub level: Option<String>,
    /// `YYYY-MM-DD`; default today (Asia/Shanghai).
    pub date: Option<String>,
    pub region: Option<String>,
}

#[derive(ToSchema)]
pub struct IdCheckRequest {
    /// A resident ID (18 characters) or a unified social credit code. Not logged or stored.
    #[schema(example = "11010519491231002X")]
    pub number: String,
    /// `resident_id` or `uscc`; guessed when left out.
    pub kind: Option<String>,
}

#[derive(ToSchema)]
pub struct EstimateRequest {
    pub region: Option<String>,
    pub policy: Option<String>,
    /// Base contributed on, yuan; default the region's lower limit in `month`.
    pub base: Option<NumText>,
    /// Retirement month, `YYYY-MM` (the estimate is in that month's money).
    #[schema(example = "2025-03")]
    pub month: String,
    /// Years of contributions.
    #[schema(example = "15")]
    pub years: NumText,
    /// Age at retirement, default `60`.
    pub age: Option<String>,
}

#[derive(ToSchema)]
pub struct ResidentsRequest {
    /// Yearly grade, yuan (100, 200, ... 2000).
    #[schema(example = "100")]
    pub grade: NumText,
    #[schema(example = "15")]
    pub years: NumText,
    /// `YYYY-MM`.
    #[schema(example = "2025-03")]
    pub month: String,
    /// Monthly income, yuan, to show the replacement rate.
    pub income: Option<NumText>,
}

// ------------------------------------------------------------------ responses

#[derive(ToSchema)]
pub struct ContributionResponse {
    pub region: String,
    pub policy: String,
    pub overlay: Option<String>,
    #[schema(example = "2025-03")]
    pub month: String,
    pub income_fen: i64,
    /// The contribution base used, fen.
    pub base_fen: i64,
    /// Exact decimal rate, e.g. `0.20`.
    pub rate: String,
    pub contribution_fen: i64,
    pub personal_account_fen: i64,
    pub pooling_fen: i64,
    pub subsidy_fen: i64,
    /// What the worker pays after the subsidy, fen.
    pub net_fen: i64,
    /// Net cost ÷ income with 4 decimals (`0.2624`); null when income is 0.
    pub burden: Option<String>,
    pub over_benchmark: bool,
    /// The paper's burden benchmark (not an ILO rule), e.g. `0.10`.
    pub benchmark: String,
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}

#[derive(ToSchema)]
pub struct RetirementResponse {
    /// `male`, `female55` or `female50`.
    pub category: String,
    pub retirement_month: String,
    pub age_years: u32,
    pub age_months: u32,
    pub delay_months: u32,
    pub min_contribution_months: u32,
    pub min_contribution_years: String,
    pub earliest_month: String,
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}

#[derive(ToSchema)]
pub struct PensionResponse {
    pub basic_fen: i64,
    pub personal_fen: i64,
    pub total_fen: i64,
    /// Annuity divisor in months, one decimal (`138.4`).
    pub divisor: String,
    pub indexed_wage_fen: i64,
    pub years_counted: String,
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}

#[derive(ToSchema)]
pub struct WorkdaysResponse {
    /// With `add`: the date that many working days later.
    #[schema(format = Date)]
    pub date: Option<String>,
    /// With `to`: the working days between the dates.
    pub working_days: Option<u32>,
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}

#[derive(ToSchema)]
pub struct InjuryResponse {
    pub order_type: String,
    pub orders: u64,
    pub per_order_fen: i64,
    pub premium_fen: i64,
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}

#[derive(ToSchema)]
pub struct IdCheckResponse {
    pub valid: bool,
    /// `resident_id` or `uscc`; null when it cannot be told.
    pub kind: Option<String>,
    /// What is wrong, in plain words; null when valid.
    pub reason: Option<String>,
    pub warning: Option<String>,
    #[schema(format = Date)]
    pub birth_date: Option<String>,
}

#[derive(ToSchema)]
pub struct EstimateResponse {
    pub basic_fen: i64,
    pub personal_fen: i64,
    pub total_fen: i64,
    pub divisor: String,
    pub indexed_wage_fen: i64,
    pub years_counted: String,
    pub base_fen: i64,
    pub years: u32,
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}

#[derive(ToSchema)]
pub struct ResidentsResponse {
    pub grade_fen: i64,
    pub years: u32,
    pub subsidy_per_year_fen: i64,
    pub account_fen: i64,
    pub basic_fen: i64,
    pub personal_fen: i64,
    pub total_fen: i64,
    /// Pension ÷ income in ten-thousandths, when an income was given.
    pub replacement_bp: Option<i64>,
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}
