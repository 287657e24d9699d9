//! Randomness that does not depend on how work is split: worker `i` always draws from ChaCha8
//! keyed by the seed, on stream `i`, at a word position fixed by what is drawn (attributes, a
//! month's income, the projection). Chunking and thread counts never change a result.

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
}

impl Streams {
    pub fn new(seed: u64) -> Streams {
        Streams { base: ChaCha8Rng::seed_from_u64(seed) }
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
