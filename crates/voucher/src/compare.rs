//! Is a PDF exactly the voucher its signed data draws? Rendering is deterministic (same
//! [`VoucherDoc`], same bytes, under one [`crate::LAYOUT`]), so the answer is a comparison of
//! bytes with a fresh rendering. When they differ, a best-effort reading of both files names what
//! differs: which text of which page (as signed and as printed), the lines and QR code, the font,
//! other parts, or bytes added after the end of the file. The verdict never depends on that
//! reading: only identical bytes pass.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::extract::{Lexer, Obj, find, get, object_offsets, parse_indirect, read_stream, rfind};
use crate::render::{Drawn, render_traced};
use crate::{VoucherDoc, VoucherError};

/// How a PDF compares with the voucher its data draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageCheck {
    /// Byte for byte the PDF the data draws.
    Same { pages: usize },
    /// Not the same; what differs, one item each (never empty).
    Differs(Vec<String>),
}

/// Compares `pdf` with what `doc` draws (with `doc.payload` attached: give it the payload read
/// out of `pdf`, so that only the pages and the rest of the file are compared).
pub fn check_pages(doc: &VoucherDoc, pdf: &[u8]) -> Result<PageCheck, VoucherError> {
    let (expected, drawn) = render_traced(doc)?;
    Ok(compare(&expected, &drawn, pdf, "voucher"))
}

/// Compares `actual` with the `expected` drawing (whose runs of text are `drawn`); `noun` names
/// the document in what is said about a difference ("the signed voucher has 2 pages").
pub(crate) fn compare(expected: &[u8], drawn: &[Drawn], actual: &[u8], noun: &str) -> PageCheck {
    if expected == actual {
        let pages = drawn.iter().map(|d| d.page + 1).max().unwrap_or(1);
        return PageCheck::Same { pages };
    }
    let mut found = differences(expected, drawn, actual, noun);
    if found.is_empty() {
        found.push("the file is not the one its signed data draws (the difference could not be located)".to_string());
    }
    PageCheck::Differs(found)
}

type Dict = Vec<(Vec<u8>, Obj)>;

fn differences(expected: &[u8], drawn: &[Drawn], actual: &[u8], noun: &str) -> Vec<String> {
    if !actual.starts_with(b"%PDF-") {
        return vec!["it is not a PDF".to_string()];
    }
    let mut out = Vec::new();
    if actual.len() > expected.len() && actual.starts_with(expected) {
        out.push(format!(
            "{} bytes were added after the end of the issued file (an edit saved as an update, which viewers show)",
            actual.len() - expected.len()
        ));
    }
    let (e, a) = (Parsed::new(expected), Parsed::new(actual));
    let (e_pages, a_pages) = (e.pages(), a.pages());
    if e_pages.len() != a_pages.len() {
        out.push(format!("it has {} pages; the signed {noun} has {}", a_pages.len(), e_pages.len()));
    }
    // Printed text is read with the file's own character map, else with the signed one.
    let signed_map = e.to_unicode();
    let printed_map = Some(a.to_unicode()).filter(|m| !m.is_empty()).unwrap_or_else(|| signed_map.clone());
    for (i, (&ep, &ap)) in e_pages.iter().zip(&a_pages).enumerate() {
        let page = i + 1;
        let (Some(ec), Some(ac)) = (e.contents(ep), a.contents(ap)) else {
            out.push(format!("page {page}: its drawing cannot be read"));
            continue;
        };
        if ec == ac {
            continue;
        }
        let ((e_runs, e_rest), (a_runs, a_rest)) = (split(&ec), split(&ac));
        let names: Vec<&Drawn> = drawn.iter().filter(|d| d.page == i).collect();
        for (k, (x, y)) in e_runs.iter().zip(&a_runs).enumerate() {
            if x.raw == y.raw {
                continue;
            }
            let what = names.get(k).map_or("a text", |d| d.what.as_str());
            let signed = names.get(k).map_or_else(|| text_of(&x.codes, &signed_map), |d| d.text.clone());
            if x.codes == y.codes {
                out.push(format!("page {page}, {what}: “{signed}” is moved or restyled"));
            } else {
                out.push(format!("page {page}, {what}: signed “{signed}”, printed “{}”", text_of(&y.codes, &printed_map)));
            }
        }
        if e_runs.len() != a_runs.len() {
            out.push(format!("page {page}: {} texts are drawn where the signed {noun} draws {}", a_runs.len(), e_runs.len()));
        }
        if e_rest != a_rest {
            out.push(format!("page {page}: the lines, shading or QR code differ from the signed {noun}'s"));
        }
    }
    // Everything else, object by object: the font, the page dictionaries, the catalogue.
    let contents: HashSet<u32> =
        e_pages.iter().flat_map(|&p| e.content_refs(p)).chain(a_pages.iter().flat_map(|&p| a.content_refs(p))).collect();
    let mut nums: Vec<u32> = e.at.keys().copied().collect();
    nums.sort_unstable();
    let mut parts = BTreeSet::new();
    for n in nums.into_iter().filter(|n| !contents.contains(n)) {
        if e.raw(n) != a.raw(n) {
            parts.insert(part(e.dict(n).as_deref()));
        }
    }
    let added = a.at.keys().filter(|n| !e.at.contains_key(n)).count();
    if added > 0 {
        out.push(format!("{added} objects were added to the file"));
    }
    out.extend(parts.into_iter().map(|p| format!("{p} differs from the signed {noun}'s")));
    out
}

