//! Where a worker's months were paid, month by month, and article 6's benefit place from them
//! (待遇领取地): the transfer's result as the worker sees it on `/me` and `worker show`.

use crate::backend::Sql;
use crate::{MonthsByRegion, Result, Store, WorkerId};
use flexpension_rules::transfer::{BenefitPlace, Stay};
use flexpension_rules::{Explained, Params, YearMonth};
use std::collections::BTreeMap;

impl Store {
    /// Each month counted here, with the region it was paid in: paid here, or brought in by a
    /// transfer; months sent on by a transfer out are gone.
    pub(crate) async fn month_regions(&self, worker: WorkerId) -> Result<BTreeMap<YearMonth, String>> {
        let own = self.own_region().await?;
        let mut months: BTreeMap<YearMonth, String> = BTreeMap::new();
        for m in self.paid_months(worker).await? {
            months.insert(m.month, own.clone());
        }
        const IN: &str = "SELECT m.region, CAST(m.month AS BIGINT) FROM transfer_months m JOIN transfers t ON t.id = m.transfer_id \
            WHERE m.worker_id = $1 AND t.direction = 'in' AND t.state IN ('posted', 'completed') ORDER BY t.created_at_us, m.month";
        let rows: Vec<(String, i64)> = Sql::new(IN).bind(worker.0).fetch_all(self.db()).await?;
        for (region, code) in rows {
            if let Some(m) = crate::ids::month_from_code(code as i32) {
                months.entry(m).or_insert(region);
            }
        }
        const OUT: &str = "SELECT CAST(m.month AS BIGINT) FROM transfer_months m JOIN transfers t ON t.id = m.transfer_id \
            WHERE m.worker_id = $1 AND t.direction = 'out' AND t.state <> 'refused'";
        let gone: Vec<i64> = Sql::new(OUT).bind(worker.0).scalars(self.db()).await?;
        for code in gone {
            if let Some(m) = crate::ids::month_from_code(code as i32) {
                months.remove(&m);
            }
        }
        Ok(months)
    }

    /// The months counted by region ([`Store::months_by_region`]) and where the worker's pension
    /// would be paid if they retired now (article 6, `Params::benefit_place`), from one read: the
    /// places in the order the months were paid, each run of months one stay, with the
    /// relationship here now. No place when the hukou's province is not known (a worker
    /// registered before it was kept) or nothing is counted.
    pub async fn counted(&self, params: &Params, worker: WorkerId) -> Result<(MonthsByRegion, Option<Explained<BenefitPlace>>)> {
        let months = self.month_regions(worker).await?;
        let counted = super::by_region(&months);
        let hukou = self.worker(worker).await?.and_then(|w| w.hukou_province);
        let (Some(hukou), false) = (hukou, months.is_empty()) else { return Ok((counted, None)) };
        let own = self.own_region().await?;
        let mut runs: Vec<(String, u32)> = Vec::new();
        for region in months.values() {
            match runs.last_mut() {
                Some((r, n)) if r == region => *n += 1,
                _ => runs.push((region.clone(), 1)),
            }
        }
        if runs.last().is_none_or(|(r, _)| *r != own) {
            runs.push((own, 0));
        }
        // Years add up by province in the rules; a run's part-year still counts with the rest.
        let mut stays: Vec<Stay> = runs.iter().map(|(r, _)| Stay { place: r.clone(), years: 0, temporary: false }).collect();
        for r in &counted.by_region {
            if let Some(s) = stays.iter_mut().rev().find(|s| s.place == r.region) {
                s.years = r.years;
            }
        }
        Ok((counted, params.benefit_place(&hukou, &stays, self.today()).ok()))
    }

    /// Where the worker's pension would be paid if they retired now ([`Store::counted`]).
    pub async fn benefit_place(&self, params: &Params, worker: WorkerId) -> Result<Option<Explained<BenefitPlace>>> {
        Ok(self.counted(params, worker).await?.1)
    }
}
