//! Randomness that does not depend on how work is split: worker `i` always draws from ChaCha8
//! keyed by the seed, on stream `i`, at a word position fixed by what is drawn (attributes, a
//! month's income, the projection). Chunking and thread counts never change a result.
//!
//! [`Draws`] computes the same words as `ChaCha8Rng` (a test compares them) for the simulation's
//! hot loops: only the blocks a draw reaches, none of them twice.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a draw is for: each purpose has its own region of the worker's stream.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    Attributes,
    /// The month's income swing (by `YearMonth::index`).
    Month(i64),
    /// The split of a month's income over platforms.
    Split(i64),
    /// Contribution gaps over a projection.
    Projection,
}

impl Purpose {
    fn word_pos(self) -> u128 {
        // 2^40 words per purpose, 2^16 words per month: far more than any draw uses.
        let month = |m: i64| u128::from(m.clamp(0, (1 << 24) - 1) as u64) << 16;
        match self {
            Purpose::Attributes => 0,
            Purpose::Month(m) => (1 << 40) + month(m),
            Purpose::Split(m) => (2 << 40) + month(m),
            Purpose::Projection => 3 << 40,
        }
    }
}

/// The keyed generator all workers' streams come from.
#[derive(Debug, Clone)]
pub struct Streams {
    base: ChaCha8Rng,
    /// The key of `base`, as the words ChaCha's state holds.
    key: [u32; 8],
    /// How this machine computes [`LANES`] streams' blocks at once.
    wide: Wide,
}

impl Streams {
    pub fn new(seed: u64) -> Streams {
        let base = ChaCha8Rng::seed_from_u64(seed);
        let bytes = base.get_seed();
        let key = std::array::from_fn(|i| u32::from_le_bytes([bytes[4 * i], bytes[4 * i + 1], bytes[4 * i + 2], bytes[4 * i + 3]]));
        Streams { base, key, wide: Wide::detect() }
    }

    /// The same streams computed one lane at a time whatever the machine has (for tests).
    pub fn scalar(seed: u64) -> Streams {
        Streams { wide: Wide::Scalar, ..Streams::new(seed) }
    }

    pub fn rng(&self, worker: u64, purpose: Purpose) -> ChaCha8Rng {
        let mut r = self.base.clone();
        r.set_stream(worker);
        r.set_word_pos(purpose.word_pos());
        r
    }
}

