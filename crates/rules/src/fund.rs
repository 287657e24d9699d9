//! The provincial special fund (省级统管、市级发放, section 5.2 of the paper) and what platforms
//! pay (section 5.4): how much of a worker's subsidy a city's allocation grants, what happens
//! when it runs short (a dated parameter, `fund.shortfall`), the platform's tax statement (the
//! 150% super-deduction and the immediate refund: the paper's proposal, not law) and union dues.
//! Pure: the balances come in as arguments.

use crate::explain::{Explained, Explainer, ParamUse};
use crate::money::{Dec6, Fen, MAX_FEN, yuan};
use crate::params::{ParamError, Params};
use chrono::NaiveDate;
use serde::Serialize;

/// What happens when a city's allocation cannot pay a subsidy in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortfall {
    /// The unfunded part waits for the next appropriation (granted then, oldest month first).
    Queue,
    /// Every worker of the city in the month gets the same share of what was asked.
    Prorate,
}

impl Shortfall {
    pub fn parse(s: &str) -> Option<Shortfall> {
        match s {
            "queue" => Some(Shortfall::Queue),
            "prorate" => Some(Shortfall::Prorate),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Shortfall::Queue => "queue",
            Shortfall::Prorate => "prorate",
        }
    }
}

impl std::fmt::Display for Shortfall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fund's rules in force on a day.
#[derive(Debug, Clone)]
pub struct FundRules {
    pub shortfall: Shortfall,
    pub uses: Vec<ParamUse>,
}

/// A worker-month's subsidy as the fund decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// What the rules ask for the month.
    pub requested_fen: Fen,
    /// What the city's allocation pays.
    pub granted_fen: Fen,
    /// What waits for the next appropriation (queue policy only).
    pub queued_fen: Fen,
}

/// The share of what is asked a pro-rated month can pay: `available` of `asked`, the city's
/// balance over the month's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    pub available_fen: Fen,
    pub asked_fen: Fen,
}

/// The subsidy granted for a worker-month. `held_fen` is what this worker-month holds already
/// (a reclose), `balance_fen` what the city has left besides. Never more than asked, never more
/// than `held + balance`: the fund is never overspent. Under `Queue` the rest waits; under
/// `Prorate` the worker gets `ratio` of the ask (rounded down to the fen) and nothing waits.
pub fn grant(requested_fen: Fen, held_fen: Fen, balance_fen: Fen, shortfall: Shortfall, ratio: Option<Ratio>) -> Grant {
    let requested_fen = requested_fen.clamp(0, MAX_FEN);
    let can = held_fen.max(0).saturating_add(balance_fen.max(0));
    match shortfall {
        Shortfall::Queue => {
            let granted_fen = requested_fen.min(can);
            Grant { requested_fen, granted_fen, queued_fen: requested_fen - granted_fen }
        }
        Shortfall::Prorate => {
            let share = match ratio {
                Some(r) if r.asked_fen > r.available_fen.max(0) => {
                    (i128::from(requested_fen) * i128::from(r.available_fen.max(0)) / i128::from(r.asked_fen)) as Fen
                }
                _ => requested_fen,
            };
            Grant { requested_fen, granted_fen: share.min(can), queued_fen: 0 }
        }
    }
}

impl Params {
    /// The fund's shortfall policy in force on `day`.
    pub fn fund_rules(&self, day: NaiveDate) -> Result<FundRules, ParamError> {
        let (s, u) = self.lookup(&self.national.fund.shortfall, day, |v| v.to_string())?;
        Ok(FundRules { shortfall: *s, uses: vec![u] })
    }

    /// Union dues per active worker a month in force on `day` (a design value, weakly sourced).
    pub fn union_dues(&self, day: NaiveDate) -> Result<(Fen, ParamUse), ParamError> {
        let (v, u) = self.lookup(&self.national.fund.union_dues_per_active_worker, day, |v| format!("{} 元", yuan(*v)))?;
        Ok((*v, u))
    }
}

/// Why a worker-month's subsidy is what it is, in plain words: for the worker's statement.
pub fn explain_grant(g: &Grant, shortfall: Shortfall, city: &str, uses: &[ParamUse]) -> Explained<Grant> {
    let mut ex = Explainer::new();
    for u in uses {
        ex.uses(u.clone());
    }
    let (req, got, wait) = (yuan(g.requested_fen), yuan(g.granted_fen), yuan(g.queued_fen));
    if g.requested_fen == 0 {
        ex.step("这个月您没有补贴。", "You have no subsidy this month.");
    } else if g.granted_fen == g.requested_fen {
        ex.step(
            format!("您这个月的补贴{req}元由省级专项基金拨给{city}的资金支付，已全额发放。"),
            format!("Your subsidy of {req} yuan this month is paid in full from the provincial special fund's money for {city}."),
        );
    } else {
        match shortfall {
            Shortfall::Queue => ex.step(
                format!("{city}今年的专项基金不够了：您应得补贴{req}元，现在发放{got}元，还有{wait}元排队，等省里下一次拨款后补发。"),
                format!("{city}'s special fund for the year ran short: of your {req} yuan subsidy, {got} yuan is paid now and {wait} yuan waits for the province's next appropriation."),
            ),
            Shortfall::Prorate => ex.step(
                format!("{city}今年的专项基金不够了：这个月所有人的补贴按同一比例减少，您应得{req}元，实际发放{got}元，差额不再补发。"),
                format!("{city}'s special fund for the year ran short: this month everyone's subsidy is cut by the same share; of your {req} yuan you get {got} yuan, and the rest is not paid later."),
            ),
        }
        ex.step(
            "差额由您自己缴纳；这是基金额度的规定，不是您做错了什么。",
            "You pay the difference yourself; this is the fund's limit, not anything you did wrong.",
        );
    }
    ex.finish(*g)
}

