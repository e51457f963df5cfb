//! Copying SQLite's write-ahead log back into the database file on a connection of its own.
//!
//! By default the connection that commits past 1 000 log pages copies them itself, inside the
//! commit: the single writer then spends part of every large write (an import batch, a busy
//! second's usage) reading the log and writing the file instead of taking the next
//! transaction. A task here checkpoints after writes, on its own connection and so on its own
//! thread; the writer's own checkpoint stays as a backstop for a log the task falls behind on.
//! With 16 KiB pages, this took an import of a million hashes from 27 720 to 37 323 tokens/s
//! (docs/PERFORMANCE.md, 2026-12-06).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::SqlitePool;
use tokio::task::JoinHandle;

/// How often the task looks for new writes to checkpoint.
const EVERY: Duration = Duration::from_millis(100);

/// Rounds (two seconds) a long log must stay the same length before it is emptied.
const QUIET_ROUNDS: u32 = 20;

/// Log pages past which the file is emptied once it stops growing: 64 MiB of 16 KiB pages.
const LONG_LOG_PAGES: i64 = 4096;

/// Log pages past which the writer checkpoints in its commit anyway: 256 MiB of 16 KiB pages.
pub(crate) const WRITER_BACKSTOP_PAGES: u32 = 16_384;

/// Counts write transactions so the task only checkpoints after some; stops the task when
/// dropped with the store.
pub(crate) struct Checkpointer {
    writes: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl Checkpointer {
    /// Starts checkpointing through `pool` (one read-write connection, not the writer's).
    pub(crate) fn start(pool: SqlitePool) -> Self {
        let writes = Arc::new(AtomicU64::new(0));
        let seen = writes.clone();
        let task = tokio::spawn(async move {
            let (mut done, mut last_log, mut quiet, mut long_log) = (0, 0, 0, false);
            let mut tick = tokio::time::interval(EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let now = seen.load(Ordering::Relaxed);
                if now == done && !long_log {
                    continue;
                }
                // PASSIVE never blocks the writer or a reader; what a reader still needs is
                // copied on a later round. A failure (disk full, say) leaves the log to the
                // writer's backstop, which reports its own errors.
                // Tried again after the next write, not every round: a lasting failure is
                // reported once per write, not ten times a second.
                done = now;
                let log = match sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
                    .fetch_one(&pool)
                    .await
                {
                    Ok((_, log, _)) => log,
                    Err(e) => {
                        tracing::warn!(error = %e, "background WAL checkpoint failed");
                        continue;
                    }
                };
                long_log |= log > LONG_LOG_PAGES;
                if log == last_log {
                    quiet += 1;
                } else {
                    (last_log, quiet) = (log, 0);
                }
                if long_log && quiet >= QUIET_ROUNDS {
                    // A long log (an import's, with readers keeping it from restarting) that
                    // has stopped growing: empty the file, so it does not keep its size on
                    // disk. Cutting it between an import's batches cost a tenth of its speed.
                    let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                        .execute(&pool)
                        .await;
                    (long_log, quiet) = (false, 0);
                }
            }
        });
        Self { writes, task }
    }

    /// Notes a write transaction begun; its pages are checkpointed on the next round. One that
    /// commits after a round has begun waits in the log for the next write's round: harmless,
    /// the log is as durable as the file.
    pub(crate) fn wrote(&self) {
        self.writes.fetch_add(1, Ordering::Relaxed);
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
