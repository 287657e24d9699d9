//! Every calculation returns its value with an explanation: plain steps in Chinese and English,
//! the parameters it used with their sources, and warnings where a figure is weak or not law.

use crate::params::{Confidence, Dated, Source};
use chrono::NaiveDate;
use serde::Serialize;

/// One sentence in both UI languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text { zh: zh.into(), en: en.into() }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// The language of every text people read, shared with the text catalogue.
pub use flexpension_text::Lang;

/// A parameter value a calculation used, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParamUse {
    pub key: String,
    pub name: Text,
    pub value: String,
    pub effective_from: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<NaiveDate>,
    pub source: String,
    pub source_title: String,
    /// The document number; left out when there is none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub doc_no: String,
    pub confidence: Confidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<Text>,
}

/// A value and how it was reached.
#[derive(Debug, Clone, Serialize)]
pub struct Explained<T> {
    pub value: T,
    pub steps: Vec<Text>,
    pub params: Vec<ParamUse>,
    pub warnings: Vec<Text>,
}

/// Collects steps, parameters and warnings while a calculator runs.
#[derive(Debug, Default)]
pub struct Explainer {
    steps: Vec<Text>,
    params: Vec<ParamUse>,
    warnings: Vec<Text>,
}

impl Explainer {
    pub fn new() -> Explainer {
        Explainer::default()
    }

    pub fn step(&mut self, zh: impl Into<String>, en: impl Into<String>) {
        self.steps.push(Text::new(zh, en));
    }

    pub fn warn(&mut self, zh: impl Into<String>, en: impl Into<String>) {
        let t = Text::new(zh, en);
        if !self.warnings.contains(&t) {
            self.warnings.push(t);
        }
    }

    /// Record a parameter use; weak or non-legal values raise a warning that names them.
    pub fn uses(&mut self, p: ParamUse) {
        if self.params.iter().any(|q| q.key == p.key && q.effective_from == p.effective_from) {
            return;
        }
        let (name_zh, name_en) = (&p.name.zh, &p.name.en);
        let note = p.note.clone().unwrap_or_else(|| Text::new("", ""));
        let sep = |s: &str| {
            if s.is_empty() { String::new() } else { format!(" {s}") }
        };
        if p.source == "DESIGN" {
            // A design choice says so once; its confidence tag adds nothing to that.
            self.warn(
                format!("「{name_zh}」={} 是本系统的设计选择：法规和论文都没有规定。{}", p.value, sep(&note.zh)),
                format!("{name_en} = {} is this system's own choice: neither the law nor the paper says.{}", p.value, sep(&note.en)),
            );
        } else {
            match p.confidence {
                Confidence::W | Confidence::M => self.warn(
                    format!("「{name_zh}」={} 的依据还不够可靠（出处见下面的“用到的数字和出处”），请谨慎参考。{}", p.value, sep(&note.zh)),
                    format!("{name_en} = {} rests on a source that is not fully reliable (see “Figures used and where they come from” below); treat it with care.{}", p.value, sep(&note.en)),
                ),
                Confidence::Proposal => self.warn(
                    format!("「{name_zh}」={} 是论文的建议，不是现行法律。", p.value),
                    format!("{name_en} = {} is the paper's proposal, not the law.", p.value),
                ),
                _ => {}
            }
        }
        self.params.push(p);
    }

    /// Take in a part calculation's explanation (steps already given are not repeated) and
    /// return its value.
    pub fn absorb<T>(&mut self, part: Explained<T>) -> T {
        for s in part.steps {
            if !self.steps.contains(&s) {
                self.steps.push(s);
            }
        }
        for p in part.params {
            self.uses(p);
        }
        for w in part.warnings {
            if !self.warnings.contains(&w) {
                self.warnings.push(w);
            }
        }
        part.value
    }

    pub fn finish<T>(self, value: T) -> Explained<T> {
        Explained { value, steps: self.steps, params: self.params, warnings: self.warnings }
    }
}

/// Build the record of a parameter use from a dated value.
pub fn param_use<T>(key: &str, d: &Dated<T>, value: String, source: &Source) -> ParamUse {
    ParamUse {
        key: key.to_string(),
        name: crate::names::param_name(key),
        value,
        effective_from: d.from,
        effective_to: d.to,
        source: d.source.clone(),
        source_title: source.title.clone(),
        doc_no: source.doc_no.clone(),
        confidence: d.confidence,
        note: d.note.clone(),
    }
}