/// A platform's tax statement for a year (section 5.2: the paper's proposal, not law).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaxStatement {
    pub year: i32,
    /// Contributions the platform paid toward its flexible workers' pensions in the year.
    pub paid_fen: Fen,
    /// The deduction from taxable income: `paid × super_deduction` (150%).
    pub deduction_fen: Fen,
    /// The part of the deduction beyond what was paid (the "super" 50%).
    pub extra_deduction_fen: Fen,
    /// The tax the deduction saves at the corporate rate.
    pub tax_effect_fen: Fen,
    /// The platform's revenue band qualifies for the immediate refund (即征即退).
    pub immediate_refund: bool,
}

/// The tax statement of a platform that paid `paid_fen` in `year`, whose yearly revenue is
/// below 100 million yuan when `below_100m`. Rounded half up to the fen.
pub fn tax_statement(p: &Params, year: i32, paid_fen: Fen, below_100m: bool) -> Result<Explained<TaxStatement>, ParamError> {
    let day = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
    let (times, u1) = p.lookup(&p.national.fund.super_deduction, day, |v| v.to_string())?;
    let (rate, u2) = p.lookup(&p.national.fund.corporate_tax_rate, day, |v| v.percent())?;
    let (below, u3) = p.lookup(&p.national.fund.refund_revenue_below, day, |v| format!("{} 元", yuan(*v)))?;
    let paid_fen = paid_fen.clamp(0, MAX_FEN);
    let deduction_fen = times.of(paid_fen);
    let tax_effect_fen = rate.of(deduction_fen);
    // The band says "below 100 million yuan"; it qualifies while the threshold is at least that.
    let immediate_refund = below_100m && *below >= 100_000_000 * 100;
    let mut ex = Explainer::new();
    for u in [u1, u2, u3] {
        ex.uses(u);
    }
    ex.warn(
        "这是论文的建议，还不是法律：加计扣除和即征即退目前都不能据此申报。",
        "This is the paper's proposal, not yet law: neither the super-deduction nor the immediate refund can be claimed on it today.",
    );
    let (pd, dd, te) = (yuan(paid_fen), yuan(deduction_fen), yuan(tax_effect_fen));
    ex.step(
        format!("{year}年平台为灵活就业人员缴纳的养老保险费：{pd}元。"),
        format!("Pension contributions the platform paid for flexible workers in {year}: {pd} yuan."),
    );
    ex.step(
        format!("加计扣除：{pd} × {} = {dd}元，可在税前扣除。", Dec6(times.0).percent()),
        format!("Super-deduction: {pd} × {} = {dd} yuan deducted from taxable income.", Dec6(times.0).percent()),
    );
    ex.step(
        format!("按企业所得税税率{}计算，少缴税款{te}元。", rate.percent()),
        format!("At the enterprise income tax rate of {}, that saves {te} yuan of tax.", rate.percent()),
    );
    if immediate_refund {
        ex.step(
            format!("平台年营业收入低于{}元，可以即征即退。", yuan(*below)),
            format!("The platform's yearly revenue is under {} yuan: the refund is immediate.", yuan(*below)),
        );
    } else {
        ex.step(
            format!("平台年营业收入不低于{}元，不适用即征即退。", yuan(*below)),
            format!("The platform's yearly revenue is not under {} yuan: no immediate refund.", yuan(*below)),
        );
    }
    let extra_deduction_fen = deduction_fen - paid_fen;
    Ok(ex.finish(TaxStatement { year, paid_fen, deduction_fen, extra_deduction_fen, tax_effect_fen, immediate_refund }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_grants_what_the_balance_holds_and_queues_the_rest() {
        assert_eq!(grant(1000, 0, 5000, Shortfall::Queue, None), Grant { requested_fen: 1000, granted_fen: 1000, queued_fen: 0 });
        assert_eq!(grant(1000, 0, 300, Shortfall::Queue, None), Grant { requested_fen: 1000, granted_fen: 300, queued_fen: 700 });
        assert_eq!(grant(1000, 200, 300, Shortfall::Queue, None).granted_fen, 500);
        assert_eq!(grant(1000, 0, 0, Shortfall::Queue, None).queued_fen, 1000);
    }

    #[test]
    fn prorate_gives_the_same_share_and_never_beyond_the_balance() {
        let r = Some(Ratio { available_fen: 500, asked_fen: 2000 });
        assert_eq!(grant(1000, 0, 500, Shortfall::Prorate, r), Grant { requested_fen: 1000, granted_fen: 250, queued_fen: 0 });
        assert_eq!(grant(1000, 0, 100, Shortfall::Prorate, r).granted_fen, 100);
        assert_eq!(grant(1000, 0, 5000, Shortfall::Prorate, Some(Ratio { available_fen: 5000, asked_fen: 1000 })).granted_fen, 1000);
    }

    #[test]
    fn never_more_than_held_and_balance() {
        for req in [0, 1, 999, 10_000] {
            for held in [0, 5, 100] {
                for bal in [0, 7, 1_000_000] {
                    for s in [Shortfall::Queue, Shortfall::Prorate] {
                        let g = grant(req, held, bal, s, Some(Ratio { available_fen: bal, asked_fen: 3 * req + 1 }));
                        assert!(g.granted_fen <= held + bal && g.granted_fen <= req && g.granted_fen >= 0, "{g:?}");
                        assert!(g.granted_fen + g.queued_fen <= req);
                    }
                }
            }
        }
    }
}
