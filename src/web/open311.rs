//! Open311 GeoReport v2 under `/open311/v2/`, in JSON and XML with the
//! specification's field names and error format, so that existing hotline
//! and city-service clients file and follow petitions unchanged:
//!
//! - `GET services.{json|xml}` — one service per kind of petition and
//!   category (`complaint.traffic`); `jurisdiction_id` is an agency's code.
//! - `GET services/{service_code}.{json|xml}` — its attributes.
//! - `POST requests.{json|xml}` — files a petition for a partner holding an
//!   `api_key`; the answer carries the tracking number as `service_request_id`
//!   and the citizen's access code as `token` (shown once, never kept).
//! - `GET requests/{id}.{json|xml}` and `GET requests.{json|xml}?service_request_id=a,b`
//!   — public status only: never the petitioner, the texts or the files.

use crate::app::{self, open311};
use crate::domain::open311::{ServiceCode, public_stage, status};
use crate::domain::petition::PetitionKind;
use crate::web::{AppState, Lang, client_key};
use actix_web::http::StatusCode;
use actix_web::web::{self, ServiceConfig, get, post};
use actix_web::{HttpRequest, HttpResponse};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::{Value, json};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.route("/open311/v2/services.{format}", get().to(services))
        .route("/open311/v2/services/{code}.{format}", get().to(definition))
        .route("/open311/v2/requests.{format}", post().to(create))
        .route("/open311/v2/requests.{format}", get().to(requests))
        .route("/open311/v2/requests/{id}.{format}", get().to(request));
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

fn format_of(s: &str) -> Option<Format> {
    match s {
        "json" => Some(Format::Json),
        "xml" => Some(Format::Xml),
        _ => None,
    }
}

/// The element an array's items get in XML, by the array's name.
fn item_name(list: &str) -> &str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        "events" => "event",
        other => other,
    }
}

fn write_value<W: std::io::Write>(w: &mut Writer<W>, name: &str, v: &Value) -> std::io::Result<()> {
    match v {
        Value::Null => {
            w.write_event(Event::Empty(BytesStart::new(name)))?;
        }
        Value::Array(items) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            for item in items {
                write_value(w, item_name(name), item)?;
            }
            w.write_event(Event::End(BytesEnd::new(name)))?;
        }
        Value::Object(fields) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            for (k, v) in fields {
                write_value(w, k, v)?;
            }
            w.write_event(Event::End(BytesEnd::new(name)))?;
        }
        Value::String(s) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            w.write_event(Event::Text(BytesText::new(s)))?;
            w.write_event(Event::End(BytesEnd::new(name)))?;
        }
        other => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            w.write_event(Event::Text(BytesText::new(&other.to_string())))?;
            w.write_event(Event::End(BytesEnd::new(name)))?;
        }
    }
    Ok(())
}

/// A GeoReport answer: a list (`root` names it in XML) of objects.
fn respond(format: Format, status: StatusCode, root: &str, body: Value) -> HttpResponse {
    match format {
        Format::Json => HttpResponse::build(status).json(body),
        Format::Xml => {
            let mut w = Writer::new(Vec::new());
            let written = w
                .write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
                .and_then(|_| write_value(&mut w, root, &body));
            match written {
                Ok(()) => HttpResponse::build(status)
                    .content_type("text/xml; charset=utf-8")
                    .body(w.into_inner()),
                Err(_) => HttpResponse::InternalServerError().finish(),
            }
        }
    }
}

/// The specification's error list: `[{"code": 403, "description": "…"}]`.
fn errors(format: Format, status: StatusCode, descriptions: Vec<String>) -> HttpResponse {
    let list = descriptions
        .into_iter()
        .map(|d| json!({ "code": status.as_u16(), "description": d }))
        .collect();
    respond(format, status, "errors", Value::Array(list))
}

/// GeoReport's name of one of the portal's form fields.
fn field_name(field: &str) -> &str {
    match field {
        "contact_name" => "first_name",
        "contact_email" => "email",
        "contact_phone" => "phone",
        "agency" => "jurisdiction_id",
        "kind" | "category" => "service_code",
        "title" => "attribute[title]",
        "subject" => "attribute[subject]",
        "desired_outcome" => "attribute[desired_outcome]",
        "related_case_number" => "attribute[related_case_number]",
        "anonymous" => "attribute[anonymous]",
        other => other,
    }
}

fn app_error(format: Format, lang: Lang, e: app::Error) -> HttpResponse {
    match e {
        app::Error::Fields(f) => errors(
            format,
            StatusCode::BAD_REQUEST,
            f.iter()
                .map(|(field, key)| format!("{}: {}", field_name(field), lang.t(key)))
                .collect(),
        ),
        app::Error::Forbidden => errors(
            format,
            StatusCode::FORBIDDEN,
            vec![lang.t("open311-error-key")],
        ),
        app::Error::NotFound | app::Error::TrackingNumber(_) => errors(
            format,
            StatusCode::NOT_FOUND,
            vec![lang.t("open311-error-request")],
        ),
        app::Error::Throttled { retry_after } => crate::web::retry_after(
            errors(
                format,
                StatusCode::TOO_MANY_REQUESTS,
                vec![lang.t("open311-error-throttled")],
            ),
            retry_after,
        ),
        other => {
            tracing::error!(error = %other, "Open311 request failed");
            errors(
                format,
                StatusCode::INTERNAL_SERVER_ERROR,
                vec![lang.t("error-internal")],
            )
        }
    }
}

