//! The calculators of [`crate::calc`] under `/calc/*`, each by GET (the request's fields as query
//! parameters) and POST (a JSON body or a form). One handler per method, so that the OpenAPI
//! document says which takes what; both read the request with [`Input`].

use super::input::Input;
use super::openapi::CalcRefusals;
use super::{ApiError, json};
use crate::AppState;
use crate::calc::{self, *};
use axum::extract::State;
use axum::response::Response;
use flexpension_rules::checkdigit::IdCheck;
use serde::Serialize;

type Answer = Result<Response, ApiError>;

fn answer<R: Serialize>(r: Result<R, CalcError>) -> Answer {
    r.map(|v| json(&v)).map_err(ApiError::from)
}

/// A month's contribution: base, rate, split, subsidy, what the worker pays, burden
#[utoipa::path(get, path = "/calc/contribution", tag = "calculators", params(ContributionRequest),
    responses((status = 200, description = "the result with its explanation", body = ContributionResponse), CalcRefusals))]
pub async fn contribution_get(State(s): State<AppState>, Input(r): Input<ContributionRequest>) -> Answer {
    answer(calc::contribution(s.params(), &r))
}

/// A month's contribution: base, rate, split, subsidy, what the worker pays, burden
#[utoipa::path(post, path = "/calc/contribution", tag = "calculators", request_body = ContributionRequest,
    responses((status = 200, description = "the result with its explanation", body = ContributionResponse), CalcRefusals))]
pub async fn contribution_post(State(s): State<AppState>, Input(r): Input<ContributionRequest>) -> Answer {
    answer(calc::contribution(s.params(), &r))
}

/// Statutory retirement month and minimum contribution years under the 2025 reform
#[utoipa::path(get, path = "/calc/retirement", tag = "calculators", params(RetirementRequest),
    responses((status = 200, description = "the result with its explanation", body = RetirementResponse), CalcRefusals))]
pub async fn retirement_get(State(s): State<AppState>, Input(r): Input<RetirementRequest>) -> Answer {
    answer(calc::retirement(s.params(), &r, s.today()))
}

/// Statutory retirement month and minimum contribution years under the 2025 reform
#[utoipa::path(post, path = "/calc/retirement", tag = "calculators", request_body = RetirementRequest,
    responses((status = 200, description = "the result with its explanation", body = RetirementResponse), CalcRefusals))]
pub async fn retirement_post(State(s): State<AppState>, Input(r): Input<RetirementRequest>) -> Answer {
    answer(calc::retirement(s.params(), &r, s.today()))
}

/// Monthly pension at retirement: basic pension plus personal-account pension
#[utoipa::path(get, path = "/calc/pension", tag = "calculators", params(PensionRequest),
    responses((status = 200, description = "the result with its explanation", body = PensionResponse), CalcRefusals))]
pub async fn pension_get(State(s): State<AppState>, Input(r): Input<PensionRequest>) -> Answer {
    answer(calc::pension(s.params(), &r))
}

/// Monthly pension at retirement: basic pension plus personal-account pension
#[utoipa::path(post, path = "/calc/pension", tag = "calculators", request_body = PensionRequest,
    responses((status = 200, description = "the result with its explanation", body = PensionResponse), CalcRefusals))]
pub async fn pension_post(State(s): State<AppState>, Input(r): Input<PensionRequest>) -> Answer {
    answer(calc::pension(s.params(), &r))
}

/// Working days on the official holiday calendar: add days, or count between dates
#[utoipa::path(get, path = "/calc/workdays", tag = "calculators", params(WorkdaysRequest),
    responses((status = 200, description = "the result with its explanation", body = WorkdaysResponse), CalcRefusals))]
pub async fn workdays_get(State(s): State<AppState>, Input(r): Input<WorkdaysRequest>) -> Answer {
    answer(calc::workdays(s.params(), &r))
}

/// Working days on the official holiday calendar: add days, or count between dates
#[utoipa::path(post, path = "/calc/workdays", tag = "calculators", request_body = WorkdaysRequest,
    responses((status = 200, description = "the result with its explanation", body = WorkdaysResponse), CalcRefusals))]