/// A uniform draw in [0, 1) from 53 random bits.
#[inline]
pub fn unit(r: &mut ChaCha8Rng) -> f64 {
    use rand::Rng;
    (r.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// "expand 32-byte k": the ChaCha constants.
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// 32-bit words per ChaCha block.
const BLOCK_WORDS: usize = 16;

#[inline(always)]
#[allow(clippy::needless_range_loop, reason = "one lane index across four rows of the state")]
fn quarter<const L: usize>(x: &mut [[u32; L]; 16], a: usize, b: usize, c: usize, d: usize) {
    for l in 0..L {
        x[a][l] = x[a][l].wrapping_add(x[b][l]);
        x[d][l] = (x[d][l] ^ x[a][l]).rotate_left(16);
        x[c][l] = x[c][l].wrapping_add(x[d][l]);
        x[b][l] = (x[b][l] ^ x[c][l]).rotate_left(12);
        x[a][l] = x[a][l].wrapping_add(x[b][l]);
        x[d][l] = (x[d][l] ^ x[a][l]).rotate_left(8);
        x[c][l] = x[c][l].wrapping_add(x[d][l]);
        x[b][l] = (x[b][l] ^ x[c][l]).rotate_left(7);
    }
}

/// One ChaCha8 block for each of `L` streams (lanes side by side, so the rounds run as vector
/// instructions): `out[l]` is the block at counter `block` of stream `streams[l]`, the words
/// `ChaCha8Rng` gives at word position `16 * block` after `set_stream(streams[l])`.
#[inline(always)]
fn blocks<const L: usize>(key: &[u32; 8], streams: &[u64; L], block: u64, out: &mut [[u32; BLOCK_WORDS]; L]) {
    let mut init = [[0u32; L]; 16];
    for (w, s) in SIGMA.iter().enumerate() {
        init[w] = [*s; L];
    }
    for (w, k) in key.iter().enumerate() {
        init[4 + w] = [*k; L];
    }
    init[12] = [block as u32; L];
    init[13] = [(block >> 32) as u32; L];
    for l in 0..L {
        init[14][l] = streams[l] as u32;
        init[15][l] = (streams[l] >> 32) as u32;
    }
    let mut x = init;
    for _ in 0..4 {
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 1, 5, 9, 13);
        quarter(&mut x, 2, 6, 10, 14);
        quarter(&mut x, 3, 7, 11, 15);
        quarter(&mut x, 0, 5, 10, 15);
        quarter(&mut x, 1, 6, 11, 12);
        quarter(&mut x, 2, 7, 8, 13);
        quarter(&mut x, 3, 4, 9, 14);
    }
    for (w, (xw, iw)) in x.iter().zip(&init).enumerate() {
        for l in 0..L {
            out[l][w] = xw[l].wrapping_add(iw[l]);
        }
    }
}

/// Workers drawn together: one 32-bit lane each of a 256-bit vector.
pub const LANES: usize = 8;

/// The most blocks [`Draws::lanes`] computes up front.
pub const MAX_UP_FRONT: usize = 3;

/// A worker's stream from a block on, the first blocks computed up front ([`LANES`] workers at
/// a time). Gives the same words as [`Streams::rng`] at the same position, without the four-block
/// buffer `ChaCha8Rng` fills on every seek; words the caller does not need can be skipped
/// without computing them ([`Draws::skip`]).
pub struct Draws<'a> {
    key: &'a [u32; 8],
    stream: u64,
    /// The block after those in `buf`.
    next_block: u64,
    buf: [u32; MAX_UP_FRONT * BLOCK_WORDS],
    len: usize,
    at: usize,
}

impl<'a> Draws<'a> {
    /// The streams of workers `ids` at `purpose`, their first `B` blocks computed side by side
    /// (`B` is 1 to [`MAX_UP_FRONT`]).
    pub fn lanes<const B: usize>(streams: &'a Streams, ids: [u64; LANES], purpose: Purpose) -> [Draws<'a>; LANES] {
        let b = B.clamp(1, MAX_UP_FRONT);
        let block = (purpose.word_pos() / BLOCK_WORDS as u128) as u64;
        let mut out: [Draws<'a>; LANES] = std::array::from_fn(|l| Draws {
            key: &streams.key,
            stream: ids[l],
            next_block: block + b as u64,
            buf: [0; MAX_UP_FRONT * BLOCK_WORDS],
            len: b * BLOCK_WORDS,
            at: 0,
        });
        streams.wide.fill(&streams.key, &ids, block, b, out.each_mut().map(|d| &mut d.buf));
        out
    }

    /// One worker's stream at `purpose`.
    pub fn one(streams: &'a Streams, worker: u64, purpose: Purpose) -> Draws<'a> {
        let block = (purpose.word_pos() / BLOCK_WORDS as u128) as u64;
        Draws { key: &streams.key, stream: worker, next_block: block, buf: [0; MAX_UP_FRONT * BLOCK_WORDS], len: 0, at: 0 }
    }

    #[inline]
    fn word(&mut self) -> u32 {
        if self.at >= self.len {
            self.refill();
        }
        let w = self.buf[self.at];
        self.at += 1;
        w
    }

    #[cold]
    fn refill(&mut self) {
        // Skipped past the buffer: move the block counter on by whole blocks.
        let past = self.at - self.len;
        self.next_block += (past / BLOCK_WORDS) as u64;
        let mut w = [[0u32; BLOCK_WORDS]; 1];
        blocks(self.key, &[self.stream], self.next_block, &mut w);
        self.next_block += 1;
        self.buf[..BLOCK_WORDS].copy_from_slice(&w[0]);
        self.len = BLOCK_WORDS;
        self.at = past % BLOCK_WORDS;
    }

    /// Pass over `n` 64-bit draws without computing them.
    #[inline]
    pub fn skip(&mut self, n: usize) {
        self.at += 2 * n;
    }

    /// A uniform draw in [0, 1), as [`unit`].
    #[inline]
    pub fn unit(&mut self) -> f64 {
        use rand::Rng;
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl rand::TryRng for Draws<'_> {
    type Error = std::convert::Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.word())
    }

    /// Two words, low first, as `ChaCha8Rng` reads them.
    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let lo = self.word();
        Ok(u64::from(lo) | (u64::from(self.word()) << 32))
    }

    /// Whole words, little-endian; a partial last word uses up the whole word.
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in dst.chunks_mut(4) {
            let w = self.word().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
        Ok(())
    }
}

