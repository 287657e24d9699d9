//! The shapes of the rule data once loaded.

use super::ParamError;
use crate::explain::Text;
use crate::money::{Dec6, Fen, Rate};
use crate::time::YearMonth;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// How sure we are of a value (see `params/sources.toml`): P primary law, S official secondary,
/// W weak, M background knowledge, C computed, PROPOSAL the paper's proposal (not law).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Confidence {
    P,
    S,
    W,
    M,
    C,
    #[serde(rename = "PROPOSAL")]
    Proposal,
}

impl Confidence {
    pub fn parse(s: &str) -> Option<Confidence> {
        Some(match s {
            "P" => Confidence::P,
            "S" => Confidence::S,
            "W" => Confidence::W,
            "M" => Confidence::M,
            "C" => Confidence::C,
            "PROPOSAL" => Confidence::Proposal,
            _ => return None,
        })
    }
}

/// A document a value comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub doc_no: String,
    pub url: String,
}

/// One value with its period and provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Dated<T> {
    pub from: NaiveDate,
    /// Inclusive; `None` means until the next value starts (or for ever when last).
    pub to: Option<NaiveDate>,
    pub value: T,
    pub source: String,
    pub confidence: Confidence,
    pub note: Option<Text>,
    /// For shares a policy lets people choose: the inclusive range a chosen value must fall in.
    pub allowed: Option<(Dec6, Dec6)>,
}

/// A parameter: its values in date order, contiguous (checked when loaded).
#[derive(Debug, Clone, PartialEq)]
pub struct Series<T> {
    pub key: String,
    pub file: String,
    pub items: Vec<Dated<T>>,
}

impl<T> Series<T> {
    /// The value in force on `date`.
    pub fn at(&self, date: NaiveDate) -> Result<&Dated<T>, ParamError> {
        let no = |problem: String| ParamError::NoValue { file: self.file.clone(), key: self.key.clone(), date, problem };
        let i = self.items.partition_point(|d| d.from <= date);
        let Some(d) = i.checked_sub(1).and_then(|i| self.items.get(i)) else {
            return Err(no(match self.items.first() {
                Some(first) => format!("values start on {}", first.from),
                None => "the parameter has no values".into(),
            }));
        };
        match d.to {
            Some(to) if to < date => Err(no(format!("the last value ended on {to}"))),
            _ => Ok(d),
        }
    }

    /// The most recent value (for projections in today's terms).
    pub fn latest(&self) -> Option<&Dated<T>> {
        self.items.last()
    }

    /// Replace the value of the record whose period starts on `from`, keeping its provenance.
    pub fn set_value(&mut self, from: NaiveDate, value: T) -> bool {
        match self.items.iter_mut().find(|d| d.from == from) {
            Some(d) => {
                d.value = value;
                true
            }
            None => false,
        }
    }
}

/// One income bracket: incomes up to `up_to_fen` (inclusive; `None` = no limit) pay `rate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bracket {
    pub up_to_fen: Option<Fen>,
    pub rate: Rate,
}

/// Income brackets in rising order, the last one open. Current law is a single bracket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brackets(pub Vec<Bracket>);

impl Brackets {
    /// The bracket an income falls in (index and bracket).
    pub fn find(&self, income_fen: Fen) -> (usize, Bracket) {
        for (i, b) in self.0.iter().enumerate() {
            match b.up_to_fen {
                Some(up) if income_fen > up => continue,
                _ => return (i, *b),
            }
        }
        // Loading guarantees an open last bracket; this keeps the function total anyway.
        (self.0.len().saturating_sub(1), self.0.last().copied().unwrap_or(Bracket { up_to_fen: None, rate: Dec6::ZERO }))
    }
}

impl std::fmt::Display for Brackets {
    /// "≤3999.99: 12%; ≤6000.00: 16%; >6000.00: 20%" (yuan of monthly income).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&limits_text(self.0.iter().map(|b| (b.up_to_fen, b.rate))))
    }
}

/// Rising inclusive limits and their rates or shares, as people read them.
fn limits_text(items: impl Iterator<Item = (Option<Fen>, Rate)>) -> String {
    let mut prev: Option<Fen> = None;
    let parts: Vec<String> = items
        .map(|(up_to, r)| {
            let s = match (up_to, prev) {
                (Some(up), _) => format!("≤{}: {}", crate::money::yuan(up), r.percent()),
                (None, Some(p)) => format!(">{}: {}", crate::money::yuan(p), r.percent()),
                (None, None) => r.percent(),
            };
            prev = up_to;
            s
        })
        .collect();
    parts.join("; ")
}

