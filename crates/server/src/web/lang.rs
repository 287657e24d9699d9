//! The page language: `?lang=` when given (and then remembered in a cookie), else the cookie,
//! else the browser's Accept-Language, else Chinese. The middleware writes the choice into the
//! query of every page request that has none, so every handler (and every link it makes) sees
//! one explicit language, and keeps it for the request so refusals drawn by the guard (which
//! see no query) speak it too.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use flexpension_text::Lang;

/// The cookie that remembers the language chosen.
pub const LANG_COOKIE: &str = "fp_lang";

tokio::task_local! {
    static CURRENT: Lang;
}

/// The language of the request being answered (Chinese outside a request).
pub fn current() -> Lang {
    CURRENT.try_with(|l| *l).unwrap_or_default()
}

/// The `lang=` of a query string, if any.
fn query_lang(query: Option<&str>) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).find(|(k, _)| k == "lang").map(|(_, v)| v.into_owned())
}

/// The language Accept-Language prefers among ours: the first tag (by q) that is zh or en.
pub fn from_accept_language(h: &HeaderMap) -> Option<Lang> {
    let v = h.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut tags: Vec<(f32, usize, &str)> = v
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut it = part.split(';');
            let tag = it.next()?.trim();
            let q = it.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok())).unwrap_or(1.0);
            (q > 0.0).then_some((q, i, tag))
        })
        .collect();
    tags.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    tags.iter().find_map(|(_, _, t)| {
        let primary = t.split('-').next().unwrap_or("").to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    })
}

/// Paths whose query is a contract of its own (the API, files): left as they are.
fn is_page(path: &str) -> bool {
    !(path == "/api" || path.starts_with("/api/") || path.starts_with("/static/") || path.starts_with("/log/") || path == "/healthz")
}

pub async fn middleware(mut req: Request, next: Next) -> Response {
    if !is_page(req.uri().path()) {
        return next.run(req).await;
    }
    let path = req.uri().path().to_string();
    let asked = query_lang(req.uri().query());
    let lang = match &asked {
        Some(code) => Lang::parse(Some(code)),
        None => match crate::guard::cookie(req.headers(), LANG_COOKIE) {
            Some(c) => Lang::parse(Some(c)),
            None => from_accept_language(req.headers()).unwrap_or_default(),
        },
    };
    if asked.is_none() {
        let q = match req.uri().query() {
            Some(q) if !q.is_empty() => format!("{q}&lang={}", lang.code()),
            _ => format!("lang={}", lang.code()),
        };
        if let Ok(uri) = format!("{path}?{q}").parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    let mut res = CURRENT.scope(lang, next.run(req)).await;
    if asked.is_some() {
        let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_ours_by_weight() {
        let mut h = HeaderMap::new();
        assert_eq!(from_accept_language(&h), None);
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("fr-FR, en-GB;q=0.8, zh-CN;q=0.9"));
        assert_eq!(from_accept_language(&h), Some(Lang::Zh));
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("en-US,en;q=0.9"));
        assert_eq!(from_accept_language(&h), Some(Lang::En));
        h.insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static("de, fr;q=0.5"));
        assert_eq!(from_accept_language(&h), None);
    }
}
