//! The page a voucher's QR code opens, `/verify/voucher/{id}?code=…`. With the voucher's number
//! alone it asks for the check code printed beside the QR code and shows nothing else; with both
//! it says in plain words whether the voucher is genuine and unchanged (checked by
//! [`crate::evidence::check_voucher`]) and shows only the totals the paper prints, for the holder
//! to compare. A wrong code and an unknown number get the same answer, after the same work.

use super::html;
use crate::evidence::check_voucher;
use crate::voucher::code_matches;
use crate::{AppState, assets};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_rules::money::yuan;
use flexpension_store::Store;
use flexpension_text::Lang;

/// What the page shows of a verified voucher: its face's totals, nothing per month and nobody's name.
pub struct Shown {
    pub issued_at: String,
    pub period: String,
    pub count: String,
    pub total_due: String,
    pub total_paid: String,
    pub balance: String,
    pub years: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    lang: Lang,
    css: String,
    icon: String,
    id: String,
    /// The code as typed, for the form.
    code: String,
    /// `ask`, `verified`, `failed`, `unknown` or `unavailable`: the verdict's class and data attribute.
    verdict: &'static str,
    /// The plain-words sentence under the verdict.
    message: String,
    /// The checks that failed, one a line.
    broke: Option<String>,
    voucher: Option<Shown>,
    action: String,
    switch_href: String,
}

type Outcome = (StatusCode, &'static str, String, Option<String>, Option<Shown>);

/// `GET /verify/voucher/{id}[?code=XXXX-XXXX][&lang=en]`.
pub async fn page(State(s): State<AppState>, Path(id): Path<String>, RawQuery(q): RawQuery) -> Response {
    let q = q.unwrap_or_default();
    let lang = super::lang_of(Some(&q));
    let code: String =
        form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "code").map(|(_, v)| v.chars().take(64).collect()).unwrap_or_default();
    let (status, verdict, message, broke, voucher) = if code.trim().is_empty() {
        // Nothing is looked up: the page is the same for every number.
        (StatusCode::OK, "ask", lang.t("verify.ask_text").to_string(), None, None)
    } else {
        match s.store() {
            None => unavailable(lang),
            Some(store) => check(&s, store, &id, &code, lang).await,
        }
    };
    let path = format!("/verify/voucher/{}", path_segment(&id));
    let code_q: String = form_urlencoded::byte_serialize(code.as_bytes()).collect();
    // Always an explicit language: without one the remembered choice would win.
    let other = lang.other().code();
    let switch_href = if code.is_empty() { format!("{path}?lang={other}") } else { format!("{path}?code={code_q}&lang={other}") };
    let page = VerifyPage {
        lang,
        css: assets::url("app.css"),
        icon: assets::url("icon.svg"),
        action: path,
        switch_href,
        id,
        code,
        verdict,
        message,
        broke,
        voucher,
    };
    let mut res = match page.render() {
        Ok(b) => html(status, b),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The address carries the check code: send it to no other site.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

fn unavailable(lang: Lang) -> Outcome {
    (StatusCode::SERVICE_UNAVAILABLE, "unavailable", lang.t("verify.unavailable_text").to_string(), None, None)
}

/// The number and the code: one answer, after one look-up and one hash, for an unknown number
/// and for a wrong code; the full check only for a voucher whose code was given.
async fn check(s: &AppState, store: &Store, id: &str, code: &str, lang: Lang) -> Outcome {
    let rec = match store.voucher(id).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "reading a voucher failed");
            return unavailable(lang);
        }
    };
    let matched = code_matches(code, rec.as_ref().map_or("", |r| r.note.as_str()));
    if rec.is_none() || !matched {
        return (StatusCode::NOT_FOUND, "unknown", lang.t("verify.unknown_text").to_string(), None, None);
    }
    match check_voucher(s, store, id).await {
        Ok((r, body)) if r.report.ok() => {
            let (index, size) = ((r.index + 1).to_string(), r.tree_size.to_string());
            let message = match s.witnesses().quorum {
                0 => lang.f("verify.recorded", &[("index", &index), ("size", &size)]),
                k => lang.f("verify.recorded_witnessed", &[("index", &index), ("size", &size), ("witnesses", &k.to_string())]),
            };
            let shown = body.map(|b| Shown {
                issued_at: b.issued_at.clone(),
                period: lang.f(
                    "verify.period",
                    &[
                        ("first", b.months.first().map_or("", |m| m.month.as_str())),
                        ("last", b.months.last().map_or("", |m| m.month.as_str())),
                    ],
                ),
                count: lang.f("verify.count", &[("count", &b.months.len().to_string())]),
                total_due: yuan(b.months.iter().map(|m| m.net_fen).fold(0, i64::saturating_add)),
                total_paid: yuan(b.total_paid_fen),
                balance: yuan(b.balance_fen),
                years: lang.f(
                    "voucher.years_months",
                    &[("years", &(b.months_paid / 12).to_string()), ("months", &(b.months_paid % 12).to_string())],
                ),
            });
            (StatusCode::OK, "verified", message, None, shown)
        }
        Ok((r, _)) => {
            let broke: Vec<String> = r.report.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
            (StatusCode::OK, "failed", lang.t("verify.failed_text").to_string(), Some(broke.join("\n")), None)
        }
        Err(e) => {
            tracing::error!(error = %e, "voucher check failed");
            unavailable(lang)
        }
    }
}

