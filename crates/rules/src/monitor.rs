//! Risk monitoring (风险监测): which of five risks a worker's month shows, each finding explained
//! with the figures and the parameters behind it. The store gathers the facts; this decides.

use crate::explain::{ParamUse, Text};
use crate::money::{Fen, Rate, div_round, yuan};
use crate::params::{Category, ParamError, Params};
use crate::time::YearMonth;
use serde::Serialize;

/// The months an interruption is measured against: the ones just before the month looked at.
const BEFORE_MONTHS: usize = 3;

/// A risk a grid worker is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// 未参保: earning on platforms without a pension enrolment.
    Uninsured,
    /// 断保: unpaid months in a row up to the lapse threshold.
    Lapsed,
    /// About to lapse: enrolled, one or more closed months unpaid, not yet lapsed.
    AtRisk,
    /// 收入中断: a sharp drop against the months before.
    Interrupted,
    /// Retiring soon without the minimum contribution years.
    ShortOfYears,
}

impl Risk {
    pub const ALL: [Risk; 5] = [Risk::Uninsured, Risk::Lapsed, Risk::AtRisk, Risk::Interrupted, Risk::ShortOfYears];

    /// The stored and printed name (a contract: the JSON counts use these names).
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Uninsured => "uninsured",
            Risk::Lapsed => "lapsed",
            Risk::AtRisk => "at_risk",
            Risk::Interrupted => "interrupted",
            Risk::ShortOfYears => "short_of_years",
        }
    }

    pub fn parse(s: &str) -> Option<Risk> {
        Risk::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// How soon a grid worker should act, 0 the soonest (a design order, not a parameter: it
    /// only sorts a list). A lapse is already costing months; one or two unpaid months can
    /// still be saved; an uninsured earner is the most common case; an interruption and a
    /// shortfall of years have more time.
    pub fn urgency(self) -> u8 {
        match self {
            Risk::Lapsed => 0,
            Risk::AtRisk => 1,
            Risk::Uninsured => 2,
            Risk::Interrupted => 3,
            Risk::ShortOfYears => 4,
        }
    }
}

/// Why an escalation date could not be found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EscalationError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Workday(#[from] crate::workdays::WorkdayError),
}

/// The rules in force in one month, looked up once for a whole run.
#[derive(Debug, Clone)]
pub struct MonitorRules {
    pub month: YearMonth,
    pub earning_threshold_fen: Fen,
    pub earning_months: u32,
    pub window_months: u32,
    pub interrupt_share: Rate,
    pub horizon_years: u32,
    /// The retirement category of women on the flexible track in this region.
    pub female_category: Category,
    /// The parameters behind the rules, for explanations.
    pub uses: Vec<ParamUse>,
}

/// What the store knows of one worker in the month looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    /// Platform income of each month of the window, oldest first; the last is the month itself.
    pub incomes_fen: &'a [Fen],
    /// Enrolled in the employee pension in the month.
    pub enrolled: bool,
    /// Closed months not paid in full, and whether that many make a lapse (the ledger's status).
    pub unpaid_months: u32,
    pub lapsed: bool,
    /// The statutory retirement month, the months of contributions needed then, and those paid.
    pub retirement: YearMonth,
    pub min_months: u32,
    pub months_paid: u32,
}

/// One risk found, with the reason in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub risk: Risk,
    pub why: Text,
}

impl Params {
    /// The day an alert opened on `opened` goes up to the grid's officer when nobody has
    /// recorded an outcome: `monitor.escalate_after_working_days` working days later on the
    /// official holiday calendar; into a year not published yet, Monday to Friday, with a warning
    /// ([`crate::workdays::Calendar::add_estimating`]). A day before the calendars is an error.
    pub fn escalation_due(&self, opened: chrono::NaiveDate) -> Result<crate::explain::Explained<chrono::NaiveDate>, EscalationError> {
        let (n, u) = self.lookup(&self.national.monitor.escalate_after_working_days, opened, |v| v.to_string())?;
        let n = *n;
        let mut ex = crate::explain::Explainer::new();
        ex.uses(u);
        let due = self.calendar().add_estimating(opened, n)?;
        let due = ex.absorb(due);
        ex.step(
            format!("预警{opened}发出，{n}个工作日内没有处理结果的，{due}后上报经办人员。"),
            format!("The alert opened on {opened}; with no outcome within {n} working days it goes up to the officer after {due}."),
        );
        Ok(ex.finish(due))
    }

