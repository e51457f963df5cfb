//! What every aggregate's SQL shares: reading columns into domain types, appending to the
//! audit chain, and the writes several aggregates make.

macro_rules! sql_shared {
    ($Store:ident, $DB:ty, $Row:ty, $Conn:ty, $lock_head:literal) => {
        /// A statement with its arguments bound so far.
        type Query<'q> = sqlx::query::Query<'q, $DB, <$DB as sqlx::Database>::Arguments>;

        // ----- row helpers ---------------------------------------------------------------------------

        fn uuid(r: &$Row, c: &str) -> anyhow::Result<Uuid> {
            let s: String = r.try_get(c)?;
            Uuid::parse_str(&s).with_context(|| format!("bad uuid in column {c}"))
        }

        fn opt_uuid(r: &$Row, c: &str) -> anyhow::Result<Option<Uuid>> {
            let s: Option<String> = r.try_get(c)?;
            s.map(|s| Uuid::parse_str(&s).with_context(|| format!("bad uuid in column {c}")))
                .transpose()
        }

        fn ts(r: &$Row, c: &str) -> anyhow::Result<OffsetDateTime> {
            Ok(from_millis(r.try_get::<i64, _>(c)?))
        }

        fn opt_ts(r: &$Row, c: &str) -> anyhow::Result<Option<OffsetDateTime>> {
            Ok(r.try_get::<Option<i64>, _>(c)?.map(from_millis))
        }

        fn json<T: DeserializeOwned>(r: &$Row, c: &str) -> anyhow::Result<T> {
            let s: String = r.try_get(c)?;
            serde_json::from_str(&s).with_context(|| format!("bad JSON in column {c}"))
        }

        fn ips(r: &$Row, c: &str) -> anyhow::Result<IpAllowList> {
            let list: Vec<String> = json(r, c)?;
            IpAllowList::parse(&list).map_err(|e| anyhow::anyhow!("bad IP list in column {c}: {e}"))
        }

        fn perms(r: &$Row, c: &str) -> anyhow::Result<PermissionSet> {
            let list: Vec<String> = json(r, c)?;
            permission_set(&list, c)
        }

        fn permission_set(list: &[String], c: &str) -> anyhow::Result<PermissionSet> {
            PermissionSet::parse(list).map_err(|e| anyhow::anyhow!("bad permissions in column {c}: {e}"))
        }

        fn enum_col<T>(r: &$Row, c: &str, parse: fn(&str) -> Option<T>) -> anyhow::Result<T> {
            let s: String = r.try_get(c)?;
            parse(&s).with_context(|| format!("unknown value {s:?} in column {c}"))
        }

        /// A column sqlx decodes as it is.
        fn col<'r, T: sqlx::Decode<'r, $DB> + sqlx::Type<$DB>>(r: &'r $Row, c: &str) -> anyhow::Result<T> {
            Ok(r.try_get(c)?)
        }

        fn uuids(r: &$Row, c: &str) -> anyhow::Result<Vec<Uuid>> {
            let ids: Vec<String> = json(r, c)?;
            Ok(ids.iter().map(|s| Uuid::parse_str(s)).collect::<Result<_, _>>()?)
        }

        /// A permission list that may be absent (a token holding its group's permissions).
        fn opt_perms(r: &$Row, c: &str) -> anyhow::Result<Option<PermissionSet>> {
            let Some(text) = r.try_get::<Option<String>, _>(c)? else { return Ok(None) };
            let list: Vec<String> = serde_json::from_str(&text).with_context(|| format!("bad JSON in column {c}"))?;
            permission_set(&list, c).map(Some)
        }

        fn throttle_state(r: &$Row) -> anyhow::Result<ThrottleState> {
            // Counts are small; anything out of range reads as "locked a lot", never as zero.
            let count = |c: &str| -> anyhow::Result<u32> {
                Ok(u32::try_from(r.try_get::<i64, _>(c)?).unwrap_or(u32::MAX))
            };
            Ok(ThrottleState {
                failures: count("failures")?,
                window_start: ts(r, "window_start")?,
                lockouts: count("lockouts")?,
                locked_until: opt_ts(r, "locked_until")?,
            })
        }

        fn ips_json(l: &IpAllowList) -> String {
            serde_json::Value::from(l.to_strings()).to_string()
        }

        fn perms_json(p: &PermissionSet) -> String {
            serde_json::Value::from(p.iter().collect::<Vec<_>>()).to_string()
        }

        fn uuids_json(ids: &[Uuid]) -> String {
            serde_json::Value::from(ids.iter().map(|u| u.to_string()).collect::<Vec<_>>()).to_string()
        }

        fn after(page: &Page) -> String {
            page.after.map(|u| u.to_string()).unwrap_or_default()
        }

        fn org_from(r: &$Row) -> anyhow::Result<Organization> {
            from_row!(r => Organization { id: uuid, name: col, created_at: ts })
        }

        const MEMBER_COLS: &str = "id, org_id, email, name, role, permission_group_id, created_at";

        fn member_from(r: &$Row) -> anyhow::Result<Member> {
            from_row!(r => Member {
                id: uuid, org_id: uuid, email: col, name: col, role: enum_col[Role::parse],
                permission_group_id: opt_uuid, created_at: ts,
            })
        }

        fn group_from(r: &$Row) -> anyhow::Result<PermissionGroup> {
            from_row!(r => PermissionGroup {
                id: uuid, org_id: uuid, name: col, description: col, permissions: perms,
                created_at: ts, updated_at: ts, version: col,
            })
        }

        fn integration_from(r: &$Row) -> anyhow::Result<Integration> {
            from_row!(r => Integration {
                id: uuid, org_id: uuid, name: col, kind: col, status: enum_col[IntegrationStatus::parse],
                allowed_ips: ips, public_url: col, created_at: ts, updated_at: ts, version: col,
            })
        }

        const API_USER_COLS: &str = "id, org_id, username, name, description, status, environment, permission_group_id, \
             linked_member_id, integration_ids, allowed_ips, expires_at, contact_email, external_id, metadata, \
             password_hash IS NOT NULL AS has_password, auth_method, created_at, updated_at, version, ratelimits, credits_id";

        fn api_user_from(r: &$Row) -> anyhow::Result<ApiUser> {
            from_row!(r => ApiUser {
                id: uuid, org_id: uuid, username: col, name: col, description: col,
                status: enum_col[ApiUserStatus::parse], environment: enum_col[Environment::parse],
                permission_group_id: opt_uuid, linked_member_id: opt_uuid, integration_ids: uuids,
                allowed_ips: ips, expires_at: opt_ts, contact_email: col, external_id: col, metadata: json,
                ratelimits: json, has_password: col, auth_method: enum_col[AuthMethod::parse],
                created_at: ts, updated_at: ts, version: col;
                // Read through the credit store.
                credits: None
            })
        }

        const TOKEN_COLS: &str = "id, org_id, api_user_id, name, hint, permissions, integration_id, allowed_ips, \
             expires_at, status, created_at, created_by, revoked_at, last_used_at, last_used_ip, use_count, rotated_from, replaced_by, imported_from, imported_at, metadata, version, ratelimits, credits_id";

        fn token_from(r: &$Row) -> anyhow::Result<Token> {
            from_row!(r => Token {
                id: uuid, org_id: uuid, api_user_id: uuid, name: col, hint: col, permissions: opt_perms,
                integration_id: opt_uuid, allowed_ips: ips, expires_at: opt_ts,
                status: enum_col[TokenStatus::parse], created_at: ts, created_by: col, revoked_at: opt_ts,
                last_used_at: opt_ts, last_used_ip: col, use_count: col, rotated_from: opt_uuid,
                replaced_by: opt_uuid, imported_from: col, imported_at: opt_ts, metadata: json,
                ratelimits: json, version: col;
                // Read through the credit store.
                credits: None
            })
        }

        fn audit_from(r: &$Row) -> anyhow::Result<AuditEvent> {
            let details_raw: String = r.try_get("details")?;
            let as_written = |c: &str| -> anyhow::Result<bool> {
                let raw: Option<String> = r.try_get(c)?;
                Ok(raw.is_none_or(|s| Uuid::parse_str(&s).is_ok_and(|u| u.to_string() == s)))
            };
            let ids_as_written =
                as_written("id")? && as_written("org_id")? && as_written("actor_id")? && as_written("target_id")?;
            let entry: anyhow::Result<AuditEntry> = from_row!(r => AuditEntry {
                seq: col, id: uuid, at: ts, actor_kind: col, actor_id: opt_uuid, actor_label: col, action: col,
                target_type: col, target_id: opt_uuid, source_ip: col, outcome: col;
                details: serde_json::from_str(&details_raw).unwrap_or(serde_json::Value::Null)
            });
            Ok(AuditEvent {
                entry: entry?,
                org_id: opt_uuid(r, "org_id")?,
                ids_as_written,
                details_raw,
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
            })
        }

        fn hash_from(r: &$Row) -> anyhow::Result<TokenHash> {
            let b: Vec<u8> = r.try_get("hash")?;
            TokenHash::from_slice(&b).context("bad token hash length")
        }

        fn sql(s: String) -> sqlx::AssertSqlSafe<String> {
            // Only ever called with column lists from the constants above, never with input.
            sqlx::AssertSqlSafe(s)
        }

        // ----- writes shared by several methods ------------------------------------------------------

        /// Many events at once (a bulk import's), prepared by [`prepare_audits`] before the
        /// transaction: the head read and locked once, the chain computed in memory, the rows
        /// written in bulk (`crate::bulk`), the head moved once.
        async fn append_audits(c: &mut $Conn, records: Vec<PreparedAudit>) -> StoreResult<()> {
            use crate::bulk::{BulkInsert, Cell};
            const COLUMNS: &[&str] = &[
                "seq", "id", "org_id", "at", "actor_kind", "actor_id", "actor_label", "action", "target_type",
                "target_id", "source_ip", "outcome", "details", "prev_hash", "hash",
            ];
            if records.is_empty() {
                return Ok(());
            }
            let head = sqlx::query(concat!("SELECT seq, hash FROM audit_head WHERE id = 1", $lock_head))
                .fetch_one(&mut *c)
                .await?;
            let (mut seq, mut prev_hash): (i64, Vec<u8>) = (head.try_get("seq")?, head.try_get("hash")?);
            let mut rows = Vec::with_capacity(records.len());
            for PreparedAudit { cells, tail } in records {
                seq += 1;
                let hash = audit::link_hash(&prev_hash, seq, &tail);
                let mut row = Vec::with_capacity(COLUMNS.len());
                row.push(Cell::Int(seq));
                row.extend(cells);
                row.push(std::mem::take(&mut prev_hash).into());
                row.push(hash.to_vec().into());
                rows.push(row);
                prev_hash = hash.to_vec();
            }
            c.insert_rows("audit_events", COLUMNS, rows).await?;
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
                .bind(seq)
                .bind(&prev_hash[..])
                .execute(&mut *c)
                .await?;
            Ok(())
        }

        async fn append_audit(c: &mut $Conn, a: &AuditRecord) -> StoreResult<()> {
            // Locking the head row serializes appends, so concurrent writers (even on several nodes)
            // extend one chain.
            let head = sqlx::query(concat!("SELECT seq, hash FROM audit_head WHERE id = 1", $lock_head))
                .fetch_one(&mut *c)
                .await?;
            let (prev_seq, prev_hash): (i64, Vec<u8>) = (head.try_get("seq")?, head.try_get("hash")?);
            let seq = prev_seq + 1;
            let details = a.details.to_string();
            let at = to_millis(a.at);
            let hash = audit::record_hash(&prev_hash, seq, a, at, &details);
            sqlx::query(
                "INSERT INTO audit_events (seq, id, org_id, at, actor_kind, actor_id, actor_label, action, target_type, \
                 target_id, source_ip, outcome, details, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(seq)
            .bind(a.id.to_string())
            .bind(a.org_id.map(|u| u.to_string()))
            .bind(at)
            .bind(a.actor.kind.as_str())
            .bind(a.actor.id.map(|u| u.to_string()))
            .bind(&a.actor.label)
            .bind(a.action)
            .bind(a.target_type)
            .bind(a.target_id.map(|u| u.to_string()))
            .bind(a.source_ip.as_deref())
            .bind(a.outcome.as_str())
            .bind(&details)
            .bind(&prev_hash)
            .bind(&hash[..])
            .execute(&mut *c)
            .await?;
            sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&hash[..])
            .execute(&mut *c)
            .await?;
            for m in &a.outbox {
                sqlx::query(
                    "INSERT INTO outbox (id, org_id, channel, event, recipient, subject, body, status, attempts, \
                     next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8)",
                )
                .bind(m.id.to_string())
                .bind(m.org_id.to_string())
                .bind(m.channel.as_str())
                .bind(&m.event)
                .bind(&m.recipient)
                .bind(&m.subject)
                .bind(&m.body)
                .bind(at)
                .execute(&mut *c)
                .await?;
            }
            Ok(())
        }

        const OUTBOX_COLS: &str = "id, org_id, channel, event, recipient, subject, body, status, attempts, \
             next_attempt_at, last_error, created_at, delivered_at";

        fn outbox_from(r: &$Row) -> anyhow::Result<OutboxItem> {
            let message: anyhow::Result<OutboxMessage> = from_row!(r => OutboxMessage {
                id: uuid, org_id: uuid, channel: enum_col[Channel::parse], event: col, recipient: col,
                subject: col, body: col,
            });
            from_row!(r => OutboxItem {
                status: enum_col[OutboxStatus::parse], attempts: col, next_attempt_at: ts, last_error: col,
                created_at: ts, delivered_at: opt_ts;
                message: message?
            })
        }

        const WEBHOOK_COLS: &str = "id, org_id, url, description, events, secret, enabled, created_at";

        fn webhook_from(r: &$Row) -> anyhow::Result<WebhookEndpoint> {
            from_row!(r => WebhookEndpoint {
                id: uuid, org_id: uuid, url: col, description: col, events: json, secret: col, enabled: col,
                created_at: ts,
            })
        }

        fn stage_at(expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> i64 {
            ReminderStage::initial(expires_at, now).as_i64()
        }

        /// Inserts a token row (create and rotation share it).
        async fn insert_token(c: &mut $Conn, nt: &NewToken) -> StoreResult<()> {
            let t = &nt.token;
            let insert = sqlx::query(
                "INSERT INTO tokens (id, org_id, api_user_id, name, hint, hash, permissions, integration_id, allowed_ips, \
                 expires_at, status, created_at, created_by, rotated_from, reminder_stage, metadata, ratelimits, credits_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            )
            .bind(t.id.to_string())
            .bind(t.org_id.to_string())
            .bind(t.api_user_id.to_string())
            .bind(&t.name)
            .bind(&t.hint)
            .bind(&nt.hash.as_bytes()[..])
            .bind(t.permissions.as_ref().map(perms_json))
            .bind(t.integration_id.map(|x| x.to_string()))
            .bind(ips_json(&t.allowed_ips))
            .bind(t.expires_at.map(to_millis))
            .bind(t.status.as_str())
            .bind(to_millis(t.created_at))
            .bind(t.created_by.as_deref())
            .bind(t.rotated_from.map(|x| x.to_string()))
            .bind(stage_at(t.expires_at, t.created_at))
            .bind(serde_json::Value::Object(t.metadata.clone()).to_string());
            // A rotated token shares its predecessor's balance, which exists already.
            insert_owner(c, insert, &t.ratelimits, t.credits.as_ref(), Conflict::TokenNameTaken).await
        }

        /// Why a write to a token found no live row: it is revoked (or rotated), or not there.
        async fn revoked_or_missing(c: &mut $Conn, org_id: Uuid, id: Uuid) -> StoreResult<StoreError> {
            let exists = sqlx::query("SELECT 1 FROM tokens WHERE id = $1 AND org_id = $2")
                .bind(id.to_string())
                .bind(org_id.to_string())
                .fetch_optional(&mut *c)
                .await?;
            Ok(if exists.is_some() {
                StoreError::Conflict(Conflict::TokenRevoked)
            } else {
                StoreError::NotFound
            })
        }

        async fn api_user_is_deleted(c: &mut $Conn, id: Uuid) -> StoreResult<bool> {
            let deleted: Option<Option<i64>> = sqlx::query_scalar("SELECT deleted_at FROM api_users WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&mut *c)
                .await?;
            Ok(matches!(deleted, Some(Some(_))))
        }

        /// Why a token PATCH changed nothing: the token is gone, revoked, or was changed since it
        /// was read.
        async fn token_not_updated(c: &mut $Conn, org_id: Uuid, id: Uuid) -> StoreResult<StoreError> {
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM tokens WHERE id = $1 AND org_id = $2")
                .bind(id.to_string())
                .bind(org_id.to_string())
                .fetch_optional(&mut *c)
                .await?;
            Ok(match status.as_deref() {
                None => StoreError::NotFound,
                Some("revoked") => StoreError::Conflict(Conflict::TokenRevoked),
                Some(_) => StoreError::Conflict(Conflict::Stale),
            })
        }

        /// Checks that the records an API user or token points at exist in the same organization.
        async fn check_refs(
            c: &mut $Conn,
            org_id: Uuid,
            group: Option<Uuid>,
            member: Option<Uuid>,
            integrations: &[Uuid],
        ) -> StoreResult<()> {
            // Each reference, by (table, field, what it is).
            let refs = group
                .map(|g| ("permission_groups", "permission_group_id", "permission group", g))
                .into_iter()
                .chain(member.map(|m| ("members", "linked_member_id", "member", m)))
                .chain(integrations.iter().map(|i| ("integrations", "integration_ids", "integration", *i)));
            for (table, field, what, id) in refs {
                match require_in_org(&mut *c, table, id, org_id).await {
                    Err(StoreError::NotFound) => {
                        return Err(StoreError::Invalid {
                            field,
                            message: format!("no {what} {id} in this organization"),
                        });
                    }
                    other => other?,
                }
            }
            Ok(())
        }

        async fn revoke_where(
            c: &mut $Conn,
            org_id: Uuid,
            api_user_id: Option<Uuid>,
            now: OffsetDateTime,
        ) -> StoreResult<Vec<TokenHash>> {
            let rows = sqlx::query(
                "UPDATE tokens SET status = 'revoked', revoked_at = $1 \
                 WHERE org_id = $2 AND ($3 = '' OR api_user_id = $3) AND status <> 'revoked' RETURNING hash",
            )
            .bind(to_millis(now))
            .bind(org_id.to_string())
            .bind(api_user_id.map(|u| u.to_string()).unwrap_or_default())
            .fetch_all(&mut *c)
            .await?;
            Ok(rows.iter().map(hash_from).collect::<anyhow::Result<_>>()?)
        }

        async fn super_admins_besides(c: &mut $Conn, org_id: Uuid, id: Uuid) -> StoreResult<i64> {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM members WHERE org_id = $1 AND role = 'super_admin' AND id <> $2",
            )
            .bind(org_id.to_string())
            .bind(id.to_string())
            .fetch_one(&mut *c)
            .await?)
        }

        async fn insert_member(c: &mut $Conn, m: &MemberCredentials) -> StoreResult<()> {
            let mm = &m.member;
            sqlx::query(
                "INSERT INTO members (id, org_id, email, name, role, permission_group_id, password_hash, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(mm.id.to_string())
            .bind(mm.org_id.to_string())
            .bind(&mm.email)
            .bind(&mm.name)
            .bind(mm.role.as_str())
            .bind(mm.permission_group_id.map(|u| u.to_string()))
            .bind(&m.password_hash)
            .bind(to_millis(mm.created_at))
            .execute(&mut *c)
            .await
            .map_err(|e| unique_or(e, Conflict::EmailTaken))?;
            Ok(())
        }

        fn like_pattern(s: &str) -> String {
            let escaped = s
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        }

        impl $Store {
            /// Begin, write, audit, commit: the shape of every audited change, written once.
            /// `write` runs inside the transaction; its error, or a failed append to the audit
            /// chain, rolls the whole change back.
            async fn audited<T>(
                &self,
                audit: &AuditRecord,
                write: impl AsyncFnOnce(&mut $Conn) -> StoreResult<T>,
            ) -> StoreResult<T> {
                let out = self.audited_if(audit, async |c| Ok(Some(write(c).await?))).await?;
                Ok(out.context("an unconditional write commits")?)
            }

            /// A write that may find its work already done (another node's claim, an alert
            /// raised before, a token revoked already): `write` answers `None` for that, and
            /// then nothing is written or audited; `Some` commits the change with its event.
            async fn audited_if<T>(
                &self,
                audit: &AuditRecord,
                write: impl AsyncFnOnce(&mut $Conn) -> StoreResult<Option<T>>,
            ) -> StoreResult<Option<T>> {
                let mut tx = self.begin_write().await?;
                let Some(out) = write(&mut tx).await? else {
                    return Ok(None);
                };
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(Some(out))
            }

            /// One UPDATE that must change a row, with its audit event, in one transaction; a
            /// row that is absent (or another organization's) is not found.
            async fn audited_update<'q>(
                &self,
                audit: &AuditRecord,
                update: Query<'q>,
            ) -> StoreResult<()> {
                self.audited(audit, async |c| touched(update.execute(&mut *c).await?.rows_affected()))
                    .await
            }

            /// A statement that changes exactly one row when its work is not done yet; the
            /// answer is whether it did (and so was audited).
            async fn audited_if_one<'q>(
                &self,
                audit: &AuditRecord,
                claim: Query<'q>,
            ) -> StoreResult<bool> {
                let done = self
                    .audited_if(audit, async |c| Ok((claim.execute(&mut *c).await?.rows_affected() == 1).then_some(())))
                    .await?;
                Ok(done.is_some())
            }

            /// One INSERT with its audit event, in one transaction; with `taken`, a unique
            /// violation is that conflict.
            async fn audited_insert<'q>(
                &self,
                audit: &AuditRecord,
                insert: Query<'q>,
                taken: Option<Conflict>,
            ) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    insert.execute(&mut *c).await.map_err(|e| match taken {
                        Some(taken) => unique_or(e, taken),
                        None => e.into(),
                    })?;
                    Ok(())
                })
                .await
            }

            /// A PATCH's UPDATE, made from a read at some version (the statement checks it and
            /// raises it), with its audit event: a unique violation is `taken`; no row changed
            /// is a stale read (the caller reads again) or a missing row.
            async fn versioned_update<'q>(
                &self,
                audit: &AuditRecord,
                (table, id, org_id): (&'static str, Uuid, Uuid),
                update: Query<'q>,
                taken: Conflict,
            ) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    let done = update.execute(&mut *c).await.map_err(|e| unique_or(e, taken))?;
                    if done.rows_affected() == 0 {
                        return Err(stale_or_missing(&mut *c, table, id, org_id).await);
                    }
                    Ok(())
                })
                .await
            }

            /// One statement alone in a write transaction; answers how many rows it changed.
            async fn write_alone(&self, statement: Query<'_>) -> StoreResult<u64> {
                let mut tx = self.begin_write().await?;
                let done = statement.execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            /// The row `id` of an organization, read outside any transaction.
            async fn one_in_org(&self, query: impl sqlx::SqlSafeStr, org_id: Uuid, id: Uuid) -> StoreResult<$Row> {
                row_in_org(&self.read, query, org_id, id).await
            }

            /// A page of an organization's rows, by a query binding `$1` to the organization,
            /// `$2` to the cursor (the last id seen) and `$3` to the page size.
            async fn page_in_org(&self, query: &'static str, org_id: Uuid, page: Page) -> StoreResult<Vec<$Row>> {
                Ok(sqlx::query(query)
                    .bind(org_id.to_string())
                    .bind(after(&page))
                    .bind(page.limit as i64)
                    .fetch_all(&self.read)
                    .await?)
            }
        }

        /// After a write made from a read at `version` changed nothing: the row is gone (not
        /// found) or was changed in between (stale; the caller reads again and retries).
        async fn stale_or_missing(c: &mut $Conn, table: &str, id: Uuid, org_id: Uuid) -> StoreError {
            match require_in_org(c, table, id, org_id).await {
                Ok(()) => StoreError::Conflict(Conflict::Stale),
                Err(e) => e,
            }
        }

        /// The row `id` of an organization, by a query binding `$1` to the id and `$2` to the
        /// organization; another organization's row is not found.
        async fn row_in_org<'e>(
            c: impl sqlx::Executor<'e, Database = $DB>,
            query: impl sqlx::SqlSafeStr,
            org_id: Uuid,
            id: Uuid,
        ) -> StoreResult<$Row> {
            sqlx::query(query)
                .bind(id.to_string())
                .bind(org_id.to_string())
                .fetch_optional(c)
                .await?
                .ok_or(StoreError::NotFound)
        }

        /// `NotFound` unless row `id` of `table` belongs to the organization: checked first by
        /// writes that must never tell another organization's id from a missing one.
        async fn require_in_org(c: &mut $Conn, table: &str, id: Uuid, org_id: Uuid) -> StoreResult<()> {
            row_in_org(c, sql(format!("SELECT 1 FROM {table} WHERE id = $1 AND org_id = $2")), org_id, id).await?;
            Ok(())
        }

        /// `NotFound` unless the API user belongs to the organization and is not deleted.
        async fn require_live_api_user(c: &mut $Conn, org_id: Uuid, api_user_id: Uuid) -> StoreResult<()> {
            const LIVE: &str = "SELECT 1 FROM api_users WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL";
            row_in_org(c, LIVE, org_id, api_user_id).await?;
            Ok(())
        }

        /// `NotFound` when a write touched no row (absent, or another organization's).
        fn touched(rows_affected: u64) -> StoreResult<()> {
            if rows_affected == 0 {
                Err(StoreError::NotFound)
            } else {
                Ok(())
            }
        }
    };
}
