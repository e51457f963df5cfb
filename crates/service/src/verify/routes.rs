//! The compiled route tables of organizations that gateways ask about, kept like cached tokens:
//! read without a lock or a reference count bumped, dropped by their organization's
//! invalidations (any route change announces one, on this node and every other), and after the
//! cache's TTL at the latest.

use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;

use super::gateway::OrgRoutes;

#[derive(Clone)]
struct Entry {
    routes: Arc<OrgRoutes>,
    /// Unix nanoseconds.
    inserted: i64,
    expires: i64,
}

pub(super) struct RouteCache {
    map: scc::HashIndex<Uuid, Entry>,
    ttl: i64,
}

impl RouteCache {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            map: scc::HashIndex::default(),
            ttl: i64::try_from(ttl.as_nanos()).unwrap_or(i64::MAX),
        }
    }

    /// Reads an organization's table where it lies, if fresh at `now`.
    pub(super) fn with<R>(&self, org: &Uuid, now: i64, read: impl FnOnce(&OrgRoutes) -> R) -> Option<R> {
        self.map
            .peek_with(org, |_, e| {
                (e.inserted <= now && now < e.expires).then(|| read(&e.routes))
            })
            .flatten()
    }

    pub(super) fn get(&self, org: &Uuid, now: i64) -> Option<Arc<OrgRoutes>> {
        self.map
            .peek_with(org, |_, e| {
                (e.inserted <= now && now < e.expires).then(|| e.routes.clone())
            })
            .flatten()
    }

    pub(super) fn insert(&self, org: Uuid, routes: Arc<OrgRoutes>, now: i64) {
        let entry = Entry {
            routes,
            inserted: now,
            expires: now.saturating_add(self.ttl),
        };
        match self.map.entry_sync(org) {
            scc::hash_index::Entry::Occupied(mut o) => o.update(entry),
            scc::hash_index::Entry::Vacant(v) => {
                v.insert_entry(entry);
            }
        }
    }

    pub(super) fn invalidate(&self, org: &Uuid) {
        self.map.remove_sync(org);
    }

    pub(super) fn invalidate_all(&self) {
        self.map.clear_sync();
    }
}
