//! What keyward announces, to whom, in what words. The messages are built here and handed to
//! the store with the event's audit record, so they are queued in the same transaction as the
//! change (the transactional outbox). No secret ever enters a message.

use keyward_core::{ApiUser, LeakedTokenAction, ReminderStage, Role, Token};
use keyward_store::{
    AuditRecord, Channel, DueReminder, DynStore, InsightAlert, OutboxMessage, Page, ReminderSubject,
    StoreResult, TokenLeak,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// One event: its webhook type and data, and the email it warrants, if any.
pub struct Announcement {
    pub event: &'static str,
    pub data: Value,
    pub email: Option<Email>,
}

pub struct Email {
    pub subject: String,
    pub body: String,
    /// Besides the organization's admins and super admins: the API user's contact.
    pub also_to: Option<String>,
}

/// Turns events into outbox messages for the organization's administrators and webhooks.
pub struct Notifier {
    store: DynStore,
    public_url: String,
    wake: tokio::sync::Notify,
    /// Whether this node delivers emails (SMTP is configured); without it they wait.
    delivers_email: bool,
}

fn date(t: Option<OffsetDateTime>) -> String {
    match t {
        Some(t) => t.format(&Rfc3339).unwrap_or_else(|_| t.to_string()),
        None => "never".into(),
    }
}

impl Notifier {
    pub fn new(store: DynStore, public_url: String, delivers_email: bool) -> Self {
        Self {
            store,
            public_url: public_url.trim_end_matches('/').to_owned(),
            wake: tokio::sync::Notify::new(),
            delivers_email,
        }
    }

    /// The dashboard page of an API user, from the configured public URL.
    pub fn api_user_link(&self, id: Uuid) -> String {
        format!("{}/dashboard/api-users/{id}", self.public_url)
    }

    /// Tells this node's outbox worker that messages are waiting (others find them by polling).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// [`Self::wake`], if any of `messages` can be delivered now: without SMTP, emails wait,
    /// and waking the worker for them would only cost a claim that finds nothing (a write
    /// transaction on every token created).
    pub fn wake_for(&self, messages: &[OutboxMessage]) {
        if messages
            .iter()
            .any(|m| m.channel != Channel::Email || self.delivers_email)
        {
            self.wake();
        }
    }

    pub async fn woken(&self) {
        self.wake.notified().await
    }

    /// Puts an announcement's messages in the outbox of the change's audit record, so they are
    /// written in the change's transaction.
    pub async fn attach(&self, audit: &mut AuditRecord, org_id: Uuid, a: Announcement) -> StoreResult<()> {
        audit.set_outbox(self.messages(org_id, audit.at(), a).await?);
        Ok(())
    }

    /// The outbox messages an event causes: one email per administrator (and contact), one
    /// webhook delivery per endpoint subscribed to the event.
    pub async fn messages(
        &self,
        org_id: Uuid,
        at: OffsetDateTime,
        a: Announcement,
    ) -> StoreResult<Vec<OutboxMessage>> {
        let mut out = Vec::new();
        let hooks = self.store.list_webhooks(org_id).await?;
        if hooks.iter().any(|h| h.wants(a.event)) {
            let body = json!({"type": a.event, "timestamp": date(Some(at)), "data": a.data}).to_string();
            for h in hooks.iter().filter(|h| h.wants(a.event)) {
                out.push(OutboxMessage {
                    id: Uuid::now_v7(),
                    org_id,
                    channel: Channel::Webhook,
                    event: a.event.into(),
                    recipient: h.id.to_string(),
                    subject: a.event.into(),
                    body: body.clone(),
                });
            }
        }
        if let Some(email) = a.email {
            let mut to = self.administrators(org_id).await?;
            if let Some(c) = email.also_to
                && !to.contains(&c)
            {
                to.push(c);
            }
            for recipient in to {
                out.push(OutboxMessage {
                    id: Uuid::now_v7(),
                    org_id,
                    channel: Channel::Email,
                    event: a.event.into(),
                    recipient,
                    subject: email.subject.clone(),
                    body: email.body.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Every admin and super admin of the organization (auditors only read).
    async fn administrators(&self, org_id: Uuid) -> StoreResult<Vec<String>> {
        let mut out = Vec::new();
        let mut page = Page::first(500);
        loop {
            let members = self.store.list_members(org_id, page).await?;
            let full = members.len() == page.limit as usize;
            page.after = members.last().map(|m| m.id);
            out.extend(
                members
                    .into_iter()
                    .filter(|m| matches!(m.role, Role::Admin | Role::SuperAdmin))
                    .map(|m| m.email),
            );
            if !full {
                return Ok(out);
            }
        }
    }

    fn token_data(t: &Token, user: &ApiUser) -> Value {
        json!({
            "token": {
                "id": t.id, "name": t.name, "hint": t.hint, "status": t.status.as_str(),
                "expires_at": t.expires_at.map(|d| date(Some(d))), "integration_id": t.integration_id,
                "rotated_from": t.rotated_from,
            },
            "api_user": {"id": user.id, "username": user.username, "name": user.name,
                         "environment": user.environment.as_str()},
        })
    }

    fn credentials_email(
        &self,
        what: &str,
        t: Option<&Token>,
        user: &ApiUser,
        by: &str,
        integration: &str,
    ) -> Email {
        let mut body = format!(
            "New API credentials were created ({what}).\n\n\
             Created by:   {by}\n\
             API user:     {} ({})\n\
             Environment:  {}\n\
             Integration:  {integration}\n",
            user.name, user.username, user.environment
        );
        if let Some(t) = t {
            body.push_str(&format!(
                "Token name:   {}\nToken hint:   {}\nExpires:      {}\n",
                t.name,
                t.hint,
                date(t.expires_at)
            ));
        }
        body.push_str(&format!(
            "\nReview them: {}\n\nIf you did not expect this, suspend or revoke them from that page.\n\
             keyward never sends secrets by email.\n",
            self.api_user_link(user.id)
        ));
        Email {
            subject: format!("New API credentials were created for {}", user.username),
            body,
            also_to: None,
        }
    }

    pub fn token_created(&self, t: &Token, user: &ApiUser, by: &str, integration: &str) -> Announcement {
        Announcement {
            event: "token.created",
            data: Self::token_data(t, user),
            email: Some(self.credentials_email("a new token", Some(t), user, by, integration)),
        }
    }

    pub fn token_rotated(
        &self,
        old: &Token,
        new: &Token,
        user: &ApiUser,
        by: &str,
        integration: &str,
        grace_ends: OffsetDateTime,
    ) -> Announcement {
        let mut data = Self::token_data(new, user);
        data["replaced"] = json!({"id": old.id, "hint": old.hint, "works_until": date(Some(grace_ends))});
        let mut email = self.credentials_email("a rotation", Some(new), user, by, integration);
        email.body.push_str(&format!(
            "\nThe token it replaces ({}) keeps working until {}.\n",
            old.hint,
            date(Some(grace_ends))
        ));
        Announcement {
            event: "token.rotated",
            data,
            email: Some(email),
        }
    }

    /// A change that needs no email: revoke, suspend, delete.
    pub fn token_changed(event: &'static str, t: &Token, user: &ApiUser, by: &str) -> Announcement {
        let mut data = Self::token_data(t, user);
        data["by"] = by.into();
        Announcement {
            event,
            data,
            email: None,
        }
    }

    /// A token was found leaked: every administrator hears of it, with where it was found and
    /// what keyward did.
    pub fn token_leaked(&self, t: &Token, user: &ApiUser, leak: &TokenLeak) -> Announcement {
        let mut data = Self::token_data(t, user);
        data["source_url"] = leak.source_url.clone().into();
        data["reporter"] = leak.reporter.clone().into();
        data["action"] = leak.action.as_str().into();
        let done = match leak.action {
            LeakedTokenAction::Revoke => "It has been revoked: it no longer works. Issue a new one.",
            LeakedTokenAction::Suspend => {
                "It has been suspended: resume it only if the leak is a false alarm."
            }
            LeakedTokenAction::Notify => {
                "It still works (this organization only notifies): revoke or rotate it."
            }
        };
        Announcement {
            event: "token.leaked",
            data,
            email: Some(Email {
                subject: format!("API token \"{}\" of {} was found leaked", t.name, user.username),
                body: format!(
                    "The API token \"{}\" ({}) of the API user {} was found in public, reported by {}:\n{}\n\n{done}\n\nReview it: {}\n",
                    t.name,
                    t.hint,
                    user.username,
                    leak.reporter,
                    leak.source_url,
                    self.api_user_link(user.id)
                ),
                also_to: user.contact_email.clone(),
            }),
        }
    }

    pub fn api_user_created(&self, user: &ApiUser, by: &str, with_password: bool) -> Announcement {
        Announcement {
            event: "api_user.created",
            data: json!({"api_user": {"id": user.id, "username": user.username, "name": user.name,
                         "environment": user.environment.as_str(), "has_password": with_password}, "by": by}),
            // A profile with a password is a credential; one without has none until a token.
            email: with_password
                .then(|| self.credentials_email("an API user with a password", None, user, by, "any")),
        }
    }

    pub fn api_user_changed(event: &'static str, user: &ApiUser, by: &str) -> Announcement {
        Announcement {
            event,
            data: json!({"api_user": {"id": user.id, "username": user.username, "name": user.name}, "by": by}),
            email: None,
        }
    }

    pub fn reminder(&self, d: &DueReminder) -> Announcement {
        let when = d.stage.phrase();
        let link = self.api_user_link(d.api_user_id);
        let (named, what) = match (&d.subject, &d.token) {
            (ReminderSubject::Token, Some((name, hint))) => (
                format!("API token \"{name}\" of {}", d.username),
                format!(
                    "The token \"{name}\" ({hint}) of the API user {} ({})",
                    d.api_user_name, d.username
                ),
            ),
            _ => (
                format!("API user {}", d.username),
                format!(
                    "The API user {} ({}), and with it every one of its tokens,",
                    d.api_user_name, d.username
                ),
            ),
        };
        let subject = if d.stage == ReminderStage::Expired {
            format!("{named} has expired")
        } else {
            format!("{named} expires {when}")
        };
        let body = if d.stage == ReminderStage::Expired {
            format!(
                "{what} expired on {}.\nRequests made with it are refused.\n\n\
                 To restore access, create new credentials: {link}\n",
                date(Some(d.expires_at))
            )
        } else {
            format!(
                "{what} expires on {}.\nAfter that, requests made with it are refused.\n\n\
                 Renew it by creating new credentials (or rotating the token) before then: {link}\n",
                date(Some(d.expires_at))
            )
        };
        let kind = match d.subject {
            ReminderSubject::Token => "token",
            ReminderSubject::ApiUser => "api_user",
        };
        Announcement {
            event: d.stage.event(),
            data: json!({
                "subject": kind, "id": d.id, "stage": stage_name(d.stage), "expires_at": date(Some(d.expires_at)),
                "api_user": {"id": d.api_user_id, "username": d.username, "name": d.api_user_name},
                "token": d.token.as_ref().map(|(name, hint)| json!({"name": name, "hint": hint})),
            }),
            email: Some(Email {
                subject,
                body,
                also_to: d.contact_email.clone(),
            }),
        }
    }

    pub fn alert(&self, a: &InsightAlert, token_label: &str, api_user_id: Option<Uuid>) -> Announcement {
        let what = match a.kind.as_str() {
            "new_network" => "was used from an IP network it has never been used from",
            "denied_burst" => "had a burst of refused verifications",
            "spike" => "was used far more than usual",
            "never_used" => "has never been used since it was created",
            "imported" => {
                "is still an imported key in its old format: rotate it to give its owner a keyward token"
            }
            _ => "has not been used for a long time and should perhaps be decommissioned",
        };
        let link = api_user_id.map(|id| self.api_user_link(id)).unwrap_or_default();
        // Every monitoring finding travels as one webhook type; `kind` tells them apart.
        Announcement {
            event: "verification.anomaly",
            data: json!({"kind": a.kind, "token_id": a.subject_id, "window": a.window_key, "details": a.details}),
            email: Some(Email {
                subject: format!("keyward monitoring: token {token_label} {what}"),
                body: format!(
                    "The API token {token_label} {what}.\n\nDetails: {}\n\nReview it: {link}\n",
                    a.details
                ),
                also_to: None,
            }),
        }
    }
}

impl Notifier {
    /// A balance of credits ran low or out (`event` is `credits.low` or `credits.exhausted`).
    pub fn credits_alert(
        &self,
        event: &'static str,
        headline: &str,
        text: &str,
        data: &Value,
    ) -> Announcement {
        let link = data["api_user_id"]
            .as_str()
            .and_then(|id| Uuid::parse_str(id).ok())
            .map(|id| format!("\n\nReview it: {}\n", self.api_user_link(id)))
            .unwrap_or_default();
        Announcement {
            event,
            data: data.clone(),
            email: Some(Email {
                subject: format!("keyward: {headline}"),
                body: format!("{text}{link}"),
                also_to: None,
            }),
        }
    }
}

pub fn stage_name(s: ReminderStage) -> &'static str {
    match s {
        ReminderStage::None => "none",
        ReminderStage::Month => "30_days",
        ReminderStage::Week => "7_days",
        ReminderStage::Day => "1_day",
        ReminderStage::Expired => "expired",
    }
}
