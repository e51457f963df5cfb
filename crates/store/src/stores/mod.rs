//! The storage traits, one per aggregate; [`crate::Store`] is all of them together.

pub mod api_users;
pub mod audit;
pub mod catalog;
pub mod credits;
pub mod leaks;
pub mod members;
pub mod oauth;
pub mod organizations;
pub mod outbox;
pub mod ratelimits;
pub mod reminders;
pub mod routes;
pub mod throttle;
pub mod tokens;
pub mod totp;
pub mod usage;
pub mod webhooks;