/// An unknown format cannot be answered in it: a plain JSON error.
fn unknown_format() -> HttpResponse {
    errors(
        Format::Json,
        StatusCode::NOT_FOUND,
        vec!["only .json and .xml are offered".to_owned()],
    )
}

fn service_json(code: ServiceCode, lang: Lang, agency: Option<&str>) -> Value {
    let kind = lang.t(&format!("kind-{}", code.kind.as_str()));
    let category = lang.t(&format!("petition-category-{}", code.category.as_str()));
    let mut description = lang.t(&format!("kind-{}-help", code.kind.as_str()));
    if let Some(a) = agency {
        description = format!("{a}：{description}");
    }
    json!({
        "service_code": code.as_string(),
        "service_name": format!("{kind} · {category}"),
        "description": description,
        "metadata": true,
        "type": "realtime",
        "keywords": format!("{},{}", code.kind.as_str(), code.category.as_str()),
        "group": kind,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct JurisdictionQuery {
    #[serde(default)]
    jurisdiction_id: String,
}

async fn agency_name(
    state: &AppState,
    lang: Lang,
    jurisdiction: &str,
) -> Result<Option<String>, app::Error> {
    if jurisdiction.is_empty() {
        return Ok(None);
    }
    let a = open311::jurisdiction(&state.app, jurisdiction).await?;
    Ok(Some(a.name(lang == Lang::En).to_owned()))
}

/// `GET /open311/v2/services.{format}`
pub async fn services(
    state: web::Data<AppState>,
    lang: Lang,
    format: web::Path<String>,
    query: web::Query<JurisdictionQuery>,
) -> HttpResponse {
    let Some(format) = format_of(&format) else {
        return unknown_format();
    };
    let agency = match agency_name(&state, lang, &query.jurisdiction_id).await {
        Ok(a) => a,
        Err(_) => {
            return errors(
                format,
                StatusCode::NOT_FOUND,
                vec![lang.t("open311-error-jurisdiction")],
            );
        }
    };
    let list = ServiceCode::all()
        .into_iter()
        .map(|c| service_json(c, lang, agency.as_deref()))
        .collect();
    respond(format, StatusCode::OK, "services", Value::Array(list))
}

fn attribute(
    lang: Lang,
    code: &str,
    order: u32,
    datatype: &str,
    required: bool,
    key: &str,
    values: Option<Value>,
) -> Value {
    let mut a = json!({
        "variable": true,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": Value::Null,
        "order": order,
        "description": lang.t(key),
    });
    if let Some(v) = values {
        a["values"] = v;
    }
    a
}

/// `GET /open311/v2/services/{service_code}.{format}`
pub async fn definition(lang: Lang, path: web::Path<(String, String)>) -> HttpResponse {
    let (code, format) = path.into_inner();
    let Some(format) = format_of(&format) else {
        return unknown_format();
    };
    let Some(service) = ServiceCode::parse(&code) else {
        return errors(
            format,
            StatusCode::NOT_FOUND,
            vec![lang.t("open311-error-service")],
        );
    };
    let mut attributes = vec![
        attribute(
            lang,
            "title",
            1,
            "string",
            false,
            "open311-attr-title",
            None,
        ),
        attribute(
            lang,
            "subject",
            2,
            "string",
            false,
            "open311-attr-subject",
            None,
        ),
        attribute(
            lang,
            "desired_outcome",
            3,
            "text",
            false,
            "open311-attr-desired-outcome",
            None,
        ),
        attribute(
            lang,
            "related_case_number",
            4,
            "string",
            service.kind == PetitionKind::Litigation,
            "open311-attr-case-number",
            None,
        ),
    ];
    if service.kind.may_be_anonymous() {
        attributes.push(attribute(
            lang,
            "anonymous",
            5,
            "singlevaluelist",
            false,
            "open311-attr-anonymous",
            Some(json!([
                { "key": "false", "name": lang.t("open311-no") },
                { "key": "true", "name": lang.t("open311-yes") },
            ])),
        ));
    }
    respond(
        format,
        StatusCode::OK,
        "service_definition",
        json!({ "service_code": service.as_string(), "attributes": attributes }),
    )
}

/// `POST /open311/v2/requests.{format}` (form-encoded, as the specification
/// says; `api_key` and `jurisdiction_id` may also come in the query string).
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    format: web::Path<String>,
    body: web::Bytes,
) -> HttpResponse {
    let Some(format) = format_of(&format) else {
        return unknown_format();
    };
    let mut fields: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    match serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
        Ok(f) => fields.extend(f),
        Err(_) => {
            return errors(
                format,
                StatusCode::BAD_REQUEST,
                vec![lang.t("error-bad-form")],
            );
        }
    }
    let get = |k: &str| {
        fields
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let partner = match open311::partner(&state.app, &get("api_key")).await {
        Ok(p) => p,
        Err(e) => return app_error(format, lang, e),
    };
    let Some(service) = ServiceCode::parse(&get("service_code")) else {
        return errors(
            format,
            StatusCode::BAD_REQUEST,
            vec![format!("service_code: {}", lang.t("open311-error-service"))],
        );
    };
    let name = [get("first_name"), get("last_name")]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        // Chinese names are written family name first, without a space.
        .join(if lang == Lang::En { " " } else { "" });
    let request = open311::Request {
        jurisdiction: Some(get("jurisdiction_id")),
        service,
        title: get("attribute[title]"),
        description: get("description"),
        address: get("address_string"),
        subject: get("attribute[subject]"),
        desired_outcome: get("attribute[desired_outcome]"),
        related_case_number: get("attribute[related_case_number]"),
        anonymous: get("attribute[anonymous]") == "true",
        name,
        email: get("email"),
        phone: get("phone"),
    };
    if let Some(j) = request.jurisdiction.as_deref().filter(|j| !j.is_empty())
        && open311::jurisdiction(&state.app, j).await.is_err()
    {
        return errors(
            format,
            StatusCode::BAD_REQUEST,
            vec![format!(
                "jurisdiction_id: {}",
                lang.t("open311-error-jurisdiction")
            )],
        );
    }
    match open311::file(&state.app, &partner, request, lang.tag()).await {
        Ok(r) => {
            tracing::debug!(client = %client_key(&req), "Open311 filing answered");
            let number = r.tracking_number.display();
            crate::web::no_store(respond(
                format,
                StatusCode::OK,
                "service_requests",
                json!([{
                    "service_request_id": number,
                    "token": r.access_code.display(),
                    "service_notice": lang.t_args("open311-notice", &[("number", number.clone())]),
                    "account_id": Value::Null,
                }]),
            ))
        }
        Err(e) => app_error(format, lang, e),
    }
}

async fn request_json(state: &AppState, lang: Lang, id: &str) -> Result<Value, app::Error> {
    let s = open311::status(&state.app, id).await?;
    let p = &s.petition;
    let stage = public_stage(p.status);
    let service = ServiceCode {
        kind: p.kind,
        category: p.category,
    };
    let updated = s.events.last().map_or(p.received_at, |e| e.at);
    Ok(json!({
        "service_request_id": crate::domain::codes::TrackingNumber::parse(&p.tracking_number)
            .map(|t| t.display())
            .unwrap_or_else(|_| p.tracking_number.clone()),
        "status": status(stage),
        "status_notes": lang.t(&format!("petition-status-{}", stage.as_str())),
        "service_name": service_json(service, lang, None)["service_name"],
        "service_code": service.as_string(),
        "agency_responsible": s.agency.name(lang == Lang::En),
        "service_notice": Value::Null,
        "requested_datetime": p.received_at.to_rfc3339(),
        "updated_datetime": updated.to_rfc3339(),
        "expected_datetime": s.next_deadline.as_ref().map(|d| format!("{}T23:59:59+08:00", d.due_on)),
        "address": Value::Null,
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": Value::Null,
        "long": Value::Null,
        "media_url": Value::Null,
        // An extension clients may ignore: the public timeline, kind and time only.
        "events": s.events.iter().map(|e| json!({
            "event": e.kind.as_str(),
            "datetime": e.at.to_rfc3339(),
        })).collect::<Vec<_>>(),
    }))
}

/// `GET /open311/v2/requests/{id}.{format}`
pub async fn request(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (id, format) = path.into_inner();
    let Some(format) = format_of(&format) else {
        return unknown_format();
    };
    match request_json(&state, lang, &id).await {
        Ok(v) => respond(format, StatusCode::OK, "service_requests", json!([v])),
        Err(e) => app_error(format, lang, e),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct RequestsQuery {
    #[serde(default)]
    service_request_id: String,
}

/// `GET /open311/v2/requests.{format}?service_request_id=a,b`: petitions are
/// private, so only the ones asked for by number are answered.
pub async fn requests(
    state: web::Data<AppState>,
    lang: Lang,
    format: web::Path<String>,
    query: web::Query<RequestsQuery>,
) -> HttpResponse {
    let Some(format) = format_of(&format) else {
        return unknown_format();
    };
    let ids: Vec<&str> = query
        .service_request_id
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(50)
        .collect();
    if ids.is_empty() {
        return errors(
            format,
            StatusCode::BAD_REQUEST,
            vec![lang.t("open311-error-list")],
        );
    }
    let mut out = Vec::new();
    for id in ids {
        match request_json(&state, lang, id).await {
            Ok(v) => out.push(v),
            Err(app::Error::NotFound) => {}
            Err(e) => return app_error(format, lang, e),
        }
    }
    respond(
        format,
        StatusCode::OK,
        "service_requests",
        Value::Array(out),
    )
}