    /// The monitoring rules of `region` in `month`.
    pub fn monitor_rules(&self, region: &str, month: YearMonth) -> Result<MonitorRules, ParamError> {
        let m = &self.national.monitor;
        let day = month.first_day();
        let mut uses = Vec::new();
        let (earning_threshold_fen, u) = self.lookup(&m.earning_threshold, day, |v| yuan(*v))?;
        uses.push(u);
        let (earning_months, u) = self.lookup(&m.earning_months, day, |v| v.to_string())?;
        uses.push(u);
        let (window_months, u) = self.lookup(&m.window_months, day, |v| v.to_string())?;
        uses.push(u);
        let (interrupt_share, u) = self.lookup(&m.interrupt_share, day, |v| v.percent())?;
        uses.push(u);
        let (horizon_years, u) = self.lookup(&m.horizon_years, day, |v| v.to_string())?;
        uses.push(u);
        let r = self.region(region)?;
        let (female_category, u) = self.lookup(&r.female_flexible_category, day, |v| v.as_str().to_string())?;
        uses.push(u);
        if earning_months > window_months {
            return Err(ParamError::Invalid {
                file: m.earning_months.file.clone(),
                key: m.earning_months.key.clone(),
                problem: format!("{earning_months} working months do not fit a window of {window_months}"),
            });
        }
        Ok(MonitorRules {
            month,
            earning_threshold_fen: *earning_threshold_fen,
            earning_months: *earning_months,
            window_months: *window_months,
            interrupt_share: *interrupt_share,
            horizon_years: *horizon_years,
            female_category: *female_category,
            uses,
        })
    }
}

/// The figures a finding's reason is told from: what [`find`] decides, before any words. The
/// store keeps their [`Figures::fingerprint`] beside the reason it wrote, so a run that finds
/// the same figures again need not tell the reason again to see that nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figures {
    /// `worked` of the `window` months at or over the earning threshold, no enrolment.
    Uninsured { worked: u32, window: u32, threshold_fen: Fen },
    /// Closed months unpaid, that many making a lapse.
    Lapsed { unpaid: u32 },
    /// Closed months unpaid, enrolled, not yet a lapse.
    AtRisk { unpaid: u32 },
    /// The month's income against the mean of the months before, under `share` of it.
    Interrupted { now_fen: Fen, mean_fen: Fen, share: Rate },
    /// Retiring in `retirement` needing `min_months`, `months_paid` paid.
    ShortOfYears { retirement: YearMonth, min_months: u32, months_paid: u32 },
}

/// The version of the reasons' wording, part of every fingerprint: bump it when a reason's
/// words change, so the stored reasons are told again on the next run.
const WORDING: u64 = 1;

impl Figures {
    pub fn risk(self) -> Risk {
        match self {
            Figures::Uninsured { .. } => Risk::Uninsured,
            Figures::Lapsed { .. } => Risk::Lapsed,
            Figures::AtRisk { .. } => Risk::AtRisk,
            Figures::Interrupted { .. } => Risk::Interrupted,
            Figures::ShortOfYears { .. } => Risk::ShortOfYears,
        }
    }

    /// The reason in plain words, zh and en.
    pub fn why(self) -> Text {
        match self {
            Figures::Uninsured { worked, window, threshold_fen } => {
                let threshold = yuan(threshold_fen);
                Text::new(
                    format!("最近{window}个月里有{worked}个月平台收入不低于{threshold}元，但没有参加职工养老保险。"),
                    format!(
                        "In {worked} of the last {window} months platform income was at least {threshold} yuan, but there is no employee pension enrolment."
                    ),
                )
            }
            Figures::Lapsed { unpaid } => Text::new(
                format!("已有{unpaid}个月没有足额缴费，按规定算断保。"),
                format!("{unpaid} months have not been paid in full: the insurance counts as lapsed."),
            ),
            Figures::AtRisk { unpaid } => Text::new(
                format!("有{unpaid}个月还没有足额缴费；再不缴就会断保。"),
                format!("{unpaid} months are not yet paid in full; more unpaid months and the insurance lapses."),
            ),
            Figures::Interrupted { now_fen, mean_fen, share } => {
                let (now, mean, share) = (yuan(now_fen), yuan(mean_fen), share.percent());
                Text::new(
                    format!("这个月平台收入{now}元，前{BEFORE_MONTHS}个月平均{mean}元，不到平均的{share}：收入中断了。"),
                    format!(
                        "Platform income this month was {now} yuan against an average of {mean} yuan over the {BEFORE_MONTHS} months before, under {share} of it: income interrupted."
                    ),
                )
            }
            Figures::ShortOfYears { retirement, min_months, months_paid } => {
                let short = min_months.saturating_sub(months_paid);
                Text::new(
                    format!("{retirement}退休，退休时至少要缴满{min_months}个月，现在已缴{months_paid}个月，还差{short}个月。"),
                    format!(
                        "Retirement is in {retirement}; {min_months} months of contributions are needed by then, {months_paid} are paid: {short} short."
                    ),
                )
            }
        }
    }

