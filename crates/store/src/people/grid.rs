//! Grid workers (网格员) and the alerts of their grids: which grids a grid worker looks after,
//! their alerts (most urgent and oldest first, escalated when nobody recorded an outcome in
//! time), the outcomes they record, the contact number they may reveal (each reveal in the
//! access log), and the officer's view of the same alerts by grid, by platform and by month.

use super::PersonId;
use crate::backend::Sql;
use crate::ids::{WorkerId, check_phone, month_from_code, random32};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, NaiveDate, TimeDelta};
use flexpension_rules::monitor::Risk;
use flexpension_rules::{Params, YearMonth};
use serde::Serialize;
use std::collections::HashMap;

/// The longest reason a refusal may carry (characters).
pub const REASON_MAX_CHARS: usize = 200;

/// The most grids one grid worker may be given.
pub const GRIDS_PER_PERSON: usize = 50;

/// What a grid worker found when they followed an alert up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Visited,
    Enrolled,
    /// Refused to enrol, with the reason they gave.
    Refused,
    MovedAway,
    /// The alert rests on wrong data (the income, the person, the grid).
    WrongData,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [Outcome::Visited, Outcome::Enrolled, Outcome::Refused, Outcome::MovedAway, Outcome::WrongData];
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Visited => "visited",
            Outcome::Enrolled => "enrolled",
            Outcome::Refused => "refused",
            Outcome::MovedAway => "moved_away",
            Outcome::WrongData => "wrong_data",
        }
    }
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s.trim())
    }
}

/// An open alert as a grid worker or an officer sees it: the worker's masked contact only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridAlert {
    pub id: i64,
    pub worker: WorkerId,
    pub name: String,
    pub phone_masked: String,
    pub grid: String,
    pub grid_name: String,
    pub risk: Risk,
    /// `YYYY-MM` the monitor first found it, and the day it was opened (China time).
    pub opened: String,
    pub opened_on: NaiveDate,
    pub why_zh: String,
    pub why_en: String,
    /// The latest outcome recorded: what, the reason, when (µs).
    pub outcome: Option<(Outcome, String, i64)>,
    /// The day after which it goes up to the officer when nobody recorded an outcome (None:
    /// the holiday calendar of that year is not loaded, so no day is guessed).
    pub due: Option<NaiveDate>,
    /// No outcome and past the due day: the officer's to follow.
    pub escalated: bool,
}

/// One line of the officer's tables: a grid or a platform and its open alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StatRow {
    pub key: String,
    pub name: String,
    pub open: u64,
    /// Open with no outcome recorded.
    pub unhandled: u64,
    pub escalated: u64,
}

/// The officer's figures of a region's alerts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AlertStats {
    pub by_grid: Vec<StatRow>,
    /// Open alerts by the platforms that paid the worker in the alert's latest month (an
    /// alert counts once under each such platform).
    pub by_platform: Vec<StatRow>,
    /// Uninsured alerts opened in each month (`YYYY-MM`) and how many of them ended with the
    /// worker enrolling (alert → enrolment), oldest first.
    pub by_month: Vec<(String, u64, u64)>,
}

type AlertCols = (i64, i64, String, String, String, String, String, i32, i64, String, String);

const ALERT_COLS: &str = "SELECT a.id, a.worker_id, w.name, w.phone_masked, g.code, g.name, a.risk, a.opened_month, a.opened_at_us, \
     a.why_zh, a.why_en FROM alerts a JOIN workers w ON w.id = a.worker_id JOIN grids g ON g.id = a.grid_id";

/// China Standard Time: the day an instant falls on for people here.
fn china_day(at_us: i64) -> Option<NaiveDate> {
    DateTime::from_timestamp_micros(at_us).map(|t| (t + TimeDelta::hours(8)).date_naive())
}

