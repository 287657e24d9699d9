//! A voucher's pages are bound to its data: `check_pages` passes the PDF the data draws and
//! nothing else, and names what an edit changed — a glyph swapped in the content stream (what a
//! PDF editor does), a page drawn again from other figures with the original attachment
//! spliced in, an update appended after the end of the file, a changed font.

#![allow(clippy::disallowed_methods, clippy::disallowed_types, reason = "pdftotext reads the edited file, through a file and a process")]

use std::collections::HashMap;

use flexpension_voucher::{Lang, PageCheck, VoucherDoc, check_pages, extract_payload, render_pdf};

use flexpension_voucher::sample::sample_doc;

fn sample(months: usize) -> VoucherDoc {
    // One month with a figure no other cell has.
    sample_doc(Lang::Zh, (2025, 8), months, |i| if i == 2 { 99_720 } else { 84_540 })
}

fn differs(check: PageCheck) -> Vec<String> {
    match check {
        PageCheck::Differs(d) => d,
        PageCheck::Same { .. } => panic!("an edited voucher passed"),
    }
}

// ---- a small PDF editor for the tests: objects by the cross-reference table ----

/// (object number, its bytes) in file order, and the trailer's dictionary.
fn objects(pdf: &[u8]) -> (Vec<(u32, Vec<u8>)>, String) {
    let xref = rfind(pdf, b"\nxref\n").expect("xref") + 1;
    let text = std::str::from_utf8(&pdf[xref..]).expect("an ASCII table and trailer");
    let mut offsets: Vec<(usize, u32)> = text
        .lines()
        .skip(2)
        .take_while(|l| !l.starts_with("trailer"))
        .enumerate()
        .filter(|(_, l)| l.trim_end().ends_with(" n"))
        .map(|(i, l)| (l[..10].parse().expect("offset"), u32::try_from(i).expect("number")))
        .collect();
    offsets.sort_unstable();
    let mut out = Vec::new();
    for (k, &(at, num)) in offsets.iter().enumerate() {
        let end = offsets.get(k + 1).map_or(xref, |n| n.0);
        out.push((num, pdf[at..end].to_vec()));
    }
    let trailer = text[text.find("trailer").expect("trailer") + 7..].split("startxref").next().expect("trailer").trim().to_string();
    (out, trailer)
}

/// The file written again with fresh offsets.
fn write(objs: &[(u32, Vec<u8>)], trailer: &str) -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n%\x80\x80\x80\x80\n".to_vec();
    let mut at = vec![0usize; objs.len() + 1];
    for (num, bytes) in objs {
        at[*num as usize] = pdf.len();
        pdf.extend_from_slice(bytes);
    }
    let start = pdf.len();
    pdf.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for offset in &at[1..] {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(format!("trailer\n{trailer}\nstartxref\n{start}\n%%EOF").as_bytes());
    pdf
}

fn stream_data(obj: &[u8]) -> (String, Vec<u8>) {
    let s = find(obj, b"stream\n").expect("stream") + 7;
    let e = find(obj, b"\nendstream").expect("endstream");
    (String::from_utf8_lossy(&obj[..s]).into_owned(), miniz_oxide::inflate::decompress_to_vec_zlib(&obj[s..e]).expect("inflate"))
}

fn stream_obj(num: u32, data: &[u8]) -> Vec<u8> {
    let z = miniz_oxide::deflate::compress_to_vec_zlib(data, 6);
    let mut o = format!("{num} 0 obj\n<</Length {}/Filter/FlateDecode>>\nstream\n", z.len()).into_bytes();
    o.extend_from_slice(&z);
    o.extend_from_slice(b"\nendstream\nendobj\n");
    o
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Character → code, from the font's ToUnicode map.
fn codes(objs: &[(u32, Vec<u8>)]) -> HashMap<char, u16> {
    let (_, cmap) = objs.iter().find(|(_, o)| find(o, b"/Type/CMap").is_some()).map(|(_, o)| stream_data(o)).expect("a CMap");
    let cmap = String::from_utf8(cmap).expect("ascii");
    let mut map = HashMap::new();
    for line in cmap.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        if let [code, uni] = parts[..]
            && code.len() == 6
            && uni.len() == 6
            && let (Ok(c), Ok(u)) = (u16::from_str_radix(&code[1..5], 16), u32::from_str_radix(&uni[1..5], 16))
            && let Some(ch) = char::from_u32(u)
        {
            map.insert(ch, c);
        }
    }
    map
}

