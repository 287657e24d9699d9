//! Personal data: no resident ID (or phone) in clear in errors, Debug output or stored data.

use crate::common::*;
use flexpension_store::*;
use flexpension_testkit::{phone, resident_id};

pub async fn personal_data_never_in_clear(ctx: Ctx) {
    let s = &ctx.store;
    let f = fixture(s, 3).await;
    let registered: Vec<String> = f.workers.iter().map(|(i, _)| i.clone()).collect();
    let stranger = resident_id("330102", "19770707", 123);
    // Wrong check characters and a bad birth date: clear numbers a platform might send.
    let typo = format!("{}0", &registered[0][..17]);
    let typo = if typo == registered[0] { format!("{}1", &registered[0][..17]) } else { typo };
    let bad_birth = "330106199013450012".to_string();
    let phones: Vec<String> = (0..3).map(phone).collect();
    let mut secrets: Vec<String> = registered.iter().chain([&stranger, &typo, &bad_birth]).cloned().collect();
    secrets.extend(phones.iter().cloned());

    let mut seen = String::new();
    // Errors from registration and lookup.
    for id in [&registered[0], &typo, &bad_birth] {
        let w = NewWorker {
            id_number: id.clone(),
            name: "某人".into(),
            phone: phones[0].clone(),
            hukou_region: "zj".into(),
            home_grid: "g1".into(),
        };
        seen.push_str(&format!("{w:?}\n"));
        if let Err(e) = s.add_worker(&w).await {
            seen.push_str(&format!("{e}\n{e:?}\n"));
        }
        if let Err(e) = s.find_worker(id).await {
            seen.push_str(&format!("{e}\n{e:?}\n"));
        }
    }
    for (_, w) in &f.workers {
        seen.push_str(&format!("{w:?}\n{}\n", serde_json::to_string(w).unwrap()));
    }
    // Errors from an ingest, CSV and JSON lines.
    let w0 = registered[0].as_str();
    let body = csv(&[
        ["p1", w0, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["p2", &stranger, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["p3", &typo, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["p4", &bad_birth, "10", "2025-09-01T10:00:00", "ride_hailing", "g1"],
        ["p5", w0, "-1", "2025-09-01T10:00:00", "ride_hailing", "g404"],
    ]);
    let r = s.ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(body), Format::Csv, &IngestOptions::request(now(), None)).await.unwrap();
    assert_eq!((r.accepted, r.rejected), (1, 4), "{r:#?}");
    seen.push_str(&format!("{r:?}\n{}\n", serde_json::to_string(&r).unwrap()));
    for e in &r.errors {
        seen.push_str(&format!("{e}\n"));
    }
    let jsonl = format!(
        "{{\"order_id\":\"q1\",\"id_number\":{typo},\"amount_yuan\":1,\"settled_at\":\"2025-09-01T10:00:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n\
         {{\"order_id\":\"q2\",\"id_number\":[\"{stranger}\"],\"amount_yuan\":1,\"settled_at\":\"2025-09-01T10:00:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"}}\n\
         {{\"order_id\":\"q3\",\"id_number\":\"{stranger}\",\"amount_yuan\":1,\"settled_at\":\"2025-09-01T10:00:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g1\"\n"
    );
    let r = s
        .ingest_earnings(f.a.id, &zj(), std::io::Cursor::new(jsonl.into_bytes()), Format::JsonLines, &IngestOptions::request(now(), None))
        .await
        .unwrap();
    assert_eq!(r.rejected, 3, "{r:#?}");
    seen.push_str(&format!("{r:?}\n"));
    // An import file with the same numbers.
    let imp = format!("id_number,name,phone,hukou_region,grid\n{typo},甲,{},zj,g1\n{},乙,13999999999,zj,g1\n", phones[1], registered[1]);
    let r = s.import_workers(imp.as_bytes(), &WorkerImportOptions::default()).await.unwrap();
    assert_eq!((r.rejected, r.conflicting), (1, 1), "{r:#?}");
    seen.push_str(&format!("{r:?}\n"));
    seen.push_str(&format!("{s:?}\n"));

    for secret in &secrets {
        assert!(!seen.contains(secret.as_str()), "a personal number appears in clear in:\n{seen}");
    }
    assert!(seen.contains(&flexpension_rules::checkdigit::mask(&stranger)), "the masked ID helps find the row");

    // Stored data: scan the database itself.
    match ctx.kind {
        Kind::Sqlite => {
            let path = ctx.sqlite_path.clone().unwrap();
            let mut bytes = Vec::new();
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                if let Ok(b) = std::fs::read(&p) {
                    bytes.extend(b);
                }
            }
            assert!(bytes.len() > 10_000);
            // The scan finds what is there: the masked ID and a name.
            assert!(contains(&bytes, flexpension_rules::checkdigit::mask(&registered[0]).as_bytes()));
            assert!(contains(&bytes, "工人0".as_bytes()));
            for secret in &secrets {
                assert!(!contains(&bytes, secret.as_bytes()), "a personal number is stored in clear in the SQLite file");
            }
        }
        Kind::Postgres => {
            let text = ctx.pg_dump_text().await;
            assert!(text.contains(&flexpension_rules::checkdigit::mask(&registered[0])));
            for secret in &secrets {
                assert!(!text.contains(secret.as_str()), "a personal number is stored in clear in PostgreSQL");
            }
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