/// How [`LANES`] streams' blocks are computed side by side.
#[derive(Debug, Clone, Copy)]
enum Wide {
    /// AVX2 (found at run time): one 256-bit vector holds a state word of all the lanes.
    #[cfg(target_arch = "x86_64")]
    Avx2(pulp::x86::V3),
    /// One lane after the other.
    Scalar,
}

impl Wide {
    fn detect() -> Wide {
        #[cfg(target_arch = "x86_64")]
        if let Some(simd) = pulp::x86::V3::try_new() {
            return Wide::Avx2(simd);
        }
        Wide::Scalar
    }

    /// Blocks `block..block + count` of the streams `ids`, into the first `count` blocks of `out`.
    #[inline]
    fn fill(self, key: &[u32; 8], ids: &[u64; LANES], block: u64, count: usize, out: [&mut [u32; MAX_UP_FRONT * BLOCK_WORDS]; LANES]) {
        match self {
            #[cfg(target_arch = "x86_64")]
            Wide::Avx2(simd) => simd.vectorize(avx2::Fill { simd, key, ids, block, count, out }),
            Wide::Scalar => {
                for (l, o) in out.into_iter().enumerate() {
                    for b in 0..count.min(MAX_UP_FRONT) {
                        let mut w = [[0u32; BLOCK_WORDS]; 1];
                        blocks(key, &[ids[l]], block + b as u64, &mut w);
                        o[b * BLOCK_WORDS..(b + 1) * BLOCK_WORDS].copy_from_slice(&w[0]);
                    }
                }
            }
        }
    }
}

