//! Cross-region transfer (转移接续) of the employee pension under 国办发〔2009〕66号: the money
//! that moves (article 4), where the pension is paid (article 6), the temporary contribution
//! account, and the statutory deadlines of the three steps (article 8). The workflow's states
//! and steps are the pure `state::Transfer`; the messages between agencies are the store's.

use crate::explain::{Explained, Explainer};
use crate::money::{Fen, MAX_FEN, div_round, yuan};
use crate::params::{ParamError, Params};
use crate::time::YearMonth;
use crate::workdays::WorkdayError;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One contribution month and its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaidMonth {
    pub month: YearMonth,
    pub base_fen: Fen,
}

/// The money a transfer moves (article 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferFunds {
    /// Contribution months given (all of them count as contribution years).
    pub months: u32,
    /// Months from the pooling-fund start month (1998-01) on: those move pooling-fund money.
    pub pool_months: u32,
    /// Sum of the bases of those months.
    pub pool_base_fen: Fen,
    /// Σ base × 12%, rounded half-up to the fen once, on the sum.
    pub pool_transfer_fen: Fen,
    /// The personal-account balance, moved in full.
    pub personal_account_fen: Fen,
    pub total_fen: Fen,
}

/// One stretch of the insurance history: a province and the whole years paid there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    /// A province: two-letter code (`zj`) or GB/T 2260 prefix (`33`).
    pub place: String,
    pub years: u32,
    /// Only a temporary contribution account was held there (such a place never pays).
    pub temporary: bool,
}

/// Where the pension is paid (article 6) and by which of its four rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BenefitPlace {
    /// The province's two-letter code.
    pub place: String,
    pub place_zh: String,
    pub place_en: String,
    /// 1 hukou province; 2 current place with enough years; 3 last earlier place with enough
    /// years; 4 back to the hukou province.
    pub rule: u8,
    /// Where the relationship is now (the last stay that is not a temporary account).
    pub current: Option<String>,
}

/// Male or female: the temporary-account ages differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    Male,
    Female,
}

/// Whether the new place opens a temporary contribution account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemporaryAccount {
    pub temporary: bool,
    /// The age from which it applies to this sex.
    pub from_age: u32,
}

