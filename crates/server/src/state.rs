//! What every request handler shares: the parameters (loaded once), the clock and, when the
//! server runs with one, the data store.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use flexpension_rules::{Params, YearMonth};
use flexpension_store::Store;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;

/// The insurance region a deployment serves when none is named (DESIGN: one deployment, one
/// region).
pub const DEFAULT_REGION: &str = "zj";

/// The public address assumed when none is given: the default `serve` address.
pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Shared, cheap to clone. The rules core never reads the clock; the shell does, here.
#[derive(Clone)]
pub struct AppState {
    params: Arc<Params>,
    today: Option<NaiveDate>,
    /// The calculators need no store; the platform endpoints answer 503 without one.
    store: Option<Store>,
    region: Arc<str>,
    /// Unix seconds of the last sweep of old request nonces (see `api::platform`).
    pub(crate) nonces_swept_at: Arc<AtomicI64>,
    /// The log's witnesses and how many must cosign (see `crate::log`).
    witnesses: Arc<crate::log::Witnesses>,
    /// The address people reach this server at (what a voucher's QR code opens).
    public_url: Arc<str>,
    /// Proxies whose X-Forwarded-For is believed (login throttling by client address).
    trusted_proxies: Arc<[IpAddr]>,
    /// Where logins check passwords (bounded in threads, queue and memory).
    passwords: Arc<crate::people::PasswordPool>,
    /// The store's login secret, read at the first login.
    login_keys: Arc<tokio::sync::OnceCell<crate::throttle::LoginKeys>>,
    /// Unix seconds of the last sweep of expired login counters.
    pub(crate) throttle_swept_at: Arc<AtomicI64>,
    /// Wakes the agency job when a peer's message arrives (see `jobs::agency_delivery_loop`).
    agency_wake: Arc<tokio::sync::Notify>,
    ops: Arc<crate::ops::OpsState>,
    /// Development: text messages are appended to this file (see `crate::sms`).
    sms_file: Option<Arc<std::path::Path>>,
}

impl AppState {
    pub fn new(params: Arc<Params>) -> AppState {
        AppState {
            params,
            today: None,
            store: None,
            region: DEFAULT_REGION.into(),
            nonces_swept_at: Arc::new(AtomicI64::new(0)),
            witnesses: Arc::new(crate::log::Witnesses::default()),
            public_url: DEFAULT_PUBLIC_URL.into(),
            trusted_proxies: Arc::new([]),
            passwords: crate::people::PasswordPool::shared(),
            login_keys: Arc::new(tokio::sync::OnceCell::new()),
            throttle_swept_at: Arc::new(AtomicI64::new(0)),
            agency_wake: Arc::new(tokio::sync::Notify::new()),
            ops: Arc::new(crate::ops::OpsState::default()),
            sms_file: None,
        }
    }

    /// Rung when a peer's message is stored: the agency job handles it without waiting for its tick.
    /// The stop signal, the jobs and the publisher's heartbeat (`crate::ops`).
    pub fn ops(&self) -> &crate::ops::OpsState {
        &self.ops
    }

    pub fn agency_wake(&self) -> &tokio::sync::Notify {
        &self.agency_wake
    }

    /// Development: append each outgoing text message to this file instead of a gateway.
    pub fn with_sms_file(mut self, path: &std::path::Path) -> AppState {
        self.sms_file = Some(path.into());
        self
    }

    pub fn sms_file(&self) -> Option<&std::path::Path> {
        self.sms_file.as_deref()
    }

    /// Believe X-Forwarded-For from these peers only (the deployment's reverse proxies).
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> AppState {
        self.trusted_proxies = proxies.into();
        self
    }

    pub fn trusted_proxies(&self) -> &[IpAddr] {
        &self.trusted_proxies
    }

    /// Check login passwords on this pool instead of the process's shared one.
    pub fn with_password_pool(mut self, pool: Arc<crate::people::PasswordPool>) -> AppState {
        self.passwords = pool;
        self
    }

    pub fn passwords(&self) -> &crate::people::PasswordPool {
        &self.passwords
    }

    /// The login's keys, from the store's login secret (read once).
    pub async fn login_keys(&self) -> Result<&crate::throttle::LoginKeys, flexpension_store::StoreError> {
        let store = self.store.as_ref().ok_or_else(|| flexpension_store::StoreError::Corrupt("no store".into()))?;
        self.login_keys.get_or_try_init(|| async { Ok(crate::throttle::LoginKeys::new(&store.login_secret().await?)) }).await
    }

    /// The witnesses to ask for cosignatures, and the quorum a checkpoint needs to count.
    pub fn with_witnesses(mut self, w: crate::log::Witnesses) -> AppState {
        self.witnesses = Arc::new(w);
        self
    }

    pub fn witnesses(&self) -> &crate::log::Witnesses {
        &self.witnesses
    }

    /// Where people reach this server (no trailing slash), e.g. `https://si.example.gov.cn`.
    pub fn with_public_url(mut self, url: &str) -> AppState {
        self.public_url = url.trim_end_matches('/').into();
        self
    }

    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// Freeze "today" (tests, demos, reproducing a past month). Only the calculators read it:
    /// signatures and settlement times are checked against the real clock.
    pub fn with_today(mut self, today: NaiveDate) -> AppState {
        self.today = Some(today);
        self
    }

    /// Serve the platform endpoints from this store.
    pub fn with_store(mut self, store: Store) -> AppState {
        self.store = Some(store);
        self.login_keys = Arc::new(tokio::sync::OnceCell::new());
        self
    }

    /// The insurance region whose rules apply to ingested earnings (default `zj`).
    pub fn with_region(mut self, code: &str) -> AppState {
        self.region = code.into();
        self
    }

    pub fn params(&self) -> &Params {
        &self.params
    }

    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Today's date in Asia/Shanghai.
    pub fn today(&self) -> NaiveDate {
        // Asia/Shanghai has no daylight saving: UTC+8 all year.
        self.today.unwrap_or_else(|| (Utc::now() + TimeDelta::hours(8)).date_naive())
    }

    pub fn this_month(&self) -> YearMonth {
        YearMonth::of_date(self.today())
    }

    /// The real time now: what request signatures and settlement times are checked against.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
