//! Moving in: tokens a platform already handed out, imported by their hash (or their secret,
//! hashed on arrival and never kept) so its customers keep the keys they have. Idempotent by
//! hash; a name an API user already uses is refused for that line (409 semantics, per line),
//! never renamed behind the importer's back.

use std::collections::HashSet;

use base64::Engine;
use keyward_core::token::{self, Lookup, TokenHash};
use keyward_core::{Token, input};
use keyward_store::{AuditRecord, Invalidation, NewToken, StoreError};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::api_users::resolve;
use crate::context::Manage;
use crate::error::{ServiceError, ServiceResult};
use crate::patch::parse_ips;
pub use keyward_api::token_import::{ImportReport, ImportToken, RefusedLine};

/// Most tokens one request imports; the CLI sends files of any size in batches of this.
pub const MAX_IMPORT: usize = 10_000;

/// The hash a line names, from `hash` or `secret` (exactly one), and the hint to show.
fn hash_and_hint(
    prefix: &keyward_core::TokenPrefix,
    t: &ImportToken,
) -> Result<(TokenHash, String), (String, String)> {
    let refuse = |field: &str, reason: &str| Err((field.to_owned(), reason.to_owned()));
    let given_hint = t.hint.as_deref().map(str::trim).filter(|h| !h.is_empty());
    if let Some(h) = given_hint
        && (h.chars().count() > 8 || !h.chars().all(|c| c.is_ascii_graphic()))
    {
        return refuse("hint", "at most 8 printable characters");
    }
    match (t.hash.as_deref(), t.secret.as_deref()) {
        (Some(_), Some(_)) => refuse("hash", "give hash or secret, not both"),
        (None, None) => refuse("hash", "give the token's SHA-256 hash or its secret"),
        (Some(h), None) => {
            let h = h.trim();
            // A SHA-512 digest (bare, or as djangorestframework-api-key stores it) is kept under
            // its own key; verify finds it from the key as presented.
            let sha512 = TokenHash::from_sha512_hex(h.strip_prefix("sha512$$").unwrap_or(h));
            let parsed = sha512.or_else(|| TokenHash::from_hex(h)).or_else(|| {
                let b64 = base64::engine::general_purpose::STANDARD
                    .decode(h)
                    .or_else(|_| {
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(h.trim_end_matches('='))
                    })
                    .ok()?;
                TokenHash::from_slice(&b64)
            });
            match parsed {
                Some(hash) => Ok((
                    hash,
                    given_hint
                        .map(|h| format!("…{h}"))
                        .unwrap_or_else(|| "imported".into()),
                )),
                None => refuse(
                    "hash",
                    "not a hash keyward reads: SHA-256 as 64 hex characters or 32 bytes in base64, \
                     or SHA-512 as 128 hex characters (optionally after sha512$$)",
                ),
            }
        }
        (None, Some(secret)) => {
            // Only what verify would look up: a keyward-shaped secret with a wrong checksum never is.
            let hash = match token::lookup(prefix, secret) {
                Lookup::Keyward(h) | Lookup::Foreign(h) => h,
                Lookup::Malformed => {
                    return refuse(
                        "secret",
                        "not a token verify accepts: 16 to 256 printable characters without spaces, \
                         or a keyward token with its checksum",
                    );
                }
            };
            let tail: String = secret
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            Ok((hash, format!("…{}", given_hint.unwrap_or(&tail))))
        }
    }
}