/// The latest date each step of article 8 is due, each step using its full limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferDeadlines {
    pub application: NaiveDate,
    /// The new place reviews and sends the acceptance letter.
    pub review_due: NaiveDate,
    /// The old place hands over the relationship and the funds.
    pub handover_due: NaiveDate,
    /// The new place completes the transfer and tells the applicant.
    pub completion_due: NaiveDate,
    pub working_days: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransferError {
    /// The input named by `field` is wrong.
    #[error("{field}: {problem}")]
    Input { field: &'static str, problem: String },
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Workday(#[from] WorkdayError),
}

fn input(field: &'static str, problem: impl Into<String>) -> TransferError {
    TransferError::Input { field, problem: problem.into() }
}

/// No one pays for longer than this in one place (years).
const MAX_YEARS: u32 = 80;

impl Params {
    /// Article 4: the pooling fund moves Σ base × rate over the months from the start month on
    /// (rounded half-up to the fen once, on the sum); the personal account moves in full. `on`
    /// picks the rules in force (the transfer's date).
    pub fn transfer_funds(
        &self,
        months: &[PaidMonth],
        personal_account_fen: Fen,
        on: NaiveDate,
    ) -> Result<Explained<TransferFunds>, TransferError> {
        let mut seen = BTreeSet::new();
        for m in months {
            if !(0..=MAX_FEN).contains(&m.base_fen) {
                return Err(input("base", format!("{}: base {} yuan must be between 0 and 10 billion", m.month, yuan(m.base_fen))));
            }
            if !seen.insert(m.month) {
                return Err(input("months", format!("{} is listed twice", m.month)));
            }
        }
        if !(0..=MAX_FEN).contains(&personal_account_fen) {
            return Err(input("personal_account", "must be between 0 and 10 billion yuan"));
        }
        let t = &self.national.transfer;
        let mut ex = Explainer::new();
        let (rate, u) = self.lookup(&t.pool_rate, on, |r| r.percent())?;
        ex.uses(u);
        let (from, u) = self.lookup(&t.pool_from_month, on, |m| m.to_string())?;
        ex.uses(u);
        let (rate, from) = (*rate, *from);
        let pool: Vec<&PaidMonth> = months.iter().filter(|m| m.month >= from).collect();
        let before = months.len() - pool.len();
        let pool_base: i128 = pool.iter().map(|m| i128::from(m.base_fen)).sum();
        let pool_fen = div_round(pool_base * i128::from(rate.0), 1_000_000);
        let pool_base_fen = Fen::try_from(pool_base).map_err(|_| input("months", "the bases add up to too much"))?;
        let pool_transfer_fen = Fen::try_from(pool_fen).map_err(|_| input("months", "the bases add up to too much"))?;
        let (n, pn, pct) = (months.len(), pool.len(), rate.percent());
        ex.step(
            format!("第四条：统筹基金按{from}起各月实际缴费基数的{pct}转移；个人账户储存额全额转移（国办发〔2009〕66号）。"),
            format!("Article 4: the pooling fund moves {pct} of each month's actual contribution base from {from} on; the personal account moves in full (国办发〔2009〕66号)."),
        );
        ex.step(
            format!("共{n}个缴费月，缴费年限全部合并计算；其中{pn}个月在{from}及以后。"),
            format!("{n} contribution months, all of them counted towards the contribution years; {pn} of them are in {from} or later."),
        );
        if before > 0 {
            ex.step(
                format!("{before}个月在{from}之前：这些月不转统筹基金。"),
                format!("{before} months are before {from}: they move no pooling-fund money."),
            );
        }
        ex.step(
            format!(
                "这些月的缴费基数合计{}元；{}元 × {pct} = {}元（只在合计上四舍五入到分一次）。",
                yuan(pool_base_fen),
                yuan(pool_base_fen),
                yuan(pool_transfer_fen)
            ),
            format!(
                "Their bases add up to {} yuan; {} yuan × {pct} = {} yuan (rounded half-up to the fen once, on the sum).",
                yuan(pool_base_fen),
                yuan(pool_base_fen),
                yuan(pool_transfer_fen)
            ),
        );
        let total_fen = pool_transfer_fen + personal_account_fen;
        ex.step(
            format!("个人账户储存额{}元全额转移；合计转移{}元。", yuan(personal_account_fen), yuan(total_fen)),
            format!(
                "The personal-account balance of {} yuan moves in full; {} yuan move in all.",
                yuan(personal_account_fen),
                yuan(total_fen)
            ),
        );
        let months = u32::try_from(n).map_err(|_| input("months", "too many months"))?;
        let pool_months = u32::try_from(pn).map_err(|_| input("months", "too many months"))?;
        Ok(ex.finish(TransferFunds { months, pool_months, pool_base_fen, pool_transfer_fen, personal_account_fen, total_fen }))
    }

    /// Article 6 as a decision table over provinces. `history` is in order, the last stay
    /// current. Years at one province add up across its stays. A stay that held only a
    /// temporary account is skipped: it neither is the current place nor ever pays (its years
    /// are consolidated into the relationship later, which this table does not model).
    pub fn benefit_place(&self, hukou: &str, history: &[Stay], on: NaiveDate) -> Result<Explained<BenefitPlace>, TransferError> {
        let pr = &self.provinces;
        let unknown = |c: &str| format!("'{c}' is no province code (two letters: {}; or a GB/T 2260 prefix such as 33)", pr.codes());
        let hukou = pr.find(hukou).ok_or_else(|| input("hukou", unknown(hukou)))?;
        if history.is_empty() {
            return Err(input("history", "give at least one place:years"));
        }
        let mut stays = Vec::with_capacity(history.len());
        for s in history {
            let p = pr.find(&s.place).ok_or_else(|| input("history", unknown(&s.place)))?;
            if s.years > MAX_YEARS {
                return Err(input("history", format!("{}: {} years is more than {MAX_YEARS}", s.place, s.years)));
            }
            stays.push((p, s.years, s.temporary));
        }
        let t = &self.national.transfer;
        let mut ex = Explainer::new();
        let (min, u) = self.lookup(&t.benefit_place_min_years, on, |v| format!("{v}"))?;
        ex.uses(u);
        let min = *min;
        let mut years: BTreeMap<&str, u32> = BTreeMap::new();
        for (p, y, temp) in &stays {
            if !temp {
                *years.entry(p.code.as_str()).or_default() += y;
            }
        }
        let list: Vec<String> = years.iter().map(|(c, y)| format!("{c} {y}")).collect();
        let (src, conf) = (&pr.source, pr.confidence.map(|c| format!("{c:?}")).unwrap_or_default());
        ex.step(
            format!("省份按 GB/T 2260 行政区划代码的前两位认定（来源{src}，可信度{conf}）。"),
            format!("Provinces are told by the first two digits of the GB/T 2260 division code (source {src}, confidence {conf})."),
        );
        if matches!(pr.confidence, Some(crate::params::Confidence::W | crate::params::Confidence::M)) {
            ex.warn(
                "省份代码表（GB/T 2260）未与标准原文核对，请谨慎参考。",
                "The province code list (GB/T 2260) was not checked against the standard itself; treat it with care.",
            );
        }
        ex.step(
            format!("第六条按省决定待遇领取地。户籍所在省：{}；各地累计缴费年限（不含临时缴费账户）：{}。", hukou.name_zh, list.join("，")),
            format!(
                "Article 6 decides the benefit place by province. Hukou province: {}; cumulative years by place (temporary accounts left out): {}.",
                hukou.name_en,
                list.join(", ")
            ),
        );
        if stays.iter().any(|s| s.2) {
            ex.step(
                "只有临时缴费账户的地方不会成为待遇领取地，也不算当前参保地。",
                "A place that held only a temporary contribution account never becomes the benefit place and is not the current place.",
            );
        }
        let relation: Vec<_> = stays.iter().filter(|s| !s.2).collect();
        let Some(current) = relation.last().map(|s| s.0) else {
            ex.step(
                "所有经历都是临时缴费账户，关系仍在户籍所在省：适用第4项，由户籍所在省办理。",
                "Every stay was a temporary account, so the relationship stays in the hukou province: rule 4, the hukou province pays.",
            );
            return Ok(ex.finish(place(hukou, 4, None)));
        };
        let cur_years = years.get(current.code.as_str()).copied().unwrap_or(0);
        let cur = Some(current.code.clone());
        if current.code == hukou.code {
            ex.step(
                format!("第1项：基本养老保险关系在户籍所在省（{}），由户籍所在省办理待遇。", hukou.name_zh),
                format!("Rule 1: the relationship is in the hukou province ({}), which pays.", hukou.name_en),
            );
            return Ok(ex.finish(place(hukou, 1, cur)));
        }
        if cur_years >= min {
            ex.step(
                format!("第2项：关系不在户籍所在省，但在当前参保地{}累计缴费{cur_years}年，满{min}年，由{}办理，按当地标准。", current.name_zh, current.name_zh),
                format!(
                    "Rule 2: the relationship is outside the hukou province, and {} holds {cur_years} years, at least {min}: {} pays, at its rates.",
                    current.name_en, current.name_en
                ),
            );
            return Ok(ex.finish(place(current, 2, cur)));
        }
        let earlier =
            relation.iter().rev().skip(1).find(|s| s.0.code != current.code && years.get(s.0.code.as_str()).is_some_and(|y| *y >= min));
        if let Some(s) = earlier {
            let (p, y) = (s.0, years.get(s.0.code.as_str()).copied().unwrap_or(0));
            ex.step(
                format!("第3项：当前参保地{}只有{cur_years}年，不满{min}年；回到上一个累计缴费满{min}年的参保地{}（{y}年），由它办理。", current.name_zh, p.name_zh),
                format!(
                    "Rule 3: {} holds only {cur_years} years, fewer than {min}; the relationship goes back to the last earlier place with at least {min} years, {} ({y} years), which pays.",
                    current.name_en, p.name_en
                ),
            );
            return Ok(ex.finish(place(p, 3, cur)));
        }
        ex.step(
            format!("第4项：没有一个参保地累计缴费满{min}年；关系和资金转回户籍所在省{}，由它办理。", hukou.name_zh),
            format!(
                "Rule 4: no place holds {min} years; the relationship and the funds go back to the hukou province, {}, which pays.",
                hukou.name_en
            ),
        );
        Ok(ex.finish(place(hukou, 4, cur)))
    }

    /// A worker not insured in the hukou province gets a temporary contribution account in the
    /// new place from the age in force (men 50, women 40); the relationship stays where it was.
    pub fn temporary_account(
        &self,
        sex: Sex,
        age_years: u32,
        insured_in_hukou_province: bool,
        on: NaiveDate,
    ) -> Result<Explained<TemporaryAccount>, TransferError> {
        if age_years > 120 {
            return Err(input("age", format!("{age_years} is not an age in years")));
        }
        let t = &self.national.transfer;
        let (series, zh, en) = match sex {
            Sex::Male => (&t.temporary_account_age_male, "男性", "a man"),
            Sex::Female => (&t.temporary_account_age_female, "女性", "a woman"),
        };
        let mut ex = Explainer::new();
        let (from_age, u) = self.lookup(series, on, |v| format!("{v}"))?;
        ex.uses(u);
        let from_age = *from_age;
        let temporary = !insured_in_hukou_province && age_years >= from_age;
        let verdict = match (insured_in_hukou_province, age_years >= from_age) {
            (true, _) => ("在户籍所在省参保，不建临时缴费账户。", "Insured in the hukou province: no temporary account."),
            (false, true) => (
                "不在户籍所在省参保且已达年龄：基本养老保险关系留在原参保地，新参保地建立临时基本养老保险缴费账户，记录全部缴费。",
                "Not insured in the hukou province and of that age: the relationship stays where it was, and the new place opens a temporary contribution account that records every contribution.",
            ),
            (false, false) => {
                ("未达年龄：正常转移接续，不建临时缴费账户。", "Below that age: the relationship transfers as usual, no temporary account.")
            }
        };
        ex.step(
            format!("{zh}年满{from_age}周岁、不在户籍所在省参保的，在新参保地建临时缴费账户。此人{age_years}岁。{}", verdict.0),
            format!("For {en} not insured in the hukou province, a temporary account applies from age {from_age}. This person is {age_years}. {}", verdict.1),
        );
        Ok(ex.finish(TemporaryAccount { temporary, from_age }))
    }

    /// Article 8: the date each of the three steps is due when each uses its full limit, counted
    /// in working days on the official holiday calendar (each step from the previous one's due
    /// date). A date outside the loaded calendars is an error, never a guess.
    pub fn transfer_deadlines(&self, application: NaiveDate) -> Result<Explained<TransferDeadlines>, TransferError> {
        let t = &self.national.transfer;
        let mut ex = Explainer::new();
        let mut steps = Vec::with_capacity(3);
        for s in [&t.review_working_days, &t.handover_working_days, &t.completion_working_days] {
            let (n, u) = self.lookup(s, application, |v| format!("{v}"))?;
            ex.uses(u);
            steps.push(*n);
        }
        ex.step(
            "第八条：新参保地审核并发出同意接收函、原参保地转出关系和资金、新参保地办结，每步最多若干工作日；下面每步从上一步的最晚日期起算。",
            "Article 8: the new place reviews and sends the acceptance letter, the old place hands over the relationship and the funds, the new place completes; each step has a limit in working days, counted here from the previous step's latest date.",
        );
        let names = [
            ("新参保地审核", "review by the new place"),
            ("原参保地转出", "handover by the old place"),
            ("新参保地办结", "completion by the new place"),
        ];
        let mut due = [application; 3];
        let mut at = application;
        for (i, n) in steps.iter().enumerate() {
            let d = self.calendar().add_estimating(at, *n)?;
            at = ex.absorb(d);
            due[i] = at;
            ex.step(format!("{}：{n}个工作日，最晚{at}。", names[i].0), format!("{}: {n} working days, due by {at}.", names[i].1));
        }
        let working_days = steps.iter().sum();
        ex.step(
            format!("法定时限合计{working_days}个工作日（论文所说的90个工作日没有依据）。"),
            format!("The statutory limits add up to {working_days} working days (the paper's 90 has no basis in the rules)."),
        );
        Ok(ex.finish(TransferDeadlines { application, review_due: due[0], handover_due: due[1], completion_due: due[2], working_days }))
    }
}

fn place(p: &crate::params::Province, rule: u8, current: Option<String>) -> BenefitPlace {
    BenefitPlace { place: p.code.clone(), place_zh: p.name_zh.clone(), place_en: p.name_en.clone(), rule, current }
}

pub mod state;
pub use state::{StepError, Transfer, TransferEvent, TransferState};

#[cfg(test)]
mod tests;
