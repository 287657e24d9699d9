//! A sample voucher with a made-up worker and figures: for previews (the `sample` example),
//! the tests and the fuzz targets, so that each varies only what it tests.

use crate::{Lang, VoucherDoc, VoucherMonth};

/// A voucher of `months` months from `(year, month0)` (month0 counts from 0 = January), each on
/// the same base; `paid(i)` is month i's payment in fen (0 = in arrears).
pub fn sample_doc(lang: Lang, (year, month0): (usize, usize), months: usize, paid: impl Fn(usize) -> i64) -> VoucherDoc {
    let rows: Vec<VoucherMonth> = (0..months)
        .map(|i| {
            let paid_fen = paid(i);
            VoucherMonth {
                month: format!("{}-{:02}", year + (i + month0) / 12, (i + month0) % 12 + 1),
                base_fen: 422_700,
                amount_fen: 84_540,
                paid_fen,
                status: match (lang, paid_fen > 0) {
                    (Lang::Zh, true) => "已缴".into(),
                    (Lang::Zh, false) => "欠缴".into(),
                    (Lang::En, true) => "paid".into(),
                    (Lang::En, false) => "in arrears".into(),
                },
            }
        })
        .collect();
    VoucherDoc {
        lang,
        voucher_id: "ZJ-2026-000123-7F3A".into(),
        region_name: "浙江省".into(),
        region_code: "zj".into(),
        worker_name: "王小明".into(),
        id_masked: "330106********1234".into(),
        issued_at: "2026-11-29 18:30".into(),
        total_paid_fen: rows.iter().map(|m| m.paid_fen).sum(),
        months: rows,
        years_counted: match lang {
            Lang::Zh => "3年2个月".into(),
            Lang::En => "3 y 2 m".into(),
        },
        balance_fen: 2_345_678,
        savings: None,
        transferred: Vec::new(),
        verify_url: "https://verify.flexpension.example/verify/voucher/ZJ-7F3A-K9QD-2MXC-8HTR?code=4WQ7-N2PB".into(),
        check_code: "4WQ7-N2PB".into(),
        signature_line: "签发：浙江省社会保险事业管理中心 · 密钥 zj.flexpension+1a2b3c4d".into(),
        payload: br#"{"v":1,"id":"ZJ-2026-000123-7F3A"}"#.to_vec(),
    }
}
