//! The platform endpoints in the OpenAPI document: schemas (mirrors of the answers, checked
//! against real ones by `tests/platform_api.rs`), security schemes and the two paths with their
//! semantics spelled out.
#![allow(dead_code)]

use super::{MAX_BATCH_BYTES, MAX_BATCH_ROWS};
use crate::api::schemas::{Error, NumText};
use crate::signature::{MAX_SKEW_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::{ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, Required};
use utoipa::{OpenApi, ToSchema};

/// One settled order: one line of an `application/x-ndjson` batch (a `text/csv` batch has the
/// same columns, header `order_id,id_number,amount_yuan,settled_at,order_type,grid`).
#[derive(ToSchema)]
pub struct EarningsRow {
    /// The platform's order id (at most 128 bytes): the idempotency key with the platform.
    #[schema(example = "A-20250901-0001")]
    pub order_id: String,
    /// The worker's resident ID (GB 11643). Only its keyed hash is stored; answers show it masked.
    #[schema(example = "11010519491231002X")]
    pub id_number: String,
    /// Yuan, more than 0, at most 2 decimals, at most 50,000 per order.
    #[schema(example = "23.50")]
    pub amount_yuan: NumText,
    /// ISO 8601 time; without an offset it is China time (UTC+8). Not in the future; its China-time
    /// month must have contribution rules.
    #[schema(example = "2025-09-01T12:30:00+08:00")]
    pub settled_at: String,
    /// `ride_hailing`, `instant_delivery` or `same_city_freight`.
    #[schema(example = "instant_delivery")]
    pub order_type: String,
    /// A registered grid code.
    #[schema(example = "g1")]
    pub grid: String,
}

/// A row that was not written.
#[derive(ToSchema)]
pub struct RowProblem {
    /// Line in the body, 1-based (a CSV header is line 1).
    pub line: i64,
    /// The column at fault (`line` when the whole line is unreadable).
    pub field: String,
    /// `malformed`, `invalid_id`, `unknown_worker`, `amount`, `order_type`, `settled_at`,
    /// `no_rules`, `unknown_grid`, `conflict`.
    pub code: String,
    /// In plain words; a resident ID is only ever quoted masked.
    pub reason: String,
}

/// What a batch did: `accepted + duplicate + conflicting + rejected` is the number of rows.
#[derive(ToSchema)]
pub struct IngestAnswer {
    /// The committed batch.
    pub batch_id: Option<i64>,
    /// New orders written.
    pub accepted: i64,
    /// Orders already stored (or earlier in this batch) with the same data: nothing written.
    pub duplicate: i64,
    /// Order ids already stored (or earlier in this batch) with other data: not written, listed
    /// in `errors` with code `conflict`.
    pub conflicting: i64,
    /// Rows that failed a check: not written, listed in `errors`.
    pub rejected: i64,
    /// Income of the accepted orders, fen.
    pub income_fen: i64,
    /// Per-order injury premium the accepted orders accrue, fen.
    pub premium_fen: i64,
    pub errors: Vec<RowProblem>,
}

/// One order type's premiums in the month.
#[derive(ToSchema)]
pub struct PremiumLine {
    /// `ride_hailing`, `instant_delivery` or `same_city_freight`.
    pub order_type: String,
    pub orders: i64,
    pub premium_fen: i64,
}

/// The per-order injury premiums a platform's accepted orders accrued in a month.
#[derive(ToSchema)]
pub struct PremiumsAnswer {
    pub platform_id: i64,
    /// `YYYY-MM`, China time.
    pub month: String,
    pub orders: i64,
    pub premium_fen: i64,
    pub by_order_type: Vec<PremiumLine>,
}

#[derive(OpenApi)]
#[openapi(components(schemas(EarningsRow, RowProblem, IngestAnswer, PremiumLine, PremiumsAnswer)))]
struct PlatformDoc;

const EARNINGS: &str = "A platform posts a batch of settled orders as `text/csv` (header \
`order_id,id_number,amount_yuan,settled_at,order_type,grid`) or `application/x-ndjson` (one \
`EarningsRow` object per line).\n\n\
**Authentication.** The API key (`Authorization: Bearer KEY` or `X-Api-Key: KEY`) and a signature: \
`X-Flexpension-Timestamp` (unix seconds) and `X-Flexpension-Signature: v1=<hex HMAC-SHA256(key, \
timestamp + \".\" + body)>`. More than 300 s of clock difference is refused (`stale_timestamp`).\n\n\
**One transaction.** Each row is checked; the good rows are written together or not at all, with \
the injury premium and the workers' month incomes. Rows are idempotent on (platform, order id): \
the same row again counts `duplicate` and writes nothing; the same order id with another worker, \
amount, time, type or grid counts `conflicting` and is not written. Bad rows come back in \
`errors` by line; the answer is still 200.\n\n\
**Retries and replays.** The signature is remembered in the batch's own transaction. Sending the \
very same signed request again answers 409 `replayed`, which proves the first one committed: a \
client that lost the answer treats `replayed` to its own retry as accepted. If the first attempt \
did not commit (a crash, a timeout before the commit), the retry is processed as new. To see a \
committed batch's report again, sign the same body with a new timestamp: its rows come back \
`duplicate`, bad rows with the same errors, nothing is written twice.\n\n\
**Limits.** At most 50,000 rows and 16 MiB per request (413 beyond). A resident ID is never \
returned in clear: reasons quote it masked (`1101**********002X`).";

fn error_response(d: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(d)
        .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name(Error::name()))).build())
        .build()
}

fn header_param(name: &str, description: &str, example: &str) -> utoipa::openapi::path::Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(SchemaType::new(Type::String))))
        .example(Some(serde_json::Value::String(example.into())))
        .build()
}

