//! 督办 — supervision orders. A supervisor or auditor of a higher body orders
//! a lower body to act on a petition (or on its overdue backlog) and to reply
//! by a date (督办单); the lower body's supervisor replies with what was done
//! and by whom (督办回复). An order left unanswered past its date escalates to
//! the level above the body that issued it (or stays with the top body,
//! marked escalated), and is listed in the bulletins until answered. The
//! issuing body may withdraw an open order (撤销督办), saying why.
//!
//! Orders are counted in the evaluation (received; answered by their date)
//! and never as a quota: there is no indicator that rewards issuing them.

use super::access::Viewer;
use super::agency::Hierarchy;
use super::fields::{FieldErrors, required_text};
use super::ids::AgencyId;
use super::staff::Role;
use chrono::NaiveDate;
use serde::Serialize;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// 待回复
    Open,
    /// 已回复
    Answered,
    /// 已撤销
    Withdrawn,
}

impl OrderStatus {
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Answered, Self::Withdrawn]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Open => "open",
            OrderStatus::Answered => "answered",
            OrderStatus::Withdrawn => "withdrawn",
        }
    }
}

/// The facts of an order the rules look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFacts {
    pub issuing_agency: AgencyId,
    pub target_agency: AgencyId,
    pub status: OrderStatus,
    pub reply_by: NaiveDate,
}

/// Why an order, a reply or a withdrawal is refused: each a Fluent key the
/// page shows as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRefusal {
    /// Only supervisors and auditors issue orders.
    Role,
    /// The ordered body is not below the issuer's (a county cannot order its
    /// city, nor a county its sibling, nor a body itself).
    NotBelow,
    /// The replying body is not the one ordered, or the replier is not its supervisor.
    NotOrdered,
    /// The order was withdrawn.
    Withdrawn,
    /// The order was already answered.
    Answered,
    /// Only the issuing body's supervisors and auditors withdraw an order.
    NotIssuer,
    /// The petition is no longer being handled (answered, closed, merged…).
    Concluded,
    /// An order on a body's backlog (督办积案) when the body has no overdue matter.
    NoBacklog,
}

impl OrderRefusal {
    pub fn key(self) -> &'static str {
        match self {
            OrderRefusal::Role => "order-refused-role",
            OrderRefusal::NotBelow => "order-refused-not-below",
            OrderRefusal::NotOrdered => "order-refused-not-ordered",
            OrderRefusal::Withdrawn => "order-refused-withdrawn",
            OrderRefusal::Answered => "order-refused-answered",
            OrderRefusal::NotIssuer => "order-refused-not-issuer",
            OrderRefusal::Concluded => "order-refused-concluded",
            OrderRefusal::NoBacklog => "order-refused-no-backlog",
        }
    }
}

/// The fewest and most days an issuer may give for a reply.
pub const MIN_DAYS: i64 = 1;
pub const MAX_DAYS: i64 = 90;

/// Whether `viewer` may order `target` on a petition: a supervisor or
/// auditor of a body strictly above it, while the petition is being handled.
pub fn may_issue(
    viewer: &Viewer,
    target: AgencyId,
    h: &Hierarchy,
    petition_open: bool,
) -> Result<(), OrderRefusal> {
    if !deals_in_orders(viewer.role) {
        return Err(OrderRefusal::Role);
    }
    if target == viewer.agency || !h.is_within(target, viewer.agency) {
        return Err(OrderRefusal::NotBelow);
    }
    if !petition_open {
        return Err(OrderRefusal::Concluded);
    }
    Ok(())
}

/// Whether `viewer` may order `target` to clear its overdue backlog
/// (督办积案, an order on no one petition): the same issuer and body as on a
/// petition, and only while the body has `overdue` matters past their
/// deadline — an order about nothing would be a quota, not supervision.
pub fn may_issue_on_backlog(
    viewer: &Viewer,
    target: AgencyId,
    h: &Hierarchy,
    overdue: u64,
) -> Result<(), OrderRefusal> {
    may_issue(viewer, target, h, true)?;
    if overdue == 0 {
        return Err(OrderRefusal::NoBacklog);
    }
    Ok(())
}

/// Whether `viewer` may reply to the order: a supervisor of the body ordered,
/// while the order is open (a late reply is still a reply, and counts late).
pub fn may_reply(viewer: &Viewer, order: &OrderFacts) -> Result<(), OrderRefusal> {
    match order.status {
        OrderStatus::Withdrawn => return Err(OrderRefusal::Withdrawn),
        OrderStatus::Answered => return Err(OrderRefusal::Answered),
        OrderStatus::Open => {}
    }
    if viewer.role != Role::Supervisor || viewer.agency != order.target_agency {
        return Err(OrderRefusal::NotOrdered);
    }
    Ok(())
}

