//! A real server with a real store per test: SQLite in a temp file, or PostgreSQL in a schema of
//! its own (dropped at the end), like the store's conformance suite. Log lines of every server
//! in this test binary are captured for the privacy checks.
//!
//! PostgreSQL tests FAIL when the server is unreachable, unless FLEXPENSION_SKIP_PG=1.
//! The server is `FLEXPENSION_TEST_PG` (default postgres://postgres@127.0.0.1:5432/test).
#![allow(dead_code)]

use chrono::Utc;
use flexpension_rules::Params;
use flexpension_server::AppState;
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use flexpension_store::{
    Basis, CloseOptions, NewEnrolment, NewGrid, NewPlatform, NewWorker, OpenOptions, Platform, RevenueBand, Scheme, Store, WorkerId,
};
use sqlx::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// An HTTP answer: status, headers, the body as text (lossy) and as bytes.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"].as_str().unwrap_or("").to_string()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// The value a Set-Cookie of the reply gives `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .find_map(|(_, v)| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_string()))
    }
}

/// The JSON of an answer that must be 200.
pub fn ok(r: &Reply) -> serde_json::Value {
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

/// (line, field, code) of each row error of a batch's answer.
pub fn row_errors(v: &serde_json::Value) -> Vec<(u64, String, String)> {
    v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["line"].as_u64().expect("line"), e["field"].as_str().expect("field").into(), e["code"].as_str().expect("code").into()))
        .collect()
}

/// The value of the hidden form field `name` in a page ("" when absent).
pub fn hidden(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    body.split(&marker).nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_string()
}

/// Form-urlencode one value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---- captured logs ----

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogWriter;
impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let sub = tracing_subscriber::fmt().with_writer(|| LogWriter).with_ansi(false).with_max_level(tracing::Level::TRACE).finish();
        let _ = tracing::subscriber::set_global_default(sub);
    });
}

/// Everything logged so far by any server of this test binary.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

// ---- fixtures ----

pub const USCC_A: &str = "91350100M000100Y43";
pub const USCC_B: &str = "91440300708461136T";

static N: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), nanos)
}

pub fn skip_pg() -> bool {
    std::env::var("FLEXPENSION_SKIP_PG").is_ok_and(|v| v == "1")
}

/// A running server on a fresh store: region zj, grids g1 and g2, platforms A (standard premium
/// level) and B (high level), and `workers` registered workers.
pub struct Server {
    pub rt: tokio::runtime::Runtime,
    pub store: Store,
    pub base: String,
    pub a: Platform,
    pub key_a: String,
    pub b: Platform,
    pub key_b: String,
    /// Resident IDs of the registered workers.
    pub ids: Vec<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    sqlite_dir: Option<std::path::PathBuf>,
    pg: Option<(String, String)>,
}

impl Server {
    /// None when PostgreSQL tests are skipped.
    pub fn start(kind: Kind, workers: u32) -> Option<Server> {
        Server::start_with(kind, workers, |_, _, s| s)
    }

