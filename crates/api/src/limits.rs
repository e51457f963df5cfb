//! Rate limits and credits as the API writes them: on tokens, API users and organization
//! settings, in verify answers, and the top-up of a balance.

use keyward_core::limits::RateLimit;
use keyward_core::quota::{CreditBalance, RefillSpec};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

/// At most `limit` verifications in any `duration_ms` (a sliding window; see docs/LIMITS.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimitSpec {
    /// 1 to 64 letters, digits, `-`, `_`, `.` or `:`; unique on its owner.
    #[schema(example = "requests")]
    pub name: String,
    /// At least 1.
    #[schema(example = 100)]
    pub limit: u64,
    /// 60 ms to 30 days.
    #[schema(example = 60000)]
    pub duration_ms: u64,
}

impl From<RateLimitSpec> for RateLimit {
    fn from(s: RateLimitSpec) -> Self {
        Self {
            name: s.name,
            limit: s.limit,
            duration_ms: s.duration_ms,
        }
    }
}

impl From<RateLimit> for RateLimitSpec {
    fn from(l: RateLimit) -> Self {
        Self {
            name: l.name,
            limit: l.limit,
            duration_ms: l.duration_ms,
        }
    }
}

impl RateLimitSpec {
    /// Reads the short form people write, `NAME=LIMIT/DURATION` (such as `requests=100/1m`;
    /// DURATION in ms, s, m, h or d, bare numbers in ms).
    pub fn parse_short(s: &str) -> Result<Self, String> {
        let (name, rest) = s
            .split_once('=')
            .ok_or("expected NAME=LIMIT/DURATION, such as requests=100/1m")?;
        let (limit, duration) = rest
            .split_once('/')
            .ok_or("expected NAME=LIMIT/DURATION, such as requests=100/1m")?;
        Ok(Self {
            name: name.trim().to_owned(),
            limit: limit
                .trim()
                .parse()
                .map_err(|_| "the limit must be a whole number".to_owned())?,
            duration_ms: parse_duration_ms(duration)?,
        })
    }

    /// The short form [`Self::parse_short`] reads, with the largest whole unit.
    pub fn short(&self) -> String {
        let d = self.duration_ms;
        let duration = [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
            .iter()
            .find(|(_, size)| d >= *size && d.is_multiple_of(*size))
            .map_or(format!("{d}ms"), |(unit, size)| format!("{}{unit}", d / size));
        format!("{}={}/{duration}", self.name, self.limit)
    }
}

/// `1500ms`, `30s`, `1m`, `2h`, `1d`, or bare milliseconds.
pub fn parse_duration_ms(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(digits);
    let n: u64 = n
        .parse()
        .map_err(|_| "expected a duration such as 1m or 500ms".to_owned())?;
    let scale = match unit {
        "" | "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err("unknown unit: use ms, s, m, h or d".to_owned()),
    };
    n.checked_mul(scale)
        .ok_or_else(|| "the duration is too long".to_owned())
}

/// When a balance comes back: it becomes `amount` (it does not accumulate).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefillView {
    /// `daily` (00:00 UTC), `monthly` (on `day`, 00:00 UTC) or `<n>ms` (every n milliseconds
    /// from when the credits were set, 1000 ms to one year).
    #[schema(example = "monthly")]
    pub interval: String,
    #[schema(example = 1000)]
    pub amount: u64,
    /// For `monthly`: 1 to 31 (the month's last day in shorter months); default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
}

impl From<RefillView> for RefillSpec {
    fn from(v: RefillView) -> Self {
        Self {
            interval: v.interval,
            amount: v.amount,
            day: v.day,
        }
    }
}

impl From<RefillSpec> for RefillView {
    fn from(s: RefillSpec) -> Self {
        Self {
            interval: s.interval,
            amount: s.amount,
            day: s.day,
        }
    }
}

/// Credits to give a token or an API user: each verification spends its `cost` (default 1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditsSpec {
    #[schema(example = 1000)]
    pub remaining: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refill: Option<RefillView>,
}

/// A balance as it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditsView {
    /// Not yet spent (what nodes hold counts until they report it spent, within a second).
    pub remaining: u64,
    pub refill: Option<RefillView>,
    #[serde(with = "time::serde::rfc3339")]
    pub last_refill_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_refill_at: Option<OffsetDateTime>,
}

impl From<CreditBalance> for CreditsView {
    fn from(b: CreditBalance) -> Self {
        Self {
            remaining: b.available(),
            refill: b.refill.as_ref().map(|r| RefillSpec::of(r).into()),
            last_refill_at: b.last_refill,
            next_refill_at: b.next_refill(),
        }
    }
}

/// A top-up: exactly one of `add` and `set`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustCredits {
    /// Credits to add to what remains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add: Option<u64>,
    /// What remains from now on (what nodes hold of the old balance is void).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<u64>,
}

/// A limit as a verification left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RateLimitState {
    pub name: String,
    pub limit: u64,
    /// Verifications still allowed now.
    pub remaining: u64,
    /// When the oldest counted verification leaves the window.
    #[serde(with = "time::serde::rfc3339")]
    pub reset_at: OffsetDateTime,
}

/// A balance as a verification left it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CreditsState {
    pub remaining: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_short_form_reads_back() {
        let l = RateLimitSpec::parse_short("requests=100/1m").unwrap();
        assert_eq!(
            (l.name.as_str(), l.limit, l.duration_ms),
            ("requests", 100, 60_000)
        );
        assert_eq!(l.short(), "requests=100/1m");
        assert_eq!(
            RateLimitSpec::parse_short("b=5/1500").unwrap().short(),
            "b=5/1500ms"
        );
        assert!(RateLimitSpec::parse_short("requests=100").is_err());
        assert!(parse_duration_ms("3w").is_err());
        assert_eq!(parse_duration_ms("2h").unwrap(), 7_200_000);
    }
}
