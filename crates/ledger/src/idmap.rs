//! Hash maps keyed by the store's numbers: worker books and the entry index.

use crate::entry::Entry;
use crate::ids::{EntryId, WorkerId};
use crate::ledger::WorkerBook;
use std::collections::HashMap;
use std::collections::hash_map::Entry as Entry_;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A fast hasher for the store's surrogate ids (sequential numbers nobody outside chooses);
/// SipHash's protection against chosen keys is not needed and costs a third of a month close.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..c.len()].copy_from_slice(c);
            self.add(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, v: u8) {
        self.add(u64::from(v));
    }
    fn write_u32(&mut self, v: u32) {
        self.add(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.add(v);
    }
    fn write_i64(&mut self, v: i64) {
        self.add(v as u64);
    }
    fn write_i32(&mut self, v: i32) {
        self.add(u64::from(v as u32));
    }
    fn write_isize(&mut self, v: isize) {
        self.add(v as u64);
    }
    fn write_usize(&mut self, v: usize) {
        self.add(v as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Every worker's book, stored densely in arrival order and found through a map of positions
/// (16-byte slots): a month close walks workers in order and so walks memory in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Books {
    at: IdMap<WorkerId, usize>,
    books: Vec<(WorkerId, WorkerBook)>,
}

impl Books {
    pub fn get(&self, w: &WorkerId) -> Option<&WorkerBook> {
        self.at.get(w).map(|&i| &self.books[i].1)
    }
    pub fn get_or_insert(&mut self, w: WorkerId) -> &mut WorkerBook {
        let n = self.books.len();
        let i = *self.at.entry(w).or_insert(n);
        if i == n {
            self.books.push((w, WorkerBook::default()));
        }
        &mut self.books[i].1
    }
    pub fn iter(&self) -> impl Iterator<Item = &(WorkerId, WorkerBook)> {
        self.books.iter()
    }
    pub fn reserve(&mut self, n: usize) {
        let more = n.saturating_sub(self.books.len());
        self.at.reserve(more);
        self.books.reserve(more);
    }
}

/// Entry positions by id. The map holds a 64-bit fingerprint of the id (16-byte slots instead
/// of 56); the entry itself confirms a hit, and the rare id whose fingerprint is taken goes to
/// a second map keyed by the full id.
#[derive(Debug, Clone, Default)]
pub(crate) struct EntryIndex {
    main: IdMap<u64, usize>,
    spill: HashMap<EntryId, usize>,
}

fn fingerprint(id: &EntryId) -> u64 {
    let mut h = IdHasher::default();
    id.hash(&mut h);
    // splitmix64's finaliser: spreads the structured hash over all 64 bits.
    let mut z = h.finish();
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl EntryIndex {
    pub fn get(&self, id: &EntryId, entries: &[Entry]) -> Option<usize> {
        match self.main.get(&fingerprint(id)) {
            Some(&i) if entries[i].id() == id => Some(i),
            Some(_) => self.spill.get(id).copied(),
            None => None,
        }
    }
    /// Record a new entry's position (the caller has checked the id is not there yet).
    pub fn insert(&mut self, id: EntryId, i: usize) {
        match self.main.entry(fingerprint(&id)) {
            Entry_::Vacant(v) => {
                v.insert(i);
            }
            Entry_::Occupied(_) => {
                self.spill.insert(id, i);
            }
        }
    }
    pub fn reserve(&mut self, n: usize) {
        self.main.reserve(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Payer, Subject};
    use flexpension_rules::YearMonth;

    #[test]
    fn a_taken_fingerprint_spills_to_the_full_id() {
        let m = YearMonth::new(2025, 3).unwrap();
        let entry = |w: i64, r| {
            let id = EntryId::new(WorkerId(w), Subject::Payment { payer: Payer::SelfPaid, reference: r });
            let p = vec![
                crate::entry::Posting::debit(crate::ids::Account::Clearing(Payer::SelfPaid), 1),
                crate::entry::Posting::credit(crate::ids::Account::ContributionsReceivable(WorkerId(w)), 1),
            ];
            Entry::new(id, m, None, p, None).unwrap()
        };
        let entries = vec![entry(1, 1), entry(2, 2)];
        let (a, b) = (*entries[0].id(), *entries[1].id());
        let mut idx = EntryIndex::default();
        // Pretend b's fingerprint collides with a's: a holds the slot, b must spill.
        idx.main.insert(fingerprint(&b), 0);
        idx.insert(b, 1);
        assert_eq!(idx.get(&b, &entries), Some(1));
        assert_eq!(idx.spill.len(), 1);
        assert_eq!(idx.get(&a, &entries), None);
        idx.insert(a, 0);
        assert_eq!(idx.get(&a, &entries), Some(0));
    }
}
