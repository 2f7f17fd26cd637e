//! The OpenAPI document, generated from the handlers' annotations.

use actix_web::HttpResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Mingjing (明镜) API", description = "Public procedures, petitions and cases of law-enforcement bodies."),
    paths(
        super::health::healthz,
        super::agencies::list,
        super::procedures::list,
        super::procedures::show,
        super::petitions::captcha,
        super::petitions::create,
        super::petitions::show,
        super::petitions::message,
        super::petitions::evidence,
        super::cases::show
    ),
    components(schemas(crate::web::error::ErrorBody, crate::web::error::ErrorDetail)),
    tags(
        (name = "public", description = "Public data, no authentication"),
        (name = "petitions", description = "Filing and following petitions: tracking number + X-Access-Code"),
        (name = "cases", description = "Disclosed cases: case number + X-Query-Code"),
        (name = "health", description = "Operations")
    )
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
