//! Registry and enrolment cases.

use crate::common::*;
use flexpension_rules::YearMonth;
use flexpension_store::*;
use flexpension_testkit::resident_id;

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

pub async fn registry_regions_grids_platforms(ctx: Ctx) {
    let s = &ctx.store;
    assert_eq!(s.add_region("zj", "浙江省").await.unwrap().name, "浙江省");
    // Same again: fine; another name: exists.
    s.add_region("zj", "浙江省").await.unwrap();
    assert!(matches!(s.add_region("zj", "Zhejiang").await, Err(StoreError::Exists { .. })));
    assert!(matches!(s.add_region("", "x").await, Err(StoreError::Invalid { field: "code", .. })));

    let g = s.add_grid(&NewGrid { code: "g1".into(), name: "一号网格".into(), region: "zj".into() }).await.unwrap();
    assert_eq!(g.code, "g1");
    assert!(matches!(
        s.add_grid(&NewGrid { code: "g1".into(), name: "again".into(), region: "zj".into() }).await,
        Err(StoreError::Exists { .. })
    ));
    assert!(matches!(
        s.add_grid(&NewGrid { code: "g9".into(), name: "x".into(), region: "nowhere".into() }).await,
        Err(StoreError::NotFound { what: "region", .. })
    ));
    assert_eq!(s.grids(Some("zj")).await.unwrap().len(), 1);
    assert_eq!(s.grids(None).await.unwrap().len(), 1);
    assert_eq!(s.regions().await.unwrap().len(), 1);

    // Credit codes are checked (GB 32100).
    let bad = NewPlatform {
        name: "坏".into(),
        uscc: "91350200M000000510".into(),
        revenue_band: RevenueBand::Below100m,
        injury_high_level: false,
    };
    let e = s.add_platform(&bad).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid { field: "uscc", .. }), "{e}");
    assert!(e.to_string().contains("should be D"), "{e}");

    let np =
        NewPlatform { name: "骑手平台".into(), uscc: USCC_A.into(), revenue_band: RevenueBand::From100m, injury_high_level: false };
    let (p, key) = s.add_platform(&np).await.unwrap();
    assert!(key.expose().starts_with("fpk_"));
    assert!(!format!("{key:?}").contains(key.expose()));
    assert!(matches!(s.add_platform(&np).await, Err(StoreError::Exists { .. })));
    assert_eq!(s.platform(p.id).await.unwrap().unwrap(), p);
    assert_eq!(s.platforms().await.unwrap(), vec![p.clone()]);

    // The key finds the platform; a wrong key does not; a new key with revocation retires it.
    assert_eq!(s.platform_by_api_key(key.expose()).await.unwrap().unwrap().id, p.id);
    assert!(s.platform_by_api_key("fpk_wrong").await.unwrap().is_none());
    let key2 = s.new_api_key(p.id, true).await.unwrap();
    assert!(s.platform_by_api_key(key.expose()).await.unwrap().is_none());
    assert_eq!(s.platform_by_api_key(key2.expose()).await.unwrap().unwrap().id, p.id);
    let key3 = s.new_api_key(p.id, false).await.unwrap();
    assert!(s.platform_by_api_key(key2.expose()).await.unwrap().is_some());
    assert!(s.platform_by_api_key(key3.expose()).await.unwrap().is_some());
    assert!(matches!(s.new_api_key(PlatformId(999_999), false).await, Err(StoreError::NotFound { .. })));
}