/// The literal string `(…)` of a text run, as its bytes, and where it stands.
fn literal_at(content: &[u8], from: usize) -> Option<(usize, usize, Vec<u8>)> {
    let open = from + find(&content[from..], b"[(")? + 1;
    let mut bytes = Vec::new();
    let mut i = open + 1;
    while content[i] != b')' {
        if content[i] == b'\\' {
            let e = content[i + 1];
            if e.is_ascii_digit() {
                let digits = content[i + 1..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(d)).count();
                let v = u32::from_str_radix(std::str::from_utf8(&content[i + 1..i + 1 + digits]).ok()?, 8).ok()?;
                bytes.push(u8::try_from(v).ok()?);
                i += 1 + digits;
                continue;
            }
            bytes.push(match e {
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'b' => 8,
                b'f' => 12,
                other => other,
            });
            i += 2;
            continue;
        }
        bytes.push(content[i]);
        i += 1;
    }
    Some((open, i + 1, bytes))
}

/// Changes the first run that shows `from` to show `to` (same length), as an editor would:
/// the glyph codes in the page's content stream. Returns the edited content stream's object.
fn swap_text(objs: &[(u32, Vec<u8>)], from: &str, to: &str) -> (u32, Vec<u8>) {
    let map = codes(objs);
    let encode = |s: &str| -> Vec<u8> { s.chars().flat_map(|c| map[&c].to_be_bytes()).collect() };
    let (want, new) = (encode(from), encode(to));
    let (num, _) = objs.iter().find(|(_, o)| find(o, b"stream").is_some() && find(&stream_data(o).1, b"BT").is_some()).expect("content");
    let (_, content) = stream_data(&objs.iter().find(|(n, _)| n == num).expect("obj").1);
    let mut at = 0;
    while let Some((open, close, bytes)) = literal_at(&content, at) {
        if bytes == want {
            let escaped: String = new.iter().map(|b| format!("\\{b:03o}")).collect();
            let mut edited = content[..open].to_vec();
            edited.push(b'(');
            edited.extend_from_slice(escaped.as_bytes());
            edited.push(b')');
            edited.extend_from_slice(&content[close..]);
            return (*num, edited);
        }
        at = close;
    }
    panic!("no run shows {from}");
}

fn pdftotext(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("flexpension-pages-{}-{}.pdf", std::process::id(), pdf.len()));
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (scripts/setup-test-deps.sh)");
    let _ = std::fs::remove_file(&path);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// ---- the tests ----

#[test]
fn the_pdf_the_data_draws_passes() {
    for months in [3, 60] {
        let doc = sample(months);
        let pdf = render_pdf(&doc).expect("render");
        match check_pages(&doc, &pdf).expect("check") {
            PageCheck::Same { pages } => assert!(pages >= if months > 30 { 2 } else { 1 }),
            PageCheck::Differs(d) => panic!("{d:?}"),
        }
    }
}

#[test]
fn a_glyph_swapped_in_the_content_stream_is_named() {
    let doc = sample(3);
    let pdf = render_pdf(&doc).expect("render");
    let (mut objs, trailer) = objects(&pdf);
    let (num, content) = swap_text(&objs, "997.20", "197.20");
    for (n, bytes) in objs.iter_mut() {
        if *n == num {
            *bytes = stream_obj(num, &content);
        }
    }
    let edited = write(&objs, &trailer);
    // The edit shows: a reader of the page sees the new figure, and the attachment is intact.
    let text = pdftotext(&edited);
    assert!(text.contains("197.20") && !text.contains("997.20"), "{text}");
    assert_eq!(extract_payload(&edited).expect("payload"), doc.payload);
    let d = differs(check_pages(&doc, &edited).expect("check"));
    assert!(d.iter().any(|l| l == "page 1, row 2025-11, paid: signed “997.20”, printed “197.20”"), "{d:#?}");
    assert_eq!(d.len(), 1, "only the figure differs: {d:#?}");
}

#[test]
fn a_page_drawn_from_other_figures_with_the_original_attachment_is_named() {
    let doc = sample(3);
    let mut forged = doc.clone();
    forged.months[2].paid_fen = 19_720;
    forged.total_paid_fen -= 80_000;
    let d = differs(check_pages(&doc, &render_pdf(&forged).expect("render")).expect("check"));
    assert!(d.iter().any(|l| l.contains("row 2025-11, paid: signed “997.20”, printed “197.20”")), "{d:#?}");
    assert!(d.iter().any(|l| l.contains("total paid: signed")), "{d:#?}");
    // Another check code: named too.
    let mut other = doc.clone();
    other.check_code = "AAAA-BBBB".into();
    let d = differs(check_pages(&doc, &render_pdf(&other).expect("render")).expect("check"));
    assert!(d.iter().any(|l| l.contains("check code: signed “核验码：4WQ7-N2PB”, printed “核验码：AAAA-BBBB”")), "{d:#?}");
}

