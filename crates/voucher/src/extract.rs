//! Reading `voucher.json` back out of a PDF: a small reader for the PDFs this crate writes
//! (classic cross-reference table, or no usable one: then the objects are found by scanning),
//! not a general PDF parser. It never panics on bad input and bounds the work it does.

use std::collections::HashMap;

use crate::{PAYLOAD_FILE_NAME, VoucherError};

/// Largest payload we inflate (a voucher is a few kilobytes).
const MAX_PAYLOAD: usize = 16 << 20;
/// Deepest nesting of arrays and dictionaries we parse.
const MAX_DEPTH: usize = 32;

/// Reads the embedded file `voucher.json` from a PDF made by [`crate::render_pdf`].
pub fn extract_payload(pdf: &[u8]) -> Result<Vec<u8>, VoucherError> {
    extract_file(pdf, PAYLOAD_FILE_NAME)
}

/// Reads the embedded file called `name` from a PDF this crate made.
pub fn extract_file(pdf: &[u8], name: &str) -> Result<Vec<u8>, VoucherError> {
    if !pdf.starts_with(b"%PDF-") {
        return Err(VoucherError::Malformed("not a PDF"));
    }
    let offsets = object_offsets(pdf);
    for &offset in offsets.values() {
        let Some(Obj::Dict(dict)) = parse_indirect(pdf, offset).map(|(obj, _)| obj) else {
            continue;
        };
        if !is_filespec_of(&dict, name) {
            continue;
        }
        let Some(Obj::Dict(ef)) = get(&dict, b"EF") else {
            continue;
        };
        let Some(&Obj::Ref(num)) = get(ef, b"F").or_else(|| get(ef, b"UF")) else {
            continue;
        };
        let stream_at = *offsets.get(&num).ok_or(VoucherError::Malformed("embedded file stream missing"))?;
        return read_stream(pdf, stream_at, &offsets);
    }
    Err(VoucherError::PayloadMissing)
}

fn is_filespec_of(dict: &[(Vec<u8>, Obj)], name: &str) -> bool {
    let named = |key: &[u8]| match get(dict, key) {
        Some(Obj::Str(s)) => text_string(s) == name,
        _ => false,
    };
    get(dict, b"EF").is_some() && (named(b"UF") || named(b"F"))
}

/// A PDF text string: UTF-16BE with a byte-order mark, else PDFDocEncoding (read as Latin-1,
/// which agrees with it on everything a file name here uses).
fn text_string(s: &[u8]) -> String {
    if let Some(rest) = s.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
        String::from_utf16_lossy(&units)
    } else {
        s.iter().map(|&b| char::from(b)).collect()
    }
}

/// Object number → byte offset of "N G obj": from the cross-reference table when it is
/// readable, completed by scanning the file for "N G obj" (later definitions win).
pub(crate) fn object_offsets(pdf: &[u8]) -> HashMap<u32, usize> {
    let mut map = scan_objects(pdf);
    if let Some(xref) = xref_table(pdf) {
        for (num, offset) in xref {
            if header_at(pdf, offset) == Some(num) {
                map.insert(num, offset);
            }
        }
    }
    map
}

fn scan_objects(pdf: &[u8]) -> HashMap<u32, usize> {
    let mut map = HashMap::new();
    let mut at = 0;
    while let Some(found) = find(&pdf[at..], b"obj") {
        let pos = at + found;
        at = pos + 3;
        // Walk back over "N G " to the object's start.
        let mut start = pos;
        let mut fields = 0;
        while fields < 2 {
            let end = start;
            while start > 0 && is_white(pdf[start - 1]) {
                start -= 1;
            }
            if start == end {
                break;
            }
            let digits_end = start;
            while start > 0 && pdf[start - 1].is_ascii_digit() {
                start -= 1;
            }
            if start == digits_end {
                break;
            }
            fields += 1;
        }
        if fields == 2
            && (start == 0 || is_white(pdf[start - 1]))
            && let Some(num) = header_at(pdf, start)
        {
            map.insert(num, start);
        }
    }
    map
}

/// The entries of the classic cross-reference table `startxref` points to.
fn xref_table(pdf: &[u8]) -> Option<Vec<(u32, usize)>> {
    let tail_start = pdf.len().saturating_sub(1024);
    let tail = &pdf[tail_start..];
    let sx = rfind(tail, b"startxref")?;
    let mut lx = Lexer::new(pdf, tail_start + sx + b"startxref".len());
    let offset = usize::try_from(lx.integer()?).ok()?;
    let mut lx = Lexer::new(pdf, offset);
    if lx.keyword()? != b"xref" {
        return None;
    }
    let mut out = Vec::new();
    // Subsections "first count" until the "trailer" keyword.
    while let Some(first) = lx.integer() {
        let count = lx.integer()?;
        if !(0..=10_000_000).contains(&count) || first < 0 {
            return None;
        }
        for i in 0..count {
            let off = lx.integer()?;
            let _generation = lx.integer()?;
            let kind = lx.keyword()?;
            if kind == b"n" {
                out.push((u32::try_from(first + i).ok()?, usize::try_from(off).ok()?));
            }
        }
    }
    Some(out)
}

