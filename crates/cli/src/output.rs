//! Printing explanations for people at a terminal.

use flexpension_rules::Lang;
use flexpension_server::calc::Explanation;
use std::fmt::Write;
use std::io::Write as _;

/// `--lang zh|en`: the language of the labels (the text catalogue's `cli` screen) and of the
/// explanations.
pub fn lang_arg() -> impl clap::builder::TypedValueParser<Value = Lang> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(["zh", "en"]).map(|code: String| Lang::parse(Some(&code)))
}

/// The answer of a command: `value` as JSON with `--json`, else the line(s) `text` makes of it.
pub fn answer<T: serde::Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) -> anyhow::Result<()> {
    if json {
        emit(&format!("{}\n", serde_json::to_string_pretty(value)?));
    } else {
        emit(&text(value));
    }
    Ok(())
}

/// Write to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

pub fn explained(o: &mut String, l: Lang, e: &Explanation) -> std::fmt::Result {
    writeln!(o)?;
    writeln!(o, "{}", l.t("cli.steps"))?;
    for (i, s) in e.steps.iter().enumerate() {
        writeln!(o, "  {}. {}", i + 1, s.get(l))?;
    }
    if !e.warnings.is_empty() {
        writeln!(o, "{}", l.t("cli.warnings"))?;
        for w in &e.warnings {
            writeln!(o, "  ! {}", w.get(l))?;
        }
    }
    writeln!(o, "{}", l.t("cli.params"))?;
    for u in &e.params {
        let to = u.effective_to.map(|d| d.to_string()).unwrap_or_default();
        writeln!(
            o,
            "  - {} = {} [{}..{}] {} {}{} ({:?})",
            u.name.get(l),
            u.value,
            u.effective_from,
            to,
            u.source,
            u.source_title,
            if u.doc_no.is_empty() { String::new() } else { format!(" {}", u.doc_no) },
            u.confidence
        )?;
    }
    Ok(())
}
