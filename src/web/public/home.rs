use super::{cached_page, path_key};
use crate::domain::procedure::Category;
use crate::render::Layout;
use crate::web::{AppError, AppState, Lang};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

#[derive(Serialize)]
struct TypeCount {
    agency_type: &'static str,
    count: u64,
}

#[derive(Serialize)]
struct HomePage {
    layout: Layout,
    counts: Vec<TypeCount>,
    categories: Vec<&'static str>,
}

pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
) -> Result<HttpResponse, AppError> {
    cached_page(&state, path_key(&req, lang), || async {
        let counts = crate::app::catalogue::procedure_counts(&state.app)
            .await?
            .into_iter()
            .map(|(t, count)| TypeCount {
                agency_type: t.as_str(),
                count,
            })
            .collect();
        let page = HomePage {
            layout: crate::web::layout(&req, lang),
            counts,
            categories: Category::ALL.iter().map(|c| c.as_str()).collect(),
        };
        state.render("public/home.html", &page)
    })
    .await
}
