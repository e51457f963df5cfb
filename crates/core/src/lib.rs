//! keyward's domain core: plain types, the token format, permissions, IP rules and the verify
//! decision. Pure: no I/O, no async, no wall clock (callers pass `now`).

pub mod input;
pub mod ip;
pub mod lifecycle;
pub mod model;
pub mod permission;
pub mod throttle;
pub mod token;
pub mod verify;

pub use ip::IpAllowList;
pub use lifecycle::{ExpiryPolicy, InsightThresholds, OrgSettings, ReminderStage};
pub use model::*;
pub use permission::PermissionSet;
pub use throttle::{ThrottlePolicy, ThrottleState};
pub use token::{TokenHash, TokenPrefix};
pub use verify::{FastDecision, VerifyCode, VerifyQuery, VerifySubject, decide, unix_nanos};
