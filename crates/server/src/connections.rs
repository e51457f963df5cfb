//! Open connections and their header deadlines. A client must send a request's headers within
//! `header_timeout` of connecting or of its previous answer; one that trickles them, or holds an
//! idle connection open, is cut off.
//!
//! hyper can enforce this itself, but it arms a runtime timer for every request and disarms it
//! when the headers are in (an allocation, two locked timer-wheel operations and several clock
//! reads per request, which `perf` showed on the verify path). Here a request only stores a
//! number in its own connection's deadline, and one task sweeps every connection a few times
//! a second, aborting those whose deadline has passed.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use http_body::{Body, Frame, SizeHint};
use tokio::task::AbortHandle;

/// No deadline: a request is being answered.
const DISARMED: u64 = u64::MAX;

/// Every open connection.
pub struct Connections {
    clock: Arc<CoarseClock>,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Tracked>>,
}

/// Milliseconds since start, advanced by each sweep: reading it costs a load, not a clock
/// read, and a deadline need not be finer than the sweep that enforces it.
struct CoarseClock {
    started: Instant,
    now_ms: AtomicU64,
    header_timeout_ms: u64,
}

struct Tracked {
    deadline: Arc<Deadline>,
    abort: Option<AbortHandle>,
}

/// When a connection must have sent its next request's headers, in the coarse clock's
/// milliseconds, or [`DISARMED`].
pub struct Deadline {
    at: AtomicU64,
    clock: Arc<CoarseClock>,
}

impl Connections {
    pub fn new(header_timeout: Duration) -> Arc<Self> {
        Arc::new(Self {
            clock: Arc::new(CoarseClock {
                started: Instant::now(),
                now_ms: AtomicU64::new(0),
                header_timeout_ms: u64::try_from(header_timeout.as_millis()).unwrap_or(u64::MAX / 2),
            }),
            next_id: AtomicU64::new(0),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// How often the sweep runs: a tenth of the header timeout, between 10 and 250 ms.
    pub fn sweep_interval(&self) -> Duration {
        Duration::from_millis((self.clock.header_timeout_ms / 10).clamp(10, 250))
    }

    /// Registers a new connection, its header deadline armed. Hand the task's abort handle to
    /// [`Self::started`] once it is spawned, and call [`Self::closed`] when it ends.
    pub fn open(&self) -> (u64, Arc<Deadline>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let deadline = Arc::new(Deadline {
            at: AtomicU64::new(DISARMED),
            clock: self.clock.clone(),
        });
        deadline.arm();
        self.lock().insert(
            id,
            Tracked {
                deadline: deadline.clone(),
                abort: None,
            },
        );
        (id, deadline)
    }

    /// The connection's task, so that a sweep can end it. A task that already ended is gone
    /// from the map and stays gone.
    pub fn started(&self, id: u64, abort: AbortHandle) {
        if let Some(t) = self.lock().get_mut(&id) {
            t.abort = Some(abort);
        }
    }

    pub fn closed(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Advances the clock and ends every connection whose deadline has passed; answers how
    /// many it ended.
    pub fn sweep(&self) -> usize {
        let now = u64::try_from(self.clock.started.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        self.clock.now_ms.store(now, Ordering::Relaxed);
        let mut open = self.lock();
        let mut ended = 0;
        open.retain(|_, t| {
            let due = t.deadline.at.load(Ordering::Relaxed) <= now;
            match (&t.abort, due) {
                (Some(abort), true) => {
                    abort.abort();
                    ended += 1;
                    false
                }
                _ => true,
            }
        });
        ended
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Tracked>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Deadline {
    /// Starts the wait for the next request's headers.
    pub fn arm(&self) {
        let c = &self.clock;
        let at = c
            .now_ms
            .load(Ordering::Relaxed)
            .saturating_add(c.header_timeout_ms);
        self.at.store(at, Ordering::Relaxed);
    }

    /// A request's headers are in: no deadline until its answer is done.
    pub fn disarm(&self) {
        self.at.store(DISARMED, Ordering::Relaxed);
    }
}

/// An answer's body that, once sent (or dropped), starts the connection's wait for the next
/// request's headers.
pub struct ArmWhenDone<B> {
    inner: B,
    deadline: Arc<Deadline>,
}

impl<B> ArmWhenDone<B> {
    pub fn new(inner: B, deadline: Arc<Deadline>) -> Self {
        Self { inner, deadline }
    }
}

impl<B> Drop for ArmWhenDone<B> {
    fn drop(&mut self) {
        self.deadline.arm();
    }
}

impl<B: Body + Unpin> Body for ArmWhenDone<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_connection_past_its_deadline_is_ended_and_a_busy_one_is_not() {
        let c = Connections::new(Duration::from_millis(30));
        let (idle_id, _) = c.open();
        let idle = tokio::spawn(std::future::pending::<()>());
        c.started(idle_id, idle.abort_handle());
        let (busy_id, busy_deadline) = c.open();
        let busy = tokio::spawn(std::future::pending::<()>());
        c.started(busy_id, busy.abort_handle());
        busy_deadline.disarm();

        assert_eq!(c.sweep(), 0, "nobody is late yet");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(c.sweep(), 1);
        assert!(idle.await.unwrap_err().is_cancelled());
        assert_eq!(c.len(), 1, "the busy connection stays");

        // Its answer done, the busy connection waits for its next request, then is ended too.
        busy_deadline.arm();
        assert_eq!(c.sweep(), 0);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(c.sweep(), 1);
        assert!(busy.await.unwrap_err().is_cancelled());
        assert!(c.is_empty());
    }

    #[test]
    fn a_connection_that_ended_before_its_task_was_handed_over_is_not_kept() {
        let c = Connections::new(Duration::from_secs(1));
        let (id, _) = c.open();
        c.closed(id);
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let task = rt.spawn(async {});
        c.started(id, task.abort_handle());
        assert!(c.is_empty());
    }
}