pub async fn registry_workers(ctx: Ctx) {
    let s = &ctx.store;
    let f = fixture(s, 3).await;
    let (id0, w0) = &f.workers[0];
    assert_eq!(w0.id_masked, flexpension_rules::checkdigit::mask(id0));
    assert_eq!(w0.phone_masked, "138****0000");
    assert_eq!(w0.home_grid, "g1");
    assert_eq!(w0.birth_month, ym("1990-01"));
    assert_eq!(s.find_worker(id0).await.unwrap().as_ref(), Some(w0));
    // Lower-case x finds the same worker.
    let x = resident_id("110105", "19491231", 2);
    assert!(x.ends_with('X'));
    let wx = s
        .add_worker(&NewWorker {
            id_number: x.to_lowercase(),
            name: "老王".into(),
            phone: "+86 139 0000 0000".into(),
            hukou_region: "zj".into(),
            home_grid: "g2".into(),
        })
        .await
        .unwrap();
    assert_eq!(wx.sex, Sex::Female);
    assert_eq!(s.find_worker(&x).await.unwrap().unwrap().id, wx.id);
    assert_eq!(s.find_workers_by_phone("13900000000").await.unwrap(), vec![wx.clone()]);
    assert_eq!(s.worker(wx.id).await.unwrap().unwrap(), wx);
    assert!(s.worker(WorkerId(424_242)).await.unwrap().is_none());
    assert!(s.find_worker(&resident_id("110105", "19800101", 1)).await.unwrap().is_none());

    let base = NewWorker {
        id_number: resident_id("330106", "19850505", 5),
        name: "张三".into(),
        phone: "13700000000".into(),
        hukou_region: "zj".into(),
        home_grid: "g1".into(),
    };
    // Each wrong field names itself.
    let cases: Vec<(NewWorker, &str)> = vec![
        (NewWorker { id_number: "110105194912310021".into(), ..base.clone() }, "id_number"),
        (NewWorker { phone: "12345".into(), ..base.clone() }, "phone"),
        (NewWorker { phone: "12012345678".into(), ..base.clone() }, "phone"),
        (NewWorker { name: " ".into(), ..base.clone() }, "name"),
    ];
    for (w, field) in cases {
        match s.add_worker(&w).await {
            Err(StoreError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(matches!(
        s.add_worker(&NewWorker { home_grid: "g404".into(), ..base.clone() }).await,
        Err(StoreError::NotFound { what: "grid", .. })
    ));
    assert!(matches!(
        s.add_worker(&NewWorker { hukou_region: "ah".into(), ..base.clone() }).await,
        Err(StoreError::NotFound { what: "region", .. })
    ));
    s.add_worker(&base).await.unwrap();
    let dup = s.add_worker(&base).await.unwrap_err();
    assert!(matches!(dup, StoreError::Exists { .. }));
    assert!(!dup.to_string().contains(&base.id_number), "{dup}");
}

pub async fn enrolment_unbundled(ctx: Ctx) {
    let s = &ctx.store;
    let f = fixture(s, 2).await;
    let w = f.workers[0].1.id;
    let e = |scheme, from: &str, to: Option<&str>| NewEnrolment {
        worker: w,
        scheme,
        from: ym(from),
        to: to.map(ym),
        basis: Basis::PlatformIncome,
    };
    let pension = s.enrol(&e(Scheme::EmployeePension, "2025-01", None)).await.unwrap();
    s.enrol(&e(Scheme::Medical, "2025-03", None)).await.unwrap();
    s.enrol(&NewEnrolment { basis: Basis::TaxRecords, ..e(Scheme::InjuryCover, "2025-09", None) }).await.unwrap();
    assert_eq!(s.enrolments(w).await.unwrap().len(), 3);
    assert!(pension.covers(ym("2030-01")));
    assert!(!pension.covers(ym("2024-12")));

    // Same scheme overlapping: refused. The other basic pension overlapping: refused.
    assert!(matches!(s.enrol(&e(Scheme::EmployeePension, "2026-01", None)).await, Err(StoreError::Exists { .. })));
    let r = s.enrol(&e(Scheme::ResidentsPension, "2024-06", Some("2025-02"))).await;
    assert!(matches!(r, Err(StoreError::Invalid { field: "scheme", .. })), "{r:?}");
    // Before it, it fits.
    s.enrol(&e(Scheme::ResidentsPension, "2020-01", Some("2024-12"))).await.unwrap();
    // End the employee pension, then the residents' pension may follow.
    let ended = s.end_enrolment(pension.id, ym("2025-06")).await.unwrap();
    assert_eq!(ended.to, Some(ym("2025-06")));
    assert!(matches!(s.end_enrolment(pension.id, ym("2025-09")).await, Err(StoreError::Invalid { field: "to", .. })));
    assert!(matches!(s.end_enrolment(pension.id, ym("2024-01")).await, Err(StoreError::Invalid { field: "to", .. })));
    s.enrol(&e(Scheme::ResidentsPension, "2025-07", None)).await.unwrap();
    assert!(matches!(s.enrol(&e(Scheme::Medical, "2025-01", Some("2024-01"))).await, Err(StoreError::Invalid { field: "to", .. })));
    let nobody = NewEnrolment { worker: WorkerId(777_777), ..e(Scheme::Medical, "2025-01", None) };
    assert!(matches!(s.enrol(&nobody).await, Err(StoreError::NotFound { what: "worker", .. })));
    assert_eq!(s.enrolments(f.workers[1].1.id).await.unwrap(), vec![]);
}

pub async fn import_workers_csv(ctx: Ctx) {
    let s = &ctx.store;
    s.add_region("zj", "浙江省").await.unwrap();
    s.add_grid(&NewGrid { code: "g1".into(), name: "一号".into(), region: "zj".into() }).await.unwrap();
    let a = worker_id_number(1);
    let b = worker_id_number(2);
    let c = worker_id_number(3);
    let csv = format!(
        "id_number,name,phone,hukou_region,grid,pension_from\n\
         {a},甲,13800000001,zj,g1,2025-01\n\
         {b},乙,13800000002,zj,g1,\n\
         110105194912310021,丙,13800000003,zj,g1,\n\
         {c},丁,123,zj,g1,\n\
         {c},丁,13800000004,ah,g1,\n\
         {c},丁,13800000004,zj,g9,\n\
         {c},丁,13800000004,zj,g1,2025-13\n\
         {a},甲,13800000001,zj,g1,2025-01\n\
         {b},乙改,13800000002,zj,g1,2025-03\n"
    );
    let opts = WorkerImportOptions { rows_per_batch: 2, max_errors: 100 };
    let r = s.import_workers(csv.as_bytes(), &opts).await.unwrap();
    assert_eq!((r.added, r.duplicate, r.conflicting, r.rejected), (2, 1, 1, 5), "{r:#?}");
    // b conflicts (other name): the row is not applied, its pension_from neither.
    assert_eq!(r.enrolled, 1, "{r:#?}");
    let codes: Vec<(u64, RowErrorCode)> = r.errors.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!(
        codes,
        vec![
            (4, RowErrorCode::InvalidId),
            (5, RowErrorCode::Phone),
            (6, RowErrorCode::UnknownRegion),
            (7, RowErrorCode::UnknownGrid),
            (8, RowErrorCode::Malformed),
            (10, RowErrorCode::Conflict)
        ]
    );
    for e in &r.errors {
        assert!(!e.reason.contains(&c) && !e.reason.contains(&b), "{e}");
    }
    let wa = s.find_worker(&a).await.unwrap().unwrap();
    let en = s.enrolments(wa.id).await.unwrap();
    assert_eq!(en.len(), 1);
    assert_eq!((en[0].scheme, en[0].from, en[0].basis), (Scheme::EmployeePension, ym("2025-01"), Basis::PlatformIncome));
    // Importing again changes nothing.
    let again = s.import_workers(csv.as_bytes(), &opts).await.unwrap();
    assert_eq!((again.added, again.enrolled), (0, 0), "{again:#?}");
    // A header without the required columns refuses the file.
    assert!(matches!(s.import_workers("id_number,name\n".as_bytes(), &opts).await, Err(StoreError::Invalid { field: "header", .. })));
}

/// A CRLF file names the same lines as an LF one, and no '\r' reaches the data.
pub async fn import_workers_crlf(ctx: Ctx) {
    let s = &ctx.store;
    s.add_region("zj", "浙江省").await.unwrap();
    s.add_grid(&NewGrid { code: "g1".into(), name: "一号".into(), region: "zj".into() }).await.unwrap();
    let (a, b, c) = (worker_id_number(11), worker_id_number(12), worker_id_number(13));
    let csv = format!(
        "id_number,name,phone,hukou_region,grid,pension_from\r\n\
         {a},甲,13800000001,zj,g1,2025-01\r\n\
         {c},丁,123,zj,g1,\r\n\
         {b},乙,13800000002,zj,g9,\r\n\
         {b},乙,13800000002,zj,g1,2025-13\r\n\
         {b},乙,13800000002,zj,g1,2025-02\r\n"
    );
    let opts = WorkerImportOptions { rows_per_batch: 2, max_errors: 100 };
    let r = s.import_workers(csv.as_bytes(), &opts).await.unwrap();
    assert_eq!((r.added, r.rejected, r.enrolled), (2, 3, 2), "{r:#?}");
    let lines: Vec<(u64, RowErrorCode)> = r.errors.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!(lines, vec![(3, RowErrorCode::Phone), (4, RowErrorCode::UnknownGrid), (5, RowErrorCode::Malformed)]);
    let wb = s.find_worker(&b).await.unwrap().unwrap();
    assert_eq!(s.enrolments(wb.id).await.unwrap()[0].from, ym("2025-02"));
    // The grid as the last column: no '\r' left on it.
    let d = worker_id_number(14);
    let two = format!("id_number,name,phone,hukou_region,grid\r\n{d},戊,13800000005,zj,g1\r\n{d},戊,1,zj,g1\r\n");
    let r = s.import_workers(two.as_bytes(), &opts).await.unwrap();
    assert_eq!((r.added, r.rejected), (1, 1), "{r:#?}");
    assert_eq!(r.errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![3]);
    let again = s.import_workers(two.as_bytes(), &opts).await.unwrap();
    assert_eq!((again.added, again.duplicate, again.conflicting), (0, 1, 0), "{again:#?}");
}

/// Many rows across chunks and batches, bad rows among them: counts, lines and ids are those of
/// taking the rows one by one.
pub async fn import_workers_many(ctx: Ctx) {
    let s = &ctx.store;
    s.add_region("zj", "浙江省").await.unwrap();
    s.add_grid(&NewGrid { code: "g1".into(), name: "一号".into(), region: "zj".into() }).await.unwrap();
    let mut csv = String::from("id_number,name,phone,hukou_region,grid,pension_from\n");
    let mut bad = Vec::new();
    let n = 20_000u32;
    for i in 0..n {
        let line = u64::from(i) + 2;
        if i % 997 == 5 {
            csv.push_str(&format!("{},某,1380000,zj,g1,\n", flexpension_testkit::distinct_resident_id(i)));
            bad.push(line);
        } else {
            csv.push_str(&format!("{},某,13800000000,zj,g1,2025-01\n", flexpension_testkit::distinct_resident_id(i)));
        }
    }
    let opts = WorkerImportOptions { rows_per_batch: 3_000, max_errors: 1_000 };
    let r = s.import_workers(csv.as_bytes(), &opts).await.unwrap();
    assert_eq!((r.added, r.rejected, r.enrolled), (u64::from(n) - bad.len() as u64, bad.len() as u64, u64::from(n) - bad.len() as u64));
    assert_eq!(r.errors.iter().map(|e| e.line).collect::<Vec<_>>(), bad);
    // Ids in file order.
    let first = s.find_worker(&flexpension_testkit::distinct_resident_id(0)).await.unwrap().unwrap();
    let last = s.find_worker(&flexpension_testkit::distinct_resident_id(n - 1)).await.unwrap().unwrap();
    assert_eq!(last.id.0 - first.id.0, i64::from(n) - 1 - bad.len() as i64);
    let again = s.import_workers(csv.as_bytes(), &opts).await.unwrap();
    assert_eq!((again.added, again.duplicate, again.enrolled), (0, r.added, 0), "{again:#?}");
}

/// The import gives out ids a block at a time while single registrations and enrolments go on
/// beside it: each worker and enrolment gets an id of its own (a shared id fails its insert).
pub async fn import_beside_registrations(ctx: Ctx) {
    let s = &ctx.store;
    s.add_region("zj", "浙江省").await.unwrap();
    s.add_grid(&NewGrid { code: "g1".into(), name: "一号".into(), region: "zj".into() }).await.unwrap();
    let n = 6_000u32;
    let mut csv = String::from("id_number,name,phone,hukou_region,grid,pension_from\n");
    for i in 0..n {
        csv.push_str(&format!("{},某,13800000000,zj,g1,2025-01\n", flexpension_testkit::distinct_resident_id(i)));
    }
    let opts = WorkerImportOptions { rows_per_batch: 500, max_errors: 10 };
    let singles = async {
        let mut out = Vec::new();
        for i in 0..40 {
            let w = NewWorker {
                id_number: flexpension_testkit::distinct_resident_id(n + i),
                name: "单".into(),
                phone: "13900000000".into(),
                hukou_region: "zj".into(),
                home_grid: "g1".into(),
            };
            let w = s.add_worker(&w).await.expect("a single registration");
            let e =
                NewEnrolment { worker: w.id, scheme: Scheme::EmployeePension, from: ym("2025-02"), to: None, basis: Basis::PlatformIncome };
            out.push((w.id, s.enrol(&e).await.expect("a single enrolment").id));
            tokio::task::yield_now().await;
        }
        out
    };
    let (r, singles) = tokio::join!(s.import_workers(csv.as_bytes(), &opts), singles);
    let r = r.expect("import");
    assert_eq!((r.added, r.enrolled, r.rejected), (u64::from(n), u64::from(n), 0), "{r:#?}");
    for (w, e) in &singles {
        let mine = s.enrolments(*w).await.unwrap();
        assert_eq!(mine.iter().map(|x| x.id).collect::<Vec<_>>(), vec![*e]);
    }
    for i in [0, n / 2, n - 1] {
        let w = s.find_worker(&flexpension_testkit::distinct_resident_id(i)).await.unwrap().expect("imported");
        assert_eq!(s.enrolments(w.id).await.unwrap().len(), 1);
        assert!(singles.iter().all(|(x, _)| *x != w.id));
    }
}

/// A hukou may be any mainland division code (GB/T 2260) as well as a registered region code;
/// the province is derived from it, and a bad code is refused by row, naming the field.
pub async fn import_workers_division_codes(ctx: Ctx) {
    let s = &ctx.store;
    s.add_region("zj", "浙江省").await.unwrap();
    s.add_grid(&NewGrid { code: "g1".into(), name: "一号".into(), region: "zj".into() }).await.unwrap();
    let n: Vec<String> = (11..18).map(worker_id_number).collect();
    let csv = format!(
        "id_number,name,phone,hukou_region,grid\n\
         {},甲,13800000011,330106,g1\n\
         {},乙,13800000012,340102,g1\n\
         {},丙,13800000013,zj,g1\n\
         {},丁,13800000014,990101,g1\n\
         {},戊,13800000015,33010,g1\n\
         {},己,13800000016,ah,g1\n",
        n[0], n[1], n[2], n[3], n[4], n[5]
    );
    let opts = WorkerImportOptions { rows_per_batch: 4, max_errors: 100 };
    let r = s.import_workers(csv.as_bytes(), &opts).await.unwrap();
    assert_eq!((r.added, r.rejected), (3, 3), "{r:#?}");
    let errs: Vec<(u64, &str, RowErrorCode)> = r.errors.iter().map(|e| (e.line, e.field, e.code)).collect();
    assert_eq!(
        errs,
        vec![
            (5, "hukou_region", RowErrorCode::UnknownRegion),
            (6, "hukou_region", RowErrorCode::UnknownRegion),
            (7, "hukou_region", RowErrorCode::UnknownRegion)
        ]
    );
    assert!(r.errors[0].reason.contains("99") && r.errors[0].reason.contains("province prefix"), "{}", r.errors[0].reason);
    assert!(r.errors[1].reason.contains("6-digit"), "{}", r.errors[1].reason);
    assert!(r.errors[2].reason.contains("'ah' is neither a registered region"), "{}", r.errors[2].reason);
    let province = |w: Option<Worker>| w.and_then(|w| w.hukou_province);
    assert_eq!(province(s.find_worker(&n[0]).await.unwrap()).as_deref(), Some("zj"));
    assert_eq!(province(s.find_worker(&n[1]).await.unwrap()).as_deref(), Some("ah"));
    assert_eq!(province(s.find_worker(&n[2]).await.unwrap()).as_deref(), Some("zj"));
    let w = s.find_worker(&n[1]).await.unwrap().unwrap();
    assert_eq!(w.hukou_region, "340102");
    // Registering one at a time takes the same codes.
    let one = NewWorker {
        id_number: n[6].clone(),
        name: "庚".into(),
        phone: "13800000017".into(),
        hukou_region: "110105".into(),
        home_grid: "g1".into(),
    };
    let w = s.add_worker(&one).await.unwrap();
    assert_eq!((w.hukou_region.as_str(), w.hukou_province.as_deref()), ("110105", Some("bj")));
    assert!(matches!(
        s.add_worker(&NewWorker { hukou_region: "810000".into(), ..one.clone() }).await,
        Err(StoreError::Invalid { field: "hukou_region", .. })
    ));
    // Importing again changes nothing.
    let again = s.import_workers(csv.as_bytes(), &opts).await.unwrap();
    assert_eq!((again.added, again.duplicate), (0, 3), "{again:#?}");
}
