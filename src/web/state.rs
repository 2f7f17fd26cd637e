//! What every handler can reach: the application (its use cases take it), the
//! templates, and the page cache of the public pages.

use super::cache::PageCache;
use crate::render::Views;

pub struct AppState {
    pub app: crate::app::App,
    pub views: std::sync::Arc<Views>,
    pub pages: PageCache,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`MINGJING_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Cookies only over HTTPS (`MINGJING_SECURE_COOKIES`).
    pub secure_cookies: bool,
}

impl AppState {
    /// After a write that changes public pages: this node's copies go now,
    /// before the writer's answer; every other node's within a second (the
    /// announcement), or at the latest when their copy's TTL ends.
    pub async fn pages_changed(&self) {
        self.pages.invalidate_all();
        if let Err(e) = self
            .app
            .store
            .announce(crate::store::cluster::Topic::Pages)
            .await
        {
            tracing::warn!(error = %e, "could not tell the other nodes that pages changed");
        }
    }

    /// Renders `template` with `page` (a page struct bound to it).
    pub fn render<T: serde::Serialize>(
        &self,
        template: &str,
        page: &T,
    ) -> Result<String, super::AppError> {
        Ok(self.views.render(template, page)?)
    }
}
