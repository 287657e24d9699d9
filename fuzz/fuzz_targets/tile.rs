//! Tiles: hash-tile and entry-bundle paths round-trip through their text; an entry bundle that
//! decodes encodes back to the same bytes; and a tile reader given tampered tiles either
//! refuses or hands out the true hash (it authenticates every tile against the root).
#![no_main]

use flexpension_tlog::{
    HashReader, MemLog, Tile, TileHashReader, decode_entry_bundle, entry_bundle_path, hash_from_tile, parse_entry_bundle_path,
    read_tile_data, stored_hash_index, tile_for_index, try_encode_entry_bundle,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: flexpension_fuzz::init(), |data: &[u8]| {
    if let Ok(p) = std::str::from_utf8(data) {
        if let Ok(t) = Tile::parse_path(p) {
            assert_eq!(t.path(), p, "a tile path that does not round-trip");
        }
        if let Ok((n, w)) = parse_entry_bundle_path(p) {
            assert_eq!(entry_bundle_path(n, w), p, "an entry-bundle path that does not round-trip");
        }
    }
    if let Ok(entries) = decode_entry_bundle(data) {
        let refs: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
        assert_eq!(try_encode_entry_bundle(&refs).as_deref(), Ok(data), "an entry bundle that does not round-trip");
    }

    // A small log, a hash to read and tiles tampered with by the rest of the input.
    let [a, b, hsel, x0, x1, rest @ ..] = data else { return };
    let size = 1 + u64::from(u16::from_le_bytes([*a, *b])) % 700;
    let h = 1 + hsel % 8;
    let mut log = MemLog::new();
    let entries: Vec<Vec<u8>> = (0..size).map(|i| i.to_le_bytes().to_vec()).collect();
    log.append_entries(&entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let index = u64::from(u16::from_le_bytes([*x0, *x1])) % stored_hash_index(0, size);
    let _ = hash_from_tile(&tile_for_index(h, index), rest, index);
    let reader = TileHashReader::new(size, log.root(), h, |tiles: &[Tile]| {
        let mut out = Vec::with_capacity(tiles.len());
        for t in tiles {
            out.push(read_tile_data(t, &log)?);
        }
        for pair in rest.chunks(3) {
            if let [t, at, x] = *pair {
                let Some(d) = out.get_mut(t as usize % tiles.len().max(1)) else { continue };
                let len = d.len().max(1);
                if let Some(byte) = d.get_mut(at as usize * 7 % len) {
                    *byte ^= x;
                }
            } else if let [cut] = *pair
                && let Some(d) = out.get_mut(cut as usize % tiles.len().max(1))
            {
                d.pop();
            }
        }
        Ok(out)
    });
    if let Ok(got) = reader.read_hashes(&[index]) {
        assert_eq!(got, vec![log.stored()[index as usize]], "a tampered tile gave a wrong hash");
    }
});
