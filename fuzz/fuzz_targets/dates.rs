//! Dates and expiries as request bodies carry them: an RFC 3339 `expires_at` and/or an
//! `expires_in_days`, resolved against now. Never a panic; an accepted expiry is in the future
//! and within the limit.
#![no_main]

use keyward_core::input::{MAX_EXPIRY_DAYS, expiry, expiry_change};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

#[derive(Deserialize)]
struct Body {
    #[serde(default, with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
    expires_in_days: Option<i64>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Body>(data) else { return };
    let now = datetime!(2026-11-24 12:00 UTC);
    if let Ok(Some(at)) = expiry(body.expires_at, body.expires_in_days, now) {
        assert!(at > now - Duration::seconds(1));
        assert!(at <= now + Duration::days(MAX_EXPIRY_DAYS));
    }
    let _ = expiry_change(Some(now), Some(body.expires_at), body.expires_in_days, now);
    let _ = expiry_change(None, None, body.expires_in_days, now);
});
