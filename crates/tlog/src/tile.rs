//! C2SP tlog-tiles: the stored hashes cut into tiles of height 8 (256 hashes wide), with
//! their paths, entry bundles, and a HashReader that authenticates fetched tiles against a
//! trusted root. The design follows Go's golang.org/x/mod/sumdb/tlog tile.go (BSD); paths
//! are C2SP's (`tile/<L>/<N>[.p/<W>]`, no height element).

use std::collections::HashMap;

use crate::error::TlogError;
use crate::hash::{Hash, node_hash};
use crate::tree::{HashReader, split_stored_hash_index, stored_hash_index};

/// The tile height C2SP fixes.
pub const TILE_HEIGHT: u8 = 8;
const HASH_SIZE: usize = 32;

/// A tile: height h, level l (in tiles, so it holds tree levels l*h .. l*h+h-1), index n
/// among the level's tiles, and width w (number of level-l*h hashes it holds, 1..=2^h).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Tile {
    pub h: u8,
    pub l: u8,
    pub n: u64,
    pub w: u32,
}

/// C2SP path element for an index: groups of three digits, all but the last "x"-prefixed.
fn encode_index(n: u64) -> String {
    let mut groups = Vec::new();
    let mut n = n;
    loop {
        groups.push(n % 1000);
        n /= 1000;
        if n == 0 {
            break;
        }
    }
    let mut s = String::new();
    for (i, g) in groups.iter().rev().enumerate() {
        if i + 1 < groups.len() {
            s.push_str(&format!("x{g:03}/"));
        } else {
            s.push_str(&format!("{g:03}"));
        }
    }
    s
}

fn bad_path(p: &str, why: &str) -> TlogError {
    TlogError::BadTilePath { path: p.to_string(), why: why.to_string() }
}

/// Parses `<N>[.p/<W>]` from its path elements; returns (n, width or None for full).
fn decode_index_and_width(p: &str, elems: &[&str]) -> Result<(u64, Option<u32>), TlogError> {
    let mut elems = elems.to_vec();
    let mut width = None;
    if elems.len() >= 2 {
        let last = elems[elems.len() - 1];
        let before = elems[elems.len() - 2];
        if let Some(num) = before.strip_suffix(".p") {
            let w = parse_decimal(last).ok_or_else(|| bad_path(p, "bad partial width"))?;
            if w == 0 || w >= 256 {
                return Err(bad_path(p, "partial width must be 1..255"));
            }
            width = Some(w as u32);
            let n = elems.len();
            elems.truncate(n - 1);
            let k = elems.len() - 1;
            elems[k] = num;
        }
    }
    if elems.is_empty() {
        return Err(bad_path(p, "missing index"));
    }
    let mut n: u64 = 0;
    for (i, e) in elems.iter().enumerate() {
        let digits = if i + 1 < elems.len() {
            e.strip_prefix('x').ok_or_else(|| bad_path(p, "index groups before the last need an 'x' prefix"))?
        } else {
            e
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad_path(p, "index groups must be three digits"));
        }
        let g: u64 = digits.parse().map_err(|_| bad_path(p, "bad index digits"))?;
        n = n.checked_mul(1000).and_then(|n| n.checked_add(g)).ok_or_else(|| bad_path(p, "index overflows"))?;
    }
    // A leading "x000/" group would give a second path for the same tile.
    if elems.len() > 1 && elems[0] == "x000" {
        return Err(bad_path(p, "leading zero group"));
    }
    Ok((n, width))
}

/// Decimal without sign or leading zeros.
fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

fn with_width(mut s: String, width: u32, full: u32) -> String {
    if width != full {
        s.push_str(&format!(".p/{width}"));
    }
    s
}

impl Tile {
    fn full_width(&self) -> u32 {
        1u32 << self.h
    }

    /// `tile/<L>/<N>[.p/<W>]`. C2SP paths carry no height: only height 8 is meaningful.
    pub fn path(&self) -> String {
        with_width(format!("tile/{}/{}", self.l, encode_index(self.n)), self.w, self.full_width())
    }

