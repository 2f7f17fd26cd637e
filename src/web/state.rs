//! What every handler can reach.

use super::cache::PageCache;
use super::views::Views;
use crate::auth::throttle::LoginThrottle;
use crate::store::Store;

pub struct AppState {
    pub store: Store,
    pub views: Views,
    pub pages: PageCache,
    pub login_throttle: LoginThrottle,
    pub captcha_on: bool,
}
