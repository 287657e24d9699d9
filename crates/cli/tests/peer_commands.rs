//! `peer add` and `peer list` of the built binary (a contract): the key is what the peer's
//! `log key` prints; the same peer again is a no-op, other data needs --replace; mistakes exit 2
//! and name the argument.

mod common;

use common::{TempDir, json, ok, run, stderr};

#[test]
fn peers_are_added_once_and_listed() {
    let t = TempDir::new("cli-peer");
    let d = &t.0;
    let (a, b) = (t.db("a.db"), t.db("b.db"));
    let key = ok(d, &["log", "key", "--db", &b]).trim().to_string();
    let add = |url: &str, extra: &[&str]| {
        let mut args = vec!["peer", "add", "--code", "js", "--url", url, "--key", &key, "--db", &a];
        args.extend_from_slice(extra);
        run(d, &args)
    };
    assert!(add("http://127.0.0.1:8081", &[]).status.success());
    let again = add("http://127.0.0.1:8081/", &[]);
    assert!(again.status.success(), "the same peer again: {}", stderr(&again));
    let other = add("http://127.0.0.1:8082", &[]);
    assert_eq!(other.status.code(), Some(2));
    assert!(stderr(&other).contains("--replace"), "{}", stderr(&other));
    assert!(add("http://127.0.0.1:8082", &["--replace"]).status.success());

    for (args, arg) in [
        (vec!["--code", "zj", "--url", "http://x", "--key", &key], "--code"),
        (vec!["--code", "JS", "--url", "http://x", "--key", &key], "--code"),
        (vec!["--code", "sh", "--url", "ftp://x", "--key", &key], "--url"),
        (vec!["--code", "sh", "--url", "http://x", "--key", "nonsense"], "--key"),
    ] {
        let mut full = vec!["peer", "add", "--db", &a];
        full.extend(args);
        let o = run(d, &full);
        assert_eq!(o.status.code(), Some(2), "{full:?}");
        assert!(stderr(&o).contains(arg), "{full:?}: {}", stderr(&o));
    }

    let list = json(d, &["peer", "list", "--json", "--db", &a]);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!((list[0]["code"].as_str(), list[0]["url"].as_str()), (Some("js"), Some("http://127.0.0.1:8082")));
    assert_eq!(list[0]["verifier_key"], key.as_str());
    assert!(list[0]["added_at_us"].as_i64().is_some());
    assert!(ok(d, &["peer", "list", "--db", &a]).starts_with("js\thttp://127.0.0.1:8082\t"));
}
