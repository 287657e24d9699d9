//! Where a worker's months were paid, month by month, and article 6's benefit place from them
//! (待遇领取地): the transfer's result as the worker sees it on `/me` and `worker show`.

use crate::backend::Sql;
use crate::{Result, Store, WorkerId};
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

    /// Where the worker's pension would be paid if they retired now (article 6,
    /// `Params::benefit_place`): the places in the order the months were paid, each run of
    /// months one stay, with the relationship here now. None when the hukou's province is not
    /// known (a worker registered before it was kept) or nothing is counted.
    pub async fn benefit_place(&self, params: &Params, worker: WorkerId) -> Result<Option<Explained<BenefitPlace>>> {
        let Some(w) = self.worker(worker).await? else { return Ok(None) };
        let Some(hukou) = w.hukou_province else { return Ok(None) };
        let months = self.month_regions(worker).await?;
        if months.is_empty() {
            return Ok(None);
        }
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
        let mut by: BTreeMap<&str, u32> = BTreeMap::new();
        for (r, n) in &runs {
            *by.entry(r.as_str()).or_default() += n;
        }
        for (r, n) in by {
            if let Some(s) = stays.iter_mut().rev().find(|s| s.place == r) {
                s.years = n / 12;
            }
        }
        Ok(params.benefit_place(&hukou, &stays, self.today()).ok())
    }
}
