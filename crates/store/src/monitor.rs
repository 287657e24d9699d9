//! Risk monitoring on the store: gather each worker's month (incomes over the window, the
//! employee-pension enrolment, the ledger's standing, the retirement month), let the rules core
//! decide the risks, and keep one open alert per worker and risk. A run is idempotent: the same
//! month run again opens and closes nothing; a risk that is gone closes its alert.

use crate::backend::{AlertWrites, MonitorRange, Sql, Tx, placeholders};
use crate::ids::month_code;
use crate::model::Sex;
use crate::{Result, Store, StoreError};
use flexpension_ledger::{Status, WorkerId};
use flexpension_rules::monitor::{Facts, Figures, Finding, MonitorRules, Risk, assess, find};
use flexpension_rules::{Category, Fen, Params, YearMonth};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Workers read and decided together: one set of range reads and one transaction each.
const RANGE: i64 = 10_000;

/// Alerts opened or told again by one statement on PostgreSQL (8 parameters each, far under its
/// 65,535). SQLite steps one prepared statement a row instead: its driver (sqlx) looks each
/// parameter up by name among all of a statement's, a cost growing with the square of their
/// number (at 50 rows a statement a tenth of a run).
const ALERTS_PER_STATEMENT: usize = 1_000;

/// The retirement month and the months of contributions needed then, by birth month and
/// category: the same for every worker born in the month, worked out once per run.
type Retirements = HashMap<(i32, Category), (YearMonth, u32)>;

/// The month an alert `a` was last found in: the latest run that reached its worker (see
/// migration 0070: an open alert was found by every run that reached it since it opened).
/// `alerts.seen_month` holds it for closed alerts; for open ones it is where the alert opened.
pub(crate) const SEEN_MONTH: &str = "COALESCE((SELECT MAX(r.month) FROM monitor_runs r WHERE r.done_through >= a.worker_id), a.seen_month)";

/// The same of the alert being updated (`UPDATE alerts`: no alias), as it stands before the run
/// that updates it marks its range reached.
pub(crate) const SEEN_MONTH_HERE: &str =
    "COALESCE((SELECT MAX(r.month) FROM monitor_runs r WHERE r.done_through >= alerts.worker_id), alerts.seen_month)";

/// A run has kept the alerts of its month up to the worker `$2` (one row a month; a rerun, or a
/// run that stopped part way and is run again, never lowers it).
pub(crate) const RUN_REACHED: &str = "INSERT INTO monitor_runs (month, done_through) VALUES ($1, $2) ON CONFLICT (month) DO UPDATE \
     SET done_through = CASE WHEN excluded.done_through > monitor_runs.done_through THEN excluded.done_through ELSE monitor_runs.done_through END";

/// A range of workers (first and last id) and its reads.
type RangeRead = ((i64, i64), MonitorRange);

/// What a run found: open alerts by risk after the run (a contract: these JSON names are used
/// outside this repository), and how many were opened and closed by it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct MonitorReport {
    /// `YYYY-MM`.
    pub month: String,
    pub workers: u64,
    pub uninsured: u64,
    pub lapsed: u64,
    pub at_risk: u64,
    pub interrupted: u64,
    pub short_of_years: u64,
    pub opened: u64,
    pub closed: u64,
}

impl MonitorReport {
    fn count(&mut self, r: Risk) {
        let n = match r {
            Risk::Uninsured => &mut self.uninsured,
            Risk::Lapsed => &mut self.lapsed,
            Risk::AtRisk => &mut self.at_risk,
            Risk::Interrupted => &mut self.interrupted,
            Risk::ShortOfYears => &mut self.short_of_years,
        };
        *n += 1;
    }
}

/// An open alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub worker: WorkerId,
    pub risk: Risk,
    pub grid_id: i64,
    /// `YYYY-MM`: the month it was first found, and the latest month a run found it in.
    pub opened: String,
    pub seen: String,
    pub why_zh: String,
    pub why_en: String,
}

