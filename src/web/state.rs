//! What every handler can reach.

use super::cache::PageCache;
use super::views::Views;
use crate::auth::throttle::LoginThrottle;
use crate::store::Store;

pub struct AppState {
    pub store: Store,
    pub views: std::sync::Arc<Views>,
    pub pages: PageCache,
    pub login_throttle: LoginThrottle,
    pub captcha_on: bool,
    pub rate_limits_on: bool,
    pub secret: crate::crypto::Secret,
    pub files: crate::files::FileStore,
    pub limits: crate::intake::Limits,
    pub search: std::sync::Arc<crate::search::Search>,
}
