//! What every handler can reach: the application (its use cases take it), the
//! templates, and the page cache of the public pages.

use super::cache::PageCache;
use crate::render::Views;

pub struct AppState {
    pub app: crate::app::App,
    pub views: std::sync::Arc<Views>,
    pub pages: PageCache,
}

impl AppState {
    /// Renders `template` with `page` (a page struct bound to it).
    pub fn render<T: serde::Serialize>(
        &self,
        template: &str,
        page: &T,
    ) -> Result<String, super::AppError> {
        Ok(self.views.render(template, page)?)
    }
}
