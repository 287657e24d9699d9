//! `outreach fit` and `outreach score` of the built binary (a contract): a model fitted on one
//! synthetic table scores another better than a constant, `score` prints `worker_id, p` per
//! worker and, with `--json`, `auc` when the file has `enrolled`; mistakes exit 2 and name the
//! argument and the field.

mod common;

use common::{TempDir, json, ok, run, setup, stderr, worker_id};

#[test]
fn fit_then_score_beats_a_constant() {
    let t = TempDir::new("cli-outreach");
    let d = &t.0;
    let (train, test, model) = (t.path("train.csv"), t.path("test.csv"), t.path("model.json"));
    let p = |x: &std::path::PathBuf| x.display().to_string();
    ok(d, &["outreach", "synth", "--workers", "20000", "--seed", "5", "--out", &p(&train)]);
    ok(d, &["outreach", "synth", "--workers", "3000", "--seed", "6", "--out", &p(&test)]);

    let fit = json(d, &["outreach", "fit", "--train", &p(&train), "--model", &p(&model), "--json"]);
    let held = &fit["heldout"];
    assert!(held["auc"].as_f64().unwrap() > 0.65, "{held}");
    assert!(held["brier"].as_f64().unwrap() < held["baseline_brier"].as_f64().unwrap(), "{held}");
    assert_eq!(fit["features"].as_array().unwrap().len(), 7);

    let csv = ok(d, &["outreach", "score", "--in", &p(&test), "--model", &p(&model), "--month", "2025-09"]);
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("worker_id,p,"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3000);
    for r in &rows {
        let f: Vec<&str> = r.split(',').collect();
        let p: f64 = f[1].parse().unwrap();
        assert!((0.0..=1.0).contains(&p), "{r}");
        assert!(["employee_pension", "residents_pension", "injury_cover"].contains(&f[2]), "{r}");
    }

    let scored = json(d, &["outreach", "score", "--in", &p(&test), "--model", &p(&model), "--json", "--lang", "en", "--month", "2025-09"]);
    assert!(scored["auc"].as_f64().unwrap() > 0.65, "{}", scored["auc"]);
    let w = &scored["workers"][0];
    assert_eq!(w["worker_id"], "s0");
    assert_eq!(w["reasons"].as_array().unwrap().len(), 3);
    assert!(!w["reasons"][0]["text"].as_str().unwrap().is_empty());
    // The employee pension is offered at the income held within Zhejiang's 2025 limits.
    let employee = scored["workers"].as_array().unwrap().iter().find(|w| w["product"] == "employee_pension").expect("someone fits");
    assert!(employee["base_fen"].as_i64().unwrap() >= 422_700, "{employee}");

    // Without enrolled there is no AUC; without --model the synthetic model scores.
    std::fs::write(t.path("plain.csv"), "worker_id,age,migrant,months_active,platforms,income_yuan,income_cv,night_share\nw1,52,0,60,1,6500,0.1,0.05\nw2,22,1,2,3,3000,0.6,0.5\n").unwrap();
    let plain = json(d, &["outreach", "score", "--in", &p(&t.path("plain.csv")), "--json"]);
    assert!(plain.get("auc").is_none(), "{plain}");
    let (old, young) = (plain["workers"][0]["p"].as_f64().unwrap(), plain["workers"][1]["p"].as_f64().unwrap());
    assert!(old > young, "a settled local worker is likelier to join: {old} vs {young}");
}

