//! How the organization's tokens are used: hourly series and the monitoring insights.

use keyward_core::{InsightThresholds, Token, TokenStatus};
use keyward_store::{InsightAlert, Page, TokenFilter, UsageSeriesPoint};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::context::Read;
use crate::error::{ServiceError, ServiceResult, missing};

/// Whose usage a series counts.
#[derive(Clone, Copy, Debug)]
pub enum UsageScope {
    Token(Uuid),
    ApiUser(Uuid),
    Organization,
}

impl UsageScope {
    /// From the two optional filters of a request; both at once is refused.
    pub fn of(token_id: Option<Uuid>, api_user_id: Option<Uuid>) -> ServiceResult<Self> {
        match (token_id, api_user_id) {
            (Some(_), Some(_)) => Err(ServiceError::bad_request(
                "invalid_query",
                "give token_id or api_user_id, not both",
            )),
            (Some(t), None) => Ok(Self::Token(t)),
            (None, Some(u)) => Ok(Self::ApiUser(u)),
            (None, None) => Ok(Self::Organization),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token(_) => "token",
            Self::ApiUser(_) => "api_user",
            Self::Organization => "organization",
        }
    }
}

/// The longest series, in hours (90 days).
pub const MAX_SERIES_HOURS: i64 = 2160;

/// Verification counts per hour over the last `hours` (1 to [`MAX_SERIES_HOURS`]).
pub async fn series(r: &Read<'_>, scope: UsageScope, hours: i64) -> ServiceResult<Vec<UsageSeriesPoint>> {
    if !(1..=MAX_SERIES_HOURS).contains(&hours) {
        return Err(ServiceError::bad_request(
            "invalid_query",
            format!("hours must be between 1 and {MAX_SERIES_HOURS}"),
        ));
    }
    series_since(r, scope, r.service().now() - Duration::hours(hours)).await
}

/// Verification counts per hour from `since`, for a token, an API user's tokens or the whole
/// organization; a token or API user of another organization is not found.
pub async fn series_since(
    r: &Read<'_>,
    scope: UsageScope,
    since: OffsetDateTime,
) -> ServiceResult<Vec<UsageSeriesPoint>> {
    let (s, org) = (r.service(), r.org_id());
    let (token_id, api_user_id) = match scope {
        UsageScope::Token(t) => {
            s.store.get_token(org, t).await.map_err(missing("token"))?;
            (Some(t), None)
        }
        UsageScope::ApiUser(u) => {
            s.store.get_api_user(org, u).await.map_err(missing("API user"))?;
            (None, Some(u))
        }
        UsageScope::Organization => (None, None),
    };
    Ok(s.store.usage_series(org, token_id, api_user_id, since).await?)
}

/// What monitoring reports: tokens never used or unused for long, and the week's alerts, under
/// the organization's thresholds.
pub struct Insights {
    pub never_used: Vec<Token>,
    pub unused: Vec<Token>,
    /// Imported tokens still active `imported_rotate_days` after their import.
    pub imported: Vec<Token>,
    pub alerts: Vec<InsightAlert>,
    pub thresholds: InsightThresholds,
}

/// At most this many tokens per list and alerts per answer.
const INSIGHTS_LIMIT: u32 = 200;

pub async fn insights(r: &Read<'_>) -> ServiceResult<Insights> {
    let (s, org) = (r.service(), r.org_id());
    let now = s.now();
    let thresholds = s.store.get_settings(org).await?.insights;
    // Active tokens idle since `days` ago that were never used (`never`) or were used once.
    let idle = |days: u32, never: bool| async move {
        let filter = TokenFilter {
            status: Some(TokenStatus::Active),
            unused_since: Some(now - Duration::days(days.into())),
            ..Default::default()
        };
        let tokens = s
            .store
            .list_tokens(org, &filter, Page::first(INSIGHTS_LIMIT))
            .await?;
        ServiceResult::Ok(
            tokens
                .into_iter()
                .filter(|t| t.last_used_at.is_none() == never && t.replaced_by.is_none())
                .collect(),
        )
    };
    Ok(Insights {
        never_used: idle(thresholds.never_used_days, true).await?,
        unused: idle(thresholds.unused_days, false).await?,
        imported: s
            .store
            .list_tokens(
                org,
                &TokenFilter {
                    status: Some(TokenStatus::Active),
                    imported_before: Some(now - Duration::days(thresholds.imported_rotate_days.into())),
                    ..Default::default()
                },
                Page::first(INSIGHTS_LIMIT),
            )
            .await?
            .into_iter()
            .filter(|t| t.replaced_by.is_none())
            .collect(),
        alerts: s
            .store
            .list_alerts(org, now - Duration::days(7), INSIGHTS_LIMIT)
            .await?,
        thresholds,
    })
}
