//! Anyone may fetch the log's tiles, so any tile path a stranger makes up is answered 404 (or
//! 400), never a server error, and logs no ERROR: every level 0-63 and past it, huge indexes,
//! bad widths, entry bundles past the end, malformed paths. Real tiles still come back.

#[path = "platform/harness.rs"]
mod harness;

use harness::{Kind, Server, csv};

/// The status of a GET (tiles are bytes: the body is read and dropped).
fn get(s: &Server, path: &str) -> u16 {
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
    let mut r = agent.get(format!("{}{path}", s.base)).call().expect("HTTP request");
    let _ = r.body_mut().read_to_vec().expect("body");
    r.status().as_u16()
}

fn made_up_tiles_are_not_found(kind: Kind) {
    let Some(s) = Server::start(kind, 4) else { return };
    let row = ["t1", &s.ids[0], "10.00", "2025-09-01T12:00:00+08:00", "instant_delivery", "g1"];
    assert_eq!(s.csv(&s.key_a, &csv(&[row])).status, 200);
    let size = s.block_on(s.store.log_integrate()).expect("integrate").size;
    assert!(size > 0);
    // The tree's first level-0 tile is there, partial.
    assert_eq!(get(&s, &format!("/log/tile/0/000.p/{size}")), 200);
    assert_eq!(get(&s, &format!("/log/tile/entries/000.p/{size}")), 200);

    let mut paths = Vec::new();
    for level in 0..=70 {
        for index in ["000", "001", "x001/000", "x999/x999/x999/x999/x999/x999/999"] {
            paths.push(format!("/log/tile/{level}/{index}"));
            paths.push(format!("/log/tile/{level}/{index}.p/1"));
        }
    }
    for bad in [
        "8/abc",
        "abc",
        "0",
        "0/",
        "-1/000",
        "0/000.p/0",
        "0/000.p/256",
        "0/000.p/300",
        "0/000.p/",
        "0/000.p/1/2",
        "99999999999999999999/000",
        "entries/000",
        "entries/x999/x999/x999/x999/x999/x999/999",
        "entries/x999/x999/x999/x999/x999/x999/999.p/5",
        "entries/001.p/1",
        "entries/abc",
        "entries/000.p/0",
        "8/000.p/255",
    ] {
        paths.push(format!("/log/tile/{bad}"));
    }
    let mut found = Vec::new();
    for p in &paths {
        let status = get(&s, p);
        assert!(matches!(status, 200 | 400 | 404), "{p}: {status}");
        if status == 200 {
            found.push(p.clone());
        }
    }
    // Only tiles of this small tree exist: level 0 index 0 (and its own partial width 1, when
    // the tree has one entry).
    assert!(found.iter().all(|p| p.starts_with("/log/tile/0/000")), "{found:?}");
    for level in [7, 8, 15, 16, 23, 24, 31, 32, 63] {
        assert_eq!(get(&s, &format!("/log/tile/{level}/000")), 404, "level {level}");
    }
    let logs = harness::logs();
    assert!(!logs.contains("ERROR"), "an ERROR was logged:\n{logs}");
}

#[test]
fn sqlite_made_up_tiles_are_not_found() {
    made_up_tiles_are_not_found(Kind::Sqlite);
}

#[test]
fn postgres_made_up_tiles_are_not_found() {
    made_up_tiles_are_not_found(Kind::Postgres);
}
