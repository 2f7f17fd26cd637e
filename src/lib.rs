//! 明镜 Mingjing — a citizen-facing transparency and petition portal for
//! law-enforcement bodies. See DESIGN.md in the team's shared notes and README.md.

pub mod antiabuse;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod files;
pub mod jobs;
pub mod mail;
pub mod render;
pub mod search;
pub mod sms;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod web;