/// ChaCha8 for [`LANES`] streams in AVX2 registers: the words of `blocks` with one lane per
/// stream, through safe intrinsics that exist only inside `V3::vectorize`.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{BLOCK_WORDS, LANES, MAX_UP_FRONT, SIGMA};
    use pulp::bytemuck::cast;
    use pulp::x86::V3;
    use std::arch::x86_64::__m256i;

    pub(super) struct Fill<'a> {
        pub simd: V3,
        pub key: &'a [u32; 8],
        pub ids: &'a [u64; LANES],
        pub block: u64,
        pub count: usize,
        pub out: [&'a mut [u32; MAX_UP_FRONT * BLOCK_WORDS]; LANES],
    }

    #[inline(always)]
    fn rotl<const L: i32, const R: i32>(s: V3, x: __m256i) -> __m256i {
        s.avx2._mm256_or_si256(s.avx2._mm256_slli_epi32::<L>(x), s.avx2._mm256_srli_epi32::<R>(x))
    }

    #[inline(always)]
    #[allow(clippy::too_many_arguments, reason = "the state and the four rows a quarter round mixes")]
    fn quarter(s: V3, x: &mut [__m256i; 16], rot16: __m256i, rot8: __m256i, a: usize, b: usize, c: usize, d: usize) {
        let v = s.avx2;
        x[a] = v._mm256_add_epi32(x[a], x[b]);
        x[d] = v._mm256_shuffle_epi8(v._mm256_xor_si256(x[d], x[a]), rot16);
        x[c] = v._mm256_add_epi32(x[c], x[d]);
        x[b] = rotl::<12, 20>(s, v._mm256_xor_si256(x[b], x[c]));
        x[a] = v._mm256_add_epi32(x[a], x[b]);
        x[d] = v._mm256_shuffle_epi8(v._mm256_xor_si256(x[d], x[a]), rot8);
        x[c] = v._mm256_add_epi32(x[c], x[d]);
        x[b] = rotl::<7, 25>(s, v._mm256_xor_si256(x[b], x[c]));
    }

    impl pulp::NullaryFnOnce for Fill<'_> {
        type Output = ();

        #[inline(always)]
        fn call(self) {
            let Fill { simd: s, key, ids, block, count, mut out } = self;
            let splat = |w: u32| s.avx._mm256_set1_epi32(w as i32);
            // Byte shuffles that rotate each 32-bit lane left by 16 and by 8.
            let rot16 = cast::<[u8; 32], __m256i>(std::array::from_fn(|i| ((i & !3) + (i + 2) % 4) as u8));
            let rot8 = cast::<[u8; 32], __m256i>(std::array::from_fn(|i| ((i & !3) + (i + 3) % 4) as u8));
            let lo = cast::<[u32; LANES], __m256i>(std::array::from_fn(|l| ids[l] as u32));
            let hi = cast::<[u32; LANES], __m256i>(std::array::from_fn(|l| (ids[l] >> 32) as u32));
            for b in 0..count.min(MAX_UP_FRONT) {
                let n = block + b as u64;
                let init: [__m256i; 16] = [
                    splat(SIGMA[0]),
                    splat(SIGMA[1]),
                    splat(SIGMA[2]),
                    splat(SIGMA[3]),
                    splat(key[0]),
                    splat(key[1]),
                    splat(key[2]),
                    splat(key[3]),
                    splat(key[4]),
                    splat(key[5]),
                    splat(key[6]),
                    splat(key[7]),
                    splat(n as u32),
                    splat((n >> 32) as u32),
                    lo,
                    hi,
                ];
                let mut x = init;
                for _ in 0..4 {
                    quarter(s, &mut x, rot16, rot8, 0, 4, 8, 12);
                    quarter(s, &mut x, rot16, rot8, 1, 5, 9, 13);
                    quarter(s, &mut x, rot16, rot8, 2, 6, 10, 14);
                    quarter(s, &mut x, rot16, rot8, 3, 7, 11, 15);
                    quarter(s, &mut x, rot16, rot8, 0, 5, 10, 15);
                    quarter(s, &mut x, rot16, rot8, 1, 6, 11, 12);
                    quarter(s, &mut x, rot16, rot8, 2, 7, 8, 13);
                    quarter(s, &mut x, rot16, rot8, 3, 4, 9, 14);
                }
                for (w, (xw, iw)) in x.iter().zip(&init).enumerate() {
                    let words = cast::<__m256i, [u32; LANES]>(s.avx2._mm256_add_epi32(*xw, *iw));
                    for (o, v) in out.iter_mut().zip(words) {
                        o[b * BLOCK_WORDS + w] = v;
                    }
                }
            }
        }
    }
}

/// Cumulative shares, summed in the order [`pick`] sums them, for picking without a loop that
/// branches on the draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Cumulative(Vec<f64>);

impl Cumulative {
    pub fn new(shares: impl IntoIterator<Item = f64>) -> Cumulative {
        let mut acc = 0.0;
        Cumulative(
            shares
                .into_iter()
                .map(|s| {
                    acc += s;
                    acc
                })
                .collect(),
        )
    }

    /// The index [`pick`] gives for the draw `u`: the first whose running sum passes `u`, else
    /// the last. Running sums of shares never fall, so that is the number of sums at or below
    /// `u`.
    #[inline]
    pub fn index(&self, u: f64) -> usize {
        let below: usize = self.0.iter().map(|&a| usize::from(a <= u)).sum();
        below.min(self.0.len().saturating_sub(1))
    }
}

