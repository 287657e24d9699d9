//! Transfers under faults: 200 workers move from Zhejiang (SQLite) to Anhui (PostgreSQL) through
//! two real servers whose messages pass a proxy that drops requests, loses answers, sends copies
//! again out of order and delays them, while either server is killed (SIGKILL) and restarted 20
//! times, and an officer at Anhui refuses every twentieth as soon as it is applied for. Every
//! transfer ends exactly once (completed, or refused when an officer asked, the same at both
//! agencies), no fen or month is lost or doubled (both ledgers balance, the pooling fund over
//! both regions is unchanged, the clearing accounts cancel, each worker's months are counted
//! once), and both logs audit intact.
//!
//! `cargo test -p flexpension --test transfer_faults -- --nocapture` prints the proxy's counts
//! and the time taken.

mod common;

use common::fault_proxy::FaultProxy;
use common::regions::{MONTHS, PgDb, Server, fund, id_number, months_counted, populate, write_params};
use common::{TempDir, json, ok, run, stderr};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Workers who move.
const WORKERS: u32 = 200;
/// Kills of either server during the run.
const KILLS: u32 = 20;
/// How long every transfer has to end.
const DEADLINE: Duration = Duration::from_secs(420);
/// Each transfer's (state, months, pool, account) at one agency, by id.
type Ends = BTreeMap<String, (String, i64, i64, i64)>;

