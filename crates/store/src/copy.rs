//! `keyward copy`: moves a single-node SQLite deployment to PostgreSQL, row for row. Both
//! schemas hold the same representation, so values pass through unchanged and the audit chain
//! stays intact (the copy is checked before it is reported done).

use anyhow::{Context, bail};
use sqlx::{AssertSqlSafe, Row};

use crate::prelude::*;
use crate::{PostgresStore, SqliteStore};

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Int,
    Bytes,
    /// INTEGER 0/1 in SQLite, BOOLEAN in PostgreSQL.
    Bool,
}

use Kind::{Bool, Bytes, Int, Text};

/// Tables in an order that satisfies foreign keys, with their columns.
const TABLES: &[(&str, &[(&str, Kind)])] = &[
    (
        "organizations",
        &[
            ("id", Text),
            ("name", Text),
            ("created_at", Int),
            ("settings", Text),
        ],
    ),
    ("setup_tokens", &[("hash", Bytes), ("expires_at", Int)]),
    (
        "permission_groups",
        &[
            ("id", Text),
            ("org_id", Text),
            ("name", Text),
            ("description", Text),
            ("permissions", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "members",
        &[
            ("id", Text),
            ("org_id", Text),
            ("email", Text),
            ("name", Text),
            ("role", Text),
            ("permission_group_id", Text),
            ("password_hash", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("totp_state", Text),
            ("totp_secret", Bytes),
            ("totp_last_step", Int),
            ("recovery_codes", Text),
        ],
    ),
    (
        "sessions",
        &[
            ("hash", Bytes),
            ("member_id", Text),
            ("org_id", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("flash", Text),
        ],
    ),
    (
        "integrations",
        &[
            ("id", Text),
            ("org_id", Text),
            ("name", Text),
            ("kind", Text),
            ("status", Text),
            ("allowed_ips", Text),
            ("public_url", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "routes",
        &[
            ("id", Text),
            ("org_id", Text),
            ("method", Text),
            ("path", Text),
            ("shape", Text),
            ("permissions", Text),
            ("integration_id", Text),
            ("description", Text),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "credits",
        &[
            ("id", Text),
            ("org_id", Text),
            ("remaining", Int),
            ("leased", Int),
            ("refill_interval", Text),
            ("refill_day", Int),
            ("refill_amount", Int),
            ("refill_start", Int),
            ("last_refill", Int),
            ("next_refill", Int),
            ("period", Int),
            ("alert_base", Int),
            ("alert_stage", Int),
            ("settled_at", Int),
        ],
    ),
    (
        "api_users",
        &[
            ("id", Text),
            ("org_id", Text),
            ("username", Text),
            ("name", Text),
            ("description", Text),
            ("status", Text),
            ("environment", Text),
            ("permission_group_id", Text),
            ("linked_member_id", Text),
            ("integration_ids", Text),
            ("allowed_ips", Text),
            ("expires_at", Int),
            ("contact_email", Text),
            ("external_id", Text),
            ("metadata", Text),
            ("password_hash", Text),
            ("created_at", Int),
            ("updated_at", Int),
            ("deleted_at", Int),
            ("reminder_stage", Int),
            ("auth_method", Text),
            ("totp_state", Text),
            ("totp_secret", Bytes),
            ("totp_last_step", Int),
            ("recovery_codes", Text),
            ("ratelimits", Text),
            ("credits_id", Text),
        ],
    ),
    (
        "tokens",
        &[
            ("id", Text),
            ("org_id", Text),
            ("api_user_id", Text),
            ("name", Text),
            ("hint", Text),
            ("hash", Bytes),
            ("permissions", Text),
            ("integration_id", Text),
            ("allowed_ips", Text),
            ("expires_at", Int),
            ("status", Text),
            ("created_at", Int),
            ("created_by", Text),
            ("revoked_at", Int),
            ("last_used_at", Int),
            ("last_used_ip", Text),
            ("use_count", Int),
            ("rotated_from", Text),
            ("replaced_by", Text),
            ("imported_from", Text),
            ("imported_at", Int),
            ("reminder_stage", Int),
            ("metadata", Text),
            ("ratelimits", Text),
            ("credits_id", Text),
        ],
    ),
    (
        "leaked_tokens",
        &[
            ("token_id", Text),
            ("org_id", Text),
            ("reported_at", Int),
            ("source_url", Text),
            ("reporter", Text),
            ("action", Text),
        ],
    ),
    (
        "token_usage",
        &[("token_id", Text), ("hour", Int), ("code", Text), ("count", Int)],
    ),
    (
        "token_usage_ips",
        &[("token_id", Text), ("hour", Int), ("ip", Text)],
    ),
    (
        "token_networks",
        &[("token_id", Text), ("network", Text), ("first_seen", Int)],
    ),
    (
        "webhook_endpoints",
        &[
            ("id", Text),
            ("org_id", Text),
            ("url", Text),
            ("description", Text),
            ("events", Text),
            ("secret", Text),
            ("enabled", Bool),
            ("created_at", Int),
            ("updated_at", Int),
        ],
    ),
    (
        "outbox",
        &[
            ("id", Text),
            ("org_id", Text),
            ("channel", Text),
            ("event", Text),
            ("recipient", Text),
            ("subject", Text),
            ("body", Text),
            ("status", Text),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("locked_until", Int),
            ("last_error", Text),
            ("created_at", Int),
            ("delivered_at", Int),
        ],
    ),
    (
        "insight_alerts",
        &[
            ("org_id", Text),
            ("kind", Text),
            ("subject_id", Text),
            ("window_key", Text),
            ("created_at", Int),
            ("details", Text),
        ],
    ),
    (
        "signing_keys",
        &[
            ("kid", Text),
            ("algorithm", Text),
            ("public_key", Bytes),
            ("private_key", Bytes),
            ("created_at", Int),
            ("retired_at", Int),
            ("publish_until", Int),
        ],
    ),
    (
        "installation_secrets",
        &[("name", Text), ("value", Bytes), ("created_at", Int)],
    ),
    (
        "revoked_access_tokens",
        &[("jti", Text), ("org_id", Text), ("expires_at", Int)],
    ),
    (
        "login_throttle",
        &[
            ("key", Text),
            ("failures", Int),
            ("window_start", Int),
            ("lockouts", Int),
            ("locked_until", Int),
            ("forget_after", Int),
        ],
    ),
    (
        "audit_events",
        &[
            ("seq", Int),
            ("id", Text),
            ("org_id", Text),
            ("at", Int),
            ("actor_kind", Text),
            ("actor_id", Text),
            ("actor_label", Text),
            ("action", Text),
            ("target_type", Text),
            ("target_id", Text),
            ("source_ip", Text),
            ("outcome", Text),
            ("details", Text),
            ("prev_hash", Bytes),
            ("hash", Bytes),
        ],
    ),
];

/// Tables deliberately not copied: setup links are single-use secrets of the source, the audit
/// head is set from the source's at the end, and each database keeps its own migrations.
/// Not copied: one-time links, the chain's head (rebuilt), and rate-limit windows (counts of
/// the last minutes, meaningless in a deployment that starts afresh).
const NOT_COPIED: &[&str] = &[
    "setup_tokens",
    "audit_head",
    "_sqlx_migrations",
    "ratelimit_counts",
];

/// Rows copied per table.
pub type CopyReport = Vec<(&'static str, u64)>;

/// Copies everything from `from` into an empty `to`, in one PostgreSQL transaction.
pub async fn sqlite_to_postgres(from: &SqliteStore, to: &PostgresStore) -> anyhow::Result<CopyReport> {
    if to.organization_count().await? > 0 {
        bail!("the target database already holds organizations; copy only into an empty keyward database");
    }
    if let Err(b) = from.verify_audit_chain().await? {
        bail!("the source's audit chain does not verify ({b}); refusing to copy it");
    }
    // A table added by a migration but not to `TABLES` would be left behind silently.
    let present: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(from.pool())
    .await?;
    if let Some(missing) = present
        .iter()
        .find(|t| !NOT_COPIED.contains(&t.as_str()) && !TABLES.iter().any(|(name, _)| name == t))
    {
        bail!("keyward copy does not know the table {missing}; this is a bug in keyward");
    }
    let mut tx = to.pool().begin().await?;
    sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
    let mut report = Vec::new();
    for (table, columns) in TABLES {
        let names = columns.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
        let params = (1..=columns.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let select = format!("SELECT {names} FROM {table}");
        let insert = format!("INSERT INTO {table} ({names}) VALUES ({params})");
        let rows = sqlx::query(AssertSqlSafe(select))
            .fetch_all(from.pool())
            .await
            .with_context(|| format!("reading {table}"))?;
        for row in &rows {
            let mut q = sqlx::query(AssertSqlSafe(insert.clone()));
            for (i, (_, kind)) in columns.iter().enumerate() {
                q = match kind {
                    Text => q.bind(row.try_get::<Option<String>, _>(i)?),
                    Int => q.bind(row.try_get::<Option<i64>, _>(i)?),
                    Bytes => q.bind(row.try_get::<Option<Vec<u8>>, _>(i)?),
                    Bool => q.bind(row.try_get::<Option<bool>, _>(i)?),
                };
            }
            q.execute(&mut *tx)
                .await
                .with_context(|| format!("writing {table}"))?;
        }
        report.push((*table, rows.len() as u64));
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(from.pool())
        .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(head.try_get::<i64, _>("seq")?)
        .bind(head.try_get::<Vec<u8>, _>("hash")?)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if let Err(b) = to.verify_audit_chain().await? {
        bail!("the copied audit chain does not verify: {b}");
    }
    Ok(report)
}
