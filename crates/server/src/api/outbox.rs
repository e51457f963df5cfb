//! The outbox of emails and webhooks: what was sent, what waits, what failed.

use keyward_service::outbox;
use keyward_store::{OutboxItem, OutboxStatus};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{List, Paging, query_word};
use crate::auth::Api;
use crate::error::{ApiResult, Json, Path, Problem, Query};
pub use keyward_api::OutboxQuery;

#[derive(Serialize, ToSchema)]
pub struct OutboxView {
    pub id: Uuid,
    /// `email` or `webhook`.
    pub channel: String,
    pub event: String,
    /// An email address, or the webhook endpoint's id.
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub next_attempt_at: OffsetDateTime,
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub delivered_at: Option<OffsetDateTime>,
}

impl From<OutboxItem> for OutboxView {
    fn from(i: OutboxItem) -> Self {
        Self {
            id: i.message.id,
            channel: i.message.channel.as_str().into(),
            event: i.message.event,
            recipient: i.message.recipient,
            subject: i.message.subject,
            body: i.message.body,
            status: i.status.as_str().into(),
            attempts: i.attempts,
            next_attempt_at: i.next_attempt_at,
            last_error: i.last_error,
            created_at: i.created_at,
            delivered_at: i.delivered_at,
        }
    }
}

/// Emails and webhook deliveries, oldest first, with their delivery state.
/// Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/outbox", tag = "lifecycle", params(OutboxQuery),
    responses((status = 200, body = List<OutboxView>), (status = 400, body = Problem)))]
pub async fn list_outbox(api: Api, Query(q): Query<OutboxQuery>) -> ApiResult<Json<List<OutboxView>>> {
    let page = q.page()?;
    let status = query_word(
        q.status.as_deref(),
        OutboxStatus::parse,
        "status must be pending, delivered or dead",
    )?;
    let rows = outbox::list(&api.read()?, status, page).await?;
    Ok(Json(List::paged(rows, page.limit, |i| i.message.id, Into::into)))
}

/// One outbox message. Requires: any member, or keyward:read.
#[utoipa::path(get, path = "/v1/outbox/{id}", tag = "lifecycle", params(("id" = Uuid, Path)),
    responses((status = 200, body = OutboxView)))]
pub async fn get_outbox(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<OutboxView>> {
    Ok(Json(outbox::get(&api.read()?, id).await?.into()))
}

/// Send a message again now (a dead one, or a delivered one someone lost), with a fresh count
/// of attempts. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/outbox/{id}/resend", tag = "lifecycle", params(("id" = Uuid, Path)),
    responses((status = 200, body = OutboxView)))]
pub async fn resend_outbox(api: Api, Path(id): Path<Uuid>) -> ApiResult<Json<OutboxView>> {
    let item = outbox::resend(&api.manage()?, id).await?;
    Ok(Json(item.into()))
}
