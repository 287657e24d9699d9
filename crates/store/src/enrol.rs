//! Enrolment per insurance type, unbundled: a worker joins the employee pension, the residents'
//! pension, medical insurance and injury cover separately, each for its own months, on the
//! income that platforms or the tax office report. No labour contract is required.

use crate::backend::{Sql, Tx};
use crate::ids::{EnrolmentId, WorkerId, month_code, month_from_code};
use crate::log::entry::Record;
use crate::{Result, Store, StoreError};
use flexpension_rules::YearMonth;
use serde::Serialize;
use std::str::FromStr;

/// An insurance type a worker enrols in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// 职工基本养老保险, flexible-worker track.
    EmployeePension,
    /// 城乡居民养老保险.
    ResidentsPension,
    /// Basic medical insurance.
    Medical,
    /// 职业伤害保障 (injury cover): platform-paid per order.
    InjuryCover,
}

impl Scheme {
    pub const ALL: [Scheme; 4] = [Scheme::EmployeePension, Scheme::ResidentsPension, Scheme::Medical, Scheme::InjuryCover];
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::EmployeePension => "employee_pension",
            Scheme::ResidentsPension => "residents_pension",
            Scheme::Medical => "medical",
            Scheme::InjuryCover => "injury_cover",
        }
    }
    /// The two basic pensions exclude each other for the same months.
    fn is_basic_pension(self) -> bool {
        matches!(self, Scheme::EmployeePension | Scheme::ResidentsPension)
    }
}

impl FromStr for Scheme {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Scheme::ALL
            .into_iter()
            .find(|x| x.as_str() == s.trim())
            .ok_or_else(|| format!("'{}' is not an insurance type (employee_pension, residents_pension, medical, injury_cover)", s.trim()))
    }
}

/// What the contribution base is assessed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Income the platforms report (the earnings in this store).
    PlatformIncome,
    /// Income in the tax records.
    TaxRecords,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::PlatformIncome => "platform_income",
            Basis::TaxRecords => "tax_records",
        }
    }
}

