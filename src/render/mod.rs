//! Rendering: tera templates bound to page structs, and Fluent for every
//! string, in zh-CN and English. Both the web pages and the mail render here,
//! so neither imports the other.

pub mod chart;
pub mod i18n;
pub mod notice;
pub mod pdf;
pub mod views;

pub use i18n::Lang;
pub use views::{Layout, RenderError, Views};
