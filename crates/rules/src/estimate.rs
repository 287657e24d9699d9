//! The worker's question "what would I get?": a pension estimate in today's money from a base
//! and a number of years, and the residents' pension for comparison.

use crate::explain::{Explained, Explainer};
use crate::money::{Dec6, Fen, div_round, yuan};
use crate::params::{ParamError, Params, Scenario};
use crate::pension::{Pension, PensionError, PensionInput};
use crate::time::{Age, YearMonth};
use serde::Serialize;

impl Scenario<'_> {
    /// Pension after `years` of contributions on `base_fen`, retiring at `age` in `retire`.
    /// In today's money: the benefit base stays at its latest value and the personal account
    /// earns as much as wages grow, so the balance is simply what was credited (an assumption,
    /// stated in the explanation).
    pub fn estimate_pension(&self, base_fen: Fen, years: u32, age: Age, retire: YearMonth) -> Result<Explained<Pension>, PensionError> {
        if years > 60 {
            return Err(PensionError::Input { field: "years", reason: "at most 60 years".into() });
        }
        let p = self.params;
        let (c, pa_rate, mut ex) = self.today_rates(retire)?;
        let index = Dec6(div_round(i128::from(base_fen) * 1_000_000, i128::from(c.max(1))) as i64);
        let months = years * 12;
        let balance = pa_rate.of(base_fen) * i64::from(months);
        let out =
            p.pension(&PensionInput { retire, age, benefit_base_fen: c, avg_contribution_index: index, months, balance_fen: balance })?;
        ex.step(
            format!("估算按今天的钱算：计发基数用最新的{}元；您每月按{}元缴费，指数 = {} ÷ {} = {index}；个人账户每月记入{}元，共{months}个月，合计{}元（假设利息正好跟上工资增长）。", yuan(c), yuan(base_fen), yuan(base_fen), yuan(c), yuan(pa_rate.of(base_fen)), yuan(balance)),
            format!("In today's money: the latest benefit base, {} yuan, is used; you contribute on {} yuan a month, so your index is {} ÷ {} = {index}; {} yuan a month goes to your personal account for {months} months, {} yuan in all (assuming interest just keeps up with wages).", yuan(c), yuan(base_fen), yuan(base_fen), yuan(c), yuan(pa_rate.of(base_fen)), yuan(balance)),
        );
        Ok(estimated(ex, out))
    }

    /// The latest benefit base and the personal-account rate in force with it (an estimate in
    /// today's money reads both there), with the explainer that names them.
    fn today_rates(&self, retire: YearMonth) -> Result<(Fen, Dec6, Explainer), PensionError> {
        let p = self.params;
        let latest = self.region.benefit_base.latest().ok_or_else(|| ParamError::NoValue {
            file: self.region.benefit_base.file.clone(),
            key: "benefit_base".into(),
            date: retire.first_day(),
            problem: "no value".into(),
        })?;
        let (c, cu) = p.lookup(&self.region.benefit_base, latest.from, |v| format!("{} 元", yuan(*v)))?;
        let (pa_rate, pu) = p.lookup(&self.policy.personal_account_rate, latest.from, |v| v.percent())?;
        let mut ex = Explainer::new();
        ex.uses(cu);
        ex.uses(pu);
        Ok((*c, *pa_rate, ex))
    }
}

