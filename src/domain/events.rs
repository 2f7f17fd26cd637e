//! What happens to a petition (its timeline events) and who hears of it: the
//! petitioner of every public step, the staff who must act next of theirs. The
//! store writes these notices as job rows in the same transaction as the event;
//! the mail adapter renders them. Nothing here decides *how* anyone is told.

use super::staff::Role;
use serde::{Deserialize, Serialize};

macro_rules! event_kinds {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// A timeline event's kind, as stored and as its translation key (`event-<name>`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum EventKind {
            $($variant),*
        }

        impl EventKind {
            pub const ALL: &'static [EventKind] = &[$(EventKind::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventKind::$variant => $name),*
                }
            }

            pub fn parse(s: &str) -> Option<EventKind> {
                match s {
                    $($name => Some(EventKind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

event_kinds! {
    // 登记 and the petitioner's own additions.
    Received => "received",
    Message => "message",
    EvidenceAdded => "evidence_added",
    // The workflow (see `workflow::decide`).
    Released => "released",
    Accepted => "accepted",
    Declined => "declined",
    Transferred => "transferred",
    Redirected => "redirected",
    // 重复信访: merged into the original (public, on the duplicate); a
    // duplicate merged into this one, and a link between two petitions of
    // the same matter (internal, on both).
    Merged => "merged",
    MergedIn => "merged_in",
    Linked => "linked",
    Assigned => "assigned",
    Investigation => "investigation",
    Question => "question",
    Drafted => "drafted",
    Returned => "returned",
    Answered => "answered",
    ExtensionRequested => "extension_requested",
    ExtensionApproved => "extension_approved",
    ExtensionRefused => "extension_refused",
    ClockStopped => "clock_stopped",
    ClockResumed => "clock_resumed",
    Rated => "rated",
    ReviewRequested => "review_requested",
    Closed => "closed",
    // The deadline sweep's escalation steps (internal).
    DeadlineRemind => "deadline_remind",
    DeadlineUrge => "deadline_urge",
    DeadlineList => "deadline_list",
    // A deadline recomputed when a holiday calendar year was loaded (public).
    DeadlineMoved => "deadline_moved",
    // 督办 (`domain::supervision`, internal): ordered by a higher body,
    // replied to, withdrawn, escalated when left unanswered past its date.
    SupervisionOrdered => "supervision_ordered",
    SupervisionReplied => "supervision_replied",
    SupervisionWithdrawn => "supervision_withdrawn",
    SupervisionEscalated => "supervision_escalated",
}

impl EventKind {
    /// Who must act next when this happens, and so is told at once: the handler
    /// of an assignment or a returned draft, the supervisors of a draft or an
    /// extension request, the intake clerks of a transfer or a review.
    pub fn who_acts_next(self) -> Option<Role> {
        match self {
            EventKind::Assigned | EventKind::Returned => Some(Role::Handler),
            EventKind::Drafted
            | EventKind::ExtensionRequested
            | EventKind::SupervisionOrdered
            | EventKind::SupervisionEscalated => Some(Role::Supervisor),
            EventKind::Transferred | EventKind::ReviewRequested => Some(Role::IntakeClerk),
            _ => None,
        }
    }
}

/// An escalation step of the deadline sweep: remind (提醒) before a deadline,
/// urge (催办) when it has passed, list for the auditor (列入督办) later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escalation {
    Remind,
    Urge,
    List,
}

impl Escalation {
    pub const ALL: [Escalation; 3] = [Escalation::Remind, Escalation::Urge, Escalation::List];

    pub fn as_str(self) -> &'static str {
        match self {
            Escalation::Remind => "remind",
            Escalation::Urge => "urge",
            Escalation::List => "list",
        }
    }

    /// The staff told of this step: the handler and supervisors before the
    /// deadline, the supervisors once it has passed, then the auditors.
    pub fn recipients(self) -> &'static [Role] {
        match self {
            Escalation::Remind => &[Role::Handler, Role::Supervisor],
            Escalation::Urge => &[Role::Supervisor],
            Escalation::List => &[Role::Auditor],
        }
    }

    pub fn event_kind(self) -> EventKind {
        match self {
            Escalation::Remind => EventKind::DeadlineRemind,
            Escalation::Urge => EventKind::DeadlineUrge,
            Escalation::List => EventKind::DeadlineList,
        }
    }
}

/// A message someone must receive because of what happened. The store turns
/// each into a job row (kind = [`Notice::job_kind`]) in the writing transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Notice {
    /// The acknowledgement of a new petition, to a petitioner with an e-mail address.
    PetitionAck,
    /// A public step, to the petitioner.
    PetitionUpdate,
    /// A step someone on the staff must act on ([`EventKind::who_acts_next`]).
    StaffNotice,
    /// A deadline escalation, to the staff of [`Escalation::recipients`].
    Deadline(Escalation),
    /// A monthly bulletin (执法情况通报), to the supervisors of its agency and
    /// of the agency above.
    Bulletin,
    /// A one-time link to set a password, to a staff member.
    PasswordReset,
    /// A supervision order on a body's overdue backlog (督办积案), to that
    /// body's supervisors (an order on a petition is a [`Notice::StaffNotice`]).
    BacklogOrder,
    /// The acknowledgement of a new petition by SMS (短信), to a petitioner who chose it.
    PetitionAckSms,
    /// A step the petitioner must hear of at once ([`EventKind::texted`]), by SMS.
    PetitionUpdateSms,
}

