//! The organization's plain records — permission groups, integrations, routes and webhook
//! endpoints — share one life: read by id, created, changed and removed, each write audited in
//! its transaction and followed by dropping the cached answers it may change. That life is
//! written once here; each record says only how it is named, stored and cached.

use std::future::Future;
use std::pin::Pin;

use keyward_core::{Integration, PermissionGroup, Route, WebhookEndpoint};
use keyward_store::{AuditRecord, Store, StoreResult};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::context::{Manage, Read};
use crate::error::{ServiceResult, missing};

type Stored<'a, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'a>>;

/// Which cached answers a write drops.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Drops {
    Nothing,
    /// Every cached verify answer of the organization (the record is on verify's path).
    Answers,
    /// The organization's compiled route table.
    Routes,
}

/// How one kind of record is named, stored and cached.
pub trait Entry: Sized + Send + Sync {
    /// The audit trail's target type.
    const TARGET: &'static str;
    /// The audit actions of its creation, change and removal.
    const ACTIONS: [&'static str; 3];
    /// How a refusal names it.
    const NAME: &'static str;
    /// What a new record drops, and what a change or a removal drops.
    const DROPS: (Drops, Drops);

    fn id(&self) -> Uuid;
    fn org_id(&self) -> Uuid;
    fn touch(&mut self, now: OffsetDateTime);
    fn read<'a>(store: &'a dyn Store, org_id: Uuid, id: Uuid) -> Stored<'a, Self>;
    fn insert<'a>(store: &'a dyn Store, e: &'a Self, audit: &'a AuditRecord) -> Stored<'a, ()>;
    fn save<'a>(store: &'a dyn Store, e: &'a Self, audit: &'a AuditRecord) -> Stored<'a, ()>;
    fn remove<'a>(store: &'a dyn Store, org_id: Uuid, id: Uuid, audit: &'a AuditRecord) -> Stored<'a, ()>;
}

macro_rules! entries {
    ($($ty:ty: $target:literal, $name:literal, $drops:expr, [$read:ident, $insert:ident, $save:ident, $remove:ident], touch: $touch:expr;)*) => {$(
        impl Entry for $ty {
            const TARGET: &'static str = $target;
            const ACTIONS: [&'static str; 3] = [concat!($target, ".create"), concat!($target, ".update"), concat!($target, ".delete")];
            const NAME: &'static str = $name;
            const DROPS: (Drops, Drops) = $drops;

            fn id(&self) -> Uuid {
                self.id
            }
            fn org_id(&self) -> Uuid {
                self.org_id
            }
            fn touch(&mut self, now: OffsetDateTime) {
                let touch: fn(&mut Self, OffsetDateTime) = $touch;
                touch(self, now)
            }
            fn read<'a>(store: &'a dyn Store, org_id: Uuid, id: Uuid) -> Stored<'a, Self> {
                store.$read(org_id, id)
            }
            fn insert<'a>(store: &'a dyn Store, e: &'a Self, audit: &'a AuditRecord) -> Stored<'a, ()> {
                store.$insert(e, audit)
            }
            fn save<'a>(store: &'a dyn Store, e: &'a Self, audit: &'a AuditRecord) -> Stored<'a, ()> {
                store.$save(e, audit)
            }
            fn remove<'a>(store: &'a dyn Store, org_id: Uuid, id: Uuid, audit: &'a AuditRecord) -> Stored<'a, ()> {
                store.$remove(org_id, id, audit)
            }
        }
    )*};
}

entries! {
    PermissionGroup: "permission_group", "permission group", (Drops::Nothing, Drops::Answers),
        [get_group, create_group, update_group, delete_group], touch: |e, now| e.updated_at = now;
    Integration: "integration", "integration", (Drops::Nothing, Drops::Answers),
        [get_integration, create_integration, update_integration, delete_integration],
        touch: |e, now| e.updated_at = now;
    Route: "route", "route", (Drops::Routes, Drops::Routes),
        [get_route, create_route, update_route, delete_route], touch: |e, now| e.updated_at = now;
    WebhookEndpoint: "webhook", "webhook endpoint", (Drops::Nothing, Drops::Nothing),
        [get_webhook, create_webhook, update_webhook, delete_webhook], touch: |_, _| {};
}

/// One record of the caller's organization, such as `entries::get::<Route>(&read, id)`.
pub async fn get<E: Entry>(r: &Read<'_>, id: Uuid) -> ServiceResult<E> {
    let found = E::read(r.service().store.as_ref(), r.org_id(), id).await;
    found.map_err(missing(E::NAME))
}

/// Writes a new record with its audit event (`details`), then drops what it changes.
pub(crate) async fn create<E: Entry>(
    m: &Manage<'_>,
    now: OffsetDateTime,
    e: E,
    details: Value,
) -> ServiceResult<E> {
    let s = m.service();
    let audit = m.record(now, E::ACTIONS[0], E::TARGET, Some(e.id()), details);
    E::insert(s.store.as_ref(), &e, &audit).await?;
    dropped(s, E::DROPS.0, e.org_id()).await;
    Ok(e)
}

/// Writes a changed record (stamped `now`) with its audit event, then drops what it changes.
async fn update<E: Entry>(m: &Manage<'_>, now: OffsetDateTime, mut e: E, details: Value) -> ServiceResult<E> {
    let s = m.service();
    e.touch(now);
    let audit = m.record(now, E::ACTIONS[1], E::TARGET, Some(e.id()), details);
    E::save(s.store.as_ref(), &e, &audit)
        .await
        .map_err(missing(E::NAME))?;
    dropped(s, E::DROPS.1, e.org_id()).await;
    Ok(e)
}

/// Changes a record: `change` applies the request to a fresh read and answers the audit
/// event's details. When another write got in between the read and the write, it runs again on
/// a fresh read, so both changes land.
pub(crate) async fn change<E: Entry>(
    m: &Manage<'_>,
    id: Uuid,
    change: impl Fn(&mut E) -> ServiceResult<Value>,
) -> ServiceResult<E> {
    crate::patch::on_a_fresh_read(|| async {
        let mut e: E = get(&m.read(), id).await?;
        let details = change(&mut e)?;
        update(m, m.service().now(), e, details).await
    })
    .await
}

/// Removes a record, audited with `details`, then drops what it changes.
pub(crate) async fn delete<E: Entry>(m: &Manage<'_>, id: Uuid, details: Value) -> ServiceResult<()> {
    let s = m.service();
    let audit = m.record(s.now(), E::ACTIONS[2], E::TARGET, Some(id), details);
    E::remove(s.store.as_ref(), m.org_id(), id, &audit)
        .await
        .map_err(missing(E::NAME))?;
    dropped(s, E::DROPS.1, m.org_id()).await;
    Ok(())
}

async fn dropped(s: &Service, drops: Drops, org_id: Uuid) {
    match drops {
        Drops::Nothing => {}
        Drops::Answers => s.verifier.invalidate_org(org_id).await,
        Drops::Routes => s.verifier.invalidate_routes(org_id).await,
    }
}
