//! keyward's HTTP server: the management API, verify, docs, the verify cache and background
//! work. Handlers are thin: extract, call one operation of `keyward_service`, render the answer.

pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod connections;
pub mod dashboard;
pub mod error;
pub mod grpc;
pub mod jobs;
pub mod metrics;
pub mod oauth;
pub mod render;

pub use app::{AppState, Application};
pub use config::{HttpSettings, MailSettings, OAuthSettings, ScannerSettings, ServerConfig};
pub use keyward_service::{Clock, ManualClock, SystemClock};
