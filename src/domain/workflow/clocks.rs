//! The statutory clocks' exceptions: an extension (延期, at most 30 days,
//! once, approved by a supervisor) and a stopped clock (中止, e.g. for a
//! hearing or an expert opinion) whose days move the conclusion clock.

use super::step::{Step, need_text};
use super::{Command, MAX_EXTENSION_DAYS, Outcome, Refusal, State};
use crate::domain::events::EventKind;

/// Where a clock's exception may be asked for: accepted and not yet answered.
const BEING_HANDLED: [State; 4] = [
    State::Accepted,
    State::Assigned,
    State::Investigating,
    State::Drafted,
];

pub(super) fn decide(s: &Step<'_>, command: &Command) -> Result<Outcome, Refusal> {
    use Command as C;
    let p = s.p;
    let mut new = p.clone();
    match command {
        C::RequestExtension { days, reason } => {
            s.in_state(&BEING_HANDLED)?;
            s.role_allows(s.handler_or_supervisor())?;
            if p.extension_used || p.extension_pending {
                return Err(Refusal::ExtensionUsed);
            }
            if *days == 0 || *days > MAX_EXTENSION_DAYS {
                return Err(Refusal::ExtensionTooLong);
            }
            need_text(reason)?;
            new.extension_pending = true;
            new.extension_days = *days;
            Ok(s.outcome(
                new,
                EventKind::ExtensionRequested,
                false,
                format!("{days}\n{reason}"),
            ))
        }
        C::ApproveExtension | C::RefuseExtension { .. } => {
            s.in_state(&BEING_HANDLED)?;
            if !p.extension_pending {
                return Err(Refusal::NoExtensionPending);
            }
            s.role_allows(s.supervisor())?;
            new.extension_pending = false;
            if let C::RefuseExtension { reason } = command {
                need_text(reason)?;
                return Ok(s.outcome(new, EventKind::ExtensionRefused, false, reason.clone()));
            }
            new.extension_used = true;
            let mut o = s.outcome(
                new,
                EventKind::ExtensionApproved,
                true,
                p.extension_days.to_string(),
            );
            s.extend(&mut o, p.extension_days.min(MAX_EXTENSION_DAYS));
            Ok(o)
        }
        C::StopClock { .. } | C::ResumeClock => {
            s.in_state(&BEING_HANDLED)?;
            s.role_allows(s.handler_or_supervisor())?;
            s.own_petition()?;
            if let C::StopClock { reason } = command {
                if p.clock_stopped_on.is_some() {
                    return Err(Refusal::ClockStopped);
                }
                need_text(reason)?;
                new.clock_stopped_on = Some(s.cx.today);
                return Ok(s.outcome(new, EventKind::ClockStopped, true, reason.clone()));
            }
            let Some(since) = p.clock_stopped_on else {
                return Err(Refusal::ClockRunning);
            };
            let days = u32::try_from((s.cx.today - since).num_days().max(0)).unwrap_or(0);
            new.clock_stopped_on = None;
            let mut o = s.outcome(new, EventKind::ClockResumed, true, days.to_string());
            s.extend(&mut o, days);
            Ok(o)
        }
        _ => unreachable!("decide sends only clocks commands here"),
    }
}
