use super::*;
use crate::note::NoteSigner;

const WINDOW: AgeWindow = AgeWindow { max_age_s: 600, max_ahead_s: 60 };
const NOW: i64 = 1_767_225_600;

fn env() -> Envelope {
    Envelope {
        sender: "zj".into(),
        receiver: "js".into(),
        id: [7; 16],
        kind: "transfer.request".into(),
        created_at: NOW - 5,
        body: serde_json::json!({"worker": 1, "a": [1, 2]}),
    }
}

fn key(name: &str, seed: u8) -> NoteSigner {
    NoteSigner::new(name, [seed; 32]).unwrap()
}

#[test]
fn signs_and_verifies() {
    let zj = key("flexpension.zj/log", 1);
    let signed = env().sign(&zj).unwrap();
    assert!(signed.starts_with("flexpension agency message v1\nfrom zj\nto js\nid 07070707070707070707070707070707\n"), "{signed}");
    assert!(signed.contains("body {\"a\":[1,2],\"worker\":1}\n"), "canonical body: {signed}");
    let got = verify_message(&signed, "js", Some(&zj.verifier()), NOW, WINDOW).unwrap();
    assert_eq!(got, env());
}

#[test]
fn each_refusal_is_its_own_error() {
    let zj = key("flexpension.zj/log", 1);
    let signed = env().sign(&zj).unwrap();
    let v = zj.verifier();
    assert!(matches!(verify_message(&signed, "sh", Some(&v), NOW, WINDOW), Err(MessageError::WrongReceiver { .. })));
    assert_eq!(verify_message(&signed, "js", None, NOW, WINDOW), Err(MessageError::UnknownSender("zj".into())));
    // Same name, other key (a forgery), and another name entirely.
    let forged = env().sign(&key("flexpension.zj/log", 2)).unwrap();
    assert_eq!(verify_message(&forged, "js", Some(&v), NOW, WINDOW), Err(MessageError::BadSignature("zj".into())));
    let other = env().sign(&key("someone", 3)).unwrap();
    assert_eq!(verify_message(&other, "js", Some(&v), NOW, WINDOW), Err(MessageError::BadSignature("zj".into())));
    // A changed body breaks the signature.
    let tampered = signed.replace("\"worker\":1", "\"worker\":2");
    assert_eq!(verify_message(&tampered, "js", Some(&v), NOW, WINDOW), Err(MessageError::BadSignature("zj".into())));
    assert_eq!(verify_message(&signed, "js", Some(&v), NOW + 606, WINDOW), Err(MessageError::Stale { age_s: 611, max_s: 600 }));
    assert_eq!(verify_message(&signed, "js", Some(&v), NOW - 70, WINDOW), Err(MessageError::Future { ahead_s: 65, max_s: 60 }));
    assert!(verify_message(&signed, "js", Some(&v), NOW + 595, WINDOW).is_ok(), "at the edge");
    let codes: std::collections::HashSet<&str> = [
        MessageError::Malformed(String::new()),
        MessageError::WrongReceiver { to: String::new(), us: String::new() },
        MessageError::UnknownSender(String::new()),
        MessageError::BadSignature(String::new()),
        MessageError::Stale { age_s: 0, max_s: 0 },
        MessageError::Future { ahead_s: 0, max_s: 0 },
    ]
    .iter()
    .map(MessageError::code)
    .collect();
    assert_eq!(codes.len(), 6);
}

#[test]
fn refuses_text_out_of_shape() {
    let zj = key("flexpension.zj/log", 1);
    let good = env().text().unwrap();
    for bad in [
        good.replace("from zj", "from ZJ"),
        good.replace("from zj", "from z"),
        good.replace("id 0707", "id 0x07"),
        good.replace("kind transfer.request", "kind Transfer"),
        good.replace("created ", "created +"),
        good.replace("body {\"a\":[1,2],\"worker\":1}", "body {\"worker\":1,\"a\":[1,2]}"),
        good.replace("body {\"a\":[1,2],\"worker\":1}", "body {\"a\": [1,2],\"worker\":1}"),
        good.replace("flexpension agency message v1", "flexpension.zj/log"),
        format!("{good}extra line\n"),
    ] {
        let signed = sign_note(&bad, &zj).unwrap();
        assert!(matches!(verify_message(&signed, "js", Some(&zj.verifier()), NOW, WINDOW), Err(MessageError::Malformed(_))), "{bad}");
    }
    let mut e = env();
    e.sender = "toolongcode".into();
    assert!(e.text().is_err());
    e = env();
    e.body = serde_json::Value::String("x".repeat(MAX_BODY_BYTES));
    assert!(e.text().is_err());
    assert!(peek_message("not a note").is_err());
}

#[test]
fn region_codes() {
    for ok in ["zj", "js", "shanghai"] {
        assert!(is_region_code(ok), "{ok}");
    }
    for bad in ["", "z", "Zj", "z1", "shanghaix", "z j"] {
        assert!(!is_region_code(bad), "{bad}");
    }
}
