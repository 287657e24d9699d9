//! The page a voucher's QR code opens, `/verify/voucher/{id}`: in plain words, whether the
//! voucher is genuine and unchanged (checked by [`crate::evidence::check_voucher`]) or what is
//! wrong, and what the voucher says. It shows only what the voucher itself prints.

use super::html;
use crate::evidence::check_voucher;
use crate::{AppState, assets};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_rules::money::yuan;
use flexpension_store::StoreError;
use flexpension_text::Lang;

/// What the voucher says, as the page lists it.
pub struct Shown {
    pub name: String,
    pub id_masked: String,
    /// Month, base, due, paid.
    pub months: Vec<[String; 4]>,
    pub balance: String,
    pub total_paid: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    lang: Lang,
    css: String,
    icon: String,
    id: String,
    /// `verified`, `failed`, `unknown` or `unavailable`: the verdict's class and data attribute.
    verdict: &'static str,
    /// The plain-words sentence under the verdict.
    message: String,
    /// The checks that failed, one a line.
    broke: Option<String>,
    voucher: Option<Shown>,
    switch_href: String,
}

/// `GET /verify/voucher/{id}[?lang=en]`.
pub async fn page(State(s): State<AppState>, Path(id): Path<String>, RawQuery(q): RawQuery) -> Response {
    let lang = super::lang_of(q.as_deref());
    let unavailable = (StatusCode::SERVICE_UNAVAILABLE, "unavailable", lang.t("verify.unavailable_text").to_string(), None, None);
    let (status, verdict, message, broke, voucher) = match s.store() {
        None => unavailable,
        Some(store) => match check_voucher(&s, store, &id).await {
            Ok((r, body)) if r.report.ok() => {
                let (index, size) = ((r.index + 1).to_string(), r.tree_size.to_string());
                let message = match s.witnesses().quorum {
                    0 => lang.f("verify.recorded", &[("index", &index), ("size", &size)]),
                    k => lang.f("verify.recorded_witnessed", &[("index", &index), ("size", &size), ("witnesses", &k.to_string())]),
                };
                let shown = body.map(|b| Shown {
                    months: b.months.iter().map(|m| [m.month.clone(), yuan(m.base_fen), yuan(m.net_fen), yuan(m.paid_fen)]).collect(),
                    name: b.name,
                    id_masked: b.id_masked,
                    balance: yuan(b.balance_fen),
                    total_paid: yuan(b.total_paid_fen),
                });
                (StatusCode::OK, "verified", message, None, shown)
            }
            Ok((r, _)) => {
                let broke: Vec<String> = r.report.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect();
                (StatusCode::OK, "failed", lang.t("verify.failed_text").to_string(), Some(broke.join("\n")), None)
            }
            Err(StoreError::NotFound { what: "voucher", .. }) => {
                (StatusCode::NOT_FOUND, "unknown", lang.t("verify.unknown_text").to_string(), None, None)
            }
            Err(e) => {
                tracing::error!(error = %e, "voucher check failed");
                unavailable
            }
        },
    };
    let path = format!("/verify/voucher/{}", path_segment(&id));
    let page = VerifyPage {
        lang,
        css: assets::url("app.css"),
        icon: assets::url("icon.svg"),
        switch_href: if lang.is_en() { path } else { format!("{path}?lang=en") },
        id,
        verdict,
        message,
        broke,
        voucher,
    };
    let mut res = match page.render() {
        Ok(b) => html(status, b),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the page could not be drawn").into_response(),
    };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

impl VerifyPage {
    /// The verdict in words: the headline of the page.
    fn headline(&self) -> &'static str {
        self.lang.t(match self.verdict {
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
    async fn without_a_store_the_page_says_it_cannot_check_in_either_language() {
        let state = AppState::new(Arc::new(flexpension_rules::Params::embedded().unwrap()));
        let res = page(State(state.clone()), Path("ZJ-1<b>".into()), RawQuery(None)).await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(res.headers().get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()), Some("no-store"));
        let b = body(res).await;
        assert!(b.contains(r#"<html lang="zh-CN">"#) && b.contains("参保缴费凭证核验") && b.contains("暂时无法核验，请稍后再试。"), "{b}");
        assert!(b.contains(r#"data-verdict="unavailable""#), "{b}");
        assert!(b.contains("ZJ-1&#60;b&#62;") || b.contains("ZJ-1&lt;b&gt;"), "the id is escaped: {b}");
        assert!(b.contains(r#"href="/verify/voucher/ZJ-1%3Cb%3E?lang=en""#), "{b}");
        let en = body(page(State(state), Path("ZJ-1".into()), RawQuery(Some("lang=en".into()))).await).await;
        assert!(en.contains("Cannot check now") && en.contains(">中文</a>") && en.contains(r#"href="/verify/voucher/ZJ-1""#), "{en}");
    }
}
