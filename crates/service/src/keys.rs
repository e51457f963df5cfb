//! The keys that sign access tokens: Ed25519, private halves encrypted at rest with AES-256-GCM
//! under a key-encryption key from configuration, published as a JWKS while any token they
//! signed may still be valid.

use std::sync::RwLock;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use keyward_store::{AuditRecord, DynStore, SigningKeyRecord};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// Space-separated permissions.
    pub scope: String,
    pub client_id: String,
    pub username: String,
    /// The organization.
    pub org: Uuid,
    /// `live` or `sandbox`.
    pub env: String,
}

struct Signer {
    kid: String,
    key: EncodingKey,
}

struct Published {
    kid: String,
    /// The raw 32-byte Ed25519 public key.
    public: Vec<u8>,
    key: DecodingKey,
    created_at: OffsetDateTime,
}

#[derive(Default)]
struct Keys {
    signer: Option<Signer>,
    published: Vec<Published>,
}

pub struct KeyRing {
    store: DynStore,
    kek: LessSafeKey,
    keys: RwLock<Keys>,
    /// Lets a token naming an unknown key make the ring read storage at most once a second, so
    /// that made-up tokens cannot make every request read the database.
    unknown_key_limiter: governor::DefaultDirectRateLimiter,
    /// Times a token naming an unknown key made the ring read storage (for `/metrics`).
    pub unknown_key_lookups: std::sync::atomic::AtomicU64,
    pub issuer: String,
    pub audience: String,
}

/// Why an access token was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// Not one of our tokens: bad shape, unknown key, wrong signature, issuer or audience.
    Invalid,
    Expired,
}

const KEK_SECRET: &str = "key-encryption-key";

/// How often a token signed by a key this node does not know may make it read the keys again.
const UNKNOWN_KEY_LOOKUPS_PER_SECOND: std::num::NonZeroU32 = std::num::NonZeroU32::MIN;