    /// A fixed 64-bit fingerprint of the risk and its figures (and the wording's version): the
    /// same figures give the same number on every machine and in every run; other figures a
    /// different one, but for a chance of one in 2^64. Never a hash seeded per process.
    pub fn fingerprint(self) -> i64 {
        let parts: [u64; 4] = match self {
            Figures::Uninsured { worked, window, threshold_fen } => [1, u64::from(worked), u64::from(window), threshold_fen as u64],
            Figures::Lapsed { unpaid } => [2, u64::from(unpaid), 0, 0],
            Figures::AtRisk { unpaid } => [3, u64::from(unpaid), 0, 0],
            Figures::Interrupted { now_fen, mean_fen, share } => [4, now_fen as u64, mean_fen as u64, share.0 as u64],
            Figures::ShortOfYears { retirement, min_months, months_paid } => {
                [5, retirement.index() as u64, u64::from(min_months), u64::from(months_paid)]
            }
        };
        let h = parts.iter().fold(mix(WORDING), |h, p| mix(h ^ mix(*p)));
        h as i64
    }
}

/// splitmix64's finaliser: a fixed bijective mix of 64 bits.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The risks `f` shows under `r`, in the order of [`Risk::ALL`], each explained.
pub fn assess(r: &MonitorRules, f: &Facts<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    find(r, f, |x| out.push(Finding { risk: x.risk(), why: x.why() }));
    out
}

/// The risks `f` shows under `r` as their figures, in the order of [`Risk::ALL`], handed to
/// `out` one by one (no words told, nothing allocated): [`assess`] without the reasons.
pub fn find(r: &MonitorRules, f: &Facts<'_>, mut out: impl FnMut(Figures)) {
    let worked = f.incomes_fen.iter().filter(|&&i| i >= r.earning_threshold_fen).count() as u32;
    if !f.enrolled && worked >= r.earning_months {
        let window = u32::try_from(f.incomes_fen.len()).unwrap_or(u32::MAX);
        out(Figures::Uninsured { worked, window, threshold_fen: r.earning_threshold_fen });
    }
    if f.lapsed {
        out(Figures::Lapsed { unpaid: f.unpaid_months });
    } else if f.enrolled && f.unpaid_months > 0 {
        out(Figures::AtRisk { unpaid: f.unpaid_months });
    }
    if let Some(x) = interruption(r, f.incomes_fen) {
        out(x);
    }
    let months_left = r.month.index().abs_diff(f.retirement.index());
    if f.retirement >= r.month && months_left <= u64::from(r.horizon_years) * 12 && f.months_paid < f.min_months {
        out(Figures::ShortOfYears { retirement: f.retirement, min_months: f.min_months, months_paid: f.months_paid });
    }
}

