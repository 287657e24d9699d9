//! Who may see what: the one place that turns a request into a person and a scope. Handlers take
//! [`AsWorker`], [`AsPlatformStaff`], [`AsOfficer`], [`AsGridWorker`], [`AsInspector`] or
//! [`AsLegalAid`] and read data only
//! through the scope they carry, never through ids in the request, so nobody reaches past their
//! own data (a grid worker's grids are joined in the store's queries by the person's id).
//!
//! Anonymous: 401. Logged in with another role: 403. API paths (`/api/...`, as the client sent
//! them, not as a nested router sees them) answer JSON, pages HTML.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flexpension_store::people::{Role, Scope, Session};
use flexpension_store::{PlatformId, WorkerId};
use std::net::{IpAddr, SocketAddr};

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
/// A grid worker (网格员) and their region; their grids are read by the person's id.
pub struct AsGridWorker(pub Viewer, pub String);
/// A labour inspector (劳动监察) and their region.
pub struct AsInspector(pub Viewer, pub String);
/// A union legal-aid officer (工会法律援助) and their region.
pub struct AsLegalAid(pub Viewer, pub String);

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

/// Whether the request is for the JSON API. Routers nested under `/api/v1` see the path with
/// the prefix taken off; the original one is kept in an extension.
fn is_api(parts: &Parts) -> bool {
    let path = parts.extensions.get::<OriginalUri>().map_or_else(|| parts.uri.path(), |u| u.0.path());
    path == "/api" || path.starts_with("/api/")
}

/// The live session of a request, or why there is none.
pub async fn viewer(parts: &Parts, s: &AppState) -> Result<Viewer, Denied> {
    let api = is_api(parts);
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
        return Err(Denied::WrongRole { api: is_api(parts) });
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
            _ => Err(Denied::WrongRole { api: is_api(parts) }),
        }
    }
}

impl FromRequestParts<AppState> for AsPlatformStaff {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        match with_role(parts, s, Role::Platform).await? {
            (v, Scope::Platform(p)) => Ok(AsPlatformStaff(v, p)),
            _ => Err(Denied::WrongRole { api: is_api(parts) }),
        }
    }
}

impl FromRequestParts<AppState> for AsOfficer {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        match with_role(parts, s, Role::Officer).await? {
            (v, Scope::Region(r)) => Ok(AsOfficer(v, r)),
            _ => Err(Denied::WrongRole { api: is_api(parts) }),
        }
    }
}

impl FromRequestParts<AppState> for AsGridWorker {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        match with_role(parts, s, Role::GridWorker).await? {
            (v, Scope::Grids(r)) => Ok(AsGridWorker(v, r)),
            _ => Err(Denied::WrongRole { api: is_api(parts) }),
        }
    }
}

impl FromRequestParts<AppState> for AsInspector {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        match with_role(parts, s, Role::Inspector).await? {
            (v, Scope::Inspection(r)) => Ok(AsInspector(v, r)),
            _ => Err(Denied::WrongRole { api: is_api(parts) }),
        }
    }
}

impl FromRequestParts<AppState> for AsLegalAid {
    type Rejection = Denied;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Denied> {
        match with_role(parts, s, Role::LegalAid).await? {
            (v, Scope::LegalAid(r)) => Ok(AsLegalAid(v, r)),
            _ => Err(Denied::WrongRole { api: is_api(parts) }),
        }
    }
}

/// Where a request came from, for login throttling: the socket's peer, or, when the peer is one
/// of the trusted proxies ([`AppState::with_trusted_proxies`]), the nearest address in
/// X-Forwarded-For that is not a trusted proxy. `None` when the server was not started with
/// peer addresses (a bare router in tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The client address of a request from `peer` with these headers.
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    // Proxies append: read from the right, past our own proxies; anything unreadable ends the
    // walk at the last address that was vouched for.
    let mut client = peer;
    let hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else { break };
        client = ip.to_canonical();
        if !trusted.contains(&client) {
            break;
        }
    }
    Some(client)
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientAddr(client_addr(peer, &parts.headers, s.trusted_proxies())))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "203.0.113.9, 198.51.100.1".parse().expect("header"));
        let proxy = ip("127.0.0.1");
        // Not trusted: the header is the client's own words.
        assert_eq!(client_addr(Some(proxy), &h, &[]), Some(proxy));
        // Trusted: the nearest hop that is not one of ours.
        assert_eq!(client_addr(Some(proxy), &h, &[proxy]), Some(ip("198.51.100.1")));
        assert_eq!(client_addr(Some(proxy), &h, &[proxy, ip("198.51.100.1")]), Some(ip("203.0.113.9")));
        h.insert("x-forwarded-for", "junk".parse().expect("header"));
        assert_eq!(client_addr(Some(proxy), &h, &[proxy]), Some(proxy));
        assert_eq!(client_addr(None, &h, &[proxy]), None);
    }
}
