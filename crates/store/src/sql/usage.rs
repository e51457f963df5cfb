//! The SQL of usage batches from the verify path, usage series, and monitoring alerts.

macro_rules! sql_usage {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        /// Multi-row statements for `rows`, one per chunk of `USAGE_ROWS_PER_STATEMENT`:
        /// `statement`'s `{values}` becomes the chunk's placeholders (`width` a row), and `bind`
        /// binds one row.
        fn chunked<'r, T>(
            rows: &'r [T],
            width: usize,
            statement: &'static str,
            bind: impl Fn(Query<'r>, &'r T) -> Query<'r> + 'r,
        ) -> impl Iterator<Item = Query<'r>> + 'r {
            rows.chunks(crate::usage::USAGE_ROWS_PER_STATEMENT).map(move |chunk| {
                let values = crate::usage::placeholders($engine, chunk.len(), width);
                let statement = sqlx::AssertSqlSafe(statement.replace("{values}", &values));
                chunk.iter().fold(sqlx::query(statement), &bind)
            })
        }

        #[async_trait]
        impl crate::UsageStore for $Store {
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
                // Every expression sees the row as it was before the update: latest time wins; at
                // the same time, a known address beats none, as in the fold (two flushes of one
                // instant, the second from a verify without `ip`, used to erase it).
                let tokens = chunked(
                    &batch.tokens,
                    4,
                    "UPDATE tokens SET \
                     last_used_ip = CASE WHEN COALESCE(tokens.last_used_at, 0) < u.column2 THEN u.column3 \
                     WHEN tokens.last_used_at = u.column2 THEN COALESCE(u.column3, tokens.last_used_ip) \
                     ELSE tokens.last_used_ip END, \
                     last_used_at = CASE WHEN COALESCE(tokens.last_used_at, 0) < u.column2 THEN u.column2 ELSE tokens.last_used_at END, \
                     use_count = tokens.use_count + u.column4 \
                     FROM (VALUES {values}) AS u WHERE tokens.id = u.column1",
                    |q, t| q.bind(t.token_id.to_string()).bind(t.last_used_at).bind(t.last_used_ip.clone()).bind(t.total),
                );
                let counts = chunked(
                    &batch.counts,
                    4,
                    "INSERT INTO token_usage (token_id, hour, code, count) VALUES {values} \
                     ON CONFLICT (token_id, hour, code) DO UPDATE SET count = token_usage.count + excluded.count",
                    |q, c| q.bind(c.token_id.to_string()).bind(c.hour).bind(c.code.as_str()).bind(c.count),
                );
                let ips = chunked(
                    &batch.ips,
                    3,
                    "INSERT INTO token_usage_ips (token_id, hour, ip) VALUES {values} \
                     ON CONFLICT (token_id, hour, ip) DO NOTHING",
                    |q, i| q.bind(i.token_id.to_string()).bind(i.hour).bind(i.ip.as_str()),
                );
                for q in tokens.chain(counts).chain(ips) {
                    q.execute(&mut *tx).await?;
                }
                // Networks: only those inserted now are new, and those are rare.
                let mut new_networks = Vec::new();
                let networks = chunked(
                    &batch.networks,
                    3,
                    "INSERT INTO token_networks (token_id, network, first_seen) VALUES {values} \
                     ON CONFLICT (token_id, network) DO NOTHING RETURNING token_id, network",
                    |q, n| q.bind(n.token_id.to_string()).bind(n.network.as_str()).bind(n.first_seen),
                );
                for q in networks {
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
                            let first_seen = batch
                                .networks
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

            async fn usage_series(
                &self,
                org_id: Uuid,
                token_id: Option<Uuid>,
                api_user_id: Option<Uuid>,
                since: OffsetDateTime,
            ) -> StoreResult<Vec<UsageSeriesPoint>> {
                let scope = "SELECT id FROM tokens WHERE org_id = $1 AND ($2 = '' OR id = $2) AND ($3 = '' OR api_user_id = $3)";
                let scoped = |query: String| async move {
                    sqlx::query(sql(query))
                        .bind(org_id.to_string())
                        .bind(token_id.map(|u| u.to_string()).unwrap_or_default())
                        .bind(api_user_id.map(|u| u.to_string()).unwrap_or_default())
                        .bind(to_millis(since))
                        .fetch_all(&self.read)
                        .await
                };
                let counts = scoped(format!(
                    "SELECT hour, code, CAST(SUM(count) AS BIGINT) AS n FROM token_usage WHERE hour >= $4 AND token_id IN ({scope}) \
                     GROUP BY hour, code ORDER BY hour, code"
                ))
                .await?;
                let ips = scoped(format!(
                    "SELECT hour, CAST(COUNT(DISTINCT ip) AS BIGINT) AS n FROM token_usage_ips WHERE hour >= $4 AND token_id IN ({scope}) \
                     GROUP BY hour ORDER BY hour"
                ))
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
                let insert = sqlx::query(
                    "INSERT INTO insight_alerts (org_id, kind, subject_id, window_key, created_at, details) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, kind, subject_id, window_key) DO NOTHING",
                )
                .bind(a.org_id.to_string())
                .bind(&a.kind)
                .bind(a.subject_id.to_string())
                .bind(&a.window_key)
                .bind(to_millis(a.created_at))
                .bind(a.details.to_string());
                self.audited_if_one(audit, insert).await
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
        }
    };
}
