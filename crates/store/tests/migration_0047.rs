//! Migration 0047 on a SQLite store made before it: the workers table is rebuilt without its
//! foreign key to regions; rows, ids, indexes and the other tables' references to workers stay.
//! (PostgreSQL drops the constraint in place; the conformance suite runs on the migrated schema.)

use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};
use std::borrow::Cow;
use std::str::FromStr;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_0047_keeps_workers_indexes_and_references() {
    let dir = std::env::temp_dir().join(format!("flexpension-0047-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("old.db");
    let url = format!("sqlite:{}", path.display());
    let opts = || SqliteConnectOptions::from_str(&url).expect("url").create_if_missing(true).foreign_keys(true);

    // A store as it was at 0046, with a worker, an enrolment and a login.
    let all = flexpension_store::sqlite_migrations();
    let before =
        Migrator { migrations: Cow::Owned(all.migrations.iter().filter(|m| m.version < 47).cloned().collect()), ..Migrator::DEFAULT };
    let mut c = opts().connect().await.expect("connect");
    before.run(&mut c).await.expect("migrations up to 0046");
    c.execute(
        "INSERT INTO regions (code, name) VALUES ('zj', '浙江省');
         INSERT INTO grids (id, code, name, region_code) VALUES (7, 'g1', '一号', 'zj');
         INSERT INTO workers (id, id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, hukou_region, home_grid_id, created_at_us)
             VALUES (42, X'01', '3301**********123X', 24000, 'male', '甲', X'02', '138****0001', 'zj', 7, 5);
         INSERT INTO enrolments (id, worker_id, scheme, from_month, to_month, basis, created_at_us)
             VALUES (1, 42, 'employee_pension', 24300, NULL, 'platform_income', 6);",
    )
    .await
    .expect("old rows");
    // Before 0047 an unregistered hukou is refused by the foreign key.
    let refused = c
        .execute("INSERT INTO workers (id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, hukou_region, home_grid_id, created_at_us) VALUES (X'03', 'x', 1, 'male', 'x', X'04', 'x', '330106', 7, 1)")
        .await;
    assert!(refused.is_err());
    c.close().await.expect("close");

    // Opening the store applies 0047.
    let store = flexpension_store::Store::open(&url).await.expect("open and migrate");
    store.close().await;

    let mut c = opts().connect().await.expect("connect");
    let row: (i64, String, Option<String>, i64) =
        sqlx::query_as("SELECT id, hukou_region, hukou_province, home_grid_id FROM workers").fetch_one(&mut c).await.expect("worker kept");
    assert_eq!(row, (42, "zj".to_string(), None, 7));
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'workers' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut c)
    .await
    .expect("indexes");
    assert_eq!(indexes, ["workers_grid", "workers_phone"]);
    let unique: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'workers' AND name LIKE 'sqlite_autoindex%'",
    )
    .fetch_one(&mut c)
    .await
    .expect("unique index");
    assert_eq!(unique, 1, "id_hash stays unique");
    let problems: Vec<(String, i64, String, i64)> = sqlx::query_as("PRAGMA foreign_key_check").fetch_all(&mut c).await.expect("check");
    assert!(problems.is_empty(), "{problems:?}");
    let on: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut c).await.expect("pragma");
    assert_eq!(on, 1);
    // Other tables still refer to workers (id), and that is still enforced.
    let orphan =
        c.execute("INSERT INTO enrolments (worker_id, scheme, from_month, basis, created_at_us) VALUES (999, 'employee_pension', 1, 'platform_income', 1)").await;
    assert!(orphan.is_err(), "enrolments keep their foreign key to workers");
    // The grid's foreign key stays; the hukou's is gone.
    c.execute("INSERT INTO workers (id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, hukou_region, home_grid_id, created_at_us, hukou_province) VALUES (X'03', 'x', 1, 'male', 'x', X'04', 'x', '330106', 7, 1, 'zj')")
        .await
        .expect("a division code needs no region row");
    let bad_grid = c
        .execute("INSERT INTO workers (id_hash, id_masked, birth_month, sex, name, phone_hash, phone_masked, hukou_region, home_grid_id, created_at_us) VALUES (X'05', 'x', 1, 'male', 'x', X'06', 'x', 'zj', 99, 1)")
        .await;
    assert!(bad_grid.is_err());
    c.close().await.expect("close");
    let _ = std::fs::remove_dir_all(&dir);
}
