//! A flood of logins against a real server process keeps its memory bounded: 500 parallel
//! attempts from 500 addresses (through a trusted proxy), each with a valid form token and an
//! unknown login, so each would check a password. The server is this test binary run again as
//! a child (`serve_child`), on a random port with a fresh SQLite store; its peak resident
//! memory (VmHWM) is read from /proc.
//!
//! Measured on a 2-core machine (test build): before the password pool, 500 attempts took the
//! process to 9.2 GiB and it kept it; with the pool, a peak under 80 MiB.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// Parallel attempts.
const ATTEMPTS: usize = 500;
/// The cap on the server's peak resident memory: its baseline (~30 MiB in a debug build), the
/// password threads' memory (at most 4 x 19 MiB) and the connections' buffers, with room.
const RSS_CAP_KIB: u64 = 200 * 1024;
/// Stop the flood and fail once the server is this large (keeps a broken build from eating the
/// machine).
const RSS_ABORT_KIB: u64 = 4 * 1024 * 1024;

const CHILD_ENV: &str = "FLEXPENSION_TEST_LOGIN_CHILD";

/// Not a test on its own: the server process of `parallel_logins_keep_memory_bounded`.
#[test]
#[ignore = "run by parallel_logins_keep_memory_bounded as its server process"]
fn serve_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async move {
        let url = format!("sqlite:{dir}/store.db");
        let store = flexpension_store::Store::open(&url).await.expect("store");
        let params = std::sync::Arc::new(flexpension_rules::Params::embedded().expect("params"));
        let state = flexpension_server::AppState::new(params).with_store(store);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("listening on http://{}", listener.local_addr().expect("addr"));
        flexpension_server::serve(listener, state).await.expect("serve");
    });
}

struct Server {
    child: Child,
    base: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start() -> Server {
    let dir = std::env::temp_dir().join(format!("flexpension-login-flood-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args(["--exact", "serve_child", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &dir)
        .env("FLEXPENSION_TRUSTED_PROXIES", "127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server process");
    let out = child.stdout.take().expect("stdout");
    let mut base = String::new();
    for line in BufReader::new(out).lines() {
        let line = line.expect("read");
        // The test harness may print "test serve_child ... " on the same line first.
        if let Some((_, b)) = line.split_once("listening on ") {
            base = b.trim().to_string();
            break;
        }
    }
    assert!(!base.is_empty(), "the server process did not start");
    Server { child, base, dir }
}

/// A field of /proc/PID/status in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .new_agent()
}

#[test]
fn parallel_logins_keep_memory_bounded() {
    let server = start();
    let pid = server.child.id();
    let mut form = agent().get(format!("{}/login", server.base)).call().expect("GET /login");
    let token = form
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("fp_login=").map(|r| r.split(';').next().unwrap_or("").to_string()))
        .expect("login cookie");
    let _ = form.body_mut().read_to_string();
    let before = status_kib(pid, "VmRSS:");

    let barrier = Arc::new(Barrier::new(ATTEMPTS));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // A watchdog: a server that grows past the abort size is stopped, and the test fails.
    let watch = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let rss = status_kib(pid, "VmRSS:");
                peak = peak.max(rss);
                if rss > RSS_ABORT_KIB {
                    let _ = Command::new("kill").arg(pid.to_string()).status();
                    return peak;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let threads: Vec<_> = (0..ATTEMPTS)
        .map(|i| {
            let (base, token, barrier) = (server.base.clone(), token.clone(), barrier.clone());
            std::thread::spawn(move || {
                // Documentation addresses (TEST-NET-2 and -3), as a proxy would report them.
                let from = format!("{}.{}", if i < 250 { "198.51.100" } else { "203.0.113" }, i % 250);
                let body = format!("csrf={token}&lang=zh&login=flood{i}&password=wrong-password-{i}");
                barrier.wait();
                let r = agent()
                    .post(format!("{base}/login"))
                    .header("cookie", &format!("fp_login={token}"))
                    .header("x-forwarded-for", &from)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .send(body);
                match r {
                    Ok(r) => (r.status().as_u16(), r.headers().get("retry-after").is_some()),
                    Err(_) => (0, false),
                }
            })
        })
        .collect();
    let answers: Vec<(u16, bool)> = threads.into_iter().map(|t| t.join().expect("thread")).collect();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let watched = watch.join().expect("watchdog");
    let peak = status_kib(pid, "VmHWM:").max(watched);
    let after = status_kib(pid, "VmRSS:");
    let count = |s: u16| answers.iter().filter(|a| a.0 == s).count();
    eprintln!(
        "{ATTEMPTS} parallel logins: RSS {} MiB before, peak {} MiB, {} MiB after; 401: {}, 429: {}, 503: {}, other: {}",
        before / 1024,
        peak / 1024,
        after / 1024,
        count(401),
        count(429),
        count(503),
        ATTEMPTS - count(401) - count(429) - count(503)
    );
    assert!(peak <= RSS_CAP_KIB, "peak RSS {} MiB is over the cap of {} MiB", peak / 1024, RSS_CAP_KIB / 1024);
    for (status, retry_after) in &answers {
        assert!(matches!(status, 401 | 429 | 503), "an answer was {status}");
        if *status == 503 || *status == 429 {
            assert!(retry_after, "{status} without Retry-After");
        }
    }
    assert!(count(503) > 0, "past the pool's queue the answer is 503");
    assert!(count(401) > 0, "some attempts were checked");
}