/// A range's reads (see `Db::monitor_range`): the workers; those enrolled in the employee
/// pension in the month; their incomes of the window's months, a row per platform; the
/// entries and payments their standings come from ([`STANDING_READS`]).
const RANGE_READS: [&str; 5] = [
    "SELECT id, birth_month, sex, home_grid_id FROM workers WHERE id BETWEEN $1 AND $2 ORDER BY id",
    "SELECT DISTINCT worker_id FROM enrolments WHERE worker_id BETWEEN $1 AND $2 AND scheme = 'employee_pension' \
     AND from_month <= $3 AND (to_month IS NULL OR to_month >= $3)",
    // Each month named (`{months}`: $3, $4, ...): the table's key leads with the month, and a
    // range of months was read whole for every range of workers (at 1 M workers most of a run).
    // A row per platform, added up here: almost every worker-month has one, and PostgreSQL's
    // grouping cost a quarter of its reads.
    "SELECT worker_id, month, income_fen FROM month_income WHERE worker_id BETWEEN $1 AND $2 AND month IN ({months})",
    STANDING_READS[0],
    STANDING_READS[1],
];

/// What the ledger's standing of the workers `$1..=$2` (`Ledger::status`, `Ledger::months_paid`)
/// follows from, read without the ledger rebuilt from their whole journal (a run rebuilt about
/// 45 entries a worker, half its time): (1) the closes, creditings and their reversals in
/// append order as (worker, what, contribution month, net due), what being 1 a close, 2 a
/// crediting, -1 and -2 their reversals, and 3 a payment written with its amount (in place of
/// the month and the due: 0 and the amount); (2) per worker the sum of the stored payments'
/// postings to the receivable (payments and their reversals are the only entries besides
/// closes and their reversals that post to it; a close posts its net due, its reversal the
/// negation).
const STANDING_READS: [&str; 2] = [
    "SELECT worker_id, CAST(CASE kind WHEN 'month_close' THEN 1 WHEN 'month_paid' THEN 2 WHEN 'payment' THEN 3 \
       WHEN 'reversal' THEN CASE WHEN entry_id LIKE worker_id || '/close/%' THEN -1 ELSE -2 END END AS BIGINT), \
       CAST(COALESCE(month, 0) AS BIGINT), CAST(COALESCE(net_fen, amount_fen, 0) AS BIGINT) FROM journal_entries \
     WHERE worker_id BETWEEN $1 AND $2 AND (kind IN ('month_close', 'month_paid') OR (kind = 'payment' AND amount_fen IS NOT NULL) \
       OR (kind = 'reversal' AND (entry_id LIKE worker_id || '/close/%' OR entry_id LIKE worker_id || '/paid/%'))) ORDER BY worker_id, seq",
    "SELECT worker_id, CAST(SUM(amount_fen) AS BIGINT) FROM journal_postings WHERE worker_id BETWEEN $1 AND $2 \
     AND entry_id LIKE worker_id || '/payment/%' AND account = 'receivable/' || worker_id GROUP BY worker_id",
];

/// A worker's standing in the ledger as a run reads it (see [`Store::monitor_standings`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Closed months with a live close (none: uninsured).
    pub closed_months: u32,
    /// Closed months not paid in full.
    pub unpaid_months: u32,
    /// Months credited as paid in full (实缴).
    pub months_paid: u32,
}

impl Standing {
    /// The unpaid months and whether they lapse the worker, as from `Ledger::status`.
    fn arrears(&self, lapse: u32) -> (u32, bool) {
        match self.unpaid_months {
            u if self.closed_months == 0 || u == 0 => (0, false),
            u => (u, u >= lapse),
        }
    }
}

/// Standings by worker from the rows of [`STANDING_READS`], as the ledger derives them: a
/// month's close is live until reversed (a new revision only follows a reversal), its
/// crediting likewise; what was received, the live dues less the receivable, pays the live
/// closed months oldest first, and a month with a due not covered so is unpaid
/// (`record::allocation`).
fn standings(entries: &[(i64, i64, i64, i64)], payments: &[(i64, i64)]) -> HashMap<i64, Standing> {
    let paid_in: HashMap<i64, i64> = payments.iter().copied().collect();
    let mut out = HashMap::new();
    let mut rest = entries;
    while let Some(&(w, ..)) = rest.first() {
        let n = rest.iter().take_while(|r| r.0 == w).count();
        let (mine, next) = rest.split_at(n);
        rest = next;
        // Live dues by contribution month, and the months credited.
        let mut dues: BTreeMap<i64, i64> = BTreeMap::new();
        let (mut credited, mut amounts, mut closes_or_credits): (i64, i64, bool) = (0, 0, false);
        for &(_, what, month, net) in mine {
            match what {
                1 => {
                    dues.insert(month, net);
                }
                -1 => {
                    dues.remove(&month);
                }
                2 => credited += 1,
                3 => amounts += net,
                _ => credited -= 1,
            }
            closes_or_credits |= what != 3;
        }
        // Payments alone: no standing, as before payments were read here.
        if !closes_or_credits {
            continue;
        }
        // The receivable is the live dues plus the payments' postings (credits, negative), so
        // what was received is the stored payments' postings negated, and the amounts.
        let received = amounts - paid_in.get(&w).copied().unwrap_or(0);
        let (mut upto, mut unpaid) = (0i64, 0u32);
        for due in dues.values() {
            upto += due;
            if *due > 0 && upto > received {
                unpaid += 1;
            }
        }
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let s = Standing { closed_months: count(dues.len()), unpaid_months: unpaid, months_paid: u32::try_from(credited).unwrap_or(0) };
        out.insert(w, s);
    }
    out
}