/// What an object is, for a person.
fn part(d: Option<&[(Vec<u8>, Obj)]>) -> &'static str {
    let Some(d) = d else { return "a part of the file" };
    let name = |key: &[u8]| match get(d, key) {
        Some(Obj::Name(n)) => n.clone(),
        _ => Vec::new(),
    };
    match (name(b"Type").as_slice(), name(b"Subtype").as_slice()) {
        (b"Font" | b"FontDescriptor" | b"CMap", _) | (_, b"CIDFontType0C" | b"Type1C" | b"OpenType" | b"CIDFontType2") => {
            "the embedded font (its glyphs, widths or character map)"
        }
        (b"Page", _) => "a page's dictionary (its resources or annotations)",
        (b"Pages", _) => "the list of pages",
        (b"Catalog", _) => "the document catalogue (its actions, forms or pages)",
        (b"EmbeddedFile" | b"Filespec", _) => "the attached data",
        (b"Metadata", _) => "the document's metadata",
        _ => "a part of the file",
    }
}

fn text_of(codes: &[u16], map: &HashMap<u16, char>) -> String {
    codes.iter().map(|c| map.get(c).copied().unwrap_or('?')).collect()
}

/// One text object (BT … ET) of a content stream: its bytes and the glyph codes it shows.
struct Run {
    raw: Vec<u8>,
    codes: Vec<u16>,
}

/// A content stream's text objects, and the rest of it (lines, fills, the QR code) as tokens.
fn split(content: &[u8]) -> (Vec<Run>, Vec<u8>) {
    let mut lx = Lexer::new(content, 0);
    let (mut runs, mut rest) = (Vec::new(), Vec::new());
    let mut operands: Vec<Obj> = Vec::new();
    let mut run: Option<(usize, Vec<u16>)> = None;
    loop {
        lx.skip_white();
        let start = lx.pos;
        let Some(b) = lx.peek() else { break };
        let in_text = run.is_some();
        if matches!(b, b'/' | b'(' | b'<' | b'[' | b'+' | b'-' | b'.' | b'0'..=b'9') {
            match lx.object(0) {
                Some(o) => operands.push(o),
                None => {
                    // Unreadable from here on: keep the rest as it is.
                    rest.extend_from_slice(&content[start..]);
                    break;
                }
            }
        } else {
            let Some(op) = lx.keyword() else {
                lx.pos += 1; // a stray delimiter
                continue;
            };
            match op {
                b"BT" => run = Some((start, Vec::new())),
                b"ET" => {
                    if let Some((s, codes)) = run.take() {
                        runs.push(Run { raw: content[s..lx.pos].to_vec(), codes });
                    }
                }
                b"TJ" | b"Tj" | b"'" | b"\"" => {
                    if let Some((_, codes)) = run.as_mut() {
                        operands.iter().for_each(|o| shown(o, codes));
                    }
                }
                _ => {}
            }
            operands.clear();
        }
        if !in_text && run.is_none() {
            rest.extend_from_slice(&content[start..lx.pos]);
            rest.push(b' ');
        }
    }
    (runs, rest)
}

