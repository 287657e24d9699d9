//! The OpenAPI 3.1 document. The paths are built from one table so that every calculator is
//! described the same way: GET with the request fields as query parameters, POST with a JSON body.

use super::schemas as s;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem, PathItemBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, RefOr, Required};
use utoipa::{OpenApi, ToSchema};

/// One calculator: its path under `/api/v1/calc/`, what it does, its request and response.
pub struct Endpoint {
    pub name: &'static str,
    pub summary: &'static str,
    pub request: &'static str,
    pub response: &'static str,
}

pub const ENDPOINTS: [Endpoint; 8] = [
    Endpoint {
        name: "contribution",
        summary: "A month's contribution: base, rate, split, subsidy, what the worker pays, burden",
        request: "ContributionRequest",
        response: "ContributionResponse",
    },
    Endpoint {
        name: "retirement",
        summary: "Statutory retirement month and minimum contribution years under the 2025 reform",
        request: "RetirementRequest",
        response: "RetirementResponse",
    },
    Endpoint {
        name: "pension",
        summary: "Monthly pension at retirement: basic pension plus personal-account pension",
        request: "PensionRequest",
        response: "PensionResponse",
    },
    Endpoint {
        name: "workdays",
        summary: "Working days on the official holiday calendar: add days, or count between dates",
        request: "WorkdaysRequest",
        response: "WorkdaysResponse",
    },
    Endpoint {
        name: "injury",
        summary: "Occupational injury cover: the per-order premium a platform pays",
        request: "InjuryRequest",
        response: "InjuryResponse",
    },
    Endpoint {
        name: "id-check",
        summary: "Check digits of a resident ID or a unified social credit code (not logged, not stored)",
        request: "IdCheckRequest",
        response: "IdCheckResponse",
    },
    Endpoint {
        name: "estimate",
        summary: "Pension estimate in today's money from a base and years of contributions",
        request: "EstimateRequest",
        response: "EstimateResponse",
    },
    Endpoint {
        name: "residents",
        summary: "Residents' pension for comparison: yearly grade, years, monthly amount",
        request: "ResidentsRequest",
        response: "ResidentsResponse",
    },
];

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
limits and status codes are stated per operation."
    ),
    components(schemas(
        s::NumText,
        s::Text,
        s::Confidence,
        s::ParamUse,
        s::Error,
        s::ContributionRequest,
        s::RetirementRequest,
        s::PensionRequest,
        s::WorkdaysRequest,
        s::InjuryRequest,
        s::IdCheckRequest,
        s::EstimateRequest,
        s::ResidentsRequest,
        s::ContributionResponse,
        s::RetirementResponse,
        s::PensionResponse,
        s::WorkdaysResponse,
        s::InjuryResponse,
        s::IdCheckResponse,
        s::EstimateResponse,
        s::ResidentsResponse,
    ))
)]
struct ApiDoc;

/// The whole document, paths included.
pub fn doc() -> Doc {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let schemas = doc.components.as_ref().map(|c| c.schemas.clone()).unwrap_or_default();
    for e in &ENDPOINTS {
        let params = match schemas.get(e.request) {
            Some(RefOr::T(Schema::Object(o))) => o
                .properties
                .iter()
                .map(|(name, schema)| {
                    let required = if o.required.contains(name) { Required::True } else { Required::False };
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Query)
                        .required(required)
                        .description(describe(schema))
                        .schema(Some(query_schema(schema)))
                        .build()
                })
                .collect(),
            _ => Vec::new(),
        };
        let op = |method: &str| {
            OperationBuilder::new()
                .tag("calculators")
                .summary(Some(e.summary))
                .operation_id(Some(format!("{}_{method}", e.name.replace('-', "_"))))
                .responses(responses(e.response))
        };
        let get = op("get").parameters(Some(params));
        let body = RequestBodyBuilder::new()
            .required(Some(Required::True))
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name(e.request))).build())
            .build();
        let post = op("post").request_body(Some(body));
        let item = PathItemBuilder::new().operation(HttpMethod::Get, get).operation(HttpMethod::Post, post).build();
        doc.paths.paths.insert(format!("/api/v1/calc/{}", e.name), item);
    }
    let health = OperationBuilder::new()
        .tag("operations")
        .summary(Some("Liveness: 200 `ok` while the server runs"))
        .operation_id(Some("healthz"))
        .response("200", ResponseBuilder::new().description("ok").content("text/plain", ContentBuilder::new().build()));
    doc.paths.paths.insert("/healthz".into(), PathItem::new(HttpMethod::Get, health));
    super::platform::doc::add(&mut doc);
    super::people_doc::add(&mut doc);
    doc
}

fn responses(ok: &str) -> utoipa::openapi::Responses {
    let json = |name: &str| ContentBuilder::new().schema(Some(Ref::from_schema_name(name))).build();
    let err = |d: &str| ResponseBuilder::new().description(d).content("application/json", json(s::Error::name().as_ref())).build();
    ResponsesBuilder::new()
        .response("200", ResponseBuilder::new().description("the result with its explanation").content("application/json", json(ok)))
        .response("400", err("malformed request, unknown or missing field, or a bad value"))
        .response("422", err("well-formed, but no parameter covers it (e.g. the month)"))
        .build()
}

/// A property's doc comment, wherever utoipa put it (on the schema, or on the `$ref`).
fn describe(schema: &RefOr<Schema>) -> Option<String> {
    let text = |d: &str| (!d.is_empty()).then(|| d.to_string());
    match schema {
        RefOr::Ref(r) => text(&r.description),
        RefOr::T(Schema::Object(o)) => o.description.clone(),
        RefOr::T(Schema::OneOf(o)) => o.description.clone().or_else(|| o.items.iter().find_map(describe)),
        RefOr::T(Schema::AllOf(a)) => a.description.clone(),
        _ => None,
    }
}

/// In a query string every value is text; `NumText` is described as a string there.
fn query_schema(schema: &RefOr<Schema>) -> RefOr<Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let text = || RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(SchemaType::new(Type::String)).build()));
    match schema {
        RefOr::Ref(_) => text(),
        RefOr::T(Schema::OneOf(_)) | RefOr::T(Schema::AllOf(_)) => text(),
        other => other.clone(),
    }
}