fn ends(dir: &std::path::Path, params: &str, db: &str) -> Ends {
    let list = json(dir, &["--params", params, "transfer", "list", "--json", "--db", db]);
    let num = |v: &serde_json::Value, f: &str| v[f].as_i64().unwrap_or(0);
    list.as_array()
        .map(|a| {
            a.iter()
                .map(|t| {
                    let id = t["id"].as_str().unwrap_or("").to_string();
                    (
                        id,
                        (
                            t["state"].as_str().unwrap_or("").to_string(),
                            num(t, "months"),
                            num(t, "pool_transfer_fen"),
                            num(t, "account_fen"),
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn ended(state: &str) -> bool {
    state == "completed" || state == "refused"
}

/// How many times each (transfer, step) is in a store's log: `sql_lines` runs a query on it.
fn logged_steps(sql_lines: impl Fn(&str) -> String) -> HashMap<(String, String), u32> {
    let mut n: HashMap<(String, String), u32> = HashMap::new();
    for line in sql_lines("SELECT CAST(body AS TEXT) FROM log_entries WHERE kind = 'transfer'").lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let key = (r["data"]["transfer"].as_str().unwrap_or("").to_string(), r["data"]["step"].as_str().unwrap_or("").to_string());
        *n.entry(key).or_default() += 1;
    }
    n
}

#[test]
fn two_hundred_transfers_through_a_hostile_network_and_twenty_kills() {
    let Some(pg) = PgDb::new() else { return };
    let t = TempDir::new("cli-transfer-faults");
    let d = &t.0;
    let params = d.join("params");
    write_params(&params);
    let p = params.display().to_string();
    let okp = |args: &[&str]| ok(d, &[&["--params", p.as_str()], args].concat());
    let (zj, ah) = (t.db("zj.db"), pg.url());
    okp(&["init", "--region", "zj", "--db", &zj]);
    okp(&["init", "--region", "ah", "--db", &ah]);

    populate(d, &p, &zj, &ah, WORKERS);

    // The servers, each reaching the other only through a hostile proxy.
    let zj_key = okp(&["log", "key", "--db", &zj]).trim().to_string();
    let ah_key = okp(&["log", "key", "--db", &ah]).trim().to_string();
    let logs = [t.path("zj.log"), t.path("ah.log")];
    let dbs = [zj.clone(), ah.clone()];
    let servers = Arc::new(Mutex::new([Server::start(&params, &zj, &logs[0]), Server::start(&params, &ah, &logs[1])]));
    let proxies = {
        let s = servers.lock().expect("servers");
        [FaultProxy::start(&s[0].1, 1), FaultProxy::start(&s[1].1, 2)]
    };
    okp(&["peer", "add", "--code", "ah", "--url", &proxies[1].url, "--key", &ah_key, "--db", &zj]);
    okp(&["peer", "add", "--code", "zj", "--url", &proxies[0].url, "--key", &zj_key, "--db", &ah]);
    let pool_before = fund(&zj, |a| a == "pooling") + fund(&ah, |a| a == "pooling");
    let started = Instant::now();
    let asked: Mutex<Vec<String>> = Mutex::new(Vec::new());

    std::thread::scope(|scope| {
        // The killer: either server, SIGKILL, restarted on a new port the proxy moves to.
        let killer = scope.spawn(|| {
            let mut rng = flexpension_testkit::Rng::new(7);
            for k in 0..KILLS {
                std::thread::sleep(Duration::from_millis(400 + rng.below(1200)));
                let i = (k % 2) as usize;
                let mut s = servers.lock().expect("servers");
                let _ = s[i].0.kill();
                let _ = s[i].0.wait();
                let restarted = Server::start(&params, &dbs[i], &logs[i]);
                proxies[i].move_to(&restarted.1);
                drop(std::mem::replace(&mut s[i], restarted));
            }
        });
        // The applications at Anhui, four at a time, while the servers die and come back; every
        // twentieth refused by an officer there at once (queued for the agency job, which may
        // find the sender's funds first: then it completes).
        let requests: Vec<_> = (0..4u32)
            .map(|part| {
                let (p, ah, d, asked) = (&p, &ah, d, &asked);
                scope.spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    let store = rt.block_on(flexpension_store::Store::open(ah)).expect("open Anhui's store");
                    for i in (0..WORKERS).filter(|i| i % 4 == part) {
                        let o = run(
                            d,
                            &["--params", p, "transfer", "request", "--id-number", &id_number(i), "--from", "zj", "--json", "--db", ah],
                        );
                        assert!(o.status.success(), "request {i}: {}", stderr(&o));
                        let t: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
                        let id = t["id"].as_str().expect("id").to_string();
                        if i % 20 == 0 && rt.block_on(store.request_transfer_refusal(&id, "本地登记信息有误", 1)).is_ok() {
                            asked.lock().expect("asked").push(id);
                        }
                    }
                    rt.block_on(store.close());
                })
            })
            .collect();
        for r in requests {
            r.join().expect("requests");
        }
        killer.join().expect("killer");
    });

    // Every transfer ends at both agencies.
    let (at_ah, at_zj) = loop {
        let (a, z) = (ends(d, &p, &ah), ends(d, &p, &zj));
        let done = a.len() == WORKERS as usize && a.values().all(|e| ended(&e.0)) && z.values().all(|e| ended(&e.0));
        if done || started.elapsed() > DEADLINE {
            break (a, z);
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let took = started.elapsed();
    drop(servers);
    let c = &proxies[0].counts;
    let counts: Vec<String> = proxies
        .iter()
        .map(|x| {
            let c = &x.counts;
            format!(
                "dropped {} answer lost {} duplicated {} delayed {} passed {} upstream down {}",
                c.dropped.load(Ordering::Relaxed),
                c.answer_lost.load(Ordering::Relaxed),
                c.duplicated.load(Ordering::Relaxed),
                c.delayed.load(Ordering::Relaxed),
                c.passed.load(Ordering::Relaxed),
                c.upstream_down.load(Ordering::Relaxed)
            )
        })
        .collect();
    eprintln!("{WORKERS} transfers, {KILLS} kills, all ended in {took:?}; to zj: {}; to ah: {}", counts[0], counts[1]);
    let open: Vec<_> = at_ah.iter().filter(|(_, e)| !ended(&e.0)).collect();
    assert!(open.is_empty() && at_ah.len() == WORKERS as usize, "not ended at Anhui after {took:?}: {open:?}");
    assert!(c.dropped.load(Ordering::Relaxed) + c.answer_lost.load(Ordering::Relaxed) > 0, "the proxy did its harm");

    // The same end at both agencies; the amounts agree.
    let mut moved = (0i64, 0i64);
    let completed: Vec<&String> = at_ah.iter().filter(|(_, e)| e.0 == "completed").map(|(id, _)| id).collect();
    for (id, a) in &at_ah {
        match (a.0.as_str(), at_zj.get(id)) {
            ("completed", Some(z)) => {
                assert_eq!(a, z, "{id}");
                assert_eq!(a.1, MONTHS.len() as i64, "{id}");
                moved = (moved.0 + a.2, moved.1 + a.3);
            }
            ("refused", None) => {}
            ("refused", Some(z)) => assert_eq!(z.0, "refused", "{id}"),
            (s, z) => panic!("{id}: {s} at Anhui, {z:?} at Zhejiang"),
        }
    }
    assert!(at_zj.keys().all(|id| at_ah.contains_key(id)), "a transfer only Zhejiang knows");
    // Every worker here is registered at both ends with paid months: a refusal not asked for
    // would be the faults' doing.
    let asked = asked.into_inner().expect("asked");
    let refused: Vec<&String> = at_ah.iter().filter(|(_, e)| e.0 == "refused").map(|(id, _)| id).collect();
    eprintln!("refusals asked for {}, refused {}", asked.len(), refused.len());
    assert!(refused.iter().all(|id| asked.contains(id)), "refused without being asked: {refused:?}");
    assert!(!refused.is_empty(), "no refusal took effect of {asked:?}");
    assert_eq!(completed.len() + refused.len(), WORKERS as usize);

    // No fen lost or doubled.
    assert_eq!(fund(&zj, |_| true), 0, "the sender's ledger balances");
    assert_eq!(fund(&ah, |_| true), 0, "the receiver's ledger balances");
    assert_eq!(fund(&zj, |a| a == "pooling") + fund(&ah, |a| a == "pooling"), pool_before, "the pooling fund over both regions");
    assert_eq!(fund(&zj, |a| a == "region/ah") + fund(&ah, |a| a == "region/zj"), 0, "the clearing accounts cancel");
    assert_eq!(fund(&ah, |a| a == "region/zj"), moved.0 + moved.1, "what arrived is what the completed transfers moved");

    // No month lost or doubled: each worker's months are counted once, where they now are.
    let (here, gone) = (months_counted(&ah, WORKERS), months_counted(&zj, WORKERS));
    let n = MONTHS.len() as u32;
    for (i, (a, z)) in here.iter().zip(&gone).enumerate() {
        assert!((*a, *z) == (n, 0) || (*a, *z) == (0, n), "worker {}: {a} months at Anhui, {z} at Zhejiang", i + 1);
    }
    assert_eq!(here.iter().filter(|m| **m == n).count(), completed.len());

    // Each step once in each log; both audits hold.
    let zj_path = t.path("zj.db");
    let sqlite = |sql: &str| {
        let o = std::process::Command::new("sqlite3").arg(&zj_path).arg(sql).output().expect("sqlite3");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let postgres = |sql: &str| {
        let sql = sql.replace("CAST(body AS TEXT)", "convert_from(body, 'UTF8')");
        let o = std::process::Command::new("psql").args([&ah, "-tAc", &sql]).output().expect("psql");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    for (region, steps) in [("zj", logged_steps(sqlite)), ("ah", logged_steps(postgres))] {
        let twice: Vec<_> = steps.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "{region}: a step logged twice: {twice:?}");
        for id in &completed {
            assert_eq!(steps.get(&((*id).clone(), "completed".to_string())), Some(&1), "{region}: {id}");
        }
    }
    okp(&["log", "audit", "--db", &zj]);
    okp(&["log", "audit", "--db", &ah]);
}
