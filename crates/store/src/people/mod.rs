//! People who log in, and their sessions. A person has one role and one scope: a worker sees
//! their own account, a platform's staff their platform, an officer their insurance region, a
//! grid worker (网格员) the grids of their region they are given (`person_grids`), a labour
//! inspector (劳动监察) and a union legal-aid officer (工会法律援助) the complaints of their
//! region's workers.
//!
//! Passwords come in already hashed (argon2id PHC strings made by the server, which owns the
//! password rules); session ids are made here with the OS CSPRNG and kept only as SHA-256.

mod console;
mod grid;
mod throttle;
mod views;

pub use console::{Access, ConsoleWorker};
pub use grid::{AlertStats, GridAlert, Outcome, StatRow};

pub use throttle::{Claim, LOGIN_SECRET_LEN};
pub use views::{IncomeFilter, IncomeRow, IncomeTotals};

use crate::backend::Sql;
use crate::ids::{hex, random32};
use crate::registry::check_code;
use crate::{PlatformId, WorkerId};
use crate::{Result, Store, StoreError};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

/// What a person is to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Worker,
    Platform,
    Officer,
    /// 网格员: sees the alerts of their grids and the workers behind them.
    GridWorker,
    /// 劳动监察: a region's labour inspection; mediates and resolves its workers' complaints.
    Inspector,
    /// 工会法律援助: the union's legal-aid officers of a region; take a worker's case on.
    LegalAid,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Worker, Role::Platform, Role::Officer, Role::GridWorker, Role::Inspector, Role::LegalAid];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::Platform => "platform",
            Role::Officer => "officer",
            Role::GridWorker => "grid_worker",
            Role::Inspector => "inspector",
            Role::LegalAid => "legal_aid",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| format!("'{}' is not a role (worker, platform, officer, grid_worker, inspector, legal_aid)", s.trim()))
    }
}

/// Whose data a person may see: exactly one worker, one platform, one region, (a grid
/// worker) the grids given to them in one region, or (inspection, legal aid) the complaints of
/// one region's workers (home grid).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Worker(WorkerId),
    Platform(PlatformId),
    Region(String),
    /// A grid worker of this region; their grids are the person's rows of `person_grids`.
    Grids(String),
    /// A labour inspector of this region.
    Inspection(String),
    /// A union legal-aid officer of this region.
    LegalAid(String),
}

impl Scope {
    /// The role this scope belongs to.
    pub fn role(&self) -> Role {
        match self {
            Scope::Worker(_) => Role::Worker,
            Scope::Platform(_) => Role::Platform,
            Scope::Region(_) => Role::Officer,
            Scope::Grids(_) => Role::GridWorker,
            Scope::Inspection(_) => Role::Inspector,
            Scope::LegalAid(_) => Role::LegalAid,
        }
    }

    /// The region of a scope that has one.
    pub fn region(&self) -> Option<&str> {
        match self {
            Scope::Region(r) | Scope::Grids(r) | Scope::Inspection(r) | Scope::LegalAid(r) => Some(r),
            Scope::Worker(_) | Scope::Platform(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: PersonId,
    pub login: String,
    pub scope: Scope,
}

impl Person {
    pub fn role(&self) -> Role {
        self.scope.role()
    }
}

/// What a login check needs. Debug hides the hash.
#[derive(Clone)]
pub struct LoginRecord {
    pub person: Person,
    pub password_phc: String,
}

impl fmt::Debug for LoginRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRecord").field("person", &self.person).finish_non_exhaustive()
    }
}

/// A new session: the id goes into the cookie (the store keeps only its hash); the CSRF token
/// goes into every form of the session.
#[derive(Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewSession(<secret>)")
    }
}

/// A live session: who, and the token its forms must carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub person: Person,
    pub csrf: String,
}

/// Logins are short and plain; a resident ID is refused so it never shows up as a login.
pub fn check_login(s: &str) -> Result<String> {
    let t = s.trim().to_ascii_lowercase();
    if t.len() < 3 || t.len() > 64 {
        return Err(StoreError::invalid("login", "use 3 to 64 characters"));
    }
    if !t.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+')) {
        return Err(StoreError::invalid("login", "use letters, digits and . _ - @ + only"));
    }
    if flexpension_rules::checkdigit::resident_id(&t).is_ok() {
        return Err(StoreError::invalid("login", "do not use a resident ID as a login (use the phone number or a name)"));
    }
    Ok(t)
}

type PersonRow = (i64, String, String, String, Option<i64>, Option<i64>, Option<String>);
/// A person's row and the session's CSRF token.
type SessionRow = (i64, String, String, String, Option<i64>, Option<i64>, Option<String>, String);

