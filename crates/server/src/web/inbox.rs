//! The worker's inbox and the awareness quiz on `/me` (paper 5.3): the notices due to them in
//! plain words (their card filled with their own figures), a button that marks one as read
//! (`POST /me/notices/{id}/read`), and five questions (`POST /me/quiz`) whose answers the
//! officer's awareness rate (知晓率) counts. GET never writes: reading the page marks nothing.

use crate::AppState;
use crate::guard::AsWorker;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_outreach::card::Library;
use flexpension_store::{Store, StoreError, WorkerId};
use flexpension_text::Lang;
use serde::Deserialize;
use std::collections::HashMap;

/// Notices the inbox shows at most (the newest).
pub const INBOX_SHOWN: usize = 10;
/// The largest quiz form a worker may send.
pub const MAX_QUIZ_FORM_FIELDS: usize = 12;

/// A notice as the worker sees it.
pub struct Item {
    pub id: i64,
    pub text: String,
    /// When it came, China time, `MM-DD HH:MM`.
    pub when: String,
    pub read: bool,
}

/// A quiz question: its id, words, options (index, words, the worker's earlier choice).
pub struct Question {
    pub id: String,
    pub text: String,
    pub options: Vec<(usize, String, bool)>,
}

/// What `/me` shows of the inbox and the quiz.
#[derive(Default)]
pub struct Inbox {
    pub notices: Vec<Item>,
    pub unread: usize,
    /// "2 unread" in the page's language.
    pub unread_label: String,
    pub quiz: Vec<Question>,
    /// After the quiz: "4 of 5 right" in the page's language.
    pub quiz_score: Option<String>,
}

/// The worker's inbox and quiz in `lang`; empty when the store cannot be read (the page still
/// draws).
pub async fn load(store: &Store, worker: WorkerId, lang: Lang, now_us: i64) -> Inbox {
    let Ok(lib) = Library::embedded() else { return Inbox::default() };
    let notices = store.worker_notices(worker, now_us).await.unwrap_or_default();
    let answers = store.worker_quiz(worker).await.unwrap_or_default();
    let chosen: HashMap<&str, i32> = answers.iter().map(|(q, a, _)| (q.as_str(), *a)).collect();
    let items: Vec<Item> = notices
        .iter()
        .take(INBOX_SHOWN)
        .filter_map(|n| {
            let text = crate::notices::text(&lib, n.card.as_deref(), &n.figures, lang)?;
            let when = n.due_at_us.and_then(flexpension_outreach::plan::china_time).map(|t| t.format("%m-%d %H:%M").to_string())?;
            Some(Item { id: n.id, text, when, read: n.read_at_us.is_some() })
        })
        .collect();
    let right = answers.iter().filter(|(q, _, ok)| *ok && lib.quiz.iter().any(|x| x.id == *q)).count();
    let unread = items.iter().filter(|i| !i.read).count();
    Inbox {
        unread,
        unread_label: lang.f("inbox.unread", &[("n", &unread.to_string())]),
        notices: items,
        quiz: lib
            .quiz
            .iter()
            .map(|q| Question {
                id: q.id.clone(),
                text: q.text(lang).to_string(),
                options: q
                    .options(lang)
                    .iter()
                    .enumerate()
                    .map(|(k, o)| (k, o.clone(), chosen.get(q.id.as_str()).is_some_and(|c| *c as usize == k)))
                    .collect(),
            })
            .collect(),
        quiz_score: (!answers.is_empty())
            .then(|| lang.f("inbox.quiz_score", &[("right", &right.to_string()), ("total", &lib.quiz.len().to_string())])),
    }
}

fn back(lang: Option<&str>, anchor: &str) -> Response {
    let code = Lang::parse(lang).code();
    crate::web::reply::see_other(format!("/me?lang={code}#{anchor}"))
}

#[derive(Deserialize)]
pub struct ReadForm {
    csrf: String,
    lang: Option<String>,
}

/// `POST /me/notices/{id}/read`: the worker marks their notice as read.
pub async fn read(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Path(id): Path<i64>, Form(f): Form<ReadForm>) -> Response {
    use crate::web::people::denied_with;
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    match store.mark_notice_read(worker, id).await {
        Ok(_) => back(lang, "inbox"),
        Err(StoreError::NotFound { .. }) => denied_with(StatusCode::NOT_FOUND, lang, "people.err_not_yours"),
        Err(_) => denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later"),
    }
}

