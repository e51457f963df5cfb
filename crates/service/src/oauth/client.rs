//! OAuth clients — API users that log in with a password — authenticating, and the access
//! tokens they are given (RFC 6749 §4.4, client credentials). Throttled on the account the
//! client id resolves to, never on how it was spelled; every refusal is audited.

use std::net::IpAddr;

use keyward_core::{ApiUser, ApiUserStatus, AuthMethod, IntegrationStatus};
use keyward_store::{Actor, ActorKind, AuditRecord, StoreError, TotpOwner};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::client_record;
use crate::Service;
use crate::error::{ServiceError, ServiceResult};
use crate::keys::AccessClaims;
use crate::password;

/// What a client presents: its id (the API user's id), its secret (the API user's password)
/// and, for `password_totp`, a code.
pub struct ClientLogin {
    pub client_id: String,
    pub secret: String,
    pub totp: Option<String>,
    pub ip: IpAddr,
}

/// Why a client is refused, in the terms of RFC 6749 §5.2.
#[derive(Debug)]
pub enum ClientRefusal {
    /// `invalid_client`: the answer never says which check failed.
    InvalidClient,
    /// Too many failures for this client or address.
    Throttled {
        retry_after: u64,
    },
    /// `invalid_grant`: a missing, wrong or replayed second factor.
    SecondFactor,
    /// `invalid_scope`: the client holds none of what it asked for.
    NoGrantedScope,
    Failed(ServiceError),
}

impl From<ServiceError> for ClientRefusal {
    fn from(e: ServiceError) -> Self {
        Self::Failed(e)
    }
}

impl From<StoreError> for ClientRefusal {
    fn from(e: StoreError) -> Self {
        Self::Failed(e.into())
    }
}

/// A signed access token, shown once.
pub struct AccessGrant {
    pub access_token: String,
    pub expires_in: i64,
    pub scope: String,
}

/// How an unknown client is named in the trail: its id when it is one, else nothing of what
/// was sent.
fn unknown_client_label(client_id: &str) -> String {
    match Uuid::parse_str(client_id.trim()) {
        Ok(id) => id.to_string(),
        Err(_) => "unknown client".into(),
    }
}

impl Service {
    /// The API user a client id names, with its password hash. The client id is the API user's
    /// id — never its username, which is unique only within an organization. The same reads
    /// happen whether or not it exists (an unknown id looks up the nil id), so timing does not
    /// tell.
    async fn find_client(&self, client_id: &str) -> ServiceResult<Option<(ApiUser, Option<String>)>> {
        let id = Uuid::parse_str(client_id.trim()).unwrap_or(Uuid::nil());
        Ok(self.store.api_user_credentials(id).await?)
    }

    /// Checks a client's secret, second factor and that it may log in from this address now.
    pub async fn authenticate_client(&self, login: &ClientLogin) -> Result<ApiUser, ClientRefusal> {
        let now = self.now();
        let ip = login.ip;
        let found = self.find_client(&login.client_id).await?;
        // Throttled by the account the id resolves to (upper case, no hyphens, braces or a urn
        // all name the same client).
        let account = match &found {
            Some((u, _)) => format!("oauth:{}", u.id),
            None => format!("oauth:unknown:{}", unknown_client_label(&login.client_id)),
        };
        let ip_s = ip.to_string();
        if let Err(retry_after) = self.login_throttle.check(&account, &ip_s, now).await? {
            return Err(ClientRefusal::Throttled { retry_after });
        }
        // The password is checked (against a stand-in hash when there is none) whatever else
        // is wrong, so the time taken does not tell whether a client exists.
        let stored = found.as_ref().and_then(|(_, h)| h.clone());
        let ok = password::verify(login.secret.clone(), stored, &login.client_id).await?;
        let refuse = async |user: Option<&ApiUser>, reason: &str| -> ClientRefusal {
            if let Err(e) = self.login_throttle.fail(&account, &ip_s, now).await {
                return e.into();
            }
            self.audit_client_refusal(user, login, reason, now);
            ClientRefusal::InvalidClient
        };
        let Some((user, _)) = found.clone().filter(|_| ok) else {
            return Err(refuse(found.as_ref().map(|(u, _)| u), "bad credentials").await);
        };
        if user.auth_method == AuthMethod::Token {
            return Err(refuse(Some(&user), "auth_method is token").await);
        }
        if user.auth_method == AuthMethod::PasswordTotp {
            let presented = login.totp.as_deref().map(str::trim).unwrap_or("");
            let ok = !presented.is_empty()
                && self
                    .second_factor_ok(TotpOwner::ApiUser, user.id, &user.username, presented, now)
                    .await?;
            if !ok {
                self.login_throttle.fail(&account, &ip_s, now).await?;
                self.audit_client_refusal(Some(&user), login, "totp", now);
                return Err(ClientRefusal::SecondFactor);
            }
        }
        if user.status != ApiUserStatus::Active {
            return Err(refuse(Some(&user), "suspended").await);
        }
        if user.expires_at.is_some_and(|e| e <= now) {
            return Err(refuse(Some(&user), "expired").await);
        }
        if !user.allowed_ips.allows(ip) {
            return Err(refuse(Some(&user), "ip not allowed").await);
        }
        if !user.integration_ids.is_empty() && !self.some_integration_admits(&user, ip).await {
            return Err(refuse(Some(&user), "no active integration allows this address").await);
        }
        self.login_throttle.succeed(&account).await?;
        Ok(user)
    }