/// Whether `viewer` may withdraw the order: a supervisor or auditor of the
/// issuing body, while it is open.
pub fn may_withdraw(viewer: &Viewer, order: &OrderFacts) -> Result<(), OrderRefusal> {
    match order.status {
        OrderStatus::Withdrawn => return Err(OrderRefusal::Withdrawn),
        OrderStatus::Answered => return Err(OrderRefusal::Answered),
        OrderStatus::Open => {}
    }
    if !deals_in_orders(viewer.role) || viewer.agency != order.issuing_agency {
        return Err(OrderRefusal::NotIssuer);
    }
    Ok(())
}

/// Whether a role deals in orders at all (issues, answers, reads them): the
/// supervisors and auditors; their dashboard shows the orders to answer.
pub fn deals_in_orders(role: Role) -> bool {
    matches!(role, Role::Supervisor | Role::Auditor)
}

/// Who may read an order: the ordered body's staff who oversee or handle it
/// (every supervisor and auditor of it and of the bodies above it).
pub fn may_read(viewer: &Viewer, order: &OrderFacts, h: &Hierarchy) -> bool {
    deals_in_orders(viewer.role)
        && (h.is_within(order.target_agency, viewer.agency)
            || h.is_within(order.issuing_agency, viewer.agency))
}

/// Whether an open order is past its date on `today` (the reply date is the
/// last day to reply).
pub fn is_overdue(order: &OrderFacts, today: NaiveDate) -> bool {
    order.status == OrderStatus::Open && order.reply_by < today
}

/// Where an unanswered order goes: the body above its issuer, or the issuer
/// itself at the top.
pub fn escalate_to(order: &OrderFacts, h: &Hierarchy) -> AgencyId {
    h.parent(order.issuing_agency)
        .unwrap_or(order.issuing_agency)
}

/// Whether a reply on `replied_on` met the order's date.
pub fn on_time(reply_by: NaiveDate, replied_on: NaiveDate) -> bool {
    replied_on <= reply_by
}

/// An order as typed: instructions and a reply date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub instructions: String,
    pub reply_by: NaiveDate,
}

impl NewOrder {
    /// Instructions of 5 to 2,000 characters; a reply date 1 to 90 days after `today`.
    pub fn parse(
        instructions: &str,
        reply_by: &str,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let instructions = required_text(&mut errors, "instructions", instructions, 2000);
        if errors.get("instructions").is_none() && instructions.chars().count() < 5 {
            errors.add("instructions", "order-error-instructions-short");
        }
        let reply_by = match NaiveDate::parse_from_str(reply_by.trim(), "%Y-%m-%d") {
            Ok(d) if (d - today).num_days() < MIN_DAYS => {
                errors.add("reply_by", "order-error-reply-by-past");
                d
            }
            Ok(d) if (d - today).num_days() > MAX_DAYS => {
                errors.add("reply_by", "order-error-reply-by-far");
                d
            }
            Ok(d) => d,
            Err(_) => {
                errors.add(
                    "reply_by",
                    if reply_by.trim().is_empty() {
                        "error-required"
                    } else {
                        "order-error-reply-by-format"
                    },
                );
                today
            }
        };
        errors.into_result(NewOrder {
            instructions,
            reply_by,
        })
    }
}

