//! Grid workers over HTTP on both backends: a grid worker sees the alerts of their grids only,
//! reveals a number only by POST with the session's token (each reveal in the access log, a GET
//! writes nothing), records outcomes; other roles are refused; the officer reads the alerts by
//! grid and platform, their CSV (masked phones) and the region's access log.

#[path = "platform/harness.rs"]
mod harness;

use flexpension_server::people::add_person;
use flexpension_store::people::Scope;
use flexpension_store::{NewGrid, NewWorker};
use flexpension_testkit::resident_id;
use harness::{Server, csv, hidden};

const PASSWORD: &str = "correct horse 42";

fn form(cookie: &str) -> [(&str, &str); 2] {
    [("cookie", cookie), ("content-type", "application/x-www-form-urlencoded")]
}

/// Workers 1-4 (g1) and a fifth in g2 earn on A in September to November 2025 without a pension
/// enrolment; a sixth lives in another region. Accounts: grid workers of g1 and of g2, an
/// officer of zj, a worker, staff of A.
fn seed(s: &Server) -> (Vec<String>, String) {
    let mut ids = s.ids.clone();
    s.block_on(async {
        s.store.add_region("sh", "上海市").await.expect("region");
        s.store.add_grid(&NewGrid { code: "s1".into(), name: "网格s1".into(), region: "sh".into() }).await.expect("grid");
        for (n, region, grid, name) in [(5u32, "zj", "g2", "二号网格人"), (6, "sh", "s1", "外地工人")] {
            let id = resident_id(if region == "zj" { "330106" } else { "310101" }, "19880202", n);
            let w = NewWorker {
                id_number: id.clone(),
                name: name.into(),
                phone: format!("1390000000{n}"),
                hukou_region: region.into(),
                home_grid: grid.into(),
            };
            s.store.add_worker(&w).await.expect("worker");
            ids.push(id);
        }
    });
    let mut rows = Vec::new();
    for (i, id) in ids.iter().enumerate().filter(|(i, _)| *i != 5) {
        for m in ["2025-09", "2025-10", "2025-11"] {
            rows.push([
                format!("o{i}{m}"),
                id.clone(),
                "3000.00".into(),
                format!("{m}-10T12:00:00+08:00"),
                "ride_hailing".into(),
                "g1".into(),
            ]);
        }
    }
    let refs: Vec<[&str; 6]> = rows.iter().map(|r| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]]).collect();
    let r = s.csv(&s.key_a, &csv(&refs));
    assert_eq!(r.status, 200, "{}", r.body);
    let clear = "13912345678".to_string();
    s.block_on(async {
        let p = flexpension_rules::Params::embedded().expect("params");
        let r = s.store.monitor_run(&p, "zj", "2025-11".parse().expect("month")).await.expect("monitor");
        assert_eq!(r.uninsured, 5, "{r:#?}");
        s.store.set_contact(flexpension_store::WorkerId(1), &clear).await.expect("contact");
        for (login, scope) in [
            ("grid.g1", Scope::Grids("zj".into())),
            ("grid.g2", Scope::Grids("zj".into())),
            ("officer.zj", Scope::Region("zj".into())),
            ("13800000000", Scope::Worker(flexpension_store::WorkerId(1))),
            ("staff.a", Scope::Platform(s.a.id)),
        ] {
            let p = add_person(&s.store, login, PASSWORD, &scope).await.expect("person");
            if let Some(g) = login.strip_prefix("grid.") {
                s.store.assign_grids(p.id, &[g]).await.expect("grids");
            }
        }
    });
    (ids, clear)
}

fn accesses(s: &Server) -> usize {
    s.block_on(s.store.region_accesses("zj", 1000)).expect("access log").len()
}

fn alert_ids(body: &str) -> Vec<i64> {
    body.match_indices("id=\"alert-").filter_map(|(at, m)| body[at + m.len()..].split('"').next()?.parse().ok()).collect()
}