/// The object number if an "N G obj" header starts at `offset`.
fn header_at(pdf: &[u8], offset: usize) -> Option<u32> {
    let mut lx = Lexer::new(pdf, offset);
    let num = u32::try_from(lx.integer()?).ok()?;
    lx.integer()?;
    (lx.keyword()? == b"obj").then_some(num)
}

/// Parses the indirect object at `offset`; returns it and the position after it.
pub(crate) fn parse_indirect(pdf: &[u8], offset: usize) -> Option<(Obj, usize)> {
    header_at(pdf, offset)?;
    let mut lx = Lexer::new(pdf, offset);
    lx.integer()?;
    lx.integer()?;
    lx.keyword()?;
    let obj = lx.object(0)?;
    Some((obj, lx.pos))
}

/// The decoded data of the stream object at `offset`.
pub(crate) fn read_stream(pdf: &[u8], offset: usize, offsets: &HashMap<u32, usize>) -> Result<Vec<u8>, VoucherError> {
    let bad = VoucherError::Malformed;
    let (obj, after) = parse_indirect(pdf, offset).ok_or(bad("embedded file object"))?;
    let Obj::Dict(dict) = obj else {
        return Err(bad("embedded file is not a stream"));
    };
    let mut lx = Lexer::new(pdf, after);
    lx.skip_white();
    if !pdf[lx.pos..].starts_with(b"stream") {
        return Err(bad("embedded file is not a stream"));
    }
    let mut start = lx.pos + b"stream".len();
    if pdf.get(start) == Some(&b'\r') {
        start += 1;
    }
    if pdf.get(start) == Some(&b'\n') {
        start += 1;
    }
    let length = match get(&dict, b"Length") {
        Some(&Obj::Int(n)) => Some(n),
        Some(&Obj::Ref(num)) => offsets.get(&num).and_then(|&at| parse_indirect(pdf, at)).and_then(|(obj, _)| match obj {
            Obj::Int(n) => Some(n),
            _ => None,
        }),
        _ => None,
    };
    let end = match length.and_then(|n| usize::try_from(n).ok()) {
        Some(n) if start.checked_add(n).is_some_and(|e| e <= pdf.len()) => start + n,
        _ => {
            // No usable /Length: up to "endstream".
            let found = find(&pdf[start..], b"endstream").ok_or(bad("unterminated stream"))?;
            let mut end = start + found;
            if end > start && pdf[end - 1] == b'\n' {
                end -= 1;
            }
            if end > start && pdf[end - 1] == b'\r' {
                end -= 1;
            }
            end
        }
    };
    let filters: Vec<&[u8]> = match get(&dict, b"Filter") {
        None => Vec::new(),
        Some(Obj::Name(n)) => vec![n.as_slice()],
        Some(Obj::Array(items)) => items
            .iter()
            .map(|o| match o {
                Obj::Name(n) => Ok(n.as_slice()),
                _ => Err(bad("stream filter")),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("stream filter")),
    };
    let mut data = pdf[start..end].to_vec();
    for filter in filters {
        data = match filter {
            b"FlateDecode" => miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&data, MAX_PAYLOAD)
                .map_err(|_| bad("embedded file does not inflate"))?,
            b"ASCIIHexDecode" => hex_decode(&data).ok_or(bad("embedded file hex"))?,
            _ => return Err(bad("unsupported stream filter")),
        };
    }
    Ok(data)
}

fn hex_decode(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 2);
    let mut high: Option<u8> = None;
    for &b in data {
        if b == b'>' {
            break;
        }
        if is_white(b) {
            continue;
        }
        let v = char::from(b).to_digit(16)? as u8;
        match high.take() {
            Some(h) => out.push(h << 4 | v),
            None => high = Some(v),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    Some(out)
}

#[derive(Debug)]
pub(crate) enum Obj {
    Null,
    Bool,
    Int(i64),
    Real,
    Name(Vec<u8>),
    Str(Vec<u8>),
    Array(Vec<Obj>),
    Dict(Vec<(Vec<u8>, Obj)>),
    Ref(u32),
}

pub(crate) fn get<'a>(dict: &'a [(Vec<u8>, Obj)], key: &[u8]) -> Option<&'a Obj> {
    dict.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn is_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

fn is_delim(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%')
}

pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(crate) fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

