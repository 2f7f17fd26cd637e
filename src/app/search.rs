//! 全站搜索: the public scope (procedures, disclosed cases, published answers)
//! and the staff scope (the petitions of the staff member's agency that do not
//! name them). Scope is a filter in the engine query (see `search::service`).

use super::{App, Error, Result};
use crate::search::SearchError;
use crate::search::service::{Params, Results};
use crate::store::staff::StaffMember;

fn from_search(e: SearchError) -> Error {
    match e {
        SearchError::Store(e) => e.into(),
        SearchError::BadQuery(key) => Error::Invalid(key),
        other => {
            tracing::warn!(error = %other, "search unavailable");
            Error::SearchUnavailable(other.to_string())
        }
    }
}

/// The public scope, in the reader's language (`lang` tag).
pub async fn public(app: &App, p: &Params, lang: &str) -> Result<Results> {
    app.search.public(p, lang).await.map_err(from_search)
}

/// The staff scope. A tracking number as printed on the receipt
/// (`MJ26-CG96C-KAY1W`, any case, with spaces) is searched as stored.
pub async fn staff(app: &App, staff: &StaffMember, p: &Params, lang: &str) -> Result<Results> {
    let number = crate::domain::codes::TrackingNumber::parse(&p.q)
        .ok()
        .filter(|tn| tn.as_str() != p.q);
    let asked;
    let p = match number {
        Some(tn) => {
            asked = Params {
                q: tn.as_str().to_owned(),
                ..p.clone()
            };
            &asked
        }
        None => p,
    };
    app.search
        .staff(staff, p, super::today(), lang)
        .await
        .map_err(from_search)
}
