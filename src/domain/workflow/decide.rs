//! The one entry point: who acts is checked here, once, for every command;
//! the command then goes to the step it belongs to; the outcome is
//! attributed and its view of the conclusion clock kept true.

use super::step::Step;
use super::{
    Actor, Attribution, Command, Context, Outcome, PetitionState, Refusal, ReviewOutcome, Round,
    clocks, handling, intake, petitioner,
};
use crate::domain::events::EventKind;

/// Decides a command: the outcome to store, or why not.
pub fn decide(
    p: &PetitionState,
    command: &Command,
    actor: &Actor,
    cx: &Context<'_>,
) -> Result<Outcome, Refusal> {
    let mut o = decide_step(p, command, actor, cx)?;
    o.attribution = attribute(p, &o, actor);
    // Keep the new state's view of the conclusion clock true to the outcome.
    if o.stop_clocks.contains(&"conclusion") {
        o.new.conclusion_due_on = None;
    }
    if let Some(d) = o.start_deadlines.iter().find(|d| d.clock == "conclusion") {
        o.new.conclusion_due_on = Some(d.due_on);
    }
    if let Some(moved) = o.conclusion_due_on {
        o.new.conclusion_due_on = Some(moved);
    }
    Ok(o)
}

/// Who an event counts for: the agency where it happened and the officer
/// responsible — the assigned handler, or the acting staff member when none
/// is; a transfer names its target, a review's answer the answer it decided.
fn attribute(p: &PetitionState, o: &Outcome, actor: &Actor) -> Attribution {
    let acting = match actor {
        Actor::Staff { id, .. } => Some(*id),
        _ => None,
    };
    let mut a = Attribution {
        agency: Some(p.agency_id),
        officer: p.handler_id.or(acting),
        ..Attribution::default()
    };
    match o.event_kind {
        EventKind::Transferred | EventKind::ReviewRequested => {
            a.other_agency = Some(o.new.agency_id);
        }
        EventKind::Answered if p.round != Round::Original => {
            a.other_agency = p.reviewed_agency_id;
            a.other_officer = p.reviewed_handler_id;
            a.detail = Some(
                p.review_outcome
                    .map_or("unstated", ReviewOutcome::as_str)
                    .to_owned(),
            );
        }
        EventKind::Rated => a.detail = o.new.rating.map(|r| r.as_str().to_owned()),
        _ => {}
    }
    a
}

fn decide_step(
    p: &PetitionState,
    command: &Command,
    actor: &Actor,
    cx: &Context<'_>,
) -> Result<Outcome, Refusal> {
    if p.state.is_terminal() {
        return Err(Refusal::WrongState(p.state));
    }
    // Who: staff act within their agency and never on a petition that names them.
    let (staff_id, role) = match actor {
        Actor::Staff {
            id,
            role,
            agency_id,
        } => {
            if p.recused_staff.contains(id) {
                return Err(Refusal::Recused);
            }
            if *agency_id != p.agency_id {
                return Err(Refusal::OutOfScope);
            }
            (Some(*id), Some(*role))
        }
        _ => (None, None),
    };
    let s = Step {
        p,
        actor,
        cx: *cx,
        staff_id,
        role,
    };
    use Command as C;
    match command {
        C::Release
        | C::Merge { .. }
        | C::Accept
        | C::Decline { .. }
        | C::Transfer { .. }
        | C::Redirect { .. }
        | C::Assign { .. } => intake::decide(&s, command),
        C::RecordInvestigation { .. }
        | C::AskPetitioner { .. }
        | C::DraftAnswer { .. }
        | C::Approve
        | C::ReturnDraft { .. } => handling::decide(&s, command),
        C::RequestExtension { .. }
        | C::ApproveExtension
        | C::RefuseExtension { .. }
        | C::StopClock { .. }
        | C::ResumeClock => clocks::decide(&s, command),
        C::Rate { .. } | C::RequestReview { .. } | C::Close => petitioner::decide(&s, command),
    }
}
