//! The monthly pension at retirement: basic pension plus personal-account pension, the annuity
//! divisor, and projections of the personal account with the yearly credited interest.

use crate::explain::{Explained, Explainer};
use crate::money::{Dec6, Fen, MAX_FEN, div_round, trim_decimal, yuan};
use crate::params::{ParamError, Params};
use crate::time::{Age, YearMonth};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PensionError {
    #[error("{field}: {reason}")]
    Input { field: &'static str, reason: String },
    #[error(transparent)]
    Param(#[from] ParamError),
}

fn input(field: &'static str, reason: impl Into<String>) -> PensionError {
    PensionError::Input { field, reason: reason.into() }
}

/// An annuity divisor in tenths of a month (138.4 = 1384).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Divisor(pub u32);

impl std::fmt::Display for Divisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&trim_decimal(i64::from(self.0), 1))
    }
}

impl Serialize for Divisor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Params {
    /// 计发月数 for an age at retirement in the month `retire`.
    pub fn annuity_divisor(&self, age: Age, retire: YearMonth, ex: &mut Explainer) -> Result<Divisor, PensionError> {
        let date = retire.first_day();
        let (table, u) = self.lookup(&self.national.divisor_table, date, |_| "40..70".into())?;
        ex.uses(u);
        let (by_month, u) = self.lookup(&self.national.divisor_by_month, date, |v| v.to_string())?;
        ex.uses(u);
        let lo = table.0.keys().next().copied().unwrap_or(0);
        let hi = table.0.keys().last().copied().unwrap_or(0);
        let at = |y: u32| table.0.get(&y).copied();
        let whole = at(age.years)
            .ok_or_else(|| input("age", format!("the divisor table covers ages {lo} to {hi}; {} is outside it", age.years)))?;
        if age.months == 0 || !*by_month {
            if age.months != 0 {
                ex.step(
                    format!("{retire}退休时按整岁{}岁查表（2025年前不分月份）。", age.years),
                    format!("Retiring in {retire}, the whole-year age {} is used (before 2025 months did not count).", age.years),
                );
            }
            ex.step(
                format!("计发月数（个人账户余额要分多少个月领完）：{}岁对应{whole}个月。", age.years),
                format!("Annuity divisor (the number of months the personal account is spread over): age {} gives {whole}.", age.years),
            );
            return Ok(Divisor(whole * 10));
        }
        let next = at(age.years + 1)
            .ok_or_else(|| input("age", format!("{age} needs the divisor for age {}, beyond the table's {hi}", age.years + 1)))?;
        // T[y] − (T[y] − T[y+1]) × m / 12, rounded half-up to 0.1: in tenths, over 12.
        let tenths = div_round(i128::from(whole) * 120 - i128::from(whole - next) * 10 * i128::from(age.months), 12) as u32;
        let d = Divisor(tenths);
        ex.step(
            format!("计发月数（个人账户余额要分多少个月领完）：{}岁是{whole}，{}岁是{next}；{}岁{}个月按比例折算：{whole} − ({whole} − {next}) × {}/12 = {d}（保留一位小数）。", age.years, age.years + 1, age.years, age.months, age.months),
            format!("Annuity divisor (the number of months the personal account is spread over): {whole} at {}, {next} at {}; for {} years {} months: {whole} − ({whole} − {next}) × {}/12 = {d} (to one decimal).", age.years, age.years + 1, age.years, age.months, age.months),
        );
        Ok(d)
    }
}

/// What the pension formula needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PensionInput {
    pub retire: YearMonth,
    pub age: Age,
    /// 计发基数: last year's average monthly wage where you retire.
    pub benefit_base_fen: Fen,
    /// 平均缴费指数: your bases relative to the average wage, averaged over your months.
    pub avg_contribution_index: Dec6,
    pub months: u32,
    pub balance_fen: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pension {
    pub basic_fen: Fen,
    pub personal_fen: Fen,
    pub total_fen: Fen,
    /// Annuity divisor in months, one decimal (`138.4`).
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "138.4"))]
    pub divisor: Divisor,
    pub indexed_wage_fen: Fen,
    /// Years counted, in hundredths (17.33 = 1733).
    pub years_counted: String,
}

