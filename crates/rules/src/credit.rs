//! Platform credit rating (信用评价, section 5.5 of the paper): the share of a platform's active
//! workers covered by a basic pension, a grade, and the sanctions list for platforms under the
//! floor for years in a row. Complaints the platform left unanswered past their deadline
//! (section 5.4: "counts against the platform's credit") lower the month's grade by steps of
//! `credit.breaches_per_step`. Shares are compared exactly (integers), never as floats.

use crate::explain::{Explained, Explainer, ParamUse};
use crate::money::{Fen, Rate, div_round, yuan};
use crate::params::{ParamError, Params};
use crate::time::YearMonth;
use serde::Serialize;

/// The rules in force in one month.
#[derive(Debug, Clone)]
pub struct CreditRules {
    pub month: YearMonth,
    /// A worker is active with a platform in a month when the month's income from it is at least this.
    pub earning_threshold_fen: Fen,
    pub floor: Rate,
    pub floor_years: u32,
    pub grade_a_from: Rate,
    pub grade_b_from: Rate,
    /// Every this many missed complaint deadlines in the month lower the grade one step.
    pub breaches_per_step: u32,
    pub uses: Vec<ParamUse>,
}

/// A grade: A and B above the floor's margins, C at or over the floor, D under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Grade {
    A,
    B,
    C,
    D,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
        }
    }

    pub fn parse(s: &str) -> Option<Grade> {
        [Grade::A, Grade::B, Grade::C, Grade::D].into_iter().find(|g| g.as_str() == s)
    }

    /// `steps` grades lower, never under D; and the steps actually taken.
    pub fn lower(self, steps: u32) -> (Grade, u32) {
        let at = self as u32;
        let to = at.saturating_add(steps).min(Grade::D as u32);
        ([Grade::A, Grade::B, Grade::C, Grade::D][to as usize], to - at)
    }

    /// `steps` grades higher, never over A.
    pub fn raise(self, steps: u32) -> Grade {
        [Grade::A, Grade::B, Grade::C, Grade::D][(self as u32).saturating_sub(steps) as usize]
    }
}

/// Worker-months of one platform in a period: active, and of them covered by a basic pension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub active: u64,
    pub insured: u64,
}

impl Counts {
    /// The insured share in basis points, half-up; `None` without active workers.
    pub fn share_bp(self) -> Option<u32> {
        (self.active > 0).then(|| div_round(i128::from(self.insured) * 10_000, i128::from(self.active)) as u32)
    }

    /// Is the share at least `r`? Exact: insured ÷ active ≥ r.
    fn at_least(self, r: Rate) -> bool {
        i128::from(self.insured) * 1_000_000 >= i128::from(self.active) * i128::from(r.0)
    }
}

/// A platform's rating in a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    pub active: u64,
    pub insured: u64,
    /// `None` when the platform had no active worker in the month.
    pub share_bp: Option<u32>,
    /// The grade: the share's, lowered for missed complaint deadlines.
    pub grade: Option<Grade>,
    /// Complaints against the platform whose 72-hour deadline fell in the month and passed
    /// unanswered.
    pub breaches: u32,
    /// Grade steps those breaches took off (0 without a grade).
    pub breach_steps: u32,
    /// Years in a row, the latest first, each under the floor.
    pub years_under: u32,
    pub sanctioned: bool,
}

impl Rating {
    /// The grade the insured share alone gives, before missed deadlines lowered it.
    pub fn share_grade(&self) -> Option<Grade> {
        self.grade.map(|g| g.raise(self.breach_steps))
    }
}

impl Params {
    /// The credit rules in force in `month`.
    pub fn credit_rules(&self, month: YearMonth) -> Result<CreditRules, ParamError> {
        let (n, day) = (&self.national, month.first_day());
        let mut uses = Vec::new();
        let mut rate = |s| -> Result<Rate, ParamError> {
            let (v, u) = self.lookup(s, day, |v: &Rate| v.percent())?;
            uses.push(u);
            Ok(*v)
        };
        let (floor, grade_a_from, grade_b_from) = (rate(&n.credit.floor)?, rate(&n.credit.grade_a_from)?, rate(&n.credit.grade_b_from)?);
        let (floor_years, u) = self.lookup(&n.credit.floor_years, day, |v| v.to_string())?;
        uses.push(u);
        let (breaches_per_step, u) = self.lookup(&n.credit.breaches_per_step, day, |v| v.to_string())?;
        uses.push(u);
        let (threshold, u) = self.lookup(&n.monitor.earning_threshold, day, |v| yuan(*v))?;
        uses.push(u);
        if !(grade_a_from >= grade_b_from && grade_b_from >= floor) {
            return Err(ParamError::Invalid {
                file: n.credit.grade_b_from.file.clone(),
                key: "credit.grade_b_from".into(),
                problem: "the grades must rise: floor ≤ grade B ≤ grade A".into(),
            });
        }
        Ok(CreditRules {
            month,
            earning_threshold_fen: *threshold,
            floor,
            floor_years: *floor_years,
            grade_a_from,
            grade_b_from,
            breaches_per_step: *breaches_per_step,
            uses,
        })
    }
}