pub async fn workdays_post(State(s): State<AppState>, Input(r): Input<WorkdaysRequest>) -> Answer {
    answer(calc::workdays(s.params(), &r))
}

/// Occupational injury cover: the per-order premium a platform pays
#[utoipa::path(get, path = "/calc/injury", tag = "calculators", params(InjuryRequest),
    responses((status = 200, description = "the result with its explanation", body = InjuryResponse), CalcRefusals))]
pub async fn injury_get(State(s): State<AppState>, Input(r): Input<InjuryRequest>) -> Answer {
    answer(calc::injury(s.params(), &r, s.today()))
}

/// Occupational injury cover: the per-order premium a platform pays
#[utoipa::path(post, path = "/calc/injury", tag = "calculators", request_body = InjuryRequest,
    responses((status = 200, description = "the result with its explanation", body = InjuryResponse), CalcRefusals))]
pub async fn injury_post(State(s): State<AppState>, Input(r): Input<InjuryRequest>) -> Answer {
    answer(calc::injury(s.params(), &r, s.today()))
}

/// Check digits of a resident ID or a unified social credit code (not logged, not stored)
#[utoipa::path(get, path = "/calc/id-check", tag = "calculators", params(IdCheckRequest),
    responses((status = 200, description = "the check's result", body = IdCheck), CalcRefusals))]
pub async fn id_check_get(Input(r): Input<IdCheckRequest>) -> Answer {
    answer(calc::id_check(&r))
}

/// Check digits of a resident ID or a unified social credit code (not logged, not stored)
#[utoipa::path(post, path = "/calc/id-check", tag = "calculators", request_body = IdCheckRequest,
    responses((status = 200, description = "the check's result", body = IdCheck), CalcRefusals))]
pub async fn id_check_post(Input(r): Input<IdCheckRequest>) -> Answer {
    answer(calc::id_check(&r))
}

/// Pension estimate in today's money from a base and years of contributions
#[utoipa::path(get, path = "/calc/estimate", tag = "calculators", params(EstimateRequest),
    responses((status = 200, description = "the result with its explanation", body = EstimateResponse), CalcRefusals))]
pub async fn estimate_get(State(s): State<AppState>, Input(r): Input<EstimateRequest>) -> Answer {
    answer(calc::estimate(s.params(), &r))
}

/// Pension estimate in today's money from a base and years of contributions
#[utoipa::path(post, path = "/calc/estimate", tag = "calculators", request_body = EstimateRequest,
    responses((status = 200, description = "the result with its explanation", body = EstimateResponse), CalcRefusals))]
pub async fn estimate_post(State(s): State<AppState>, Input(r): Input<EstimateRequest>) -> Answer {
    answer(calc::estimate(s.params(), &r))
}

/// Residents' pension for comparison: yearly grade, years, monthly amount
#[utoipa::path(get, path = "/calc/residents", tag = "calculators", params(ResidentsRequest),
    responses((status = 200, description = "the result with its explanation", body = ResidentsResponse), CalcRefusals))]
pub async fn residents_get(State(s): State<AppState>, Input(r): Input<ResidentsRequest>) -> Answer {
    answer(calc::residents(s.params(), &r))
}

/// Residents' pension for comparison: yearly grade, years, monthly amount
#[utoipa::path(post, path = "/calc/residents", tag = "calculators", request_body = ResidentsRequest,
    responses((status = 200, description = "the result with its explanation", body = ResidentsResponse), CalcRefusals))]
pub async fn residents_post(State(s): State<AppState>, Input(r): Input<ResidentsRequest>) -> Answer {
    answer(calc::residents(s.params(), &r))
}

/// Cross-region transfer: the pooling-fund and personal-account money that moves (国办发〔2009〕66号 art. 4)
#[utoipa::path(get, path = "/calc/transfer-funds", tag = "calculators", params(TransferFundsRequest),
    responses((status = 200, description = "the result with its explanation", body = TransferFundsResponse), CalcRefusals))]