/// A month under the interruption share of the average of the months before it, when that
/// average was a working month's income.
fn interruption(r: &MonitorRules, incomes: &[Fen]) -> Option<Figures> {
    let (now, before) = incomes.split_last()?;
    let before = before.get(before.len().checked_sub(BEFORE_MONTHS)?..)?;
    let mean = div_round(before.iter().map(|&i| i128::from(i)).sum(), BEFORE_MONTHS as i128) as Fen;
    let floor = r.interrupt_share.of(mean);
    (mean >= r.earning_threshold_fen && *now < floor).then_some(Figures::Interrupted {
        now_fen: *now,
        mean_fen: mean,
        share: r.interrupt_share,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> MonitorRules {
        let p = Params::embedded().expect("params");
        p.monitor_rules("zj", YearMonth::new(2025, 9).expect("month")).expect("rules")
    }

    fn facts(incomes: &[Fen]) -> Facts<'_> {
        Facts {
            incomes_fen: incomes,
            enrolled: true,
            unpaid_months: 0,
            lapsed: false,
            retirement: YearMonth::new(2050, 1).expect("month"),
            min_months: 180,
            months_paid: 0,
        }
    }

    fn risks(f: &Facts<'_>) -> Vec<Risk> {
        assess(&rules(), f).into_iter().map(|x| x.risk).collect()
    }

    #[test]
    fn rules_come_from_the_files() {
        let r = rules();
        assert_eq!((r.earning_threshold_fen, r.earning_months, r.window_months, r.horizon_years), (100_000, 3, 6, 5));
        assert_eq!(r.interrupt_share.percent(), "30%");
        assert!(r.uses.iter().all(|u| u.source == "DESIGN" || u.key.contains("female")), "{:?}", r.uses);
    }

    #[test]
    fn uninsured_needs_enough_working_months_and_no_enrolment() {
        let three = [0, 100_000, 0, 250_000, 0, 100_000];
        let two = [0, 99_999, 0, 250_000, 0, 100_000];
        assert_eq!(risks(&Facts { enrolled: false, ..facts(&three) }), vec![Risk::Uninsured]);
        assert!(risks(&Facts { enrolled: false, ..facts(&two) }).is_empty());
        assert!(risks(&facts(&three)).is_empty(), "enrolled");
    }

    #[test]
    fn arrears_before_and_at_the_lapse() {
        let none = [0; 6];
        assert_eq!(risks(&Facts { unpaid_months: 2, ..facts(&none) }), vec![Risk::AtRisk]);
        assert_eq!(risks(&Facts { unpaid_months: 3, lapsed: true, ..facts(&none) }), vec![Risk::Lapsed]);
        assert!(risks(&Facts { unpaid_months: 2, enrolled: false, ..facts(&none) }).is_empty());
    }

    #[test]
    fn interruption_against_the_three_months_before() {
        // Average 3,000 yuan: 30% is 900 yuan.
        let drop = [0, 0, 300_000, 300_000, 300_000, 89_999];
        let kept = [0, 0, 300_000, 300_000, 300_000, 90_000];
        let low = [0, 0, 99_000, 99_000, 99_000, 0];
        assert_eq!(risks(&facts(&drop)), vec![Risk::Interrupted]);
        assert!(risks(&facts(&kept)).is_empty());
        assert!(risks(&facts(&low)).is_empty(), "an average under the working threshold is no interruption");
        let f = assess(&rules(), &facts(&drop));
        assert!(f[0].why.en.contains("899.99") && f[0].why.zh.contains("3000"), "{:?}", f[0].why);
    }

    #[test]
    fn short_of_years_within_the_horizon_only() {
        let none = [0; 6];
        let soon = YearMonth::new(2030, 9).expect("month");
        let later = YearMonth::new(2030, 10).expect("month");
        let f = Facts { retirement: soon, months_paid: 100, ..facts(&none) };
        assert_eq!(risks(&f), vec![Risk::ShortOfYears]);
        assert!(assess(&rules(), &f)[0].why.en.contains("80 short"));
        assert!(risks(&Facts { retirement: later, months_paid: 100, ..facts(&none) }).is_empty());
        assert!(risks(&Facts { retirement: soon, months_paid: 180, ..facts(&none) }).is_empty());
        let past = YearMonth::new(2025, 8).expect("month");
        assert!(risks(&Facts { retirement: past, months_paid: 100, ..facts(&none) }).is_empty());
    }

    #[test]
    fn figures_tell_the_same_reasons_and_fingerprint_them() {
        let incomes = [0, 0, 300_000, 300_000, 300_000, 0];
        let f = Facts {
            enrolled: false,
            unpaid_months: 4,
            lapsed: true,
            retirement: YearMonth::new(2030, 9).expect("month"),
            months_paid: 100,
            ..facts(&incomes)
        };
        let mut figures = Vec::new();
        find(&rules(), &f, |x| figures.push(x));
        let told: Vec<Finding> = figures.iter().map(|x| Finding { risk: x.risk(), why: x.why() }).collect();
        assert_eq!(told, assess(&rules(), &f));
        let risks: Vec<Risk> = figures.iter().map(|x| x.risk()).collect();
        assert_eq!(risks, vec![Risk::Uninsured, Risk::Lapsed, Risk::Interrupted, Risk::ShortOfYears]);
        // Fixed numbers: the same in every run and on every machine.
        assert_eq!(Figures::Lapsed { unpaid: 4 }.fingerprint(), Figures::Lapsed { unpaid: 4 }.fingerprint());
        let mut prints: Vec<i64> = figures.iter().map(|x| x.fingerprint()).collect();
        prints.push(Figures::AtRisk { unpaid: 4 }.fingerprint());
        prints.push(Figures::Lapsed { unpaid: 5 }.fingerprint());
        prints.push(Figures::Interrupted { now_fen: 1, mean_fen: 300_000, share: Rate::parse("0.3").expect("rate") }.fingerprint());
        let retirement = YearMonth::new(2030, 9).expect("month");
        prints.push(Figures::ShortOfYears { retirement, min_months: 180, months_paid: 101 }.fingerprint());
        prints.push(Figures::Uninsured { worked: 4, window: 6, threshold_fen: 100_000 }.fingerprint());
        let n = prints.len();
        prints.sort_unstable();
        prints.dedup();
        assert_eq!(prints.len(), n, "every other figure another fingerprint");
    }

    #[test]
    fn names_round_trip() {
        for r in Risk::ALL {
            assert_eq!(Risk::parse(r.as_str()), Some(r));
        }
        assert_eq!(Risk::parse("other"), None);
    }
}