    /// Parses a C2SP hash-tile path (height 8). Entry-bundle paths are parsed by
    /// [`parse_entry_bundle_path`].
    pub fn parse_path(p: &str) -> Result<Tile, TlogError> {
        let elems: Vec<&str> = p.split('/').collect();
        if elems.len() < 3 || elems[0] != "tile" {
            return Err(bad_path(p, "want tile/<L>/<N>[.p/<W>]"));
        }
        if elems[1] == "entries" {
            return Err(bad_path(p, "an entry bundle, not a hash tile"));
        }
        let l = parse_decimal(elems[1]).filter(|&l| l < 64).ok_or_else(|| bad_path(p, "bad level"))? as u8;
        let (n, w) = decode_index_and_width(p, &elems[2..])?;
        Ok(Tile { h: TILE_HEIGHT, l, n, w: w.unwrap_or(1 << TILE_HEIGHT) })
    }

    /// Checks h, l and w are in range.
    fn check(&self) -> Result<(), TlogError> {
        if self.h < 1 || self.h > 30 || (self.l as u32) * (self.h as u32) >= 64 {
            return Err(TlogError::InvalidTile(format!("{self:?}")));
        }
        if self.w < 1 || self.w > self.full_width() {
            return Err(TlogError::InvalidTile(self.path()));
        }
        // The tile's last leaf must fit a log of at most 2^62 records.
        let span = self.h as u32 * (self.l as u32 + 1);
        if span > 62 || (self.n as u128 + 1) << span > 1u128 << 62 {
            return Err(TlogError::InvalidTile(self.path()));
        }
        Ok(())
    }
}

/// `tile/entries/<N>[.p/<W>]` for the bundle holding entries 256N .. 256N+W-1.
pub fn entry_bundle_path(n: u64, width: u32) -> String {
    with_width(format!("tile/entries/{}", encode_index(n)), width, 1 << TILE_HEIGHT)
}

/// Parses an entry-bundle path into (n, width).
pub fn parse_entry_bundle_path(p: &str) -> Result<(u64, u32), TlogError> {
    let elems: Vec<&str> = p.split('/').collect();
    if elems.len() < 3 || elems[0] != "tile" || elems[1] != "entries" {
        return Err(bad_path(p, "want tile/entries/<N>[.p/<W>]"));
    }
    let (n, w) = decode_index_and_width(p, &elems[2..])?;
    Ok((n, w.unwrap_or(1 << TILE_HEIGHT)))
}

/// The tiles that become available or grow when the tree goes from old_size to new_size.
pub fn new_tiles(h: u8, old_size: u64, new_size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    if h == 0 || h > 30 {
        return tiles;
    }
    let hh = h as u32;
    let mut level = 0u32;
    while level * hh < 64 && (new_size >> (hh * level)) > 0 {
        let old_n = old_size >> (hh * level);
        let new_n = new_size >> (hh * level);
        if old_n != new_n {
            for n in (old_n >> hh)..(new_n >> hh) {
                tiles.push(Tile { h, l: level as u8, n, w: 1 << hh });
            }
            let n = new_n >> hh;
            let w = new_n - (n << hh);
            if w > 0 {
                tiles.push(Tile { h, l: level as u8, n, w: w as u32 });
            }
        }
        level += 1;
    }
    tiles
}

/// The tile (and byte range within it) holding a stored hash index; least width.
fn tile_for_index_range(h: u8, index: u64) -> (Tile, usize, usize) {
    let (mut level, mut n) = split_stored_hash_index(index);
    let hh = h as u32;
    let l = level / hh;
    level -= l * hh; // level within the tile
    let tn = (n << level) >> hh;
    n -= (tn << hh) >> level; // n within the tile at that level
    // Wrapping: only indexes past any real log can overflow, and hash_from_tile then
    // finds the tile mismatched.
    let w = (n.wrapping_add(1) << level) as u32;
    let start = ((n << level) as usize).wrapping_mul(HASH_SIZE);
    let end = ((n.wrapping_add(1) << level) as usize).wrapping_mul(HASH_SIZE);
    (Tile { h, l: l as u8, n: tn, w }, start, end)
}

