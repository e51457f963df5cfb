//! Password hashing with argon2id, off the async runtime's threads.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::ServiceError;

pub async fn hash(password: String) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(ServiceError::internal)?
    .map_err(ServiceError::internal)
}

/// Checks `password` against a stored hash. With `None`, hashes against a stand-in so that an
/// unknown account takes as long to refuse as a wrong password. The stand-in's salt is derived
/// from the account name under a key of this process: argon2id's memory accesses depend on the
/// salt, so one fixed stand-in would give every unknown name the same, learnable cost, while a
/// real account's cost varies with its own salt. This way every name has its own cost, known or
/// not, and none can be predicted from outside.
pub async fn verify(password: String, stored: Option<String>, account: &str) -> Result<bool, ServiceError> {
    let stand_in = stored.is_none().then(|| stand_in(account));
    tokio::task::spawn_blocking(move || {
        let (stored, real) = match (stored, stand_in) {
            (Some(s), _) => (s, true),
            (None, Some(d)) => (d, false),
            (None, None) => return false,
        };
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && real
    })
    .await
    .map_err(ServiceError::internal)
}

/// An argon2id hash string with the default parameters, a salt derived from `account`, and an
/// output no password produces (all zeros).
fn stand_in(account: &str) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        let mut k = [0u8; 32];
        // Without randomness the key is fixed: still one cost per name, only a predictable one.
        let _ = getrandom::fill(&mut k);
        k
    });
    // A keyed hash (the key first, fixed length): unpredictable without the key.
    let salt = Sha256::new()
        .chain_update(key)
        .chain_update(account.as_bytes())
        .finalize();
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    format!(
        "$argon2id$v=19$m=19456,t=2,p=1${}${}",
        b64.encode(&salt[..16]),
        b64.encode([0u8; 32])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn unknown_accounts_never_match_and_real_hashes_do() {
        let h = hash("right password".into()).await.unwrap();
        assert!(
            verify("right password".into(), Some(h.clone()), "a")
                .await
                .unwrap()
        );
        assert!(!verify("wrong password".into(), Some(h), "a").await.unwrap());
        assert!(!verify("".into(), None, "nobody").await.unwrap());
        assert!(PasswordHash::new(&stand_in("nobody")).is_ok());
        assert_ne!(stand_in("a"), stand_in("b"), "one salt per name");
        assert_eq!(stand_in("a"), stand_in("a"));
    }
}