impl Notice {
    pub const ALL: [Notice; 11] = [
        Notice::PetitionAck,
        Notice::PetitionUpdate,
        Notice::StaffNotice,
        Notice::Deadline(Escalation::Remind),
        Notice::Deadline(Escalation::Urge),
        Notice::Deadline(Escalation::List),
        Notice::Bulletin,
        Notice::PasswordReset,
        Notice::BacklogOrder,
        Notice::PetitionAckSms,
        Notice::PetitionUpdateSms,
    ];

    /// Sent by SMS (the `sms.*` jobs) rather than by mail.
    pub fn is_sms(self) -> bool {
        matches!(self, Notice::PetitionAckSms | Notice::PetitionUpdateSms)
    }

    /// The job kind its rows carry; stable, since queued rows outlive a release.
    pub fn job_kind(self) -> &'static str {
        match self {
            Notice::PetitionAck => "mail.petition_ack",
            Notice::PetitionUpdate => "mail.petition_update",
            Notice::StaffNotice => "mail.staff_notice",
            Notice::Deadline(Escalation::Remind) => "deadline.remind",
            Notice::Deadline(Escalation::Urge) => "deadline.urge",
            Notice::Deadline(Escalation::List) => "deadline.list_for_auditor",
            Notice::Bulletin => "mail.bulletin",
            Notice::PasswordReset => "mail.password_reset",
            Notice::BacklogOrder => "mail.backlog_order",
            Notice::PetitionAckSms => "sms.petition_ack",
            Notice::PetitionUpdateSms => "sms.petition_update",
        }
    }
}

/// How the petitioner can be reached: the channels they chose that have an
/// address (`store::petitions::Petition::reach`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    pub mail: bool,
    pub sms: bool,
}

impl EventKind {
    /// The steps worth an SMS (短信): a decision the rules owe a notice for,
    /// the answer, a question the petitioner must answer, a merge that
    /// changes the number to follow. The rest reach them by mail and on the
    /// status page — a text for every note would be noise, and each costs.
    pub fn texted(self) -> bool {
        matches!(
            self,
            EventKind::Accepted
                | EventKind::Declined
                | EventKind::Transferred
                | EventKind::Redirected
                | EventKind::Merged
                | EventKind::Question
                | EventKind::Answered
                | EventKind::ExtensionApproved
        )
    }
}

/// The notices an event on a petition causes: the petitioner hears of every
/// public step by mail (if they chose it and gave an address) but their own
/// rating, which they have just given, and of the [`EventKind::texted`] ones
/// by SMS (if they chose it); the staff who act next hear of theirs.
pub fn notices_of(kind: EventKind, public: bool, reach: Reach) -> Vec<Notice> {
    let mut out = Vec::new();
    if kind.who_acts_next().is_some() {
        out.push(Notice::StaffNotice);
    }
    if public && reach.mail && kind != EventKind::Rated {
        out.push(Notice::PetitionUpdate);
    }
    if public && reach.sms && kind.texted() {
        out.push(Notice::PetitionUpdateSms);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(*k));
            assert!(seen.insert(k.as_str()), "{} twice", k.as_str());
        }
        assert_eq!(EventKind::parse("nonsense"), None);
    }

    const MAIL: Reach = Reach {
        mail: true,
        sms: false,
    };

    #[test]
    fn an_sms_goes_for_the_steps_that_matter_to_whoever_chose_it() {
        let both = Reach {
            mail: true,
            sms: true,
        };
        assert_eq!(
            notices_of(EventKind::Accepted, true, both),
            vec![Notice::PetitionUpdate, Notice::PetitionUpdateSms]
        );
        let sms = Reach {
            mail: false,
            sms: true,
        };
        assert_eq!(
            notices_of(EventKind::Answered, true, sms),
            vec![Notice::PetitionUpdateSms]
        );
        // A message or a stopped clock reaches them by mail and on the page only.
        assert_eq!(notices_of(EventKind::Message, true, sms), vec![]);
        assert_eq!(notices_of(EventKind::ClockStopped, true, sms), vec![]);
        // Nothing internal is ever texted.
        assert_eq!(notices_of(EventKind::DeadlineMoved, false, sms), vec![]);
        assert!(
            Notice::ALL
                .iter()
                .filter(|n| n.is_sms())
                .all(|n| n.job_kind().starts_with("sms."))
        );
    }

    #[test]
    fn the_next_actor_hears_and_the_petitioner_hears_of_public_steps() {
        assert_eq!(
            notices_of(EventKind::Assigned, false, MAIL),
            vec![Notice::StaffNotice]
        );
        assert_eq!(
            notices_of(EventKind::Accepted, true, MAIL),
            vec![Notice::PetitionUpdate]
        );
        assert_eq!(
            notices_of(EventKind::Accepted, true, Reach::default()),
            vec![]
        );
        assert_eq!(
            notices_of(EventKind::ReviewRequested, true, MAIL),
            vec![Notice::StaffNotice, Notice::PetitionUpdate]
        );
        assert_eq!(notices_of(EventKind::Investigation, false, MAIL), vec![]);
        assert_eq!(
            notices_of(EventKind::Rated, true, MAIL),
            vec![],
            "nobody is mailed about their own rating"
        );
    }

    #[test]
    fn job_kinds_are_distinct() {
        let kinds: std::collections::HashSet<_> =
            Notice::ALL.iter().map(|n| n.job_kind()).collect();
        assert_eq!(kinds.len(), Notice::ALL.len());
    }
}
