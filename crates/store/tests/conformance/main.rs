//! The conformance suite: every case runs against SQLite and PostgreSQL.
//!
//! `cargo test -p flexpension-store --test conformance` (PostgreSQL at FLEXPENSION_TEST_PG or
//! postgres://postgres@127.0.0.1:5432/test; FLEXPENSION_SKIP_PG=1 to skip those).

#[path = "../common/mod.rs"]
mod common;

mod cases {
    mod console;
    mod datain;
    mod earnings;
    mod privacy;
    mod registry;
    pub use console::*;
    pub use datain::*;
    pub use earnings::*;
    pub use privacy::*;
    pub use registry::*;
}

// Each case on each backend: `sqlite::case` and `postgres::case`.
mod sqlite {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn console_lists_figures_and_access_log() {
        run(Kind::Sqlite, cases::console_lists_figures_and_access_log).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn registry_regions_grids_platforms() {
        run(Kind::Sqlite, cases::registry_regions_grids_platforms).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn registry_workers() {
        run(Kind::Sqlite, cases::registry_workers).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn enrolment_unbundled() {
        run(Kind::Sqlite, cases::enrolment_unbundled).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_workers_csv() {
        run(Kind::Sqlite, cases::import_workers_csv).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_workers_division_codes() {
        run(Kind::Sqlite, cases::import_workers_division_codes).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_workers_crlf() {
        run(Kind::Sqlite, cases::import_workers_crlf).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_workers_many() {
        run(Kind::Sqlite, cases::import_workers_many).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_beside_registrations() {
        run(Kind::Sqlite, cases::import_beside_registrations).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_accepts_and_aggregates() {
        run(Kind::Sqlite, cases::ingest_accepts_and_aggregates).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_premium_by_date_and_level() {
        run(Kind::Sqlite, cases::ingest_premium_by_date_and_level).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_rejects_each_bad_input() {
        run(Kind::Sqlite, cases::ingest_rejects_each_bad_input).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_is_idempotent() {
        run(Kind::Sqlite, cases::ingest_is_idempotent).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_jsonl() {
        run(Kind::Sqlite, cases::ingest_jsonl).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_nonce_replay() {
        run(Kind::Sqlite, cases::ingest_nonce_replay).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_rolls_back_on_db_failure() {
        run(Kind::Sqlite, cases::ingest_rolls_back_on_db_failure).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_in_chunks() {
        run(Kind::Sqlite, cases::ingest_in_chunks).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_concurrent_batches() {
        run(Kind::Sqlite, cases::ingest_concurrent_batches).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn income_across_platforms() {
        run(Kind::Sqlite, cases::income_across_platforms).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn personal_data_never_in_clear() {
        run(Kind::Sqlite, cases::personal_data_never_in_clear).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_refuses_control_characters() {
        run(Kind::Sqlite, cases::ingest_refuses_control_characters).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_names_an_open_quote() {
        run(Kind::Sqlite, cases::ingest_names_an_open_quote).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_caps_the_error_list() {
        run(Kind::Sqlite, cases::ingest_caps_the_error_list).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_refuses_control_characters() {
        run(Kind::Sqlite, cases::import_refuses_control_characters).await;
    }
}

mod postgres {
    use crate::cases;
    use crate::common::{Kind, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn console_lists_figures_and_access_log() {
        run(Kind::Postgres, cases::console_lists_figures_and_access_log).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn registry_regions_grids_platforms() {
        run(Kind::Postgres, cases::registry_regions_grids_platforms).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn registry_workers() {
        run(Kind::Postgres, cases::registry_workers).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn enrolment_unbundled() {
        run(Kind::Postgres, cases::enrolment_unbundled).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_workers_csv() {
        run(Kind::Postgres, cases::import_workers_csv).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_workers_division_codes() {
        run(Kind::Postgres, cases::import_workers_division_codes).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_workers_crlf() {
        run(Kind::Postgres, cases::import_workers_crlf).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_workers_many() {
        run(Kind::Postgres, cases::import_workers_many).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_beside_registrations() {
        run(Kind::Postgres, cases::import_beside_registrations).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_accepts_and_aggregates() {
        run(Kind::Postgres, cases::ingest_accepts_and_aggregates).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_premium_by_date_and_level() {
        run(Kind::Postgres, cases::ingest_premium_by_date_and_level).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_rejects_each_bad_input() {
        run(Kind::Postgres, cases::ingest_rejects_each_bad_input).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_is_idempotent() {
        run(Kind::Postgres, cases::ingest_is_idempotent).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_jsonl() {
        run(Kind::Postgres, cases::ingest_jsonl).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_nonce_replay() {
        run(Kind::Postgres, cases::ingest_nonce_replay).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_rolls_back_on_db_failure() {
        run(Kind::Postgres, cases::ingest_rolls_back_on_db_failure).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_in_chunks() {
        run(Kind::Postgres, cases::ingest_in_chunks).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_concurrent_batches() {
        run(Kind::Postgres, cases::ingest_concurrent_batches).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn income_across_platforms() {
        run(Kind::Postgres, cases::income_across_platforms).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn personal_data_never_in_clear() {
        run(Kind::Postgres, cases::personal_data_never_in_clear).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_refuses_control_characters() {
        run(Kind::Postgres, cases::ingest_refuses_control_characters).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_names_an_open_quote() {
        run(Kind::Postgres, cases::ingest_names_an_open_quote).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ingest_caps_the_error_list() {
        run(Kind::Postgres, cases::ingest_caps_the_error_list).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_refuses_control_characters() {
        run(Kind::Postgres, cases::import_refuses_control_characters).await;
    }
}
