//! Complaints over HTTP on both backends: a worker files one with a photo from the phone page
//! (multipart) and sees it delivered; a bad file is refused in plain words; another worker
//! cannot see it; the platform it is against reads it without the uploads and answers it signed
//! (a replay refused); another platform neither sees nor answers it.

#[path = "platform/harness.rs"]
mod harness;

use chrono::Utc;
use flexpension_server::people::add_person;
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use flexpension_store::WorkerId;
use flexpension_store::people::Scope;
use harness::{Kind, Reply, Server, csv, hidden};

const PASSWORD: &str = "correct horse 42";
const JPEG: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'];
const BOUNDARY: &str = "----flexpensionTestBoundary";

/// A multipart body: text fields, then files (name, bytes).
fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    for (name, bytes) in files {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn file_complaint(s: &Server, cookie: &str, csrf: &str, platform: i64, files: &[(&str, &[u8])]) -> Reply {
    let p = platform.to_string();
    let body = multipart(
        &[("csrf", csrf), ("lang", "zh"), ("kind", "unpaid_orders"), ("platform", &p), ("months", "2025-09"), ("text", "九月的两单没结算")],
        files,
    );
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    s.send("POST", "/me/complaints", &[("cookie", cookie), ("content-type", &ct)], body)
}

fn respond(s: &Server, key: &str, id: i64, body: &str, ts: &str) -> Reply {
    let auth = format!("Bearer {key}");
    let sig = sign(key, ts, body.as_bytes());
    s.send(
        "POST",
        &format!("/api/v1/platform/complaints/{id}/response"),
        &[("authorization", &auth), ("content-type", "application/json"), (TIMESTAMP_HEADER, ts), (SIGNATURE_HEADER, &sig)],
        body.as_bytes(),
    )
}

fn case(kind: Kind) {
    let Some(s) = Server::start(kind, 3) else { return };
    let t = "2025-09-10T12:00:00+08:00";
    let orders = csv(&[["c1", &s.ids[0], "100.00", t, "instant_delivery", "g1"], ["c2", &s.ids[0], "50.00", t, "instant_delivery", "g1"]]);
    assert_eq!(s.csv(&s.key_a, &orders).status, 200);
    s.block_on(async {
        add_person(&s.store, "13800000000", PASSWORD, &Scope::Worker(WorkerId(1))).await.expect("worker a");
        add_person(&s.store, "worker.b", PASSWORD, &Scope::Worker(WorkerId(2))).await.expect("worker b");
        add_person(&s.store, "officer.zj", PASSWORD, &Scope::Region("zj".into())).await.expect("officer");
    });
    let a = s.login("13800000000", PASSWORD);
    let page = s.send("GET", "/me/complaints", &[("cookie", &a)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("72小时") && page.body.contains("name=\"files\"") && page.body.contains("value=\"2025-09\""),
        "{}",
        page.body
    );
    let csrf = hidden(&page.body, "csrf");
    assert!(s.send("GET", "/me", &[("cookie", &a)], "").body.contains("/me/complaints"), "the worker's page links to it");

    // A file whose content is not what its name says; too many files; a stale form.
    let r = file_complaint(&s, &a, &csrf, s.a.id.0, &[("photo.png", b"MZ\x90\0 a program")]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("“photo.png”的文件名和内容不符"), "{}", r.body);
    let seven: Vec<(&str, &[u8])> = (0..7).map(|_| ("p.jpg", &JPEG[..])).collect();
    let r = file_complaint(&s, &a, &csrf, s.a.id.0, &seven);
    assert!(r.status == 422 && r.body.contains("最多6个"), "{}", r.body);
    assert_eq!(file_complaint(&s, &a, "0000", s.a.id.0, &[]).status, 403);
    assert!(s.block_on(s.store.platform_complaints(s.a.id)).expect("none").is_empty(), "nothing stored");

    // Filed with a photo: delivered at once.
    let r = file_complaint(&s, &a, &csrf, s.a.id.0, &[("photo.jpg", &JPEG)]);
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").expect("location").to_string();
    let id: i64 = to.trim_start_matches("/me/complaints/").split('?').next().and_then(|i| i.parse().ok()).expect("id");
    let shown = s.send("GET", &to, &[("cookie", &a)], "");
    assert!(shown.status == 200 && shown.body.contains("data-state=\"delivered\"") && shown.body.contains("photo.jpg"), "{}", shown.body);
    // Not another worker's to see; not a platform's page.
    let b = s.login("worker.b", PASSWORD);
    assert_eq!(s.send("GET", &to, &[("cookie", &b)], "").status, 404);
    assert!(!s.send("GET", "/me/complaints", &[("cookie", &b)], "").body.contains(&format!("/me/complaints/{id}")));
    assert_eq!(s.send("GET", &to, &[], "").status, 401);

    // The platform: its complaints without the uploads, the worker's ID masked.
    let list = s.send("GET", "/api/v1/platform/complaints", &[("x-api-key", &s.key_a)], "");
    assert_eq!(list.status, 200, "{}", list.body);
    let v = list.json();
    let c = &v["complaints"][0];
    assert_eq!((c["id"].as_i64(), c["state"].as_str(), c["months"][0].as_str()), (Some(id), Some("delivered"), Some("2025-09")), "{v}");
    assert!(!list.body.contains("photo.jpg") && !list.body.contains("uploads") && !list.body.contains(&s.ids[0]), "{}", list.body);
    assert!(c["worker"].as_str().is_some_and(|w| w.contains('*')), "{v}");
    let other = s.send("GET", "/api/v1/platform/complaints", &[("x-api-key", &s.key_b)], "").json();
    assert_eq!(other["complaints"], serde_json::json!([]));

    // Answers: another platform's is not found; a replay is refused; an unknown field is malformed.
    let ts = Utc::now().timestamp().to_string();
    assert_eq!(respond(&s, &s.key_b, id, r#"{"text":"不是我们"}"#, &ts).status, 404);
    assert_eq!(respond(&s, &s.key_a, id, r#"{"text":"x","extra":1}"#, &ts).status, 400);
    let ok = respond(&s, &s.key_a, id, r#"{"text":"已核实，两单已补发"}"#, &ts);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["state"], "responded");
    assert_eq!(respond(&s, &s.key_a, id, r#"{"text":"已核实，两单已补发"}"#, &ts).status, 409, "the same signed request again");
    // Inspection's queue and the evidence package, which verifies offline; the download is in the
    // access log; a worker may not open the queue.
    let o = s.login("officer.zj", PASSWORD);
    let q = s.send("GET", "/officer/complaints", &[("cookie", &o)], "");
    assert!(q.status == 200 && q.body.contains(&format!("data-complaint=\"{id}\"")), "{}", q.body);
    assert_eq!(s.send("GET", "/officer/complaints", &[("cookie", &a)], "").status, 403);
    let pkg = s.send("GET", &format!("/officer/complaints/{id}/package.json"), &[("cookie", &o)], "");
    assert_eq!(pkg.status, 200, "{}", pkg.body);
    let pkg: flexpension_store::EvidencePackage = serde_json::from_slice(&pkg.bytes).expect("package");
    let opts = flexpension_store::log::VerifyOptions { log_key: s.store.log_keys().verifier_key(), ..Default::default() };
    let r = flexpension_store::verify_package(&pkg, &opts);
    assert!(r.ok() && pkg.uploads.len() == 1, "{}", r.to_text());
    let seen = s.block_on(s.store.accesses(WorkerId(1), 10)).expect("accesses");
    assert!(format!("{seen:?}").contains("complaint_package"), "{seen:?}");

    let shown = s.send("GET", &to, &[("cookie", &a)], "");
    assert!(shown.body.contains("data-state=\"responded\"") && shown.body.contains("两单已补发"), "{}", shown.body);
}

#[test]
fn complaints_over_http_sqlite() {
    case(Kind::Sqlite);
}

#[test]
fn complaints_over_http_postgres() {
    case(Kind::Postgres);
}