impl Params {
    pub fn pension(&self, p: &PensionInput) -> Result<Explained<Pension>, PensionError> {
        if !(1..=MAX_FEN).contains(&p.benefit_base_fen) {
            return Err(input("benefit_base", "must be more than 0"));
        }
        if p.avg_contribution_index.0 < 0 || p.avg_contribution_index > Dec6(3_000_000) {
            return Err(input("index", "must be between 0 and 3 (bases are 60% to 300% of the average wage)"));
        }
        if p.months > 12 * 80 {
            return Err(input("months", "more than 80 years of contributions"));
        }
        if !(0..=MAX_FEN).contains(&p.balance_fen) {
            return Err(input("balance", "must not be negative"));
        }
        let mut ex = Explainer::new();
        let date = p.retire.first_day();
        let (accrual, u) = self.lookup(&self.national.accrual_per_year, date, |v| v.percent())?;
        ex.uses(u);
        let (decimals, u) = self.lookup(&self.national.years_decimals, date, |v| v.to_string())?;
        ex.uses(u);
        let c = p.benefit_base_fen;
        let idx = p.avg_contribution_index;
        let indexed = idx.of(c);
        ex.step(
            format!("计发基数{}元：退休地上一年的平均月工资，用来算基础养老金。", yuan(c)),
            format!(
                "Benefit base {} yuan: last year's average monthly wage where you retire, the yardstick of the basic pension.",
                yuan(c)
            ),
        );
        ex.step(
            format!("平均缴费指数{idx}：您每个月的缴费基数除以当年平均工资，再取平均。指数化月平均缴费工资 = 计发基数 × 指数，即按今天的工资水平折算的您平均缴费工资：{} × {idx} = {}元。", yuan(c), yuan(indexed)),
            format!("Average contribution index {idx}: each month's base divided by that year's average wage, averaged. Your indexed average wage is the benefit base × index, your average contribution wage in today's terms: {} × {idx} = {} yuan.", yuan(c), yuan(indexed)),
        );
        let scale = 10i64.pow(*decimals);
        let years = div_round(i128::from(p.months) * i128::from(scale), 12) as i64;
        let years_s = trim_decimal(years, *decimals);
        ex.step(
            format!("缴费年限：{}个月 ÷ 12 = {years_s}年（保留{decimals}位小数）。", p.months),
            format!("Years of contributions: {} months ÷ 12 = {years_s} years (to {decimals} decimals).", p.months),
        );
        let avg = div_round(i128::from(c) + i128::from(indexed), 2) as i64;
        let basic = div_round(i128::from(avg) * i128::from(years) * i128::from(accrual.0), i128::from(scale) * 1_000_000) as i64;
        let (pct, c_y, indexed_y, avg_y, basic_y) = (accrual.percent(), yuan(c), yuan(indexed), yuan(avg), yuan(basic));
        ex.step(
            format!("基础养老金 = (计发基数 + 指数化工资) ÷ 2 × 缴费年限 × {pct}：({c_y} + {indexed_y}) ÷ 2 = {avg_y}，× {years_s} × {pct} = {basic_y}元。"),
            format!(
                "Basic pension = (benefit base + indexed wage) ÷ 2 × years × {pct}: ({c_y} + {indexed_y}) ÷ 2 = {avg_y}, × {years_s} × {pct} = {basic_y} yuan."
            ),
        );
        let d = self.annuity_divisor(p.age, p.retire, &mut ex)?;
        let personal = div_round(i128::from(p.balance_fen) * 10, i128::from(d.0)) as i64;
        ex.step(
            format!("个人账户养老金 = 个人账户余额 ÷ 计发月数：{} ÷ {d} = {}元。", yuan(p.balance_fen), yuan(personal)),
            format!("Personal-account pension = account balance ÷ divisor: {} ÷ {d} = {} yuan.", yuan(p.balance_fen), yuan(personal)),
        );
        let total = basic + personal;
        ex.step(
            format!("每月养老金合计：{} + {} = {}元。", yuan(basic), yuan(personal), yuan(total)),
            format!("Monthly pension: {} + {} = {} yuan.", yuan(basic), yuan(personal), yuan(total)),
        );
        Ok(ex.finish(Pension {
            basic_fen: basic,
            personal_fen: personal,
            total_fen: total,
            divisor: d,
            indexed_wage_fen: indexed,
            years_counted: years_s,
        }))
    }
}

