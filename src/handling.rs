//! 办理: staff and petitioners move a petition through its workflow. The HTML
//! console and the JSON API both call `act`; the rules are in
//! `domain::workflow::decide`, the writing in `Store::apply_outcome`.

use crate::domain::clock::{Calendar, ClockRules, china_date};
use crate::domain::workflow::{Actor, Command, Refusal, decide};
use crate::store::StoreError;
use crate::store::petitions::PetitionRecord;
use crate::store::staff::StaffMember;
use crate::store::workflow::{CasePetition, Texts};
use crate::web::{AppError, AppState};

#[derive(Debug, thiserror::Error)]
pub enum ActError {
    #[error("no such petition in your scope")]
    NotFound,
    #[error("refused: {0}")]
    Refused(Refusal),
    #[error("changed meanwhile")]
    Conflict { current: i32 },
    #[error("invalid: {0}")]
    Invalid(&'static str),
    #[error(transparent)]
    Internal(#[from] AppError),
}

impl From<StoreError> for ActError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ActError::NotFound,
            StoreError::Conflict { current } => ActError::Conflict { current },
            other => ActError::Internal(other.into()),
        }
    }
}

/// The petition if `staff` may see it: their agency's, and not naming them (回避).
pub async fn visible_petition(
    state: &AppState,
    staff: &StaffMember,
    tn: &str,
) -> Result<CasePetition, ActError> {
    let p = state
        .store
        .case_petition_by_tracking_number(tn)
        .await?
        .ok_or(ActError::NotFound)?;
    if p.agency_id != staff.agency_id || p.names(&staff.name) {
        return Err(ActError::NotFound);
    }
    Ok(p)
}

/// Whether `staff` may read the complainant's identity: only those who handle
/// the petition (the assigned handler, supervisors, intake clerks of the
/// agency), never an auditor browsing; every read is audited by the caller.
pub fn may_read_identity(staff: &StaffMember, p: &CasePetition) -> bool {
    use crate::domain::staff::Role;
    match staff.role {
        Role::Handler => p.handler_id == Some(staff.id),
        Role::Supervisor | Role::IntakeClerk => true,
        Role::Auditor | Role::Admin => false,
    }
}

/// A named complainant's contact details, as those who handle the petition see them.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Identity {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// The complainant's identity for `staff`, if they may read it; every read is
/// written to the audit trail before it is shown.
pub async fn read_identity(
    state: &AppState,
    staff: &StaffMember,
    p: &CasePetition,
) -> Result<Option<Identity>, AppError> {
    if p.anonymous || !may_read_identity(staff, p) {
        return Ok(None);
    }
    state
        .store
        .audit_read(
            &format!("staff:{}", staff.id),
            "read_identity",
            &format!("petition:{}", p.id),
        )
        .await?;
    Ok(Some(Identity {
        name: p.contact_name.clone(),
        email: p.contact_email.clone(),
        phone: p.contact_phone.clone(),
    }))
}

