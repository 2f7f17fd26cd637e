//! sea-orm entities: one per table, columns only. Behaviour lives in `store`'s
//! query modules and in `domain`, never here.

pub mod agency;
pub mod bulletin;
pub mod calendar_year;
pub mod captcha;
pub mod case;
pub mod case_milestone;
pub mod evidence;
pub mod issued_letter;
pub mod job;
pub mod letter;
pub mod petition;
pub mod petition_deadline;
pub mod petition_event;
pub mod procedure;
pub mod procedure_version;
pub mod search_outbox;
pub mod sms_log;
pub mod sms_opt_out;
pub mod staff;
pub mod supervision_order;
