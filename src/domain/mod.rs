//! The pure core: rules and validated types, no I/O. Handlers parse raw input
//! into these types at the edge, and everything inside takes only typed values.

pub mod agency;
pub mod fields;
pub mod page;
pub mod procedure;
pub mod staff;

pub use fields::FieldErrors;