/// The two-byte codes (Identity-H) a text operand shows.
fn shown(o: &Obj, codes: &mut Vec<u16>) {
    match o {
        Obj::Str(s) => codes.extend(s.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]]))),
        Obj::Array(items) => items.iter().for_each(|i| shown(i, codes)),
        _ => {}
    }
}

/// A PDF read with the small reader of `extract`.
struct Parsed<'a> {
    pdf: &'a [u8],
    at: HashMap<u32, usize>,
}

impl<'a> Parsed<'a> {
    fn new(pdf: &'a [u8]) -> Parsed<'a> {
        Parsed { pdf, at: object_offsets(pdf) }
    }

    fn dict(&self, n: u32) -> Option<Dict> {
        match parse_indirect(self.pdf, *self.at.get(&n)?)?.0 {
            Obj::Dict(d) => Some(d),
            _ => None,
        }
    }

    fn stream(&self, n: u32) -> Option<Vec<u8>> {
        read_stream(self.pdf, *self.at.get(&n)?, &self.at).ok()
    }

    /// The object's bytes, from its header to its `endobj`.
    fn raw(&self, n: u32) -> Option<&'a [u8]> {
        let start = *self.at.get(&n)?;
        let len = find(&self.pdf[start..], b"endobj")?;
        Some(&self.pdf[start..start + len])
    }

    /// The catalogue: the last trailer's Root, else the highest-numbered catalogue.
    fn root(&self) -> Option<u32> {
        if let Some(t) = rfind(self.pdf, b"trailer")
            && let Some(Obj::Dict(d)) = Lexer::new(self.pdf, t + b"trailer".len()).object(0)
            && let Some(&Obj::Ref(r)) = get(&d, b"Root")
        {
            return Some(r);
        }
        let mut nums: Vec<u32> = self.at.keys().copied().collect();
        nums.sort_unstable();
        nums.into_iter().rev().find(|&n| self.dict(n).is_some_and(|d| matches!(get(&d, b"Type"), Some(Obj::Name(t)) if t == b"Catalog")))
    }

    /// The pages in order.
    fn pages(&self) -> Vec<u32> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        if let Some(root) = self.root().and_then(|r| self.dict(r))
            && let Some(&Obj::Ref(p)) = get(&root, b"Pages")
        {
            self.walk(p, 0, &mut seen, &mut out);
        }
        out
    }

    fn walk(&self, n: u32, depth: usize, seen: &mut HashSet<u32>, out: &mut Vec<u32>) {
        if depth > 32 || !seen.insert(n) {
            return;
        }
        let Some(d) = self.dict(n) else { return };
        match get(&d, b"Kids") {
            Some(Obj::Array(kids)) => {
                for k in kids {
                    if let Obj::Ref(k) = k {
                        self.walk(*k, depth + 1, seen, out);
                    }
                }
            }
            _ => out.push(n),
        }
    }

    fn content_refs(&self, page: u32) -> Vec<u32> {
        match self.dict(page).as_deref().and_then(|d| get(d, b"Contents")) {
            Some(&Obj::Ref(r)) => vec![r],
            Some(Obj::Array(items)) => items.iter().filter_map(|o| if let Obj::Ref(r) = o { Some(*r) } else { None }).collect(),
            _ => Vec::new(),
        }
    }

    /// A page's content streams, decoded and joined.
    fn contents(&self, page: u32) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for r in self.content_refs(page) {
            out.extend(self.stream(r)?);
            out.push(b'\n');
        }
        Some(out)
    }

    /// The character map of the first composite font: code → character.
    fn to_unicode(&self) -> HashMap<u16, char> {
        let mut nums: Vec<u32> = self.at.keys().copied().collect();
        nums.sort_unstable();
        for n in nums {
            let Some(d) = self.dict(n) else { continue };
            if matches!(get(&d, b"Subtype"), Some(Obj::Name(s)) if s == b"Type0")
                && let Some(&Obj::Ref(cmap)) = get(&d, b"ToUnicode")
                && let Some(data) = self.stream(cmap)
            {
                return parse_cmap(&data);
            }
        }
        HashMap::new()
    }
}

