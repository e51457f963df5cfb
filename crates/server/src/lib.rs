//! keyward's HTTP server: the management API, verify, docs, the verify cache and background
//! work. Handlers are thin: extract, authorize, call the store, map the answer.

pub mod api;
pub mod app;
pub mod auth;
pub mod cache;
pub mod clock;
pub mod connections;
pub mod counter;
pub mod dashboard;
pub mod error;
pub mod lifecycle;
pub mod limiter;
pub mod oauth;
pub mod password;
pub mod usage;
pub mod verifier;

pub use app::{AppState, Application, ServerConfig};
pub use clock::{Clock, ManualClock, SystemClock};
