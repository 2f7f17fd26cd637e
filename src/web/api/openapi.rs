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
        super::cases::show,
        super::search::search,
        super::statistics::statistics,
        super::statistics::ranking,
        super::staff::token,
        super::staff::list,
        super::staff::show,
        super::staff::action,
        super::staff::duplicates,
        super::staff::link,
        super::staff::petitioner_action,
        super::oversight::overview,
        super::oversight::list,
        super::oversight::evaluation,
        super::oversight::officer,
        super::oversight::bulletins,
        super::oversight::bulletin,
        super::oversight::ranking,
        super::supervision::exceptions,
        super::supervision::orders,
        super::supervision::issue,
        super::supervision::order,
        super::supervision::reply,
        super::supervision::withdraw
    ),
    components(schemas(crate::web::error::ErrorBody, crate::web::error::ErrorDetail, super::supervision::IssueIn, super::supervision::ChangeIn)),
    tags(
        (name = "public", description = "Public data, no authentication"),
        (name = "petitions", description = "Filing and following petitions: tracking number + X-Access-Code"),
        (name = "cases", description = "Disclosed cases: case number + X-Query-Code"),
        (name = "staff", description = "Staff: Authorization: Bearer <token from /api/v1/auth/token>"),
        (name = "health", description = "Operations")
    )
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