pub(crate) struct Lexer<'a> {
    data: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(data: &'a [u8], pos: usize) -> Self {
        Lexer { data, pos: pos.min(data.len()) }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    pub(crate) fn skip_white(&mut self) {
        while let Some(b) = self.peek() {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while let Some(b) = self.peek() {
                    if b == b'\n' || b == b'\r' {
                        break;
                    }
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// A run of regular characters (a keyword or a number).
    fn regular(&mut self) -> &'a [u8] {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if is_white(b) || is_delim(b) {
                break;
            }
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    pub(crate) fn keyword(&mut self) -> Option<&'a [u8]> {
        self.skip_white();
        let word = self.regular();
        (!word.is_empty()).then_some(word)
    }

    fn integer(&mut self) -> Option<i64> {
        self.skip_white();
        let word = self.regular();
        std::str::from_utf8(word).ok()?.parse().ok()
    }

    pub(crate) fn object(&mut self, depth: usize) -> Option<Obj> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_white();
        match self.peek()? {
            b'/' => {
                self.pos += 1;
                Some(Obj::Name(self.name()))
            }
            b'(' => self.literal_string().map(Obj::Str),
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut entries = Vec::new();
                loop {
                    self.skip_white();
                    match self.peek()? {
                        b'>' => {
                            if self.data.get(self.pos + 1) != Some(&b'>') {
                                return None;
                            }
                            self.pos += 2;
                            return Some(Obj::Dict(entries));
                        }
                        b'/' => {
                            self.pos += 1;
                            let key = self.name();
                            let value = self.object(depth + 1)?;
                            entries.push((key, value));
                        }
                        _ => return None,
                    }
                }
            }
            b'<' => {
                self.pos += 1;
                let start = self.pos;
                let end = start + find(&self.data[start..], b">")?;
                self.pos = end + 1;
                hex_decode(&self.data[start..end]).map(Obj::Str)
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_white();
                    if self.peek()? == b']' {
                        self.pos += 1;
                        return Some(Obj::Array(items));
                    }
                    items.push(self.object(depth + 1)?);
                }
            }
            _ => {
                let word = self.regular();
                match word {
                    b"" => None,
                    b"true" | b"false" => Some(Obj::Bool),
                    b"null" => Some(Obj::Null),
                    _ => {
                        let text = std::str::from_utf8(word).ok()?;
                        if let Ok(n) = text.parse::<i64>() {
                            // "N G R" is a reference.
                            let save = self.pos;
                            if let (Some(_), Some(b"R")) = (self.integer(), self.keyword()) {
                                return Some(Obj::Ref(u32::try_from(n).ok()?));
                            }
                            self.pos = save;
                            Some(Obj::Int(n))
                        } else if text.parse::<f64>().is_ok() {
                            Some(Obj::Real)
                        } else {
                            None
                        }
                    }
                }
            }
        }
    }

    /// A name after its '/', with #xx escapes decoded.
    fn name(&mut self) -> Vec<u8> {
        let raw = self.regular();
        let mut out = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'#'
                && let Some(v) =
                    raw.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(v);
                i += 3;
                continue;
            }
            out.push(raw[i]);
            i += 1;
        }
        out
    }

    fn literal_string(&mut self) -> Option<Vec<u8>> {
        self.pos += 1; // '('
        let mut out = Vec::new();
        let mut nesting = 0usize;
        loop {
            let b = self.peek()?;
            self.pos += 1;
            match b {
                b'(' => {
                    nesting += 1;
                    out.push(b);
                }
                b')' => {
                    if nesting == 0 {
                        return Some(out);
                    }
                    nesting -= 1;
                    out.push(b);
                }
                b'\\' => {
                    let e = self.peek()?;
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(0x08),
                        b'f' => out.push(0x0c),
                        b'\r' => {
                            if self.peek() == Some(b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.peek() {
                                    Some(d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        other => out.push(other),
                    }
                }
                _ => out.push(b),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_the_objects_krilla_writes() {
        let src = b"12 0 obj\n<<\n  /Type /Filespec\n  /F (voucher.json)\n  /UF <FEFF0076>\n  /EF << /F 9 0 R /UF 9 0 R >>\n  /Arr [1 2.5 /N#20x (a\\(b\\)) true null]\n>>\nendobj\n";
        let (obj, _) = parse_indirect(src, 0).expect("parses");
        let Obj::Dict(d) = obj else { panic!("dict") };
        assert!(matches!(get(&d, b"F"), Some(Obj::Str(s)) if s == b"voucher.json"));
        assert!(matches!(get(&d, b"UF"), Some(Obj::Str(s)) if text_string(s) == "v"));
        assert!(is_filespec_of(&d, PAYLOAD_FILE_NAME) && !is_filespec_of(&d, "complaint.json"));
        let Some(Obj::Dict(ef)) = get(&d, b"EF") else { panic!("ef") };
        assert!(matches!(get(ef, b"F"), Some(Obj::Ref(9))));
        let Some(Obj::Array(a)) = get(&d, b"Arr") else { panic!("arr") };
        assert!(matches!(&a[2], Obj::Name(n) if n == b"N x"));
        assert!(matches!(&a[3], Obj::Str(s) if s == b"a(b)"));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let mut src = b"1 0 obj\n".to_vec();
        src.extend(std::iter::repeat_n(b'[', 100_000));
        assert!(parse_indirect(&src, 0).is_none());
    }
}