impl KeyRing {
    /// Opens the ring: the key-encryption key from configuration, or (with a warning) one kept
    /// in the database; then the stored keys.
    pub async fn open(
        store: DynStore,
        kek: Option<[u8; 32]>,
        issuer: String,
        audience: String,
        now: OffsetDateTime,
    ) -> anyhow::Result<Self> {
        let kek = match kek {
            Some(k) => k.to_vec(),
            None => {
                let mut fresh = [0u8; 32];
                getrandom::fill(&mut fresh).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
                tracing::warn!(
                    "no --key-encryption-key configured: signing keys are encrypted under a key kept in the \
                     database itself; set KEYWARD_KEY_ENCRYPTION_KEY (32 bytes, base64) to keep them apart"
                );
                store.installation_secret(KEK_SECRET, &fresh, now).await?
            }
        };
        let kek = LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, &kek)
                .map_err(|_| anyhow::anyhow!("the key-encryption key must be 32 bytes"))?,
        );
        let ring = Self {
            store,
            kek,
            keys: RwLock::new(Keys::default()),
            unknown_key_limiter: governor::RateLimiter::direct(governor::Quota::per_second(
                UNKNOWN_KEY_LOOKUPS_PER_SECOND,
            )),
            unknown_key_lookups: std::sync::atomic::AtomicU64::new(0),
            issuer,
            audience,
        };
        ring.reload(now).await?;
        Ok(ring)
    }

    /// Reads the published keys again (another node may have rotated).
    pub async fn reload(&self, now: OffsetDateTime) -> anyhow::Result<()> {
        let records = self.store.signing_keys(now).await?;
        let mut keys = Keys::default();
        for r in records {
            if r.retired_at.is_none() && keys.signer.is_none() {
                let pkcs8 = self.decrypt(&r.private_key_encrypted)?;
                keys.signer = Some(Signer {
                    kid: r.kid.clone(),
                    key: EncodingKey::from_ed_der(&pkcs8),
                });
            }
            keys.published.push(Published {
                key: DecodingKey::from_ed_der(&r.public_key),
                kid: r.kid,
                public: r.public_key,
                created_at: r.created_at,
            });
        }
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = keys;
        Ok(())
    }

    /// Encrypts another secret kept at rest (a TOTP seed) under the key-encryption key.
    pub fn seal(&self, purpose: &'static str, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.encrypt_with(purpose.as_bytes(), plain)
    }

    pub fn open_sealed(&self, purpose: &'static str, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.decrypt_with(purpose.as_bytes(), sealed)
    }

    fn encrypt(&self, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.encrypt_with(b"keyward-signing-key", plain)
    }

    fn decrypt(&self, sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.decrypt_with(b"keyward-signing-key", sealed)
    }

    fn encrypt_with(&self, aad: &[u8], plain: &[u8]) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let mut data = plain.to_vec();
        self.kek
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), &mut data)
            .map_err(|_| anyhow::anyhow!("cannot encrypt the signing key"))?;
        let mut out = nonce.to_vec();
        out.extend(data);
        Ok(out)
    }

    fn decrypt_with(&self, aad: &[u8], sealed: &[u8]) -> anyhow::Result<Vec<u8>> {
        anyhow::ensure!(sealed.len() > NONCE_LEN, "a stored secret is truncated");
        let (nonce, data) = sealed.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let mut data = data.to_vec();
        let plain = self
            .kek
            .open_in_place(nonce, Aad::from(aad), &mut data)
            .map_err(|_| {
                anyhow::anyhow!(
                    "cannot decrypt the signing keys: is this the key-encryption key they were stored with?"
                )
            })?;
        Ok(plain.to_vec())
    }

    /// Makes a new signing key; the previous one stays published until every token it signed
    /// has expired (`max_token_ttl` after now).
    pub async fn rotate(
        &self,
        now: OffsetDateTime,
        max_token_ttl: Duration,
        audit: &AuditRecord,
    ) -> anyhow::Result<String> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| anyhow::anyhow!("cannot generate a signing key"))?;
        let pair =
            Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|_| anyhow::anyhow!("bad generated key"))?;
        let kid = format!("kw-{}", &Uuid::now_v7().simple().to_string()[..16]);
        let record = SigningKeyRecord {
            kid: kid.clone(),
            algorithm: "EdDSA".into(),
            public_key: pair.public_key().as_ref().to_vec(),
            private_key_encrypted: self.encrypt(pkcs8.as_ref())?,
            created_at: now,
            retired_at: None,
            publish_until: None,
        };
        self.store
            .add_signing_key(&record, now + max_token_ttl, audit)
            .await?;
        self.reload(now).await?;
        Ok(kid)
    }

    /// The signing key's age, if there is one.
    pub fn signer_created_at(&self) -> Option<OffsetDateTime> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let kid = keys.signer.as_ref()?.kid.clone();
        keys.published.iter().find(|p| p.kid == kid).map(|p| p.created_at)
    }

    pub fn sign(&self, claims: &AccessClaims) -> anyhow::Result<String> {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        let signer = keys
            .signer
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(signer.kid.clone());
        header.typ = Some("at+jwt".into());
        Ok(jsonwebtoken::encode(&header, claims, &signer.key)?)
    }

    /// The public keys, as RFC 7517 JWKS (OKP / Ed25519).
    pub fn jwks(&self) -> serde_json::Value {
        let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
        serde_json::json!({
            "keys": keys.published.iter().map(|p| serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": B64URL.encode(&p.public),
                "kid": p.kid, "alg": "EdDSA", "use": "sig",
            })).collect::<Vec<_>>()
        })
    }

    /// Checks an access token's signature, issuer, audience and expiry (against our clock).
    pub async fn decode(&self, jwt: &str, now: OffsetDateTime) -> Result<AccessClaims, TokenProblem> {
        let header = jsonwebtoken::decode_header(jwt).map_err(|_| TokenProblem::Invalid)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenProblem::Invalid);
        }
        let kid = header.kid.ok_or(TokenProblem::Invalid)?;
        let known = |ring: &Self| {
            ring.keys
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .published
                .iter()
                .any(|p| p.kid == kid)
        };
        if !known(self) {
            // Another node may have rotated since we last looked; look again, but not more
            // than once a second.
            if self.unknown_key_limiter.check().is_err() {
                return Err(TokenProblem::Invalid);
            }
            self.unknown_key_lookups
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = self.reload(now).await;
        }
        let claims = {
            let keys = self.keys.read().unwrap_or_else(|p| p.into_inner());
            let key = &keys
                .published
                .iter()
                .find(|p| p.kid == kid)
                .ok_or(TokenProblem::Invalid)?
                .key;
            let mut v = Validation::new(Algorithm::EdDSA);
            v.set_audience(&[&self.audience]);
            v.set_issuer(&[&self.issuer]);
            // Expiry is checked below against keyward's clock, not the library's.
            v.validate_exp = false;
            v.required_spec_claims = ["exp", "iss", "aud", "sub"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            jsonwebtoken::decode::<AccessClaims>(jwt, key, &v)
                .map_err(|_| TokenProblem::Invalid)?
                .claims
        };
        if now.unix_timestamp() >= claims.exp {
            return Err(TokenProblem::Expired);
        }
        Ok(claims)
    }
}