/// `POST /me/quiz`: the worker's answers, `csrf`, `lang` and one field per question (its id,
/// the option's number). Questions left out keep their earlier answer; an unknown question or
/// option is refused and nothing is kept.
pub async fn quiz(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Form(f): Form<Vec<(String, String)>>) -> Response {
    use crate::web::people::denied_with;
    let field = |k: &str| f.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let lang = field("lang");
    if f.len() > MAX_QUIZ_FORM_FIELDS || !crate::web::login::same(&v.session.csrf, field("csrf").unwrap_or("").trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let Ok(lib) = Library::embedded() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let mut answers = Vec::new();
    for (name, value) in f.iter().filter(|(n, _)| n != "csrf" && n != "lang") {
        let q = lib.quiz.iter().find(|q| q.id == *name);
        let choice = value.trim().parse::<usize>().ok();
        match (q, choice) {
            (Some(q), Some(c)) if c < q.options_zh.len() => answers.push((q.id.clone(), c as i32, c == q.answer)),
            _ => return denied_with(StatusCode::UNPROCESSABLE_ENTITY, lang, "inbox.quiz_bad"),
        }
    }
    if answers.is_empty() {
        return denied_with(StatusCode::UNPROCESSABLE_ENTITY, lang, "inbox.quiz_bad");
    }
    match store.quiz_answer(worker, &answers).await {
        Ok(()) => back(lang, "quiz"),
        Err(_) => denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later"),
    }
}

/// The officer's figures of the notices, the quiz and the arms (label, value), in `lang`.
pub async fn officer_figures(s: &AppState, store: &Store, lang: Lang, now_us: i64) -> Result<Vec<(String, String)>, StoreError> {
    let counts = store.notice_counts(now_us).await?;
    let aware_correct = flexpension_outreach::Settings::embedded(&s.params().sources).map(|x| x.notices.aware_correct.value).unwrap_or(4);
    let (takers, aware) = store.quiz_awareness(aware_correct).await?;
    let arms = store.notice_arms().await?;
    let arm = |name: &str| arms.iter().find(|a| a.arm == name).map_or((0, 0), |a| (a.workers.max(0) as u64, a.enrolled.max(0) as u64));
    let pct = |x: f64| format!("{:.1}%", x * 100.0);
    let points = |x: f64| format!("{:+.1}", x * 100.0);
    let mut out = vec![
        (lang.t("inbox.o_planned").to_string(), counts.treated.to_string()),
        (lang.t("inbox.o_holdout").to_string(), counts.holdout.to_string()),
        (lang.t("inbox.o_due").to_string(), counts.due.to_string()),
        (lang.t("inbox.o_read").to_string(), counts.read.to_string()),
        (lang.t("inbox.o_delivered").to_string(), format!("{} · {} · {}", counts.delivered, counts.opened, counts.acted)),
    ];
    let awareness = if takers > 0 {
        lang.f(
            "inbox.o_awareness_value",
            &[("rate", &pct(aware as f64 / takers as f64)), ("k", &aware.to_string()), ("n", &takers.to_string())],
        )
    } else {
        lang.t("inbox.o_awareness_none").to_string()
    };
    out.push((lang.f("inbox.o_awareness", &[("aware", &aware_correct.to_string())]), awareness));
    let ((tn, tk), (hn, hk)) = (arm("treated"), arm("holdout"));
    match flexpension_outreach::eval::uplift((tn, tk), (hn, hk)) {
        Some(u) => {
            let interval = [("diff", points(u.diff)), ("low", points(u.low)), ("high", points(u.high))];
            let interval: Vec<(&str, &str)> = interval.iter().map(|(k, v)| (*k, v.as_str())).collect();
            out.push((lang.t("inbox.o_uplift").to_string(), lang.f("inbox.o_uplift_value", &interval)));
            let arms = [
                ("treated", pct(u.treated)),
                ("tk", tk.to_string()),
                ("tn", tn.to_string()),
                ("holdout", pct(u.holdout)),
                ("hk", hk.to_string()),
                ("hn", hn.to_string()),
            ];
            let arms: Vec<(&str, &str)> = arms.iter().map(|(k, v)| (*k, v.as_str())).collect();
            out.push((lang.t("inbox.o_arms").to_string(), lang.f("inbox.o_arms_value", &arms)));
        }
        None => out.push((lang.t("inbox.o_uplift").to_string(), lang.t("inbox.o_uplift_none").to_string())),
    }
    Ok(out)
}