/// Pick an index by shares that add up to 1.
pub fn pick(r: &mut ChaCha8Rng, shares: impl IntoIterator<Item = f64>) -> usize {
    let u = unit(r);
    let mut acc = 0.0;
    let mut last = 0;
    for (i, s) in shares.into_iter().enumerate() {
        acc += s;
        last = i;
        if u < acc {
            return i;
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn purposes() -> [Purpose; 5] {
        [Purpose::Attributes, Purpose::Month(0), Purpose::Month(24_305), Purpose::Split(7), Purpose::Projection]
    }

    #[test]
    fn draws_give_the_words_of_chacha8() {
        for seed in [0, 1, 2025, u64::MAX] {
            // The vector path where this machine has one, and the lane-by-lane path.
            for s in [Streams::new(seed), Streams::scalar(seed)] {
                for first in [0u64, 5, 1 << 33, u64::MAX - 3 * LANES as u64] {
                    for p in purposes() {
                        // Streams far apart too, so the lanes' high words differ.
                        let id = |l: usize| first.wrapping_add((l as u64) * if l.is_multiple_of(2) { 1 } else { 1 << 32 });
                        let ids = std::array::from_fn(id);
                        let mut three = Draws::lanes::<3>(&s, ids, p);
                        let mut two = Draws::lanes::<2>(&s, ids, p);
                        let mut one = Draws::lanes::<1>(&s, ids, p);
                        for l in 0..LANES {
                            let mut want = s.rng(id(l), p);
                            let mut alone = Draws::one(&s, id(l), p);
                            // Past the blocks computed up front, and a u32 draw to shift the pairs.
                            for k in 0..50 {
                                let w = want.next_u64();
                                assert_eq!(three[l].next_u64(), w, "seed {seed} worker {} {p:?} draw {k}", id(l));
                                assert_eq!(two[l].next_u64(), w);
                                assert_eq!(one[l].next_u64(), w);
                                assert_eq!(alone.next_u64(), w);
                            }
                            assert_eq!(two[l].next_u32(), want.next_u32());
                            assert_eq!(two[l].next_u64(), want.next_u64());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn skipping_lands_where_drawing_would() {
        let s = Streams::new(9);
        for n in [0, 1, 7, 8, 15, 16, 17, 40] {
            let mut drawn = s.rng(3, Purpose::Month(5));
            for _ in 0..n {
                drawn.next_u64();
            }
            let mut skipped = Draws::lanes::<3>(&s, std::array::from_fn(|l| 3 + l as u64), Purpose::Month(5));
            skipped[0].skip(n);
            let mut skipped_two = Draws::lanes::<2>(&s, std::array::from_fn(|l| 3 + l as u64), Purpose::Month(5));
            skipped_two[0].skip(n);
            let w = drawn.next_u64();
            assert_eq!(skipped[0].next_u64(), w, "skip {n}");
            assert_eq!(skipped_two[0].next_u64(), w, "skip {n}");
            let mut again = s.rng(3, Purpose::Month(5));
            for _ in 0..=n {
                again.next_u64();
            }
            let mut alone = Draws::one(&s, 3, Purpose::Month(5));
            alone.next_u64();
            alone.skip(n);
            assert_eq!(alone.next_u64(), again.next_u64(), "skip {n} after one");
        }
    }

    #[test]
    fn cumulative_picks_as_pick_does() {
        let tables = [vec![0.36, 0.2, 0.14, 0.12, 0.1, 0.08], vec![0.55, 0.33, 0.12], vec![1.0], vec![0.0, 0.5, 0.0, 0.5], vec![]];
        let s = Streams::new(4);
        for shares in tables {
            let c = Cumulative::new(shares.iter().copied());
            let mut r = s.rng(0, Purpose::Attributes);
            for _ in 0..20_000 {
                let mut probe = r.clone();
                let u = unit(&mut probe);
                assert_eq!(c.index(u), pick(&mut r, shares.iter().copied()), "{shares:?} at {u}");
            }
            for u in [0.0, 0.36, 0.56, 0.999_999_999_999_999_9, 1.0 - f64::EPSILON / 2.0] {
                let mut acc = 0.0;
                let want = shares
                    .iter()
                    .position(|s| {
                        acc += s;
                        u < acc
                    })
                    .unwrap_or(shares.len().saturating_sub(1));
                assert_eq!(c.index(u), want, "{shares:?} at {u}");
            }
        }
    }
}