/// One subsidy band: incomes up to `up_to_fen` (inclusive; `None` = up to the subsidy's ceiling)
/// get `share` of their contribution paid by the provincial fund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubsidyBand {
    pub up_to_fen: Option<Fen>,
    pub share: Rate,
}

/// The subsidy share by income band, in rising order, the last one open. It applies only below
/// the policy's `subsidy_income_below`; one band means one share for every income under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsidyBands(pub Vec<SubsidyBand>);

impl SubsidyBands {
    /// One share for every income under the ceiling.
    pub fn flat(share: Rate) -> SubsidyBands {
        SubsidyBands(vec![SubsidyBand { up_to_fen: None, share }])
    }

    /// The band an income falls in (index and band), the ceiling aside.
    pub fn find(&self, income_fen: Fen) -> (usize, SubsidyBand) {
        for (i, b) in self.0.iter().enumerate() {
            match b.up_to_fen {
                Some(up) if income_fen > up => continue,
                _ => return (i, *b),
            }
        }
        // Loading guarantees an open last band; this keeps the function total anyway.
        (self.0.len().saturating_sub(1), self.0.last().copied().unwrap_or(SubsidyBand { up_to_fen: None, share: Dec6::ZERO }))
    }

    /// The share of the band an income falls in, as `find` gives it, but counting the limits the
    /// income passes instead of branching on each: random incomes make branches unpredictable.
    #[inline]
    pub fn share_at(&self, income_fen: Fen) -> Rate {
        let passed = self.0.iter().filter(|b| b.up_to_fen.is_some_and(|u| income_fen > u)).count();
        self.0.get(passed).or(self.0.last()).map_or(Dec6::ZERO, |b| b.share)
    }

    /// No band pays anything.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|b| b.share == Dec6::ZERO)
    }

    /// The shares alone, lowest incomes first: "50%/40%/30%", or "40%" for one band.
    pub fn shares_text(&self) -> String {
        self.0.iter().map(|b| b.share.percent()).collect::<Vec<_>>().join("/")
    }

    /// The lowest and highest income of band `i` under the ceiling `below_fen`, in fen; `None`
    /// when the ceiling leaves the band empty.
    pub fn range(&self, i: usize, below_fen: Fen) -> Option<(Fen, Fen)> {
        let from = match i.checked_sub(1) {
            None => 0,
            Some(j) => self.0.get(j)?.up_to_fen? + 1,
        };
        let b = self.0.get(i)?;
        let to = b.up_to_fen.map_or(below_fen - 1, |u| u.min(below_fen - 1));
        (from <= to).then_some((from, to))
    }
}

impl std::fmt::Display for SubsidyBands {
    /// "≤2999.99: 50%; ≤3999.99: 40%; >3999.99: 30%" (yuan of monthly income), or "40%".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&limits_text(self.0.iter().map(|b| (b.up_to_fen, b.share))))
    }
}

/// Whole-year annuity divisors (计发月数) by age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DivisorTable(pub BTreeMap<u32, u32>);

/// Which original retirement age applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Male,
    Female55,
    Female50,
}

impl Category {
    pub fn parse(s: &str) -> Option<Category> {
        match s {
            "male" => Some(Category::Male),
            "female55" => Some(Category::Female55),
            "female50" => Some(Category::Female50),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Male => "male",
            Category::Female55 => "female55",
            Category::Female50 => "female50",
        }
    }
}

/// The reform's rule for one category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReformRule {
    pub start_birth_month: YearMonth,
    pub original_age_years: u32,
    pub step_birth_months: u32,
    pub max_delay_months: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reform(pub BTreeMap<Category, ReformRule>);

/// Minimum contribution months by the year statutory age is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinYearsRule {
    pub base_months: u32,
    pub first_rise_year: i32,
    pub rise_months_per_year: u32,
    pub max_months: u32,
}

impl MinYearsRule {
    pub fn months_for(&self, year: i32) -> u32 {
        if year < self.first_rise_year {
            return self.base_months;
        }
        let rises = u32::try_from(year - self.first_rise_year + 1).unwrap_or(u32::MAX);
        self.base_months.saturating_add(rises.saturating_mul(self.rise_months_per_year)).min(self.max_months)
    }
}

