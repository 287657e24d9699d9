//! A month's contribution: base, rate, split, subsidy, net cost and burden.

use crate::explain::{Explained, Explainer, ParamUse};
use crate::money::{Fen, MAX_FEN, Rate, div_round, fixed_decimal, yuan};
use crate::params::{Brackets, ParamError, Scenario, SubsidyBands};
use crate::time::YearMonth;
use serde::Serialize;

/// What a worker brings to the calculation for one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContributionInput {
    pub month: YearMonth,
    /// Verified income from all platforms this month.
    pub income_fen: Fen,
    /// The base the worker declared; `None` means the region's lower limit.
    pub declared_base_fen: Option<Fen>,
}

/// The rule values for one region, policy and month, resolved once: the batch path's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthRules {
    pub month: YearMonth,
    pub base_lower_fen: Fen,
    pub base_upper_fen: Fen,
    pub brackets: Brackets,
    pub personal_account_rate: Rate,
    /// The subsidy share by income band, for incomes below `subsidy_income_below_fen`.
    pub subsidy_share: SubsidyBands,
    pub subsidy_income_below_fen: Fen,
    pub burden_benchmark: Rate,
}

/// The month's result. `burden` is net cost / income in ten-thousandths (2624 = 26.24%).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Contribution {
    pub base_fen: Fen,
    pub rate: Rate,
    pub contribution_fen: Fen,
    pub personal_account_fen: Fen,
    pub pooling_fen: Fen,
    pub subsidy_fen: Fen,
    pub net_fen: Fen,
    pub burden_bp: Option<i64>,
    pub over_benchmark: bool,
}

/// The JSON shape of a contribution (a contract: field names are used outside this repository).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContributionView {
    /// `YYYY-MM`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2025-03"))]
    pub month: YearMonth,
    pub income_fen: Fen,
    pub base_fen: Fen,
    pub rate: String,
    pub contribution_fen: Fen,
    pub personal_account_fen: Fen,
    pub pooling_fen: Fen,
    pub subsidy_fen: Fen,
    pub net_fen: Fen,
    pub burden: Option<String>,
    pub over_benchmark: bool,
    pub benchmark: String,
}