/// The tile of height h and least width that stores the given hash index.
pub fn tile_for_index(h: u8, index: u64) -> Tile {
    tile_for_index_range(h, index).0
}

/// Hash of a run of a tile's hashes (a power-of-two count): the subtree they span.
fn tile_hash(data: &[u8]) -> Hash {
    let mut hs: Vec<Hash> = data
        .chunks_exact(HASH_SIZE)
        .map(|c| {
            let mut a = [0u8; 32];
            a.copy_from_slice(c);
            Hash(a)
        })
        .collect();
    let mut n = hs.len();
    while n > 1 {
        n /= 2;
        for i in 0..n {
            hs[i] = node_hash(&hs[2 * i], &hs[2 * i + 1]);
        }
    }
    hs.first().copied().unwrap_or_default()
}

/// The stored hash with the given index, computed from tile data.
pub fn hash_from_tile(t: &Tile, data: &[u8], index: u64) -> Result<Hash, TlogError> {
    t.check()?;
    let want = t.w as usize * HASH_SIZE;
    if data.len() < want {
        return Err(TlogError::TileDataLength { path: t.path(), got: data.len(), want });
    }
    let (t1, start, end) = tile_for_index_range(t.h, index);
    if t.l != t1.l || t.n != t1.n || t.w < t1.w {
        return Err(TlogError::IndexNotInTile { index, actual: t1.path(), given: t.path() });
    }
    let part = data.get(start..end).filter(|p| !p.is_empty()).ok_or_else(|| TlogError::IndexNotInTile {
        index,
        actual: t1.path(),
        given: t.path(),
    })?;
    Ok(tile_hash(part))
}

/// A tile's data (its hashes concatenated) read from stored hashes.
pub fn read_tile_data(t: &Tile, r: &dyn HashReader) -> Result<Vec<u8>, TlogError> {
    t.check()?;
    let start = t.n << t.h;
    let level = t.h as u32 * t.l as u32;
    let indexes: Vec<u64> = (0..t.w as u64).map(|i| stored_hash_index(level, start + i)).collect();
    let hashes = r.read_hashes(&indexes)?;
    if hashes.len() != indexes.len() {
        return Err(TlogError::ReaderCount { got: hashes.len(), want: indexes.len() });
    }
    let mut out = Vec::with_capacity(hashes.len() * HASH_SIZE);
    for h in hashes {
        out.extend_from_slice(&h.0);
    }
    Ok(out)
}

/// Concatenation of 2-byte big-endian length-prefixed entries.
/// Panics on an entry over 65535 bytes; use [`try_encode_entry_bundle`] for untrusted input.
pub fn encode_entry_bundle(entries: &[&[u8]]) -> Vec<u8> {
    match try_encode_entry_bundle(entries) {
        Ok(v) => v,
        Err(e) => panic!("{e}"),
    }
}

/// As [`encode_entry_bundle`], with an error for an over-long entry.
pub fn try_encode_entry_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, TlogError> {
    let total: usize = entries.iter().map(|e| e.len() + 2).sum();
    let mut out = Vec::with_capacity(total);
    for e in entries {
        let len = u16::try_from(e.len()).map_err(|_| TlogError::EntryTooLong(e.len()))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    Ok(out)
}

pub fn decode_entry_bundle(data: &[u8]) -> Result<Vec<Vec<u8>>, TlogError> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.len() < 2 {
            return Err(TlogError::BadEntryBundle(format!("truncated length prefix of entry {}", out.len())));
        }
        let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
        rest = &rest[2..];
        if rest.len() < len {
            return Err(TlogError::BadEntryBundle(format!("entry {} claims {len} bytes, {} left", out.len(), rest.len())));
        }
        out.push(rest[..len].to_vec());
        rest = &rest[len..];
    }
    if out.len() > 1 << TILE_HEIGHT {
        return Err(TlogError::BadEntryBundle(format!("{} entries, at most 256", out.len())));
    }
    Ok(out)
}

