//! C2SP tlog-checkpoint: the signed note body naming a log's origin, size and root.

use crate::error::TlogError;
use crate::hash::Hash;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Optional extra lines after the root, without their newlines.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: origin, size, base64 root, extension lines, each newline-terminated.
    pub fn to_text(&self) -> String {
        let mut s = format!("{}\n{}\n{}\n", self.origin, self.size, self.root.to_base64());
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Strict parse: the text must round-trip through [`Checkpoint::to_text`].
    pub fn parse(text: &str) -> Result<Checkpoint, TlogError> {
        let bad = |why: &str| TlogError::BadCheckpoint(why.to_string());
        let body = text.strip_suffix('\n').ok_or_else(|| bad("text must end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(bad("empty origin line"));
        }
        if origin.chars().any(|c| (c as u32) < 0x20) {
            return Err(bad("control character in origin"));
        }
        let size = lines.next().ok_or_else(|| bad("missing size line"))?;
        // Decimal, no sign, no leading zeros: one text per checkpoint.
        if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) || (size.len() > 1 && size.starts_with('0')) {
            return Err(bad(&format!("bad size {size:?}")));
        }
        let size: u64 = size.parse().map_err(|_| bad(&format!("size {size:?} does not fit 64 bits")))?;
        let root = lines.next().ok_or_else(|| bad("missing root hash line"))?;
        let root = Hash::from_base64(root).map_err(|e| bad(&format!("root hash: {e}")))?;
        let mut extensions = Vec::new();
        for e in lines {
            if e.is_empty() {
                return Err(bad("empty extension line"));
            }
            extensions.push(e.to_string());
        }
        Ok(Checkpoint { origin: origin.to_string(), size, root, extensions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn round_trip_and_rejects() {
        let c = Checkpoint { origin: "example.org/log".into(), size: 42, root: leaf_hash(b"x"), extensions: vec!["ext one".into()] };
        assert_eq!(Checkpoint::parse(&c.to_text()), Ok(c.clone()));
        let root = c.root.to_base64();
        for bad in [
            "o\n1\n".to_string(),
            format!("o\n01\n{root}\n"),
            format!("o\n+1\n{root}\n"),
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n1\n{root}\n\n"),
            "o\n1\nAAAA\n".to_string(),
            format!("o\n18446744073709551616\n{root}\n"),
        ] {
            assert!(Checkpoint::parse(&bad).is_err(), "{bad:?}");
        }
    }
}