fn grid_worker_sees_reveals_and_records_in_their_grids(s: &Server) {
    let (ids, clear) = seed(s);
    let g1 = s.login("grid.g1", PASSWORD);
    let g2 = s.login("grid.g2", PASSWORD);
    let page = s.send("GET", "/grid", &[("cookie", &g1)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    for n in ["工人0", "工人1", "工人2", "工人3"] {
        assert!(page.body.contains(n), "{n}: {}", page.body);
    }
    assert!(!page.body.contains("二号网格人") && !page.body.contains("外地工人"), "another grid's worker");
    assert!(!page.body.contains(&clear) && page.body.contains("138****0000"), "masked phones only");
    assert!(ids.iter().all(|id| !page.body.contains(id.as_str())), "a resident ID in clear");
    let mine = alert_ids(&page.body);
    assert_eq!(mine.len(), 4);
    let theirs = alert_ids(&s.send("GET", "/grid", &[("cookie", &g2)], "").body);
    assert_eq!(theirs.len(), 1);
    assert_eq!(accesses(s), 0, "a GET writes nothing");

    // The reveal: a POST with the session's token, logged; another grid's alert is not found.
    let csrf = hidden(&page.body, "csrf");
    let worker1 = s.block_on(s.store.grid_alerts(&flexpension_rules::Params::embedded().expect("params"), person(s, "grid.g1")));
    let a1 = worker1.expect("alerts").into_iter().find(|a| a.worker.0 == 1).expect("worker 1's alert").id;
    let path = format!("/grid/alerts/{a1}/reveal");
    assert_eq!(s.send("POST", &path, &form(&g1), "csrf=wrong").status, 403);
    assert_eq!(accesses(s), 0);
    let r = s.send("POST", &path, &form(&g1), format!("csrf={csrf}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains(&format!("tel:{clear}")), "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(accesses(s), 1);
    let csrf2 = hidden(&s.send("GET", "/grid", &[("cookie", &g2)], "").body, "csrf");
    assert_eq!(s.send("POST", &path, &form(&g2), format!("csrf={csrf2}")).status, 404, "g2 may not reveal g1's");
    assert_eq!(s.send("POST", &format!("/grid/alerts/{}/reveal", theirs[0]), &form(&g1), format!("csrf={csrf}")).status, 404);
    assert_eq!(accesses(s), 1);

    // Outcomes: a refusal needs a reason; the page shows the latest.
    let out = format!("/grid/alerts/{a1}/outcome");
    let r = s.send("POST", &out, &form(&g1), format!("csrf={csrf}&outcome=refused&reason="));
    assert_eq!(r.status, 422, "{}", r.body);
    let r = s.send("POST", &out, &form(&g1), format!("csrf={csrf}&outcome=refused&reason=%E5%B7%B2%E6%9C%89%E5%95%86%E4%BF%9D"));
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(s.send("GET", "/grid", &[("cookie", &g1)], "").body.contains("已有商保"));
    assert_eq!(
        s.send("POST", &format!("/grid/alerts/{}/outcome", theirs[0]), &form(&g1), format!("csrf={csrf}&outcome=visited")).status,
        404
    );

    // The officer: alerts by grid and platform, the CSV with masked phones, the access log.
    let o = s.login("officer.zj", PASSWORD);
    let page = s.send("GET", "/officer/alerts", &[("cookie", &o)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("id=\"by-grid\"") && page.body.contains("骑手平台A") && page.body.contains("<svg"), "{}", page.body);
    let csv = s.send("GET", "/officer/alerts.csv", &[("cookie", &o)], "");
    assert_eq!(csv.status, 200);
    assert_eq!(csv.body.lines().count(), 6, "{}", csv.body);
    assert!(!csv.body.contains(&clear) && !csv.body.contains("外地工人") && csv.body.contains("已有商保"));
    let log = s.send("GET", "/officer/access-log?lang=en", &[("cookie", &o)], "");
    assert_eq!(log.status, 200);
    assert!(log.body.contains("grid.g1") && log.body.contains("Showed the full number") && log.body.contains(&format!("alert {a1}")));
    assert!(!log.body.contains(&clear));
    let before = accesses(s);
    s.send("GET", "/officer/access-log", &[("cookie", &o)], "");
    assert_eq!(accesses(s), before, "reading the log writes nothing");
}

fn person(s: &Server, login: &str) -> flexpension_store::people::PersonId {
    s.block_on(s.store.login_record(login)).expect("read").expect("person").person.id
}

fn other_roles_are_refused(s: &Server) {
    seed(s);
    let g1 = s.login("grid.g1", PASSWORD);
    for (who, cookie) in [
        ("worker", s.login("13800000000", PASSWORD)),
        ("platform", s.login("staff.a", PASSWORD)),
        ("officer", s.login("officer.zj", PASSWORD)),
        ("nobody", String::new()),
    ] {
        let want = if who == "nobody" { 401 } else { 403 };
        let r = s.send("GET", "/grid", &[("cookie", &cookie)], "");
        assert_eq!(r.status, want, "{who}");
        assert!(!r.body.contains("工人0"), "{who} sees a grid worker's alert");
        assert_eq!(s.send("POST", "/grid/alerts/1/reveal", &form(&cookie), "csrf=x").status, want, "{who}");
    }
    for path in ["/officer/alerts", "/officer/alerts.csv", "/officer/access-log", "/officer/workers/1", "/me", "/platform"] {
        assert_eq!(s.send("GET", path, &[("cookie", &g1)], "").status, 403, "{path}");
    }
    // A grid worker lands on their page after logging in.
    let r = s.try_login("grid.g2", PASSWORD);
    assert_eq!(r.header("location"), Some("/grid"), "{:?}", r.headers);
}

// Each case on each backend.
mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn grid_worker_sees_reveals_and_records_in_their_grids() {
        run(Kind::Sqlite, super::grid_worker_sees_reveals_and_records_in_their_grids);
    }

    #[test]
    fn other_roles_are_refused() {
        run(Kind::Sqlite, super::other_roles_are_refused);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn grid_worker_sees_reveals_and_records_in_their_grids() {
        run(Kind::Postgres, super::grid_worker_sees_reveals_and_records_in_their_grids);
    }

    #[test]
    fn other_roles_are_refused() {
        run(Kind::Postgres, super::other_roles_are_refused);
    }
}
