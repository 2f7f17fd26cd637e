//! Intake (登记 → 受理): release from quarantine, merge into an earlier
//! matter, accept, decline (不予受理), transfer (转送) or redirect to a
//! litigation procedure (导入诉讼程序); then assign (交办) a handler.

use super::step::{Step, need_text};
use super::{Command, Outcome, Refusal, Round, State};
use crate::domain::clock::ClockStart;
use crate::domain::events::EventKind;

pub(super) fn decide(s: &Step<'_>, command: &Command) -> Result<Outcome, Refusal> {
    use Command as C;
    use State as S;
    let p = s.p;
    let mut new = p.clone();
    match command {
        C::Release => {
            s.in_state(&[S::Quarantined])?;
            s.role_allows(s.intake())?;
            new.state = S::Received;
            Ok(s.outcome(new, EventKind::Released, false, String::new()))
        }
        C::Merge { original, reason } => {
            // An intake decision on a new petition: a review belongs to its own matter.
            s.in_state(&[S::Received])?;
            s.role_allows(s.intake())?;
            need_text(original)?;
            need_text(reason)?;
            new.state = S::Merged;
            let mut o = s.outcome(
                new,
                EventKind::Merged,
                true,
                format!("{original}\n{reason}"),
            );
            // The petitioner is told within the acceptance period where their
            // matter is handled: the intake decision is made.
            o.stop_clocks = vec!["acceptance", "procedural_reply", "result_reply"];
            Ok(o)
        }
        C::Accept | C::Decline { .. } | C::Transfer { .. } | C::Redirect { .. } => {
            decide_intake(s, command, new)
        }
        C::Assign { handler_id } => {
            s.in_state(&[S::Accepted, S::Assigned, S::Investigating])?;
            s.role_allows(s.supervisor())?;
            if p.recused_staff.contains(handler_id) {
                return Err(Refusal::Recused);
            }
            new.state = S::Assigned;
            new.handler_id = Some(*handler_id);
            Ok(s.outcome(new, EventKind::Assigned, false, String::new()))
        }
        _ => unreachable!("decide sends only intake commands here"),
    }
}

/// 受理, 不予受理, 转送 or 导入诉讼程序: the intake decision on a petition
/// received (or a review requested), by an intake clerk or a supervisor.
fn decide_intake(
    s: &Step<'_>,
    command: &Command,
    mut new: super::PetitionState,
) -> Result<Outcome, Refusal> {
    use Command as C;
    use State as S;
    let p = s.p;
    s.in_state(&[S::Received, S::ReviewRequested])?;
    s.role_allows(s.intake())?;
    match command {
        C::Accept => {
            new.state = S::Accepted;
            let mut o = s.outcome(new, EventKind::Accepted, true, String::new());
            // A review (复查/复核) runs on its own clock: the opinion is due 30 days
            // from the request, so taking it up neither meets that clock nor starts
            // the 60-day conclusion clock of a first handling.
            if p.round == Round::Original {
                o.stop_clocks = vec!["acceptance", "procedural_reply"];
                o.start_deadlines = s.starting(ClockStart::Accepted);
            }
            Ok(o)
        }
        C::Decline { reason, citation } => {
            need_text(reason)?;
            new.state = S::Declined;
            let mut o = s.outcome(
                new,
                EventKind::Declined,
                true,
                format!("{reason}\n{citation}"),
            );
            o.stop_clocks = vec![
                "acceptance",
                "procedural_reply",
                "result_reply",
                "review_decision",
            ];
            Ok(o)
        }
        C::Transfer {
            to_agency_id,
            reason,
        } => {
            need_text(reason)?;
            new.state = S::Received;
            new.agency_id = *to_agency_id;
            let mut o = s.outcome(new, EventKind::Transferred, true, reason.clone());
            o.stop_clocks = vec!["acceptance", "procedural_reply", "result_reply"];
            o.start_deadlines = s.starting(ClockStart::Received);
            Ok(o)
        }
        C::Redirect {
            procedure,
            citation,
        } => {
            need_text(procedure)?;
            new.state = S::Redirected;
            let mut o = s.outcome(
                new,
                EventKind::Redirected,
                true,
                format!("{procedure}\n{citation}"),
            );
            o.stop_clocks = vec![
                "acceptance",
                "procedural_reply",
                "result_reply",
                "review_decision",
            ];
            Ok(o)
        }
        _ => unreachable!("matched above"),
    }
}
