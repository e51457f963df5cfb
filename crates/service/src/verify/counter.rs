//! Counters that worker threads bump on every verification without sharing a cache line: each
//! thread adds to its own stripe, and a read sums the stripes. A single `AtomicU64` bumped by
//! both cores on every request bounces its line between them, which costs more than the rest
//! of a warm verify's bookkeeping.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Stripes per counter: more than the worker threads a small node runs, so that the workers
/// rarely share one.
pub const STRIPES: usize = 16;

#[repr(align(128))]
#[derive(Default)]
struct Padded(AtomicU64);

/// A monotonic counter, striped by thread.
#[derive(Default)]
pub struct Counter {
    stripes: [Padded; STRIPES],
}

impl Counter {
    pub fn add(&self, n: u64) {
        self.stripes[stripe()].0.fetch_add(n, Ordering::Relaxed);
    }

    pub fn incr(&self) {
        self.add(1);
    }

    pub fn get(&self) -> u64 {
        self.stripes
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

/// This thread's stripe, handed out round-robin as threads first ask, so that the first
/// `STRIPES` threads (the runtime's workers among them) each get their own.
pub fn stripe() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
    }
    STRIPE.with(|s| {
        let mut i = s.get();
        if i == usize::MAX {
            i = NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES;
            s.set(i);
        }
        i
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_from_every_thread_are_counted() {
        let c = std::sync::Arc::new(Counter::default());
        let threads: Vec<_> = (0..40)
            .map(|_| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        c.incr();
                    }
                    c.add(5);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(c.get(), 40 * 1005);
    }
}