fn platform_security() -> [SecurityRequirement; 2] {
    [SecurityRequirement::new("bearer", Vec::<String>::new()), SecurityRequirement::new("api_key", Vec::<String>::new())]
}

/// Add the platform endpoints to the document.
pub fn add(doc: &mut Doc) {
    doc.merge(PlatformDoc::openapi());
    if let Some(c) = doc.components.as_mut() {
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("the platform's API key")).build()),
        );
        c.add_security_scheme("api_key", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))));
    }
    debug_assert_eq!((MAX_BATCH_ROWS, MAX_BATCH_BYTES, MAX_SKEW_SECONDS), (50_000, 16 << 20, 300), "update the text above");

    let csv_example = "order_id,id_number,amount_yuan,settled_at,order_type,grid\nA-1,11010519491231002X,23.50,2025-09-01T12:30:00+08:00,instant_delivery,g1\n";
    let body = RequestBodyBuilder::new()
        .required(Some(Required::True))
        .content(
            "text/csv",
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(SchemaType::new(Type::String))))
                .example(Some(serde_json::Value::String(csv_example.into())))
                .build(),
        )
        .content("application/x-ndjson", ContentBuilder::new().schema(Some(Ref::from_schema_name("EarningsRow"))).build())
        .build();
    let answer = |name: &str| ContentBuilder::new().schema(Some(Ref::from_schema_name(name))).build();
    let post = OperationBuilder::new()
        .tag("platform")
        .summary(Some("Post a batch of settled orders (signed; one transaction; idempotent per order id)"))
        .description(Some(EARNINGS))
        .operation_id(Some("platform_earnings_post"))
        .securities(Some(platform_security()))
        .parameter(header_param(TIMESTAMP_HEADER, "Unix time in seconds when the request was signed", "1767225600"))
        .parameter(header_param(
            SIGNATURE_HEADER,
            "v1= and the hex HMAC-SHA256 of timestamp + \".\" + body, keyed with the API key",
            "v1=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        ))
        .request_body(Some(body))
        .responses(
            ResponsesBuilder::new()
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("the batch was processed (bad rows are listed in errors)")
                        .content("application/json", answer("IngestAnswer")),
                )
                .response("400", error_response("malformed: an empty body, a CSV header without the columns, a JSON array"))
                .response("401", error_response("unauthenticated, bad_api_key, missing_signature, bad_signature or stale_timestamp"))
                .response("409", error_response("replayed: this very signed request was already accepted and committed"))
                .response("413", error_response("payload_too_large: more than 50,000 rows or 16 MiB"))
                .response("415", error_response("unsupported_media_type: not text/csv or application/x-ndjson"))
                .response("503", error_response("no_store or store_unavailable: nothing was written; send it again"))
                .build(),
        );
    doc.paths.paths.insert("/api/v1/platform/earnings".into(), PathItem::new(HttpMethod::Post, post));

    let month = ParameterBuilder::new()
        .name("month")
        .parameter_in(ParameterIn::Query)
        .required(Required::True)
        .description(Some("YYYY-MM, China time"))
        .schema(Some(ObjectBuilder::new().schema_type(SchemaType::new(Type::String))))
        .example(Some(serde_json::Value::String("2025-09".into())))
        .build();
    let get = OperationBuilder::new()
        .tag("platform")
        .summary(Some("The per-order injury premiums the platform's accepted orders accrued in a month"))
        .description(Some("API key only (a read needs no signature). By order type, with totals."))
        .operation_id(Some("platform_premiums_get"))
        .securities(Some(platform_security()))
        .parameter(month)
        .responses(
            ResponsesBuilder::new()
                .response(
                    "200",
                    ResponseBuilder::new().description("the month's premiums").content("application/json", answer("PremiumsAnswer")),
                )
                .response("400", error_response("missing_field, unknown_field or invalid_input (the month)"))
                .response("401", error_response("unauthenticated or bad_api_key"))
                .response("503", error_response("no_store or store_unavailable"))
                .build(),
        );
    doc.paths.paths.insert("/api/v1/platform/premiums".into(), PathItem::new(HttpMethod::Get, get));

    let order_id = ParameterBuilder::new()
        .name("order_id")
        .parameter_in(ParameterIn::Query)
        .required(Required::True)
        .description(Some("the platform's own order id"))
        .schema(Some(ObjectBuilder::new().schema_type(SchemaType::new(Type::String))))
        .example(Some(serde_json::Value::String("A-20250910-0001".into())))
        .build();
    let proof = OperationBuilder::new()
        .tag("platform")
        .summary(Some("A proof bundle for one of the platform's order rows"))
        .description(Some(
            "API key only. The row, its earnings-batch entry of the tamper-evident log, the proof of the row in the batch's tree and of \
             the entry in the log, and the cosigned checkpoint (format flexpension-proof/v1, see docs/LOG.md). Check it offline with \
             `flexpension verify FILE --log-key K`.",
        ))
        .operation_id(Some("platform_proof_get"))
        .securities(Some(platform_security()))
        .parameter(order_id)
        .responses(
            ResponsesBuilder::new()
                .response(
                    "200",
                    ResponseBuilder::new().description("the proof bundle").content("application/json", ContentBuilder::new().build()),
                )
                .response("400", error_response("missing_field, unknown_field or invalid_input (order_id)"))
                .response("401", error_response("unauthenticated or bad_api_key"))
                .response("404", error_response("not_found: no such order of this platform, or no cosigned checkpoint covers it yet"))
                .response("503", error_response("no_store, store_unavailable or log_unavailable"))
                .build(),
        );
    doc.paths.paths.insert("/api/v1/platform/proof".into(), PathItem::new(HttpMethod::Get, proof));
}
