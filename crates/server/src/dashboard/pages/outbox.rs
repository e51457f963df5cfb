//! The outbox of emails and webhooks.

use super::*;

pub struct OutboxRow {
    pub id: String,
    pub channel: String,
    pub event: String,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: String,
    pub created: String,
    pub dead: bool,
}

#[derive(Template)]
#[template(path = "outbox.html")]
pub(super) struct OutboxPage {
    nav: Nav,
    rows: Vec<OutboxRow>,
    status: String,
    notice: Option<String>,
    smtp: bool,
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    status: Option<String>,
}

pub(super) async fn outbox_page(
    state: &AppState,
    s: &Session,
    status: Option<String>,
    notice: Option<String>,
) -> PageResult {
    let filter = status.as_deref().and_then(keyward_store::OutboxStatus::parse);
    let mut items = ops::outbox::list(&state.service.read(&s.caller)?, filter, Page::first(200)).await?;
    items.reverse();
    Ok(html(
        StatusCode::OK,
        &OutboxPage {
            nav: Nav::new(s, "outbox"),
            rows: items
                .into_iter()
                .map(|i| OutboxRow {
                    id: i.message.id.to_string(),
                    channel: i.message.channel.as_str().into(),
                    event: i.message.event,
                    recipient: i.message.recipient,
                    subject: i.message.subject,
                    dead: i.status == keyward_store::OutboxStatus::Dead,
                    status: i.status.as_str().into(),
                    attempts: i.attempts,
                    last_error: i.last_error.unwrap_or_default(),
                    created: date(Some(i.created_at)),
                })
                .collect(),
            status: status.unwrap_or_default(),
            notice,
            smtp: state.config.mail.smtp_url.is_some(),
        },
    ))
}

pub async fn outbox(State(state): State<AppState>, s: Session, Query(q): Query<OutboxQuery>) -> PageResult {
    require_manager(&s, true)?;
    outbox_page(&state, &s, q.status.filter(|x| !x.is_empty()), None).await
}

pub async fn outbox_resend(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    ManagerForm(s, _): ManagerForm,
) -> PageResult {
    keyward_service::outbox::resend(&state.service.manage(&s.caller)?, id).await?;
    outbox_page(&state, &s, None, Some("Queued to be sent again.".into())).await
}
