//! The SQL of the audit trail: appending, reading, and walking the chain.

macro_rules! sql_audit {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        #[async_trait]
        impl crate::AuditStore for $Store {
            async fn append_audit(&self, audit: &AuditRecord) -> StoreResult<()> {
                self.audited(audit, async |_| Ok(())).await
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
        }
    };
}