pub async fn transfer_funds_get(State(s): State<AppState>, Input(r): Input<TransferFundsRequest>) -> Answer {
    answer(calc::transfer_funds(s.params(), &r, s.today()))
}

/// Cross-region transfer: the pooling-fund and personal-account money that moves (国办发〔2009〕66号 art. 4)
#[utoipa::path(post, path = "/calc/transfer-funds", tag = "calculators", request_body = TransferFundsRequest,
    responses((status = 200, description = "the result with its explanation", body = TransferFundsResponse), CalcRefusals))]
pub async fn transfer_funds_post(State(s): State<AppState>, Input(r): Input<TransferFundsRequest>) -> Answer {
    answer(calc::transfer_funds(s.params(), &r, s.today()))
}

/// Cross-region transfer: the province that pays the pension and the rule of article 6 that decides it
#[utoipa::path(get, path = "/calc/benefit-place", tag = "calculators", params(BenefitPlaceRequest),
    responses((status = 200, description = "the result with its explanation", body = BenefitPlaceResponse), CalcRefusals))]
pub async fn benefit_place_get(State(s): State<AppState>, Input(r): Input<BenefitPlaceRequest>) -> Answer {
    answer(calc::benefit_place(s.params(), &r, s.today()))
}

/// Cross-region transfer: the province that pays the pension and the rule of article 6 that decides it
#[utoipa::path(post, path = "/calc/benefit-place", tag = "calculators", request_body = BenefitPlaceRequest,
    responses((status = 200, description = "the result with its explanation", body = BenefitPlaceResponse), CalcRefusals))]
pub async fn benefit_place_post(State(s): State<AppState>, Input(r): Input<BenefitPlaceRequest>) -> Answer {
    answer(calc::benefit_place(s.params(), &r, s.today()))
}

/// Cross-region transfer: whether the new place opens a temporary contribution account (men from 50, women from 40)
#[utoipa::path(get, path = "/calc/temporary-account", tag = "calculators", params(TemporaryAccountRequest),
    responses((status = 200, description = "the result with its explanation", body = TemporaryAccountResponse), CalcRefusals))]
pub async fn temporary_account_get(State(s): State<AppState>, Input(r): Input<TemporaryAccountRequest>) -> Answer {
    answer(calc::temporary_account(s.params(), &r, s.today()))
}

/// Cross-region transfer: whether the new place opens a temporary contribution account (men from 50, women from 40)
#[utoipa::path(post, path = "/calc/temporary-account", tag = "calculators", request_body = TemporaryAccountRequest,
    responses((status = 200, description = "the result with its explanation", body = TemporaryAccountResponse), CalcRefusals))]
pub async fn temporary_account_post(State(s): State<AppState>, Input(r): Input<TemporaryAccountRequest>) -> Answer {
    answer(calc::temporary_account(s.params(), &r, s.today()))
}

/// Cross-region transfer: the latest date of each statutory step (3 × 15 working days, art. 8)
#[utoipa::path(get, path = "/calc/transfer-deadlines", tag = "calculators", params(TransferDeadlinesRequest),
    responses((status = 200, description = "the result with its explanation", body = TransferDeadlinesResponse), CalcRefusals))]
pub async fn transfer_deadlines_get(State(s): State<AppState>, Input(r): Input<TransferDeadlinesRequest>) -> Answer {
    answer(calc::transfer_deadlines(s.params(), &r))
}

/// Cross-region transfer: the latest date of each statutory step (3 × 15 working days, art. 8)
#[utoipa::path(post, path = "/calc/transfer-deadlines", tag = "calculators", request_body = TransferDeadlinesRequest,
    responses((status = 200, description = "the result with its explanation", body = TransferDeadlinesResponse), CalcRefusals))]
pub async fn transfer_deadlines_post(State(s): State<AppState>, Input(r): Input<TransferDeadlinesRequest>) -> Answer {
    answer(calc::transfer_deadlines(s.params(), &r))
}