/// One month of a contribution history: the amount credited to the personal account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountMonth {
    pub month: YearMonth,
    pub personal_account_fen: Fen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AccountProjection {
    pub balance_fen: Fen,
    pub contributions_fen: Fen,
    pub interest_fen: Fen,
}

impl Params {
    /// Grow a personal account month by month to the end of `until`, crediting each calendar
    /// year's official rate at year end: last year's balance × r + the year's contributions × r ×
    /// 1.083 × ½ (the annual method, 年度计算法, of 劳办发〔1997〕116号; the factor is the
    /// parameter `new_contribution_interest_factor`). Years without an official rate use `assumed_rate` (an
    /// assumption, said so) or fail when none is given. The last, partial year is credited in
    /// proportion to its months.
    pub fn project_account(
        &self,
        opening_fen: Fen,
        history: &[AccountMonth],
        until: YearMonth,
        assumed_rate: Option<Dec6>,
        ex: &mut Explainer,
    ) -> Result<AccountProjection, PensionError> {
        let first = history.iter().map(|m| m.month).min().unwrap_or(until);
        if history.windows(2).any(|w| w[1].month <= w[0].month) {
            return Err(input("history", "months must be in order and not repeat"));
        }
        if history.last().is_some_and(|m| m.month > until) {
            return Err(input("history", format!("has months after {until}")));
        }
        let mut balance = opening_fen;
        let (mut contributed, mut interest) = (0i64, 0i64);
        let mut it = history.iter().peekable();
        for year in first.year()..=until.year() {
            let mut year_contrib = 0i64;
            while let Some(m) = it.next_if(|m| m.month.year() == year) {
                year_contrib += m.personal_account_fen;
            }
            let last_month = if year == until.year() { until.month() } else { 12 };
            let date = YearMonth::new(year, 1).map(|m| m.first_day()).unwrap_or_default();
            let rate = match self.lookup(&self.national.credited_rate, date, |v| v.percent()) {
                Ok((r, u)) => {
                    ex.uses(u);
                    *r
                }
                Err(e) => match assumed_rate {
                    Some(r) => {
                        ex.warn(
                            format!("{year}年没有公布的记账利率，按假设的{}计算。", r.percent()),
                            format!("No official credited rate for {year}; the assumed {} is used.", r.percent()),
                        );
                        r
                    }
                    None => return Err(e.into()),
                },
            };
            let (factor, u) = self.lookup(&self.national.new_contribution_interest_factor, date, |v| v.to_string())?;
            ex.uses(u);
            // Interest for the year, pro rata for a partial last year.
            let full =
                i128::from(balance) * i128::from(rate.0) + i128::from(year_contrib) * i128::from(rate.0) * i128::from(factor.0) / 1_000_000;
            let yi = div_round(full * i128::from(last_month), 12 * 1_000_000) as i64;
            balance += year_contrib + yi;
            contributed += year_contrib;
            interest += yi;
        }
        ex.step(
            format!("个人账户：期初{}元，加上每月记入的{}元，按每年的记账利率计息{}元，到{until}共{}元。", yuan(opening_fen), yuan(contributed), yuan(interest), yuan(balance)),
            format!("Personal account: {} yuan at the start, plus {} yuan credited month by month, plus {} yuan of interest at each year's credited rate, gives {} yuan by {until}.", yuan(opening_fen), yuan(contributed), yuan(interest), yuan(balance)),
        );
        Ok(AccountProjection { balance_fen: balance, contributions_fen: contributed, interest_fen: interest })
    }
}
