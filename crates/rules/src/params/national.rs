//! Reading `national.toml`: the national rules and the design values every region shares.

use super::ParamError;
use super::convert::*;
use super::load::{Reader, invalid};
use super::model::*;
use crate::money::Dec6;
use std::ops::RangeInclusive;

pub(super) fn read_national(mut r: Reader) -> Result<National, ParamError> {
    let n = read_values(&mut r)?;
    check_national(r.file, &n)?;
    r.finish(n)
}

fn read_values(r: &mut Reader) -> Result<National, ParamError> {
    Ok(National {
        accrual_per_year: r.series("accrual_per_year", rate)?,
        years_decimals: r.series("years_decimals", count)?,
        divisor_table: r.series("divisor_table", divisor_table)?,
        divisor_by_month: r.series("divisor_by_month", boolean)?,
        credited_rate: r.series("credited_rate", rate)?,
        new_contribution_interest_factor: r.series("new_contribution_interest_factor", rate)?,
        retirement_reform: r.series("retirement_reform", reform)?,
        flexible_early_retirement_months: r.series("flexible_early_retirement_months", count)?,
        min_contribution_years: r.series("min_contribution_years", min_years)?,
        continued_contribution_until_min_years: r.series("continued_contribution_until_min_years", boolean)?,
        injury_ride_hailing: r.series("injury_premium.ride_hailing", yuan)?,
        injury_instant_delivery: r.series("injury_premium.instant_delivery", yuan)?,
        injury_instant_delivery_high: r.series("injury_premium.instant_delivery_high", yuan)?,
        injury_same_city_freight: r.series("injury_premium.same_city_freight", yuan)?,
        residents_grades: r.series("residents.grades", grades)?,
        residents_subsidy_low: r.series("residents.subsidy_low", yuan)?,
        residents_subsidy_high: r.series("residents.subsidy_high", yuan)?,
        residents_subsidy_high_from_grade: r.series("residents.subsidy_high_from_grade", yuan)?,
        residents_account_divisor: r.series("residents.account_divisor", count)?,
        residents_min_years: r.series("residents.min_years", count)?,
        residents_basic_pension: r.series("residents.basic_pension", yuan)?,
        burden_benchmark: r.series("burden_benchmark", rate)?,
        lapse_after_months: r.series("lapse_after_months", count)?,
        monitor: Monitor {
            earning_threshold: r.series("monitor.earning_threshold", yuan)?,
            earning_months: r.series("monitor.earning_months", count)?,
            window_months: r.series("monitor.window_months", count)?,
            interrupt_share: r.series("monitor.interrupt_share", rate)?,
            horizon_years: r.series("monitor.horizon_years", count)?,
            escalate_after_working_days: r.series("monitor.escalate_after_working_days", count)?,
        },
        credit: Credit {
            floor: r.series("credit.floor", rate)?,
            floor_years: r.series("credit.floor_years", count)?,
            grade_a_from: r.series("credit.grade_a_from", rate)?,
            grade_b_from: r.series("credit.grade_b_from", rate)?,
            breaches_per_step: r.series("credit.breaches_per_step", count)?,
        },
        complaint_response_hours: r.series("complaint.response_hours", count)?,
        agency_message_max_age_seconds: r.series("agency_message_max_age_seconds", count)?,
        agency_message_max_ahead_seconds: r.series("agency_message_max_ahead_seconds", count)?,
        transfer: TransferRules {
            pool_rate: r.series("transfer.pool_rate", rate)?,
            pool_from_month: r.series("transfer.pool_from_month", month)?,
            benefit_place_min_years: r.series("transfer.benefit_place_min_years", count)?,
            temporary_account_age_male: r.series("transfer.temporary_account_age_male", count)?,
            temporary_account_age_female: r.series("transfer.temporary_account_age_female", count)?,
            review_working_days: r.series("transfer.review_working_days", count)?,
            handover_working_days: r.series("transfer.handover_working_days", count)?,
            completion_working_days: r.series("transfer.completion_working_days", count)?,
        },
        choice: ChoiceRules {
            leave_with_arrears: r.series("enrol.leave_with_arrears", boolean)?,
            backpay_max_months: r.series("backpay.max_months", count)?,
            backpay_late_fee_daily: r.series("backpay.late_fee_daily", rate)?,
            sustained_income_threshold: r.series("enrol.sustained_income_threshold", yuan)?,
            sustained_income_months: r.series("enrol.sustained_income_months", count)?,
            sustained_income_window_months: r.series("enrol.sustained_income_window_months", count)?,
            savings_occasional_share: r.series("savings.occasional_share", rate)?,
            savings_occasional_tax_rate: r.series("savings.occasional_tax_rate", rate)?,
            savings_withdrawal_tax_rate: r.series("savings.withdrawal_tax_rate", rate)?,
        },
        kiosk: KioskParams {
            code_ttl_seconds: r.series("kiosk_code_ttl_seconds", count)?,
            code_attempts: r.series("kiosk_code_attempts", count)?,
            code_sends_per_hour: r.series("kiosk_code_sends_per_hour", count)?,
            code_sends_per_client_hour: r.series("kiosk_code_sends_per_client_hour", count)?,
            idle_seconds: r.series("kiosk_idle_seconds", count)?,
        },
        fund: FundParams {
            shortfall: r.series("fund.shortfall", shortfall)?,
            super_deduction: r.series("platform.super_deduction", dec6)?,
            refund_revenue_below: r.series("platform.refund_revenue_below", yuan)?,
            corporate_tax_rate: r.series("platform.corporate_tax_rate", rate)?,
            union_dues_per_active_worker: r.series("union.dues_per_active_worker", yuan)?,
        },
    })
}

