//! OAuth clients: API users that log in, what they are given and what they may do to their own
//! credentials.

mod client;

pub use client::{AccessGrant, ClientLogin, ClientRefusal};

use std::net::IpAddr;

use keyward_core::{ApiUser, TokenHash};
use keyward_store::{Actor, ActorKind, AuditRecord};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::Service;
use crate::error::ServiceResult;

/// An audit record of something an API user did itself, as an OAuth client.
pub fn client_record(
    client: &ApiUser,
    at: OffsetDateTime,
    action: &'static str,
    ip: IpAddr,
    details: Value,
) -> AuditRecord {
    let id = Some(client.id);
    let actor = Actor::new(ActorKind::ApiUser, id, client.username.as_str());
    AuditRecord::new(Some(client.org_id), at, actor, action, ("api_user", id), details).from_ip(ip)
}

impl Service {
    /// RFC 7009: an authenticated client revokes one of its own access tokens or opaque tokens.
    /// A token that is not the client's, or not a token at all, changes nothing (and, as the
    /// RFC says, is not an error).
    pub async fn revoke_own_token(&self, client: &ApiUser, token: &str, ip: IpAddr) -> ServiceResult<()> {
        let now = self.now();
        if token.matches('.').count() == 2 {
            if let Ok(claims) = self.keys.decode(token, now).await
                && claims.sub == client.id.to_string()
            {
                let exp = OffsetDateTime::from_unix_timestamp(claims.exp).unwrap_or(now);
                let record = client_record(client, now, "oauth.revoke", ip, json!({"jti": claims.jti}));
                self.store
                    .revoke_access_token(&claims.jti, client.org_id, exp, &record)
                    .await?;
                // Here and on every other node, before answering.
                self.verifier.invalidate_token(TokenHash::of(token)).await;
            }
        } else if let Ok(parsed) = keyward_core::token::parse(self.verifier.prefix(), token)
            && let Ok(Some(subject)) = self.store.verify_subject(parsed.hash).await
            && subject.api_user_id == client.id
        {
            let record = client_record(client, now, "token.revoke", ip, json!({"via": "oauth2/revoke"}));
            if let Ok(hash) = self
                .store
                .revoke_token(client.org_id, subject.token_id, now, &record)
                .await
            {
                self.verifier.invalidate_token(hash).await;
            }
        }
        Ok(())
    }
}
