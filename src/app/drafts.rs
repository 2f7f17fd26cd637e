//! 答复意见草稿 — a handler saves a draft answer and comes back to it; only
//! the one who may draft the answer now (`workflow::offer` offers them
//! `draft_answer`) saves or reads it, so the approver sees a draft only
//! once it is submitted. Submitting is the workflow's `DraftAnswer`.

use super::records::visible_petition;
use super::{App, Error, Result};
use crate::store::drafts::SavedDraft;
use crate::store::petitions::Petition;
use crate::store::staff::StaffMember;

/// Whether the console's offer includes drafting the answer.
fn drafts(offer: &crate::domain::workflow::Offer) -> bool {
    offer.next == Some("draft_answer") || offer.others.contains(&"draft_answer")
}

/// Saves the draft of petition `tn` for later: refused, with the input kept
/// by the caller, when `staff` may not draft it now or the text is empty.
/// A saved draft may still hold a template's placeholder: it is not sent.
pub async fn save(
    app: &App,
    staff: &StaffMember,
    tn: &str,
    text: &str,
    legal_basis: &str,
    review_outcome: Option<crate::domain::workflow::ReviewOutcome>,
) -> Result<()> {
    let p = visible_petition(app, staff, tn).await?;
    if !drafts(&super::handling::offered(app, staff, &p).await?) {
        return Err(Error::Refused(
            crate::domain::workflow::Refusal::NotTheHandler,
        ));
    }
    if text.trim().is_empty() {
        return Err(Error::Refused(
            crate::domain::workflow::Refusal::TextRequired,
        ));
    }
    app.store
        .save_draft(
            p.id,
            staff.id,
            text.trim(),
            legal_basis.trim(),
            review_outcome.map(|o| o.as_str()),
            chrono::Utc::now(),
        )
        .await?;
    Ok(())
}

/// The saved draft of `p` for the one whose console `offer` includes
/// drafting it now and who is its handler or saved it: a supervisor may
/// draft too, but never reads the handler's unsubmitted draft.
pub async fn saved(
    app: &App,
    staff: &StaffMember,
    p: &Petition,
    offer: &crate::domain::workflow::Offer,
) -> Result<Option<SavedDraft>> {
    if !drafts(offer) {
        return Ok(None);
    }
    Ok(app
        .store
        .saved_draft(p.id)
        .await?
        .filter(|d| p.handler_id == Some(staff.id) || d.saved_by == staff.id.0))
}