/// t's k'th parent tile in a tree of size `size`; None if there is no such tile.
fn tile_parent(t: Tile, k: u32, size: u64) -> Option<Tile> {
    let hh = t.h as u32;
    let l = t.l as u32 + k;
    if l * hh >= 64 {
        return None;
    }
    let n = t.n >> (k * hh);
    let mut w = 1u64 << hh;
    let max = size >> (l * hh);
    if (n << hh) + w >= max {
        if (n << hh) >= max {
            return None;
        }
        w = max - (n << hh);
    }
    Some(Tile { h: t.h, l: l as u8, n, w: w as u32 })
}

/// A HashReader that reads through tiles fetched by a closure, authenticating every tile
/// against the trusted (size, root) before handing out any hash (Go's TileHashReader).
pub struct TileHashReader<F: Fn(&[Tile]) -> Result<Vec<Vec<u8>>, TlogError>> {
    tree_size: u64,
    tree_root: Hash,
    h: u8,
    fetch: F,
}

impl<F: Fn(&[Tile]) -> Result<Vec<Vec<u8>>, TlogError>> TileHashReader<F> {
    pub fn new(tree_size: u64, tree_root: Hash, h: u8, fetch: F) -> Self {
        TileHashReader { tree_size, tree_root, h, fetch }
    }
}

impl<F: Fn(&[Tile]) -> Result<Vec<Vec<u8>>, TlogError>> HashReader for TileHashReader<F> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, TlogError> {
        let h = self.h;
        let size = self.tree_size;
        if h == 0 || h > 30 {
            return Err(TlogError::InvalidTile(format!("height {h}")));
        }
        let limit = stored_hash_index(0, size);
        if let Some(&bad) = indexes.iter().find(|&&x| x >= limit) {
            return Err(TlogError::HashNotInTree { index: bad, size });
        }
        if indexes.is_empty() {
            return Ok(Vec::new());
        }

        let mut order: HashMap<Tile, usize> = HashMap::new();
        let mut tiles: Vec<Tile> = Vec::new();

        // Tiles for the root's complete subtrees: when they reproduce the root they are
        // authentic, and so are their descendants checked below against them.
        let mut stx = Vec::new();
        let mut lo = 0u64;
        while lo < size {
            let k = 1u64 << (63 - (size - lo).leading_zeros());
            let level = k.trailing_zeros();
            stx.push(stored_hash_index(level, lo >> level));
            lo += k;
        }
        let mut stx_order = Vec::with_capacity(stx.len());
        for &x in &stx {
            let t = tile_parent(tile_for_index(h, x), 0, size).ok_or(TlogError::HashNotInTree { index: x, size })?;
            let j = *order.entry(t).or_insert_with(|| {
                tiles.push(t);
                tiles.len() - 1
            });
            stx_order.push(j);
        }

        // Tiles holding the wanted hashes, with any parents needed to authenticate them,
        // parents listed before children.
        let mut index_order = Vec::with_capacity(indexes.len());
        for &x in indexes {
            let t = tile_for_index(h, x);
            let mut k = 0u32;
            loop {
                let p = tile_parent(t, k, size).ok_or(TlogError::HashNotInTree { index: x, size })?;
                if order.contains_key(&p) {
                    break;
                }
                k += 1;
            }
            for kk in (0..k).rev() {
                let p = tile_parent(t, kk, size).ok_or(TlogError::HashNotInTree { index: x, size })?;
                // Only full tiles have parents, so a tile below one must be full.
                if p.w != 1 << h {
                    return Err(TlogError::InvalidTile(p.path()));
                }
                order.insert(p, tiles.len());
                tiles.push(p);
            }
            let own = tile_parent(t, 0, size).ok_or(TlogError::HashNotInTree { index: x, size })?;
            index_order.push(order[&own]);
        }

        let data = (self.fetch)(&tiles)?;
        if data.len() != tiles.len() {
            return Err(TlogError::TileFetchCount { got: data.len(), want: tiles.len() });
        }
        for (t, d) in tiles.iter().zip(&data) {
            let want = t.w as usize * HASH_SIZE;
            if d.len() != want {
                return Err(TlogError::TileDataLength { path: t.path(), got: d.len(), want });
            }
        }

