//! What the fuzz targets and the seed writer share: fixed keys, a sample voucher, a small log.

pub mod seeds;

use flexpension_tlog::{CosignSigner, NoteSigner};
use flexpension_voucher::{Lang, VoucherDoc, VoucherMonth};

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
    let months = (0..30)
        .map(|i| {
            let paid = i % 7 != 3;
            VoucherMonth {
                month: format!("{}-{:02}", 2024 + (i + 9) / 12, (i + 9) % 12 + 1),
                base_fen: 422_700,
                amount_fen: 84_540,
                paid_fen: if paid { 84_540 } else { 0 },
                status: if paid { "已缴".into() } else { "欠缴".into() },
            }
        })
        .collect::<Vec<_>>();
    VoucherDoc {
        lang: Lang::Zh,
        voucher_id: "ZJ-2026-000123-7F3A".into(),
        region_name: "浙江省".into(),
        region_code: "zj".into(),
        worker_name: "王小明".into(),
        id_masked: "330106********1234".into(),
        issued_at: "2026-11-29 18:30".into(),
        total_paid_fen: months.iter().map(|m| m.paid_fen).sum(),
        months,
        years_counted: "2年6个月".into(),
        balance_fen: 2_345_678,
        verify_url: "https://verify.flexpension.example/verify/voucher/ZJ-2026-000123-7F3A".into(),
        check_code: "7F3A-K9QD".into(),
        signature_line: "签发：浙江省社会保险事业管理中心 · 密钥 fuzz.example/log".into(),
        payload: br#"{"v":1,"id":"ZJ-2026-000123-7F3A","sig":"ed25519:AAAA"}"#.to_vec(),
    }
}

/// Called from every target's init: writes the made seeds when FLEXPENSION_FUZZ_SEEDS is set.
pub fn init() {
    if std::env::var_os("FLEXPENSION_FUZZ_SEEDS").is_some() {
        seeds::write_all();
    }
}
