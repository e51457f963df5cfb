//! The SQL of balances of credits. Leases and reports are single-row updates under the row's
//! lock (SQLite's one writer, PostgreSQL's `FOR UPDATE`), so nodes never hand out the same
//! credit twice.

macro_rules! sql_credits {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        const CREDIT_COLS: &str = "id, org_id, remaining, leased, refill_interval, refill_day, refill_amount, \
             refill_start, last_refill, period, alert_base, alert_stage";

        fn limits_json(l: &[keyward_core::limits::RateLimit]) -> String {
            serde_json::to_string(l).unwrap_or_else(|_| "[]".into())
        }

        fn credit_from(r: &$Row) -> anyhow::Result<keyward_core::quota::CreditBalance> {
            let interval: Option<String> = r.try_get("refill_interval")?;
            let refill = match interval {
                Some(interval) => {
                    let day: Option<i64> = r.try_get("refill_day")?;
                    let amount: Option<i64> = r.try_get("refill_amount")?;
                    let spec = keyward_core::quota::RefillSpec {
                        interval,
                        amount: u64::try_from(amount.unwrap_or(0))?,
                        day: day.map(u8::try_from).transpose()?,
                    };
                    Some(spec.parse().map_err(|(f, m)| anyhow::anyhow!("stored refill {f}: {m}"))?)
                }
                None => None,
            };
            let count = |c: &str| -> anyhow::Result<u64> { Ok(u64::try_from(r.try_get::<i64, _>(c)?)?) };
            Ok(keyward_core::quota::CreditBalance {
                id: uuid(r, "id")?,
                org_id: uuid(r, "org_id")?,
                remaining: count("remaining")?,
                leased: count("leased")?,
                refill,
                refill_start: ts(r, "refill_start")?,
                last_refill: ts(r, "last_refill")?,
                period: r.try_get("period")?,
                alert_base: count("alert_base")?,
                alert_stage: u8::try_from(r.try_get::<i64, _>("alert_stage")?)?,
            })
        }

        fn refill_parts(b: &keyward_core::quota::CreditBalance) -> (Option<String>, Option<i64>, Option<i64>, Option<i64>) {
            match &b.refill {
                Some(r) => {
                    let spec = keyward_core::quota::RefillSpec::of(r);
                    (
                        Some(spec.interval),
                        spec.day.map(i64::from),
                        Some(r.amount as i64),
                        b.next_refill().map(to_millis),
                    )
                }
                None => (None, None, None, None),
            }
        }

        /// Runs an owner's INSERT (an API user or a token) with its limits and its balance's id
        /// as the last two columns, then the balance itself.
        async fn insert_owner<'q>(
            c: &mut $Conn,
            insert: Query<'q>,
            ratelimits: &[keyward_core::limits::RateLimit],
            credits: Option<&keyward_core::quota::CreditBalance>,
            taken: Conflict,
        ) -> StoreResult<()> {
            insert
                .bind(limits_json(ratelimits))
                .bind(credits.map(|b| b.id.to_string()))
                .execute(&mut *c)
                .await
                .map_err(|e| unique_or(e, taken))?;
            if let Some(b) = credits {
                insert_credits(c, b).await?;
            }
            Ok(())
        }

        /// Inserts a new balance; one that exists already (a rotated token's) is left alone.
        async fn insert_credits(c: &mut $Conn, b: &keyward_core::quota::CreditBalance) -> StoreResult<()> {
            let (interval, day, amount, next) = refill_parts(b);
            sqlx::query(
                "INSERT INTO credits (id, org_id, remaining, leased, refill_interval, refill_day, refill_amount, \
                 refill_start, last_refill, next_refill, period, alert_base, alert_stage) \
                 VALUES ($1, $2, $3, 0, $4, $5, $6, $7, $8, $9, $10, $11, 0) ON CONFLICT (id) DO NOTHING",
            )
            .bind(b.id.to_string())
            .bind(b.org_id.to_string())
            .bind(b.remaining as i64)
            .bind(interval)
            .bind(day)
            .bind(amount)
            .bind(to_millis(b.refill_start))
            .bind(to_millis(b.last_refill))
            .bind(next)
            .bind(b.period)
            .bind(b.alert_base as i64)
            .execute(&mut *c)
            .await?;
            Ok(())
        }

        async fn credits_by_id<'c, E>(c: E, id: Uuid, lock: bool) -> StoreResult<Option<keyward_core::quota::CreditBalance>>
        where
            E: sqlx::Executor<'c, Database = <$Row as sqlx::Row>::Database>,
        {
            let q = if lock {
                concat!("SELECT id, org_id, remaining, leased, refill_interval, refill_day, refill_amount, \
                         refill_start, last_refill, period, alert_base, alert_stage FROM credits WHERE id = $1", $lock_head)
            } else {
                "SELECT id, org_id, remaining, leased, refill_interval, refill_day, refill_amount, \
                 refill_start, last_refill, period, alert_base, alert_stage FROM credits WHERE id = $1"
            };
            let r = sqlx::query(q).bind(id.to_string()).fetch_optional(c).await?;
            Ok(r.as_ref().map(credit_from).transpose()?)
        }

        /// Records with the balances they name (read apart: a join would make every column of
        /// the token and API-user queries ambiguous). `from` reads a record; `put` gives it its
        /// balance.
        async fn with_credits<'c, E, T>(
            c: E,
            rows: &[$Row],
            from: fn(&$Row) -> anyhow::Result<T>,
            put: fn(&mut T, Option<keyward_core::quota::CreditBalance>),
        ) -> StoreResult<Vec<T>>
        where
            E: sqlx::Executor<'c, Database = <$Row as sqlx::Row>::Database> + Copy,
        {
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let mut t = from(r)?;
                if let Some(id) = opt_uuid(r, "credits_id")? {
                    put(&mut t, credits_by_id(c, id, false).await?);
                }
                out.push(t);
            }
            Ok(out)
        }

        async fn tokens_with_credits<'c, E>(c: E, rows: &[$Row]) -> StoreResult<Vec<Token>>
        where
            E: sqlx::Executor<'c, Database = <$Row as sqlx::Row>::Database> + Copy,
        {
            with_credits(c, rows, token_from, |t, b| t.credits = b).await
        }

        async fn api_users_with_credits<'c, E>(c: E, rows: &[$Row]) -> StoreResult<Vec<ApiUser>>
        where
            E: sqlx::Executor<'c, Database = <$Row as sqlx::Row>::Database> + Copy,
        {
            with_credits(c, rows, api_user_from, |u, b| u.credits = b).await
        }

        /// The balance an owner names, if the owner exists in the organization.
        async fn owner_credits_id(c: &mut $Conn, org_id: Uuid, owner: crate::CreditOwner) -> StoreResult<Option<Uuid>> {
            let (q, id) = match owner {
                crate::CreditOwner::Token(id) => (
                    "SELECT credits_id FROM tokens WHERE id = $1 AND org_id = $2",
                    id,
                ),
                crate::CreditOwner::ApiUser(id) => (
                    "SELECT credits_id FROM api_users WHERE id = $1 AND org_id = $2 AND deleted_at IS NULL",
                    id,
                ),
            };
            let r = row_in_org(&mut *c, q, org_id, id).await?;
            Ok(opt_uuid(&r, "credits_id")?)
        }

        #[async_trait]
        impl crate::CreditStore for $Store {
            async fn set_credits(
                &self,
                org_id: Uuid,
                owner: crate::CreditOwner,
                config: Option<keyward_core::quota::CreditsConfig>,
                now: OffsetDateTime,
                audit: &AuditRecord,
            ) -> StoreResult<Option<keyward_core::quota::CreditBalance>> {
                self.audited(audit, async |c| {
                    let existing = owner_credits_id(&mut *c, org_id, owner).await?;
                    Ok(match (config, existing) {
                        (Some(config), Some(id)) => {
                            let old = credits_by_id(&mut *c, id, true).await?;
                            let mut b = keyward_core::quota::CreditBalance::new(id, org_id, &config, now);
                            b.period = old.map_or(0, |o| o.period + 1);
                            let (interval, day, amount, next) = refill_parts(&b);
                            sqlx::query(
                                "UPDATE credits SET remaining = $2, leased = 0, refill_interval = $3, refill_day = $4, \
                                 refill_amount = $5, refill_start = $6, last_refill = $6, next_refill = $7, period = $8, \
                                 alert_base = $9, alert_stage = 0 WHERE id = $1",
                            )
                            .bind(id.to_string())
                            .bind(b.remaining as i64)
                            .bind(interval)
                            .bind(day)
                            .bind(amount)
                            .bind(to_millis(now))
                            .bind(next)
                            .bind(b.period)
                            .bind(b.alert_base as i64)
                            .execute(&mut *c)
                            .await?;
                            Some(b)
                        }
                        (Some(config), None) => {
                            let b = keyward_core::quota::CreditBalance::new(Uuid::now_v7(), org_id, &config, now);
                            insert_credits(&mut *c, &b).await?;
                            let q = match owner {
                                crate::CreditOwner::Token(_) => "UPDATE tokens SET credits_id = $1 WHERE id = $2",
                                crate::CreditOwner::ApiUser(_) => "UPDATE api_users SET credits_id = $1 WHERE id = $2",
                            };
                            let (crate::CreditOwner::Token(oid) | crate::CreditOwner::ApiUser(oid)) = owner;
                            sqlx::query(q).bind(b.id.to_string()).bind(oid.to_string()).execute(&mut *c).await?;
                            Some(b)
                        }
                        (None, Some(id)) => {
                            for q in [
                                "UPDATE tokens SET credits_id = NULL WHERE credits_id = $1",
                                "UPDATE api_users SET credits_id = NULL WHERE credits_id = $1",
                                "DELETE FROM credits WHERE id = $1",
                            ] {
                                sqlx::query(q).bind(id.to_string()).execute(&mut *c).await?;
                            }
                            None
                        }
                        (None, None) => None,
                    })
                })
                .await
            }

            async fn adjust_credits(
                &self,
                org_id: Uuid,
                owner: crate::CreditOwner,
                adjustment: keyward_core::quota::CreditAdjustment,
                audit: &AuditRecord,
            ) -> StoreResult<keyward_core::quota::CreditBalance> {
                use keyward_core::quota::{CreditAdjustment, MAX_CREDITS};
                self.audited(audit, async |c| {
                    let id = owner_credits_id(&mut *c, org_id, owner).await?.ok_or(StoreError::NotFound)?;
                    let mut b = credits_by_id(&mut *c, id, true).await?.ok_or(StoreError::NotFound)?;
                    match adjustment {
                        CreditAdjustment::Add(n) => {
                            b.remaining = b.remaining.saturating_add(n).min(MAX_CREDITS);
                        }
                        CreditAdjustment::Set(n) => {
                            b.remaining = n;
                            b.leased = 0;
                            b.period += 1;
                        }
                    }
                    b.alert_base = b.available().max(b.refill.map_or(0, |r| r.amount));
                    b.alert_stage = 0;
                    sqlx::query(
                        "UPDATE credits SET remaining = $2, leased = $3, period = $4, alert_base = $5, alert_stage = 0 WHERE id = $1",
                    )
                    .bind(id.to_string())
                    .bind(b.remaining as i64)
                    .bind(b.leased as i64)
                    .bind(b.period)
                    .bind(b.alert_base as i64)
                    .execute(&mut *c)
                    .await?;
                    Ok(b)
                })
                .await
            }

            async fn credit_balance(&self, id: Uuid) -> StoreResult<Option<keyward_core::quota::CreditBalance>> {
                credits_by_id(&self.read, id, false).await
            }

            async fn lease_credits(&self, id: Uuid, min: u64, want: u64, now: OffsetDateTime) -> StoreResult<crate::Lease> {
                let mut tx = self.begin_write().await?;
                let Some(b) = credits_by_id(&mut *tx, id, true).await? else {
                    return Ok(crate::Lease::Missing);
                };
                let next = b.next_refill();
                if next.is_some_and(|n| n <= now) {
                    return Ok(crate::Lease::RefillDue(b));
                }
                let granted = keyward_core::quota::lease_size(b.remaining, min, want);
                if granted > 0 {
                    sqlx::query(
                        "UPDATE credits SET remaining = remaining - $2, leased = leased + $2, settled_at = $3 WHERE id = $1",
                    )
                    .bind(id.to_string())
                    .bind(granted as i64)
                    .bind(to_millis(now))
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(crate::Lease::Granted {
                    granted,
                    remaining: b.remaining - granted,
                    period: b.period,
                    valid_until: next,
                })
            }

            async fn settle_credits(
                &self,
                settlements: &[crate::Settlement],
                now: OffsetDateTime,
            ) -> StoreResult<Vec<keyward_core::quota::CreditBalance>> {
                let mut tx = self.begin_write().await?;
                let mut after = Vec::with_capacity(settlements.len());
                for s in settlements {
                    let gone = (s.spent + s.returned) as i64;
                    sqlx::query(
                        "UPDATE credits SET leased = CASE WHEN leased > $2 THEN leased - $2 ELSE 0 END, \
                         remaining = remaining + $3, settled_at = $5 WHERE id = $1 AND period = $4",
                    )
                    .bind(s.id.to_string())
                    .bind(gone)
                    .bind(s.returned as i64)
                    .bind(s.period)
                    .bind(to_millis(now))
                    .execute(&mut *tx)
                    .await?;
                    if let Some(b) = credits_by_id(&mut *tx, s.id, false).await? {
                        after.push(b);
                    }
                }
                tx.commit().await?;
                Ok(after)
            }

            async fn refill_credits(
                &self,
                id: Uuid,
                seen: OffsetDateTime,
                last_refill: OffsetDateTime,
                next_refill: Option<OffsetDateTime>,
                audit: &AuditRecord,
            ) -> StoreResult<Option<keyward_core::quota::CreditBalance>> {
                let refilled = self.audited_if(audit, async |c| {
                    let done = sqlx::query(
                        "UPDATE credits SET remaining = refill_amount, leased = 0, last_refill = $3, next_refill = $4, \
                         period = period + 1, alert_base = refill_amount, alert_stage = 0 \
                         WHERE id = $1 AND last_refill = $2 AND refill_amount IS NOT NULL",
                    )
                    .bind(id.to_string())
                    .bind(to_millis(seen))
                    .bind(to_millis(last_refill))
                    .bind(next_refill.map(to_millis))
                    .execute(&mut *c)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Ok(None);
                    }
                    Ok(Some(credits_by_id(&mut *c, id, false).await?))
                })
                .await?;
                Ok(refilled.flatten())
            }

            async fn due_credit_refills(
                &self,
                now: OffsetDateTime,
                limit: u32,
            ) -> StoreResult<Vec<keyward_core::quota::CreditBalance>> {
                let rows = sqlx::query(sql(format!(
                    "SELECT {CREDIT_COLS} FROM credits WHERE next_refill IS NOT NULL AND next_refill <= $1 \
                     ORDER BY next_refill LIMIT $2"
                )))
                .bind(to_millis(now))
                .bind(i64::from(limit))
                .fetch_all(&self.read)
                .await?;
                Ok(rows.iter().map(credit_from).collect::<anyhow::Result<_>>()?)
            }

            async fn raise_credit_alert(&self, id: Uuid, stage: u8, audit: &AuditRecord) -> StoreResult<bool> {
                let raise = sqlx::query("UPDATE credits SET alert_stage = $2 WHERE id = $1 AND alert_stage < $2")
                    .bind(id.to_string())
                    .bind(i64::from(stage));
                self.audited_if_one(audit, raise).await
            }

            async fn write_off_stale_leases(&self, before: OffsetDateTime) -> StoreResult<u64> {
                let write_off = sqlx::query("UPDATE credits SET leased = 0 WHERE leased > 0 AND settled_at < $1");
                self.write_alone(write_off.bind(to_millis(before))).await
            }

            async fn credit_owners(&self, id: Uuid) -> StoreResult<Option<(Uuid, Vec<Uuid>, Option<Uuid>)>> {
                let Some(b) = credits_by_id(&self.read, id, false).await? else {
                    return Ok(None);
                };
                let tokens = sqlx::query("SELECT id FROM tokens WHERE credits_id = $1")
                    .bind(id.to_string())
                    .fetch_all(&self.read)
                    .await?
                    .iter()
                    .map(|r| uuid(r, "id"))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                let user = sqlx::query("SELECT id FROM api_users WHERE credits_id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.read)
                    .await?
                    .map(|r| uuid(&r, "id"))
                    .transpose()?;
                Ok(Some((b.org_id, tokens, user)))
            }
        }
    };
}
