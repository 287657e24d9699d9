//! The login's gate on both backends: the form token cannot be invented, attempts are counted
//! before any password is checked (so a parallel burst checks at most the limit), known and
//! unknown logins are answered alike at every step, one address cannot try many logins, and a
//! worker's own device still logs in while a stranger has their login locked.
//!
//! The server trusts X-Forwarded-For from 127.0.0.1 (as behind a proxy), so each request can
//! come from its own address; the addresses are documentation ranges, only ever header text.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::people::add_person;
use flexpension_server::throttle::{DEVICE_ATTEMPTS, LOGIN_ATTEMPTS, SOURCE_ATTEMPTS};
use flexpension_store::WorkerId;
use flexpension_store::people::Scope;
use harness::{Kind, Reply, Server, enc, hidden};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse 42";
const WORKER: &str = "13800000001";

/// The page without what differs by design: the form token and the login typed.
fn page_without(r: &Reply, login: &str) -> String {
    let token = hidden(&r.body, "csrf");
    let b = if token.is_empty() { r.body.clone() } else { r.body.replace(&token, "TOKEN") };
    b.replace(login, "LOGIN")
}

/// A login form's token (cookie and field carry the same).
fn token(s: &Server) -> String {
    let form = s.send("GET", "/login", &[], "");
    assert_eq!(form.status, 200);
    let t = form.cookie("fp_login").expect("login cookie");
    assert_eq!(hidden(&form.body, "csrf"), t);
    t
}

/// POST /login from address `from`, with the token pair and extra cookies.
fn post_login(s: &Server, token: &str, from: &str, cookies: &str, login: &str, password: &str) -> Reply {
    let cookie = format!("fp_login={token}{cookies}");
    let body = format!("csrf={}&lang=zh&login={}&password={}", enc(token), enc(login), enc(password));
    s.send(
        "POST",
        "/login",
        &[("cookie", &cookie), ("x-forwarded-for", from), ("content-type", "application/x-www-form-urlencoded")],
        &body,
    )
}

/// The `n`th documentation address.
fn addr(n: usize) -> String {
    let nets = ["198.51.100", "203.0.113", "192.0.2"];
    format!("{}.{}", nets[(n / 250) % 3], n % 250 + 1)
}

fn start(kind: Kind, trust_proxy: bool) -> Option<Server> {
    let s =
        Server::start_with(
            kind,
            4,
            |_, _, state| {
                if trust_proxy { state.with_trusted_proxies(vec!["127.0.0.1".parse().expect("ip")]) } else { state }
            },
        )?;
    s.block_on(async {
        add_person(&s.store, WORKER, PASSWORD, &Scope::Worker(WorkerId(1))).await.expect("person");
        add_person(&s.store, "worker.b", PASSWORD, &Scope::Worker(WorkerId(2))).await.expect("person");
    });
    Some(s)
}

/// Send `n` logins at once (after a barrier), request `i` made by `make(i)`; each starts
/// `stagger` after the one before. Returns the replies in order.
fn burst(s: &Server, n: usize, stagger: Duration, make: impl Fn(usize) -> (String, String) + Sync) -> Vec<Reply> {
    let token = token(s);
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (token, barrier, make) = (&token, &barrier, &make);
                scope.spawn(move || {
                    let (login, password) = make(i);
                    barrier.wait();
                    std::thread::sleep(stagger * i as u32);
                    post_login(s, token, &addr(i), "", &login, &password)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    })
}

fn statuses(rs: &[Reply]) -> Vec<u16> {
    rs.iter().map(|r| r.status).collect()
}

/// A pair the client makes up is refused 403 before any counter or password check: twenty of
/// them with wrong passwords leave the login unlocked, and one with the right password does
/// not log in. Two real tokens that differ are refused too.
fn invented_tokens_are_refused(s: &Server) {
    let now = chrono::Utc::now().timestamp();
    let invented = [
        "x".to_string(),
        format!("{}.{now}.{}", "ab".repeat(16), "cd".repeat(32)),
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_string(),
    ];
    for t in &invented {
        let r = post_login(s, t, &addr(1), "", WORKER, PASSWORD);
        assert_eq!(r.status, 403, "an invented token {t} with the right password");
        assert!(r.cookie("fp_session").is_none());
    }
    for i in 0..20 {
        assert_eq!(post_login(s, &invented[i % 3], &addr(1), "", WORKER, "wrong password").status, 403);
    }
    let (a, b) = (token(s), token(s));
    assert_ne!(a, b);
    let body = format!("csrf={a}&lang=zh&login={WORKER}&password={}", enc(PASSWORD));
    let r = s.send("POST", "/login", &[("cookie", &format!("fp_login={b}")), ("content-type", "application/x-www-form-urlencoded")], &body);
    assert_eq!(r.status, 403, "cookie and field differ");
    // Nothing above was counted: the real form logs in.
    assert_eq!(post_login(s, &token(s), &addr(1), "", WORKER, PASSWORD).status, 303);
}