impl Store {
    /// Give a grid worker these grids (codes) of their region; grids already given stay.
    pub async fn assign_grids(&self, person: PersonId, codes: &[&str]) -> Result<()> {
        if codes.len() > GRIDS_PER_PERSON {
            return Err(StoreError::invalid("grids", format!("at most {GRIDS_PER_PERSON} grids per grid worker")));
        }
        let region: Option<(String, Option<String>)> =
            Sql::new("SELECT role, region_code FROM people WHERE id = $1").bind(person.0).fetch_optional(self.db()).await?;
        let region = match region {
            Some((role, Some(r))) if role == super::Role::GridWorker.as_str() => r,
            Some(_) => return Err(StoreError::invalid("person", "only a grid worker is given grids")),
            None => return Err(StoreError::NotFound { what: "person", key: person.0.to_string() }),
        };
        let grids = self.grids(Some(&region)).await?;
        let mut tx = self.db().begin_write().await?;
        for code in codes {
            let g = grids
                .iter()
                .find(|g| g.code == code.trim())
                .ok_or_else(|| StoreError::NotFound { what: "grid of the person's region", key: code.trim().to_string() })?;
            Sql::new("INSERT INTO person_grids (person_id, grid_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(person.0)
                .bind(g.id.0)
                .execute(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The codes of the grids a person looks after.
    pub async fn person_grids(&self, person: PersonId) -> Result<Vec<String>> {
        Sql::new("SELECT g.code FROM person_grids pg JOIN grids g ON g.id = pg.grid_id WHERE pg.person_id = $1 ORDER BY g.code")
            .bind(person.0)
            .scalars(self.db())
            .await
    }

    /// Keep the number a worker gave for being reached by their grid, sealed with the pepper.
    pub async fn set_contact(&self, worker: WorkerId, phone: &str) -> Result<()> {
        let digits = check_phone(phone).map_err(|r| StoreError::invalid("phone", r))?;
        let nonce = random32().map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))?;
        let pad = self.pepper().contact_pad(&nonce[..16]);
        let mut sealed = nonce[..16].to_vec();
        sealed.extend(digits.bytes().zip(pad.iter()).map(|(b, k)| b ^ k));
        let tag = self.pepper().contact_tag(&sealed);
        sealed.extend_from_slice(&tag[..16]);
        Sql::new("INSERT INTO contacts (worker_id, sealed) VALUES ($1, $2) ON CONFLICT (worker_id) DO UPDATE SET sealed = excluded.sealed")
            .bind(worker.0)
            .bind(sealed)
            .execute(self.db())
            .await?;
        Ok(())
    }

    fn open_contact(&self, sealed: &[u8]) -> Result<String> {
        let bad = || StoreError::Corrupt("a sealed contact does not open".into());
        if sealed.len() < 33 || sealed.len() > 16 + 32 + 16 {
            return Err(bad());
        }
        let (body, tag) = sealed.split_at(sealed.len() - 16);
        if self.pepper().contact_tag(body)[..16] != *tag {
            return Err(bad());
        }
        let pad = self.pepper().contact_pad(&body[..16]);
        let digits: Vec<u8> = body[16..].iter().zip(pad.iter()).map(|(b, k)| b ^ k).collect();
        String::from_utf8(digits).map_err(|_| bad())
    }

    /// The open alerts of the grids `person` looks after: those with no outcome first, the
    /// escalated first among them, then by urgency ([`Risk::urgency`]) and age.
    pub async fn grid_alerts(&self, params: &Params, person: PersonId) -> Result<Vec<GridAlert>> {
        let sql = format!("{ALERT_COLS} JOIN person_grids pg ON pg.grid_id = a.grid_id AND pg.person_id = $1 WHERE a.closed_month IS NULL");
        let rows: Vec<AlertCols> = Sql::built(sql).bind(person.0).fetch_all(self.db()).await?;
        let mut out = self.alerts_from(params, rows).await?;
        out.sort_by_key(|a| (a.outcome.is_some(), !a.escalated, a.risk.urgency(), a.opened_on, a.id));
        Ok(out)
    }

    /// The open alerts of `region`, of one grid when given, in the same order as a grid
    /// worker's.
    pub async fn region_alerts(&self, params: &Params, region: &str, grid: Option<&str>) -> Result<Vec<GridAlert>> {
        let sql = format!("{ALERT_COLS} WHERE a.closed_month IS NULL AND g.region_code = $1 AND ($2 IS NULL OR g.code = $2)");
        let rows: Vec<AlertCols> = Sql::built(sql).bind(region).bind(grid).fetch_all(self.db()).await?;
        let mut out = self.alerts_from(params, rows).await?;
        out.sort_by_key(|a| (a.outcome.is_some(), !a.escalated, a.risk.urgency(), a.opened_on, a.id));
        Ok(out)
    }

    async fn alerts_from(&self, params: &Params, rows: Vec<AlertCols>) -> Result<Vec<GridAlert>> {
        let today = china_day(self.now_us()).ok_or_else(|| StoreError::Corrupt("the clock is out of range".into()))?;
        let mut latest = self.latest_outcomes(&rows.iter().map(|r| r.0).collect::<Vec<_>>()).await?;
        rows.into_iter()
            .map(|(id, w, name, phone_masked, grid, grid_name, risk, opened_month, opened_at_us, why_zh, why_en)| {
                let risk = Risk::parse(&risk).ok_or_else(|| StoreError::Corrupt(format!("alert risk '{risk}'")))?;
                let month =
                    month_from_code(opened_month).ok_or_else(|| StoreError::Corrupt(format!("alert {id}: month {opened_month}")))?;
                // Alerts from before the day was kept count from the end of their month.
                let opened_on = if opened_at_us > 0 { china_day(opened_at_us) } else { month.add_months(1).map(YearMonth::first_day) }
                    .ok_or_else(|| StoreError::Corrupt(format!("alert {id}: opening day")))?;
                let outcome = latest.remove(&id);
                let due = params.escalation_due(opened_on).ok().map(|d| d.value);
                let escalated = outcome.is_none() && due.is_some_and(|d| today > d);
                Ok(GridAlert {
                    id,
                    worker: WorkerId(w),
                    name,
                    phone_masked,
                    grid,
                    grid_name,
                    risk,
                    opened: month.to_string(),
                    opened_on,
                    why_zh,
                    why_en,
                    outcome,
                    due,
                    escalated,
                })
            })
            .collect()
    }

    async fn latest_outcomes(&self, alerts: &[i64]) -> Result<HashMap<i64, (Outcome, String, i64)>> {
        let mut out = HashMap::new();
        for part in alerts.chunks(crate::registry::KEYS_PER_LOOKUP) {
            let sql = format!(
                "SELECT alert_id, outcome, reason, at_us FROM alert_outcomes WHERE alert_id IN ({}) ORDER BY at_us, id",
                crate::backend::placeholders(1, part.len())
            );
            let rows: Vec<(i64, String, String, i64)> = part.iter().fold(Sql::built(sql), |q, id| q.bind(*id)).fetch_all(self.db()).await?;
            for (a, o, reason, at) in rows {
                let o = Outcome::parse(&o).ok_or_else(|| StoreError::Corrupt(format!("alert outcome '{o}'")))?;
                out.insert(a, (o, reason, at));
            }
        }
        Ok(out)
    }

    /// The open alert `alert` if it is in one of `person`'s grids: its worker.
    async fn alert_of(&self, person: PersonId, alert: i64) -> Result<WorkerId> {
        let w: Option<(i64,)> = Sql::new(
            "SELECT a.worker_id FROM alerts a JOIN person_grids pg ON pg.grid_id = a.grid_id AND pg.person_id = $2 \
             WHERE a.id = $1 AND a.closed_month IS NULL",
        )
        .bind(alert)
        .bind(person.0)
        .fetch_optional(self.db())
        .await?;
        w.map(|w| WorkerId(w.0)).ok_or_else(|| StoreError::NotFound { what: "alert", key: alert.to_string() })
    }

    /// Record what `person` found following `alert` up. A refusal needs the reason given;
    /// another alert than the person's open ones is not found.
    pub async fn record_outcome(&self, person: PersonId, alert: i64, outcome: Outcome, reason: &str) -> Result<()> {
        let reason = reason.trim();
        if reason.chars().count() > REASON_MAX_CHARS {
            return Err(StoreError::invalid("reason", format!("at most {REASON_MAX_CHARS} characters")));
        }
        if outcome == Outcome::Refused && reason.is_empty() {
            return Err(StoreError::invalid("reason", "say why the worker refused"));
        }
        if reason.chars().any(char::is_control) {
            return Err(StoreError::invalid("reason", "no control characters"));
        }
        self.alert_of(person, alert).await?;
        Sql::new("INSERT INTO alert_outcomes (alert_id, person_id, at_us, outcome, reason) VALUES ($1, $2, $3, $4, $5)")
            .bind(alert)
            .bind(person.0)
            .bind(self.now_us())
            .bind(outcome.as_str())
            .bind(reason)
            .execute(self.db())
            .await?;
        Ok(())
    }

    /// The contact number of `alert`'s worker for `person` (a grid worker of its grid), the
    /// reveal recorded in the access log first: no record, no number. `None`: the worker gave
    /// no number (the registered one is kept only as a keyed hash); the masked one is all.
    pub async fn reveal_contact(&self, person: PersonId, alert: i64) -> Result<(WorkerId, Option<String>)> {
        let worker = self.alert_of(person, alert).await?;
        self.record_access_why(person, worker, "reveal", &format!("alert {alert}")).await?;
        let sealed: Option<(Vec<u8>,)> =
            Sql::new("SELECT sealed FROM contacts WHERE worker_id = $1").bind(worker.0).fetch_optional(self.db()).await?;
        Ok((worker, sealed.map(|s| self.open_contact(&s.0)).transpose()?))
    }

    /// The officer's figures of `region`'s alerts.
    pub async fn alert_stats(&self, params: &Params, region: &str) -> Result<AlertStats> {
        let open = self.region_alerts(params, region, None).await?;
        let mut stats = AlertStats::default();
        let grids = self.grids(Some(region)).await?;
        let tally = |row: &mut StatRow, a: &GridAlert| {
            row.open += 1;
            row.unhandled += u64::from(a.outcome.is_none());
            row.escalated += u64::from(a.escalated);
        };
        for g in &grids {
            let mut row = StatRow { key: g.code.clone(), name: g.name.clone(), ..StatRow::default() };
            open.iter().filter(|a| a.grid == g.code).for_each(|a| tally(&mut row, a));
            stats.by_grid.push(row);
        }
        let paid: Vec<(i64, i64, String)> = Sql::built(format!(
            "SELECT DISTINCT a.id, p.id, p.name FROM alerts a JOIN grids g ON g.id = a.grid_id \
             JOIN month_income mi ON mi.worker_id = a.worker_id AND mi.month = {} JOIN platforms p ON p.id = mi.platform_id \
             WHERE a.closed_month IS NULL AND g.region_code = $1",
            crate::monitor::SEEN_MONTH
        ))
        .bind(region)
        .fetch_all(self.db())
        .await?;
        let by_id: HashMap<i64, &GridAlert> = open.iter().map(|a| (a.id, a)).collect();
        let mut platforms: Vec<StatRow> = Vec::new();
        for (alert, pid, name) in paid {
            let Some(a) = by_id.get(&alert) else { continue };
            let key = pid.to_string();
            let at = match platforms.iter().position(|r| r.key == key) {
                Some(i) => i,
                None => {
                    platforms.push(StatRow { key, name, ..StatRow::default() });
                    platforms.len() - 1
                }
            };
            tally(&mut platforms[at], a);
        }
        platforms.sort_by(|a, b| b.open.cmp(&a.open).then_with(|| a.name.cmp(&b.name)));
        stats.by_platform = platforms;
        let months: Vec<(i32, i64, i64)> = Sql::new(
            "SELECT a.opened_month, COUNT(*), CAST(SUM(CASE WHEN a.closed_reason = 'enrolled' THEN 1 ELSE 0 END) AS BIGINT) \
             FROM alerts a JOIN grids g ON g.id = a.grid_id WHERE g.region_code = $1 AND a.risk = $2 \
             GROUP BY a.opened_month ORDER BY a.opened_month",
        )
        .bind(region)
        .bind(Risk::Uninsured.as_str())
        .fetch_all(self.db())
        .await?;
        stats.by_month = months
            .into_iter()
            .filter_map(|(m, n, e)| month_from_code(m).map(|m| (m.to_string(), n.max(0) as u64, e.max(0) as u64)))
            .collect();
        Ok(stats)
    }
}
