//! The data commands of the built binary, end to end on SQLite: platform add, grid add, import
//! workers, import earnings, worker show; JSON field names are a contract; mistakes exit 2 and
//! name the argument or the line.

mod common;

use common::{TempDir, json, ok, run, stderr, stdout, worker_id, workers_csv};

fn earnings_csv(rows: &[[&str; 6]]) -> String {
    let mut s = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for r in rows {
        s.push_str(&r.join(","));
        s.push('\n');
    }
    s
}

#[test]
fn platform_workers_earnings_and_a_worker() {
    let t = TempDir::new("cli-data");
    let d = &t.0;
    // The default store: ./flexpension-data/flexpension.db, made with its directory.
    let p = json(d, &["platform", "add", "--name", "骑手平台A", "--credit-code", "91350100M000100Y43", "--json"]);
    assert!(d.join("flexpension-data/flexpension.db").exists());
    assert_eq!(p["id"], 1);
    assert!(p["api_key"].as_str().is_some_and(|k| k.starts_with("fpk_") && k.len() == 68), "{p}");
    let db = format!("sqlite:{}", d.join("flexpension-data/flexpension.db").display());
    let p2 = json(
        d,
        &[
            "platform",
            "add",
            "--name",
            "配送平台B",
            "--credit-code",
            "91440300708461136T",
            "--revenue-band",
            "below_100m",
            "--json",
            "--db",
            &db,
        ],
    );
    assert_eq!((p2["id"].as_i64(), p2["revenue_band"].as_str()), (Some(2), Some("below_100m")));
    assert_ne!(p["api_key"], p2["api_key"]);
    let text = ok(d, &["grid", "add", "--code", "g1", "--name", "西湖区1号网格"]);
    assert!(text.contains("g1"), "{text}");

    std::fs::write(d.join("workers.csv"), workers_csv(3)).expect("write");
    let w = json(d, &["import", "workers", "workers.csv", "--json"]);
    assert_eq!((w["added"].as_u64(), w["rejected"].as_u64(), w["enrolled"].as_u64()), (Some(3), Some(0), Some(1)), "{w}");
    // Again: the same workers are no-ops.
    let w = json(d, &["import", "workers", "workers.csv", "--json"]);
    assert_eq!((w["added"].as_u64(), w["duplicate"].as_u64()), (Some(0), Some(3)), "{w}");

    let (w0, w1) = (worker_id(0), worker_id(1));
    let rows = earnings_csv(&[
        ["o1", &w0, "23.50", "2025-09-01 12:30:00", "instant_delivery", "g1"],
        ["o2", &w0, "10", "2025-09-02T12:30:00+08:00", "ride_hailing", "g1"],
        ["o3", &w1, "100.01", "2025-09-03T04:00:00Z", "ride_hailing", "g1"],
    ]);
    std::fs::write(d.join("sept.csv"), &rows).expect("write");
    let e = json(d, &["import", "earnings", "sept.csv", "--platform", "1", "--json"]);
    for (k, v) in [("accepted", 3), ("duplicate", 0), ("conflicting", 0), ("rejected", 0)] {
        assert_eq!(e[k].as_u64(), Some(v), "{k}: {e}");
    }
    assert_eq!(e["income_fen"], 2350 + 1000 + 10001);
    assert!(e["errors"].as_array().is_some_and(Vec::is_empty));
    // The transactions committed, as a count; the premium of the accepted orders (0.07 + 0.01 + 0.01).
    assert_eq!((e["batches"].as_u64(), e["premium_fen"].as_i64(), e["errors_omitted"].as_u64()), (Some(1), Some(9), Some(0)), "{e}");
    let again = json(d, &["import", "earnings", "sept.csv", "--platform", "1", "--json"]);
    assert_eq!((again["accepted"].as_u64(), again["duplicate"].as_u64()), (Some(0), Some(3)), "{again}");
    // The same orders at platform B are B's.
    let b = json(d, &["import", "earnings", "sept.csv", "--platform", "2", "--json"]);
    assert_eq!(b["accepted"].as_u64(), Some(3));

    let s = json(d, &["worker", "show", "--id-number", &w0, "--month", "2025-09", "--json"]);
    assert_eq!(s["income_fen"], 2 * (2350 + 1000), "{s}");
    assert_eq!(s["orders"], 4);
    assert_eq!(s["month"], "2025-09");
    let split = s["by_platform"].as_array().expect("by_platform");
    assert_eq!(split.len(), 2);
    for (i, (id, name)) in [(1, "骑手平台A"), (2, "配送平台B")].into_iter().enumerate() {
        assert_eq!((split[i]["platform_id"].as_i64(), split[i]["platform_name"].as_str()), (Some(id), Some(name)));
        assert_eq!((split[i]["income_fen"].as_i64(), split[i]["orders"].as_i64()), (Some(3350), Some(2)));
    }
    assert_eq!(s["enrolments"][0]["scheme"], "employee_pension");
    assert_eq!(s["enrolments"][0]["from"], "2025-01");
    let out = s.to_string();
    assert!(!out.contains(&w0) && s["worker"]["id_masked"].as_str().is_some_and(|m| m.contains('*')), "{s}");
    // Without --month: the latest month with income; and in words.
    let text = ok(d, &["worker", "show", "--id-number", &w0]);
    assert!(text.contains("2025-09") && text.contains("67.00 yuan") && !text.contains(&w0), "{text}");
    let none = json(d, &["worker", "show", "--id-number", &w1, "--month", "2025-08", "--json"]);
    assert_eq!((none["income_fen"].as_i64(), none["by_platform"].as_array().map(Vec::len)), (Some(0), Some(0)));
}

