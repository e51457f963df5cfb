//! Usage series and monitoring insights of the organization.

use keyward_service::usage::UsageScope;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::settings::InsightThresholdsDoc;
use super::tokens::TokenView;
use crate::auth::Api;
use crate::error::{ApiResult, Json, Problem, Query};
pub use keyward_api::UsageSeriesQuery;

#[derive(Serialize, ToSchema)]
pub struct UsageHourView {
    #[serde(with = "time::serde::rfc3339")]
    pub hour: OffsetDateTime,
    /// Verifications that answered VALID.
    pub allowed: i64,
    /// Verifications refused, whatever the reason.
    pub denied: i64,
    /// Counts by result code, such as `{"VALID": 12, "IP_NOT_ALLOWED": 1}`.
    pub by_code: std::collections::BTreeMap<String, i64>,
    /// Distinct source IPs seen in the hour.
    pub distinct_ips: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UsageSeriesView {
    /// `token`, `api_user` or `organization`.
    pub scope: String,
    pub hours: Vec<UsageHourView>,
}

/// Verifications per hour — allowed and denied, by result code, and distinct source IPs — for a
/// token, an API user or the whole organization. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/usage", operation_id = "get_usage", tag = "lifecycle",
    params(UsageSeriesQuery), responses((status = 200, body = UsageSeriesView),
    (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn usage(api: Api, Query(q): Query<UsageSeriesQuery>) -> ApiResult<Json<UsageSeriesView>> {
    let scope = UsageScope::of(q.token_id, q.api_user_id)?;
    let points = keyward_service::usage::series(&api.read()?, scope, q.hours.unwrap_or(168)).await?;
    Ok(Json(UsageSeriesView {
        scope: scope.as_str().into(),
        hours: points
            .into_iter()
            .map(|p| {
                let allowed: i64 = p
                    .counts
                    .iter()
                    .filter(|(c, _)| *c == keyward_core::VerifyCode::Valid)
                    .map(|(_, n)| n)
                    .sum();
                let total: i64 = p.counts.iter().map(|(_, n)| n).sum();
                UsageHourView {
                    hour: p.hour,
                    allowed,
                    denied: total - allowed,
                    by_code: p
                        .counts
                        .iter()
                        .map(|(c, n)| (c.as_str().to_owned(), *n))
                        .collect(),
                    distinct_ips: p.distinct_ips,
                }
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AlertView {
    /// `new_network`, `denied_burst`, `spike`, `never_used` or `unused`.
    pub kind: String,
    pub token_id: Uuid,
    /// What makes the alert unique: the hour, the network, the last use.
    pub window: String,
    #[serde(with = "time::serde::rfc3339")]
    pub raised_at: OffsetDateTime,
    pub details: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct InsightsView {
    /// Active tokens created at least `never_used_days` ago and never used.
    pub never_used: Vec<TokenView>,
    /// Active tokens not used for `unused_days`: candidates for decommissioning.
    pub unused: Vec<TokenView>,
    /// Active tokens imported at least `imported_rotate_days` ago and not rotated yet: their
    /// owners still use the old system's format.
    pub imported: Vec<TokenView>,
    /// Alerts raised in the last 7 days, newest first.
    pub alerts: Vec<AlertView>,
    pub thresholds: InsightThresholdsDoc,
}

/// Monitoring: tokens never used or unused for long, and recent alerts (new networks, bursts
/// of refusals, spikes). Thresholds are the organization's settings.
/// Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/insights", operation_id = "get_insights", tag = "lifecycle",
    responses((status = 200, body = InsightsView)))]
pub async fn insights(api: Api) -> ApiResult<Json<InsightsView>> {
    let now = api.service.now();
    let i = keyward_service::usage::insights(&api.read()?).await?;
    let t = i.thresholds;
    let views =
        |tokens: Vec<keyward_core::Token>| tokens.into_iter().map(|t| TokenView::new(t, now)).collect();
    Ok(Json(InsightsView {
        never_used: views(i.never_used),
        unused: views(i.unused),
        imported: views(i.imported),
        alerts: i
            .alerts
            .into_iter()
            .map(|a| AlertView {
                kind: a.kind,
                token_id: a.subject_id,
                window: a.window_key,
                raised_at: a.created_at,
                details: a.details,
            })
            .collect(),
        thresholds: InsightThresholdsDoc {
            never_used_days: t.never_used_days,
            unused_days: t.unused_days,
            denied_burst: t.denied_burst,
            spike_factor: t.spike_factor,
            spike_min: t.spike_min,
            new_network: t.new_network,
            imported_rotate_days: t.imported_rotate_days,
        },
    }))
}
