use crate::store::agencies::Agency;
use crate::web::{AppError, AppState};
use actix_web::{HttpResponse, web};

/// Every agency with its type, level and parent (the hierarchy).
#[utoipa::path(get, path = "/api/v1/agencies", tag = "public",
    responses((status = 200, description = "All agencies, parents first", body = [Agency])))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(&*crate::app::catalogue::agencies(&state.app).await?))
}