impl Contribution {
    pub fn view(&self, input: &ContributionInput, rules: &MonthRules) -> ContributionView {
        ContributionView {
            month: input.month,
            income_fen: input.income_fen,
            base_fen: self.base_fen,
            rate: self.rate.rate_string(),
            contribution_fen: self.contribution_fen,
            personal_account_fen: self.personal_account_fen,
            pooling_fen: self.pooling_fen,
            subsidy_fen: self.subsidy_fen,
            net_fen: self.net_fen,
            burden: self.burden_bp.map(|b| fixed_decimal(b, 4)),
            over_benchmark: self.over_benchmark,
            benchmark: rules.burden_benchmark.rate_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContributionError {
    #[error("{field}: {reason}")]
    Input { field: &'static str, reason: String },
    #[error(transparent)]
    Param(#[from] ParamError),
}

impl Scenario<'_> {
    /// Resolve every rule value a month's contribution needs, with their provenance.
    pub fn month_rules(&self, month: YearMonth) -> Result<(MonthRules, Vec<ParamUse>), ParamError> {
        let date = month.first_day();
        let p = self.params;
        let (lower, u1) = p.lookup(&self.region.base_lower, date, |v| format!("{} 元", yuan(*v)))?;
        let (upper, u2) = p.lookup(&self.region.base_upper, date, |v| format!("{} 元", yuan(*v)))?;
        let (brackets, u3) = p.lookup(&self.policy.rate_brackets, date, |v| v.to_string())?;
        let (pa, u4) = p.lookup(&self.policy.personal_account_rate, date, |v| v.percent())?;
        let (share, u5) = p.lookup(&self.policy.subsidy_share, date, |v| v.to_string())?;
        let (below, u6) = p.lookup(&self.policy.subsidy_income_below, date, |v| format!("{} 元", yuan(*v)))?;
        let (bench, u7) = p.lookup(&p.national.burden_benchmark, date, |v| v.percent())?;
        let key = |u: ParamUse, k: String| ParamUse { key: k, ..u };
        let r = &self.region.code;
        let pol = &self.policy.name;
        let uses = vec![
            key(u1, format!("{r}.base_lower")),
            key(u2, format!("{r}.base_upper")),
            key(u3, format!("{pol}.rate_brackets")),
            key(u4, format!("{pol}.personal_account_rate")),
            key(u5, format!("{pol}.subsidy_share")),
            key(u6, format!("{pol}.subsidy_income_below")),
            u7,
        ];
        let rules = MonthRules {
            month,
            base_lower_fen: *lower,
            base_upper_fen: *upper,
            brackets: brackets.clone(),
            personal_account_rate: *pa,
            subsidy_share: share.clone(),
            subsidy_income_below_fen: *below,
            burden_benchmark: *bench,
        };
        Ok((rules, uses))
    }

    /// The month's contribution with its full explanation.
    pub fn contribution(&self, input: &ContributionInput) -> Result<Explained<ContributionView>, ContributionError> {
        check_input(input)?;
        let (rules, uses) = self.month_rules(input.month)?;
        let c = compute(&rules, input.income_fen, input.declared_base_fen);
        let mut ex = Explainer::new();
        for u in uses {
            ex.uses(u);
        }
        if let Some(o) = self.overlay {
            ex.warn(
                format!("正在使用“{}”口径（{}），它替换了部分官方数字，只用于复现论文。", o.title_zh, o.name),
                format!(
                    "Using the overlay '{}' ({}): it replaces some official figures and exists only to reproduce the paper.",
                    o.name, o.title_en
                ),
            );
        }
        explain_steps(&mut ex, self, input, &rules, &c);
        Ok(ex.finish(c.view(input, &rules)))
    }
}

fn check_input(input: &ContributionInput) -> Result<(), ContributionError> {
    if !(0..=MAX_FEN).contains(&input.income_fen) {
        return Err(ContributionError::Input { field: "income", reason: "must be between 0 and 10,000,000,000 yuan".into() });
    }
    if let Some(b) = input.declared_base_fen
        && !(1..=MAX_FEN).contains(&b)
    {
        return Err(ContributionError::Input { field: "base", reason: "must be more than 0 and at most 10,000,000,000 yuan".into() });
    }
    Ok(())
}

/// The arithmetic alone: no explanation, no allocation. The batch path calls this directly.
#[inline]
pub fn compute(r: &MonthRules, income_fen: Fen, declared_base_fen: Option<Fen>) -> Contribution {
    let base_fen = declared_base_fen.unwrap_or(r.base_lower_fen).clamp(r.base_lower_fen, r.base_upper_fen);
    let rate = r.brackets.find(income_fen).1.rate;
    let contribution_fen = rate.of(base_fen);
    // The personal account never takes more than the contribution itself.
    let personal_account_fen = r.personal_account_rate.of(base_fen).min(contribution_fen);
    let pooling_fen = contribution_fen - personal_account_fen;
    let subsidy_fen = if income_fen < r.subsidy_income_below_fen { r.subsidy_share.share_at(income_fen).of(contribution_fen) } else { 0 };
    let net_fen = contribution_fen - subsidy_fen;
    let burden_bp = (income_fen > 0).then(|| div_round(i128::from(net_fen) * 10_000, i128::from(income_fen)) as i64);
    // Compare exactly, not the rounded burden: net / income > benchmark.
    let over_benchmark = income_fen > 0 && i128::from(net_fen) * 1_000_000 > i128::from(r.burden_benchmark.0) * i128::from(income_fen);
    Contribution { base_fen, rate, contribution_fen, personal_account_fen, pooling_fen, subsidy_fen, net_fen, burden_bp, over_benchmark }
}

fn explain_steps(ex: &mut Explainer, s: &Scenario, input: &ContributionInput, r: &MonthRules, c: &Contribution) {
    let (m, region_zh, region_en) = (input.month, &s.region.name_zh, &s.region.name_en);
    let lower = yuan(r.base_lower_fen);
    let upper = yuan(r.base_upper_fen);
    ex.step(
        format!("缴费基数是计算养老保险费用的那个工资数，不一定等于您的实际收入。{region_zh}{m}的缴费基数下限是{lower}元，上限是{upper}元。"),
        format!("The contribution base is the wage figure your pension contribution is worked out on; it need not be what you earn. In {region_en} for {m} it must be between {lower} and {upper} yuan."),
    );
    let base = yuan(c.base_fen);
    match input.declared_base_fen {
        None => ex.step(
            format!("您没有选择缴费基数，按下限{base}元计算。"),
            format!("You chose no base, so the lower limit, {base} yuan, is used."),
        ),
        Some(d) if d < r.base_lower_fen => ex.step(
            format!("您选择的{}元低于下限，按下限{base}元计算。", yuan(d)),
            format!("The base you chose, {} yuan, is below the lower limit, so {base} yuan is used.", yuan(d)),
        ),
        Some(d) if d > r.base_upper_fen => ex.step(
            format!("您选择的{}元高于上限，按上限{base}元计算。", yuan(d)),
            format!("The base you chose, {} yuan, is above the upper limit, so {base} yuan is used.", yuan(d)),
        ),
        Some(_) => ex.step(format!("按您选择的{base}元计算。"), format!("Your chosen base of {base} yuan is used.")),
    }
    let income = yuan(input.income_fen);
    let rate = c.rate.percent();
    if r.brackets.0.len() == 1 {
        ex.step(
            format!("费率：按“{}”，不论收入多少都是{rate}。", s.policy.title_zh),
            format!("Rate: under '{}' it is {rate} whatever you earn.", s.policy.title_en),
        );
    } else {
        let (i, b) = r.brackets.find(input.income_fen);
        let lo = i.checked_sub(1).and_then(|j| r.brackets.0[j].up_to_fen).map(|f| yuan(f + 1));
        let (zh, en) = match (lo, b.up_to_fen.map(yuan)) {
            (None, Some(hi)) => (format!("不超过{hi}元"), format!("up to {hi} yuan")),
            (Some(lo), Some(hi)) => (format!("在{lo}元到{hi}元之间"), format!("between {lo} and {hi} yuan")),
            (Some(lo), None) => (format!("在{lo}元及以上"), format!("{lo} yuan or more")),
            (None, None) => ("任何金额".to_string(), "any amount".to_string()),
        };
        ex.step(
            format!("费率：按“{}”，看您本月各平台收入合计{income}元，{zh}，费率是{rate}。", s.policy.title_zh),
            format!("Rate: under '{}' it depends on your income from all platforms this month, {income} yuan, which is {en}: the rate is {rate}.", s.policy.title_en),
        );
    }
    let total = yuan(c.contribution_fen);
    ex.step(
        format!("每月应缴：{base} × {rate} = {total}元（四舍五入到分）。"),
        format!("Contribution: {base} × {rate} = {total} yuan (rounded to the fen, half up)."),
    );
    let pa = yuan(c.personal_account_fen);
    let pool = yuan(c.pooling_fen);
    let pa_rate = r.personal_account_rate.percent();
    ex.step(
        format!("其中{pa}元（基数的{pa_rate}）记入您自己的个人账户，退休后按月领回；其余{pool}元进入统筹基金，这是大家共同的养老钱，用来发基础养老金。"),
        format!("Of this, {pa} yuan ({pa_rate} of the base) goes into your own personal account, paid back to you monthly after retirement; the other {pool} yuan goes to the pooling fund, the shared money that pays everyone's basic pension."),
    );
    let sub = yuan(c.subsidy_fen);
    let below = yuan(r.subsidy_income_below_fen);
    if r.subsidy_share.is_zero() || r.subsidy_income_below_fen <= 0 {
        ex.step("没有按收入发放的缴费补贴。", "There is no subsidy based on income.");
    } else if input.income_fen < r.subsidy_income_below_fen {
        let (i, b) = r.subsidy_share.find(input.income_fen);
        let share = b.share.percent();
        let (title_zh, title_en) = (&s.policy.title_zh, &s.policy.title_en);
        // The parameter by the name its line carries under "figures used", where its source is.
        let name = crate::names::param_name("subsidy_share");
        let (name_zh, name_en) = (&name.zh, &name.en);
        let band = r.subsidy_share.range(i, r.subsidy_income_below_fen).filter(|_| r.subsidy_share.0.len() > 1);
        match band {
            None => ex.step(
                format!("补贴：按“{title_zh}”，月收入低于{below}元的，省里补贴实际缴费的{share}（「{name_zh}」，出处见下面的“用到的数字和出处”）。您本月收入{income}元：{total} × {share} = {sub}元。"),
                format!("Subsidy: under '{title_en}' the province pays {share} of the contribution for incomes below {below} yuan a month ({name_en}; its source is under “Figures used and where they come from” below). Your income this month is {income} yuan: {total} × {share} = {sub} yuan."),
            ),
            Some((lo, hi)) => {
                let (zh, en) = match lo {
                    0 => (format!("不超过{}元", yuan(hi)), format!("up to {} yuan", yuan(hi))),
                    _ => (format!("{}元到{}元", yuan(lo), yuan(hi)), format!("from {} to {} yuan", yuan(lo), yuan(hi))),
                };
                ex.step(
                    format!("补贴：按“{title_zh}”，月收入低于{below}元的按收入分档补贴（「{name_zh}」，出处见下面的“用到的数字和出处”）。您本月收入{income}元，在{zh}这一档，省里补贴实际缴费的{share}：{total} × {share} = {sub}元。"),
                    format!("Subsidy: under '{title_en}' incomes below {below} yuan a month get a subsidy by income band ({name_en}; its source is under “Figures used and where they come from” below). Your income this month, {income} yuan, is in the band {en}, so the province pays {share} of the contribution: {total} × {share} = {sub} yuan."),
                );
            }
        }
    } else {
        ex.step(
            format!("补贴：只有月收入低于{below}元才有补贴，您这个月没有。"),
            format!("Subsidy: only incomes below {below} yuan a month get one, so none this month."),
        );
    }
    let net = yuan(c.net_fen);
    ex.step(format!("您自己要付：{total} − {sub} = {net}元。"), format!("You pay yourself: {total} − {sub} = {net} yuan."));
    let bench = r.burden_benchmark.percent();
    match c.burden_bp {
        Some(b) => {
            let pct = crate::money::trim_decimal(b, 2) + "%";
            let (zh, en) = if c.over_benchmark { ("高于", "above") } else { ("不高于", "not above") };
            ex.step(
                format!("负担：{net} ÷ {income} = {pct}，即收入的{pct}，{zh}论文提出的{bench}合理上限。"),
                format!("Burden: {net} ÷ {income} = {pct} of your income, {en} the paper's {bench} benchmark."),
            );
        }
        None => ex.step("本月没有收入，无法计算负担比例。", "No income this month, so the burden cannot be worked out."),
    }
}

/// Totals of a batch of worker-months, exact in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, derive_more::AddAssign)]
pub struct BatchTotals {
    pub workers: u64,
    pub contribution_fen: i64,
    pub personal_account_fen: i64,
    pub pooling_fen: i64,
    pub subsidy_fen: i64,
    pub net_fen: i64,
    pub over_benchmark: u64,
}

impl BatchTotals {
    #[inline]
    pub fn add(&mut self, c: &Contribution) {
        self.workers += 1;
        self.contribution_fen += c.contribution_fen;
        self.personal_account_fen += c.personal_account_fen;
        self.pooling_fen += c.pooling_fen;
        self.subsidy_fen += c.subsidy_fen;
        self.net_fen += c.net_fen;
        self.over_benchmark += u64::from(c.over_benchmark);
    }
}

/// Many workers' month at once, without explanations: results into `out`, totals returned.
/// `bases[i] <= 0` means "no declared base" (the lower limit). Inputs are clamped to the valid
/// range instead of failing, so a batch never stops half-way.
pub fn batch(r: &MonthRules, incomes_fen: &[Fen], bases_fen: Option<&[Fen]>, out: &mut Vec<Contribution>) -> BatchTotals {
    out.clear();
    out.reserve(incomes_fen.len());
    let mut t = BatchTotals::default();
    for (i, &inc) in incomes_fen.iter().enumerate() {
        let base = bases_fen.and_then(|b| b.get(i).copied()).filter(|b| *b > 0);
        let c = compute(r, inc.clamp(0, MAX_FEN), base.map(|b| b.min(MAX_FEN)));
        t.add(&c);
        out.push(c);
    }
    t
}

/// Totals only: the simulation's hot loop, with no per-worker output.
pub fn batch_totals(r: &MonthRules, incomes_fen: &[Fen], bases_fen: Option<&[Fen]>) -> BatchTotals {
    let mut t = BatchTotals::default();
    match bases_fen {
        None => incomes_fen.iter().for_each(|&inc| t.add(&compute(r, inc.clamp(0, MAX_FEN), None))),
        Some(b) => incomes_fen.iter().zip(b).for_each(|(&inc, &base)| {
            t.add(&compute(r, inc.clamp(0, MAX_FEN), (base > 0).then_some(base.min(MAX_FEN))));
        }),
    }
    t
}
