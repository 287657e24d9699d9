//! The bundled face: loading it once, and laying out a line of text with its advances.

use std::sync::OnceLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::raw::TableProvider;
use skrifa::{FontRef, MetadataProvider};

use crate::VoucherError;

/// Noto Sans SC Regular, subset to Latin-1, CJK punctuation, fullwidth forms and the GBK
/// hanzi; see `assets/fonts/README.md`.
static FONT_DATA: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Regular.otf");

/// The bundled face, parsed once for krilla (embedding) and once for skrifa (measuring).
pub(crate) struct Face {
    pub(crate) pdf: Font,
    skrifa: FontRef<'static>,
    units_per_em: f32,
}

static FACE: OnceLock<Option<Face>> = OnceLock::new();

impl Face {
    pub(crate) fn get() -> Result<&'static Face, VoucherError> {
        FACE.get_or_init(Face::load).as_ref().ok_or(VoucherError::Font)
    }

    fn load() -> Option<Face> {
        let skrifa = FontRef::from_index(FONT_DATA, 0).ok()?;
        let units_per_em = f32::from(skrifa.head().ok()?.units_per_em());
        let pdf = Font::new(krilla::Data::from(FONT_DATA), 0)?;
        Some(Face { pdf, skrifa, units_per_em })
    }

    /// One glyph per character (no shaping: CJK, digits and Latin need none here), with
    /// advances in ems. Control characters are skipped; characters the face lacks come out
    /// as its .notdef glyph (an empty box).
    pub(crate) fn layout(&self, text: &str) -> Vec<KrillaGlyph> {
        let charmap = self.skrifa.charmap();
        let metrics = self.skrifa.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.char_indices()
            .filter(|(_, ch)| !ch.is_control())
            .map(|(at, ch)| {
                let gid = charmap.map(ch).unwrap_or_default();
                let advance = metrics.advance_width(gid).unwrap_or(0.0) / self.units_per_em;
                KrillaGlyph::new(GlyphId::new(gid.to_u32()), advance, 0.0, 0.0, 0.0, at..at + ch.len_utf8(), None)
            })
            .collect()
    }

    /// Width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.skrifa.charmap();
        let metrics = self.skrifa.glyph_metrics(Size::unscaled(), LocationRef::default());
        text.chars()
            .filter(|ch| !ch.is_control())
            .map(|ch| {
                let gid = charmap.map(ch).unwrap_or_default();
                metrics.advance_width(gid).unwrap_or(0.0)
            })
            .sum::<f32>()
            / self.units_per_em
            * size
    }

    /// Breaks `text` into lines no wider than `max_width` at `size`: after a space or one
    /// of `/?&#-_,` when the line has one, else between any two characters (right for Chinese;
    /// a long word or URL part is split where it must be). Spaces at a break are dropped.
    pub(crate) fn wrap(&self, text: &str, size: f32, max_width: f32) -> Vec<String> {
        fn breaks_after(c: char) -> bool {
            c == ' ' || "/?&#-_,".contains(c) || !c.is_ascii()
        }
        let mut lines = Vec::new();
        let mut line = String::new();
        for ch in text.chars() {
            let mut candidate = line.clone();
            candidate.push(ch);
            if line.is_empty() || self.width(&candidate, size) <= max_width {
                line = candidate;
                continue;
            }
            let break_before_ch = ch == ' ' || !ch.is_ascii() || line.chars().next_back().is_some_and(breaks_after);
            let rest = if break_before_ch {
                String::new()
            } else {
                match line.char_indices().filter(|&(_, c)| breaks_after(c)).map(|(at, c)| at + c.len_utf8()).next_back() {
                    Some(at) => line.split_off(at),
                    None => String::new(),
                }
            };
            let done = std::mem::replace(&mut line, rest);
            lines.push(done.trim_end_matches(' ').to_string());
            if !(line.is_empty() && ch == ' ') {
                line.push(ch);
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// `size`, or smaller (down to `min`) so that `text` fits in `max_width`.
    pub(crate) fn fit(&self, text: &str, size: f32, min: f32, max_width: f32) -> f32 {
        let w = self.width(text, size);
        if w <= max_width || w <= 0.0 { size } else { (size * max_width / w).max(min) }
    }

    /// [`Face::fit`], and if `text` is too wide even at `min`, cut short with "…".
    pub(crate) fn fit_text(&self, text: &str, size: f32, min: f32, max_width: f32) -> (String, f32) {
        let size = self.fit(text, size, min, max_width);
        if self.width(text, size) <= max_width {
            return (text.to_string(), size);
        }
        let room = max_width - self.width("…", size);
        let mut cut = String::new();
        let mut used = 0.0;
        for ch in text.chars() {
            let w = self.width(ch.encode_utf8(&mut [0; 4]), size);
            if used + w > room {
                break;
            }
            used += w;
            cut.push(ch);
        }
        cut.push('…');
        (cut, size)
    }
}

#[cfg(test)]
mod tests {
    use super::Face;

    #[test]
    fn face_covers_the_labels_and_common_names() {
        let face = Face::get().expect("bundled font loads");
        for ch in "参保缴费凭证浙江省王小明已缴欠缴扫码可核验本凭证是否真实、是否被修改：（）¥0123456789abcXYZ*-·".chars()
        {
            let glyphs = face.layout(&ch.to_string());
            assert_ne!(glyphs[0].glyph_id.to_u32(), 0, "{ch} missing from the font");
        }
    }

    /// Every character the catalogue's `voucher` screen can print, in both languages.
    #[test]
    fn face_covers_every_label_of_the_catalogue() {
        let face = Face::get().expect("bundled font loads");
        let labels = flexpension_text::entries().into_iter().filter(|(k, _)| k.starts_with("voucher."));
        for (key, e) in labels {
            for ch in e.zh.chars().chain(e.en.chars()).filter(|c| !c.is_whitespace()) {
                let glyphs = face.layout(&ch.to_string());
                assert_ne!(glyphs[0].glyph_id.to_u32(), 0, "{ch} of {key} missing from the font");
            }
        }
    }

    #[test]
    fn fit_text_shrinks_then_cuts() {
        let face = Face::get().expect("bundled font loads");
        let (t, size) = face.fit_text("845.40", 10.0, 5.0, 200.0);
        assert_eq!((t.as_str(), size), ("845.40", 10.0));
        let (t, size) = face.fit_text("12345678901234567890", 10.0, 5.0, 60.0);
        assert!((5.0..10.0).contains(&size));
        assert!(face.width(&t, size) <= 60.0);
        let long = "3".repeat(300);
        let (t, size) = face.fit_text(&long, 10.0, 5.0, 60.0);
        assert_eq!(size, 5.0);
        assert!(t.ends_with('…') && face.width(&t, size) <= 60.0);
    }

    #[test]
    fn wrap_keeps_every_character() {
        let face = Face::get().expect("bundled font loads");
        let url = "https://verify.flexpension.example/v/ZJ-2026-000123-7F3A?sig=abcdefghijklmnopqrstuvwxyz0123456789";
        let lines = face.wrap(url, 7.0, 120.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), url);
        assert!(lines.iter().all(|l| face.width(l, 7.0) <= 120.0));
        assert!(lines[0].ends_with('/') || lines[0].ends_with('-'), "{lines:?}");

        let note = "Scan to check this voucher is genuine and unchanged";
        let lines = face.wrap(note, 10.0, 150.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), note);

        let zh = "签发：浙江省社会保险事业管理中心 · 密钥 zj.flexpension+1a2b3c4d";
        let lines = face.wrap(zh, 10.0, 100.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| face.width(l, 10.0) <= 100.0));
        assert_eq!(lines.concat().replace(' ', ""), zh.replace(' ', ""));
    }
}
