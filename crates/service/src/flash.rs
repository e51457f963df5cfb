//! A new token's secret carried across the dashboard's redirect after a form (Post/Redirect/Get),
//! so a reload cannot resubmit the form and the secret is still shown exactly once.
//!
//! The secret is held on the session's row, so any node behind a load balancer can show it, but
//! only sealed (ChaCha20-Poly1305) under a key derived from the session's own secret — which
//! only the browser's cookie holds; the database keeps its hash. The database alone cannot open
//! it, and reading it clears it.

use aws_lc_rs::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use keyward_core::Token;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::context::{Manage, Read};
use crate::error::{ServiceError, ServiceResult};

/// How long a held secret waits for its page; after that it is dropped unseen.
const HELD_FOR: Duration = Duration::minutes(10);

/// The sealing key of one session, derived from the secret its cookie presents.
pub struct FlashKey([u8; 32]);

impl FlashKey {
    pub fn of_session(secret: &str) -> Self {
        // Domain-separated from the stored hash (plain SHA-256 of the secret).
        Self(Sha256::digest(format!("keyward-flash-key:{secret}").as_bytes()).into())
    }

    fn aead(&self) -> ServiceResult<LessSafeKey> {
        UnboundKey::new(&CHACHA20_POLY1305, &self.0)
            .map(LessSafeKey::new)
            .map_err(|_| ServiceError::internal("cannot build the flash key"))
    }
}

/// A secret to show once, with the token it belongs to.
pub struct HeldSecret {
    pub token: Token,
    pub secret: String,
    /// What the page says above it ("rotated: …").
    pub notice: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    token_id: Uuid,
    nonce: String,
    sealed: String,
    notice: Option<String>,
    at: i64,
}

/// Holds `secret` of `token_id` for the caller's session until its next page.
pub async fn hold(
    m: &Manage<'_>,
    key: &FlashKey,
    token_id: Uuid,
    secret: &str,
    notice: Option<String>,
) -> ServiceResult<()> {
    let Some(session) = m.caller().session else {
        return Ok(());
    };
    let mut nonce = [0u8; 12];
    getrandom::fill(&mut nonce).map_err(ServiceError::internal)?;
    let mut sealed = secret.as_bytes().to_vec();
    key.aead()?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(token_id.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| ServiceError::internal("cannot seal the secret"))?;
    let held = Sealed {
        token_id,
        nonce: B64.encode(nonce),
        sealed: B64.encode(sealed),
        notice,
        at: m.service().now().unix_timestamp(),
    };
    let json = serde_json::to_string(&held).map_err(ServiceError::internal)?;
    m.service().store.set_session_flash(session, &json).await?;
    Ok(())
}

/// The secret held for the caller's session, once: it is cleared as it is read. Anything that
/// does not open, is too old or names a token no longer in the organization is dropped.
pub async fn take(r: &Read<'_>, key: &FlashKey) -> ServiceResult<Option<HeldSecret>> {
    let Some(session) = r.caller().session else {
        return Ok(None);
    };
    let Some(json) = r.service().store.take_session_flash(session).await? else {
        return Ok(None);
    };
    let Ok(held) = serde_json::from_str::<Sealed>(&json) else {
        return Ok(None);
    };
    let fresh =
        OffsetDateTime::from_unix_timestamp(held.at).is_ok_and(|at| r.service().now() - at <= HELD_FOR);
    let Some(secret) = fresh.then(|| open(key, &held)).flatten() else {
        return Ok(None);
    };
    let Ok(token) = crate::tokens::get(r, held.token_id).await else {
        return Ok(None);
    };
    Ok(Some(HeldSecret {
        token,
        secret,
        notice: held.notice,
    }))
}

fn open(key: &FlashKey, held: &Sealed) -> Option<String> {
    let nonce: [u8; 12] = B64.decode(&held.nonce).ok()?.try_into().ok()?;
    let mut sealed = B64.decode(&held.sealed).ok()?;
    let plain = key
        .aead()
        .ok()?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(held.token_id.as_bytes()),
            &mut sealed,
        )
        .ok()?;
    String::from_utf8(plain.to_vec()).ok()
}
