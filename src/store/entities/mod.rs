//! sea-orm entities: one per table, columns only. Behaviour lives in `store`'s
//! query modules and in `domain`, never here.

pub mod agency;
pub mod job;
pub mod procedure;
pub mod procedure_version;
pub mod staff;
