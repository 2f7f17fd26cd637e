//! The console's next step (`offer`), beside the table tests of `tests`.

use super::tests::{AGENCY, CLERK, HANDLER, SUPERVISOR, cx, petition};
use super::*;
use crate::domain::staff::Role;

/// "下一步" names only an act that moves the petition on for the person
/// looking: after assigning, the supervisor has none (reassigning is
/// another act); after drafting, the handler has none (an extension is a
/// way round) and the approver's is the approval.
#[test]
fn the_next_step_is_the_act_that_moves_the_petition_on_for_this_person() {
    let staff = |id, role| Actor::Staff {
        id,
        role,
        agency_id: AGENCY,
    };
    let clerk = staff(CLERK, Role::IntakeClerk);
    let supervisor = staff(SUPERVISOR, Role::Supervisor);
    let handler = staff(HANDLER, Role::Handler);
    let next = |state, actor: &Actor| offer(&petition(state, &Command::Accept), actor, &cx()).next;
    let table = [
        (State::Received, &clerk, Some("accept")),
        (State::Received, &handler, None),
        (State::Accepted, &supervisor, Some("assign")),
        (State::Accepted, &clerk, None),
        (State::Assigned, &supervisor, None),
        (State::Assigned, &handler, Some("draft_answer")),
        (State::Investigating, &handler, Some("draft_answer")),
        (State::Investigating, &supervisor, None),
        (State::Drafted, &handler, None),
        (State::Drafted, &supervisor, Some("approve")),
        (State::Answered, &supervisor, None),
        (State::Closed, &supervisor, None),
    ];
    for (state, actor, expected) in table {
        assert_eq!(next(state, actor), expected, "{state:?} × {actor:?}");
    }
    // What is not the next step is still offered, in the console's order.
    let o = offer(
        &petition(State::Assigned, &Command::Accept),
        &supervisor,
        &cx(),
    );
    assert!(o.others.contains(&"assign"), "{o:?}");
    let o = offer(&petition(State::Drafted, &Command::Accept), &handler, &cx());
    assert!(o.others.contains(&"request_extension"), "{o:?}");
    // An extension waiting for an answer is the supervisor's next step.
    let p = petition(State::Investigating, &Command::ApproveExtension);
    assert_eq!(
        offer(&p, &supervisor, &cx()).next,
        Some("approve_extension")
    );
}