/// 150 wrong passwords at once, each from its own address: at most the limit are checked
/// (401); the rest are refused before any check (429, with Retry-After).
fn a_parallel_burst_checks_at_most_the_limit(s: &Server) {
    let rs = burst(s, 150, Duration::ZERO, |i| ("worker.b".into(), format!("wrong password {i}")));
    let st = statuses(&rs);
    let checked = st.iter().filter(|&&c| c == 401).count();
    assert!(checked >= 1 && checked as i64 <= LOGIN_ATTEMPTS, "{checked} passwords checked: {st:?}");
    assert!(st.iter().all(|c| matches!(c, 401 | 429)), "{st:?}");
    assert!(rs.iter().filter(|r| r.status == 429).all(|r| r.header("retry-after").is_some_and(|v| v.parse::<u32>().is_ok_and(|n| n >= 1))));
}

/// In a burst of 60, the right password sent 40th does not log in: the burst used the login's
/// attempts before it came.
fn the_right_password_late_in_a_burst_does_not_log_in(s: &Server) {
    let rs = burst(s, 60, Duration::from_millis(2), |i| {
        ("worker.b".into(), if i == 40 { PASSWORD.to_string() } else { format!("wrong password {i}") })
    });
    let st = statuses(&rs);
    assert_eq!(st[40], 429, "{st:?}");
    assert!(!st.contains(&303), "{st:?}");
    assert!(rs.iter().all(|r| r.cookie("fp_session").is_none()));
}

/// A known and an unknown login, step by step: the same status, page, headers and a similar
/// time, through the lock and after it (where even the right password is refused alike).
fn known_and_unknown_logins_are_answered_alike(s: &Server) {
    let (known, unknown) = (WORKER, "13800000999");
    let mut times = Vec::new();
    for step in 0..=LOGIN_ATTEMPTS + 1 {
        let password = if step == LOGIN_ATTEMPTS + 1 { PASSWORD } else { "wrong password" };
        let t0 = Instant::now();
        let k = post_login(s, &token(s), &addr(7), "", known, password);
        let t1 = Instant::now();
        let u = post_login(s, &token(s), &addr(7), "", unknown, password);
        times.push((t1 - t0, t1.elapsed()));
        let expected = if step < LOGIN_ATTEMPTS { 401 } else { 429 };
        assert_eq!((k.status, u.status), (expected, expected), "step {step}");
        assert_eq!(page_without(&k, known), page_without(&u, unknown), "step {step}");
        assert_eq!(k.header("retry-after").is_some(), u.header("retry-after").is_some(), "step {step}");
        let names = |r: &Reply| {
            let mut v: Vec<String> =
                r.headers.iter().filter(|(n, _)| n != "date" && n != "content-length").map(|(n, _)| n.clone()).collect();
            v.sort();
            v
        };
        assert_eq!(names(&k), names(&u), "step {step}");
    }
    // Checked attempts cost one password check either way.
    let (k, u) = times[0];
    assert!(u * 4 > k && k * 4 > u, "known {k:?} vs unknown {u:?}");
}

/// A worker logs in from their phone and gets a device cookie. A stranger elsewhere then
/// locks the login; a new browser is refused, but the worker's phone still logs in. The
/// device's own counter still limits guesses made with it; its cookie is for its login only.
fn a_known_device_logs_in_while_its_login_is_attacked(s: &Server) {
    let first = post_login(s, &token(s), &addr(10), "", WORKER, PASSWORD);
    assert_eq!(first.status, 303);
    let device = first.cookie("fp_device").expect("a device cookie");
    let set = first.headers.iter().find(|(k, v)| k == "set-cookie" && v.starts_with("fp_device=")).map(|(_, v)| v.clone()).expect("cookie");
    assert!(set.contains("HttpOnly") && set.contains("Path=/login") && set.contains("Max-Age="), "{set}");
    let on_phone = format!("; fp_device={device}");
    for i in 0..LOGIN_ATTEMPTS + 5 {
        let r = post_login(s, &token(s), &addr(100 + i as usize), "", WORKER, "stranger's guess");
        assert_eq!(r.status, if i < LOGIN_ATTEMPTS { 401 } else { 429 }, "attempt {i}");
    }
    assert_eq!(post_login(s, &token(s), &addr(11), "", WORKER, PASSWORD).status, 429, "a new browser waits");
    assert_eq!(post_login(s, &token(s), &addr(10), &on_phone, WORKER, PASSWORD).status, 303, "the worker's phone logs in");
    // The phone's cookie does not open another login's lock.
    for _ in 0..LOGIN_ATTEMPTS {
        post_login(s, &token(s), &addr(12), "", "worker.b", "stranger's guess");
    }
    assert_eq!(post_login(s, &token(s), &addr(10), &on_phone, "worker.b", PASSWORD).status, 429);
    // Guesses from the phone are limited by its own counter.
    for i in 0..DEVICE_ATTEMPTS {
        assert_eq!(post_login(s, &token(s), &addr(10), &on_phone, WORKER, "typo").status, 401, "device attempt {i}");
    }
    assert_eq!(post_login(s, &token(s), &addr(10), &on_phone, WORKER, PASSWORD).status, 429);
}

