//! The conformance suite: every case runs against SQLite and PostgreSQL.
//!
//! `cargo test -p flexpension-store --test conformance` (PostgreSQL at FLEXPENSION_TEST_PG or
//! postgres://postgres@127.0.0.1:5432/test; FLEXPENSION_SKIP_PG=1 to skip those).

#[path = "../common/mod.rs"]
mod common;

mod cases {
    mod earnings;
    mod privacy;
    mod registry;
    pub use earnings::*;
    pub use privacy::*;
    pub use registry::*;
}

conformance!(
    registry_regions_grids_platforms,
    registry_workers,
    enrolment_unbundled,
    import_workers_csv,
    ingest_accepts_and_aggregates,
    ingest_premium_by_date_and_level,
    ingest_rejects_each_bad_input,
    ingest_is_idempotent,
    ingest_jsonl,
    ingest_nonce_replay,
    ingest_rolls_back_on_db_failure,
    ingest_in_chunks,
    ingest_concurrent_batches,
    income_across_platforms,
    personal_data_never_in_clear,
);