    /// Whether one of the API user's integrations is active and allows the address.
    async fn some_integration_admits(&self, user: &ApiUser, ip: IpAddr) -> bool {
        for id in &user.integration_ids {
            if let Ok(i) = self.store.get_integration(user.org_id, *id).await
                && i.status == IntegrationStatus::Active
                && i.allowed_ips.allows(ip)
            {
                return true;
            }
        }
        false
    }

    /// Writes the audit event of a refused client after answering, in the client's
    /// organization's trail when it is known and in the installation's otherwise, so a refusal
    /// takes the same time whether or not the client exists.
    fn audit_client_refusal(
        &self,
        user: Option<&ApiUser>,
        login: &ClientLogin,
        reason: &str,
        now: OffsetDateTime,
    ) {
        let details = json!({ "reason": reason });
        let record = match user {
            Some(u) => client_record(u, now, "oauth.token", login.ip, details),
            None => AuditRecord::new(
                None,
                now,
                // An id that is not one could be a secret sent in the wrong field: not written.
                Actor::new(ActorKind::Anonymous, None, unknown_client_label(&login.client_id)),
                "oauth.token",
                ("installation", None),
                details,
            )
            .from_ip(login.ip),
        }
        .failed();
        let store = self.store.clone();
        tokio::spawn(async move {
            if let Err(e) = store.append_audit(&record).await {
                tracing::warn!(error = %e, "cannot audit a refused client login");
            }
        });
    }

    /// Authenticates a client and signs an access token for the permissions it asked for that
    /// its group grants (all of them when it asked for none).
    pub async fn issue_access_token(
        &self,
        login: &ClientLogin,
        scope: Option<&str>,
    ) -> Result<AccessGrant, ClientRefusal> {
        let user = self.authenticate_client(login).await?;
        let now = self.now();
        let held = self.group_permissions(&user).await?;
        let granted: Vec<String> = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            Some(requested) => requested
                .split_whitespace()
                .filter(|p| held.grants(p))
                .map(str::to_owned)
                .collect(),
            None => held.iter().map(str::to_owned).collect(),
        };
        if granted.is_empty() && scope.is_some_and(|s| !s.trim().is_empty()) {
            return Err(ClientRefusal::NoGrantedScope);
        }
        let ttl = self.access_token_ttl;
        let claims = AccessClaims {
            iss: self.keys.issuer.clone(),
            sub: user.id.to_string(),
            aud: self.keys.audience.clone(),
            iat: now.unix_timestamp(),
            exp: (now + ttl).unix_timestamp(),
            jti: Uuid::now_v7().to_string(),
            scope: granted.join(" "),
            client_id: user.id.to_string(),
            username: user.username.clone(),
            org: user.org_id,
            env: user.environment.as_str().into(),
        };
        let access_token = self.keys.sign(&claims).map_err(ServiceError::internal)?;
        let record = client_record(
            &user,
            now,
            "oauth.token",
            login.ip,
            json!({"jti": claims.jti, "scope": claims.scope, "expires_in": ttl.whole_seconds()}),
        );
        self.store.append_audit(&record).await?;
        Ok(AccessGrant {
            access_token,
            expires_in: ttl.whole_seconds(),
            scope: claims.scope,
        })
    }
}
