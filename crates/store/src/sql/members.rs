//! The SQL of members and their sessions.

macro_rules! sql_members {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::MemberStore for $Store {
            async fn create_member(&self, member: &MemberCredentials, audit: &AuditRecord) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    check_refs(
                        &mut *c,
                        member.member.org_id,
                        member.member.permission_group_id,
                        None,
                        &[],
                    )
                    .await?;
                    insert_member(&mut *c, member).await?;
                    Ok(())
                })
                .await
            }

            async fn member_credentials(&self, email: &str) -> StoreResult<Vec<MemberCredentials>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {MEMBER_COLS}, password_hash FROM members WHERE email = $1 ORDER BY org_id LIMIT 50"
                )))
                .bind(email)
                .fetch_all(&self.read)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(MemberCredentials {
                            member: member_from(r)?,
                            password_hash: r.try_get("password_hash")?,
                        })
                    })
                    .collect::<anyhow::Result<_>>()
                    .map_err(Into::into)
            }

            async fn get_member(&self, org_id: Uuid, id: Uuid) -> StoreResult<Member> {
                let r = self.one_in_org(sql(format!("SELECT {MEMBER_COLS} FROM members WHERE id = $1 AND org_id = $2")), org_id, id).await?;
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
                self.audited(audit, async |c| {
                    check_refs(&mut *c, member.org_id, member.permission_group_id, None, &[]).await?;
                    if member.role != Role::SuperAdmin
                        && super_admins_besides(&mut *c, member.org_id, member.id).await? == 0
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
                    .execute(&mut *c)
                    .await
                    .map_err(|e| unique_or(e, Conflict::EmailTaken))?;
                    touched(done.rows_affected())?;
                    if password_hash.is_some() {
                        sqlx::query("DELETE FROM sessions WHERE member_id = $1")
                            .bind(member.id.to_string())
                            .execute(&mut *c)
                            .await?;
                    }
                    Ok(())
                })
                .await
            }

            async fn delete_member(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                self.audited(audit, async |c| {
                    let exists = row_in_org(&mut *c, "SELECT role FROM members WHERE id = $1 AND org_id = $2", org_id, id).await?;
                    let role: String = exists.try_get("role")?;
                    if role == Role::SuperAdmin.as_str() && super_admins_besides(&mut *c, org_id, id).await? == 0 {
                        return Err(StoreError::Conflict(Conflict::LastSuperAdmin));
                    }
                    let linked =
                        sqlx::query("SELECT 1 FROM api_users WHERE linked_member_id = $1 AND deleted_at IS NULL LIMIT 1")
                            .bind(id.to_string())
                            .fetch_optional(&mut *c)
                            .await?;
                    if linked.is_some() {
                        return Err(StoreError::Conflict(Conflict::MemberInUse));
                    }
                    sqlx::query("UPDATE api_users SET linked_member_id = NULL WHERE linked_member_id = $1")
                        .bind(id.to_string())
                        .execute(&mut *c)
                        .await?;
                    sqlx::query("DELETE FROM members WHERE id = $1")
                        .bind(id.to_string())
                        .execute(&mut *c)
                        .await?;
                    Ok(())
                })
                .await
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

            async fn set_session_flash(&self, hash: TokenHash, flash: &str) -> StoreResult<()> {
                sqlx::query("UPDATE sessions SET flash = $1 WHERE hash = $2")
                    .bind(flash)
                    .bind(&hash.as_bytes()[..])
                    .execute(&self.write)
                    .await?;
                Ok(())
            }

            async fn take_session_flash(&self, hash: TokenHash) -> StoreResult<Option<String>> {
                let held: Option<Option<String>> =
                    sqlx::query_scalar("SELECT flash FROM sessions WHERE hash = $1")
                        .bind(&hash.as_bytes()[..])
                        .fetch_optional(&self.write)
                        .await?;
                let Some(flash) = held.flatten() else {
                    return Ok(None);
                };
                // Cleared only if still the value read: a concurrent reader that cleared it
                // first gets it, this one does not, so it is shown once.
                let cleared = sqlx::query("UPDATE sessions SET flash = NULL WHERE hash = $1 AND flash = $2")
                    .bind(&hash.as_bytes()[..])
                    .bind(&flash)
                    .execute(&self.write)
                    .await?
                    .rows_affected();
                Ok((cleared == 1).then_some(flash))
            }
        }
    };
}
