//! The provincial special fund and what platforms pay, in the demo. The province pilots the
//! paper's policy from January 2026: those months are closed under it (a 50%/40%/30% subsidy by
//! income band under 5000 yuan, paid from the fund), the months before under the region's own
//! policy. The province appropriates each city's money for 2026 before the year; one city
//! (`SHORT_CITY`) is given only what its first month needs and, once that month is closed, about
//! `SHORT_MONTHS` more months' worth: its fund runs short in one month and the shortfall rule in
//! force applies (the rest queued, or pro-rated). Two platforms have approved collective
//! contracts (their shares appear in their bills); the first pays everything it owes, the
//! second nothing (its bills are overdue). A third platform's contract waits for the agency's
//! approval on `/officer/contracts`.

use super::cast::{DemoWorker, GRIDS};
use anyhow::Context;
use flexpension_rules::{Params, Scenario, YearMonth};
use flexpension_store::{CloseOptions, NewContract, PlatformId, Store, city_of_grid};
use std::collections::BTreeMap;

/// The first month closed under the paper's policy (the pilot).
pub const PILOT_FROM: (i32, u32) = (2026, 1);
/// The city whose fund runs short.
pub const SHORT_CITY: &str = "wz";
/// What the short city gets after its first month, in months of that month's subsidies.
const SHORT_MONTHS: i64 = 5;
/// A generous bound on one worker-month's subsidy, yuan: the other cities get it for every
/// enrolled worker and month of the year (they do not run short).
const BOUND_YUAN_PER_MONTH: i64 = 400;
/// The collective contracts: the platform's share of each worker's contribution (basis points),
/// the union federation that signed it, and the minimum base it sets (fen): the second raises
/// its workers' base to 6000 yuan, above the region's lower limit, and pays what that adds.
const CONTRACTS: [(i32, &str, Option<i64>); 2] = [(3000, "杭州市总工会", None), (2000, "浙江省总工会", Some(600_000))];
/// The third platform's contract, filed and waiting for the agency's decision.
const WAITING: (i32, &str) = (1500, "宁波市总工会");

/// What the fund phase did, for the demo's line.
pub struct FundDone {
    pub closed: u64,
    pub appropriated_fen: i64,
    pub queued_fen: i64,
    pub short_from: Option<YearMonth>,
}

/// The contracts of the first two platforms, approved, from the demo's first month; the
/// third's, filed from `waiting_from` and left for the officer to decide.
pub async fn contracts(store: &Store, platforms: &[PlatformId], from: YearMonth, waiting_from: YearMonth) -> anyhow::Result<()> {
    for (p, (share_bp, union, min_base_fen)) in platforms.iter().zip(CONTRACTS) {
        let c = NewContract { platform: *p, union_name: union.into(), share_bp, from, to: None, min_base_fen, supplementary: None };
        let c = store.file_contract(&c).await.context("filing a demo contract")?;
        store.decide_contract(c.id, true, None).await.context("approving a demo contract")?;
    }
    if let Some(p) = platforms.get(CONTRACTS.len()) {
        let (share_bp, union) = WAITING;
        let c = NewContract {
            platform: *p,
            union_name: union.into(),
            share_bp,
            from: waiting_from,
            to: None,
            min_base_fen: Some(498_600),
            supplementary: Some("意外伤害险".into()),
        };
        store.file_contract(&c).await.context("filing the waiting demo contract")?;
    }
    Ok(())
}

/// Enrolled workers by city.
fn enrolled_by_city(workers: &[DemoWorker]) -> BTreeMap<String, i64> {
    let mut n: BTreeMap<String, i64> = GRIDS.iter().map(|(g, _)| (city_of_grid(g), 0)).collect();
    for w in workers.iter().filter(|w| w.pension_from.is_some()) {
        *n.entry(city_of_grid(w.grid)).or_default() += 1;
    }
    n
}

async fn close(store: &Store, scenario: &Scenario<'_>, m: YearMonth, at: YearMonth) -> anyhow::Result<u64> {
    let r = store.close_month(scenario, m, &CloseOptions::new(at.max(m))).await.with_context(|| format!("closing {m}"))?;
    Ok(r.workers)
}

/// Close the months: before the pilot under the region's policy, from it under the paper's,
/// with the fund appropriated as the module says.
pub async fn settle(
    params: &Params,
    store: &Store,
    region: &str,
    workers: &[DemoWorker],
    months: &[YearMonth],
    at: YearMonth,
) -> anyhow::Result<FundDone> {
    let current = params.scenario(region, None, None)?;
    let paper = params.scenario(region, Some("paper"), None)?;
    let pilot = YearMonth::new(PILOT_FROM.0, PILOT_FROM.1).context("the pilot's first month")?;
    let year = pilot.year();
    let mut closed = 0;
    let mut pilot_months = Vec::new();
    for &m in months {
        if m < pilot {
            closed += close(store, &current, m, at).await?;
        } else {
            pilot_months.push(m);
        }
    }
    let Some((&first, rest)) = pilot_months.split_first() else {
        return Ok(FundDone { closed, appropriated_fen: 0, queued_fen: 0, short_from: None });
    };
    for (city, n) in enrolled_by_city(workers) {
        let months = if city == SHORT_CITY { 1 } else { 12 };
        let amount = (n * months * BOUND_YUAN_PER_MONTH * 100).max(100);
        store.fund_appropriate(region, year, Some(&city), amount).await.with_context(|| format!("appropriating to {city}"))?;
    }
    closed += close(store, &paper, first, at).await?;
    let r = store.fund_report(region, Some(year)).await?;
    let asked = r.months.iter().find(|x| x.month == first && x.city == SHORT_CITY).map_or(0, |x| x.requested_fen);
    let left = r.cities.get(SHORT_CITY).map_or(0, |f| f.balance_fen);
    let more = (asked * SHORT_MONTHS - left).max(100);
    store.fund_appropriate(region, year, Some(SHORT_CITY), more).await.context("the short city's second appropriation")?;
    for &m in rest {
        closed += close(store, &paper, m, at).await?;
    }
    let r = store.fund_report(region, Some(year)).await?;
    let short_from = r.months.iter().find(|x| x.requested_fen > x.granted_fen).map(|x| x.month);
    Ok(FundDone { closed, appropriated_fen: r.appropriated_fen, queued_fen: r.queued_fen, short_from })
}

/// The first platform pays all it owes (its bills, through the store).
pub async fn pay_bills(store: &Store, platform: PlatformId, last: YearMonth) -> anyhow::Result<i64> {
    let owed = store.platform_outstanding(platform).await?;
    if owed > 0 {
        store.platform_pay(platform, owed, &format!("DEMO-{last}")).await.context("the demo platform's payment")?;
    }
    Ok(owed)
}