/// National rules.
#[derive(Debug, Clone)]
pub struct National {
    pub accrual_per_year: Series<Rate>,
    pub years_decimals: Series<u32>,
    pub divisor_table: Series<DivisorTable>,
    pub divisor_by_month: Series<bool>,
    pub credited_rate: Series<Rate>,
    pub new_contribution_interest_factor: Series<Rate>,
    pub retirement_reform: Series<Reform>,
    pub flexible_early_retirement_months: Series<u32>,
    pub min_contribution_years: Series<MinYearsRule>,
    /// 延缴: past the statutory retirement age a worker may go on paying only while short of the
    /// minimum contribution years (true), or not at all (false).
    pub continued_contribution_until_min_years: Series<bool>,
    pub injury_ride_hailing: Series<Fen>,
    pub injury_instant_delivery: Series<Fen>,
    pub injury_instant_delivery_high: Series<Fen>,
    pub injury_same_city_freight: Series<Fen>,
    pub residents_grades: Series<Vec<Fen>>,
    pub residents_subsidy_low: Series<Fen>,
    pub residents_subsidy_high: Series<Fen>,
    pub residents_subsidy_high_from_grade: Series<Fen>,
    pub residents_account_divisor: Series<u32>,
    pub residents_min_years: Series<u32>,
    pub residents_basic_pension: Series<Fen>,
    pub burden_benchmark: Series<Rate>,
    /// Closed months in a row not paid in full after which a worker counts as lapsed (断保).
    pub lapse_after_months: Series<u32>,
    /// Signed agency messages: the oldest accepted, seconds.
    pub agency_message_max_age_seconds: Series<u32>,
    /// Signed agency messages: the furthest ahead of our clock accepted, seconds.
    pub agency_message_max_ahead_seconds: Series<u32>,
    pub monitor: Monitor,
    pub credit: Credit,
    /// Complaints (一键维权): the hours a platform has to respond, clock hours.
    pub complaint_response_hours: Series<u32>,
    /// Cross-region transfer (转移接续), 国办发〔2009〕66号.
    pub transfer: TransferRules,
    /// The worker's own choices (the paper's 5.1-5.2): leaving, back-payment, the sustained
    /// income test, the pension savings account and its taxes.
    pub choice: ChoiceRules,
    /// The self-service terminal (智能自助终端): sign-in codes and the idle timeout.
    pub kiosk: KioskParams,
    /// The provincial special fund and what platforms pay (sections 5.2 and 5.4 of the paper).
    pub fund: FundParams,
}

/// The worker's own choices: what leaving, back-payment, the sustained income test and the
/// pension savings account (个人养老储蓄账户) allow.
#[derive(Debug, Clone)]
pub struct ChoiceRules {
    /// May a worker leave the employee pension while months are unpaid?
    pub leave_with_arrears: Series<bool>,
    /// How many months back an unpaid month may still be paid (补缴), counted from this month.
    pub backpay_max_months: Series<u32>,
    /// The daily late-payment surcharge (滞纳金) on a flexible worker's own arrears.
    pub backpay_late_fee_daily: Series<Rate>,
    /// The sustained income test (持续性收入): income in a month at or above this counts it.
    pub sustained_income_threshold: Series<Fen>,
    /// ... and this many such months ...
    pub sustained_income_months: Series<u32>,
    /// ... within this many months (the month looked at included).
    pub sustained_income_window_months: Series<u32>,
    /// The share of a year's occasional income (偶然所得) that may go into the savings account.
    pub savings_occasional_share: Series<Rate>,
    /// The income tax rate on occasional income, which a deposit is deducted from before tax.
    pub savings_occasional_tax_rate: Series<Rate>,
    /// The tax on money taken out of the savings account (deferred to withdrawal).
    pub savings_withdrawal_tax_rate: Series<Rate>,
}

/// The self-service terminal's design values (see `crate::kiosk`).
#[derive(Debug, Clone)]
pub struct KioskParams {
    pub code_ttl_seconds: Series<u32>,
    pub code_attempts: Series<u32>,
    pub code_sends_per_hour: Series<u32>,
    pub code_sends_per_client_hour: Series<u32>,
    pub idle_seconds: Series<u32>,
}

/// The provincial special fund's shortfall policy, the platforms' tax statement and union dues.
#[derive(Debug, Clone)]
pub struct FundParams {
    /// What happens when a city's allocation cannot pay a subsidy in full.
    pub shortfall: Series<crate::fund::Shortfall>,
    /// Each yuan of contribution a platform pays is deducted as this many yuan (the paper: 1.5).
    pub super_deduction: Series<Rate>,
    /// Platforms with a year's revenue under this get the refund at once (即征即退).
    pub refund_revenue_below: Series<Fen>,
    /// The enterprise income tax rate a platform's deduction saves.
    pub corporate_tax_rate: Series<Rate>,
    /// Union dues a platform pays a month per active worker (one order or more in the month).
    pub union_dues_per_active_worker: Series<Fen>,
}

