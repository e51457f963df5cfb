#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Integration tests: the real server over HTTP, the real CLI binary, real SQLite files.
//! One test binary, so it links once.

mod helpers;
mod sinks;

mod abuse;
mod access;
mod access_tokens;
mod audit;
mod backup;
mod browser;
mod browser_harness;
mod browser_limits;
mod cli;
mod cli_admin;
mod cli_first_hour;
mod clients;
mod cluster;
mod cluster_limits;
mod errors;
mod gateway;
mod gateway_grpc;
mod gateways_real;
mod hygiene;
mod hygiene_sweep;
mod isolation;
mod leaks;
mod lifecycle;
mod limits;
mod migrating;
mod monitoring;
mod notifications;
mod oauth;
mod openapi;
mod records;
mod scan;
mod settings;
mod token_import;
mod verify;
mod webhooks;