#[test]
fn the_savings_balance_is_bound_like_every_figure() {
    let mut doc = sample(3);
    doc.savings = Some(flexpension_voucher::VoucherSavings { balance_fen: 500_000, year: 2025, deposited_fen: 500_000 });
    let pdf = render_pdf(&doc).expect("render");
    assert!(matches!(check_pages(&doc, &pdf).expect("check"), PageCheck::Same { .. }));
    let text = pdftotext(&pdf);
    assert!(text.contains("养老储蓄账户余额") && text.contains("5000.00"), "{text}");
    // Drawn with another balance, or without the account: named.
    let mut forged = doc.clone();
    forged.savings = Some(flexpension_voucher::VoucherSavings { balance_fen: 900_000, ..doc.savings.expect("savings") });
    let d = differs(check_pages(&doc, &render_pdf(&forged).expect("render")).expect("check"));
    assert!(d.iter().any(|l| l.contains("pension savings balance: signed “5000.00”, printed “9000.00”")), "{d:#?}");
    forged.savings = None;
    assert!(!differs(check_pages(&doc, &render_pdf(&forged).expect("render")).expect("check")).is_empty());
}

#[test]
fn the_months_moved_in_are_bound_like_every_figure() {
    let mut doc = sample(3);
    let line = |value: &str| flexpension_voucher::VoucherLine { label: "浙江省转入（2023-01起）".into(), value: value.into() };
    doc.transferred = vec![line("36个月 2023-01–2025-12")];
    let pdf = render_pdf(&doc).expect("render");
    assert!(matches!(check_pages(&doc, &pdf).expect("check"), PageCheck::Same { .. }));
    let text = pdftotext(&pdf);
    assert!(text.contains("浙江省转入") && text.contains("36个月"), "{text}");
    // Drawn with other months, or without the line: named.
    let mut forged = doc.clone();
    forged.transferred = vec![line("48个月 2022-01–2025-12")];
    let d = differs(check_pages(&doc, &render_pdf(&forged).expect("render")).expect("check"));
    assert!(d.iter().any(|l| l.contains("months moved in") && l.contains("48个月")), "{d:#?}");
    forged.transferred.clear();
    assert!(!differs(check_pages(&doc, &render_pdf(&forged).expect("render")).expect("check")).is_empty());
}

#[test]
fn an_update_appended_after_the_end_is_named() {
    let doc = sample(3);
    let pdf = render_pdf(&doc).expect("render");
    let (objs, trailer) = objects(&pdf);
    let (num, content) = swap_text(&objs, "997.20", "197.20");
    // An incremental update: the content stream again, a cross-reference section for it.
    let mut edited = pdf.clone();
    edited.push(b'\n');
    let at = edited.len();
    edited.extend(stream_obj(num, &content));
    let xref = edited.len();
    let prev = rfind(&pdf, b"\nxref\n").expect("xref") + 1;
    let trailer = trailer.trim_end_matches(">>").to_string();
    edited.extend_from_slice(
        format!("xref\n{num} 1\n{at:010} 00000 n \ntrailer\n{trailer}/Prev {prev}>>\nstartxref\n{xref}\n%%EOF").as_bytes(),
    );
    assert!(pdftotext(&edited).contains("197.20"), "the viewer shows the update");
    let d = differs(check_pages(&doc, &edited).expect("check"));
    assert!(d.iter().any(|l| l.contains("bytes were added after the end of the issued file")), "{d:#?}");
    assert!(d.iter().any(|l| l.contains("printed “197.20”")), "{d:#?}");
}

#[test]
fn a_changed_font_is_named() {
    let doc = sample(3);
    let pdf = render_pdf(&doc).expect("render");
    let (mut objs, trailer) = objects(&pdf);
    let font = objs.iter().position(|(_, o)| find(o, b"/Subtype/CIDFontType0C").is_some()).expect("font program");
    let (head, data) = stream_data(&objs[font].1);
    let mut data = data;
    let mid = data.len() / 2;
    data[mid] ^= 0x55;
    let num = objs[font].0;
    let z = miniz_oxide::deflate::compress_to_vec_zlib(&data, 6);
    let mut o = head
        .replace(
            &format!("/Length {}", head.split("/Length ").nth(1).and_then(|r| r.split('/').next()).expect("length")),
            &format!("/Length {}", z.len()),
        )
        .into_bytes();
    o.extend_from_slice(&z);
    o.extend_from_slice(b"\nendstream\nendobj\n");
    objs[font] = (num, o);
    let d = differs(check_pages(&doc, &write(&objs, &trailer)).expect("check"));
    assert!(d.iter().any(|l| l.starts_with("the embedded font")), "{d:#?}");
    assert!(!d.iter().any(|l| l.starts_with("page ")), "the pages' drawing is the same: {d:#?}");
}

#[test]
fn garbage_is_refused_without_panicking() {
    let doc = sample(1);
    assert!(matches!(check_pages(&doc, b"not a pdf").expect("check"), PageCheck::Differs(_)));
    let pdf = render_pdf(&doc).expect("render");
    for cut in [20, pdf.len() / 3, pdf.len() - 7] {
        assert!(matches!(check_pages(&doc, &pdf[..cut]).expect("check"), PageCheck::Differs(_)));
    }
}
