//! keyward's domain core: plain types, the token format, permissions, IP rules and the verify
//! decision. Pure: no I/O, no async, no wall clock (callers pass `now`).

pub mod audit;
pub mod input;
pub mod ip;
pub mod limits;
pub mod model;
pub mod permission;
pub mod policy;
pub mod quota;
pub mod route;
pub mod route_table;
pub mod throttle;
pub mod token;
pub mod verify;

pub use ip::IpAllowList;
pub use model::*;
pub use permission::PermissionSet;
pub use policy::{ExpiryPolicy, InsightThresholds, LeakedTokenAction, OrgSettings, ReminderStage};
pub use throttle::{ThrottlePolicy, ThrottleState};
pub use token::{TokenHash, TokenPrefix};
pub use verify::{FastDecision, VerifyCode, VerifyQuery, VerifySubject, decide, unix_nanos};
