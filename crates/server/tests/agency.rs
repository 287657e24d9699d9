//! Two agencies, each the other's peer, each a real server on a random port with a fresh SQLite
//! store: a message enqueued at A arrives once at B, although the first delivery fails (B not
//! yet started) and although it is delivered twice; a forged message, a message from a stranger
//! and one for another region are refused, a replayed one is answered the same and stored once.

use flexpension_rules::Params;
use flexpension_server::AppState;
use flexpension_server::jobs::{agency_delivery_loop, deliver_agency_messages};
use flexpension_store::{NewPeer, PeerAdded, Store};
use flexpension_tlog::NoteSigner;
use flexpension_tlog::message::Envelope;
use std::sync::Arc;
use std::time::Duration;

fn temp_store_url(name: &str) -> (std::path::PathBuf, String) {
    let dir =
        std::env::temp_dir().join(format!("flexpension-agency-{name}-{}-{}", std::process::id(), chrono::Utc::now().timestamp_micros()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite:{}", dir.join("store.db").display());
    (dir, url)
}

async fn post(url: String, content_type: &'static str, body: String) -> (u16, serde_json::Value) {
    tokio::task::spawn_blocking(move || {
        let agent = ureq::Agent::config_builder().http_status_as_error(false).build().new_agent();
        let mut r = agent.post(&url).header("content-type", content_type).send(body).expect("HTTP request");
        let status = r.status().as_u16();
        let text = r.body_mut().read_to_string().expect("body");
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
    })
    .await
    .expect("join")
}

async fn deliver(url: &str, signed: &str) -> (u16, serde_json::Value) {
    post(format!("{url}/api/v1/agency/messages"), "application/json", serde_json::json!({ "message": signed }).to_string()).await
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_arrives_once_through_failures_and_repeats() {
    let params = Arc::new(Params::embedded().expect("params"));
    let (dir_a, url_a) = temp_store_url("a");
    let (dir_b, url_b) = temp_store_url("b");
    let (a, b) = (Store::open(&url_a).await.expect("store a"), Store::open(&url_b).await.expect("store b"));

    // A listens now; B's port is taken and let go, so that B is down for the first delivery.
    let listener_a = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a");
    let http_a = format!("http://{}", listener_a.local_addr().expect("addr"));
    let port_b = std::net::TcpListener::bind("127.0.0.1:0").expect("bind b").local_addr().expect("addr").port();
    let http_b = format!("http://127.0.0.1:{port_b}");

    let peer = |code: &str, url: &str, s: &Store| NewPeer { code: code.into(), url: url.into(), verifier_key: s.log_keys().verifier_key() };
    assert_eq!(a.add_peer("zj", &peer("js", &http_b, &b), false).await.expect("a knows b"), PeerAdded::Added);
    assert_eq!(b.add_peer("js", &peer("zj", &http_a, &a), false).await.expect("b knows a"), PeerAdded::Added);

    let state_a = AppState::new(params.clone()).with_region("zj").with_store(a.clone());
    let state_b = AppState::new(params.clone()).with_region("js").with_store(b.clone());
    tokio::spawn(flexpension_server::serve(listener_a, state_a.clone()));

    let env = a.new_agency_message("zj", "js", "test.ping", serde_json::json!({"hello": "江苏"})).expect("message");
    let id = a.enqueue_agency_message(&env).await.expect("enqueue");

    // First attempt: B is not there.
    assert_eq!(deliver_agency_messages(&state_a).await.expect("round"), 0);
    let o = a.agency_outbox().await.expect("outbox");
    assert_eq!((o[0].attempts, o[0].delivered_at_us), (1, None));
    assert!(o[0].last_error.as_deref().is_some_and(|e| !e.is_empty()), "{o:?}");

    // B starts; after the backoff the next attempt delivers.
    let listener_b = tokio::net::TcpListener::bind(("127.0.0.1", port_b)).await.expect("bind b again");
    tokio::spawn(flexpension_server::serve(listener_b, state_b.clone()));
    assert_eq!(deliver_agency_messages(&state_a).await.expect("round"), 0, "not due yet: nothing sent");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(deliver_agency_messages(&state_a).await.expect("round"), 1);
    let o = a.agency_outbox().await.expect("outbox");
    assert!(o[0].delivered_at_us.is_some(), "{o:?}");
    assert_eq!(deliver_agency_messages(&state_a).await.expect("round"), 0, "delivered once");
    let inbox = b.agency_inbox().await.expect("inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!((inbox[0].sender.as_str(), inbox[0].id.as_str(), inbox[0].body.as_str()), ("zj", id.as_str(), "{\"hello\":\"江苏\"}"));

    // Delivered a second time (a retry after a lost answer, or a replay): the same answer, stored once.
    let (s1, ack1) = deliver(&http_b, &o[0].signed).await;
    let (s2, ack2) = deliver(&http_b, &o[0].signed).await;
    assert_eq!((s1, s2), (200, 200), "{ack1} {ack2}");
    assert_eq!(ack1, ack2);
    assert_eq!(ack1["id"], id.as_str());
    assert_eq!(b.agency_inbox().await.expect("inbox").len(), 1);

    // Refusals, each with its own code; nothing stored.
    let forged = Envelope { id: [1; 16], created_at: now_s(), ..env.clone() }
        .sign(&NoteSigner::new(a.log_keys().signer.name(), [5; 32]).unwrap())
        .unwrap();
    let stranger = Envelope { sender: "sh".into(), id: [2; 16], created_at: now_s(), ..env.clone() }.sign(&a.log_keys().signer).unwrap();
    let elsewhere = Envelope { receiver: "gd".into(), id: [3; 16], created_at: now_s(), ..env.clone() }.sign(&a.log_keys().signer).unwrap();
    let stale = Envelope { id: [4; 16], created_at: now_s() - 8 * 86_400, ..env.clone() }.sign(&a.log_keys().signer).unwrap();
    for (signed, status, code) in [
        (forged, 401, "bad_signature"),
        (stranger, 403, "unknown_sender"),
        (elsewhere, 421, "wrong_receiver"),
        (stale, 400, "stale_message"),
    ] {
        let (s, body) = deliver(&http_b, &signed).await;
        assert_eq!((s, body["error"].as_str()), (status, Some(code)), "{body}");
    }
    let (s, body) = post(format!("{http_b}/api/v1/agency/messages"), "application/json", "{\"message\": 5}".into()).await;
    assert_eq!((s, body["error"].as_str()), (400, Some("malformed")), "{body}");
    let (s, _) = post(format!("{http_b}/api/v1/agency/messages"), "text/plain", "x".into()).await;
    assert_eq!(s, 415);
    let (s, _) = post(format!("{http_b}/api/v1/agency/messages"), "application/json", "x".repeat(70_000)).await;
    assert_eq!(s, 413);
    assert_eq!(b.agency_inbox().await.expect("inbox").len(), 1);

    // The job as `serve` runs it: a new message goes out by itself, and B answers back.
    tokio::spawn(agency_delivery_loop(state_a.clone(), Duration::from_millis(100)));
    tokio::spawn(agency_delivery_loop(state_b.clone(), Duration::from_millis(100)));
    let second = a.new_agency_message("zj", "js", "test.ping", serde_json::json!({"n": 2})).expect("message");
    a.enqueue_agency_message(&second).await.expect("enqueue");
    let back = b.new_agency_message("js", "zj", "test.pong", serde_json::json!({"n": 2})).expect("message");
    b.enqueue_agency_message(&back).await.expect("enqueue");
    let mut waited = 0;
    while (b.agency_inbox().await.expect("inbox").len() < 2 || a.agency_inbox().await.expect("inbox").is_empty()) && waited < 100 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(b.agency_inbox().await.expect("inbox").len(), 2);
    assert_eq!(a.agency_inbox().await.expect("inbox")[0].kind, "test.pong");

    a.close().await;
    b.close().await;
    let _ = std::fs::remove_dir_all(&dir_a);
    let _ = std::fs::remove_dir_all(&dir_b);
}