/// A reply as typed: what was done, by whom.
pub fn parse_reply(text: &str) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let text = required_text(&mut errors, "reply", text, 4000);
    if errors.get("reply").is_none() && text.chars().count() < 5 {
        errors.add("reply", "order-error-reply-short");
    }
    errors.into_result(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::StaffId;

    fn tree() -> Hierarchy {
        // 1 province; 2, 3 cities; 4, 5 counties of 2; 6 county of 3.
        Hierarchy::new([
            (AgencyId(1), None),
            (AgencyId(2), Some(AgencyId(1))),
            (AgencyId(3), Some(AgencyId(1))),
            (AgencyId(4), Some(AgencyId(2))),
            (AgencyId(5), Some(AgencyId(2))),
            (AgencyId(6), Some(AgencyId(3))),
        ])
    }

    fn who(role: Role, agency: i32) -> Viewer {
        Viewer {
            id: StaffId(1),
            role,
            agency: AgencyId(agency),
        }
    }

    fn order(status: OrderStatus) -> OrderFacts {
        OrderFacts {
            issuing_agency: AgencyId(2),
            target_agency: AgencyId(4),
            status,
            reply_by: "2026-12-10".parse().unwrap(),
        }
    }

    #[test]
    fn only_a_supervisor_or_auditor_of_a_body_above_may_order() {
        let h = tree();
        assert_eq!(
            may_issue(&who(Role::Supervisor, 1), AgencyId(4), &h, true),
            Ok(())
        );
        assert_eq!(
            may_issue(&who(Role::Auditor, 2), AgencyId(4), &h, true),
            Ok(())
        );
        assert_eq!(
            may_issue(&who(Role::Handler, 1), AgencyId(4), &h, true),
            Err(OrderRefusal::Role)
        );
        assert_eq!(
            may_issue(&who(Role::Supervisor, 1), AgencyId(4), &h, false),
            Err(OrderRefusal::Concluded)
        );
        for (from, to) in [(4, 2), (4, 5), (2, 6), (2, 2)] {
            assert_eq!(
                may_issue(&who(Role::Supervisor, from), AgencyId(to), &h, true),
                Err(OrderRefusal::NotBelow),
                "{from} → {to}"
            );
        }
    }

    #[test]
    fn a_backlog_order_needs_a_body_below_with_something_overdue() {
        let h = tree();
        assert_eq!(
            may_issue_on_backlog(&who(Role::Supervisor, 1), AgencyId(6), &h, 3),
            Ok(())
        );
        assert_eq!(
            may_issue_on_backlog(&who(Role::Supervisor, 1), AgencyId(6), &h, 0),
            Err(OrderRefusal::NoBacklog)
        );
        // Who and where come first: a sibling is refused as not below, even with a backlog.
        assert_eq!(
            may_issue_on_backlog(&who(Role::Supervisor, 2), AgencyId(6), &h, 3),
            Err(OrderRefusal::NotBelow)
        );
        assert_eq!(
            may_issue_on_backlog(&who(Role::Handler, 1), AgencyId(6), &h, 3),
            Err(OrderRefusal::Role)
        );
    }

    #[test]
    fn only_the_ordered_body_s_supervisor_replies_and_only_while_open() {
        assert_eq!(
            may_reply(&who(Role::Supervisor, 4), &order(OrderStatus::Open)),
            Ok(())
        );
        for v in [
            who(Role::Supervisor, 5),
            who(Role::Handler, 4),
            who(Role::Supervisor, 2),
        ] {
            assert_eq!(
                may_reply(&v, &order(OrderStatus::Open)),
                Err(OrderRefusal::NotOrdered)
            );
        }
        assert_eq!(
            may_reply(&who(Role::Supervisor, 4), &order(OrderStatus::Withdrawn)),
            Err(OrderRefusal::Withdrawn)
        );
        assert_eq!(
            may_reply(&who(Role::Supervisor, 4), &order(OrderStatus::Answered)),
            Err(OrderRefusal::Answered)
        );
    }

    #[test]
    fn the_issuing_body_withdraws_and_an_unanswered_order_goes_above_it() {
        let h = tree();
        assert_eq!(
            may_withdraw(&who(Role::Auditor, 2), &order(OrderStatus::Open)),
            Ok(())
        );
        assert_eq!(
            may_withdraw(&who(Role::Supervisor, 1), &order(OrderStatus::Open)),
            Err(OrderRefusal::NotIssuer)
        );
        assert_eq!(escalate_to(&order(OrderStatus::Open), &h), AgencyId(1));
        let top = OrderFacts {
            issuing_agency: AgencyId(1),
            ..order(OrderStatus::Open)
        };
        assert_eq!(escalate_to(&top, &h), AgencyId(1));
        let today: NaiveDate = "2026-12-10".parse().unwrap();
        assert!(!is_overdue(&order(OrderStatus::Open), today));
        assert!(is_overdue(
            &order(OrderStatus::Open),
            today.succ_opt().unwrap()
        ));
        assert!(!is_overdue(
            &order(OrderStatus::Answered),
            today.succ_opt().unwrap()
        ));
    }

    #[test]
    fn an_order_needs_instructions_and_a_date_within_ninety_days() {
        let today: NaiveDate = "2026-12-07".parse().unwrap();
        assert!(NewOrder::parse("请于期限内办结并书面回复", "2026-12-14", today).is_ok());
        let e = NewOrder::parse("办", "2026-12-07", today).unwrap_err();
        assert_eq!(
            e.get("instructions"),
            Some("order-error-instructions-short")
        );
        assert_eq!(e.get("reply_by"), Some("order-error-reply-by-past"));
        let e = NewOrder::parse("", "2027-06-01", today).unwrap_err();
        assert_eq!(e.get("instructions"), Some("error-required"));
        assert_eq!(e.get("reply_by"), Some("order-error-reply-by-far"));
        let e = NewOrder::parse("请办理", "12/14", today).unwrap_err();
        assert_eq!(e.get("reply_by"), Some("order-error-reply-by-format"));
        assert!(parse_reply("  ").is_err());
        assert!(parse_reply("已约谈承办人，12月9日书面答复信访人").is_ok());
    }
}
