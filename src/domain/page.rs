//! Pagination of lists: page numbers start at 1 and are clamped, so a crafted
//! `?page=` can neither underflow nor ask for a million rows.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PageRequest {
    pub number: u64,
    pub per_page: u64,
}

impl PageRequest {
    pub const DEFAULT_PER_PAGE: u64 = 10;
    pub const MAX_PER_PAGE: u64 = 100;
    const MAX_PAGE: u64 = 100_000;

    pub fn new(number: Option<u64>, per_page: Option<u64>) -> Self {
        Self {
            number: number.unwrap_or(1).clamp(1, Self::MAX_PAGE),
            per_page: per_page
                .unwrap_or(Self::DEFAULT_PER_PAGE)
                .clamp(1, Self::MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> u64 {
        (self.number - 1) * self.per_page
    }
}

/// One page of results with what a pager needs.
#[derive(Debug, Clone, Serialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub pages: u64,
}

impl<T> Paged<T> {
    pub fn new(items: Vec<T>, request: PageRequest, total: u64) -> Self {
        Self {
            items,
            page: request.number,
            per_page: request.per_page,
            total,
            pages: total.div_ceil(request.per_page).max(1),
        }
    }

    /// The same page with each item turned into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Paged<U> {
        Paged {
            items: self.items.into_iter().map(f).collect(),
            page: self.page,
            per_page: self.per_page,
            total: self.total,
            pages: self.pages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_out_of_range_requests() {
        assert_eq!(
            PageRequest::new(Some(0), Some(0)),
            PageRequest {
                number: 1,
                per_page: 1
            }
        );
        assert_eq!(PageRequest::new(None, Some(10_000)).per_page, 100);
        assert_eq!(PageRequest::new(Some(3), Some(10)).offset(), 20);
    }

    #[test]
    fn counts_pages() {
        let p: Paged<u8> = Paged::new(vec![], PageRequest::new(None, Some(10)), 25);
        assert_eq!(p.pages, 3);
        let p: Paged<u8> = Paged::new(vec![], PageRequest::new(None, Some(10)), 0);
        assert_eq!(p.pages, 1);
    }
}
