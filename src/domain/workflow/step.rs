//! One decision's fixed facts — the petition, who acts, today and the rules —
//! and the checks and pieces every step is built from, so that each step in
//! `intake`, `handling`, `clocks` and `petitioner` reads as its rule.

use super::{Actor, Attribution, Context, Outcome, PetitionState, Refusal, State};
use crate::domain::clock::{ClockStart, DayCount, Deadline, Period, deadlines_starting, due_date};
use crate::domain::events::EventKind;
use crate::domain::ids::StaffId;
use crate::domain::staff::Role;

pub(super) struct Step<'a> {
    pub p: &'a PetitionState,
    pub actor: &'a Actor,
    pub cx: Context<'a>,
    /// The acting staff member and their role; none for the petitioner and the system.
    pub staff_id: Option<StaffId>,
    pub role: Option<Role>,
}

impl Step<'_> {
    fn is(&self, roles: &[Role]) -> bool {
        self.role.is_some_and(|r| roles.contains(&r))
    }

    /// 登记/受理 — intake clerks and supervisors decide intake.
    pub fn intake(&self) -> bool {
        self.is(&[Role::IntakeClerk, Role::Supervisor])
    }

    pub fn supervisor(&self) -> bool {
        self.is(&[Role::Supervisor])
    }

    pub fn handler_or_supervisor(&self) -> bool {
        self.is(&[Role::Handler, Role::Supervisor])
    }

    pub fn petitioner(&self) -> bool {
        *self.actor == Actor::Petitioner
    }

    /// Refused unless the petition is in one of `states`.
    pub fn in_state(&self, states: &[State]) -> Result<(), Refusal> {
        if states.contains(&self.p.state) {
            Ok(())
        } else {
            Err(Refusal::WrongState(self.p.state))
        }
    }

    /// Refused with [`Refusal::WrongRole`] unless `allowed`.
    pub fn role_allows(&self, allowed: bool) -> Result<(), Refusal> {
        if allowed {
            Ok(())
        } else {
            Err(Refusal::WrongRole)
        }
    }

    /// A handler acts only on the petitions assigned to them (a supervisor on any).
    pub fn own_petition(&self) -> Result<(), Refusal> {
        if self.role == Some(Role::Handler) && self.p.handler_id != self.staff_id {
            Err(Refusal::NotTheHandler)
        } else {
            Ok(())
        }
    }

    /// Investigating and drafting: the assigned handler (or a supervisor),
    /// while the petition is with them.
    pub fn investigating(&self) -> Result<(), Refusal> {
        self.in_state(&[State::Assigned, State::Investigating])?;
        self.role_allows(self.handler_or_supervisor())?;
        self.own_petition()
    }

    /// An outcome with no clocks touched; the step adds what it starts and stops.
    pub fn outcome(
        &self,
        new: PetitionState,
        kind: EventKind,
        public: bool,
        body: String,
    ) -> Outcome {
        Outcome {
            new,
            event_kind: kind,
            public,
            body,
            start_deadlines: Vec::new(),
            stop_clocks: Vec::new(),
            extend_conclusion_by: None,
            conclusion_due_on: None,
            calendar_year: self.cx.calendar.last_year,
            on: self.cx.today,
            attribution: Attribution::default(),
        }
    }

    /// An approved extension (the days asked for, at most 30) or the days a clock
    /// was stopped move the conclusion clock: n calendar days later, on a working day.
    pub fn extend(&self, o: &mut Outcome, days: u32) {
        o.extend_conclusion_by = Some(days);
        o.conclusion_due_on = self.p.conclusion_due_on.map(|due| {
            due_date(
                self.cx.calendar,
                due,
                Period::Days(days, DayCount::Calendar),
            )
        });
    }

    /// The deadlines the clock rules start at `start` for this petition.
    pub fn starting(&self, start: ClockStart) -> Vec<Deadline> {
        let cx = &self.cx;
        deadlines_starting(
            cx.rules,
            cx.calendar,
            start,
            cx.kind.as_str(),
            cx.agency_type.as_str(),
            cx.today,
        )
    }
}

/// A reason, note or answer must say something.
pub(super) fn need_text(s: &str) -> Result<(), Refusal> {
    if s.trim().is_empty() {
        Err(Refusal::TextRequired)
    } else {
        Ok(())
    }
}
