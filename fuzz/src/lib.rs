//! What the fuzz targets and the seed writer share: fixed keys, a sample voucher, a small log.

pub mod seeds;

use flexpension_tlog::{CosignSigner, NoteSigner};
use flexpension_voucher::sample::sample_doc;
use flexpension_voucher::{Lang, VoucherDoc};

/// 2026-12-01T00:00:00Z in microseconds: "now" for the earnings parser.
pub const NOW_US: i64 = 1_796_083_200_000_000;

/// The log's note key (a fixed seed: fuzzing needs the same key in every run).
pub fn log_signer() -> NoteSigner {
    NoteSigner::new("fuzz.example/log", [1u8; 32]).expect("a valid key name")
}

/// A witness's cosignature key.
pub fn witness_signer() -> CosignSigner {
    CosignSigner::new("fuzz.example/witness", [2u8; 32]).expect("a valid key name")
}

/// A two-page voucher with every kind of field filled.
pub fn sample_voucher() -> VoucherDoc {
    VoucherDoc {
        years_counted: "2年6个月".into(),
        verify_url: "https://verify.flexpension.example/verify/voucher/ZJ-2026-000123-7F3A".into(),
        check_code: "7F3A-K9QD".into(),
        signature_line: "签发：浙江省社会保险事业管理中心 · 密钥 fuzz.example/log".into(),
        payload: br#"{"v":1,"id":"ZJ-2026-000123-7F3A","sig":"ed25519:AAAA"}"#.to_vec(),
        ..sample_doc(Lang::Zh, (2024, 9), 30, |i| if i % 7 == 3 { 0 } else { 84_540 })
    }
}

/// Called from every target's init: writes the made seeds when FLEXPENSION_FUZZ_SEEDS is set.
pub fn init() {
    if std::env::var_os("FLEXPENSION_FUZZ_SEEDS").is_some() {
        seeds::write_all();
    }
}
