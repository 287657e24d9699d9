//! The notice cards (`crates/outreach/cards.toml`): which card suits a worker, its text filled
//! with their own figures, and the readability check every card must pass.

use crate::product::Product;
use flexpension_text::Lang;
use serde::Deserialize;

/// The copy compiled into the binary.
pub const CARDS: &str = include_str!("../cards.toml");

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Readability {
    pub max_zh_chars: usize,
    pub max_en_words: usize,
    pub banned_zh: Vec<String>,
    pub banned_en: Vec<String>,
}

/// One card. `product` is a scheme's code, or `any_migrant` for every worker from another
/// province.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub id: String,
    pub product: String,
    pub zh: String,
    pub en: String,
}

/// How many questions the awareness quiz (知晓率) has.
pub const QUIZ_QUESTIONS: usize = 5;

/// A question of the awareness quiz: plain words in both languages, the same options in the
/// same order, and which one is right (counted from 0).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub options_zh: Vec<String>,
    pub options_en: Vec<String>,
    pub answer: usize,
}

impl Question {
    pub fn text(&self, lang: Lang) -> &str {
        if lang.is_en() { &self.en } else { &self.zh }
    }

    pub fn options(&self, lang: Lang) -> &[String] {
        if lang.is_en() { &self.options_en } else { &self.options_zh }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Library {
    pub readability: Readability,
    #[serde(rename = "card")]
    pub cards: Vec<Card>,
    #[serde(rename = "quiz")]
    pub quiz: Vec<Question>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CardError {
    #[error("cards.toml: {0}")]
    Parse(String),
    #[error("card {id}: {reason}")]
    Card { id: String, reason: String },
}

impl Library {
    pub fn embedded() -> Result<Library, CardError> {
        Library::parse(CARDS)
    }

    /// Read the cards; each must pass [`Library::check`].
    pub fn parse(text: &str) -> Result<Library, CardError> {
        let lib: Library = toml::from_str(text).map_err(|e| CardError::Parse(e.to_string()))?;
        for c in &lib.cards {
            if let Some(reason) = lib.check(c).into_iter().next() {
                return Err(CardError::Card { id: c.id.clone(), reason });
            }
        }
        if lib.quiz.len() != QUIZ_QUESTIONS {
            return Err(CardError::Parse(format!("the quiz has {} questions, not {QUIZ_QUESTIONS}", lib.quiz.len())));
        }
        for q in &lib.quiz {
            let bad = |reason: String| CardError::Card { id: q.id.clone(), reason };
            if q.options_zh.len() != q.options_en.len() || !(2..=4).contains(&q.options_zh.len()) {
                return Err(bad("2 to 4 options, as many in each language".into()));
            }
            if q.answer >= q.options_zh.len() {
                return Err(bad(format!("answer {} is not one of the options", q.answer)));
            }
            let as_card = Card { id: q.id.clone(), product: String::new(), zh: q.zh.clone(), en: q.en.clone() };
            if let Some(reason) = lib.check(&as_card).into_iter().next() {
                return Err(bad(reason));
            }
        }
        if lib.quiz.iter().enumerate().any(|(i, q)| lib.quiz[..i].iter().any(|p| p.id == q.id)) {
            return Err(CardError::Parse("two quiz questions share an id".into()));
        }
        Ok(lib)
    }

    /// What is wrong with a card: a sentence too long, a banned term, placeholders that differ
    /// between the languages.
    pub fn check(&self, c: &Card) -> Vec<String> {
        let r = &self.readability;
        let mut problems = Vec::new();
        for s in c.zh.split(['。', '！', '？', '；']).map(str::trim).filter(|s| !s.is_empty()) {
            let n = without_holes(s).chars().count();
            if n > r.max_zh_chars {
                problems.push(format!("a Chinese sentence of {n} characters (at most {}): {s}", r.max_zh_chars));
            }
        }
        for s in c.en.split(['.', '!', '?', ';', ':']).map(str::trim).filter(|s| !s.is_empty()) {
            let n = s.split_whitespace().count();
            if n > r.max_en_words {
                problems.push(format!("an English sentence of {n} words (at most {}): {s}", r.max_en_words));
            }
        }
        problems.extend(r.banned_zh.iter().filter(|t| c.zh.contains(t.as_str())).map(|t| format!("a word workers don't use: {t}")));
        let en = c.en.to_lowercase();
        problems.extend(r.banned_en.iter().filter(|t| en.contains(&t.to_lowercase())).map(|t| format!("a word workers don't use: {t}")));
        if holes(&c.zh) != holes(&c.en) {
            problems.push("the two languages name different figures".into());
        }
        problems
    }

    pub fn card(&self, id: &str) -> Option<&Card> {
        self.cards.iter().find(|c| c.id == id)
    }

    /// How many of `answers` (question id, option chosen) are right; unknown questions count
    /// as wrong.
    pub fn score_quiz(&self, answers: &[(String, usize)]) -> usize {
        answers.iter().filter(|(id, a)| self.quiz.iter().any(|q| q.id == *id && q.answer == *a)).count()
    }

    /// The card for a worker: among those of their scheme (and the migrant's), the one their
    /// strongest reasons point to (`reasons` as the outreach run keeps them, strongest first:
    /// `months_active+45,migrant+1,...`), a card they have not had yet before one they have,
    /// and only a card whose every figure is known in both languages.
    pub fn choose(&self, product: Product, migrant: bool, reasons: &str, seen: &[String], figures: &[(&str, String)]) -> Option<&Card> {
        let points = |c: &Card| -> usize {
            // The position of the first reason that speaks for this card (earlier is stronger).
            let wants: &[&str] = match c.id.as_str() {
                "moves_with_you" => &["migrant", "grids"],
                "years_count" => &["months_active", "age", "ever_enrolled"],
                "cheaper_now" => &["income_yuan", "income_cv"],
                _ => &[],
            };
            reasons.split(',').position(|r| wants.iter().any(|w| r.starts_with(w))).unwrap_or(usize::MAX)
        };
        let mut cards: Vec<&Card> = self
            .for_worker(product, migrant)
            .into_iter()
            .filter(|c| c.fill(Lang::Zh, figures).is_some() && c.fill(Lang::En, figures).is_some())
            .collect();
        cards.sort_by_key(|c| (seen.contains(&c.id), points(c)));
        cards.first().copied()
    }

    /// The cards for a worker: those of their scheme, and the migrant's when they are one.
    pub fn for_worker(&self, product: Product, migrant: bool) -> Vec<&Card> {
        self.cards.iter().filter(|c| c.product == product.code() || (migrant && c.product == "any_migrant")).collect()
    }
}

impl Card {
    /// The text with the worker's figures; `None` when a figure it names is missing.
    pub fn fill(&self, lang: Lang, figures: &[(&str, String)]) -> Option<String> {
        let mut text = if lang.is_en() { self.en.clone() } else { self.zh.clone() };
        for name in holes(&text) {
            let (_, v) = figures.iter().find(|(k, _)| *k == name)?;
            text = text.replace(&format!("{{{name}}}"), v);
        }
        Some(text)
    }
}

fn holes(s: &str) -> Vec<String> {
    let mut out: Vec<String> = s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(h, _)| h.to_string())).collect();
    out.sort();
    out.dedup();
    out
}

/// A sentence's length as read: a figure counts as four characters.
fn without_holes(s: &str) -> String {
    let mut out = s.to_string();
    for h in holes(s) {
        out = out.replace(&format!("{{{h}}}"), "0000");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_card_passes_the_readability_check() {
        let lib = Library::embedded().expect("cards.toml");
        assert!(lib.cards.len() >= 5);
        for c in &lib.cards {
            assert_eq!(lib.check(c), Vec::<String>::new(), "{}", c.id);
        }
    }

    #[test]
    fn the_check_catches_jargon_long_sentences_and_missing_figures() {
        let lib = Library::embedded().expect("cards.toml");
        let card = |zh: &str, en: &str| Card { id: "x".into(), product: "injury_cover".into(), zh: zh.into(), en: en.into() };
        assert!(lib.check(&card("按缴费基数的12%缴费。", "Pay 12%.")).iter().any(|p| p.contains("缴费基数")));
        assert!(lib.check(&card("短。", "Your contribution base is set.")).iter().any(|p| p.contains("contribution base")));
        let long = "很".repeat(41);
        assert!(lib.check(&card(&format!("{long}。"), "Short.")).iter().any(|p| p.contains("41 characters")));
        assert!(lib.check(&card("交{pays}元。", "Pay now.")).iter().any(|p| p.contains("different figures")));
        let bad = CARDS.replace("每月只要交{pays}元", "每月只要按费率交{pays}元");
        assert!(matches!(Library::parse(&bad), Err(CardError::Card { .. })));
    }

    #[test]
    fn the_quiz_has_five_plain_questions_with_one_right_answer() {
        let lib = Library::embedded().expect("cards.toml");
        assert_eq!(lib.quiz.len(), QUIZ_QUESTIONS);
        let right: Vec<(String, usize)> = lib.quiz.iter().map(|q| (q.id.clone(), q.answer)).collect();
        assert_eq!(lib.score_quiz(&right), 5);
        let wrong: Vec<(String, usize)> = lib.quiz.iter().map(|q| (q.id.clone(), (q.answer + 1) % q.options_zh.len())).collect();
        assert_eq!(lib.score_quiz(&wrong), 0);
        assert_eq!(lib.score_quiz(&[("nope".into(), 0)]), 0);
        let four = CARDS.replacen("[[quiz]]", "[[quizz]]", 1);
        assert!(Library::parse(&four).is_err());
    }

    #[test]
    fn the_card_follows_the_strongest_reason_and_what_was_sent() {
        let lib = Library::embedded().expect("cards.toml");
        let figures = [
            ("income", "3800".to_string()),
            ("pays", "359".to_string()),
            ("subsidy", "239".to_string()),
            ("months", "45".to_string()),
            ("min_years", "20".to_string()),
        ];
        let id = |reasons: &str, seen: &[String]| lib.choose(Product::EmployeePension, true, reasons, seen, &figures).map(|c| c.id.clone());
        assert_eq!(id("migrant-1,age+35", &[]).as_deref(), Some("moves_with_you"));
        assert_eq!(id("months_active+45,migrant-1", &[]).as_deref(), Some("years_count"));
        assert_eq!(id("income_yuan+3800,migrant-1", &[]).as_deref(), Some("cheaper_now"));
        assert_eq!(id("migrant-1,age+35", &["moves_with_you".into()]).as_deref(), Some("years_count"));
        // Without the minimum years, the card that names them is never chosen.
        let some = &figures[..4];
        assert_ne!(lib.choose(Product::EmployeePension, false, "months_active+45", &[], some).map(|c| c.id.as_str()), Some("years_count"));
        assert_eq!(lib.choose(Product::InjuryCover, false, "", &[], &[]).map(|c| c.id.as_str()), Some("injury_first"));
    }

    #[test]
    fn a_card_is_filled_with_the_workers_figures() {
        let lib = Library::embedded().expect("cards.toml");
        let cards = lib.for_worker(Product::EmployeePension, true);
        assert!(cards.iter().any(|c| c.id == "moves_with_you") && cards.iter().any(|c| c.id == "cheaper_now"));
        assert!(!lib.for_worker(Product::InjuryCover, false).iter().any(|c| c.id == "moves_with_you"));
        let cheaper = cards.iter().find(|c| c.id == "cheaper_now").unwrap();
        let figures = [("income", "3800".to_string()), ("pays", "359".to_string()), ("subsidy", "239".to_string())];
        assert_eq!(cheaper.fill(Lang::Zh, &figures).unwrap(), "你每月收入大约3800元。按新办法，每月只要交359元。省里再帮你出239元。");
        assert!(cheaper.fill(Lang::En, &figures[..2]).is_none(), "a missing figure is not printed as a hole");
    }
}
