//! The JSON API under `/api/v1/`, described by `openapi.json`.

pub mod agencies;
pub mod cases;
pub mod health;
pub mod openapi;
pub mod petitions;
pub mod procedures;
pub mod search;
pub mod staff;
