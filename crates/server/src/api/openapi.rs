//! The OpenAPI 3.1 document, generated from the code: [`super::router`] registers every handler
//! with its `#[utoipa::path]`, and the schemas are the real request and response types
//! (`ToSchema`). This file holds only what belongs to no handler: the title and description, the
//! tags, the security schemes and the refusals many operations share.

use crate::calc::CalcError;
use crate::ops::request::RequestIdInErrors;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use utoipa::openapi::response::{Response as Answer, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, RefOr};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "flexpension API",
        description = "Contribution and pension calculators for flexible and platform workers. Every \
answer carries its explanation (steps in Chinese and English), the parameters used with their \
sources, and warnings. Money is integer fen (0.01 yuan); rates are exact decimal strings.\n\n\
Errors are always `{\"error\", \"message\", \"field\"}`: 400 when the request is wrong (malformed \
JSON or query, unknown or missing field, bad value, unknown region/policy/overlay), 422 when it is \
well-formed but no parameter covers it (e.g. a month before the rule data starts), 404 for an \
unknown path, 405 for another method, 413 for a body over 64 KiB, 415 for a body that is not JSON \
or a form.\n\n\
The platform API (tag `platform`) takes a platform's settled orders and reports what it owes; it \
needs the platform's API key, and writes are signed (see `POST /api/v1/platform/earnings`). Its \
limits and status codes are stated per operation. The people who log in (tags `worker`, \
`officer`) call with the session cookie that `POST /login` sets."
    ),
    tags(
        (name = "calculators", description = "Each by GET (query string) or POST (JSON body or form); no login"),
        (name = "platform", description = "A platform's own data: its API key, writes signed"),
        (name = "worker", description = "A worker's own data: session cookie"),
        (name = "officer", description = "An agency officer's region: session cookie"),
        (name = "public", description = "Public figures: counts only, no login"),
        (name = "agency", description = "Peer agencies: signed messages, the signature by the sender's log key is the authentication"),
        (name = "operations", description = "Liveness, readiness and this document"),
    ),
    components(schemas(CalcError)),
    modifiers(&SecuritySchemes, &RequestIdInErrors)
)]
pub struct ApiDoc;

/// The ways a caller proves who it is: a person's session cookie, a platform's API key (as a
/// bearer token or in `X-Api-Key`). Platform writes are also signed with the key; those two
/// headers are parameters of the operations that need them.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut Doc) {
        let c = doc.components.get_or_insert_with(Default::default);
        let cookie = ApiKeyValue::with_description(crate::guard::SESSION_COOKIE, "set by POST /login");
        c.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(cookie)));
        let bearer = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("the platform's API key")).build();
        c.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        c.add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))));
    }
}

fn refusals(list: &[(&str, &str)]) -> BTreeMap<String, RefOr<Answer>> {
    let body = || ContentBuilder::new().schema(Some(Ref::from_schema_name(CalcError::name()))).build();
    list.iter()
        .map(|(status, description)| {
            (status.to_string(), RefOr::T(ResponseBuilder::new().description(*description).content("application/json", body()).build()))
        })
        .collect()
}

/// What every calculator may refuse.
pub struct CalcRefusals;

impl utoipa::IntoResponses for CalcRefusals {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refusals(&[
            ("400", "malformed request, unknown or missing field, or a bad value"),
            ("422", "well-formed, but no parameter covers it (e.g. the month)"),
        ])
    }
}

/// What every endpoint of a person who logs in may refuse.
pub struct SessionRefusals;

impl utoipa::IntoResponses for SessionRefusals {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refusals(&[
            ("401", "unauthenticated: no live session (log in at /login)"),
            ("403", "forbidden: the account has another role"),
            ("503", "no_store or store_unavailable"),
        ])
    }
}

/// What every read of the platform API may refuse: each reads one month (writes list their own).
pub struct KeyRefusals;

impl utoipa::IntoResponses for KeyRefusals {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refusals(&[
            ("400", "missing_field, unknown_field or invalid_input (the month)"),
            ("401", "unauthenticated or bad_api_key"),
            ("503", "no_store or store_unavailable"),
        ])
    }
}

/// What a proof bundle download may refuse besides its own 404: a bundle needs the published log.
pub struct ProofRefusals;

impl utoipa::IntoResponses for ProofRefusals {
    fn responses() -> BTreeMap<String, RefOr<Answer>> {
        refusals(&[
            ("400", "missing_field, unknown_field or invalid_input"),
            ("401", "unauthenticated: no live session (log in at /login)"),
            ("403", "forbidden: the account has another role"),
            ("503", "no_store, store_unavailable or log_unavailable"),
        ])
    }
}

/// The whole document, as served.
pub fn doc() -> Value {
    let mut doc = serde_json::to_value(super::router().into_openapi()).unwrap_or_default();
    inline_primitives(&mut doc);
    doc
}

/// utoipa does not see through a type alias such as `type Fen = i64`: it refers to a schema named
/// `i64`. Put the primitive's schema in place of each such reference and drop the entry.
fn inline_primitives(doc: &mut Value) {
    fn walk(v: &mut Value, found: &Map<String, Value>) {
        match v {
            Value::Object(o) => {
                if let Some(p) = o.get("$ref").and_then(Value::as_str).and_then(|r| found.get(r)).and_then(Value::as_object) {
                    let p = p.clone();
                    o.remove("$ref");
                    for (k, x) in p {
                        o.entry(k).or_insert(x);
                    }
                }
                o.values_mut().for_each(|x| walk(x, found));
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, found)),
            _ => {}
        }
    }
    let Some(schemas) = doc.pointer_mut("/components/schemas").and_then(Value::as_object_mut) else { return };
    let found: Map<String, Value> = ["i64", "u64", "i32", "u32", "usize"]
        .into_iter()
        .filter_map(|name| schemas.remove(name).map(|s| (format!("#/components/schemas/{name}"), s)))
        .collect();
    walk(doc, &found);
}

/// The document as served, made once.
fn json() -> &'static [u8] {
    static JSON: OnceLock<Vec<u8>> = OnceLock::new();
    JSON.get_or_init(|| serde_json::to_vec(&doc()).unwrap_or_default())
}

/// This document (OpenAPI 3.1); browsable at `/api/docs/`
#[utoipa::path(get, path = "/openapi.json", tag = "operations", operation_id = "openapi_get",
    responses((status = 200, description = "the OpenAPI document", content_type = "application/json")))]
pub async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], json()).into_response()
}