impl FromStr for Basis {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.trim() {
            "platform_income" => Ok(Basis::PlatformIncome),
            "tax_records" => Ok(Basis::TaxRecords),
            other => Err(format!("'{other}' is not a basis (platform_income, tax_records)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEnrolment {
    pub worker: WorkerId,
    pub scheme: Scheme,
    pub from: YearMonth,
    /// Last month covered (inclusive); None: open.
    pub to: Option<YearMonth>,
    pub basis: Basis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Enrolment {
    pub id: EnrolmentId,
    pub worker: WorkerId,
    pub scheme: Scheme,
    pub from: YearMonth,
    pub to: Option<YearMonth>,
    pub basis: Basis,
}

impl Enrolment {
    pub fn covers(&self, m: YearMonth) -> bool {
        self.from <= m && self.to.is_none_or(|t| m <= t)
    }
    fn overlaps(&self, from: YearMonth, to: Option<YearMonth>) -> bool {
        self.to.is_none_or(|t| from <= t) && to.is_none_or(|t| self.from <= t)
    }
}

type EnrolmentRow = (i64, i64, String, i32, Option<i32>, String);

fn enrolment_from((id, worker, scheme, from, to, basis): EnrolmentRow) -> Result<Enrolment> {
    let bad = |what: &str| StoreError::Corrupt(format!("enrolment {id}: {what}"));
    Ok(Enrolment {
        id: EnrolmentId(id),
        worker: WorkerId(worker),
        scheme: scheme.parse().map_err(|_| bad("scheme"))?,
        from: month_from_code(from).ok_or_else(|| bad("from_month"))?,
        to: to.map(|t| month_from_code(t).ok_or_else(|| bad("to_month"))).transpose()?,
        basis: basis.parse().map_err(|_| bad("basis"))?,
    })
}

const COLUMNS: &str = "id, worker_id, scheme, from_month, to_month, basis";

/// Refuse an enrolment that overlaps one of the same scheme, or the other basic pension.
fn check_overlap(existing: &[Enrolment], e: &NewEnrolment) -> Result<()> {
    for x in existing {
        if !x.overlaps(e.from, e.to) {
            continue;
        }
        if x.scheme == e.scheme {
            return Err(StoreError::Exists {
                what: "enrolment",
                key: format!("{} from {} (enrolment {})", x.scheme.as_str(), x.from, x.id),
            });
        }
        if x.scheme.is_basic_pension() && e.scheme.is_basic_pension() {
            return Err(StoreError::invalid(
                "scheme",
                format!("the worker is in the {} from {}: one basic pension at a time", x.scheme.as_str(), x.from),
            ));
        }
    }
    Ok(())
}

impl Tx {
    /// Enrol at `at_us`, with the enrolment's own log entry.
    pub(crate) async fn insert_enrolment(&mut self, e: &NewEnrolment, at_us: i64) -> Result<Enrolment> {
        let en = self.insert_enrolment_unlogged(e, at_us).await?;
        self.log_append(&enrolment_record(&en, at_us), None).await?;
        Ok(en)
    }

    /// Enrol without a log entry of its own: the caller logs a batch of them
    /// ([`enrolments_record`]).
    pub(crate) async fn insert_enrolment_unlogged(&mut self, e: &NewEnrolment, at_us: i64) -> Result<Enrolment> {
        // Lock the worker's row (PostgreSQL; SQLite already holds the write lock) so two
        // enrolments of one worker cannot both pass the overlap check.
        let n = Sql::new("UPDATE workers SET id = id WHERE id = $1").bind(e.worker.0).execute(&mut *self).await?;
        if n == 0 {
            return Err(StoreError::NotFound { what: "worker", key: e.worker.to_string() });
        }
        self.check_not_frozen(e.worker, "a new enrolment").await?;
        let rows: Vec<EnrolmentRow> =
            Sql::built(format!("SELECT {COLUMNS} FROM enrolments WHERE worker_id = $1")).bind(e.worker.0).fetch_all(&mut *self).await?;
        let existing = rows.into_iter().map(enrolment_from).collect::<Result<Vec<_>>>()?;
        check_overlap(&existing, e)?;
        let id: i64 = Sql::new(
            "INSERT INTO enrolments (worker_id, scheme, from_month, to_month, basis, created_at_us) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(e.worker.0)
        .bind(e.scheme.as_str())
        .bind(month_code(e.from))
        .bind(e.to.map(month_code))
        .bind(e.basis.as_str())
        .bind(at_us)
        .scalar(self)
        .await?;
        Ok(Enrolment { id: EnrolmentId(id), worker: e.worker, scheme: e.scheme, from: e.from, to: e.to, basis: e.basis })
    }
}

/// An enrolment's log record: one entry (`None`) or a batch's row data.
pub(crate) fn enrolment_json(e: &Enrolment) -> serde_json::Value {
    serde_json::json!({
        "basis": e.basis.as_str(),
        "enrolment": e.id.0,
        "from": e.from.to_string(),
        "scheme": e.scheme.as_str(),
        "to": e.to.map(|t| t.to_string()),
        "worker": e.worker.0,
    })
}

/// The `enrolment` entry of one enrolment.
pub(crate) fn enrolment_record(e: &Enrolment, at_us: i64) -> Record {
    Record::new("enrolment", at_us, enrolment_json(e))
}

/// The `enrolments` entry of a batch (an import): a tree over the enrolments' records.
pub(crate) fn enrolments_record(rows: &[flexpension_tlog::Hash], at_us: i64) -> Record {
    Record::new("enrolments", at_us, serde_json::json!({"enrolments": rows.len()})).with_rows(rows)
}

pub(crate) fn check_months(from: YearMonth, to: Option<YearMonth>) -> Result<()> {
    match to {
        Some(t) if t < from => Err(StoreError::invalid("to", format!("the last month {t} is before the first {from}"))),
        _ => Ok(()),
    }
}

impl Store {
    /// Enrol a worker in one insurance type from a month (optionally to a month). Refused when
    /// it overlaps an enrolment of the same type, or the other basic pension.
    pub async fn enrol(&self, e: &NewEnrolment) -> Result<Enrolment> {
        check_months(e.from, e.to)?;
        let mut tx = self.db().begin_write().await?;
        let en = tx.insert_enrolment(e, self.now_us()).await?;
        if e.scheme == Scheme::EmployeePension {
            // A worker who enrols closes their uninsured alert (in the month the monitor last saw it).
            Sql::built(format!(
                "UPDATE alerts SET seen_month = {seen}, closed_month = {seen}, closed_reason = 'enrolled' \
                 WHERE worker_id = $1 AND risk = $2 AND closed_month IS NULL",
                seen = crate::monitor::SEEN_MONTH_HERE
            ))
            .bind(e.worker.0)
            .bind(flexpension_rules::monitor::Risk::Uninsured.as_str())
            .execute(&mut tx)
            .await?;
        }
        tx.commit().await?;
        Ok(en)
    }

    /// End an enrolment with `to` as its last month (open ones, or earlier than they end).
    pub async fn end_enrolment(&self, id: EnrolmentId, to: YearMonth) -> Result<Enrolment> {
        let sql = format!("SELECT {COLUMNS} FROM enrolments WHERE id = $1");
        let row: Option<EnrolmentRow> = Sql::built(sql).bind(id.0).fetch_optional(self.db()).await?;
        let mut e = enrolment_from(row.ok_or_else(|| StoreError::NotFound { what: "enrolment", key: id.to_string() })?)?;
        check_months(e.from, Some(to))?;
        // Only shortening: a later end could run into another enrolment.
        if let Some(t) = e.to
            && to > t
        {
            return Err(StoreError::invalid("to", format!("the enrolment already ends in {t}; enrol again to extend it")));
        }
        let rec = Record::new(
            "enrolment_end",
            self.now_us(),
            serde_json::json!({"enrolment": id.0, "scheme": e.scheme.as_str(), "to": to.to_string(), "worker": e.worker.0}),
        );
        let mut tx = self.db().begin_write().await?;
        Sql::new("UPDATE enrolments SET to_month = $2 WHERE id = $1").bind(id.0).bind(month_code(to)).execute(&mut tx).await?;
        tx.log_append(&rec, None).await?;
        tx.commit().await?;
        e.to = Some(to);
        Ok(e)
    }

    /// A worker's enrolments, by scheme and start.
    pub async fn enrolments(&self, worker: WorkerId) -> Result<Vec<Enrolment>> {
        let sql = format!("SELECT {COLUMNS} FROM enrolments WHERE worker_id = $1 ORDER BY scheme, from_month");
        let rows: Vec<EnrolmentRow> = Sql::built(sql).bind(worker.0).fetch_all(self.db()).await?;
        rows.into_iter().map(enrolment_from).collect()
    }
}
