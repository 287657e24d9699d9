//! The workspace's rules that clippy cannot check by itself: that each pure crate carries the
//! purity lists (clippy.pure.toml), depends on no crate made for I/O, and bypasses the lists in
//! its src only where listed here; and that every crate takes the workspace lints.

#![allow(clippy::disallowed_methods, reason = "this test reads the workspace's manifests and sources")]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// The crates that do no I/O and read no clock.
const PURE: [&str; 9] = ["rules", "ledger", "tlog", "sim", "voucher", "chart", "testkit", "text", "outreach"];

/// Crates that exist to do I/O: databases, network, async runtimes, OS randomness, files.
const IO_CRATES: [&str; 17] = [
    "tokio",
    "async-std",
    "smol",
    "mio",
    "sqlx",
    "libsqlite3-sys",
    "rusqlite",
    "postgres",
    "ureq",
    "reqwest",
    "hyper",
    "axum",
    "tower-http",
    "tracing-subscriber",
    "getrandom",
    "tempfile",
    "walkdir",
];

/// The pure crates' I/O dependencies that are allowed, and why.
const IO_DEPENDENCY_EXCEPTIONS: [(&str, &str, &str); 1] = [("tlog", "getrandom", "a new signing key needs OS entropy")];

/// Files of the pure crates' src that may allow a disallowed method, type or macro, and how many
/// times; each allow carries its reason in the code.
const SRC_EXCEPTIONS: [(&str, usize); 1] = [("crates/tlog/src/note.rs", 1)];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn manifest(rel: &str) -> Table {
    read(rel).parse().unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn crates() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("crates"))
        .expect("crates/")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

#[test]
fn every_pure_crate_carries_the_purity_lists() {
    let lists = read("clippy.pure.toml");
    for krate in PURE {
        let rel = format!("crates/{krate}/clippy.toml");
        assert!(read(&rel) == lists, "{rel} must be clippy.pure.toml (a link to it, or a copy)");
    }
    // Non-empty lists that name the obvious ways out.
    for path in ["std::fs::read", "std::time::SystemTime::now", "std::time::Instant::now", "std::env::var", "chrono::Utc::now", "rand::rng"]
    {
        assert!(lists.contains(&format!("\"{path}\"")), "clippy.pure.toml lists {path}");
    }
}

#[test]
fn pure_crates_depend_on_no_io_crate() {
    let pure_packages: Vec<String> = PURE.iter().map(|c| format!("flexpension-{c}")).collect();
    for krate in PURE {
        let m = manifest(&format!("crates/{krate}/Cargo.toml"));
        let deps = m.get("dependencies").and_then(Value::as_table).cloned().unwrap_or_default();
        for name in deps.keys() {
            let excepted = IO_DEPENDENCY_EXCEPTIONS.iter().any(|(c, d, _)| *c == krate && d == name);
            assert!(!IO_CRATES.contains(&name.as_str()) || excepted, "{krate} is pure but depends on {name}");
            assert!(
                !name.starts_with("flexpension") || pure_packages.contains(name),
                "{krate} is pure but depends on {name}, which is not"
            );
        }
    }
}

#[test]
fn pure_sources_bypass_the_lists_only_where_listed() {
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for krate in PURE {
        let mut files = Vec::new();
        rust_files(&root().join(format!("crates/{krate}/src")), &mut files);
        assert!(!files.is_empty(), "crates/{krate}/src has Rust files");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source");
            let n = text.matches("clippy::disallowed_").count();
            if n > 0 {
                found.insert(file.strip_prefix(root()).unwrap_or(&file).to_string_lossy().into_owned(), n);
            }
        }
    }
    let want: BTreeMap<String, usize> = SRC_EXCEPTIONS.iter().map(|(f, n)| (f.to_string(), *n)).collect();
    assert_eq!(found, want, "a pure crate's src allows I/O, a clock or ambient randomness outside the listed exceptions");
}

#[test]
fn every_crate_takes_the_workspace_lints() {
    let root_manifest = manifest("Cargo.toml");
    let workspace_lints = root_manifest["workspace"]["lints"].as_table().expect("[workspace.lints]").clone();
    assert_eq!(workspace_lints["rust"]["unsafe_code"].as_str(), Some("forbid"));
    let krates = crates();
    assert!(krates.len() >= PURE.len() + 3, "{krates:?}");
    for krate in krates {
        let m = manifest(&format!("crates/{krate}/Cargo.toml"));
        let lints = m.get("lints").and_then(Value::as_table).unwrap_or_else(|| panic!("crates/{krate}/Cargo.toml has no [lints]"));
        if krate == "store" {
            // The store alone may hold unsafe code, so it repeats the table but for that lint.
            let mut own = lints.clone();
            let mut shared = workspace_lints.clone();
            let unsafe_code = own.get_mut("rust").and_then(Value::as_table_mut).and_then(|t| t.remove("unsafe_code"));
            assert_eq!(
                unsafe_code.as_ref().and_then(Value::as_str),
                Some("deny"),
                "the store denies unsafe code but for its one raw-SQLite module"
            );
            shared.get_mut("rust").and_then(Value::as_table_mut).map(|t| t.remove("unsafe_code"));
            assert_eq!(own, shared, "crates/store/Cargo.toml's [lints] must equal [workspace.lints] but for unsafe_code");
        } else {
            assert_eq!(lints.get("workspace").and_then(Value::as_bool), Some(true), "crates/{krate} takes the workspace lints");
        }
    }
}