async fn apply(
    state: &AppState,
    p: &CasePetition,
    actor: Actor,
    actor_label: &str,
    mut recused: Vec<i32>,
    command: Command,
    expected_version: Option<i32>,
) -> Result<i32, ActError> {
    if let Some(v) = expected_version
        && v != p.version
    {
        return Err(ActError::Conflict { current: p.version });
    }
    let agency = state
        .store
        .agency(p.agency_id)
        .await
        .map_err(AppError::from)?;
    if let Command::Assign { handler_id } = &command {
        match state
            .store
            .active_staff(*handler_id)
            .await
            .map_err(AppError::from)?
        {
            Some(h)
                if h.agency_id == p.agency_id && h.role == crate::domain::staff::Role::Handler =>
            {
                if p.names(&h.name) {
                    recused.push(h.id);
                }
            }
            _ => return Err(ActError::Invalid("error-not-a-handler-here")),
        }
    }
    if let Command::Transfer { to_agency_id, .. } = &command
        && (*to_agency_id == p.agency_id || state.store.agency(*to_agency_id).await.is_err())
    {
        return Err(ActError::Invalid("error-choose-one"));
    }
    let today = china_date(chrono::Utc::now());
    let calendar = Calendar::official();
    let mut outcome = decide(
        &p.workflow_state(recused)?,
        &command,
        &actor,
        today,
        &p.kind,
        agency.agency_type.as_str(),
        ClockRules::official(),
        calendar,
    )
    .map_err(ActError::Refused)?;
    if let Command::RequestReview { .. } = command {
        // 复查 is decided one level up.
        let parent = agency
            .parent_id
            .ok_or(ActError::Refused(Refusal::NoFurtherReview))?;
        outcome.new.agency_id = parent;
    }
    let texts = match &command {
        Command::DraftAnswer { text, legal_basis } => Texts {
            draft: Some(format!("{text}\n\n{legal_basis}")),
            ..Default::default()
        },
        Command::Approve => Texts {
            answer_from_draft: true,
            ..Default::default()
        },
        Command::RequestExtension { days, .. } => Texts {
            extension_days: Some(*days),
            ..Default::default()
        },
        _ => Texts::default(),
    };
    if matches!(command, Command::Approve) {
        // The answer issued is the approved draft: shown on the status page and mailed.
        outcome.body = p.draft_text.clone().unwrap_or_default();
    }
    let version = state
        .store
        .apply_outcome(
            p,
            actor_label,
            command.name(),
            &outcome,
            texts,
            today,
            calendar,
        )
        .await?;
    state.store.invalidate_status(p.id);
    tracing::info!(
        petition.id = p.id,
        actor = actor_label,
        command = command.name(),
        "petition action"
    );
    Ok(version)
}

/// A staff member acts on a petition in their scope.
pub async fn act(
    state: &AppState,
    staff: &StaffMember,
    tn: &str,
    command: Command,
    expected_version: Option<i32>,
) -> Result<i32, ActError> {
    let p = visible_petition(state, staff, tn).await?;
    let actor = Actor::Staff {
        id: staff.id,
        role: staff.role,
        agency_id: staff.agency_id,
    };
    apply(
        state,
        &p,
        actor,
        &format!("staff:{}", staff.id),
        Vec::new(),
        command,
        expected_version,
    )
    .await
}

/// The petitioner rates the answer, asks for a review or closes the matter.
pub async fn petitioner_act(
    state: &AppState,
    record: &PetitionRecord,
    command: Command,
) -> Result<i32, ActError> {
    if !matches!(
        command,
        Command::Rate { .. } | Command::RequestReview { .. } | Command::Close
    ) {
        return Err(ActError::Refused(Refusal::WrongRole));
    }
    let p = state
        .store
        .case_petition_by_tracking_number(&record.tracking_number)
        .await?
        .ok_or(ActError::NotFound)?;
    apply(
        state,
        &p,
        Actor::Petitioner,
        "petitioner",
        Vec::new(),
        command,
        None,
    )
    .await
}

/// 答复公开: a supervisor publishes the redacted answer of an issued answer.
pub async fn publish_answer(
    state: &AppState,
    staff: &StaffMember,
    tn: &str,
    title: &str,
    answer: &str,
) -> Result<(), ActError> {
    use crate::domain::published::{PublishedAnswer, may_publish};
    let p = visible_petition(state, staff, tn).await?;
    let petition_state = crate::domain::workflow::State::parse(&p.status).ok_or_else(|| {
        ActError::Internal(AppError::internal(anyhow::anyhow!("state {}", p.status)))
    })?;
    if !may_publish(petition_state, staff.role) {
        return Err(if staff.role == crate::domain::staff::Role::Supervisor {
            ActError::Invalid("error-publish-not-answered")
        } else {
            ActError::Refused(Refusal::WrongRole)
        });
    }
    let published = PublishedAnswer::parse(title, answer).map_err(ActError::Invalid)?;
    state
        .store
        .publish_answer(p.id, &published, &format!("staff:{}", staff.id))
        .await?;
    Ok(())
}