/// Rate a platform from its month's counts, its counts of the years ending with the month
/// (oldest first, the last year ending with the month), and the complaints whose response
/// deadline fell in the month and passed unanswered (`breaches`).
pub fn rate(r: &CreditRules, month: Counts, years: &[Counts], breaches: u32) -> Explained<Rating> {
    let mut ex = Explainer::new();
    for u in &r.uses {
        ex.uses(u.clone());
    }
    let threshold = yuan(r.earning_threshold_fen);
    let share_bp = month.share_bp();
    let share_grade = share_bp.map(|_| match month {
        c if c.at_least(r.grade_a_from) => Grade::A,
        c if c.at_least(r.grade_b_from) => Grade::B,
        c if c.at_least(r.floor) => Grade::C,
        _ => Grade::D,
    });
    match (share_bp, share_grade) {
        (Some(bp), Some(g)) => {
            let pct = percent_bp(bp);
            ex.step(
                format!(
                    "{}有{}名劳动者在该平台的月收入不低于{threshold}元，其中{}人参加了基本养老保险：参保率{pct}，评为{}级。",
                    r.month,
                    month.active,
                    month.insured,
                    g.as_str()
                ),
                format!(
                    "In {} {} workers earned at least {threshold} yuan on the platform; {} of them had a basic pension: {pct} insured, grade {}.",
                    r.month,
                    month.active,
                    month.insured,
                    g.as_str()
                ),
            );
        }
        _ => ex.step(
            format!("{}没有劳动者在该平台的月收入达到{threshold}元，本月不评级。", r.month),
            format!("In {} no worker earned {threshold} yuan on the platform: no grade this month.", r.month),
        ),
    }
    let (grade, breach_steps) = breached(&mut ex, r, share_grade, breaches);
    let years_under = years.iter().rev().take_while(|c| c.active > 0 && !c.at_least(r.floor)).count() as u32;
    let sanctioned = years_under >= r.floor_years;
    let floor = r.floor.percent();
    ex.step(
        format!("截至本月，已连续{years_under}年参保率低于{floor}；连续{}年即列入联合约束名单。", r.floor_years),
        format!("Up to this month the insured share was under {floor} for {years_under} years in a row; {} years in a row put a platform on the sanctions list.", r.floor_years),
    );
    if sanctioned {
        ex.step(
            "该平台已列入联合约束名单（政府采购、信贷、信息公开）。",
            "The platform is on the sanctions list (public procurement, credit lines, disclosure).",
        );
    }
    ex.finish(Rating { active: month.active, insured: month.insured, share_bp, grade, breaches, breach_steps, years_under, sanctioned })
}

/// The grade after the month's missed deadlines, and the steps they took off.
fn breached(ex: &mut Explainer, r: &CreditRules, grade: Option<Grade>, breaches: u32) -> (Option<Grade>, u32) {
    if breaches == 0 {
        return (grade, 0);
    }
    let n = r.breaches_per_step.max(1);
    let (lowered, steps) = grade.map_or((None, 0), |g| {
        let (to, steps) = g.lower(breaches / n);
        (Some(to), steps)
    });
    let rule_zh = format!("按“每{n}件超时投诉降一级”（credit.breaches_per_step，本项目的设计值，论文5.4节只说超时计入平台信用）");
    let rule_en = format!(
        "under \"one grade down for every {n} missed deadlines\" (credit.breaches_per_step, a design value of this project: section 5.4 of the paper says only that a missed deadline counts against the platform's credit)"
    );
    match (grade, lowered) {
        (Some(g), Some(to)) if steps > 0 => ex.step(
            format!("本月有{breaches}件投诉平台没有在时限内答复，{rule_zh}，由{}级降为{}级。", g.as_str(), to.as_str()),
            format!("{breaches} complaints went unanswered past their deadline this month; {rule_en} the grade goes from {} to {}.", g.as_str(), to.as_str()),
        ),
        (Some(g), _) => ex.step(
            format!("本月有{breaches}件投诉平台没有在时限内答复，{rule_zh}，等级仍为{}级。", g.as_str()),
            format!("{breaches} complaints went unanswered past their deadline this month; {rule_en} the grade stays {}.", g.as_str()),
        ),
        _ => ex.step(
            format!("本月有{breaches}件投诉平台没有在时限内答复；本月没有等级可降，超时件数照样公布。"),
            format!("{breaches} complaints went unanswered past their deadline this month; there is no grade to lower this month, the count is published all the same."),
        ),
    }
    (lowered, steps)
}

