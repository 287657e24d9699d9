//! Who may see what: the one place that turns a request into a person and a scope. Handlers take
//! [`AsWorker`], [`AsPlatformStaff`] or [`AsOfficer`] and read data only through the scope they
//! carry, never through ids in the request, so nobody reaches past their own data.
//!
//! Anonymous: 401. Logged in with another role: 403. API paths answer JSON, pages HTML.

use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_store::people::{Role, Scope, Session};
use flexpension_store::{PlatformId, WorkerId};

/// The session cookie: a random 256-bit id (hex); the store keeps only its hash.
pub const SESSION_COOKIE: &str = "fp_session";

/// A logged-in person (any role) with the session's CSRF token and id.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub session: Session,
    pub token: String,
}

pub struct AsWorker(pub Viewer, pub WorkerId);
pub struct AsPlatformStaff(pub Viewer, pub PlatformId);
pub struct AsOfficer(pub Viewer, pub String);

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    NoStore,
    Anonymous { api: bool },
    WrongRole { api: bool },
    StoreFailed { api: bool },
}

/// A cookie's value from the request.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

/// The live session of a request, or why there is none.
pub async fn viewer(parts: &Parts, s: &AppState) -> Result<Viewer, Denied> {
    let api = parts.uri.path().starts_with("/api/");
    let store = s.store().ok_or(Denied::NoStore)?;
    let token = cookie(&parts.headers, SESSION_COOKIE).filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    let Some(token) = token else { return Err(Denied::Anonymous { api }) };
    match store.session(token, s.now()).await {
        Ok(Some(session)) => Ok(Viewer { session, token: token.to_string() }),
        Ok(None) => Err(Denied::Anonymous { api }),
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "reading a session failed");
            Err(Denied::StoreFailed { api })
        }
    }
}

async fn with_role(parts: &Parts, s: &AppState, role: Role) -> Result<(Viewer, Scope), Denied> {
    let v = viewer(parts, s).await?;
    if v.session.person.role() != role {
        return Err(Denied::WrongRole { api: parts.uri.path().starts_with("/api/") });
    }
    let scope = v.session.person.scope.clone();
    Ok((v, scope))
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        viewer(parts, s).await
    }
}

impl FromRequestParts<AppState> for AsWorker {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        match with_role(parts, s, Role::Worker).await? {
            (v, Scope::Worker(w)) => Ok(AsWorker(v, w)),
            _ => Err(Denied::WrongRole { api: true }),
        }
    }
}

impl FromRequestParts<AppState> for AsPlatformStaff {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        match with_role(parts, s, Role::Platform).await? {
            (v, Scope::Platform(p)) => Ok(AsPlatformStaff(v, p)),
            _ => Err(Denied::WrongRole { api: true }),
        }
    }
}

impl FromRequestParts<AppState> for AsOfficer {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        match with_role(parts, s, Role::Officer).await? {
            (v, Scope::Region(r)) => Ok(AsOfficer(v, r)),
            _ => Err(Denied::WrongRole { api: true }),
        }
    }
}

impl IntoResponse for Denied {
    fn into_response(self) -> Response {
        use crate::api::ApiError;
        match self {
            Denied::NoStore => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "no_store", "this server runs without a data store (start it with --db)", "")
                    .into_response()
            }
            Denied::Anonymous { api: true } => {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", "log in first (POST /login sets the session cookie)", "")
                    .into_response()
            }
            Denied::WrongRole { api: true } => {
                ApiError::new(StatusCode::FORBIDDEN, "forbidden", "your account may not see this", "").into_response()
            }
            Denied::StoreFailed { api: true } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", "the data store failed; try again", "").into_response()
            }
            Denied::Anonymous { api: false } => crate::web::denied_page(StatusCode::UNAUTHORIZED),
            Denied::WrongRole { api: false } => crate::web::denied_page(StatusCode::FORBIDDEN),
            Denied::StoreFailed { api: false } => crate::web::denied_page(StatusCode::SERVICE_UNAVAILABLE),
        }
    }
}