/// The `bfchar` and `bfrange` entries of a ToUnicode CMap.
fn parse_cmap(data: &[u8]) -> HashMap<u16, char> {
    fn code(o: &Obj) -> Option<u16> {
        match o {
            Obj::Str(s) if s.len() == 2 => Some(u16::from_be_bytes([s[0], s[1]])),
            _ => None,
        }
    }
    fn first_char(o: &Obj) -> Option<char> {
        let Obj::Str(s) = o else { return None };
        let units: Vec<u16> = s.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        char::decode_utf16(units).next()?.ok()
    }
    let mut map = HashMap::new();
    let mut lx = Lexer::new(data, 0);
    let mut section: Option<(&'static [u8], usize)> = None;
    let mut items: Vec<Obj> = Vec::new();
    loop {
        lx.skip_white();
        let Some(b) = lx.peek() else { break };
        if matches!(b, b'<' | b'[' | b'(' | b'/') {
            match lx.object(0) {
                Some(o) if section.is_some() => items.push(o),
                Some(_) => {}
                None => break,
            }
            if let Some((kind, width)) = section
                && items.len() == width
            {
                if kind == b"bfchar"
                    && let (Some(c), Some(ch)) = (code(&items[0]), first_char(&items[1]))
                {
                    map.insert(c, ch);
                }
                if kind == b"bfrange"
                    && let (Some(lo), Some(hi), Some(ch)) = (code(&items[0]), code(&items[1]), first_char(&items[2]))
                {
                    for (cp, c) in (u32::from(ch)..).zip(lo..=hi) {
                        if let Some(ch) = char::from_u32(cp) {
                            map.insert(c, ch);
                        }
                    }
                }
                items.clear();
            }
            continue;
        }
        let Some(word) = lx.keyword() else {
            lx.pos += 1;
            continue;
        };
        section = match word {
            b"beginbfchar" => Some((&b"bfchar"[..], 2)),
            b"beginbfrange" => Some((&b"bfrange"[..], 3)),
            b"endbfchar" | b"endbfrange" => None,
            _ => section,
        };
        items.clear();
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_objects_and_the_rest_are_told_apart() {
        let content = b"q 1 0 0 -1 0 841.89 cm 0 g\nBT 0 Tr/f0 10 Tf 1 0 0 -1 57 257.5 Tm[(\\000\\036\\000\\032)]TJ\nET\nQ\nq 0 G 0.8 w 51 245 m 544.276 245 l\nS\nQ\nBT /f0 9 Tf <00010002> Tj ET";
        let (runs, rest) = split(content);
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].codes, [0x1e, 0x1a]);
        assert_eq!(runs[1].codes, [1, 2]);
        let rest = String::from_utf8(rest).expect("ascii");
        assert!(rest.contains("544.276") && rest.contains("cm") && !rest.contains("Tf"), "{rest}");
    }

    #[test]
    fn cmap_entries_are_read() {
        let cmap =
            b"begincmap 2 beginbfchar\n<0001> <53C2>\n<0002> <0039>\nendbfchar\n1 beginbfrange\n<0010> <0012> <0030>\nendbfrange endcmap";
        let map = parse_cmap(cmap);
        assert_eq!(map.get(&1), Some(&'参'));
        assert_eq!(map.get(&2), Some(&'9'));
        assert_eq!(text_of(&[0x10, 0x11, 0x12, 0x13], &map), "012?");
    }
}
