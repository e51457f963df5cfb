//! Leaked-token reports from secret scanners, and lookups by hash.

use keyward_core::token::debug_redacted;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One string a scanner found, in GitHub's shape (`{"token","type","url","source"}`).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct LeakReport {
    /// The string found. Never stored, logged or echoed.
    pub token: String,
    /// The scanner's name for the kind of secret.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Where it was found.
    #[serde(default)]
    pub url: String,
    /// Where the scanner looked (`content`, `commit`, `issue`, …).
    #[serde(default)]
    pub source: String,
}

/// Never shows the string found, only where.
impl std::fmt::Debug for LeakReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        debug_redacted(f, "LeakReport", "token", &[("url", &self.url)])
    }
}

/// Whether a reported string is a token keyward issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeakLabel {
    TruePositive,
    FalsePositive,
}

/// The answer about one report, in GitHub's feedback shape; the token appears only as its
/// SHA-256.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct LeakFeedback {
    /// Lowercase hex SHA-256 of the reported string.
    pub token_hash: String,
    pub token_type: String,
    pub label: LeakLabel,
}

/// What `keyward scan --check` learns of a string it found: whether it is a token of the
/// caller's organization, and its state. Asked by hash: the secret never travels.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct HashCheck {
    pub token_hash: String,
    /// A token of the caller's organization has this hash.
    pub issued: bool,
    pub token_id: Option<Uuid>,
    pub name: Option<String>,
    /// `active`, `suspended` or `revoked`.
    pub status: Option<String>,
    pub leaked: bool,
}

/// The SHA-256 of strings to look up (lowercase hex).
#[derive(Serialize, Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HashCheckRequest {
    pub token_hashes: Vec<String>,
}
