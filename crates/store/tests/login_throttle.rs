//! Login throttling counters on both backends: a claim is one statement, so parallel claims
//! each get their own count (no two alike, none lost); a window ends and starts afresh;
//! release and reset; the sweep; the login secret is made once and kept.

mod common;

use chrono::{TimeDelta, Utc};
use common::{Ctx, Kind};

async fn counters(ctx: Ctx) {
    let store = ctx.store.clone();
    let key = b"counter-one".to_vec();
    let now = Utc::now();
    let window = TimeDelta::minutes(15);
    // 200 claims at once: counts 1..=200, each exactly once.
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (store, key) = (store.clone(), key.clone());
        tasks.push(tokio::spawn(async move { store.throttle_claim(&key, now, window).await.expect("claim") }));
    }
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.expect("task").attempts);
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=200).collect::<Vec<i64>>());

    let c = store.throttle_claim(&key, now + TimeDelta::minutes(14), window).await.expect("claim");
    assert_eq!(c.attempts, 201, "the window runs from the first attempt");
    assert_eq!(c.window_end.timestamp_micros(), (now + window).timestamp_micros());
    store.throttle_release(&key).await.expect("release");
    assert_eq!(store.throttle_claim(&key, now, window).await.expect("claim").attempts, 201, "one given back");
    // After the window: a new one, from 1.
    let later = now + TimeDelta::minutes(16);
    let c = store.throttle_claim(&key, later, window).await.expect("claim");
    assert_eq!(c.attempts, 1);
    assert_eq!(c.window_end.timestamp_micros(), (later + window).timestamp_micros());
    store.throttle_reset(&key).await.expect("reset");
    assert_eq!(store.throttle_claim(&key, later, window).await.expect("claim").attempts, 1);
    // Releasing never goes below zero; other keys are their own.
    for _ in 0..3 {
        store.throttle_release(b"counter-two").await.expect("release");
    }
    assert_eq!(store.throttle_claim(b"counter-two", now, window).await.expect("claim").attempts, 1);
    // The sweep drops ended windows only.
    assert_eq!(store.throttle_sweep(now + TimeDelta::minutes(20)).await.expect("sweep"), 1, "counter-two ended");
    assert_eq!(store.throttle_claim(&key, later, window).await.expect("claim").attempts, 2, "counter-one kept");

    // The login secret: made once, the same on every read.
    let a = store.login_secret().await.expect("secret");
    assert_eq!(store.login_secret().await.expect("secret"), a);
    assert_ne!(a, [0u8; 32]);
    ctx.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_counters() {
    if let Some(ctx) = Ctx::new(Kind::Sqlite).await {
        counters(ctx).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_counters() {
    if let Some(ctx) = Ctx::new(Kind::Postgres).await {
        counters(ctx).await;
    }
}
