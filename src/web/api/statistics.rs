//! 执法公开 by JSON and CSV: the figures of `/statistics`, for journalists
//! and researchers (`/api/v1/statistics`).

use crate::app::statistics as stats;
use crate::domain::evaluation::Period;
use crate::web::{AppError, AppState, Lang};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct StatisticsQuery {
    /// `province` (the default), `type:<agency type>` or `agency:<agency code>`.
    scope: String,
    /// `YYYY`, `YYYY-Qn` or `YYYY-MM`; this year when empty.
    period: String,
    /// `json` (the default) or `csv`.
    format: String,
}

/// The public statistics of a scope over a period: every figure of the
/// method (`/statistics/method`) with its numerator and denominator, the
/// petitions received by kind, the last twelve months, and the same figures
/// for each part of the scope (each agency type of the province, each agency
/// of a type). A withheld figure or count has `value: null`, `suppressed:
/// true` and `withheld`: `small` when it is under `min_sample` (1 to
/// `min_sample − 1`, or a zero withheld so that its neighbour cannot be
/// worked out), `protective` when it is `min_sample` or more and withheld so
/// that a small count cannot be worked out from the published ones (see
/// `/statistics/method`). A rate is given only with both its numerator and
/// denominator. `format=csv` gives one row per scope and figure.
#[utoipa::path(get, path = "/api/v1/statistics", tag = "public", params(StatisticsQuery),
    responses((status = 200, description = "The statistics (JSON), or CSV with `format=csv`", body = Object), (status = 400, body = crate::web::error::ErrorBody), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn statistics(
    state: web::Data<AppState>,
    lang: Lang,
    query: web::Query<StatisticsQuery>,
) -> Result<HttpResponse, AppError> {
    let period = if query.period.trim().is_empty() {
        Period::Year(chrono::Datelike::year(&crate::app::today()))
    } else {
        Period::parse(&query.period).ok_or(AppError::BadRequest("error-bad-query"))?
    };
    let scope = stats::scope(&state.app, &query.scope).await?;
    let s = stats::of(&state.app, &scope, period).await?;
    match query.format.as_str() {
        "" | "json" => Ok(HttpResponse::Ok()
            .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
            .json(&*s)),
        "csv" => {
            let body = stats::csv(&s, lang == Lang::En, &|t| {
                lang.t(&format!("agency-type-{}", t.as_str()))
            });
            let file = format!(
                "mingjing-statistics-{}-{}.csv",
                s.scope.replace(':', "-"),
                period.key()
            );
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    actix_web::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ))
                .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
                // A byte-order mark so spreadsheet programs read the Chinese as UTF-8.
                .body(format!("\u{feff}{body}")))
        }
        _ => Err(AppError::BadRequest("error-bad-query")),
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct RankingQuery {
    /// `agency:<agency code>`: the body whose bodies below are ranked.
    scope: String,
}

/// 红黑榜: last month's places of the bodies directly below a body — rank
/// (none when a body had too few cases) and list (`red`, `black`, `neither`,
/// `unranked`), never scores or rates, never officers. Published only when
/// the operator turns it on (`MINGJING_PUBLIC_RANKING`): 404 otherwise; `null`
/// for a body with nothing below it.
#[utoipa::path(get, path = "/api/v1/statistics/ranking", tag = "public", params(RankingQuery),
    responses((status = 200, body = Object), (status = 404, body = crate::web::error::ErrorBody)))]
pub async fn ranking(
    state: web::Data<AppState>,
    query: web::Query<RankingQuery>,
) -> Result<HttpResponse, AppError> {
    if !state.app.public_ranking {
        return Err(AppError::NotFound);
    }
    let stats::Scope::Agency(id) = stats::scope(&state.app, &query.scope).await? else {
        return Err(AppError::BadRequest("error-bad-query"));
    };
    let ranking = crate::app::ranking::public(&state.app, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "public, max-age=60"))
        .json(ranking))
}
