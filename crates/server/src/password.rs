//! Password hashing with argon2id, off the async runtime's threads.

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::ApiError;

pub async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)
}

/// Checks `password` against a stored hash. With `None`, hashes against a fixed dummy so that
/// an unknown account takes as long to refuse as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && stored != DUMMY
    })
    .await
    .map_err(ApiError::internal)
}

/// argon2id hash of a random string nobody knows, with the default parameters.
const DUMMY: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2ZyNsNOJ7rcf8bB3BqMHMbXBmQv9kMdGOcWxZsUGvBk";