impl Store {
    /// Run the monitor for `month` over every worker of the store, under the rules of `region`.
    pub async fn monitor_run(&self, params: &Params, region: &str, month: YearMonth) -> Result<MonitorReport> {
        let (rules, lapse) = run_rules(params, region, month)?;
        // A month with no income stored yet would read as everyone's income stopping; a month
        // before one already run would reopen what that run settled.
        match self.latest_income_month(None).await? {
            Some(latest) if month <= latest => {}
            latest => {
                let latest = latest.map_or_else(|| "none is".to_string(), |m| format!("the latest is {m}"));
                return Err(StoreError::invalid("month", format!("no platform income is stored for {month} yet ({latest})")));
            }
        }
        let last_run: Option<i32> = Sql::new("SELECT MAX(month) FROM monitor_runs").scalar::<Option<i32>>(self.db()).await?;
        if let Some(last) = last_run.and_then(crate::ids::month_from_code).filter(|last| month < *last) {
            return Err(StoreError::invalid("month", format!("the alerts are kept up to {last}: run that month or a later one")));
        }
        let mut report = MonitorReport { month: month.to_string(), ..MonitorReport::default() };
        let bounds: (Option<i64>, Option<i64>) = Sql::new("SELECT MIN(id), MAX(id) FROM workers").fetch_one(self.db()).await?;
        let Some((lo, hi)) = bounds.0.zip(bounds.1) else { return Ok(report) };
        let mut retirements = Retirements::new();
        let first = month
            .add_months(1 - i64::from(rules.window_months))
            .ok_or_else(|| StoreError::invalid("month", "the window starts before the calendar"))?;
        let window: Vec<i32> = (0..i64::from(rules.window_months)).filter_map(|i| first.add_months(i)).map(month_code).collect();
        let mut ranges = self.range_reads(lo, hi, month_code(month), window);
        while let Some(read) = ranges.recv().await {
            let (bounds, read) = read?;
            self.monitor_range(params, &rules, lapse, bounds, read, first, &mut retirements, &mut report).await?;
        }
        Ok(report)
    }

    /// The reads of each range of workers from `lo` to `hi` in turn (see [`RANGE_READS`]), by a
    /// task of their own one range ahead: the next range is read while the current one is
    /// decided and written.
    fn range_reads(&self, lo: i64, hi: i64, month: i32, window: Vec<i32>) -> tokio::sync::mpsc::Receiver<Result<RangeRead>> {
        let (tx, rx) = tokio::sync::mpsc::channel(1);
        let store = self.clone();
        tokio::spawn(async move {
            let incomes = RANGE_READS[2].replace("{months}", &placeholders(3, window.len()));
            let sqls = [RANGE_READS[0], RANGE_READS[1], &incomes, RANGE_READS[3], RANGE_READS[4]];
            let mut start = lo;
            while start <= hi {
                let end = start.saturating_add(RANGE - 1).min(hi);
                let r = store.db().monitor_range(sqls, start, end, month, &window).await.map(|read| ((start, end), read));
                let failed = r.is_err();
                if tx.send(r).await.is_err() || failed {
                    break;
                }
                start = end.saturating_add(1);
            }
        });
        rx
    }