/// One address may fail at most SOURCE_ATTEMPTS times over all logins; another address is not
/// held back by that.
fn one_address_cannot_try_many_logins(s: &Server) {
    // Batches of 8 at once, every login a different one, all from one address.
    let token = token(s);
    let mut st = Vec::new();
    for round in 0..(SOURCE_ATTEMPTS as usize + 5).div_ceil(8) {
        let batch: Vec<u16> = std::thread::scope(|scope| {
            let hs: Vec<_> = (0..8)
                .map(|j| {
                    let token = &token;
                    scope.spawn(move || post_login(s, token, "192.0.2.200", "", &format!("guess{round}x{j}"), "wrong password").status)
                })
                .collect();
            hs.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        st.extend(batch);
    }
    let checked = st.iter().filter(|&&c| c == 401).count();
    assert_eq!(checked as i64, SOURCE_ATTEMPTS, "{st:?}");
    assert!(st.iter().all(|c| matches!(c, 401 | 429)), "{st:?}");
    assert_eq!(post_login(s, &token, "192.0.2.200", "", "fresh.login", "wrong password").status, 429);
    assert_eq!(post_login(s, &token, "192.0.2.201", "", "fresh.login", "wrong password").status, 401, "another address");
}

/// Without a trusted proxy, X-Forwarded-For is the client's own words: rotating it does not
/// make a new source.
fn forwarded_for_is_ignored_unless_trusted(s: &Server) {
    let token = token(s);
    let mut st = Vec::new();
    for i in 0..SOURCE_ATTEMPTS as usize + 2 {
        st.push(post_login(s, &token, &addr(i), "", &format!("spoof{i}"), "wrong password").status);
    }
    assert_eq!(st.iter().filter(|&&c| c == 401).count() as i64, SOURCE_ATTEMPTS, "{st:?}");
    assert_eq!(st.last(), Some(&429), "{st:?}");
}

fn run(kind: Kind, trust_proxy: bool, case: fn(&Server)) {
    if let Some(s) = start(kind, trust_proxy) {
        case(&s);
    }
}

#[test]
fn sqlite_invented_tokens_are_refused() {
    run(Kind::Sqlite, true, invented_tokens_are_refused);
}
#[test]
fn postgres_invented_tokens_are_refused() {
    run(Kind::Postgres, true, invented_tokens_are_refused);
}
#[test]
fn sqlite_a_parallel_burst_checks_at_most_the_limit() {
    run(Kind::Sqlite, true, a_parallel_burst_checks_at_most_the_limit);
}
#[test]
fn postgres_a_parallel_burst_checks_at_most_the_limit() {
    run(Kind::Postgres, true, a_parallel_burst_checks_at_most_the_limit);
}
#[test]
fn sqlite_the_right_password_late_in_a_burst_does_not_log_in() {
    run(Kind::Sqlite, true, the_right_password_late_in_a_burst_does_not_log_in);
}
#[test]
fn postgres_the_right_password_late_in_a_burst_does_not_log_in() {
    run(Kind::Postgres, true, the_right_password_late_in_a_burst_does_not_log_in);
}
#[test]
fn sqlite_known_and_unknown_logins_are_answered_alike() {
    run(Kind::Sqlite, true, known_and_unknown_logins_are_answered_alike);
}
#[test]
fn postgres_known_and_unknown_logins_are_answered_alike() {
    run(Kind::Postgres, true, known_and_unknown_logins_are_answered_alike);
}
#[test]
fn sqlite_a_known_device_logs_in_while_its_login_is_attacked() {
    run(Kind::Sqlite, true, a_known_device_logs_in_while_its_login_is_attacked);
}
#[test]
fn postgres_a_known_device_logs_in_while_its_login_is_attacked() {
    run(Kind::Postgres, true, a_known_device_logs_in_while_its_login_is_attacked);
}
#[test]
fn sqlite_one_address_cannot_try_many_logins() {
    run(Kind::Sqlite, true, one_address_cannot_try_many_logins);
}
#[test]
fn postgres_one_address_cannot_try_many_logins() {
    run(Kind::Postgres, true, one_address_cannot_try_many_logins);
}
#[test]
fn sqlite_forwarded_for_is_ignored_unless_trusted() {
    run(Kind::Sqlite, false, forwarded_for_is_ignored_unless_trusted);
}
#[test]
fn postgres_forwarded_for_is_ignored_unless_trusted() {
    run(Kind::Postgres, false, forwarded_for_is_ignored_unless_trusted);
}
