//! The pure core: rules and validated types, no I/O. Handlers parse raw input
//! into these types at the edge, and everything inside takes only typed values.

pub mod access;
pub mod agency;
pub mod answer_template;
pub mod calendar;
pub mod case;
pub mod cells;
pub mod clock;
pub mod codes;
pub mod disclosure;
pub mod duplicates;
pub mod evaluation;
pub mod events;
pub mod exceptions;
pub mod fields;
pub mod ids;
pub mod issued;
pub mod letter;
pub mod notice;
pub mod notify;
pub mod open311;
pub mod page;
pub mod petition;
pub mod procedure;
pub mod published;
pub mod ranking;
pub mod redaction;
pub mod retention;
pub mod retry;
pub mod routing;
pub mod scoring;
pub mod sms;
pub mod staff;
pub mod statistics;
pub mod supervision;
pub mod workflow;

pub use fields::FieldErrors;