#[test]
fn mistakes_name_the_argument_and_the_field() {
    let t = TempDir::new("cli-outreach-bad");
    let d = &t.0;
    let bad = t.path("bad.csv");
    std::fs::write(&bad, "worker_id,age,migrant,months_active,platforms,income_yuan,income_cv,night_share,enrolled\nw1,30,1,12,2,3800,0.4,0.1,1\nw2,30,7,12,2,3800,0.4,0.1,0\n").unwrap();
    let o = run(d, &["outreach", "fit", "--train", &bad.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--train: line 3: migrant"), "{}", stderr(&o));

    let one = t.path("one.csv");
    std::fs::write(&one, "worker_id,age,migrant,months_active,platforms,income_yuan,income_cv,night_share,enrolled\nw1,30,1,12,2,3800,0.4,0.1,1\nw2,40,0,12,2,3800,0.4,0.1,1\n").unwrap();
    let o = run(d, &["outreach", "fit", "--train", &one.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("enrolled"), "{}", stderr(&o));

    let forged = t.path("forged.json");
    std::fs::write(&forged, r#"{"format":"other"}"#).unwrap();
    let o = run(d, &["outreach", "score", "--in", &one.display().to_string(), "--model", &forged.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--model"), "{}", stderr(&o));

    let o = run(d, &["outreach", "score", "--in", "missing.csv"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--in missing.csv"), "{}", stderr(&o));
}

#[test]
fn a_store_gives_its_own_table() {
    let t = TempDir::new("cli-outreach-store");
    let d = &t.0;
    let db = t.db("s.db");
    // Workers 0 and 3 are enrolled from 2025-01 (every third), 1 and 2 are not.
    let (platform, _) = setup(d, &db, 4);
    let mut orders = String::from("order_id,id_number,amount_yuan,settled_at,order_type,grid\n");
    for (k, (w, at)) in [
        (0, "2025-09-03T10:00:00+08:00"),
        (0, "2025-10-03T23:00:00+08:00"),
        (1, "2025-10-04T12:00:00+08:00"),
        (3, "2025-10-05T12:00:00+08:00"),
    ]
    .iter()
    .enumerate()
    {
        orders.push_str(&format!("o{k},{},1000,{at},instant_delivery,g1\n", worker_id(*w)));
    }
    let file = t.path("orders.csv");
    std::fs::write(&file, orders).unwrap();
    ok(d, &["import", "earnings", &file.display().to_string(), "--platform", &platform.to_string(), "--db", &db]);
    let out = t.path("table.csv");
    ok(d, &["outreach", "features", "--out", &out.display().to_string(), "--db", &db]);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "worker_id,age,migrant,months_active,platforms,income_yuan,income_cv,night_share,enrolled");
    assert_eq!(lines.len(), 4, "worker 2 earned nothing: {text}");
    let w0: Vec<&str> = lines.iter().find(|l| l.starts_with("w1,")).expect("the first worker").split(',').collect();
    // Two months of 1000 yuan, one order of two at night (23:00), enrolled.
    assert_eq!((w0[3], w0[4], w0[5], w0[6], w0[7], w0[8]), ("2", "1", "1000", "0", "0.5", "1"), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("w2,") && l.ends_with(",0")), "{text}");
    // The table scores as it is.
    ok(d, &["outreach", "score", "--in", &out.display().to_string()]);
    // A run scores the store's workers and keeps them; three are too few to learn from.
    let run = json(d, &["outreach", "run", "--json", "--db", &db]);
    assert_eq!((run["month"].as_str(), run["workers"].as_i64()), (Some("2025-10"), Some(3)), "{run}");
    assert!(run["trained_on"].as_str().unwrap().starts_with("synthetic population"), "{run}");
    assert!(run["auc"].as_f64().unwrap() > 0.6, "{run}");
    // Then today's notices: each worker not enrolled is planned (a notice or the holdout), once.
    let targets = lines.iter().skip(1).filter(|l| l.ends_with(",0")).count() as u64;
    let told = &run["notices"];
    let n = |k: &str| told[k].as_u64().unwrap_or_else(|| panic!("{k} in {told}"));
    assert!(targets >= 1);
    assert_eq!((n("notices") + n("holdout") + n("no_room"), n("added")), (targets, targets), "{run}");
    let again = json(d, &["outreach", "run", "--json", "--db", &db]);
    assert_eq!(again["notices"]["added"].as_u64(), Some(0), "a rerun the same day adds nothing: {again}");
}

#[test]
fn the_optional_columns_are_written_asked_and_used_when_there() {
    let t = TempDir::new("cli-outreach-optional");
    let d = &t.0;
    let (train, model) = (t.path("train.csv"), t.path("model.json"));
    let p = |x: &std::path::PathBuf| x.display().to_string();
    ok(d, &["outreach", "synth", "--workers", "5000", "--seed", "5", "--all-features", "--out", &p(&train)]);
    let text = std::fs::read_to_string(&train).unwrap();
    assert!(
        text.starts_with("worker_id,age,migrant,months_active,platforms,income_yuan,income_cv,night_share,enrolled,grids,ever_enrolled\n")
    );
    let fit = json(d, &["outreach", "fit", "--train", &p(&train), "--model", &p(&model), "--json"]);
    assert_eq!(fit["features"].as_array().unwrap().len(), 9, "{}", fit["features"]);
    // A file without them scores under that model: they count at the training mean.
    std::fs::write(
        t.path("plain.csv"),
        "worker_id,age,migrant,months_active,platforms,income_yuan,income_cv,night_share\nw1,52,0,60,1,6500,0.1,0.05\n",
    )
    .unwrap();
    let plain = json(d, &["outreach", "score", "--in", &p(&t.path("plain.csv")), "--model", &p(&model), "--json", "--month", "2025-09"]);
    assert_eq!(plain["rows"].as_u64(), Some(1), "{plain}");
}

#[test]
fn a_store_gives_the_optional_columns_when_asked() {
    let t = TempDir::new("cli-outreach-store-optional");
    let d = &t.0;
    let db = t.db("s.db");
    let (platform, _) = setup(d, &db, 2);
    ok(d, &["grid", "add", "--code", "g2", "--name", "西湖区2号网格", "--db", &db]);
    let orders = format!(
        "order_id,id_number,amount_yuan,settled_at,order_type,grid\no1,{w},1000,2025-10-03T10:00:00+08:00,instant_delivery,g1\no2,{w},1000,2025-10-04T10:00:00+08:00,instant_delivery,g2\n",
        w = worker_id(1)
    );
    let file = t.path("orders.csv");
    std::fs::write(&file, orders).unwrap();
    ok(d, &["import", "earnings", &file.display().to_string(), "--platform", &platform.to_string(), "--db", &db]);
    let out = t.path("table.csv");
    ok(d, &["outreach", "features", "--all-features", "--out", &out.display().to_string(), "--db", &db]);
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "worker_id,age,migrant,months_active,platforms,income_yuan,income_cv,night_share,enrolled,grids,ever_enrolled");
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].starts_with("w2,") && lines[1].ends_with(",0,2,0"), "not enrolled, orders in g1 and g2, no history: {text}");
}
