//! Importing tokens that customers already hold, by hash or by secret.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

/// A batch of tokens to import.
#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// At most 10 000.
    pub tokens: Vec<ImportToken>,
    /// Where they come from (recorded in the audit trail), such as `unkey` or `legacy-db`.
    #[serde(default)]
    pub source: String,
}

/// One token to import: its name and either its hash or its secret.
#[derive(Serialize, Deserialize, ToSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct ImportToken {
    pub name: String,
    /// SHA-256 of the whole secret, as 64 hex characters or base64 (standard or URL-safe); or
    /// its SHA-512 as 128 hex characters, bare or as `sha512$$<hex>` (djangorestframework-api-key).
    pub hash: Option<String>,
    /// The secret itself (16 to 256 printable characters), hashed on arrival and never stored.
    pub secret: Option<String>,
    /// Its last characters as its owner knows them (at most 8), shown in lists.
    pub hint: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// When its owner last used it, as the old system recorded it (kept if not in the future).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// A subset of the API user's group; omit for all of it.
    pub permissions: Option<Vec<String>>,
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    pub integration_id: Option<Uuid>,
    /// What the old system kept with the key (Unkey's `meta`), returned on VALID answers.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A batch imported: counts, and each refused line by its index (from 0) with the reason.
#[derive(Serialize, Deserialize, ToSchema, Default, Debug)]
pub struct ImportReport {
    pub imported: usize,
    /// Already in keyward (this file imported before, or the same key twice in it).
    pub duplicates: usize,
    pub refused: Vec<RefusedLine>,
}

#[derive(Serialize, Deserialize, ToSchema, Debug, Clone)]
pub struct RefusedLine {
    pub index: usize,
    pub field: String,
    pub reason: String,
}
