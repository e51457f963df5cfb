//! The SQL of failed-login throttling, shared by every node.

macro_rules! sql_throttle {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::ThrottleStore for $Store {
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
                let clear = sqlx::query("DELETE FROM login_throttle WHERE key = $1");
                self.write_alone(clear.bind(key)).await?;
                Ok(())
            }

            async fn throttle_prune(&self, now: OffsetDateTime) -> StoreResult<u64> {
                let prune = sqlx::query("DELETE FROM login_throttle WHERE forget_after < $1");
                self.write_alone(prune.bind(to_millis(now))).await
            }
        }
    };
}
