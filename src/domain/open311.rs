//! Open311 GeoReport v2 — how the portal's petitions look to a GeoReport
//! client: a service is a kind of petition about a category (`complaint.traffic`),
//! a jurisdiction is an agency (its code), a request's status is `open` or `closed`.

use super::petition::{PetitionCategory, PetitionKind};
use super::workflow::State;

/// A GeoReport `service_code`: `<kind>.<category>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceCode {
    pub kind: PetitionKind,
    pub category: PetitionCategory,
}

impl ServiceCode {
    /// Every service, kinds first, in the order the forms list them.
    pub fn all() -> Vec<ServiceCode> {
        PetitionKind::ALL
            .iter()
            .flat_map(|k| {
                PetitionCategory::ALL.iter().map(|c| ServiceCode {
                    kind: *k,
                    category: *c,
                })
            })
            .collect()
    }

    pub fn parse(s: &str) -> Option<ServiceCode> {
        let (kind, category) = s.trim().split_once('.')?;
        Some(ServiceCode {
            kind: PetitionKind::parse(kind)?,
            category: PetitionCategory::parse(category)?,
        })
    }

    pub fn as_string(&self) -> String {
        format!("{}.{}", self.kind.as_str(), self.category.as_str())
    }
}

/// GeoReport has no title: when the `title` attribute is empty, the first
/// line of the description (at most 40 characters) stands in.
pub fn title_of(title: &str, description: &str) -> String {
    if title.trim().is_empty() {
        description
            .trim()
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(40)
            .collect()
    } else {
        title.trim().to_owned()
    }
}

/// GeoReport's two statuses: a request is `closed` once the body has
/// answered it or decided not to handle it (declined, redirected), even though
/// a review may still be asked for (it then opens again).
pub fn status(state: State) -> &'static str {
    match state {
        State::Answered | State::Declined | State::Redirected | State::Closed | State::Merged => {
            "closed"
        }
        _ => "open",
    }
}

/// The stage a stranger holding only the number may see: a petition held
/// for review as suspected abuse shows as received (the hold is not theirs to know).
pub fn public_stage(state: State) -> State {
    match state {
        State::Quarantined => State::Received,
        s => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_code_reads_back_and_others_do_not() {
        let all = ServiceCode::all();
        assert_eq!(all.len(), 27);
        for c in all {
            assert_eq!(ServiceCode::parse(&c.as_string()), Some(c));
        }
        for bad in [
            "",
            "complaint",
            "complaint.",
            "x.traffic",
            "complaint.traffic.x",
        ] {
            assert_eq!(ServiceCode::parse(bad), None, "{bad}");
        }
        assert_eq!(status(State::Quarantined), "open");
        assert_eq!(public_stage(State::Quarantined), State::Received);
        assert_eq!(status(State::Declined), "closed");
        assert_eq!(title_of(" 标题 ", "描述"), "标题");
        assert_eq!(title_of("", "  第一行\n第二行"), "第一行");
    }
}