/// Exit 2, and the message on stderr holds each of `needles`.
fn usage(d: &std::path::Path, args: &[&str], needles: &[&str]) -> String {
    let o = run(d, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}{err}", stdout(&o));
    for n in needles {
        assert!(err.contains(n), "{args:?}: '{n}' not in {err}");
    }
    stdout(&o)
}

#[test]
fn mistakes_exit_2_and_name_the_argument_or_the_line() {
    let t = TempDir::new("cli-bad");
    let d = &t.0;
    let db = t.db("s.db");
    usage(d, &["platform", "add", "--name", "X", "--credit-code", "91350100M000100Y44", "--db", &db], &["--credit-code", "credit code"]);
    usage(
        d,
        &["platform", "add", "--name", "X", "--credit-code", "91350100M000100Y43", "--revenue-band", "huge", "--db", &db],
        &["--revenue-band"],
    );
    usage(d, &["platform", "add", "--name", " ", "--credit-code", "91350100M000100Y43", "--db", &db], &["--name"]);
    json(d, &["platform", "add", "--name", "A", "--credit-code", "91350100M000100Y43", "--json", "--db", &db]);
    usage(d, &["platform", "add", "--name", "A2", "--credit-code", "91350100M000100Y43", "--db", &db], &["--credit-code", "already"]);
    usage(d, &["platform", "add", "--name", "A", "--credit-code", "91350100M000100Y43", "--db", "mysql://x"], &["--db"]);
    usage(d, &["grid", "add", "--code", "g1", "--name", "n", "--region", "xx", "--db", &db], &["--region"]);
    ok(d, &["grid", "add", "--code", "g1", "--name", "n", "--db", &db]);
    usage(d, &["grid", "add", "--code", "g1", "--name", "other", "--db", &db], &["--code"]);

    // Worker file: a bad row is named by its line; the good ones are imported.
    let mut workers = workers_csv(2);
    workers.push_str("11010519491231002Y,坏,13800000009,zj,g1,\n");
    workers.push_str(&format!("{},无网格,13800000008,zj,g404,\n", worker_id(7)));
    std::fs::write(d.join("w.csv"), workers).expect("write");
    let out = usage(d, &["import", "workers", "w.csv", "--db", &db], &["w.csv", "2 rows were not imported", "line 4"]);
    assert!(out.contains("line 4: id_number") && out.contains("line 5: grid"), "{out}");
    assert!(!out.contains("11010519491231002Y"), "IDs are not printed back: {out}");
    std::fs::write(d.join("nohead.csv"), "id_number,name\n1,2\n").expect("write");
    usage(d, &["import", "workers", "nohead.csv", "--db", &db], &["nohead.csv", "phone"]);
    usage(d, &["import", "workers", "missing.csv", "--db", &db], &["missing.csv", "cannot open"]);

    // Earnings: bad rows by line in text and in JSON; good rows written.
    let w0 = worker_id(0);
    let rows = earnings_csv(&[
        ["o1", &w0, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["o2", &w0, "-3", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["o3", &w0, "10", "2019-01-01T10:00:00", "ride_hailing", "g1"],
        ["o4", &worker_id(99), "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
    ]);
    std::fs::write(d.join("e.csv"), rows).expect("write");
    let out = usage(
        d,
        &["import", "earnings", "e.csv", "--platform", "1", "--json", "--db", &db],
        &["e.csv", "3 rows were not imported", "line 3"],
    );
    let v: serde_json::Value = serde_json::from_str(&out).expect("json on stdout");
    assert_eq!((v["accepted"].as_u64(), v["rejected"].as_u64()), (Some(1), Some(3)), "{v}");
    let lines: Vec<(u64, &str)> = v["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["line"].as_u64().unwrap_or(0), e["field"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(lines, [(3, "amount_yuan"), (4, "settled_at"), (5, "id_number")]);
    assert!(!out.contains(&worker_id(99)), "{out}");
    let out = usage(d, &["import", "earnings", "e.csv", "--platform", "1", "--db", &db], &["e.csv"]);
    assert!(out.contains("duplicate 1") && out.contains("line 3: amount_yuan"), "{out}");
    std::fs::write(d.join("bad-head.csv"), "order_id,amount\nx,1\n").expect("write");
    usage(d, &["import", "earnings", "bad-head.csv", "--platform", "1", "--db", &db], &["bad-head.csv", "id_number"]);
    usage(d, &["import", "earnings", "e.csv", "--platform", "7", "--db", &db], &["--platform", "7"]);
    usage(d, &["import", "earnings", "e.csv", "--platform", "x", "--db", &db], &["--platform"]);
    usage(d, &["import", "earnings", "e.csv", "--platform", "1", "--region", "mars", "--db", &db], &["--region"]);

    usage(d, &["worker", "show", "--id-number", "123", "--db", &db], &["--id-number", "18 characters"]);
    usage(d, &["worker", "show", "--id-number", &worker_id(99), "--db", &db], &["--id-number", "no registered worker"]);
    usage(d, &["worker", "show", "--id-number", &w0, "--month", "2025-13", "--db", &db], &["--month"]);
    let o = run(d, &["worker", "show", "--id-number", &worker_id(99), "--db", &db]);
    assert!(!stderr(&o).contains(&worker_id(99)), "the ID is masked in the message");
}

/// `init --region` makes a store for that region: later commands default to it, another region
/// is refused, and workers' hukou may be any mainland division code.
#[test]
fn init_a_region_store_and_division_hukou() {
    let t = TempDir::new("cli-init");
    let d = &t.0;
    let db = t.db("ah.db");
    let v = json(d, &["init", "--region", "ah", "--db", &db, "--json"]);
    assert_eq!((v["region"].as_str(), v["log_origin"].as_str()), (Some("ah"), Some("flexpension.ah/log")), "{v}");
    // Again: the same region is fine; another is refused, naming the flag.
    assert!(ok(d, &["init", "--region", "ah", "--db", &db]).contains("store for region ah"));
    let o = run(d, &["init", "--region", "zj", "--db", &db]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--region: this store is for region 'ah', not 'zj'"), "{}", stderr(&o));
    let o = run(d, &["init", "--region", "qq", "--db", &db]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--region:") && stderr(&o).contains("unknown region 'qq'"), "{}", stderr(&o));
    // A grid added without --region is the store's region's.
    assert!(ok(d, &["grid", "add", "--code", "hf1", "--name", "合肥1号网格", "--db", &db]).contains("(region ah)"));

    let csv = format!(
        "id_number,name,phone,hukou_region,grid\n{},甲,13800000001,340102,hf1\n{},乙,13800000002,330106,hf1\n{},丙,13800000003,990101,hf1\n{},丁,13800000004,ah,hf1\n",
        worker_id(20),
        worker_id(21),
        worker_id(22),
        worker_id(23)
    );
    std::fs::write(d.join("w.csv"), csv).expect("write");
    let o = run(d, &["import", "workers", "w.csv", "--db", &db, "--json"]);
    assert_eq!(o.status.code(), Some(2), "a rejected row exits 2: {}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json report");
    assert_eq!((v["added"].as_u64(), v["rejected"].as_u64()), (Some(3), Some(1)), "{v}");
    assert_eq!((v["errors"][0]["line"].as_u64(), v["errors"][0]["field"].as_str()), (Some(4), Some("hukou_region")), "{v}");
    assert!(v["errors"][0]["reason"].as_str().is_some_and(|r| r.contains("province prefix")), "{v}");
    let w = json(d, &["worker", "show", "--id-number", &worker_id(21), "--db", &db, "--json"]);
    assert_eq!(w["worker"]["hukou_province"], "zj", "{w}");

    // A store made without init stays a Zhejiang store.
    let plain = t.db("plain.db");
    assert!(ok(d, &["grid", "add", "--code", "g1", "--name", "西湖区1号网格", "--db", &plain]).contains("(region zj)"));
}