fn person_from(r: &PersonRow) -> Result<Person> {
    let (id, role, login, _, worker, platform, region) = r;
    let bad = || StoreError::Corrupt(format!("person {id}: role and scope disagree"));
    let role: Role = role.parse().map_err(|_| bad())?;
    let scope = match (role, worker, platform, region) {
        (Role::Worker, Some(w), None, None) => Scope::Worker(WorkerId(*w)),
        (Role::Platform, None, Some(p), None) => Scope::Platform(PlatformId(*p)),
        (Role::Officer, None, None, Some(r)) => Scope::Region(r.clone()),
        (Role::GridWorker, None, None, Some(r)) => Scope::Grids(r.clone()),
        (Role::Inspector, None, None, Some(r)) => Scope::Inspection(r.clone()),
        (Role::LegalAid, None, None, Some(r)) => Scope::LegalAid(r.clone()),
        _ => return Err(bad()),
    };
    Ok(Person { id: PersonId(*id), login: login.clone(), scope })
}

const PERSON_COLUMNS: &str = "p.id, p.role, p.login, p.password_phc, p.worker_id, p.platform_id, p.region_code";

fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

fn random_hex() -> Result<String> {
    random32().map(|b| hex(&b)).map_err(|e| StoreError::Corrupt(format!("no OS randomness: {e}")))
}

impl Store {
    /// Add a person who logs in. `password_phc` is an argon2id PHC string (the server's
    /// `people::add_person` makes it from a password). The scope must exist.
    pub async fn add_person_hashed(&self, login: &str, password_phc: &str, scope: &Scope) -> Result<Person> {
        let login = check_login(login)?;
        if !password_phc.starts_with("$argon2id$") {
            return Err(StoreError::invalid("password", "give an argon2id hash, never a clear password"));
        }
        let (worker, platform, region) = match scope {
            Scope::Worker(w) => (Some(w.0), None, None),
            Scope::Platform(p) => (None, Some(p.0), None),
            Scope::Region(r) | Scope::Grids(r) | Scope::Inspection(r) | Scope::LegalAid(r) => (None, None, Some(check_code("region", r)?)),
        };
        let known = match scope {
            Scope::Worker(w) => self.worker(*w).await?.is_some(),
            Scope::Platform(p) => self.platform(*p).await?.is_some(),
            _ => self.regions().await?.iter().any(|x| Some(x.code.as_str()) == region.as_deref()),
        };
        if !known {
            let (what, key) = match scope {
                Scope::Worker(w) => ("worker", w.to_string()),
                Scope::Platform(p) => ("platform", p.to_string()),
                _ => ("region", region.clone().unwrap_or_default()),
            };
            return Err(StoreError::NotFound { what, key });
        }
        let r = Sql::new(
            "INSERT INTO people (role, login, password_phc, worker_id, platform_id, region_code, created_at_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(scope.role().as_str())
        .bind(&login)
        .bind(password_phc)
        .bind(worker)
        .bind(platform)
        .bind(region)
        .bind(self.now_us())
        .scalar(self.db())
        .await;
        match r {
            Ok(id) => Ok(Person { id: PersonId(id), login, scope: scope.clone() }),
            Err(e) if e.is_unique_violation() => Err(StoreError::Exists { what: "login", key: login }),
            Err(e) => Err(e),
        }
    }

    /// The person with this login and what checking a password needs.
    pub async fn login_record(&self, login: &str) -> Result<Option<LoginRecord>> {
        let Ok(login) = check_login(login) else { return Ok(None) };
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.login = $1");
        let row: Option<PersonRow> = Sql::built(sql).bind(&login).fetch_optional(self.db()).await?;
        row.map(|r| Ok(LoginRecord { person: person_from(&r)?, password_phc: r.3.clone() })).transpose()
    }

    /// Open a session for `ttl`; expired sessions are swept on the way.
    pub async fn open_session(&self, person: PersonId, now: DateTime<Utc>, ttl: TimeDelta) -> Result<NewSession> {
        let token = random_hex()?;
        let csrf = random_hex()?;
        let expires_at = now + ttl;
        Sql::new("DELETE FROM sessions WHERE expires_at_us < $1").bind(now.timestamp_micros()).execute(self.db()).await?;
        Sql::new("INSERT INTO sessions (token_hash, person_id, csrf, expires_at_us) VALUES ($1, $2, $3, $4)")
            .bind(token_hash(&token))
            .bind(person.0)
            .bind(&csrf)
            .bind(expires_at.timestamp_micros())
            .execute(self.db())
            .await?;
        Ok(NewSession { token, csrf, expires_at })
    }

    /// The live session with this id, if any.
    pub async fn session(&self, token: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let sql = format!(
            "SELECT {PERSON_COLUMNS}, s.csrf FROM sessions s JOIN people p ON p.id = s.person_id \
             WHERE s.token_hash = $1 AND s.expires_at_us >= $2"
        );
        let row: Option<SessionRow> =
            Sql::built(sql).bind(token_hash(token)).bind(now.timestamp_micros()).fetch_optional(self.db()).await?;
        row.map(|r| {
            let csrf = r.7.clone();
            let pr: PersonRow = (r.0, r.1, r.2, r.3, r.4, r.5, r.6);
            Ok(Session { person: person_from(&pr)?, csrf })
        })
        .transpose()
    }

    /// Log out: the session is deleted (a no-op when it is already gone).
    pub async fn close_session(&self, token: &str) -> Result<()> {
        Sql::new("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(self.db()).await?;
        Ok(())
    }
}
