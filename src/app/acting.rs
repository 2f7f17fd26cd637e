//! The write path of the workflow: decide a command (`domain::workflow`)
//! for a staff member or the petitioner and store its outcome in one
//! transaction (`Store::apply_outcome`).

use super::records::canonical_number;
use super::{App, Error, Result};
use crate::domain::clock::ClockRules;
use crate::domain::ids::StaffId;
use crate::domain::staff::Role;
use crate::domain::workflow::{Actor, Command, Context, Refusal, decide};
use crate::store::petitions::Petition;
use crate::store::staff::StaffMember;

/// Decides `command` by `actor` on `p` at `at` and stores the outcome (with
/// `link`, the link to another petition that the decision makes: a merge).
#[allow(clippy::too_many_arguments)]
async fn apply(
    store: &crate::store::Store,
    p: &Petition,
    actor: Actor,
    actor_label: &str,
    actor_name: Option<&str>,
    command: Command,
    expected_version: Option<i32>,
    link: Option<crate::store::duplicates::NewLink<'_>>,
    at: chrono::DateTime<chrono::Utc>,
    letter_names: bool,
) -> Result<i32> {
    if let Some(v) = expected_version
        && v != p.version
    {
        return Err(Error::Conflict { current: p.version });
    }
    let agency = store.agency(p.agency_id).await?;
    // 回避: the acting staff member and a handler to be assigned, if named.
    let mut recused: Vec<StaffId> = Vec::new();
    if let (Actor::Staff { id, .. }, Some(name)) = (&actor, actor_name)
        && p.names(name)
    {
        recused.push(*id);
    }
    if let Command::Assign { handler_id } = &command {
        match store.active_staff(*handler_id).await? {
            Some(h) if h.agency_id == p.agency_id && h.role == Role::Handler => {
                if p.names(&h.name) {
                    recused.push(h.id);
                }
            }
            _ => return Err(Error::Invalid("error-not-a-handler-here")),
        }
    }
    if let Command::Transfer { to_agency_id, .. } = &command
        && (*to_agency_id == p.agency_id || store.agency(*to_agency_id).await.is_err())
    {
        return Err(Error::Invalid("error-choose-one"));
    }
    let deadlines = store.petition_deadlines(p.id).await?;
    let mut state = p.workflow_state(recused);
    state.conclusion_due_on = deadlines
        .iter()
        .find(|d| d.clock == "conclusion" && d.status == crate::domain::clock::DeadlineStatus::Open)
        .map(|d| d.due_on);
    let calendar = store.calendar().await?;
    let outcome = decide(
        &state,
        &command,
        &actor,
        &Context {
            today: crate::domain::clock::china_date(at),
            kind: p.kind,
            agency_type: agency.agency_type,
            parent_agency: agency.parent_id,
            rules: ClockRules::official(),
            calendar: &calendar,
        },
    )?;
    // An answer issues a letter, and the steps the rules name a notice: the
    // facts are frozen now, with the step.
    let letter = if outcome.event_kind == crate::domain::events::EventKind::Answered {
        Some(crate::domain::issued::Facts::Answer(
            answer_letter(store, p, &actor, &outcome, letter_names).await?,
        ))
    } else {
        super::notices::freeze(store, p, &actor, &command, &outcome, letter_names).await?
    };
    let version = store
        .apply_outcome(
            p,
            actor_label,
            command.name(),
            &outcome,
            link.as_ref(),
            letter.as_ref(),
            at,
        )
        .await?;
    tracing::info!(
        petition.id = %p.id,
        actor = actor_label,
        command = command.name(),
        "petition action"
    );
    Ok(version)
}

/// The facts of the answer letter `outcome` issues (`app::letters::freeze`).
async fn answer_letter(
    store: &crate::store::Store,
    p: &Petition,
    actor: &Actor,
    outcome: &crate::domain::workflow::Outcome,
    letter_names: bool,
) -> Result<crate::domain::letter::AnswerLetter> {
    let n = &outcome.new;
    let approver = match actor {
        Actor::Staff { id, .. } => Some(*id),
        _ => None,
    };
    let issue = super::letters::Issue {
        round: n.round,
        issuer: n.agency_id,
        answer_text: n.answer_text.as_deref().unwrap_or_default(),
        answered_on: n.answered_on.unwrap_or(outcome.on),
        draft_author: n.draft_author_id,
        approver,
        reviewed: n.reviewed_agency_id.map(|a| (a, n.review_outcome)),
        names: letter_names,
    };
    let review = outcome
        .start_deadlines
        .iter()
        .find(|d| d.clock == "review_request")
        .map(super::letters::review_window);
    super::letters::freeze(store, p, &issue, review).await
}

/// [`act`] as if it happened at `at` (the demo history and scenario tests
/// record months of handling; the server always acts now).
pub async fn act_at(
    store: &crate::store::Store,
    staff: &StaffMember,
    tn: &str,
    command: Command,
    expected_version: Option<i32>,
    at: chrono::DateTime<chrono::Utc>,
    letter_names: bool,
) -> Result<i32> {
    if matches!(command, Command::Merge { .. }) {
        // Only through `act`, which finds the original and writes the link.
        return Err(Error::Invalid("error-merge-unknown"));
    }
    let p = store
        .staff_petitions(staff.agency_id, &staff.name)
        .by_tracking_number(&canonical_number(tn))
        .await?
        .ok_or(Error::NotFound)?;
    apply(
        store,
        &p,
        staff_actor(staff),
        &staff.actor(),
        Some(&staff.name),
        command,
        expected_version,
        None,
        at,
        letter_names,
    )
    .await
}

pub(super) fn staff_actor(staff: &StaffMember) -> Actor {
    Actor::Staff {
        id: staff.id,
        role: staff.role,
        agency_id: staff.agency_id,
    }
}

/// [`act`] on a petition already found in scope, writing `link` with the decision.
pub(super) async fn act_with_link(
    app: &App,
    staff: &StaffMember,
    p: &Petition,
    command: Command,
    expected_version: Option<i32>,
    link: Option<crate::store::duplicates::NewLink<'_>>,
) -> Result<i32> {
    apply(
        &app.store,
        p,
        staff_actor(staff),
        &staff.actor(),
        Some(&staff.name),
        command,
        expected_version,
        link,
        chrono::Utc::now(),
        app.letter_names,
    )
    .await
}

/// The petitioner rates the answer, asks for a review or closes the matter.
pub async fn petitioner_act(app: &App, p: &Petition, command: Command) -> Result<i32> {
    petitioner_act_at(&app.store, p, command, chrono::Utc::now()).await
}

/// [`petitioner_act`] as if it happened at `at`.
pub async fn petitioner_act_at(
    store: &crate::store::Store,
    p: &Petition,
    command: Command,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<i32> {
    if !matches!(
        command,
        Command::Rate { .. } | Command::RequestReview { .. } | Command::Close
    ) {
        return Err(Error::Refused(Refusal::WrongRole));
    }
    // Act on the current row, not on what the caller read earlier.
    let p = store.petition_by_id(p.id).await?;
    apply(
        store,
        &p,
        Actor::Petitioner,
        "petitioner",
        None,
        command,
        None,
        None,
        at,
        false,
    )
    .await
}
