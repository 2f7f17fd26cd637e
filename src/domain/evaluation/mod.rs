//! 执法质量和效率考评 — the evaluation of enforcement quality and efficiency,
//! computed only from the record, never typed in.
//!
//! Two steps, both pure:
//! 1. **Contributions**: every timeline event and every closed deadline adds
//!    one to a few named counters (metrics) of an agency and, where the act
//!    is someone's (谁执法、谁负责), of an officer, on a day. The store keeps
//!    these summed by day and by month (the roll-ups); rebuilding them from
//!    the record gives the same sums (the suite checks it).
//! 2. **Indicators**: the evaluation rules (`rules/evaluation.toml`) define
//!    each indicator as a ratio, a percentile or a count of those metrics,
//!    with its explanation, weight and threshold. Counts are shown and never
//!    scored: no indicator rewards volume (a rule that weights a count is refused).
//!
//! Attribution: an act counts for the agency where it happened and for the
//! officer responsible — the handler assigned to the petition, or the staff
//! member who acted when none is. A review's outcome counts against the
//! agency and handler whose answer it decided.

//!
//! This file holds the first step; `indicators` the second (the method as
//! data and `evaluate`); `period` the months, quarters and years it runs over.

mod indicators;
mod period;
#[cfg(test)]
mod tests;

pub use indicators::{
    EvaluationRules, Formula, Indicator, RankingIndicator, RankingRules, Totals, Value, evaluate,
    percentile,
};
pub use period::Period;

use super::events::EventKind;
use super::ids::{AgencyId, StaffId};
use super::petition::{PetitionCategory, PetitionKind};
use super::workflow::Round;
use chrono::NaiveDate;

/// A timeline event as the evaluation reads it.
#[derive(Debug, Clone)]
pub struct EventFact<'a> {
    pub kind: EventKind,
    /// The China date it happened.
    pub day: NaiveDate,
    pub petition_kind: PetitionKind,
    pub category: PetitionCategory,
    pub round: Round,
    pub agency: AgencyId,
    pub officer: Option<StaffId>,
    pub other_agency: Option<AgencyId>,
    pub other_officer: Option<StaffId>,
    pub detail: Option<&'a str>,
}

/// A deadline that was met (closed), as the evaluation reads it.
#[derive(Debug, Clone)]
pub struct DeadlineFact<'a> {
    pub clock: &'a str,
    pub round: Round,
    pub agency: AgencyId,
    pub officer: Option<StaffId>,
    pub petition_kind: PetitionKind,
    pub category: PetitionCategory,
    pub started_on: NaiveDate,
    pub due_on: NaiveDate,
    pub closed_on: NaiveDate,
}

/// One added to `metric` of an agency (and of an officer, if any) on `day`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Contribution {
    pub agency: AgencyId,
    pub officer: Option<StaffId>,
    pub day: NaiveDate,
    pub kind: PetitionKind,
    pub category: PetitionCategory,
    pub metric: String,
}

/// The metric of a clock's outcome: `clock:<clock>:<round>:on_time` or `…:late`.
pub fn clock_metric(clock: &str, round: Round, on_time: bool) -> String {
    format!(
        "clock:{clock}:{}:{}",
        round.as_str(),
        if on_time { "on_time" } else { "late" }
    )
}

/// The metric of the days a clock used: `used:<clock>:<round>:<days>`.
pub fn used_metric(clock: &str, round: Round, days: i64) -> String {
    format!("used:{clock}:{}:{days}", round.as_str())
}

/// What a timeline event adds.
pub fn of_event(e: &EventFact<'_>) -> Vec<Contribution> {
    let here = |metric: &str, officer: Option<StaffId>| Contribution {
        agency: e.agency,
        officer,
        day: e.day,
        kind: e.petition_kind,
        category: e.category,
        metric: metric.to_owned(),
    };
    let there = |agency: AgencyId, metric: &str, officer: Option<StaffId>| Contribution {
        agency,
        officer,
        day: e.day,
        kind: e.petition_kind,
        category: e.category,
        metric: metric.to_owned(),
    };
    use EventKind as K;
    let mut out = Vec::new();
    match e.kind {
        K::Received => out.push(here("received", None)),
        K::Accepted => out.push(here("accepted", e.officer)),
        K::Declined => out.push(here("declined", e.officer)),
        K::Redirected => out.push(here("redirected", e.officer)),
        K::Merged => out.push(here("merged", e.officer)),
        K::Transferred => {
            out.push(here("transferred_out", e.officer));
            if let Some(to) = e.other_agency {
                out.push(there(to, "transferred_in", None));
            }
        }
        K::Assigned => out.push(here("assigned", e.officer)),
        K::Drafted => out.push(here("drafted", e.officer)),
        K::Returned => out.push(here("returned", e.officer)),
        K::Answered => {
            out.push(here("answered", e.officer));
            if e.round != Round::Original {
                out.push(here(
                    &format!("review_decided:{}", e.round.as_str()),
                    e.officer,
                ));
                if let Some(reviewed) = e.other_agency {
                    let outcome = e.detail.unwrap_or("unstated");
                    out.push(there(
                        reviewed,
                        &format!("review_{outcome}"),
                        e.other_officer,
                    ));
                }
            }
        }
        K::ExtensionApproved => out.push(here("extension_approved", e.officer)),
        K::ClockStopped => out.push(here("clock_stopped", e.officer)),
        K::ReviewRequested => out.push(here("review_requested", e.officer)),
        K::Rated => {
            if let Some(rating) = e.detail {
                out.push(here(&format!("rated_{rating}"), e.officer));
            }
        }
        K::DeadlineUrge => out.push(here("urged", e.officer)),
        K::DeadlineList => out.push(here("listed", e.officer)),
        K::DeadlineRemind => out.push(here("reminded", e.officer)),
        // 督办: received by the body ordered; its reply on time or late.
        K::SupervisionOrdered => out.push(here("ordered", e.officer)),
        K::SupervisionReplied => {
            if let Some(timing) = e.detail {
                out.push(here(&format!("order_replied_{timing}"), e.officer));
            }
        }
        K::Message
        | K::EvidenceAdded
        | K::Released
        | K::Investigation
        | K::Question
        | K::ExtensionRequested
        | K::ExtensionRefused
        | K::ClockResumed
        | K::Closed
        | K::MergedIn
        | K::Linked
        | K::DeadlineMoved
        | K::SupervisionWithdrawn
        | K::SupervisionEscalated => {}
    }
    out
}

/// What a met deadline adds, on the day it fell due: on time or late, and the
/// days it used (from its start to the day it was met).
pub fn of_deadline(d: &DeadlineFact<'_>) -> Vec<Contribution> {
    let c = |metric: String| Contribution {
        agency: d.agency,
        officer: d.officer,
        day: d.due_on,
        kind: d.petition_kind,
        category: d.category,
        metric,
    };
    let days = (d.closed_on - d.started_on).num_days().max(0);
    vec![
        c(clock_metric(d.clock, d.round, d.closed_on <= d.due_on)),
        c(used_metric(d.clock, d.round, days)),
    ]
}
