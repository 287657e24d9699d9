//! The store's part of `/readyz`, asked at most once a [`READY_PROBE_REUSE`]: the route is
//! public, and without this every probe (or a flood of them) was one query on the store.

use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long the store's answer to the readiness query is reused. An operations value: load
/// balancers probe every few seconds, so one second changes nothing they see.
pub const READY_PROBE_REUSE: Duration = Duration::from_secs(1);

/// (store answered, migrations current), as `/readyz` reports them.
pub type Probe = (Option<bool>, Option<bool>);

/// The last answer and when it was taken. Callers arriving while the store is being asked wait
/// for that answer rather than ask again.
#[derive(Default)]
pub struct ProbeCache {
    last: Mutex<Option<(Instant, Probe)>>,
}

impl ProbeCache {
    /// The answer of `ask`, or the last one if it is younger than [`READY_PROBE_REUSE`] at `now`.
    pub async fn get<F: Future<Output = Probe>>(&self, now: Instant, ask: impl FnOnce() -> F) -> Probe {
        let mut last = self.last.lock().await;
        if let Some((at, p)) = *last
            && now.saturating_duration_since(at) < READY_PROBE_REUSE
        {
            return p;
        }
        let p = ask().await;
        *last = Some((now, p));
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn the_store_is_asked_once_a_second_however_many_probes() {
        let cache = Arc::new(ProbeCache::default());
        let asked = Arc::new(AtomicU32::new(0));
        let t0 = Instant::now();
        let probe = |c: Arc<ProbeCache>, n: Arc<AtomicU32>, at: Instant| async move {
            c.get(at, || async {
                n.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                (Some(true), Some(true))
            })
            .await
        };
        let all: Vec<_> = (0..50).map(|_| tokio::spawn(probe(cache.clone(), asked.clone(), t0))).collect();
        for h in all {
            assert_eq!(h.await.expect("probe"), (Some(true), Some(true)));
        }
        assert_eq!(asked.load(Ordering::SeqCst), 1, "50 probes at once ask the store once");
        probe(cache.clone(), asked.clone(), t0 + Duration::from_millis(999)).await;
        assert_eq!(asked.load(Ordering::SeqCst), 1, "still fresh");
        probe(cache.clone(), asked.clone(), t0 + READY_PROBE_REUSE).await;
        assert_eq!(asked.load(Ordering::SeqCst), 2, "asked again once it is a second old");
    }
}