/// Platform credit rating (信用评价): insured shares, grades and the sanctions floor.
#[derive(Debug, Clone)]
pub struct Credit {
    /// Under this insured share a year counts against the platform.
    pub floor: Series<Rate>,
    /// That many years under the floor in a row put the platform on the sanctions list.
    pub floor_years: Series<u32>,
    pub grade_a_from: Series<Rate>,
    pub grade_b_from: Series<Rate>,
    /// Every this many complaints left unanswered past their deadline in a month lower that
    /// month's grade one step.
    pub breaches_per_step: Series<u32>,
}

/// Risk monitoring (风险监测): when a worker is flagged to the grid worker.
#[derive(Debug, Clone)]
pub struct Monitor {
    /// Platform income in a month that counts the month as worked.
    pub earning_threshold: Series<Fen>,
    /// Worked months within the window that make an unenrolled worker "uninsured but working".
    pub earning_months: Series<u32>,
    /// The months looked at, the month itself included.
    pub window_months: Series<u32>,
    /// A month under this share of the 3 months before it is an interruption.
    pub interrupt_share: Series<Rate>,
    /// Years before retirement from which a shortfall of contribution years is flagged.
    pub horizon_years: Series<u32>,
    /// Working days an alert may stay without any outcome before it goes up to the officer.
    pub escalate_after_working_days: Series<u32>,
}

/// The rules of a cross-region transfer (国办发〔2009〕66号): articles 4, 6 and 8, and the
/// temporary-account ages.
#[derive(Debug, Clone)]
pub struct TransferRules {
    /// Article 4: share of each monthly base since `pool_from_month` the pooling fund hands over.
    pub pool_rate: Series<Rate>,
    pub pool_from_month: Series<YearMonth>,
    /// Article 6: cumulative years that make a place outside the hukou province the benefit place.
    pub benefit_place_min_years: Series<u32>,
    /// From these ages a worker not insured in the hukou province gets a temporary account.
    pub temporary_account_age_male: Series<u32>,
    pub temporary_account_age_female: Series<u32>,
    /// Article 8: the three steps' limits in working days.
    pub review_working_days: Series<u32>,
    pub handover_working_days: Series<u32>,
    pub completion_working_days: Series<u32>,
}

/// An insurance region (统筹区).
#[derive(Debug, Clone)]
pub struct Region {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub default_policy: String,
    pub base_lower: Series<Fen>,
    pub base_upper: Series<Fen>,
    pub benefit_base: Series<Fen>,
    pub female_flexible_category: Series<Category>,
    pub injury_cover_from: Series<bool>,
    /// The day of the following month a platform's monthly bill falls due (`crate::platform_bill`).
    pub platform_bill_due_day: Series<u32>,
    /// The region's prefecture-level cities (GB/T 2260), when it lists them (`params::cities`).
    pub cities: Option<Series<super::Cities>>,
}

/// A policy scenario: how the rate, the split and the subsidy are set.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub title_zh: String,
    pub title_en: String,
    pub rate_brackets: Series<Brackets>,
    pub personal_account_rate: Series<Rate>,
    /// The share of the contribution subsidised, by income band.
    pub subsidy_share: Series<SubsidyBands>,
    /// The ceiling: incomes at or above it get no subsidy, whatever the bands say.
    pub subsidy_income_below: Series<Fen>,
}

/// Values that replace some of a region's, matched by exact period.
#[derive(Debug, Clone)]
pub struct Overlay {
    pub name: String,
    pub file: String,
    pub region: String,
    pub title_zh: String,
    pub title_en: String,
    pub base_lower: Option<Series<Fen>>,
    pub base_upper: Option<Series<Fen>>,
    pub benefit_base: Option<Series<Fen>>,
}

impl Overlay {
    pub fn apply(&self, r: &mut Region) -> Result<(), ParamError> {
        patch(&mut r.base_lower, self.base_lower.as_ref())?;
        patch(&mut r.base_upper, self.base_upper.as_ref())?;
        patch(&mut r.benefit_base, self.benefit_base.as_ref())
    }
}

/// Replace records of `base` by those of `with` covering exactly the same period.
fn patch<T: Clone>(base: &mut Series<T>, with: Option<&Series<T>>) -> Result<(), ParamError> {
    let Some(with) = with else { return Ok(()) };
    for w in &with.items {
        let slot = base.items.iter_mut().find(|d| d.from == w.from && d.to == w.to).ok_or_else(|| ParamError::Invalid {
            file: with.file.clone(),
            key: with.key.clone(),
            problem: format!(
                "the overlay value for {}..{} matches no period of {} in {}",
                w.from,
                w.to.map(|d| d.to_string()).unwrap_or_default(),
                base.key,
                base.file
            ),
        })?;
        *slot = w.clone();
    }
    Ok(())
}
