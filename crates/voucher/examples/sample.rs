//! Writes a sample voucher: `cargo run -p flexpension-voucher --example sample -- out.pdf [months] [en]`.

#![allow(clippy::disallowed_methods, clippy::disallowed_macros, reason = "an example writes the PDF it makes to a file")]

use flexpension_voucher::{Lang, VoucherDoc, VoucherMonth, render_pdf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "voucher.pdf".into());
    let months: usize = args.next().map(|m| m.parse()).transpose()?.unwrap_or(14);
    let lang = match args.next().as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    };
    let rows: Vec<VoucherMonth> = (0..months)
        .map(|i| VoucherMonth {
            month: format!("{}-{:02}", 2022 + i / 12, i % 12 + 1),
            base_fen: 422_700,
            amount_fen: 84_540,
            paid_fen: if i % 9 == 4 { 0 } else { 84_540 },
            status: match (lang, i % 9 == 4) {
                (Lang::Zh, false) => "已缴".into(),
                (Lang::Zh, true) => "欠缴".into(),
                (Lang::En, false) => "paid".into(),
                (Lang::En, true) => "in arrears".into(),
            },
        })
        .collect();
    let doc = VoucherDoc {
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
        verify_url: "https://verify.flexpension.example/verify/voucher/ZJ-7F3A-K9QD-2MXC-8HTR?code=4WQ7-N2PB".into(),
        check_code: "4WQ7-N2PB".into(),
        signature_line: "签发：浙江省社会保险事业管理中心 · 密钥 zj.flexpension+1a2b3c4d".into(),
        payload: br#"{"v":1,"id":"ZJ-2026-000123-7F3A"}"#.to_vec(),
    };
    let pdf = render_pdf(&doc)?;
    std::fs::write(&out, &pdf)?;
    println!("{out}: {} bytes", pdf.len());
    Ok(())
}