impl VerifyPage {
    /// The verdict in words: the headline of the page.
    fn headline(&self) -> &'static str {
        self.lang.t(match self.verdict {
            "ask" => "verify.ask",
            "verified" => "verify.verified",
            "failed" => "verify.failed",
            "unknown" => "verify.unknown",
            _ => "verify.unavailable",
        })
    }
}

/// `id` as one path segment: unreserved characters kept, the rest percent-encoded, so the
/// language link leads back to the same voucher whatever its number holds.
fn path_segment(id: &str) -> String {
    id.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;
    use std::sync::Arc;

    #[test]
    fn ids_are_kept_as_one_segment() {
        assert_eq!(path_segment("ZJ-20251101-000001-AB12CD"), "ZJ-20251101-000001-AB12CD");
        assert_eq!(path_segment("a b/c?"), "a%20b%2Fc%3F");
    }

    async fn body(res: Response) -> String {
        String::from_utf8(to_bytes(res.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn without_a_code_the_page_asks_for_it_and_looks_nothing_up() {
        // No store at all: without a code the page does not need one.
        let state = AppState::new(Arc::new(flexpension_rules::Params::embedded().unwrap()));
        let res = page(State(state.clone()), Path("ZJ-1<b>".into()), RawQuery(None)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"));
        assert_eq!(res.headers().get(header::REFERRER_POLICY).and_then(|v| v.to_str().ok()), Some("no-referrer"));
        let b = body(res).await;
        assert!(b.contains(r#"<html lang="zh-CN">"#) && b.contains("参保缴费凭证核验") && b.contains(r#"data-verdict="ask""#), "{b}");
        assert!(b.contains(r#"name="code""#), "a form for the code: {b}");
        assert!(b.contains("ZJ-1&#60;b&#62;") || b.contains("ZJ-1&lt;b&gt;"), "the id is escaped: {b}");
        assert!(b.contains(r#"href="/verify/voucher/ZJ-1%3Cb%3E?lang=en""#), "{b}");
        let en = body(page(State(state.clone()), Path("ZJ-1".into()), RawQuery(Some("lang=en".into()))).await).await;
        assert!(
            en.contains("Enter the check code") && en.contains(">中文</a>") && en.contains(r#"href="/verify/voucher/ZJ-1?lang=zh""#),
            "{en}"
        );
        // With a code it must look, and cannot.
        let res = page(State(state), Path("ZJ-1".into()), RawQuery(Some("code=ab12-cd34&lang=en".into()))).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        let b = body(res).await;
        let zh_link =
            [r#"href="/verify/voucher/ZJ-1?code=ab12-cd34&amp;lang=zh""#, r#"href="/verify/voucher/ZJ-1?code=ab12-cd34&#38;lang=zh""#];
        assert!(b.contains("Cannot check now") && zh_link.iter().any(|l| b.contains(l)), "{b}");
    }
}
