//! The SQL of shared rate-limit windows. A grant locks the limit's row (bucket -1), so two
//! nodes granting permits of one limit take turns and never both see the same room.

macro_rules! sql_ratelimits {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::RateLimitStore for $Store {
            async fn lease_permits(&self, r: &crate::PermitRequest) -> StoreResult<(u64, u64)> {
                let mut tx = self.begin_write().await?;
                // The upsert of the limit's row locks it until commit (PostgreSQL locks a row an
                // ON CONFLICT DO UPDATE touches; SQLite has one writer): grants take turns.
                sqlx::query(
                    "INSERT INTO ratelimit_counts (key, bucket, count, expires_at) VALUES ($1, -1, 0, $2) \
                     ON CONFLICT (key, bucket) DO UPDATE SET expires_at = excluded.expires_at",
                )
                .bind(&r.key)
                .bind(r.expires_at_ms)
                .execute(&mut *tx)
                .await?;
                let used: i64 = sqlx::query_scalar(
                    "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM ratelimit_counts \
                     WHERE key = $1 AND bucket >= $2",
                )
                .bind(&r.key)
                .bind(r.since.max(0))
                .fetch_one(&mut *tx)
                .await?;
                let left = r.limit.saturating_sub(u64::try_from(used).unwrap_or(0));
                let granted = keyward_core::quota::lease_size(left, 1, r.want);
                if granted > 0 {
                    sqlx::query(
                        "INSERT INTO ratelimit_counts (key, bucket, count, expires_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (key, bucket) DO UPDATE SET count = ratelimit_counts.count + excluded.count",
                    )
                    .bind(&r.key)
                    .bind(r.bucket)
                    .bind(granted as i64)
                    .bind(r.expires_at_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok((granted, left - granted))
            }

            async fn return_permits(&self, unused: &[(String, i64, u64)]) -> StoreResult<()> {
                if unused.is_empty() {
                    return Ok(());
                }
                let mut tx = self.begin_write().await?;
                for (key, bucket, n) in unused {
                    sqlx::query(
                        "UPDATE ratelimit_counts SET count = CASE WHEN count > $3 THEN count - $3 ELSE 0 END \
                         WHERE key = $1 AND bucket = $2",
                    )
                    .bind(key)
                    .bind(*bucket)
                    .bind(*n as i64)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn prune_permits(&self, now_ms: i64) -> StoreResult<u64> {
                let prune = sqlx::query("DELETE FROM ratelimit_counts WHERE expires_at < $1");
                self.write_alone(prune.bind(now_ms)).await
            }
        }
    };
}