/// Imports up to [`MAX_IMPORT`] tokens into the API user named by `api_user`: one audit event
/// for the batch and one per token, in one transaction; every node learns the new hashes before
/// this returns, so they verify at once.
pub async fn import(
    m: &Manage<'_>,
    api_user: &str,
    source: &str,
    lines: Vec<ImportToken>,
) -> ServiceResult<ImportReport> {
    let s = m.service();
    let now = s.now();
    if lines.len() > MAX_IMPORT {
        return Err(ServiceError::invalid(
            "tokens",
            format!("at most {MAX_IMPORT} tokens a request; send more in batches"),
        ));
    }
    let source = input::label("source", if source.is_empty() { "import" } else { source }, 100)?;
    if s.store.get_settings(m.org_id()).await?.refuse_foreign_tokens {
        return Err(ServiceError::Invalid {
            code: "foreign_tokens_refused",
            field: "tokens",
            message: "the organization no longer accepts tokens in other formats \
                      (settings: refuse_foreign_tokens); turn that off to import"
                .into(),
        });
    }
    let user = resolve(&m.read(), api_user).await?;
    let mut malformed = Vec::new();
    let mut parsed = Vec::with_capacity(lines.len());
    for (index, line) in lines.iter().enumerate() {
        match hash_and_hint(s.token_prefix(), line) {
            Ok((hash, hint)) => parsed.push((index, hash, hint)),
            Err((field, reason)) => malformed.push(RefusedLine { index, field, reason }),
        }
    }
    // Names and hashes are checked before the write and enforced by unique indexes in it: a batch
    // imported meanwhile (the CLI keeps two in flight) can take one first. The write then fails
    // whole, and the batch is checked again against what that one stored.
    let mut attempts = 0;
    loop {
        let mut batch = Batch::plan(m, &user, &lines, &parsed, &source, now).await?;
        let mut report = batch.report;
        report.refused.extend(malformed.iter().cloned());
        report.refused.sort_by_key(|r| r.index);
        if batch.tokens.is_empty() {
            return Ok(report);
        }
        batch.audits.insert(
            0,
            m.record(
                now,
                "token.import_batch",
                "api_user",
                Some(user.id),
                serde_json::json!({
                    "username": user.username, "source": source, "imported": report.imported,
                    "duplicates": report.duplicates, "refused": report.refused.len(),
                }),
            ),
        );
        match s.store.import_tokens(&batch.tokens, &batch.audits).await {
            Ok(()) => {
                let announced: Vec<Invalidation> =
                    batch.tokens.iter().map(|t| Invalidation::Token(t.hash)).collect();
                s.verifier.invalidate(&announced).await;
                return Ok(report);
            }
            Err(StoreError::Conflict(_)) if attempts < 3 => attempts += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

/// What one attempt at a batch writes, and the report it would give.
struct Batch {
    report: ImportReport,
    tokens: Vec<NewToken>,
    audits: Vec<AuditRecord>,
}

impl Batch {
    /// Checks the well-formed lines against what is stored: duplicates skipped, names taken
    /// refused, every other line a token with its audit event.
    async fn plan(
        m: &Manage<'_>,
        user: &keyward_core::ApiUser,
        lines: &[ImportToken],
        parsed: &[(usize, TokenHash, String)],
        source: &str,
        now: OffsetDateTime,
    ) -> ServiceResult<Self> {
        let s = m.service();
        let mut report = ImportReport::default();
        // Names the API user already gives a live token.
        let names: Vec<String> = lines.iter().map(|l| l.name.trim().to_owned()).collect();
        let mut taken: HashSet<String> = s
            .store
            .live_token_names(user.id, &names)
            .await?
            .into_iter()
            .collect();
        let wanted: Vec<TokenHash> = parsed.iter().map(|(_, h, _)| *h).collect();
        let stored = s.store.existing_token_hashes(&wanted).await?;
        let mut seen: HashSet<TokenHash> = stored.iter().copied().collect();
        // SQLite keeps the hashes' first 8 bytes unique (its index holds only those).
        let mut prefixes: HashSet<u64> = stored.iter().map(TokenHash::short).collect();
        // The integrations the lines name, each looked up once: one of another organization
        // (or none) is refused for its line.
        let mut integrations = HashSet::new();
        for i in lines.iter().filter_map(|l| l.integration_id) {
            if !integrations.contains(&i) {
                match s.store.get_integration(user.org_id, i).await {
                    Ok(_) => {
                        integrations.insert(i);
                    }
                    Err(StoreError::NotFound) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let mut tokens = Vec::new();
        let mut audits = Vec::new();
        for (index, hash, hint) in parsed {
            let (index, line) = (*index, &lines[*index]);
            if !seen.insert(*hash) {
                report.duplicates += 1;
                continue;
            }
            let refused = |field: &str, reason: String| RefusedLine {
                index,
                field: field.to_owned(),
                reason,
            };
            if !prefixes.insert(hash.short()) {
                report.refused.push(refused(
                    "hash",
                    "another token's hash begins with the same 8 bytes, which keyward keeps \
                     unique; rotate the key where it was issued and import the new one"
                        .into(),
                ));
                continue;
            }
            match one(m, user, line, &integrations, hint.clone(), source, now).await {
                Ok(t) if taken.contains(&t.name) => report.refused.push(refused(
                    "name",
                    format!("the API user already has a live token named \"{}\"", t.name),
                )),
                Ok(t) => {
                    taken.insert(t.name.clone());
                    audits.push(m.record(
                        now,
                        "token.import",
                        "token",
                        Some(t.id),
                        serde_json::json!({
                            "api_user_id": user.id, "username": user.username, "name": t.name,
                            "hint": t.hint, "source": source,
                            "expires_at": t.expires_at.map(crate::rfc3339),
                        }),
                    ));
                    tokens.push(NewToken {
                        token: t,
                        hash: *hash,
                    });
                }
                Err(ServiceError::Invalid { field, message, .. }) => {
                    report.refused.push(refused(field, message))
                }
                Err(other) => return Err(other),
            }
        }
        report.imported = tokens.len();
        Ok(Self {
            report,
            tokens,
            audits,
        })
    }
}

/// One line as a token of `user`, checked as a created token is.
async fn one(
    m: &Manage<'_>,
    user: &keyward_core::ApiUser,
    line: &ImportToken,
    integrations: &HashSet<Uuid>,
    hint: String,
    source: &str,
    now: OffsetDateTime,
) -> ServiceResult<Token> {
    let s = m.service();
    let name = input::label("name", &line.name, 100)?;
    let permissions = match &line.permissions {
        Some(p) => Some(s.permissions_within_group(user, p).await?),
        None => None,
    };
    if let Some(i) = line.integration_id {
        if !integrations.contains(&i) {
            return Err(ServiceError::invalid(
                "integration_id",
                "no such integration in this organization",
            ));
        }
        if !user.integration_ids.is_empty() && !user.integration_ids.contains(&i) {
            return Err(ServiceError::invalid(
                "integration_id",
                "the API user is not allowed to use this integration",
            ));
        }
    }
    Ok(Token {
        permissions,
        integration_id: line.integration_id,
        allowed_ips: parse_ips("allowed_ips", &line.allowed_ips)?,
        expires_at: line.expires_at,
        created_at: line.created_at.filter(|c| *c <= now).unwrap_or(now),
        last_used_at: line.last_used_at.filter(|u| *u <= now),
        imported_from: Some(source.to_owned()),
        imported_at: Some(now),
        metadata: input::metadata(line.metadata.clone().unwrap_or_default())?,
        ..Token::new(
            user,
            name,
            hint,
            now,
            Some(format!("imported by {}", m.caller().label())),
        )
    })
}
