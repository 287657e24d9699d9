//! Printing explanations for people at a terminal.

use flexpension_server::calc::Explanation;
use std::fmt::Write;
use std::io::Write as _;

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Write to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

pub fn explained(o: &mut String, l: Lang, e: &Explanation) -> std::fmt::Result {
    writeln!(o)?;
    writeln!(o, "{}", l.pick("计算过程：", "How it was worked out:"))?;
    for (i, s) in e.steps.iter().enumerate() {
        writeln!(o, "  {}. {}", i + 1, l.pick(&s.zh, &s.en))?;
    }
    if !e.warnings.is_empty() {
        writeln!(o, "{}", l.pick("请注意：", "Please note:"))?;
        for w in &e.warnings {
            writeln!(o, "  ! {}", l.pick(&w.zh, &w.en))?;
        }
    }
    writeln!(o, "{}", l.pick("使用的参数：", "Parameters used:"))?;
    for u in &e.params {
        let to = u.effective_to.map(|d| d.to_string()).unwrap_or_default();
        writeln!(
            o,
            "  - {} = {} [{}..{}] {} {}{} ({:?})",
            l.pick(&u.name.zh, &u.name.en),
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
