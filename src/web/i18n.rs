//! The reader's language as a request chooses it: zh-CN by default, English
//! with `?lang=en` (then remembered in a cookie) or by `Accept-Language`. The
//! language and its strings are `render::Lang`.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};
use std::future::{Ready, ready};

pub use crate::render::Lang;

const COOKIE: &str = "lang";

/// The request's language: query parameter, then cookie, then
/// `Accept-Language`, then Chinese.
pub fn lang_of(req: &HttpRequest) -> Lang {
    Lang::from_query(req.query_string())
        .or_else(|| req.cookie(COOKIE).and_then(|c| Lang::parse(c.value())))
        .or_else(|| {
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(from_accept_language)
        })
        .unwrap_or(Lang::Zh)
}

/// The most preferred of our languages in an `Accept-Language` header.
fn from_accept_language(header: &str) -> Option<Lang> {
    let mut ranked: Vec<(f32, Lang)> = header
        .split(',')
        .filter_map(|part| {
            let mut bits = part.split(';');
            let lang = Lang::parse(bits.next()?)?;
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0).then_some((q, lang))
        })
        .collect();
    // Stable sort keeps the header's order among equal weights.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranked.first().map(|(_, l)| *l)
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(lang_of(req)))
    }
}

/// Remembers a language chosen with `?lang=` in a cookie for the next pages.
pub async fn remember_choice(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen = Lang::from_query(req.query_string());
    let mut res = next.call(req).await?;
    if let Some(lang) = chosen {
        let cookie = Cookie::build(COOKIE, lang.tag())
            .path("/")
            .same_site(SameSite::Lax)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        res.response_mut()
            .add_cookie(&cookie)
            .map_err(actix_web::error::ErrorInternalServerError)?;
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_respects_weights() {
        assert_eq!(
            from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            from_accept_language("fr, zh-CN;q=0.5, en;q=0.4"),
            Some(Lang::Zh)
        );
        assert_eq!(from_accept_language("fr, de"), None);
        assert_eq!(from_accept_language("en;q=0, zh"), Some(Lang::Zh));
    }
}