fn percent_bp(bp: u32) -> String {
    crate::money::trim_decimal(i64::from(bp), 2) + "%"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> CreditRules {
        Params::embedded().expect("params").credit_rules(YearMonth::new(2025, 12).expect("month")).expect("rules")
    }

    fn c(active: u64, insured: u64) -> Counts {
        Counts { active, insured }
    }

    #[test]
    fn grades_at_their_exact_edges() {
        let r = rules();
        let g = |a, i| rate(&r, c(a, i), &[], 0).value.grade;
        assert_eq!(g(20, 19), Some(Grade::A), "95% is A");
        assert_eq!(g(1000, 949), Some(Grade::B));
        assert_eq!(g(10, 9), Some(Grade::B), "90% is B");
        assert_eq!(g(5, 4), Some(Grade::C), "80% is C");
        assert_eq!(g(1000, 799), Some(Grade::D));
        assert_eq!(g(0, 0), None);
        assert_eq!(c(3, 2).share_bp(), Some(6667), "half-up");
    }

    #[test]
    fn three_years_under_the_floor_in_a_row_sanction() {
        let r = rules();
        let under = c(100, 79);
        let over = c(100, 80);
        let s = |years: &[Counts]| rate(&r, c(10, 5), years, 0).value;
        assert!(s(&[under, under, under]).sanctioned);
        assert_eq!(s(&[under, under, under]).years_under, 3);
        assert!(!s(&[under, under]).sanctioned, "two years are not enough");
        assert!(!s(&[under, over, under, under]).sanctioned, "the run was broken");
        assert!(!s(&[c(0, 0), under, under]).sanctioned, "a year without workers breaks the run");
        assert!(s(&[over, under, under, under]).sanctioned);
        let e = rate(&r, c(10, 5), &[under, under, under], 0);
        assert!(e.steps.iter().any(|t| t.en.contains("sanctions list")) && e.params.iter().any(|p| p.key == "credit.floor"));
        assert!(e.warnings.iter().any(|w| w.en.contains("proposal")), "{:?}", e.warnings);
    }

    #[test]
    fn missed_deadlines_lower_the_grade_by_the_parameter() {
        let mut r = rules();
        assert_eq!(r.breaches_per_step, 1, "the design value");
        assert!(r.uses.iter().any(|u| u.key == "credit.breaches_per_step"));
        let a = c(20, 19);
        let at = |r: &CreditRules, b| {
            let v = rate(r, a, &[], b).value;
            (v.grade, v.breaches, v.breach_steps, v.share_grade())
        };
        assert_eq!(at(&r, 0), (Some(Grade::A), 0, 0, Some(Grade::A)));
        assert_eq!(at(&r, 1), (Some(Grade::B), 1, 1, Some(Grade::A)));
        assert_eq!(at(&r, 2), (Some(Grade::C), 2, 2, Some(Grade::A)));
        assert_eq!(at(&r, 9), (Some(Grade::D), 9, 3, Some(Grade::A)), "never under D; the steps taken are kept");
        let e = rate(&r, a, &[], 2);
        assert!(e.steps.iter().any(|t| t.en.contains("from A to C") && t.en.contains("credit.breaches_per_step")), "{:?}", e.steps);
        assert!(e.steps.iter().any(|t| t.zh.contains("由A级降为C级")), "{:?}", e.steps);
        assert!(
            e.warnings.iter().any(|w| w.en.contains("missed complaint deadlines per grade step = 1 is this system's own choice")),
            "{:?}",
            e.warnings
        );
        // Every 3 breaches a step: 2 take none, 3 one, 7 two.
        r.breaches_per_step = 3;
        assert_eq!(at(&r, 2), (Some(Grade::A), 2, 0, Some(Grade::A)));
        assert_eq!(at(&r, 3), (Some(Grade::B), 3, 1, Some(Grade::A)));
        assert_eq!(at(&r, 7), (Some(Grade::C), 7, 2, Some(Grade::A)));
        // No active worker: no grade to lower, the count is kept.
        let none = rate(&r, c(0, 0), &[], 4).value;
        assert_eq!((none.grade, none.breaches, none.breach_steps), (None, 4, 0));
        // A D stays D, with no step taken; sanctions do not depend on breaches.
        let d = rate(&r, c(10, 5), &[c(100, 79); 3], 30).value;
        assert_eq!((d.grade, d.breach_steps, d.sanctioned, d.share_grade()), (Some(Grade::D), 0, true, Some(Grade::D)));
    }

    #[test]
    fn grades_must_rise() {
        let mut p = Params::embedded().expect("params");
        p.national.credit.grade_b_from.items[0].value = crate::money::Dec6(700_000);
        let e = p.credit_rules(YearMonth::new(2025, 12).expect("month")).expect_err("B under the floor");
        assert!(e.to_string().contains("must rise"), "{e}");
    }
}