/// Bounds a value must keep whatever its date: a value outside them is a typo or a unit slip
/// (seconds for minutes), and the rules that read it assume them.
fn check_national(file: &str, n: &National) -> Result<(), ParamError> {
    if n.fund.super_deduction.items.iter().any(|d| d.value < Dec6::ONE || d.value > Dec6(3_000_000)) {
        return Err(invalid(file, "platform.super_deduction", "must be 1 to 3 (1.5 deducts 150%)"));
    }
    // The monitor's window holds the 3 months an interruption is measured against.
    let bounded: [(&str, &Series<u32>, RangeInclusive<u32>, &str); 13] = [
        ("years_decimals", &n.years_decimals, 0..=6, " decimals"),
        ("lapse_after_months", &n.lapse_after_months, 1..=u32::MAX, " months"),
        ("monitor.window_months", &n.monitor.window_months, 4..=24, " months"),
        ("monitor.earning_months", &n.monitor.earning_months, 1..=24, " months"),
        ("complaint.response_hours", &n.complaint_response_hours, 1..=720, " hours"),
        ("kiosk_code_ttl_seconds", &n.kiosk.code_ttl_seconds, 30..=3600, " seconds"),
        ("kiosk_idle_seconds", &n.kiosk.idle_seconds, 15..=3600, " seconds"),
        ("kiosk_code_attempts", &n.kiosk.code_attempts, 1..=1000, ""),
        ("kiosk_code_sends_per_hour", &n.kiosk.code_sends_per_hour, 1..=1000, ""),
        ("kiosk_code_sends_per_client_hour", &n.kiosk.code_sends_per_client_hour, 1..=1000, ""),
        ("credit.floor_years", &n.credit.floor_years, 1..=10, " years"),
        ("credit.breaches_per_step", &n.credit.breaches_per_step, 1..=1000, " breaches"),
        ("enrol.sustained_income_window_months", &n.choice.sustained_income_window_months, 1..=24, " months"),
    ];
    for (key, s, range, unit) in bounded {
        if s.items.iter().any(|d| !range.contains(&d.value)) {
            let problem = match *range.end() {
                u32::MAX => format!("must be at least {}{unit}", range.start()),
                hi => format!("must be {} to {hi}{unit}", range.start()),
            };
            return Err(invalid(file, key, problem));
        }
    }
    let (need, window) = (&n.choice.sustained_income_months.items, &n.choice.sustained_income_window_months.items);
    if need.iter().any(|d| d.value == 0 || window.iter().all(|w| d.value > w.value)) {
        return Err(invalid(file, "enrol.sustained_income_months", "must be at least 1 and at most the window's months"));
    }
    Ok(())
}