/// The estimate's own steps before the pension's, and the warning that it is no promise.
fn estimated(mut ex: Explainer, mut out: Explained<Pension>) -> Explained<Pension> {
    ex.warn(
        "这是估算，不是承诺：实际养老金取决于将来的工资、利率和您真实的缴费记录。",
        "This is an estimate, not a promise: the real pension depends on future wages, interest and your actual record.",
    );
    let mut head = ex.finish(());
    head.steps.append(&mut out.steps);
    head.params.append(&mut out.params);
    head.warnings.append(&mut out.warnings);
    out.steps = head.steps;
    out.params = head.params;
    out.warnings = head.warnings;
    out
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResidentsPension {
    pub grade_fen: Fen,
    pub years: u32,
    pub subsidy_per_year_fen: Fen,
    pub account_fen: Fen,
    pub basic_fen: Fen,
    pub personal_fen: Fen,
    pub total_fen: Fen,
    /// Pension ÷ income in ten-thousandths, when an income was given.
    pub replacement_bp: Option<i64>,
}

impl Params {
    /// Residents' pension after `years` at a yearly `grade_fen`, drawn in `month`: the basic
    /// pension plus the account (contributions + government top-up) ÷ 139. Interest is left out.
    pub fn residents_pension(
        &self,
        grade_fen: Fen,
        years: u32,
        month: YearMonth,
        income_fen: Option<Fen>,
    ) -> Result<Explained<ResidentsPension>, PensionError> {
        let n = &self.national;
        let date = month.first_day();
        let mut ex = Explainer::new();
        let (grades, u) = self.lookup(&n.residents_grades, date, |g| g.iter().map(|f| yuan(*f)).collect::<Vec<_>>().join("/"))?;
        ex.uses(u);
        if !grades.contains(&grade_fen) {
            let list = grades.iter().map(|f| yuan(*f)).collect::<Vec<_>>().join(", ");
            return Err(PensionError::Input {
                field: "grade",
                reason: format!("{} is not a grade; choose one of {list}", yuan(grade_fen)),
            });
        }
        if years > 60 {
            return Err(PensionError::Input { field: "years", reason: "at most 60 years".into() });
        }
        let (from_grade, u) = self.lookup(&n.residents_subsidy_high_from_grade, date, |v| yuan(*v))?;
        ex.uses(u);
        let (sub, u) = if grade_fen >= *from_grade {
            self.lookup(&n.residents_subsidy_high, date, |v| yuan(*v))?
        } else {
            self.lookup(&n.residents_subsidy_low, date, |v| yuan(*v))?
        };
        ex.uses(u);
        let (div, u) = self.lookup(&n.residents_account_divisor, date, |v| v.to_string())?;
        ex.uses(u);
        let (basic, u) = self.lookup(&n.residents_basic_pension, date, |v| yuan(*v))?;
        ex.uses(u);
        let (min_years, u) = self.lookup(&n.residents_min_years, date, |v| v.to_string())?;
        ex.uses(u);
        let account = (grade_fen + sub) * i64::from(years);
        let personal = div_round(i128::from(account), i128::from((*div).max(1))) as i64;
        let total = basic + personal;
        ex.step(
            format!("城乡居民养老保险：每年交{}元，政府每年补{}元，{years}年后个人账户约{}元（未计利息）。", yuan(grade_fen), yuan(*sub), yuan(account)),
            format!("Residents' pension: you pay {} yuan a year and the government adds {} yuan; after {years} years the account holds about {} yuan (interest left out).", yuan(grade_fen), yuan(*sub), yuan(account)),
        );
        ex.step(
            format!(
                "每月领取 = 基础养老金{}元 + 账户{} ÷ {div} = {}元，合计{}元。",
                yuan(*basic),
                yuan(account),
                yuan(personal),
                yuan(total)
            ),
            format!(
                "Monthly = basic pension {} yuan + account {} ÷ {div} = {} yuan, {} yuan in all.",
                yuan(*basic),
                yuan(account),
                yuan(personal),
                yuan(total)
            ),
        );
        if years < *min_years {
            ex.warn(
                format!("居民养老保险一般要缴满{min_years}年才能按月领取。"),
                format!("The residents' pension normally needs {min_years} years of contributions before it is paid monthly."),
            );
        }
        let replacement_bp = income_fen.filter(|i| *i > 0).map(|i| div_round(i128::from(total) * 10_000, i128::from(i)) as i64);
        if let (Some(bp), Some(i)) = (replacement_bp, income_fen) {
            let pct = crate::money::trim_decimal(bp, 2);
            ex.step(
                format!("相当于您现在月收入{}元的{pct}%（替代率）。", yuan(i)),
                format!("That is {pct}% of your current monthly income of {} yuan (the replacement rate).", yuan(i)),
            );
        }
        Ok(ex.finish(ResidentsPension {
            grade_fen,
            years,
            subsidy_per_year_fen: *sub,
            account_fen: account,
            basic_fen: *basic,
            personal_fen: personal,
            total_fen: total,
            replacement_bp,
        }))
    }
}

/// A worker's own record as the estimate reads it: what the journal says so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnRecord {
    /// Months paid in full so far.
    pub months_paid: u32,
    /// The personal account today.
    pub balance_fen: Fen,
    /// The average contribution index of the months paid (`None`: none paid, or unknown).
    pub avg_contribution_index: Option<Dec6>,
}

impl Scenario<'_> {
    /// The pension at retirement from the worker's own record plus `future_months` more months
    /// on `base_fen` (in today's money, as [`Scenario::estimate_pension`]): the months add up,
    /// the index is the months-weighted mean of the record's and the new base's, and the
    /// account grows by the personal share of each new month.
    pub fn estimate_from_record(
        &self,
        record: &OwnRecord,
        base_fen: Fen,
        future_months: u32,
        age: Age,
        retire: YearMonth,
    ) -> Result<Explained<Pension>, PensionError> {
        if future_months > 720 {
            return Err(PensionError::Input { field: "future_months", reason: "at most 60 years".into() });
        }
        let p = self.params;
        let (c, pa_rate, mut ex) = self.today_rates(retire)?;
        let new_index = div_round(i128::from(base_fen) * 1_000_000, i128::from(c.max(1)));
        let old = record.avg_contribution_index.map_or(new_index, |d| i128::from(d.0));
        let months = record.months_paid + future_months;
        let index =
            Dec6(div_round(old * i128::from(record.months_paid) + new_index * i128::from(future_months), i128::from(months.max(1))) as i64);
        let added = pa_rate.of(base_fen) * i64::from(future_months);
        let balance = record.balance_fen + added;
        let out =
            p.pension(&PensionInput { retire, age, benefit_base_fen: c, avg_contribution_index: index, months, balance_fen: balance })?;
        let (paid, bal, b, add) = (record.months_paid, yuan(record.balance_fen), yuan(base_fen), yuan(added));
        ex.step(
            format!("您已缴满{paid}个月，个人账户现有{bal}元。到退休还有{future_months}个月，按每月{b}元的基数缴费，个人账户再记入{add}元（按今天的钱算）。"),
            format!("You have {paid} months paid and {bal} yuan in your personal account. Until retirement there are {future_months} months; on a base of {b} yuan a month your account gets {add} yuan more (in today's money)."),
        );
        ex.step(
            format!("合计{months}个月，平均缴费指数{index}。"),
            format!("That makes {months} months, with an average contribution index of {index}."),
        );
        Ok(estimated(ex, out))
    }
}
