//! Statutory retirement month under the 2025 reform, the earliest flexible retirement, and the
//! minimum contribution years for the year statutory age is reached.

use crate::explain::{Explained, Explainer};
use crate::money::trim_decimal;
use crate::params::{Category, ParamError, Params};
use crate::time::{Age, YearMonth};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Retirement {
    pub category: Category,
    /// `YYYY-MM`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub retirement_month: YearMonth,
    pub age_years: u32,
    pub age_months: u32,
    pub delay_months: u32,
    pub min_contribution_months: u32,
    /// Years as a decimal string ("15", "15.5").
    pub min_contribution_years: String,
    /// `YYYY-MM`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub earliest_month: YearMonth,
}

impl Params {
    /// `today` picks the rules in force; the reform itself keys on the birth month.
    pub fn retirement(&self, birth: YearMonth, category: Category, today: NaiveDate) -> Result<Explained<Retirement>, ParamError> {
        let n = &self.national;
        let mut ex = Explainer::new();
        let (reform, u) = self.lookup(&n.retirement_reform, today, |_| "2025".into())?;
        ex.uses(u);
        let (early, u) = self.lookup(&n.flexible_early_retirement_months, today, |v| format!("{v}"))?;
        ex.uses(u);
        let (minr, u) = self.lookup(&n.min_contribution_years, today, |v| format!("{}..{}", v.base_months / 12, v.max_months / 12))?;
        ex.uses(u);
        let rule = reform.0.get(&category).copied().ok_or_else(|| ParamError::Invalid {
            file: n.retirement_reform.file.clone(),
            key: "retirement_reform".into(),
            problem: format!("no rule for {}", category.as_str()),
        })?;
        let m = birth.index() - rule.start_birth_month.index();
        let delay = if m < 0 { 0 } else { (m / i64::from(rule.step_birth_months) + 1).min(i64::from(rule.max_delay_months)) as u32 };
        let age_months = rule.original_age_years * 12 + delay;
        let age = Age::from_months(age_months);
        let overflow = || ParamError::Invalid { file: String::new(), key: "birth".into(), problem: "retirement month out of range".into() };
        let retire = birth.add_months(i64::from(age_months)).ok_or_else(overflow)?;
        let (cat_zh, cat_en) = match category {
            Category::Male => ("男职工", "men"),
            Category::Female55 => ("原法定退休年龄55岁的女职工", "women whose original retirement age was 55"),
            Category::Female50 => ("原法定退休年龄50岁的女职工", "women whose original retirement age was 50"),
        };
        ex.step(
            format!("{cat_zh}原来{}岁退休；{}年{}月及以后出生的，每{}个月延迟1个月，最多延迟{}个月。", rule.original_age_years, rule.start_birth_month.year(), rule.start_birth_month.month(), rule.step_birth_months, rule.max_delay_months),
            format!("For {cat_en} the age was {}; for those born in {} or later it rises by 1 month for every {} months of birth date, by at most {} months.", rule.original_age_years, rule.start_birth_month, rule.step_birth_months, rule.max_delay_months),
        );
        if m < 0 {
            ex.step(format!("您出生于{birth}，不受延迟影响。"), format!("You were born in {birth}, before the reform applies: no delay."));
        } else {
            ex.step(
                format!(
                    "您出生于{birth}，比{}晚{m}个月：⌊{m} ÷ {}⌋ + 1 = {}，最多{}，所以延迟{delay}个月。",
                    rule.start_birth_month,
                    rule.step_birth_months,
                    m / i64::from(rule.step_birth_months) + 1,
                    rule.max_delay_months
                ),
                format!(
                    "Born {birth}, {m} months after {}: ⌊{m} ÷ {}⌋ + 1 = {}, capped at {}, so the delay is {delay} months.",
                    rule.start_birth_month,
                    rule.step_birth_months,
                    m / i64::from(rule.step_birth_months) + 1,
                    rule.max_delay_months
                ),
            );
        }
        ex.step(
            format!("法定退休年龄：{}岁{}个月，在{retire}退休。", age.years, age.months),
            format!("Statutory retirement age: {} years {} months, reached in {retire}.", age.years, age.months),
        );
        let min_months = minr.months_for(retire.year());
        let min_years = trim_decimal(i64::from(min_months) * 100 / 12, 2);
        ex.step(
            format!("{}年退休的人，要领养老金至少要缴费{min_years}年（2030年起每年多6个月，最多20年）。", retire.year()),
            format!("Someone retiring in {} needs at least {min_years} years of contributions to draw a monthly pension (from 2030 it rises 6 months a year, up to 20).", retire.year()),
        );
        let earliest_age = (rule.original_age_years * 12).max(age_months.saturating_sub(*early));
        let earliest = birth.add_months(i64::from(earliest_age)).ok_or_else(overflow)?;
        let ea = Age::from_months(earliest_age);
        ex.step(
            format!("弹性提前退休：缴费满最低年限后，最早可在{earliest}（{}岁{}个月）退休，最多提前{}个月，且不早于原退休年龄。", ea.years, ea.months, early),
            format!("Flexible early retirement: once the minimum years are paid, the earliest is {earliest} (age {} years {} months): at most {} months early and never below the original age.", ea.years, ea.months, early),
        );
        Ok(ex.finish(Retirement {
            category,
            retirement_month: retire,
            age_years: age.years,
            age_months: age.months,
            delay_months: delay,
            min_contribution_months: min_months,
            min_contribution_years: min_years,
            earliest_month: earliest,
        }))
    }
}
