//! Renders vouchers and reads them back with poppler (pdftotext, pdftoppm) and zbar (zbarimg).
//! Those tools come from scripts/setup-test-deps.sh; without them these tests fail.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "checks the PDF with poppler and zbar, through files and processes"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use flexpension_voucher::{Lang, PAYLOAD_FILE_NAME, VoucherDoc, extract_payload, render_pdf};

use flexpension_voucher::sample::sample_doc;

const VERIFY_URL: &str = "https://verify.flexpension.example/v/ZJ-2026-000123-7F3A#k=zj.flexpension+1a2b3c4d";

fn sample(months: usize, lang: Lang) -> VoucherDoc {
    VoucherDoc {
        verify_url: VERIFY_URL.into(),
        check_code: "7F3A-K9QD".into(),
        payload: br#"{"v":1,"id":"ZJ-2026-000123-7F3A","name":"\u738b\u5c0f\u660e","sig":"ed25519:AAAA"}"#.to_vec(),
        ..sample_doc(lang, (2025, 9), months, |i| if i % 7 == 3 { 0 } else { 84_540 })
    }
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flexpension-voucher-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Removes a passing test's files (a failing test leaves them for a look).
fn done(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
}

/// Runs an external tool; a missing tool fails the test with the fix.
fn run(tool: &str, args: &[&str]) -> String {
    let out = match Command::new(tool).args(args).output() {
        Ok(out) => out,
        Err(e) => panic!(
            "`{tool}` could not be run ({e}); it comes from poppler-utils / zbar-tools: \
             run scripts/setup-test-deps.sh"
        ),
    };
    assert!(out.status.success(), "{tool} {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write_pdf(dir: &Path, doc: &VoucherDoc) -> (PathBuf, Vec<u8>) {
    let pdf = render_pdf(doc).expect("render");
    let path = dir.join("voucher.pdf");
    std::fs::write(&path, &pdf).expect("write pdf");
    (path, pdf)
}

fn pdftotext(pdf: &Path) -> String {
    let pdf = pdf.to_str().expect("utf-8 temp path");
    run("pdftotext", &["-layout", "-enc", "UTF-8", pdf, "-"])
}

/// Rasterizes the PDF at 150 dpi into `dir`; returns the PNGs, one a page. With
/// `no_system_fonts`, poppler runs under a fontconfig setup that lists no fonts at all, so
/// anything not embedded in the PDF could not be drawn.
fn pdftoppm(pdf: &Path, dir: &Path, no_system_fonts: bool) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("create png dir");
    let prefix = dir.join("page");
    let mut cmd = Command::new("pdftoppm");
    cmd.args(["-r", "150", "-png"]).arg(pdf).arg(&prefix);
    if no_system_fonts {
        let conf = dir.join("fonts.conf");
        let cache = dir.join("fc-cache");
        std::fs::write(
            &conf,
            format!(
                "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n\
                 <fontconfig><cachedir>{}</cachedir></fontconfig>\n",
                cache.display()
            ),
        )
        .expect("write fonts.conf");
        cmd.env("FONTCONFIG_FILE", &conf);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("`pdftoppm` could not be run ({e}); it comes from poppler-utils: run scripts/setup-test-deps.sh"));
    assert!(out.status.success(), "pdftoppm failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read png dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pngs.sort();
    pngs
}

/// The QR codes zbar finds in a PNG (other symbologies off: they only add noise).
fn zbar_qr(png: &Path) -> String {
    let png = png.to_str().expect("utf-8 temp path");
    run("zbarimg", &["--raw", "-q", "-Sdisable", "-Sqrcode.enable", png])
}

#[test]
fn chinese_voucher_text_and_qr_read_back() {
    let dir = scratch("zh");
    let doc = sample(14, Lang::Zh);
    let (path, pdf) = write_pdf(&dir, &doc);

    let text = pdftotext(&path);
    for needle in [
        "参保缴费凭证",
        "王小明",
        "845.40",
        "4227.00",
        "330106********1234",
        "浙江省",
        "ZJ-2026-000123-7F3A",
        "欠缴",
        "3年2个月",
        "23456.78",
        "核验码：7F3A-K9QD",
        "浙江省社会保险事业管理中心",
    ] {
        assert!(text.contains(needle), "{needle:?} not in pdftotext output:\n{text}");
    }

    let pngs = pdftoppm(&path, &dir.join("system-fonts"), false);
    assert_eq!(pngs.len(), 1, "14 months fit on one page");
    let bare = pdftoppm(&path, &dir.join("no-fonts"), true);
    assert_eq!(bare.len(), 1);
    assert!(
        std::fs::read(&pngs[0]).expect("png") == std::fs::read(&bare[0]).expect("png"),
        "the page looks different without system fonts: something is not embedded"
    );
    let decoded = zbar_qr(&bare[0]);
    assert_eq!(decoded.trim_end_matches('\n'), VERIFY_URL);

    assert!(pdf.len() < 1_000_000, "PDF is {} bytes: font not subset?", pdf.len());
    done(&dir);
}

#[test]
fn payload_round_trips() {
    for doc in [sample(14, Lang::Zh), sample(0, Lang::En), sample(60, Lang::Zh)] {
        let pdf = render_pdf(&doc).expect("render");
        assert_eq!(extract_payload(&pdf).expect("payload"), doc.payload);
    }
    // Binary and empty payloads too.
    let mut doc = sample(2, Lang::Zh);
    doc.payload = (0..=255u8).cycle().take(5000).collect();
    assert_eq!(extract_payload(&render_pdf(&doc).expect("render")).expect("payload"), doc.payload);
    doc.payload = Vec::new();
    assert_eq!(extract_payload(&render_pdf(&doc).expect("render")).expect("payload"), doc.payload);
}

#[test]
fn payload_is_a_real_attachment() {
    let dir = scratch("attach");
    let doc = sample(3, Lang::Zh);
    let (path, _) = write_pdf(&dir, &doc);
    let listing = run("pdfdetach", &["-list", path.to_str().expect("utf-8 temp path")]);
    assert!(listing.contains(PAYLOAD_FILE_NAME), "pdfdetach -list: {listing}");
    let out = dir.join("out.json");
    run("pdfdetach", &["-save", "1", "-o", out.to_str().expect("utf-8 temp path"), path.to_str().expect("utf-8 temp path")]);
    assert_eq!(std::fs::read(&out).expect("saved attachment"), doc.payload);
    done(&dir);
}

#[test]
fn extract_payload_rejects_other_input() {
    assert!(extract_payload(b"").is_err());
    assert!(extract_payload(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF").is_err());
    let pdf = render_pdf(&sample(1, Lang::Zh)).expect("render");
    for cut in [10, pdf.len() / 2, pdf.len() - 10] {
        let _ = extract_payload(&pdf[..cut]); // no panic
    }
}

#[test]
fn english_labels() {
    let dir = scratch("en");
    let doc = sample(14, Lang::En);
    let (path, _) = write_pdf(&dir, &doc);
    let text = pdftotext(&path);
    for needle in [
        "Contribution voucher",
        "Name",
        "ID number",
        "Amount due",
        "Years counted",
        "genuine and unchanged",
        "Check code: 7F3A-K9QD",
        "王小明",
        "845.40",
        "3 y 2 m",
    ] {
        assert!(text.contains(needle), "{needle:?} not in pdftotext output:\n{text}");
    }
    assert!(!text.contains("参保缴费凭证"), "Chinese title on an English voucher");
    done(&dir);
}

#[test]
fn sixty_months_paginate_and_keep_every_row() {
    let dir = scratch("sixty");
    let doc = sample(60, Lang::Zh);
    let (path, pdf) = write_pdf(&dir, &doc);
    let text = pdftotext(&path);
    for m in &doc.months {
        assert!(text.contains(&m.month), "{} missing", m.month);
    }
    assert!(text.contains("参保缴费凭证（续）"));
    let squeezed: String = text.split_whitespace().collect();
    assert!(squeezed.contains("共2页") || squeezed.contains("共3页"), "{text}");
    let pngs = pdftoppm(&path, &dir, false);
    assert!(pngs.len() >= 2);
    let last = pngs.last().expect("a page");
    let decoded = zbar_qr(last);
    assert_eq!(decoded.trim_end_matches('\n'), VERIFY_URL);
    assert!(pdf.len() < 1_000_000);
    done(&dir);
}

#[test]
fn font_is_embedded() {
    let dir = scratch("fonts");
    let (path, _) = write_pdf(&dir, &sample(14, Lang::Zh));
    let fonts = run("pdffonts", &[path.to_str().expect("utf-8 temp path")]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "no fonts: {fonts}");
    for row in rows {
        // columns: name type encoding emb sub uni object ID
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 7, "{row}");
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "not embedded+subset+unicode: {row}");
    }
    done(&dir);
}

#[test]
fn rendering_is_deterministic() {
    let doc = sample(14, Lang::Zh);
    assert_eq!(render_pdf(&doc).expect("render"), render_pdf(&doc).expect("render"));
}

#[test]
fn odd_input_renders() {
    // Empty everything.
    let pdf = render_pdf(&VoucherDoc::default()).expect("empty voucher renders");
    assert_eq!(extract_payload(&pdf).expect("payload"), Vec::<u8>::new());

    // Control characters, characters outside the font (Extension B, emoji), very long
    // fields, extreme amounts, a long signature line.
    let mut doc = sample(3, Lang::Zh);
    doc.worker_name = "王\n小\t明𠀀😀".into();
    doc.id_masked = "3".repeat(300);
    doc.months[0].status = "部分缴纳，待补缴差额".repeat(5);
    doc.months[1].base_fen = i64::MIN;
    doc.months[1].amount_fen = i64::MAX;
    doc.months[2].amount_fen = i64::MAX;
    doc.balance_fen = -12_345;
    doc.signature_line = "签发：浙江省社会保险事业管理中心 · ".repeat(12);
    let pdf = render_pdf(&doc).expect("odd voucher renders");
    assert_eq!(extract_payload(&pdf).expect("payload"), doc.payload);

    // A thousand months.
    let doc = sample(1000, Lang::En);
    let pdf = render_pdf(&doc).expect("long voucher renders");
    assert_eq!(extract_payload(&pdf).expect("payload"), doc.payload);
}

#[test]
fn url_too_long_for_a_qr_code_is_an_error() {
    let mut doc = sample(1, Lang::Zh);
    doc.verify_url = format!("https://verify.example/{}", "x".repeat(4000));
    assert!(render_pdf(&doc).is_err());
}