    /// Decide a range's workers from its reads and keep its alerts.
    #[allow(clippy::too_many_arguments)]
    async fn monitor_range(
        &self,
        params: &Params,
        rules: &MonitorRules,
        lapse: u32,
        (lo, hi): (i64, i64),
        read: MonitorRange,
        first: YearMonth,
        retirements: &mut Retirements,
        report: &mut MonitorReport,
    ) -> Result<()> {
        let month = rules.month;
        let workers = read.workers;
        if workers.is_empty() {
            return Ok(());
        }
        let enrolled: HashSet<i64> = read.enrolled.into_iter().collect();
        let rows = read.incomes;
        let window = rules.window_months as usize;
        let mut incomes: HashMap<i64, Vec<Fen>> = HashMap::new();
        for (w, m, fen) in rows {
            let at = crate::ids::month_from_code(m).map(|m| m.index() - first.index());
            if let Some(i) = at.and_then(|i| usize::try_from(i).ok()).filter(|i| *i < window) {
                let sum = &mut incomes.entry(w).or_insert_with(|| vec![0; window])[i];
                *sum = sum.saturating_add(fen);
            }
        }
        let standings = standings(&read.standing_entries, &read.payments);
        let zeros = vec![0; window];

        let mut found: Vec<(i64, i64, Figures)> = Vec::new();
        for &(w_id, birth_month, ref sex, home_grid_id) in &workers {
            let category = if Sex::parse(sex) == Sex::Female { rules.female_category } else { Category::Male };
            let (retirement, min_months) = match retirements.get(&(birth_month, category)) {
                Some(r) => *r,
                None => {
                    let birth = crate::ids::month_from_code(birth_month)
                        .ok_or_else(|| StoreError::Corrupt(format!("worker {}: birth month {}", w_id, birth_month)))?;
                    let r =
                        params.retirement(birth, category, month.first_day()).map_err(|e| StoreError::invalid("month", e.to_string()))?;
                    let r = (r.value.retirement_month, r.value.min_contribution_months);
                    retirements.insert((birth_month, category), r);
                    r
                }
            };
            let standing = standings.get(&w_id).copied().unwrap_or_default();
            let (unpaid_months, lapsed) = standing.arrears(lapse);
            let facts = Facts {
                incomes_fen: incomes.get(&w_id).unwrap_or(&zeros),
                enrolled: enrolled.contains(&w_id),
                unpaid_months,
                lapsed,
                retirement,
                min_months,
                months_paid: standing.months_paid,
            };
            find(rules, &facts, |f| {
                report.count(f.risk());
                found.push((w_id, home_grid_id, f));
            });
        }
        report.workers += workers.len() as u64;
        self.keep_alerts(lo, hi, month, &found, report).await
    }

