//! Writes a sample voucher: `cargo run -p flexpension-voucher --example sample -- out.pdf [months] [en]`.

#![allow(clippy::disallowed_methods, clippy::disallowed_macros, reason = "an example writes the PDF it makes to a file")]

use flexpension_voucher::{Lang, render_pdf};

use flexpension_voucher::sample::sample_doc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "voucher.pdf".into());
    let months: usize = args.next().map(|m| m.parse()).transpose()?.unwrap_or(14);
    let lang = match args.next().as_deref() {
        Some("en") => Lang::En,
        _ => Lang::Zh,
    };
    let doc = sample_doc(lang, (2022, 0), months, |i| if i % 9 == 4 { 0 } else { 84_540 });
    let pdf = render_pdf(&doc)?;
    std::fs::write(&out, &pdf)?;
    println!("{out}: {} bytes", pdf.len());
    Ok(())
}
