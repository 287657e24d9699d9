//! The catalogue against itself and against the code: every entry in both languages, and every
//! key the sources and templates name is there, and every entry is named somewhere.
// Reading the other crates' sources is what this test is for.
#![allow(clippy::disallowed_methods)]

use flexpension_text::{Lang, SCREENS, entries, has};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The crates that show text, and where their text keys are written.
const SCANNED: &[&str] =
    &["crates/outreach/src", "crates/server/src", "crates/server/templates", "crates/voucher/src", "crates/rules/src", "crates/cli/src"];

/// Literals shaped like keys that are file names, not keys (`"voucher.json"`, `"verify.html"`).
const FILE_ENDINGS: &[&str] = &["html", "json", "toml", "pdf", "svg", "css", "js", "csv", "rs"];

fn han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Chinese text: a Han character or full-width punctuation (the voucher's "{label}：").
fn chinese(s: &str) -> bool {
    s.chars().any(|c| han(c) || ('\u{3000}'..='\u{303f}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c))
}

fn holes(s: &str) -> Vec<String> {
    let mut h: Vec<String> = s.split('{').skip(1).filter_map(|p| p.split('}').next()).map(str::to_string).collect();
    h.sort();
    h
}

#[test]
fn every_entry_has_both_languages_and_the_same_placeholders() {
    let all = entries();
    assert!(all.len() > 250, "{} entries", all.len());
    for (key, e) in &all {
        assert!(!e.zh.trim().is_empty() && !e.en.trim().is_empty(), "{key} lacks a language");
        assert_eq!(holes(&e.zh), holes(&e.en), "{key}: the placeholders differ");
        // The language switch names the other language in its own words: the one exception.
        if *key != "common.other_lang" {
            assert!(chinese(&e.zh), "{key}: zh is not Chinese: {}", e.zh);
            assert!(!e.en.chars().any(han), "{key}: en has Chinese: {}", e.en);
        }
    }
    assert_eq!(Lang::Zh.t("common.other_lang"), "English");
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(read) = std::fs::read_dir(dir) else { return };
    for entry in read.flatten() {
        let p = entry.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs" || e == "html") {
            out.push(p);
        }
    }
}

/// Keys written out (`"screen.name"`) and key families built at run time
/// (`format!("params.{last}")` gives the family `params.`).
#[derive(Default)]
struct Used {
    keys: BTreeSet<(String, String)>,
    families: BTreeSet<String>,
}

fn scan(path: &Path, text: &str, used: &mut Used) {
    for (screen, _) in SCREENS {
        let open = format!("\"{screen}.");
        for (at, _) in text.match_indices(&open) {
            let rest = &text[at + open.len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
            match rest[name.len()..].chars().next() {
                Some('"') if !name.is_empty() && !FILE_ENDINGS.contains(&name.as_str()) => {
                    used.keys.insert((format!("{screen}.{name}"), path.display().to_string()));
                }
                Some('{') => {
                    used.families.insert(format!("{screen}.{name}"));
                }
                _ => {}
            }
        }
    }
}

fn used() -> Used {
    let mut paths = Vec::new();
    for dir in SCANNED {
        files(&root().join(dir), &mut paths);
    }
    assert!(paths.len() > 30, "the sources were not found under {}", root().display());
    let mut used = Used::default();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        scan(&p, &text, &mut used);
    }
    used
}

#[test]
fn every_key_the_code_names_exists() {
    let used = used();
    assert!(used.keys.len() > 200, "{} keys found", used.keys.len());
    let missing: Vec<String> = used.keys.iter().filter(|(k, _)| !has(k)).map(|(k, p)| format!("{k} ({p})")).collect();
    assert!(missing.is_empty(), "named but not in the catalogue: {missing:#?}");
}

#[test]
fn every_entry_is_used() {
    let used = used();
    let named: BTreeSet<&str> = used.keys.iter().map(|(k, _)| k.as_str()).collect();
    let unused: Vec<&str> = entries()
        .into_iter()
        .map(|(k, _)| k)
        .filter(|k| !named.contains(k) && !used.families.iter().any(|f| k.starts_with(f.as_str())))
        .collect();
    assert!(unused.is_empty(), "in the catalogue but never used: {unused:#?}");
}

#[test]
fn the_scanner_finds_keys_and_families() {
    let mut u = Used::default();
    scan(
        Path::new("x.rs"),
        r#"lang.t("calculator.submit"); format!("people.scheme_{}", s); "voucher.json"; "nope.key"; "verify.html""#,
        &mut u,
    );
    assert_eq!(u.keys.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["calculator.submit"]);
    assert_eq!(u.families.iter().collect::<Vec<_>>(), ["people.scheme_"]);
}
