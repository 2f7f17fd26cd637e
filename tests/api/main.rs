#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Integration tests: the real application on port 0, a fresh SQLite file per
//! test, and the same scenarios on a fresh PostgreSQL database when
//! `MINGJING_TEST_POSTGRES_URL` is set.

#[macro_use]
mod helpers;

mod accounts;
mod api;
mod audit;
mod backup;
mod calendar;
mod cases;
mod catalogue;
mod console;
mod demo;
mod docs;
mod duplicates;
mod errors;
mod files;
mod fixtures;
mod handling;
mod jobs;
mod layers;
mod letters;
mod login;
mod nodes;
mod notices;
mod open311;
mod oversight;
mod petitions;
mod process;
mod retention;
mod search;
mod sms;
mod staff_procedures;
mod statistics;
mod supervision;
mod supervision_backlog;
