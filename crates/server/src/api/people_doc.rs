//! The people endpoints in the OpenAPI document: the worker's own views and the officer's
//! listing (session cookie from `POST /login`), the platform's listing (API key).

use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, Required};

fn query(name: &str, required: bool, description: &str, example: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Query)
        .required(if required { Required::True } else { Required::False })
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(SchemaType::new(Type::String))))
        .example(Some(serde_json::Value::String(example.into())))
        .build()
}

fn error(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("Error"))).build())
        .build()
}

/// Add the paths and the session security scheme.
pub fn add(doc: &mut Doc) {
    if let Some(c) = doc.components.as_mut() {
        c.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::guard::SESSION_COOKIE))));
    }
    let session = || vec![SecurityRequirement::new("session", Vec::<String>::new())];
    let key = || vec![SecurityRequirement::new("api_key", Vec::<String>::new())];
    let month = || query("month", true, "YYYY-MM, China time", "2025-09");
    let grid = || query("grid", false, "a grid code: only workers whose home grid it is", "g1");
    let paths: [(&str, &str, &str, bool, &str); 5] = [
        (
            "/api/v1/me/months",
            "me_months_get",
            "A worker's own months, newest first (at most 24): income by platform, and once closed the base, rate, contribution, subsidy, paid and due (`status` closed / not_closed)",
            true,
            "worker",
        ),
        (
            "/api/v1/me/account",
            "me_account_get",
            "A worker's own account: personal-account balance, months paid, years counted, arrears, standing",
            true,
            "worker",
        ),
        ("/api/v1/me/enrolments", "me_enrolments_get", "A worker's own enrolments: insurance type, months, basis", true, "worker"),
        (
            "/api/v1/officer/workers",
            "officer_workers_get",
            "An officer's region: a month's income per worker and platform (IDs masked), totals, the journal's trial balance. Filters: month, grid, platform",
            true,
            "officer",
        ),
        (
            "/api/v1/platform/workers",
            "platform_workers_get",
            "The calling platform's workers (IDs masked) with their month income and orders from this platform, totals, and the month's injury premiums. Filters: month, grid",
            false,
            "platform",
        ),
    ];
    for (path, id, summary, by_session, tag) in paths {
        let mut op = OperationBuilder::new().tag(tag).summary(Some(summary)).operation_id(Some(id)).securities(Some(if by_session {
            session()
        } else {
            key()
        }));
        if !path.starts_with("/api/v1/me/") {
            op = op.parameter(month()).parameter(grid());
        }
        if path == "/api/v1/officer/workers" {
            op = op.parameter(query("platform", false, "a platform number", "1"));
        }
        let ok = ResponseBuilder::new().description("only the caller's own data").content(
            "application/json",
            ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(SchemaType::new(Type::Object)))).build(),
        );
        let mut responses = ResponsesBuilder::new().response("200", ok.build());
        if !path.starts_with("/api/v1/me/") {
            responses = responses.response("400", error("missing_field, unknown_field or invalid_input (the month)"));
        }
        let denied = if by_session { "unauthenticated: no live session (log in at /login)" } else { "unauthenticated or bad_api_key" };
        responses = responses.response("401", error(denied));
        if by_session {
            responses = responses.response("403", error("forbidden: the account has another role"));
        }
        responses = responses.response("503", error("no_store or store_unavailable"));
        doc.paths.paths.insert(path.into(), PathItem::new(HttpMethod::Get, op.responses(responses.build())));
    }
}