    /// Like `start`, letting `setup` adjust the server's state (witnesses, public URL) once the
    /// store is open.
    pub fn start_with(
        kind: Kind,
        workers: u32,
        setup: impl FnOnce(&tokio::runtime::Runtime, &Store, AppState) -> AppState,
    ) -> Option<Server> {
        capture_logs();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let (store, sqlite_dir, pg) = match kind {
            Kind::Sqlite => {
                let dir = std::env::temp_dir().join(format!("flexpension-server-test-{}", unique()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite:{}", dir.join("store.db").display());
                (rt.block_on(Store::open(&url)).expect("open sqlite store"), Some(dir), None)
            }
            Kind::Postgres => {
                if skip_pg() {
                    eprintln!("FLEXPENSION_SKIP_PG=1: PostgreSQL test skipped");
                    return None;
                }
                let url = std::env::var("FLEXPENSION_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
                let schema = format!("fps_{}", unique());
                let opts = OpenOptions { max_connections: 4, pg_schema: Some(schema.clone()), ..OpenOptions::default() };
                let store = rt.block_on(Store::open_with(&url, &opts)).unwrap_or_else(|e| {
                    panic!("PostgreSQL at {url} is not usable ({e}); start it, or set FLEXPENSION_SKIP_PG=1 to skip these tests")
                });
                (store, None, Some((url, schema)))
            }
        };
        let (a, key_a, b, key_b, ids) = rt.block_on(fixture(&store, workers));
        let params = Arc::new(Params::embedded().expect("params"));
        let state = setup(&rt, &store, AppState::new(params).with_store(store.clone()));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        rt.spawn(async move {
            // With the peer's address, as `serve` does (the login throttle counts by it).
            let app = flexpension_server::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        Some(Server { rt, store, base, a, key_a, b, key_b, ids, stop: Some(stop), sqlite_dir, pg })
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// Send a request; headers as (name, value). Redirects are answers, not followed.
    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Reply {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().new_agent();
        let mut req = ureq::http::Request::builder().method(method).uri(format!("{}{path}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(body.as_ref().to_vec()).expect("request");
        let mut r = agent.run(req).expect("HTTP request");
        let status = r.status().as_u16();
        let headers = r.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
        let bytes = r.body_mut().with_config().limit(64 << 20).read_to_vec().expect("body");
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
    }

    /// Log in through the form (its token taken from the page and the cookie); the POST's reply.
    pub fn try_login(&self, login: &str, password: &str) -> Reply {
        let form = self.send("GET", "/login", &[], "");
        assert_eq!(form.status, 200);
        let pre = form.cookie("fp_login").expect("login cookie");
        let csrf = hidden(&form.body, "csrf");
        assert_eq!(pre, csrf);
        let body = format!("csrf={csrf}&lang=zh&login={}&password={}", enc(login), enc(password));
        let cookie = format!("fp_login={pre}");
        self.send("POST", "/login", &[("cookie", &cookie), ("content-type", "application/x-www-form-urlencoded")], body)
    }

    /// The session cookie header of a person who logs in with the right password.
    pub fn login(&self, login: &str, password: &str) -> String {
        let r = self.try_login(login, password);
        assert_eq!(r.status, 303, "{login}: {}", r.body);
        let sc = r.headers.iter().find(|(k, v)| k == "set-cookie" && v.starts_with("fp_session=")).map(|(_, v)| v.clone()).expect("cookie");
        assert!(sc.contains("HttpOnly") && sc.contains("SameSite=Lax"), "{sc}");
        format!("fp_session={}", r.cookie("fp_session").expect("session"))
    }

    /// Post a batch signed now with `key`.
    pub fn post(&self, key: &str, content_type: &str, body: &str) -> Reply {
        let ts = Utc::now().timestamp().to_string();
        self.post_signed(key, content_type, body, &ts, &sign(key, &ts, body.as_bytes()))
    }

    pub fn post_signed(&self, key: &str, content_type: &str, body: &str, ts: &str, sig: &str) -> Reply {
        let auth = format!("Bearer {key}");
        self.send(
            "POST",
            "/api/v1/platform/earnings",
            &[("authorization", &auth), ("content-type", content_type), (TIMESTAMP_HEADER, ts), (SIGNATURE_HEADER, sig)],
            body.as_bytes(),
        )
    }

    pub fn csv(&self, key: &str, body: &str) -> Reply {
        self.post(key, "text/csv", body)
    }

    pub fn premiums(&self, key: &str, query: &str) -> Reply {
        self.send("GET", &format!("/api/v1/platform/premiums?{query}"), &[("x-api-key", key)], b"")
    }

    /// Orders and income stored for a platform.
    pub fn totals(&self, p: &Platform) -> (i64, i64) {
        self.block_on(self.store.platform_order_totals(p.id)).expect("totals")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.rt.block_on(self.store.close());
        if let Some(d) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(d);
        }
        if let Some((url, schema)) = &self.pg {
            self.rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(url).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))).execute(&mut c).await;
                    let _ = c.close().await;
                }
            });
        }
    }
}

async fn fixture(store: &Store, n: u32) -> (Platform, String, Platform, String, Vec<String>) {
    store.add_region("zj", "浙江省").await.expect("region");
    for code in ["g1", "g2"] {
        store.add_grid(&NewGrid { code: code.into(), name: format!("网格{code}"), region: "zj".into() }).await.expect("grid");
    }
    let platform = |name: &str, uscc: &str, high| NewPlatform {
        name: name.into(),
        uscc: uscc.into(),
        revenue_band: RevenueBand::From100m,
        injury_high_level: high,
    };
    let (a, key_a) = store.add_platform(&platform("骑手平台A", USCC_A, false)).await.expect("platform a");
    let (b, key_b) = store.add_platform(&platform("配送平台B", USCC_B, true)).await.expect("platform b");
    let mut ids = Vec::new();
    for i in 0..n {
        let id = flexpension_testkit::worker_id(i, 1990..1991);
        store
            .add_worker(&NewWorker {
                id_number: id.clone(),
                name: flexpension_testkit::worker_name(i),
                phone: flexpension_testkit::phone(i),
                hukou_region: "zj".into(),
                home_grid: "g1".into(),
            })
            .await
            .expect("worker");
        ids.push(id);
    }
    (a, key_a.expose().to_string(), b, key_b.expose().to_string(), ids)
}

/// Worker 1 enrolled from 2025-09 with orders on platform A in September and October
/// (3800 and 4100 yuan), both months closed: the data of the worker's own pages.
pub fn seed_two_closed_months(s: &Server) {
    let rows = [
        ["a1", &*s.ids[0], "3800.00", "2025-09-10T12:00:00+08:00", "instant_delivery", "g1"],
        ["a2", &*s.ids[0], "4100.00", "2025-10-10T12:00:00+08:00", "instant_delivery", "g1"],
    ];
    assert_eq!(s.csv(&s.key_a, &csv(&rows)).status, 200);
    s.block_on(async {
        let sep: flexpension_rules::YearMonth = "2025-09".parse().expect("month");
        let oct: flexpension_rules::YearMonth = "2025-10".parse().expect("month");
        let e = NewEnrolment { worker: WorkerId(1), scheme: Scheme::EmployeePension, from: sep, to: None, basis: Basis::PlatformIncome };
        s.store.enrol(&e).await.expect("enrol");
        let params = Params::embedded().expect("params");
        let zj = params.scenario("zj", None, None).expect("scenario");
        s.store.close_month(&zj, sep, &CloseOptions::new(oct)).await.expect("close");
        s.store.close_month(&zj, oct, &CloseOptions::new(oct)).await.expect("close");
    });
}

pub const CSV_HEADER: &str = "order_id,id_number,amount_yuan,settled_at,order_type,grid\n";

/// A CSV batch from rows of six fields.
pub fn csv(rows: &[[&str; 6]]) -> String {
    let mut s = String::from(CSV_HEADER);
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

/// Run `case` on a server on `kind`'s store with four registered workers (nothing when
/// PostgreSQL tests are skipped): a test per backend calls it.
pub fn run(kind: Kind, case: fn(&Server)) {
    if let Some(s) = Server::start(kind, 4) {
        case(&s);
    }
}
