//! Webhook endpoints, and their signing secrets: shown once when made, kept sealed under the
//! key-encryption key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use keyward_core::policy::WEBHOOK_EVENTS;
use keyward_core::{WebhookEndpoint, input};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::KeyRing;
use crate::context::{Manage, Read};
use crate::error::{ServiceError, ServiceResult, missing};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    /// `https://…` (or `http://…` for a receiver inside your network).
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Event types to deliver; omit or leave empty for all.
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

/// An endpoint just made, with its signing secret: the only time it is shown.
pub struct CreatedWebhook {
    pub secret: String,
    pub endpoint: WebhookEndpoint,
}

const SEALED: &str = "sealed:";
const PURPOSE: &str = "keyward-webhook-secret";

/// The form a webhook secret is stored in: encrypted under the key-encryption key.
pub fn seal_secret(keys: &KeyRing, secret: &str) -> anyhow::Result<String> {
    Ok(format!(
        "{SEALED}{}",
        B64.encode(keys.seal(PURPOSE, secret.as_bytes())?)
    ))
}

/// The secret to sign with, from its stored form (older plain ones still work).
pub fn open_secret(keys: &KeyRing, stored: &str) -> anyhow::Result<String> {
    match stored.strip_prefix(SEALED) {
        Some(b64) => {
            let sealed = B64
                .decode(b64)
                .map_err(|_| anyhow::anyhow!("a stored webhook secret is damaged"))?;
            Ok(String::from_utf8(keys.open_sealed(PURPOSE, &sealed)?)?)
        }
        None => Ok(stored.to_owned()),
    }
}

/// A fresh signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> anyhow::Result<String> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(format!("whsec_{}", B64.encode(key)))
}

fn check_events(events: &[String]) -> ServiceResult<Vec<String>> {
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        if !WEBHOOK_EVENTS.contains(&e.as_str()) {
            return Err(ServiceError::invalid(
                "events",
                format!("unknown event type; known: {}", WEBHOOK_EVENTS.join(", ")),
            ));
        }
        if !out.contains(e) {
            out.push(e.clone());
        }
    }
    Ok(out)
}

pub async fn list(r: &Read<'_>) -> ServiceResult<Vec<WebhookEndpoint>> {
    Ok(r.service().store.list_webhooks(r.org_id()).await?)
}

/// One endpoint; its secret stays sealed.
pub async fn get(r: &Read<'_>, id: Uuid) -> ServiceResult<WebhookEndpoint> {
    r.service()
        .store
        .get_webhook(r.org_id(), id)
        .await
        .map_err(missing("webhook endpoint"))
}

pub async fn create(m: &Manage<'_>, req: CreateWebhook) -> ServiceResult<CreatedWebhook> {
    let s = m.service();
    let now = s.now();
    let plain = new_secret().map_err(ServiceError::internal)?;
    let w = WebhookEndpoint {
        id: Uuid::now_v7(),
        org_id: m.org_id(),
        url: input::public_url("url", &req.url)?,
        description: input::text("description", &req.description, 500)?,
        events: check_events(&req.events)?,
        secret: seal_secret(&s.keys, &plain).map_err(ServiceError::internal)?,
        enabled: req.enabled,
        created_at: now,
    };
    let audit = m.record(
        now,
        "webhook.create",
        "webhook",
        Some(w.id),
        serde_json::json!({"url": w.url, "events": w.events, "enabled": w.enabled}),
    );
    s.store.create_webhook(&w, &audit).await?;
    Ok(CreatedWebhook {
        secret: plain,
        endpoint: w,
    })
}

pub async fn update(m: &Manage<'_>, id: Uuid, req: UpdateWebhook) -> ServiceResult<WebhookEndpoint> {
    let s = m.service();
    let mut w = get(&m.read(), id).await?;
    if let Some(u) = &req.url {
        w.url = input::public_url("url", u)?;
    }
    if let Some(d) = &req.description {
        w.description = input::text("description", d, 500)?;
    }
    if let Some(e) = &req.events {
        w.events = check_events(e)?;
    }
    if let Some(e) = req.enabled {
        w.enabled = e;
    }
    let audit = m.record(
        s.now(),
        "webhook.update",
        "webhook",
        Some(w.id),
        serde_json::json!({"url": w.url, "events": w.events, "enabled": w.enabled}),
    );
    s.store
        .update_webhook(&w, &audit)
        .await
        .map_err(missing("webhook endpoint"))?;
    Ok(w)
}

/// Removes an endpoint; messages still queued for it are marked dead when their turn comes.
pub async fn delete(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    let s = m.service();
    let audit = m.record(
        s.now(),
        "webhook.delete",
        "webhook",
        Some(id),
        serde_json::json!({}),
    );
    s.store
        .delete_webhook(m.org_id(), id, &audit)
        .await
        .map_err(missing("webhook endpoint"))?;
    Ok(())
}
