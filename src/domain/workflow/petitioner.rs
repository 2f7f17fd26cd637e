//! The petitioner's acts after the answer: rate it (满意度), request a
//! review (复查, then 复核) one level up within 30 days, or close the
//! matter — which the system also does when the window has passed.

use super::step::{Step, need_text};
use super::{Actor, Command, Outcome, REVIEW_WINDOW_DAYS, Refusal, Round, State};
use crate::domain::clock::ClockStart;
use crate::domain::events::EventKind;

pub(super) fn decide(s: &Step<'_>, command: &Command) -> Result<Outcome, Refusal> {
    use Command as C;
    use State as S;
    let p = s.p;
    let mut new = p.clone();
    match command {
        C::Rate { rating, reason } => {
            s.in_state(&[S::Answered])?;
            s.role_allows(s.petitioner())?;
            if p.rating.is_some() {
                return Err(Refusal::AlreadyRated);
            }
            new.rating = Some(*rating);
            // The reason, when given, is the event's body: the agency reads
            // it on the petition and in its exceptions list.
            Ok(s.outcome(new, EventKind::Rated, true, reason.trim().to_owned()))
        }
        C::RequestReview { reason } => {
            s.in_state(&[S::Answered])?;
            s.role_allows(s.petitioner())?;
            if p.round == Round::ReReview {
                return Err(Refusal::NoFurtherReview);
            }
            if p.answered_on
                .is_some_and(|a| (s.cx.today - a).num_days() > REVIEW_WINDOW_DAYS)
            {
                return Err(Refusal::ReviewWindowClosed);
            }
            need_text(reason)?;
            // 复查 and 复核 are decided one level up.
            let Some(parent) = s.cx.parent_agency else {
                return Err(Refusal::NoFurtherReview);
            };
            new.state = S::ReviewRequested;
            new.agency_id = parent;
            // The answer under review is this agency's, by this handler.
            new.reviewed_agency_id = Some(p.agency_id);
            new.reviewed_handler_id = p.handler_id;
            new.review_outcome = None;
            new.round = if p.round == Round::Original {
                Round::Review
            } else {
                Round::ReReview
            };
            new.handler_id = None;
            new.draft_author_id = None;
            new.extension_used = false;
            let mut o = s.outcome(new, EventKind::ReviewRequested, true, reason.clone());
            o.stop_clocks = vec!["review_request"];
            o.start_deadlines = s.starting(ClockStart::ReviewRequested);
            Ok(o)
        }
        C::Close => {
            // Closed when the re-review is answered, or when the review window has passed.
            s.in_state(&[S::Answered])?;
            let window_over = p
                .answered_on
                .is_some_and(|a| (s.cx.today - a).num_days() > REVIEW_WINDOW_DAYS);
            let allowed = match s.actor {
                Actor::System => window_over || p.round == Round::ReReview,
                Actor::Staff { .. } => {
                    s.supervisor() && (window_over || p.round == Round::ReReview)
                }
                Actor::Petitioner => true,
            };
            if !allowed {
                return Err(
                    if matches!(s.actor, Actor::Staff { .. }) && !s.supervisor() {
                        Refusal::WrongRole
                    } else {
                        Refusal::WrongState(p.state)
                    },
                );
            }
            new.state = S::Closed;
            let mut o = s.outcome(new, EventKind::Closed, true, String::new());
            o.stop_clocks = vec!["review_request"];
            Ok(o)
        }
        _ => unreachable!("decide sends only petitioner commands here"),
    }
}