    /// Open what is found and not open, close what is no longer found, tell the reasons again
    /// of what stays with other figures (its fingerprint differs), and mark the range reached by
    /// the month's run (what stays open is then seen in the month without a write of its own):
    /// a few statements of many rows each. Only the fingerprints of the open alerts are read
    /// back, and only the reasons written are told.
    async fn keep_alerts(
        &self,
        lo: i64,
        hi: i64,
        month: YearMonth,
        found: &[(i64, i64, Figures)],
        report: &mut MonitorReport,
    ) -> Result<()> {
        let mut tx = self.db().begin_write().await?;
        const OPEN: &str = "SELECT id, worker_id, risk, why_hash FROM alerts WHERE closed_month IS NULL AND worker_id BETWEEN $1 AND $2";
        let mut open: HashMap<(i64, Risk), (i64, i64)> = HashMap::new();
        let mut gone: Vec<i64> = Vec::new();
        for r in tx.alert_rows(OPEN, lo, hi).await? {
            match Risk::parse(&r.risk) {
                Some(risk) => {
                    open.insert((r.worker_id, risk), (r.id, r.why_hash));
                }
                // A risk this monitor no longer knows is not found: closed.
                None => gone.push(r.id),
            }
        }
        let code = month_code(month);
        let (mut retell, mut new) = (Vec::new(), Vec::new());
        for &(w, grid, f) in found {
            let print = f.fingerprint();
            match open.remove(&(w, f.risk())) {
                Some((_, hash)) if hash == print => {}
                Some((id, _)) => {
                    let why = f.why();
                    retell.push((id, print, why.zh, why.en));
                }
                None => {
                    let why = f.why();
                    new.push((w, f.risk().as_str(), grid, print, why.zh, why.en));
                }
            }
        }
        gone.extend(open.into_values().map(|(id, _)| id));
        report.closed += gone.len() as u64;
        report.opened += new.len() as u64;
        let writes = AlertWrites { month: code, hi, now_us: self.now_us(), gone: &gone, retell: &retell, new: &new };
        if !tx.alert_writes_raw(&writes).await? {
            write_alerts(&mut tx, &writes).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The risks one worker shows in `month` under the rules of `region`, each explained, worked
    /// out on their own straight from the tables (the worker, their enrolments, each month's
    /// income of the window, their ledger) without any of a run's shortcuts (range reads,
    /// retirements kept per birth month, fingerprints): what a run decides for them. Writes
    /// nothing.
    pub async fn monitor_worker(&self, params: &Params, region: &str, month: YearMonth, worker: WorkerId) -> Result<Vec<Finding>> {
        let (rules, lapse) = run_rules(params, region, month)?;
        let person: Option<(i32, String)> =
            Sql::new("SELECT birth_month, sex FROM workers WHERE id = $1").bind(worker.0).fetch_optional(self.db()).await?;
        let (birth_month, sex) = person.ok_or_else(|| StoreError::NotFound { what: "worker", key: worker.0.to_string() })?;
        let code = month_code(month);
        let enrolments: i64 = Sql::new(
            "SELECT COUNT(*) FROM enrolments WHERE worker_id = $1 AND scheme = 'employee_pension' \
             AND from_month <= $2 AND (to_month IS NULL OR to_month >= $2)",
        )
        .bind(worker.0)
        .bind(code)
        .scalar(self.db())
        .await?;
        let mut incomes = Vec::new();
        for back in (0..i64::from(rules.window_months)).rev() {
            let m = month.add_months(-back).ok_or_else(|| StoreError::invalid("month", "the window starts before the calendar"))?;
            let fen: Option<i64> = Sql::new("SELECT CAST(SUM(income_fen) AS BIGINT) FROM month_income WHERE worker_id = $1 AND month = $2")
                .bind(worker.0)
                .bind(month_code(m))
                .scalar(self.db())
                .await?;
            incomes.push(fen.unwrap_or(0));
        }
        let birth = crate::ids::month_from_code(birth_month)
            .ok_or_else(|| StoreError::Corrupt(format!("worker {}: birth month {birth_month}", worker.0)))?;
        let category = if Sex::parse(&sex) == Sex::Female { rules.female_category } else { Category::Male };
        let retirement = params.retirement(birth, category, month.first_day()).map_err(|e| StoreError::invalid("month", e.to_string()))?;
        let ledger = self.read_workers(worker.0, worker.0).await?;
        let (unpaid_months, lapsed) = match ledger.status(worker, lapse) {
            Status::InArrears { months, .. } => (months, false),
            Status::Lapsed { months, .. } => (months, true),
            Status::Uninsured | Status::Current => (0, false),
        };
        let facts = Facts {
            incomes_fen: &incomes,
            enrolled: enrolments > 0,
            unpaid_months,
            lapsed,
            retirement: retirement.value.retirement_month,
            min_months: retirement.value.min_contribution_months,
            months_paid: ledger.contribution_record(worker, &BTreeMap::new()).months_paid,
        };
        Ok(assess(&rules, &facts))
    }

    /// The standings of the workers `lo..=hi` with any close or crediting, as a run reads them
    /// (one aggregate over their journal, not the ledger rebuilt), by worker id.
    pub async fn monitor_standings(&self, lo: i64, hi: i64) -> Result<BTreeMap<WorkerId, Standing>> {
        let entries: Vec<(i64, i64, i64, i64)> = Sql::new(STANDING_READS[0]).bind(lo).bind(hi).fetch_all(self.db()).await?;
        let payments: Vec<(i64, i64)> = Sql::new(STANDING_READS[1]).bind(lo).bind(hi).fetch_all(self.db()).await?;
        Ok(standings(&entries, &payments).into_iter().map(|(w, s)| (WorkerId(w), s)).collect())
    }

    /// The open alerts, oldest first; of one grid when given.
    pub async fn open_alerts(&self, grid_id: Option<i64>) -> Result<Vec<Alert>> {
        let rows: Vec<(i64, String, i64, i32, i32, String, String)> = Sql::built(format!(
            "SELECT a.worker_id, a.risk, a.grid_id, a.opened_month, CAST({SEEN_MONTH} AS INTEGER), a.why_zh, a.why_en FROM alerts a \
             WHERE a.closed_month IS NULL AND ($1 IS NULL OR a.grid_id = $1) ORDER BY a.opened_month, a.worker_id, a.risk"
        ))
        .bind(grid_id)
        .fetch_all(self.db())
        .await?;
        rows.into_iter()
            .map(|(w, risk, grid_id, opened, seen, why_zh, why_en)| {
                let risk = Risk::parse(&risk).ok_or_else(|| StoreError::Corrupt(format!("alert risk '{risk}'")))?;
                let month = |c: i32| crate::ids::month_from_code(c).map(|m| m.to_string()).unwrap_or_default();
                Ok(Alert { worker: WorkerId(w), risk, grid_id, opened: month(opened), seen: month(seen), why_zh, why_en })
            })
            .collect()
    }
}

/// The monitoring rules of `region` in `month` and the lapse threshold then.
fn run_rules(params: &Params, region: &str, month: YearMonth) -> Result<(MonitorRules, u32)> {
    let rules = params.monitor_rules(region, month).map_err(|e| {
        let field = if matches!(e, flexpension_rules::ParamError::Unknown { what: "region", .. }) { "region" } else { "month" };
        StoreError::invalid(field, e.to_string())
    })?;
    let lapse = params
        .lookup(&params.national.lapse_after_months, month.first_day(), |v| v.to_string())
        .map_err(|e| StoreError::invalid("month", e.to_string()))?
        .0;
    Ok((rules, *lapse))
}

/// A range's alert writes as statements of many rows each (PostgreSQL; SQLite steps them raw):
/// closed (with the month they were last seen), told again, opened, then the range marked
/// reached by the month's run.
async fn write_alerts(tx: &mut Tx, w: &AlertWrites<'_>) -> Result<()> {
    for part in w.gone.chunks(crate::registry::KEYS_PER_LOOKUP) {
        let sql = format!(
            "UPDATE alerts SET seen_month = {SEEN_MONTH_HERE}, closed_month = $1, closed_reason = 'gone' WHERE id IN ({})",
            placeholders(2, part.len())
        );
        part.iter().fold(Sql::built(sql).bind(w.month), |q, id| q.bind(*id)).execute(&mut *tx).await?;
    }
    for part in w.retell.chunks(ALERTS_PER_STATEMENT) {
        let rows: Vec<String> = (0..part.len())
            .map(|i| format!("(CAST(${} AS BIGINT), CAST(${} AS BIGINT), ${}, ${})", 1 + 4 * i, 2 + 4 * i, 3 + 4 * i, 4 + 4 * i))
            .collect();
        let sql = format!(
            "UPDATE alerts SET why_hash = v.column2, why_zh = v.column3, why_en = v.column4 FROM (VALUES {}) AS v WHERE alerts.id = v.column1",
            rows.join(",")
        );
        let q = part.iter().fold(Sql::built(sql), |q, (id, print, zh, en)| q.bind(*id).bind(*print).bind(zh.as_str()).bind(en.as_str()));
        q.execute(&mut *tx).await?;
    }
    for part in w.new.chunks(ALERTS_PER_STATEMENT) {
        let rows: Vec<String> = (0..part.len())
            .map(|i| {
                let p = 8 * i;
                format!("(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})", p + 1, p + 2, p + 3, p + 4, p + 4, p + 5, p + 6, p + 7, p + 8)
            })
            .collect();
        let sql = format!(
            "INSERT INTO alerts (worker_id, risk, grid_id, opened_month, seen_month, why_hash, why_zh, why_en, opened_at_us) VALUES {}",
            rows.join(",")
        );
        let q = part.iter().fold(Sql::built(sql), |q, (worker, risk, grid, print, zh, en)| {
            q.bind(*worker).bind(*risk).bind(*grid).bind(w.month).bind(*print).bind(zh.as_str()).bind(en.as_str()).bind(w.now_us)
        });
        q.execute(&mut *tx).await?;
    }
    // What is open in the range now was found in this run: seen in the month.
    Sql::new(RUN_REACHED).bind(w.month).bind(w.hi).execute(&mut *tx).await?;
    Ok(())
}
