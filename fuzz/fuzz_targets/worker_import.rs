//! The worker-import CSV, through the store's own `import_workers` on an in-memory SQLite
//! store (kept across runs, so later inputs meet the workers earlier ones added): no panic,
//! the report adds up, and importing the same input again adds nothing and changes no count
//! but added → duplicate.
#![no_main]

use std::sync::OnceLock;

use flexpension_store::{NewGrid, Store, WorkerImportOptions};
use libfuzzer_sys::fuzz_target;
use tokio::runtime::Runtime;

fn store() -> &'static (Runtime, Store) {
    static STORE: OnceLock<(Runtime, Store)> = OnceLock::new();
    STORE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let store = rt.block_on(async {
            let s = Store::open("sqlite::memory:").await.expect("an in-memory store");
            s.add_region("zj", "浙江省").await.expect("region");
            for code in ["g1", "g2"] {
                s.add_grid(&NewGrid { code: code.into(), name: format!("网格{code}"), region: "zj".into() }).await.expect("grid");
            }
            s
        });
        (rt, store)
    })
}

fuzz_target!(init: flexpension_fuzz::init(), |data: &[u8]| {
    let (rt, store) = store();
    let opts = WorkerImportOptions { rows_per_batch: 3, max_errors: 5 };
    let Ok(first) = rt.block_on(store.import_workers(data, &opts)) else {
        return;
    };
    let errors = first.errors.len() as u64 + first.errors_omitted;
    assert!(errors >= first.rejected + first.conflicting, "{first:?}");
    assert!(first.errors.len() <= opts.max_errors, "{first:?}");
    assert!(first.errors.windows(2).all(|w| w[0].line <= w[1].line), "errors out of order: {first:?}");
    let second = rt.block_on(store.import_workers(data, &opts)).expect("the same input read once already");
    assert_eq!(second.added, 0, "{second:?}");
    assert_eq!(second.duplicate, first.added + first.duplicate, "{first:?} then {second:?}");
    assert_eq!(second.conflicting, first.conflicting, "{first:?} then {second:?}");
    assert_eq!(second.rejected, first.rejected, "{first:?} then {second:?}");
});
