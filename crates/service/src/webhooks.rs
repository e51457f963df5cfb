//! Webhook endpoints, and their signing secrets: shown once when made, kept sealed under the
//! key-encryption key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use keyward_core::policy::WEBHOOK_EVENTS;
use keyward_core::{WebhookEndpoint, input};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::context::{Manage, Read};
use crate::entries;
use crate::error::{ServiceError, ServiceResult};
use crate::{KeyRing, Service};

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

/// Which destinations webhooks may reach besides public addresses: the operator's list of
/// CIDR ranges and host names (`--webhook-allow`), never an organization's.
#[derive(Clone, Debug, Default)]
pub struct WebhookAllow {
    nets: Vec<ipnet::IpNet>,
    hosts: Vec<String>,
}

impl WebhookAllow {
    /// Each entry an address, a CIDR range or a host name.
    pub fn parse(entries: &[String]) -> anyhow::Result<Self> {
        let mut allow = Self::default();
        for e in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            if let Ok(net) = e.parse::<ipnet::IpNet>() {
                allow.nets.push(net);
            } else if let Ok(ip) = e.parse::<std::net::IpAddr>() {
                allow.nets.push(ip.into());
            } else if e
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            {
                allow.hosts.push(e.to_ascii_lowercase());
            } else {
                anyhow::bail!("--webhook-allow: {e:?} is not an address, a CIDR range or a host name");
            }
        }
        Ok(allow)
    }

    /// Whether webhooks may reach this address.
    pub fn address(&self, ip: std::net::IpAddr) -> bool {
        !keyward_core::ip::is_internal(ip) || self.nets.iter().any(|n| n.contains(&ip))
    }

    /// Whether the operator allowed this host name whatever it resolves to.
    pub fn host(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// Refuses an endpoint URL whose host is a literal internal address the operator did not allow
/// (a host name is checked on every address it resolves to when a delivery connects).
fn check_destination(allow: &WebhookAllow, url: &str) -> ServiceResult<()> {
    let host = url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    let literal = host
        .parse::<std::net::IpAddr>()
        .ok()
        .or_else(|| legacy_ipv4(host).map(std::net::IpAddr::V4));
    match literal {
        Some(ip) if !allow.address(ip) => Err(ServiceError::invalid(
            "url",
            "is an internal address: webhooks reach public addresses unless the operator allows it (--webhook-allow)",
        )),
        _ => Ok(()),
    }
}

/// The spellings of an IPv4 address URL parsers accept besides dotted quads: one number
/// (`2130706433`, `0x7f000001`) or fewer parts (`127.1`).
fn legacy_ipv4(host: &str) -> Option<std::net::Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let num = |p: &str| -> Option<u64> {
        if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u64::from_str_radix(h, 16).ok()
        } else if p.len() > 1 && p.starts_with('0') {
            u64::from_str_radix(&p[1..], 8).ok()
        } else {
            p.parse().ok()
        }
    };
    let nums: Vec<u64> = parts.iter().map(|p| num(p)).collect::<Option<_>>()?;
    let (last, head) = nums.split_last()?;
    if head.iter().any(|n| *n > 255) || *last >= 1u64 << (8 * (5 - nums.len())) {
        return None;
    }
    let mut value = *last;
    for (i, n) in head.iter().enumerate() {
        value |= n << (8 * (3 - i));
    }
    u32::try_from(value).ok().map(std::net::Ipv4Addr::from)
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

pub async fn create(m: &Manage<'_>, req: CreateWebhook) -> ServiceResult<CreatedWebhook> {
    let s = m.service();
    let now = s.now();
    check_destination(&s.webhook_allow, &req.url)?;
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
    let details = details(&w);
    let endpoint = entries::create(m, now, w, details).await?;
    Ok(CreatedWebhook {
        secret: plain,
        endpoint,
    })
}

pub async fn update(m: &Manage<'_>, id: Uuid, req: UpdateWebhook) -> ServiceResult<WebhookEndpoint> {
    let allow = &m.service().webhook_allow;
    entries::change(m, id, |w: &mut WebhookEndpoint| {
        if let Some(u) = &req.url {
            w.url = input::public_url("url", u)?;
            check_destination(allow, &w.url)?;
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
        Ok(details(w))
    })
    .await
}

/// What the audit trail keeps of an endpoint after a change (never its secret).
fn details(w: &WebhookEndpoint) -> serde_json::Value {
    serde_json::json!({"url": w.url, "events": w.events, "enabled": w.enabled})
}

/// Removes an endpoint; messages still queued for it are marked dead when their turn comes.
pub async fn delete(m: &Manage<'_>, id: Uuid) -> ServiceResult<()> {
    entries::delete::<WebhookEndpoint>(m, id, serde_json::json!({})).await
}

/// The endpoint a queued webhook message goes to, with its signing secret opened; `None` when
/// the endpoint was deleted since.
pub async fn endpoint_for_delivery(
    s: &Service,
    org_id: Uuid,
    id: Uuid,
) -> ServiceResult<Option<keyward_core::WebhookEndpoint>> {
    let endpoint = match s.store.get_webhook(org_id, id).await {
        Ok(e) => e,
        Err(keyward_store::StoreError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let secret = open_secret(&s.keys, &endpoint.secret).map_err(ServiceError::internal)?;
    Ok(Some(keyward_core::WebhookEndpoint { secret, ..endpoint }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_internal_addresses_are_refused_in_any_spelling() {
        let none = WebhookAllow::default();
        for url in [
            "http://127.0.0.1:8080/x",
            "http://[::1]/x",
            "http://0.0.0.0/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://127.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://169.254.169.254/latest",
            "https://user:pw@10.0.0.1:443/hook",
        ] {
            assert!(check_destination(&none, url).is_err(), "{url}");
        }
        for url in [
            "https://hooks.example.com/x",
            "http://203.0.113.7/x",
            "http://localhost:9/x",
        ] {
            assert!(check_destination(&none, url).is_ok(), "{url}");
        }
        let loopback = WebhookAllow::parse(&["127.0.0.0/8".into()]).unwrap();
        assert!(check_destination(&loopback, "http://127.0.0.1:8080/x").is_ok());
    }
}
