//! The SQL shared by the SQLite and PostgreSQL stores. Both keep the same schema (ids as text,
//! times as Unix milliseconds, lists as JSON text, hashes as bytes), so one text of each query
//! serves both; the few dialect differences are parameters of this macro. Each database module
//! instantiates it for its own driver types, so every query is compiled against both drivers
//! and written out once, here, for review.

macro_rules! sql_store {
    (
        store = $Store:ident,
        db = $DB:ty,
        row = $Row:ty,
        conn = $Conn:ty,
        engine = $engine:expr,
        lock_head = $lock_head:literal,
        skip_locked = $skip_locked:literal,
        extra = { $($extra:item)* } $(,)?
    ) => {
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
            PermissionSet::parse(&list).map_err(|e| anyhow::anyhow!("bad permissions in column {c}: {e}"))
        }

        fn enum_col<T>(r: &$Row, c: &str, parse: fn(&str) -> Option<T>) -> anyhow::Result<T> {
            let s: String = r.try_get(c)?;
            parse(&s).with_context(|| format!("unknown value {s:?} in column {c}"))
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
            Ok(Organization {
                id: uuid(r, "id")?,
                name: r.try_get("name")?,
                created_at: ts(r, "created_at")?,
            })
        }

        const MEMBER_COLS: &str = "id, org_id, email, name, role, permission_group_id, created_at";

        fn member_from(r: &$Row) -> anyhow::Result<Member> {
            Ok(Member {
                id: uuid(r, "id")?,
                org_id: uuid(r, "org_id")?,
                email: r.try_get("email")?,
                name: r.try_get("name")?,
                role: enum_col(r, "role", Role::parse)?,
                permission_group_id: opt_uuid(r, "permission_group_id")?,
                created_at: ts(r, "created_at")?,
            })
        }

        fn group_from(r: &$Row) -> anyhow::Result<PermissionGroup> {
            Ok(PermissionGroup {
                id: uuid(r, "id")?,
                org_id: uuid(r, "org_id")?,
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                permissions: perms(r, "permissions")?,
                created_at: ts(r, "created_at")?,
                updated_at: ts(r, "updated_at")?,
            })
        }

        fn integration_from(r: &$Row) -> anyhow::Result<Integration> {
            Ok(Integration {
                id: uuid(r, "id")?,
                org_id: uuid(r, "org_id")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                status: enum_col(r, "status", IntegrationStatus::parse)?,
                allowed_ips: ips(r, "allowed_ips")?,
                public_url: r.try_get("public_url")?,
                created_at: ts(r, "created_at")?,
                updated_at: ts(r, "updated_at")?,
            })
        }

        const API_USER_COLS: &str = "id, org_id, username, name, description, status, environment, permission_group_id, \
             linked_member_id, integration_ids, allowed_ips, expires_at, contact_email, external_id, metadata, \
             password_hash IS NOT NULL AS has_password, auth_method, created_at, updated_at";

        fn api_user_from(r: &$Row) -> anyhow::Result<ApiUser> {
            let ids: Vec<String> = json(r, "integration_ids")?;
            Ok(ApiUser {
                id: uuid(r, "id")?,
                org_id: uuid(r, "org_id")?,
                username: r.try_get("username")?,
                name: r.try_get("name")?,
                description: r.try_get("description")?,
                status: enum_col(r, "status", ApiUserStatus::parse)?,
                environment: enum_col(r, "environment", Environment::parse)?,
                permission_group_id: opt_uuid(r, "permission_group_id")?,
                linked_member_id: opt_uuid(r, "linked_member_id")?,
                integration_ids: ids.iter().map(|s| Uuid::parse_str(s)).collect::<Result<_, _>>()?,
                allowed_ips: ips(r, "allowed_ips")?,
                expires_at: opt_ts(r, "expires_at")?,
                contact_email: r.try_get("contact_email")?,
                external_id: r.try_get("external_id")?,
                metadata: json(r, "metadata")?,
                has_password: r.try_get("has_password")?,
                auth_method: enum_col(r, "auth_method", AuthMethod::parse)?,
                created_at: ts(r, "created_at")?,
                updated_at: ts(r, "updated_at")?,
            })
        }

        const TOKEN_COLS: &str = "id, org_id, api_user_id, name, hint, permissions, integration_id, allowed_ips, \
             expires_at, status, created_at, created_by, revoked_at, last_used_at, last_used_ip, use_count, rotated_from, replaced_by";

        fn token_from(r: &$Row) -> anyhow::Result<Token> {
            let permissions: Option<String> = r.try_get("permissions")?;
            let permissions = match permissions {
                Some(s) => {
                    let list: Vec<String> = serde_json::from_str(&s)?;
                    Some(PermissionSet::parse(&list).map_err(anyhow::Error::msg)?)
                }
                None => None,
            };
            Ok(Token {
                id: uuid(r, "id")?,
                org_id: uuid(r, "org_id")?,
                api_user_id: uuid(r, "api_user_id")?,
                name: r.try_get("name")?,
                hint: r.try_get("hint")?,
                permissions,
                integration_id: opt_uuid(r, "integration_id")?,
                allowed_ips: ips(r, "allowed_ips")?,
                expires_at: opt_ts(r, "expires_at")?,
                status: enum_col(r, "status", TokenStatus::parse)?,
                created_at: ts(r, "created_at")?,
                created_by: r.try_get("created_by")?,
                revoked_at: opt_ts(r, "revoked_at")?,
                last_used_at: opt_ts(r, "last_used_at")?,
                last_used_ip: r.try_get("last_used_ip")?,
                use_count: r.try_get("use_count")?,
                rotated_from: opt_uuid(r, "rotated_from")?,
                replaced_by: opt_uuid(r, "replaced_by")?,
            })
        }

        fn audit_from(r: &$Row) -> anyhow::Result<AuditEvent> {
            let details_raw: String = r.try_get("details")?;
            Ok(AuditEvent {
                seq: r.try_get("seq")?,
                id: uuid(r, "id")?,
                org_id: opt_uuid(r, "org_id")?,
                at: ts(r, "at")?,
                actor_kind: r.try_get("actor_kind")?,
                actor_id: opt_uuid(r, "actor_id")?,
                actor_label: r.try_get("actor_label")?,
                action: r.try_get("action")?,
                target_type: r.try_get("target_type")?,
                target_id: opt_uuid(r, "target_id")?,
                source_ip: r.try_get("source_ip")?,
                outcome: r.try_get("outcome")?,
                details: serde_json::from_str(&details_raw).unwrap_or(serde_json::Value::Null),
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
            let hash = audit::chain_hash(
                &prev_hash,
                seq,
                a.id,
                a.org_id,
                at,
                (a.actor_kind, a.actor_id, &a.actor_label),
                a.action,
                (a.target_type, a.target_id),
                a.source_ip.as_deref(),
                a.outcome,
                &details,
            );
            sqlx::query(
                "INSERT INTO audit_events (seq, id, org_id, at, actor_kind, actor_id, actor_label, action, target_type, \
                 target_id, source_ip, outcome, details, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(seq)
            .bind(a.id.to_string())
            .bind(a.org_id.map(|u| u.to_string()))
            .bind(at)
            .bind(a.actor_kind)
            .bind(a.actor_id.map(|u| u.to_string()))
            .bind(&a.actor_label)
            .bind(a.action)
            .bind(a.target_type)
            .bind(a.target_id.map(|u| u.to_string()))
            .bind(a.source_ip.as_deref())
            .bind(a.outcome)
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
            Ok(OutboxItem {
                message: OutboxMessage {
                    id: uuid(r, "id")?,
                    org_id: uuid(r, "org_id")?,
                    channel: enum_col(r, "channel", Channel::parse)?,
                    event: r.try_get("event")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                },
                status: enum_col(r, "status", OutboxStatus::parse)?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: ts(r, "next_attempt_at")?,
                last_error: r.try_get("last_error")?,
                created_at: ts(r, "created_at")?,
                delivered_at: opt_ts(r, "delivered_at")?,
            })
        }

        const WEBHOOK_COLS: &str = "id, org_id, url, description, events, secret, enabled, created_at";

        fn webhook_from(r: &$Row) -> anyhow::Result<WebhookEndpoint> {
            Ok(WebhookEndpoint {
                id: uuid(r, "id")?,
                org_id: uuid(r, "org_id")?,
                url: r.try_get("url")?,
                description: r.try_get("description")?,
                events: json(r, "events")?,
                secret: r.try_get("secret")?,
                enabled: r.try_get("enabled")?,
                created_at: ts(r, "created_at")?,
            })
        }

        fn stage_at(expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> i64 {
            ReminderStage::initial(expires_at, now).as_i64()
        }

        /// Inserts a token row (create and rotation share it).
        async fn insert_token(c: &mut $Conn, nt: &NewToken) -> StoreResult<()> {
            let t = &nt.token;
            sqlx::query(
                "INSERT INTO tokens (id, org_id, api_user_id, name, hint, hash, permissions, integration_id, allowed_ips, \
                 expires_at, status, created_at, created_by, rotated_from, reminder_stage) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
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
            .execute(&mut *c)
            .await
            .map_err(|e| unique_or(e, Conflict::TokenNameTaken))?;
            Ok(())
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

        /// Checks that the records an API user or token points at exist in the same organization.
        async fn check_refs(
            c: &mut $Conn,
            org_id: Uuid,
            group: Option<Uuid>,
            member: Option<Uuid>,
            integrations: &[Uuid],
        ) -> StoreResult<()> {
            let org = org_id.to_string();
            if let Some(g) = group {
                let found = sqlx::query("SELECT 1 FROM permission_groups WHERE id = $1 AND org_id = $2")
                    .bind(g.to_string())
                    .bind(&org)
                    .fetch_optional(&mut *c)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::Invalid {
                        field: "permission_group_id",
                        message: format!("no permission group {g} in this organization"),
                    });
                }
            }
            if let Some(m) = member {
                let found = sqlx::query("SELECT 1 FROM members WHERE id = $1 AND org_id = $2")
                    .bind(m.to_string())
                    .bind(&org)
                    .fetch_optional(&mut *c)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::Invalid {
                        field: "linked_member_id",
                        message: format!("no member {m} in this organization"),
                    });
                }
            }
            for i in integrations {
                let found = sqlx::query("SELECT 1 FROM integrations WHERE id = $1 AND org_id = $2")
                    .bind(i.to_string())
                    .bind(&org)
                    .fetch_optional(&mut *c)
                    .await?;
                if found.is_none() {
                    return Err(StoreError::Invalid {
                        field: "integration_ids",
                        message: format!("no integration {i} in this organization"),
                    });
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

        #[async_trait]
        impl Store for $Store {
            fn engine(&self) -> Engine {
                $engine
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }

            async fn organization_count(&self) -> StoreResult<i64> {
                Ok(sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
                    .fetch_one(&self.read)
                    .await?)
            }

            async fn put_setup_token(&self, hash: TokenHash, expires_at: OffsetDateTime) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
                sqlx::query("INSERT INTO setup_tokens (hash, expires_at) VALUES ($1, $2)")
                    .bind(&hash.as_bytes()[..])
                    .bind(to_millis(expires_at))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_organization(
                &self,
                org: &Organization,
                owner: &MemberCredentials,
                setup: Option<(TokenHash, OffsetDateTime)>,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                if let Some((hash, now)) = setup {
                    let used = sqlx::query("DELETE FROM setup_tokens WHERE hash = $1 AND expires_at > $2")
                        .bind(&hash.as_bytes()[..])
                        .bind(to_millis(now))
                        .execute(&mut *tx)
                        .await?;
                    if used.rows_affected() != 1 {
                        return Err(StoreError::SetupLinkInvalid);
                    }
                    // The link creates the first organization only.
                    let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM organizations")
                        .fetch_one(&mut *tx)
                        .await?;
                    if orgs > 0 {
                        return Err(StoreError::SetupLinkInvalid);
                    }
                }
                sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(org.id.to_string())
                    .bind(&org.name)
                    .bind(to_millis(org.created_at))
                    .execute(&mut *tx)
                    .await?;
                insert_member(&mut tx, owner).await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_organization(&self, id: Uuid) -> StoreResult<Organization> {
                let r = sqlx::query("SELECT id, name, created_at FROM organizations WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(org_from(&r)?)
            }

            async fn create_member(&self, member: &MemberCredentials, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                check_refs(
                    &mut tx,
                    member.member.org_id,
                    member.member.permission_group_id,
                    None,
                    &[],
                )
                .await?;
                insert_member(&mut tx, member).await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn member_credentials(&self, email: &str) -> StoreResult<Option<MemberCredentials>> {
                let r = sqlx::query(sql(format!(
                    "SELECT {MEMBER_COLS}, password_hash FROM members WHERE email = $1"
                )))
                .bind(email)
                .fetch_optional(&self.read)
                .await?;
                match r {
                    Some(r) => Ok(Some(MemberCredentials {
                        member: member_from(&r)?,
                        password_hash: r.try_get("password_hash")?,
                    })),
                    None => Ok(None),
                }
            }

            async fn get_member(&self, org_id: Uuid, id: Uuid) -> StoreResult<Member> {
                let r = sqlx::query(sql(format!(
                    "SELECT {MEMBER_COLS} FROM members WHERE id = $1 AND org_id = $2"
                )))
                .bind(id.to_string())
                .bind(org_id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(member_from(&r)?)
            }

            async fn list_members(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<Member>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {MEMBER_COLS} FROM members WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3"
                )))
                .bind(org_id.to_string())
                .bind(after(&page))
                .bind(page.limit as i64)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(member_from).collect::<anyhow::Result<_>>()?)
            }

            async fn update_member(
                &self,
                member: &Member,
                password_hash: Option<&str>,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                check_refs(&mut tx, member.org_id, member.permission_group_id, None, &[]).await?;
                if member.role != Role::SuperAdmin
                    && super_admins_besides(&mut tx, member.org_id, member.id).await? == 0
                {
                    return Err(StoreError::Conflict(Conflict::LastSuperAdmin));
                }
                let done = sqlx::query(
                    "UPDATE members SET email = $1, name = $2, role = $3, permission_group_id = $4, \
                     password_hash = COALESCE($5, password_hash), updated_at = $6 WHERE id = $7 AND org_id = $8",
                )
                .bind(&member.email)
                .bind(&member.name)
                .bind(member.role.as_str())
                .bind(member.permission_group_id.map(|u| u.to_string()))
                .bind(password_hash)
                .bind(to_millis(audit.at))
                .bind(member.id.to_string())
                .bind(member.org_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, Conflict::EmailTaken))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                if password_hash.is_some() {
                    sqlx::query("DELETE FROM sessions WHERE member_id = $1")
                        .bind(member.id.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_member(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let exists = sqlx::query("SELECT role FROM members WHERE id = $1 AND org_id = $2")
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let role: String = exists.try_get("role")?;
                if role == Role::SuperAdmin.as_str() && super_admins_besides(&mut tx, org_id, id).await? == 0 {
                    return Err(StoreError::Conflict(Conflict::LastSuperAdmin));
                }
                let linked =
                    sqlx::query("SELECT 1 FROM api_users WHERE linked_member_id = $1 AND deleted_at IS NULL LIMIT 1")
                        .bind(id.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                if linked.is_some() {
                    return Err(StoreError::Conflict(Conflict::MemberInUse));
                }
                sqlx::query("UPDATE api_users SET linked_member_id = NULL WHERE linked_member_id = $1")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM members WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(&self, s: &NewSession) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                // Expired sessions are swept as new ones are made.
                sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(to_millis(s.created_at))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO sessions (hash, member_id, org_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&s.hash.as_bytes()[..])
                .bind(s.member_id.to_string())
                .bind(s.org_id.to_string())
                .bind(to_millis(s.created_at))
                .bind(to_millis(s.expires_at))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn session_member(&self, hash: TokenHash, now: OffsetDateTime) -> StoreResult<Option<Member>> {
                let r = sqlx::query(
                    "SELECT m.id, m.org_id, m.email, m.name, m.role, m.permission_group_id, m.created_at \
                     FROM sessions s JOIN members m ON m.id = s.member_id WHERE s.hash = $1 AND s.expires_at > $2",
                )
                .bind(&hash.as_bytes()[..])
                .bind(to_millis(now))
                .fetch_optional(&self.read)
                .await?;
                Ok(r.as_ref().map(member_from).transpose()?)
            }

            async fn delete_session(&self, hash: TokenHash) -> StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE hash = $1")
                    .bind(&hash.as_bytes()[..])
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn create_group(&self, g: &PermissionGroup, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO permission_groups (id, org_id, name, description, permissions, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(g.id.to_string())
                .bind(g.org_id.to_string())
                .bind(&g.name)
                .bind(&g.description)
                .bind(perms_json(&g.permissions))
                .bind(to_millis(g.created_at))
                .bind(to_millis(g.updated_at))
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, Conflict::GroupNameTaken))?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_group(&self, org_id: Uuid, id: Uuid) -> StoreResult<PermissionGroup> {
                let r = sqlx::query("SELECT * FROM permission_groups WHERE id = $1 AND org_id = $2")
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(group_from(&r)?)
            }

            async fn list_groups(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<PermissionGroup>> {
                let rows =
                    sqlx::query("SELECT * FROM permission_groups WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                        .bind(org_id.to_string())
                        .bind(after(&page))
                        .bind(page.limit as i64)
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows.iter().map(group_from).collect::<anyhow::Result<_>>()?)
            }

            async fn update_group(&self, g: &PermissionGroup, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE permission_groups SET name = $1, description = $2, permissions = $3, updated_at = $4 \
                     WHERE id = $5 AND org_id = $6",
                )
                .bind(&g.name)
                .bind(&g.description)
                .bind(perms_json(&g.permissions))
                .bind(to_millis(g.updated_at))
                .bind(g.id.to_string())
                .bind(g.org_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, Conflict::GroupNameTaken))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_group(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let (id_s, org_s) = (id.to_string(), org_id.to_string());
                // Existence in this organization first: another organization's id is only ever NotFound.
                sqlx::query("SELECT 1 FROM permission_groups WHERE id = $1 AND org_id = $2")
                    .bind(&id_s)
                    .bind(&org_s)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let in_use = sqlx::query(
                    "SELECT 1 FROM api_users WHERE permission_group_id = $1 AND deleted_at IS NULL \
                     UNION ALL SELECT 1 FROM members WHERE permission_group_id = $1 LIMIT 1",
                )
                .bind(&id_s)
                .fetch_optional(&mut *tx)
                .await?;
                if in_use.is_some() {
                    return Err(StoreError::Conflict(Conflict::GroupInUse));
                }
                sqlx::query("UPDATE api_users SET permission_group_id = NULL WHERE permission_group_id = $1")
                    .bind(&id_s)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM permission_groups WHERE id = $1 AND org_id = $2")
                    .bind(&id_s)
                    .bind(&org_s)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_integration(&self, i: &Integration, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO integrations (id, org_id, name, kind, status, allowed_ips, public_url, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(i.id.to_string())
                .bind(i.org_id.to_string())
                .bind(&i.name)
                .bind(&i.kind)
                .bind(i.status.as_str())
                .bind(ips_json(&i.allowed_ips))
                .bind(i.public_url.as_deref())
                .bind(to_millis(i.created_at))
                .bind(to_millis(i.updated_at))
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, Conflict::IntegrationNameTaken))?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_integration(&self, org_id: Uuid, id: Uuid) -> StoreResult<Integration> {
                let r = sqlx::query("SELECT * FROM integrations WHERE id = $1 AND org_id = $2")
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(integration_from(&r)?)
            }

            async fn list_integrations(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<Integration>> {
                let rows =
                    sqlx::query("SELECT * FROM integrations WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3")
                        .bind(org_id.to_string())
                        .bind(after(&page))
                        .bind(page.limit as i64)
                        .fetch_all(&self.read)
                        .await?;
                Ok(rows.iter().map(integration_from).collect::<anyhow::Result<_>>()?)
            }

            async fn update_integration(&self, i: &Integration, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE integrations SET name = $1, kind = $2, status = $3, allowed_ips = $4, public_url = $5, \
                     updated_at = $6 WHERE id = $7 AND org_id = $8",
                )
                .bind(&i.name)
                .bind(&i.kind)
                .bind(i.status.as_str())
                .bind(ips_json(&i.allowed_ips))
                .bind(i.public_url.as_deref())
                .bind(to_millis(i.updated_at))
                .bind(i.id.to_string())
                .bind(i.org_id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, Conflict::IntegrationNameTaken))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_integration(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let (id_s, org_s) = (id.to_string(), org_id.to_string());
                sqlx::query("SELECT 1 FROM integrations WHERE id = $1 AND org_id = $2")
                    .bind(&id_s)
                    .bind(&org_s)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let in_use = sqlx::query(
                    "SELECT 1 FROM api_users WHERE org_id = $2 AND deleted_at IS NULL AND integration_ids LIKE '%' || $1 || '%' \
                     UNION ALL SELECT 1 FROM tokens WHERE integration_id = $1 AND status <> 'revoked' LIMIT 1",
                )
                .bind(&id_s)
                .bind(&org_s)
                .fetch_optional(&mut *tx)
                .await?;
                if in_use.is_some() {
                    return Err(StoreError::Conflict(Conflict::IntegrationInUse));
                }
                sqlx::query("UPDATE tokens SET integration_id = NULL WHERE integration_id = $1")
                    .bind(&id_s)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM integrations WHERE id = $1 AND org_id = $2")
                    .bind(&id_s)
                    .bind(&org_s)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_api_user(
                &self,
                u: &ApiUser,
                password_hash: Option<&str>,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                check_refs(
                    &mut tx,
                    u.org_id,
                    u.permission_group_id,
                    u.linked_member_id,
                    &u.integration_ids,
                )
                .await?;
                sqlx::query(
                    "INSERT INTO api_users (id, org_id, username, name, description, status, environment, permission_group_id, \
                     linked_member_id, integration_ids, allowed_ips, expires_at, contact_email, external_id, metadata, \
                     password_hash, created_at, updated_at, reminder_stage, auth_method) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
                )
                .bind(u.id.to_string())
                .bind(u.org_id.to_string())
                .bind(&u.username)
                .bind(&u.name)
                .bind(&u.description)
                .bind(u.status.as_str())
                .bind(u.environment.as_str())
                .bind(u.permission_group_id.map(|x| x.to_string()))
                .bind(u.linked_member_id.map(|x| x.to_string()))
                .bind(uuids_json(&u.integration_ids))
                .bind(ips_json(&u.allowed_ips))
                .bind(u.expires_at.map(to_millis))
                .bind(u.contact_email.as_deref())
                .bind(u.external_id.as_deref())
                .bind(serde_json::Value::Object(u.metadata.clone()).to_string())
                .bind(password_hash)
                .bind(to_millis(u.created_at))
                .bind(to_millis(u.updated_at))
                .bind(stage_at(u.expires_at, u.created_at))
                .bind(u.auth_method.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, Conflict::UsernameTaken))?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_api_user(&self, org_id: Uuid, id: Uuid) -> StoreResult<ApiUser> {
                let r = sqlx::query(sql(format!(
                    "SELECT {API_USER_COLS} FROM api_users WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL"
                )))
                .bind(id.to_string())
                .bind(org_id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(api_user_from(&r)?)
            }

            async fn find_api_user(&self, org_id: Uuid, username: &str) -> StoreResult<ApiUser> {
                let r = sqlx::query(sql(format!(
                    "SELECT {API_USER_COLS} FROM api_users WHERE username = $1 AND org_id = $2 AND deleted_at IS NULL"
                )))
                .bind(username)
                .bind(org_id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(api_user_from(&r)?)
            }

            async fn list_api_users(&self, org_id: Uuid, f: &ApiUserFilter, page: Page) -> StoreResult<Vec<ApiUser>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {API_USER_COLS} FROM api_users WHERE org_id = $1 AND deleted_at IS NULL AND id > $2 \
                     AND ($3 = '' OR lower(username) LIKE $3 ESCAPE '\\' OR lower(name) LIKE $3 ESCAPE '\\' \
                          OR lower(COALESCE(external_id, '')) LIKE $3 ESCAPE '\\') \
                     AND ($4 = '' OR status = $4) AND ($5 = '' OR environment = $5) \
                     ORDER BY id LIMIT $6"
                )))
                .bind(org_id.to_string())
                .bind(after(&page))
                .bind(
                    f.search
                        .as_deref()
                        .filter(|s| !s.is_empty())
                        .map(like_pattern)
                        .unwrap_or_default(),
                )
                .bind(f.status.map(|s| s.as_str()).unwrap_or(""))
                .bind(f.environment.map(|e| e.as_str()).unwrap_or(""))
                .bind(page.limit as i64)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(api_user_from).collect::<anyhow::Result<_>>()?)
            }

            async fn token_counts(&self, org_id: Uuid, api_user_ids: &[Uuid]) -> StoreResult<Vec<(Uuid, i64)>> {
                let mut out = Vec::with_capacity(api_user_ids.len());
                for id in api_user_ids {
                    let n: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM tokens WHERE api_user_id = $1 AND org_id = $2 AND status <> 'revoked'",
                    )
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .fetch_one(&self.read)
                    .await?;
                    out.push((*id, n));
                }
                Ok(out)
            }

            async fn update_api_user(&self, u: &ApiUser, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                check_refs(
                    &mut tx,
                    u.org_id,
                    u.permission_group_id,
                    u.linked_member_id,
                    &u.integration_ids,
                )
                .await?;
                let done = sqlx::query(
                    "UPDATE api_users SET username = $1, name = $2, description = $3, status = $4, environment = $5, \
                     permission_group_id = $6, linked_member_id = $7, integration_ids = $8, allowed_ips = $9, expires_at = $10, \
                     contact_email = $11, external_id = $12, metadata = $13, updated_at = $14, \
                     reminder_stage = CASE WHEN COALESCE(expires_at, -1) = COALESCE($10, -1) THEN reminder_stage ELSE $17 END, \
                     auth_method = $18 \
                     WHERE id = $15 AND org_id = $16 AND deleted_at IS NULL",
                )
                .bind(&u.username)
                .bind(&u.name)
                .bind(&u.description)
                .bind(u.status.as_str())
                .bind(u.environment.as_str())
                .bind(u.permission_group_id.map(|x| x.to_string()))
                .bind(u.linked_member_id.map(|x| x.to_string()))
                .bind(uuids_json(&u.integration_ids))
                .bind(ips_json(&u.allowed_ips))
                .bind(u.expires_at.map(to_millis))
                .bind(u.contact_email.as_deref())
                .bind(u.external_id.as_deref())
                .bind(serde_json::Value::Object(u.metadata.clone()).to_string())
                .bind(to_millis(u.updated_at))
                .bind(u.id.to_string())
                .bind(u.org_id.to_string())
                .bind(stage_at(u.expires_at, u.updated_at))
                .bind(u.auth_method.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|e| unique_or(e, Conflict::UsernameTaken))?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_api_user_password(
                &self,
                org_id: Uuid,
                id: Uuid,
                password_hash: Option<&str>,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE api_users SET password_hash = $1, updated_at = $2 WHERE id = $3 AND org_id = $4 AND deleted_at IS NULL",
                )
                .bind(password_hash)
                .bind(to_millis(now))
                .bind(id.to_string())
                .bind(org_id.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_api_user(
                &self,
                org_id: Uuid,
                id: Uuid,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<Vec<TokenHash>> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE api_users SET deleted_at = $1, updated_at = $1, password_hash = NULL \
                     WHERE id = $2 AND org_id = $3 AND deleted_at IS NULL",
                )
                .bind(to_millis(now))
                .bind(id.to_string())
                .bind(org_id.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                let hashes = revoke_where(&mut tx, org_id, Some(id), now).await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(hashes)
            }

            async fn create_token(&self, nt: &NewToken, audit: &AuditRecord) -> StoreResult<()> {
                let t = &nt.token;
                let mut tx = self.begin_write().await?;
                let owner =
                    sqlx::query("SELECT 1 FROM api_users WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL")
                        .bind(t.api_user_id.to_string())
                        .bind(t.org_id.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                if owner.is_none() {
                    return Err(StoreError::NotFound);
                }
                if let Some(i) = t.integration_id {
                    check_refs(&mut tx, t.org_id, None, None, &[i])
                        .await
                        .map_err(|e| match e {
                            StoreError::Invalid { message, .. } => StoreError::Invalid {
                                field: "integration_id",
                                message,
                            },
                            e => e,
                        })?;
                }
                insert_token(&mut tx, nt).await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_token(&self, org_id: Uuid, id: Uuid) -> StoreResult<Token> {
                let r = sqlx::query(sql(format!(
                    "SELECT {TOKEN_COLS} FROM tokens WHERE id = $1 AND org_id = $2"
                )))
                .bind(id.to_string())
                .bind(org_id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(token_from(&r)?)
            }

            async fn list_tokens(&self, org_id: Uuid, f: &TokenFilter, page: Page) -> StoreResult<Vec<Token>> {
                let (exp_from, exp_to) = f
                    .expiring
                    .map(|(a, b)| (to_millis(a), to_millis(b)))
                    .unwrap_or((-1, -1));
                let rows = sqlx::query(sql(format!(
                    "SELECT {TOKEN_COLS} FROM tokens WHERE org_id = $1 AND id > $2 \
                     AND ($3 = '' OR api_user_id = $3) AND ($4 = '' OR status = $4) \
                     AND ($5 < 0 OR (expires_at IS NOT NULL AND expires_at > $5 AND expires_at <= $6)) \
                     AND ($7 < 0 OR COALESCE(last_used_at, created_at) < $7) \
                     ORDER BY id LIMIT $8"
                )))
                .bind(org_id.to_string())
                .bind(after(&page))
                .bind(f.api_user_id.map(|u| u.to_string()).unwrap_or_default())
                .bind(f.status.map(|s| s.as_str()).unwrap_or(""))
                .bind(exp_from)
                .bind(exp_to)
                .bind(f.unused_since.map(to_millis).unwrap_or(-1))
                .bind(page.limit as i64)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(token_from).collect::<anyhow::Result<_>>()?)
            }

            async fn update_token(&self, t: &Token, audit: &AuditRecord) -> StoreResult<TokenHash> {
                let mut tx = self.begin_write().await?;
                let r = sqlx::query(
                    "UPDATE tokens SET name = $1, permissions = $2, allowed_ips = $3, expires_at = $4, status = $5, \
                     reminder_stage = CASE WHEN COALESCE(expires_at, -1) = COALESCE($4, -1) THEN reminder_stage \
                                      WHEN replaced_by IS NOT NULL THEN 4 ELSE $8 END \
                     WHERE id = $6 AND org_id = $7 AND status <> 'revoked' RETURNING hash",
                )
                .bind(&t.name)
                .bind(t.permissions.as_ref().map(perms_json))
                .bind(ips_json(&t.allowed_ips))
                .bind(t.expires_at.map(to_millis))
                .bind(t.status.as_str())
                .bind(t.id.to_string())
                .bind(t.org_id.to_string())
                .bind(stage_at(t.expires_at, audit.at))
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| unique_or(e, Conflict::TokenNameTaken))?;
                let Some(r) = r else {
                    return Err(revoked_or_missing(&mut tx, t.org_id, t.id).await?);
                };
                let hash = hash_from(&r)?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(hash)
            }

            async fn revoke_token(
                &self,
                org_id: Uuid,
                id: Uuid,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<TokenHash> {
                let mut tx = self.begin_write().await?;
                let r = sqlx::query("SELECT hash, status FROM tokens WHERE id = $1 AND org_id = $2")
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                let hash = hash_from(&r)?;
                let status: String = r.try_get("status")?;
                if status != TokenStatus::Revoked.as_str() {
                    sqlx::query("UPDATE tokens SET status = 'revoked', revoked_at = $1 WHERE id = $2")
                        .bind(to_millis(now))
                        .bind(id.to_string())
                        .execute(&mut *tx)
                        .await?;
                    append_audit(&mut tx, audit).await?;
                }
                tx.commit().await?;
                Ok(hash)
            }

            async fn revoke_all_tokens(
                &self,
                org_id: Uuid,
                api_user_id: Option<Uuid>,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<Vec<TokenHash>> {
                let mut tx = self.begin_write().await?;
                if let Some(u) = api_user_id {
                    let owner =
                        sqlx::query("SELECT 1 FROM api_users WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL")
                            .bind(u.to_string())
                            .bind(org_id.to_string())
                            .fetch_optional(&mut *tx)
                            .await?;
                    if owner.is_none() {
                        return Err(StoreError::NotFound);
                    }
                }
                let hashes = revoke_where(&mut tx, org_id, api_user_id, now).await?;
                let mut audit = audit.clone();
                if let serde_json::Value::Object(m) = &mut audit.details {
                    m.insert("revoked".into(), hashes.len().into());
                }
                append_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(hashes)
            }

            async fn token_hash_prefixes(&self) -> StoreResult<Vec<u64>> {
                use futures_util::TryStreamExt;
                let mut out = Vec::new();
                let mut rows = sqlx::query("SELECT hash FROM tokens").fetch(&self.read);
                while let Some(r) = rows.try_next().await? {
                    out.push(hash_from(&r)?.short());
                }
                Ok(out)
            }

            async fn seed_tokens(&self, tokens: &[NewToken], audit: &AuditRecord) -> StoreResult<()> {
                const COLS: usize = 12;
                // Rows per statement, measured with `keyward dev seed`: on SQLite (anonymous
                // placeholders, see `placeholders`) 300 k tokens took 14.4 s in statements of 32
                // rows, 13.1 s of 128, 11.1 s of 512; on PostgreSQL 200 k took 10.8–12.0 s in
                // statements of 32 rows and 15.1 s of 512.
                let rows = match $engine {
                    Engine::Sqlite => 512,
                    Engine::Postgres => 32,
                };
                let mut tx = self.begin_write().await?;
                for chunk in tokens.chunks(rows) {
                    let sql = format!(
                        "INSERT INTO tokens (id, org_id, api_user_id, name, hint, hash, permissions, integration_id, \
                         allowed_ips, expires_at, status, created_at) VALUES {}",
                        crate::usage::placeholders($engine, chunk.len(), COLS)
                    );
                    // Only placeholders are generated; every value is bound.
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for nt in chunk {
                        let t = &nt.token;
                        q = q
                            .bind(t.id.to_string())
                            .bind(t.org_id.to_string())
                            .bind(t.api_user_id.to_string())
                            .bind(t.name.clone())
                            .bind(t.hint.clone())
                            .bind(nt.hash.as_bytes().to_vec())
                            .bind(t.permissions.as_ref().map(perms_json))
                            .bind(t.integration_id.map(|x| x.to_string()))
                            .bind(ips_json(&t.allowed_ips))
                            .bind(t.expires_at.map(to_millis))
                            .bind(t.status.as_str())
                            .bind(to_millis(t.created_at));
                    }
                    q.execute(&mut *tx).await.map_err(|e| unique_or(e, Conflict::TokenNameTaken))?;
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn verify_subject(&self, hash: TokenHash) -> StoreResult<Option<VerifySubject>> {
                // One read transaction: a consistent snapshot of the token's whole path.
                let mut tx = self.read.begin().await?;
                let Some(r) = sqlx::query(
                    "SELECT t.id AS token_id, t.org_id, t.status AS token_status, t.expires_at AS token_expires_at, \
                     t.permissions AS token_permissions, t.allowed_ips AS token_ips, t.integration_id, \
                     u.id AS api_user_id, u.username, u.environment, u.status AS user_status, u.deleted_at, \
                     u.expires_at AS user_expires_at, u.allowed_ips AS user_ips, u.integration_ids, u.external_id, \
                     u.metadata, u.permission_group_id, u.linked_member_id \
                     FROM tokens t JOIN api_users u ON u.id = t.api_user_id WHERE t.hash = $1",
                )
                .bind(&hash.as_bytes()[..])
                .fetch_optional(&mut *tx)
                .await?
                else {
                    return Ok(None);
                };
                let mut acting_member = None;
                let mut group_id = opt_uuid(&r, "permission_group_id")?;
                if let Some(mid) = opt_uuid(&r, "linked_member_id")? {
                    if let Some(m) =
                        sqlx::query("SELECT id, email, name, permission_group_id FROM members WHERE id = $1")
                            .bind(mid.to_string())
                            .fetch_optional(&mut *tx)
                            .await?
                    {
                        group_id = opt_uuid(&m, "permission_group_id")?;
                        acting_member = Some(ActingMember {
                            id: uuid(&m, "id")?,
                            email: m.try_get("email")?,
                            name: m.try_get("name")?,
                        });
                    } else {
                        group_id = None;
                    }
                }
                let group_permissions = match group_id {
                    Some(g) => match sqlx::query("SELECT permissions FROM permission_groups WHERE id = $1")
                        .bind(g.to_string())
                        .fetch_optional(&mut *tx)
                        .await?
                    {
                        Some(gr) => perms(&gr, "permissions")?,
                        None => PermissionSet::default(),
                    },
                    None => PermissionSet::default(),
                };
                async fn integration_ref(c: &mut $Conn, id: Uuid) -> StoreResult<Option<IntegrationRef>> {
                    let r = sqlx::query("SELECT id, name, status, allowed_ips FROM integrations WHERE id = $1")
                        .bind(id.to_string())
                        .fetch_optional(&mut *c)
                        .await?;
                    Ok(match r {
                        Some(r) => Some(IntegrationRef {
                            id: uuid(&r, "id")?,
                            name: r.try_get("name")?,
                            active: enum_col(&r, "status", IntegrationStatus::parse)? == IntegrationStatus::Active,
                            allowed_ips: ips(&r, "allowed_ips")?,
                        }),
                        None => None,
                    })
                }
                let token_integration = match opt_uuid(&r, "integration_id")? {
                    Some(i) => integration_ref(&mut tx, i).await?,
                    None => None,
                };
                let ids: Vec<String> = json(&r, "integration_ids")?;
                let mut api_user_integrations = Vec::with_capacity(ids.len());
                for id in ids {
                    let id = Uuid::parse_str(&id).map_err(anyhow::Error::from)?;
                    if let Some(i) = integration_ref(&mut tx, id).await? {
                        api_user_integrations.push(i);
                    }
                }
                let token_permissions: Option<String> = r.try_get("token_permissions")?;
                let token_permissions = match token_permissions {
                    Some(s) => {
                        let list: Vec<String> = serde_json::from_str(&s).map_err(anyhow::Error::from)?;
                        Some(PermissionSet::parse(&list).map_err(anyhow::Error::msg)?)
                    }
                    None => None,
                };
                let deleted: Option<i64> = r.try_get("deleted_at")?;
                let mut token_status = enum_col(&r, "token_status", TokenStatus::parse)?;
                if deleted.is_some() {
                    token_status = TokenStatus::Revoked;
                }
                tx.commit().await?;
                Ok(Some(VerifySubject {
                    token_id: uuid(&r, "token_id")?,
                    org_id: uuid(&r, "org_id")?,
                    token_status,
                    token_expires_at: opt_ts(&r, "token_expires_at")?,
                    token_permissions,
                    token_ips: ips(&r, "token_ips")?,
                    token_integration,
                    api_user_id: uuid(&r, "api_user_id")?,
                    username: r.try_get("username")?,
                    environment: enum_col(&r, "environment", Environment::parse)?,
                    api_user_active: enum_col(&r, "user_status", ApiUserStatus::parse)? == ApiUserStatus::Active,
                    api_user_expires_at: opt_ts(&r, "user_expires_at")?,
                    api_user_ips: ips(&r, "user_ips")?,
                    api_user_integrations,
                    external_id: r.try_get("external_id")?,
                    metadata: json(&r, "metadata")?,
                    acting_member,
                    group_permissions,
                }))
            }

            async fn record_usage(&self, updates: &[UsageUpdate]) -> StoreResult<Vec<NewNetwork>> {
                if updates.is_empty() {
                    return Ok(Vec::new());
                }
                // A flush covers every token used in the last second, which under load is
                // thousands: a statement per row would cost a round trip each, so rows go in
                // multi-row statements of `USAGE_ROWS_PER_STATEMENT`. The batch is folded first
                // so that no statement names a key twice.
                let batch = crate::usage::FoldedUsage::fold(updates);
                let mut tx = self.begin_write().await?;
                for chunk in batch.tokens.chunks(crate::usage::USAGE_ROWS_PER_STATEMENT) {
                    // Every expression sees the row as it was before the update: latest time wins.
                    let sql = format!(
                        "UPDATE tokens SET \
                         last_used_ip = CASE WHEN COALESCE(tokens.last_used_at, 0) <= u.column2 THEN u.column3 ELSE tokens.last_used_ip END, \
                         last_used_at = CASE WHEN COALESCE(tokens.last_used_at, 0) < u.column2 THEN u.column2 ELSE tokens.last_used_at END, \
                         use_count = tokens.use_count + u.column4 \
                         FROM (VALUES {}) AS u WHERE tokens.id = u.column1",
                        crate::usage::placeholders($engine, chunk.len(), 4)
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for t in chunk {
                        q = q.bind(t.token_id.to_string()).bind(t.last_used_at).bind(t.last_used_ip.clone()).bind(t.total);
                    }
                    q.execute(&mut *tx).await?;
                }
                for chunk in batch.counts.chunks(crate::usage::USAGE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO token_usage (token_id, hour, code, count) VALUES {} \
                         ON CONFLICT (token_id, hour, code) DO UPDATE SET count = token_usage.count + excluded.count",
                        crate::usage::placeholders($engine, chunk.len(), 4)
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for c in chunk {
                        q = q.bind(c.token_id.to_string()).bind(c.hour).bind(c.code.as_str()).bind(c.count);
                    }
                    q.execute(&mut *tx).await?;
                }
                for chunk in batch.ips.chunks(crate::usage::USAGE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO token_usage_ips (token_id, hour, ip) VALUES {} \
                         ON CONFLICT (token_id, hour, ip) DO NOTHING",
                        crate::usage::placeholders($engine, chunk.len(), 3)
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for i in chunk {
                        q = q.bind(i.token_id.to_string()).bind(i.hour).bind(i.ip.as_str());
                    }
                    q.execute(&mut *tx).await?;
                }
                // Networks: only those inserted now are new, and those are rare.
                let mut new_networks = Vec::new();
                for chunk in batch.networks.chunks(crate::usage::USAGE_ROWS_PER_STATEMENT) {
                    let sql = format!(
                        "INSERT INTO token_networks (token_id, network, first_seen) VALUES {} \
                         ON CONFLICT (token_id, network) DO NOTHING RETURNING token_id, network",
                        crate::usage::placeholders($engine, chunk.len(), 3)
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for n in chunk {
                        q = q.bind(n.token_id.to_string()).bind(n.network.as_str()).bind(n.first_seen);
                    }
                    let inserted = q.fetch_all(&mut *tx).await?;
                    for row in inserted {
                        let token_id = uuid(&row, "token_id")?;
                        let network: String = row.try_get("network")?;
                        let r = sqlx::query(
                            "SELECT t.org_id, (SELECT COUNT(*) FROM token_networks n WHERE n.token_id = t.id AND n.network <> $2) AS others \
                             FROM tokens t WHERE t.id = $1",
                        )
                        .bind(token_id.to_string())
                        .bind(&network)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if let Some(r) = r {
                            let others: i64 = r.try_get("others")?;
                            let first_seen = chunk
                                .iter()
                                .find(|n| n.token_id == token_id && n.network == network)
                                .map_or(OffsetDateTime::UNIX_EPOCH, |n| from_millis(n.first_seen));
                            new_networks.push(NewNetwork {
                                token_id,
                                org_id: uuid(&r, "org_id")?,
                                network,
                                first_seen,
                                had_others: others > 0,
                            });
                        }
                    }
                }
                tx.commit().await?;
                Ok(new_networks)
            }

            async fn token_usage(
                &self,
                org_id: Uuid,
                token_id: Uuid,
                since: OffsetDateTime,
            ) -> StoreResult<Vec<UsagePoint>> {
                // Scope by organization through the token.
                self.get_token(org_id, token_id).await?;
                let rows = sqlx::query("SELECT hour, code, count FROM token_usage WHERE token_id = $1 AND hour >= $2 ORDER BY hour, code")
                    .bind(token_id.to_string())
                    .bind(to_millis(since))
                    .fetch_all(&self.read)
                    .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    out.push(UsagePoint {
                        hour: ts(&r, "hour")?,
                        code: enum_col(&r, "code", VerifyCode::parse)?,
                        count: r.try_get("count")?,
                    });
                }
                Ok(out)
            }

            async fn append_audit(&self, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_audit(&self, org_id: Uuid, f: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEvent>> {
                let rows = sqlx::query(
                    "SELECT * FROM audit_events WHERE org_id = $1 \
                     AND ($2 = '' OR actor_id = $2) AND ($3 = '' OR action = $3 OR action LIKE $3 || '.%') \
                     AND ($4 = '' OR target_id = $4) AND ($5 < 0 OR at >= $5) AND ($6 < 0 OR at < $6) \
                     AND ($7 < 0 OR seq < $7) ORDER BY seq DESC LIMIT $8",
                )
                .bind(org_id.to_string())
                .bind(f.actor_id.map(|u| u.to_string()).unwrap_or_default())
                .bind(f.action.clone().unwrap_or_default())
                .bind(f.target_id.map(|u| u.to_string()).unwrap_or_default())
                .bind(f.since.map(to_millis).unwrap_or(-1))
                .bind(f.until.map(to_millis).unwrap_or(-1))
                .bind(f.before_seq.unwrap_or(-1))
                .bind(limit as i64)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(audit_from).collect::<anyhow::Result<_>>()?)
            }

            async fn verify_audit_chain(&self) -> StoreResult<Result<u64, ChainBreak>> {
                let mut prev = audit::GENESIS.to_vec();
                let mut prev_seq = 0i64;
                loop {
                    let rows = sqlx::query("SELECT * FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT 1000")
                        .bind(prev_seq)
                        .fetch_all(&self.read)
                        .await?;
                    if rows.is_empty() {
                        break;
                    }
                    let events = rows.iter().map(audit_from).collect::<anyhow::Result<Vec<_>>>()?;
                    if let Err(b) = audit::check_run(&events, &mut prev, &mut prev_seq) {
                        return Ok(Err(b));
                    }
                }
                let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_optional(&self.read)
                    .await?;
                let (head_seq, head_hash): (i64, Vec<u8>) = match head {
                    Some(r) => (r.try_get("seq")?, r.try_get("hash")?),
                    None => (0, audit::GENESIS.to_vec()),
                };
                if head_seq != prev_seq || head_hash != prev {
                    return Ok(Err(ChainBreak {
                        seq: prev_seq + 1,
                        reason: format!(
                            "the chain ends at #{prev_seq} but its head records #{head_seq}: events were removed"
                        ),
                    }));
                }
                Ok(Ok(prev_seq as u64))
            }

            async fn get_settings(&self, org_id: Uuid) -> StoreResult<OrgSettings> {
                let raw: String = sqlx::query_scalar("SELECT settings FROM organizations WHERE id = $1")
                    .bind(org_id.to_string())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(serde_json::from_str(&raw).context("bad JSON in organizations.settings")?)
            }

            async fn update_settings(&self, org_id: Uuid, settings: &OrgSettings, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE organizations SET settings = $1 WHERE id = $2")
                    .bind(serde_json::to_string(settings).context("cannot encode settings")?)
                    .bind(org_id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn rotate_token(
                &self,
                new: &NewToken,
                old_expires_at: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<TokenHash> {
                let t = &new.token;
                let old_id = t.rotated_from.context("a rotated token names the token it replaces")?;
                let mut tx = self.begin_write().await?;
                // The old token steps aside first, so the new one can take its name; a token that
                // was revoked or already rotated cannot be rotated (again).
                let r = sqlx::query(
                    "UPDATE tokens SET replaced_by = $1, reminder_stage = 4, \
                     expires_at = CASE WHEN expires_at IS NULL OR expires_at > $2 THEN $2 ELSE expires_at END \
                     WHERE id = $3 AND org_id = $4 AND status <> 'revoked' AND replaced_by IS NULL RETURNING hash",
                )
                .bind(t.id.to_string())
                .bind(to_millis(old_expires_at))
                .bind(old_id.to_string())
                .bind(t.org_id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(r) = r else {
                    return Err(revoked_or_missing(&mut tx, t.org_id, old_id).await?);
                };
                let old_hash = hash_from(&r)?;
                insert_token(&mut tx, new).await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(old_hash)
            }

            async fn due_reminders(&self, now: OffsetDateTime, limit: u32) -> StoreResult<Vec<DueReminder>> {
                let now_ms = to_millis(now);
                const DAY: i64 = 86_400_000;
                // The latest stage due (see ReminderStage::due), in SQL, so only credentials that
                // need a message are read.
                let due = format!(
                    "CAST(CASE WHEN expires_at <= {now_ms} THEN 4 WHEN expires_at - {DAY} <= {now_ms} THEN 3 \
                     WHEN expires_at - {w} <= {now_ms} THEN 2 WHEN expires_at - {m} <= {now_ms} THEN 1 ELSE 0 END AS BIGINT)",
                    w = 7 * DAY,
                    m = 30 * DAY
                );
                let horizon = now_ms + 30 * DAY;
                let tokens = sqlx::query(sql(format!(
                    "SELECT id, org_id, name, hint, expires_at, api_user_id, stage, username, user_name, contact_email FROM \
                     (SELECT t.id, t.org_id, t.name, t.hint, t.expires_at, t.api_user_id, t.reminder_stage, \
                      {stage} AS stage, u.username, u.name AS user_name, u.contact_email \
                      FROM tokens t JOIN api_users u ON u.id = t.api_user_id \
                      WHERE t.expires_at IS NOT NULL AND t.expires_at <= {horizon} AND t.status <> 'revoked' \
                      AND t.replaced_by IS NULL AND u.deleted_at IS NULL) d \
                     WHERE reminder_stage < stage ORDER BY expires_at LIMIT {limit}",
                    stage = due.replace("expires_at", "t.expires_at"),
                )))
                .fetch_all(&self.read)
                .await?;
                let users = sqlx::query(sql(format!(
                    "SELECT id, org_id, expires_at, stage, username, name, contact_email FROM \
                     (SELECT id, org_id, expires_at, reminder_stage, {due} AS stage, username, name, contact_email \
                      FROM api_users WHERE expires_at IS NOT NULL AND expires_at <= {horizon} AND deleted_at IS NULL) d \
                     WHERE reminder_stage < stage ORDER BY expires_at LIMIT {limit}"
                )))
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(tokens.len() + users.len());
                for r in &tokens {
                    out.push(DueReminder {
                        subject: ReminderSubject::Token,
                        id: uuid(r, "id")?,
                        org_id: uuid(r, "org_id")?,
                        stage: ReminderStage::from_i64(r.try_get("stage")?),
                        expires_at: ts(r, "expires_at")?,
                        api_user_id: uuid(r, "api_user_id")?,
                        api_user_name: r.try_get("user_name")?,
                        username: r.try_get("username")?,
                        contact_email: r.try_get("contact_email")?,
                        token: Some((r.try_get("name")?, r.try_get("hint")?)),
                    });
                }
                for r in &users {
                    let id = uuid(r, "id")?;
                    out.push(DueReminder {
                        subject: ReminderSubject::ApiUser,
                        id,
                        org_id: uuid(r, "org_id")?,
                        stage: ReminderStage::from_i64(r.try_get("stage")?),
                        expires_at: ts(r, "expires_at")?,
                        api_user_id: id,
                        api_user_name: r.try_get("name")?,
                        username: r.try_get("username")?,
                        contact_email: r.try_get("contact_email")?,
                        token: None,
                    });
                }
                out.sort_by_key(|d| d.expires_at);
                out.truncate(limit as usize);
                Ok(out)
            }

            async fn advance_reminder(&self, due: &DueReminder, audit: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                // The compare-and-set that makes each stage go out once, whatever the number of nodes.
                let q = match due.subject {
                    ReminderSubject::Token => {
                        "UPDATE tokens SET reminder_stage = $1 WHERE id = $2 AND reminder_stage < $1 AND expires_at = $3 \
                         AND status <> 'revoked' AND replaced_by IS NULL"
                    }
                    ReminderSubject::ApiUser => {
                        "UPDATE api_users SET reminder_stage = $1 WHERE id = $2 AND reminder_stage < $1 AND expires_at = $3 \
                         AND deleted_at IS NULL"
                    }
                };
                let done = sqlx::query(q)
                    .bind(due.stage.as_i64())
                    .bind(due.id.to_string())
                    .bind(to_millis(due.expires_at))
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn claim_outbox(
                &self,
                now: OffsetDateTime,
                lease_until: OffsetDateTime,
                limit: u32,
                include_email: bool,
            ) -> StoreResult<Vec<OutboxItem>> {
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(sql(format!(
                    "UPDATE outbox SET locked_until = $1, attempts = attempts + 1 WHERE id IN \
                     (SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= $2 \
                      AND COALESCE(locked_until, 0) <= $2 AND ($4 OR channel <> 'email') \
                      ORDER BY next_attempt_at LIMIT $3{skip}) \
                     RETURNING {OUTBOX_COLS}",
                    skip = $skip_locked
                )))
                .bind(to_millis(lease_until))
                .bind(to_millis(now))
                .bind(limit as i64)
                .bind(include_email)
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let mut items = rows.iter().map(outbox_from).collect::<anyhow::Result<Vec<_>>>()?;
                items.sort_by_key(|i| i.next_attempt_at);
                Ok(items)
            }

            async fn outbox_delivered(&self, id: Uuid, now: OffsetDateTime) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE outbox SET status = 'delivered', delivered_at = $1, locked_until = NULL, last_error = NULL \
                     WHERE id = $2",
                )
                .bind(to_millis(now))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn outbox_failed(&self, id: Uuid, error: &str, retry_at: Option<OffsetDateTime>) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let retry = retry_at.map(to_millis).unwrap_or(-1);
                sqlx::query(
                    "UPDATE outbox SET status = CASE WHEN $1 < 0 THEN 'dead' ELSE 'pending' END, \
                     next_attempt_at = CASE WHEN $1 < 0 THEN next_attempt_at ELSE $1 END, \
                     locked_until = NULL, last_error = $2 WHERE id = $3 AND status = 'pending'",
                )
                .bind(retry)
                .bind(error)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_outbox(
                &self,
                org_id: Uuid,
                status: Option<OutboxStatus>,
                page: Page,
            ) -> StoreResult<Vec<OutboxItem>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {OUTBOX_COLS} FROM outbox WHERE org_id = $1 AND id > $2 AND ($3 = '' OR status = $3) \
                     ORDER BY id LIMIT $4"
                )))
                .bind(org_id.to_string())
                .bind(after(&page))
                .bind(status.map(|s| s.as_str()).unwrap_or(""))
                .bind(page.limit as i64)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(outbox_from).collect::<anyhow::Result<_>>()?)
            }

            async fn get_outbox(&self, org_id: Uuid, id: Uuid) -> StoreResult<OutboxItem> {
                let r = sqlx::query(sql(format!("SELECT {OUTBOX_COLS} FROM outbox WHERE id = $1 AND org_id = $2")))
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .fetch_optional(&self.read)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                Ok(outbox_from(&r)?)
            }

            async fn resend_outbox(&self, org_id: Uuid, id: Uuid, now: OffsetDateTime, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, locked_until = NULL \
                     WHERE id = $2 AND org_id = $3",
                )
                .bind(to_millis(now))
                .bind(id.to_string())
                .bind(org_id.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_webhook(&self, w: &WebhookEndpoint, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO webhook_endpoints (id, org_id, url, description, events, secret, enabled, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
                )
                .bind(w.id.to_string())
                .bind(w.org_id.to_string())
                .bind(&w.url)
                .bind(&w.description)
                .bind(serde_json::Value::from(w.events.clone()).to_string())
                .bind(&w.secret)
                .bind(w.enabled)
                .bind(to_millis(w.created_at))
                .execute(&mut *tx)
                .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_webhook(&self, org_id: Uuid, id: Uuid) -> StoreResult<WebhookEndpoint> {
                let r = sqlx::query(sql(format!(
                    "SELECT {WEBHOOK_COLS} FROM webhook_endpoints WHERE id = $1 AND org_id = $2"
                )))
                .bind(id.to_string())
                .bind(org_id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(webhook_from(&r)?)
            }

            async fn list_webhooks(&self, org_id: Uuid) -> StoreResult<Vec<WebhookEndpoint>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {WEBHOOK_COLS} FROM webhook_endpoints WHERE org_id = $1 ORDER BY id LIMIT 1000"
                )))
                .bind(org_id.to_string())
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(webhook_from).collect::<anyhow::Result<_>>()?)
            }

            async fn update_webhook(&self, w: &WebhookEndpoint, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "UPDATE webhook_endpoints SET url = $1, description = $2, events = $3, enabled = $4, updated_at = $5 \
                     WHERE id = $6 AND org_id = $7",
                )
                .bind(&w.url)
                .bind(&w.description)
                .bind(serde_json::Value::from(w.events.clone()).to_string())
                .bind(w.enabled)
                .bind(to_millis(audit.at))
                .bind(w.id.to_string())
                .bind(w.org_id.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn delete_webhook(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND org_id = $2")
                    .bind(id.to_string())
                    .bind(org_id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn usage_series(
                &self,
                org_id: Uuid,
                token_id: Option<Uuid>,
                api_user_id: Option<Uuid>,
                since: OffsetDateTime,
            ) -> StoreResult<Vec<UsageSeriesPoint>> {
                let scope = "SELECT id FROM tokens WHERE org_id = $1 AND ($2 = '' OR id = $2) AND ($3 = '' OR api_user_id = $3)";
                let counts = sqlx::query(sql(format!(
                    "SELECT hour, code, CAST(SUM(count) AS BIGINT) AS n FROM token_usage WHERE hour >= $4 AND token_id IN ({scope}) \
                     GROUP BY hour, code ORDER BY hour, code"
                )))
                .bind(org_id.to_string())
                .bind(token_id.map(|u| u.to_string()).unwrap_or_default())
                .bind(api_user_id.map(|u| u.to_string()).unwrap_or_default())
                .bind(to_millis(since))
                .fetch_all(&self.read)
                .await?;
                let ips = sqlx::query(sql(format!(
                    "SELECT hour, CAST(COUNT(DISTINCT ip) AS BIGINT) AS n FROM token_usage_ips WHERE hour >= $4 AND token_id IN ({scope}) \
                     GROUP BY hour ORDER BY hour"
                )))
                .bind(org_id.to_string())
                .bind(token_id.map(|u| u.to_string()).unwrap_or_default())
                .bind(api_user_id.map(|u| u.to_string()).unwrap_or_default())
                .bind(to_millis(since))
                .fetch_all(&self.read)
                .await?;
                let mut out: Vec<UsageSeriesPoint> = Vec::new();
                for r in &counts {
                    let hour = ts(r, "hour")?;
                    let code = enum_col(r, "code", VerifyCode::parse)?;
                    let n: i64 = r.try_get("n")?;
                    match out.last_mut() {
                        Some(p) if p.hour == hour => p.counts.push((code, n)),
                        _ => out.push(UsageSeriesPoint { hour, counts: vec![(code, n)], distinct_ips: 0 }),
                    }
                }
                for r in &ips {
                    let hour = ts(r, "hour")?;
                    let n: i64 = r.try_get("n")?;
                    match out.binary_search_by_key(&hour, |p| p.hour) {
                        Ok(i) => out[i].distinct_ips = n,
                        Err(i) => out.insert(i, UsageSeriesPoint { hour, counts: Vec::new(), distinct_ips: n }),
                    }
                }
                Ok(out)
            }

            async fn raise_alert(&self, a: &InsightAlert, audit: &AuditRecord) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "INSERT INTO insight_alerts (org_id, kind, subject_id, window_key, created_at, details) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, kind, subject_id, window_key) DO NOTHING",
                )
                .bind(a.org_id.to_string())
                .bind(&a.kind)
                .bind(a.subject_id.to_string())
                .bind(&a.window_key)
                .bind(to_millis(a.created_at))
                .bind(a.details.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn usage_totals(
                &self,
                from: OffsetDateTime,
                to: OffsetDateTime,
            ) -> StoreResult<Vec<(Uuid, Uuid, VerifyCode, i64)>> {
                let rows = sqlx::query(
                    "SELECT u.token_id, t.org_id, u.code, CAST(SUM(u.count) AS BIGINT) AS n FROM token_usage u \
                     JOIN tokens t ON t.id = u.token_id WHERE u.hour >= $1 AND u.hour < $2 \
                     GROUP BY u.token_id, t.org_id, u.code",
                )
                .bind(to_millis(from))
                .bind(to_millis(to))
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push((
                        uuid(r, "token_id")?,
                        uuid(r, "org_id")?,
                        enum_col(r, "code", VerifyCode::parse)?,
                        r.try_get("n")?,
                    ));
                }
                Ok(out)
            }

            async fn list_alerts(&self, org_id: Uuid, since: OffsetDateTime, limit: u32) -> StoreResult<Vec<InsightAlert>> {
                let rows = sqlx::query(
                    "SELECT org_id, kind, subject_id, window_key, created_at, details FROM insight_alerts \
                     WHERE org_id = $1 AND created_at >= $2 ORDER BY created_at DESC LIMIT $3",
                )
                .bind(org_id.to_string())
                .bind(to_millis(since))
                .bind(limit as i64)
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(InsightAlert {
                        org_id: uuid(r, "org_id")?,
                        kind: r.try_get("kind")?,
                        subject_id: uuid(r, "subject_id")?,
                        window_key: r.try_get("window_key")?,
                        created_at: ts(r, "created_at")?,
                        details: json(r, "details")?,
                    });
                }
                Ok(out)
            }


            async fn find_api_users_by_username(&self, username: &str) -> StoreResult<Vec<ApiUser>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {API_USER_COLS} FROM api_users WHERE username = $1 AND deleted_at IS NULL LIMIT 10"
                )))
                .bind(username)
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(api_user_from).collect::<anyhow::Result<_>>()?)
            }

            async fn api_user_credentials(&self, id: Uuid) -> StoreResult<Option<(ApiUser, Option<String>)>> {
                let r = sqlx::query(sql(format!(
                    "SELECT {API_USER_COLS}, password_hash FROM api_users WHERE id = $1 AND deleted_at IS NULL"
                )))
                .bind(id.to_string())
                .fetch_optional(&self.read)
                .await?;
                match r {
                    Some(r) => Ok(Some((api_user_from(&r)?, r.try_get("password_hash")?))),
                    None => Ok(None),
                }
            }

            async fn signing_keys(&self, now: OffsetDateTime) -> StoreResult<Vec<SigningKeyRecord>> {
                let rows = sqlx::query(
                    "SELECT kid, algorithm, public_key, private_key, created_at, retired_at, publish_until FROM signing_keys \
                     WHERE publish_until IS NULL OR publish_until > $1 ORDER BY created_at DESC",
                )
                .bind(to_millis(now))
                .fetch_all(&self.read)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(SigningKeyRecord {
                        kid: r.try_get("kid")?,
                        algorithm: r.try_get("algorithm")?,
                        public_key: r.try_get("public_key")?,
                        private_key_encrypted: r.try_get("private_key")?,
                        created_at: ts(r, "created_at")?,
                        retired_at: opt_ts(r, "retired_at")?,
                        publish_until: opt_ts(r, "publish_until")?,
                    });
                }
                Ok(out)
            }

            async fn add_signing_key(
                &self,
                k: &SigningKeyRecord,
                old_publish_until: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE signing_keys SET retired_at = $1, publish_until = $2 WHERE retired_at IS NULL")
                    .bind(to_millis(k.created_at))
                    .bind(to_millis(old_publish_until))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO signing_keys (kid, algorithm, public_key, private_key, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&k.kid)
                .bind(&k.algorithm)
                .bind(&k.public_key)
                .bind(&k.private_key_encrypted)
                .bind(to_millis(k.created_at))
                .execute(&mut *tx)
                .await?;
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn installation_secret(&self, name: &str, generated: &[u8], now: OffsetDateTime) -> StoreResult<Vec<u8>> {
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "INSERT INTO installation_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                )
                .bind(name)
                .bind(generated)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                let v: Vec<u8> = sqlx::query_scalar("SELECT value FROM installation_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(v)
            }

            async fn revoke_access_token(
                &self,
                jti: &str,
                org_id: Uuid,
                expires_at: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "INSERT INTO revoked_access_tokens (jti, org_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING",
                )
                .bind(jti)
                .bind(org_id.to_string())
                .bind(to_millis(expires_at))
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 1 {
                    append_audit(&mut tx, audit).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn access_token_revoked(&self, jti: &str) -> StoreResult<bool> {
                Ok(sqlx::query("SELECT 1 FROM revoked_access_tokens WHERE jti = $1")
                    .bind(jti)
                    .fetch_optional(&self.read)
                    .await?
                    .is_some())
            }


            async fn totp(&self, owner: TotpOwner, id: Uuid) -> StoreResult<TotpRecord> {
                let r = sqlx::query(sql(format!(
                    "SELECT totp_state, totp_secret, totp_last_step, recovery_codes FROM {} WHERE id = $1 AND {}",
                    owner.table(),
                    owner.live()
                )))
                .bind(id.to_string())
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
                Ok(TotpRecord {
                    state: r.try_get("totp_state")?,
                    secret_encrypted: r.try_get("totp_secret")?,
                    last_step: r.try_get("totp_last_step")?,
                    recovery_hashes: json(&r, "recovery_codes")?,
                })
            }

            async fn set_totp(
                &self,
                owner: TotpOwner,
                org_id: Uuid,
                id: Uuid,
                t: &TotpRecord,
                audit: &AuditRecord,
            ) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                let fallback = match owner {
                    TotpOwner::ApiUser => {
                        ", auth_method = CASE WHEN $1 <> 'active' AND auth_method = 'password_totp' THEN 'password' ELSE auth_method END"
                    }
                    TotpOwner::Member => "",
                };
                let done = sqlx::query(sql(format!(
                    "UPDATE {} SET totp_state = $1, totp_secret = $2, totp_last_step = $3, recovery_codes = $4{fallback} \
                     WHERE id = $5 AND org_id = $6 AND {}",
                    owner.table(),
                    owner.live()
                )))
                .bind(&t.state)
                .bind(t.secret_encrypted.as_deref())
                .bind(t.last_step)
                .bind(serde_json::Value::from(t.recovery_hashes.clone()).to_string())
                .bind(id.to_string())
                .bind(org_id.to_string())
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                append_audit(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn use_totp_step(&self, owner: TotpOwner, id: Uuid, step: i64) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(sql(format!(
                    "UPDATE {} SET totp_last_step = $1 WHERE id = $2 AND COALESCE(totp_last_step, -1) < $1",
                    owner.table()
                )))
                .bind(step)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn use_recovery_code(&self, owner: TotpOwner, id: Uuid, hash: &str) -> StoreResult<bool> {
                let mut tx = self.begin_write().await?;
                let current: Option<String> = sqlx::query_scalar(sql(format!(
                    "SELECT recovery_codes FROM {} WHERE id = $1",
                    owner.table()
                )))
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(current) = current else {
                    return Ok(false);
                };
                let mut codes: Vec<String> = serde_json::from_str(&current).unwrap_or_default();
                let before = codes.len();
                codes.retain(|c| c != hash);
                if codes.len() == before {
                    return Ok(false);
                }
                // Compare-and-set: a concurrent use of the same code loses.
                let done = sqlx::query(sql(format!(
                    "UPDATE {} SET recovery_codes = $1 WHERE id = $2 AND recovery_codes = $3",
                    owner.table()
                )))
                .bind(serde_json::Value::from(codes).to_string())
                .bind(id.to_string())
                .bind(&current)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected() == 1)
            }

            async fn list_organization_ids(&self) -> StoreResult<Vec<Uuid>> {
                let rows = sqlx::query("SELECT id FROM organizations ORDER BY id")
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows.iter().map(|r| uuid(r, "id")).collect::<anyhow::Result<_>>()?)
            }

            async fn throttle_states(&self, keys: &[&str]) -> StoreResult<Vec<(String, ThrottleState)>> {
                let mut out = Vec::with_capacity(keys.len());
                for key in keys {
                    let row = sqlx::query(
                        "SELECT failures, window_start, lockouts, locked_until FROM login_throttle WHERE key = $1",
                    )
                    .bind(*key)
                    .fetch_optional(&self.read)
                    .await?;
                    if let Some(r) = row {
                        out.push(((*key).to_owned(), throttle_state(&r)?));
                    }
                }
                Ok(out)
            }

            async fn throttle_fail(
                &self,
                key: &str,
                policy: &ThrottlePolicy,
                now: OffsetDateTime,
            ) -> StoreResult<ThrottleState> {
                let mut tx = self.begin_write().await?;
                // Create the row first so that the locking read below always finds one: two
                // nodes counting the same key then take turns instead of both inserting.
                sqlx::query(
                    "INSERT INTO login_throttle (key, failures, window_start, lockouts, locked_until, forget_after) \
                     VALUES ($1, 0, $2, 0, NULL, $2) ON CONFLICT (key) DO NOTHING",
                )
                .bind(key)
                .bind(to_millis(now))
                .execute(&mut *tx)
                .await?;
                let r = sqlx::query(concat!(
                    "SELECT failures, window_start, lockouts, locked_until FROM login_throttle WHERE key = $1",
                    $lock_head
                ))
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
                let before = throttle_state(&r)?;
                let after = policy.record_failure(Some(before), now);
                sqlx::query(
                    "UPDATE login_throttle SET failures = $2, window_start = $3, lockouts = $4, \
                     locked_until = $5, forget_after = $6 WHERE key = $1",
                )
                .bind(key)
                .bind(i64::from(after.failures))
                .bind(to_millis(after.window_start))
                .bind(i64::from(after.lockouts))
                .bind(after.locked_until.map(to_millis))
                .bind(to_millis(policy.forget_after(&after)))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn throttle_clear(&self, key: &str) -> StoreResult<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM login_throttle WHERE key = $1")
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn throttle_prune(&self, now: OffsetDateTime) -> StoreResult<u64> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("DELETE FROM login_throttle WHERE forget_after < $1")
                    .bind(to_millis(now))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }

            $($extra)*
        }
    };
}
