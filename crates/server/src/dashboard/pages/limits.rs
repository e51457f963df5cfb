//! Rate limits and credits on the token and API-user pages: what they stand at, and the forms
//! that change them (the same operations as `PATCH` and `POST …/credits`).

use keyward_api::limits::{AdjustCredits, CreditsSpec, RateLimitSpec, RefillView};
use keyward_core::limits::RateLimit;
use keyward_core::quota::{CreditBalance, LimitScope};
use keyward_store::CreditOwner;

use super::*;

/// What a page shows of an owner's limits and credits.
pub struct LimitsView {
    /// "requests: 42 of 100 per 1 min", one per limit.
    pub lines: Vec<String>,
    /// The limits as the form edits them, one `name=limit/duration` per line.
    pub text: String,
    /// "917 left · refills to 1000 daily, next …"; empty without credits.
    pub credits: String,
}

impl LimitsView {
    pub fn of(
        read: &Read<'_>,
        scope: LimitScope,
        limits: &[RateLimit],
        credits: Option<&CreditBalance>,
    ) -> Self {
        Self {
            lines: ops::credits::describe_limits(read, scope, limits),
            text: limits
                .iter()
                .map(|l| RateLimitSpec::from(l.clone()).short())
                .collect::<Vec<_>>()
                .join("\n"),
            credits: credits.map(ops::credits::describe_credits).unwrap_or_default(),
        }
    }
}

/// Whose limits a form changes.
pub enum Owner<'a> {
    Token(Uuid),
    ApiUser(&'a str),
}

/// `do=limits` (the limits' text, and optionally a new balance) or `do=topup` (`add`): the
/// notice to show, or the error.
pub async fn limits_action(
    manage: &ops::Manage<'_>,
    owner: Owner<'_>,
    f: &FormData,
) -> Result<String, ApiError> {
    match f.get("do").as_str() {
        "limits" => {
            let mut ratelimits = Vec::new();
            for line in f
                .get("ratelimits")
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
            {
                ratelimits
                    .push(RateLimitSpec::parse_short(line).map_err(|m| ApiError::invalid("ratelimits", m))?);
            }
            let credits = match f.get("credits").trim() {
                "" => None,
                n => {
                    let remaining = n
                        .parse()
                        .map_err(|_| ApiError::invalid("credits", "a whole number of credits"))?;
                    let refill = match f.get("refill").as_str() {
                        "" | "none" => None,
                        interval => Some(RefillView {
                            interval: interval.into(),
                            amount: remaining,
                            day: None,
                        }),
                    };
                    Some(Some(CreditsSpec { remaining, refill }))
                }
            };
            match owner {
                Owner::Token(id) => {
                    let req = ops::tokens::UpdateToken {
                        ratelimits: Some(ratelimits),
                        credits,
                        ..Default::default()
                    };
                    ops::tokens::update(manage, id, req).await?;
                }
                Owner::ApiUser(key) => {
                    let req = ops::api_users::UpdateApiUser {
                        ratelimits: Some(ratelimits),
                        credits,
                        ..Default::default()
                    };
                    ops::api_users::update(manage, key, req).await?;
                }
            }
            Ok("Limits saved; they apply from the next verification.".into())
        }
        "topup" => {
            let add = f
                .get("add")
                .trim()
                .parse()
                .map_err(|_| ApiError::invalid("add", "a whole number of credits to add"))?;
            let req = AdjustCredits {
                add: Some(add),
                set: None,
            };
            let b = match owner {
                Owner::Token(id) => ops::credits::adjust(manage, CreditOwner::Token(id), req).await?,
                Owner::ApiUser(key) => ops::credits::adjust_api_user(manage, key, req).await?,
            };
            Ok(format!("Added {add} credits: {} left.", b.available()))
        }
        _ => Err(ApiError::bad_request("unknown_action", "unknown action")),
    }
}
