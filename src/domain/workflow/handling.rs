//! Handling (调查 → 拟答复 → 审批 → 答复): the handler records the
//! investigation or asks the petitioner, drafts the answer; a supervisor
//! other than the author approves it (and it is issued) or returns it.

use super::step::{Step, need_text};
use super::{Command, Outcome, Refusal, Round, State, answer_with_basis};
use crate::domain::clock::ClockStart;
use crate::domain::events::EventKind;

pub(super) fn decide(s: &Step<'_>, command: &Command) -> Result<Outcome, Refusal> {
    use Command as C;
    use State as S;
    let p = s.p;
    let mut new = p.clone();
    match command {
        C::RecordInvestigation { note } | C::AskPetitioner { question: note } => {
            s.investigating()?;
            need_text(note)?;
            new.state = S::Investigating;
            let asking = matches!(command, C::AskPetitioner { .. });
            Ok(s.outcome(
                new,
                if asking {
                    EventKind::Question
                } else {
                    EventKind::Investigation
                },
                asking,
                note.clone(),
            ))
        }
        C::DraftAnswer {
            text,
            legal_basis,
            review_outcome,
        } => {
            s.investigating()?;
            need_text(text)?;
            if let Some(placeholder) = crate::domain::answer_template::placeholder_left(text) {
                return Err(Refusal::PlaceholderLeft(placeholder.to_owned()));
            }
            new.state = S::Drafted;
            new.draft_author_id = s.staff_id;
            new.draft_text = Some(answer_with_basis(text, legal_basis));
            new.review_outcome = (p.round != Round::Original)
                .then_some(*review_outcome)
                .flatten();
            Ok(s.outcome(
                new,
                EventKind::Drafted,
                false,
                format!("{text}\n{legal_basis}"),
            ))
        }
        C::Approve | C::ReturnDraft { .. } => {
            s.in_state(&[S::Drafted])?;
            s.role_allows(s.supervisor())?;
            if p.draft_author_id == s.staff_id {
                return Err(Refusal::OwnDraft);
            }
            if let C::ReturnDraft { comments } = command {
                need_text(comments)?;
                new.state = S::Investigating;
                return Ok(s.outcome(new, EventKind::Returned, false, comments.clone()));
            }
            new.state = S::Answered;
            new.answered_on = Some(s.cx.today);
            new.rating = None;
            // The answer issued is the approved draft: shown on the status page and mailed.
            new.answer_text = p.draft_text.clone();
            let body = p.draft_text.clone().unwrap_or_default();
            let mut o = s.outcome(new, EventKind::Answered, true, body);
            o.stop_clocks = vec!["conclusion", "result_reply", "review_decision"];
            if p.round != Round::ReReview {
                o.start_deadlines = s.starting(ClockStart::Answered);
            }
            Ok(o)
        }
        _ => unreachable!("decide sends only handling commands here"),
    }
}