        // Authenticate the root tiles.
        let last = stx.len() - 1;
        let mut th = hash_from_tile(&tiles[stx_order[last]], &data[stx_order[last]], stx[last])?;
        for i in (0..last).rev() {
            let hi = hash_from_tile(&tiles[stx_order[i]], &data[stx_order[i]], stx[i])?;
            th = node_hash(&hi, &th);
        }
        if th != self.tree_root {
            // One of these is wrong; the root alone cannot say which.
            let mut names: Vec<String> = Vec::new();
            for &j in &stx_order {
                let p = tiles[j].path();
                if !names.contains(&p) {
                    names.push(p);
                }
            }
            return Err(TlogError::TileRootMismatch(names.join(" or ")));
        }

        // Authenticate the other tiles against their (already authenticated) parents.
        for i in 0..tiles.len() {
            if stx_order.contains(&i) {
                continue;
            }
            let t = tiles[i];
            let p = tile_parent(t, 1, size).ok_or_else(|| TlogError::InvalidTile(t.path()))?;
            let j = *order.get(&p).ok_or_else(|| TlogError::InvalidTile(t.path()))?;
            let want = hash_from_tile(&p, &data[j], stored_hash_index(p.l as u32 * p.h as u32, t.n))?;
            if want != tile_hash(&data[i]) {
                return Err(TlogError::TileParentMismatch { tile: t.path(), parent: p.path() });
            }
        }

        indexes.iter().zip(&index_order).map(|(&x, &j)| hash_from_tile(&tiles[j], &data[j], x)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        let t = Tile { h: 8, l: 0, n: 1234067, w: 256 };
        assert_eq!(t.path(), "tile/0/x001/x234/067");
        assert_eq!(Tile::parse_path(&t.path()), Ok(t));
        let t = Tile { h: 8, l: 1, n: 0, w: 17 };
        assert_eq!(t.path(), "tile/1/000.p/17");
        assert_eq!(Tile::parse_path("tile/1/000.p/17"), Ok(t));
        assert_eq!(entry_bundle_path(0, 5), "tile/entries/000.p/5");
        assert_eq!(entry_bundle_path(1234, 256), "tile/entries/x001/234");
        assert_eq!(parse_entry_bundle_path("tile/entries/x001/234.p/5"), Ok((1234, 5)));
        for bad in [
            "tile/0/1",
            "tile/0/x001",
            "tile/0/001/234",
            "tile/0/x000/001",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/05",
            "tile/01/000",
            "tile/entries/000",
            "tiles/0/000",
            "tile/0/00a",
        ] {
            assert!(Tile::parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn absurd_tiles_are_errors_not_panics() {
        let log = crate::tree::MemLog::new();
        for t in [Tile { h: 8, l: 0, n: u64::MAX, w: 256 }, Tile { h: 8, l: 7, n: 1, w: 1 }, Tile { h: 8, l: 63, n: 0, w: 1 }] {
            assert!(read_tile_data(&t, &log).is_err());
            assert!(hash_from_tile(&t, &[0; 32], 0).is_err());
        }
        let p = Tile::parse_path("tile/0/x018/x446/x744/x073/x709/x551/615").unwrap();
        assert!(read_tile_data(&p, &log).is_err());
        let _ = tile_for_index(8, u64::MAX);
        let _ = crate::tree::split_stored_hash_index(u64::MAX);
        let _ = crate::tree::stored_hash_index(40, u64::MAX / 3);
    }

    #[test]
    fn entry_bundles_round_trip() {
        let entries: Vec<&[u8]> = vec![b"", b"a", &[7u8; 300]];
        let data = encode_entry_bundle(&entries);
        assert_eq!(decode_entry_bundle(&data).unwrap(), entries);
        assert!(decode_entry_bundle(&data[..data.len() - 1]).is_err());
        assert!(decode_entry_bundle(&[0]).is_err());
        let big = vec![0u8; 65536];
        assert!(try_encode_entry_bundle(&[&big]).is_err());
    }
}
