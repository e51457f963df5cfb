//! What a PATCH body means field by field: absent leaves a field as it is, `null` clears it, a
//! value sets it. Also the checks every operation shares on lists of permissions and addresses.

use keyward_core::{IpAllowList, PermissionSet};

use crate::error::{ServiceError, ServiceResult};

pub fn parse_permissions(field: &'static str, items: &[String]) -> Result<PermissionSet, ServiceError> {
    if items.len() > 500 {
        return Err(ServiceError::invalid(field, "at most 500 permissions"));
    }
    PermissionSet::parse(items).map_err(|m| ServiceError::invalid(field, m))
}

pub fn parse_ips(field: &'static str, items: &[String]) -> Result<IpAllowList, ServiceError> {
    IpAllowList::parse(items).map_err(|m| ServiceError::invalid(field, m))
}

/// Runs a read-change-write again when its record changed between the read and the write
/// (the store checks a version), so two concurrent changes both land instead of the later
/// undoing the earlier. Past a few tries the caller gets the conflict (409
/// `concurrent_update`) and may try again.
pub(crate) async fn on_a_fresh_read<T, F: Future<Output = ServiceResult<T>>>(
    mut attempt: impl FnMut() -> F,
) -> ServiceResult<T> {
    const TRIES: usize = 8;
    for _ in 1..TRIES {
        match attempt().await {
            Err(ServiceError::Conflict(keyward_store::Conflict::Stale)) => continue,
            done => return done,
        }
    }
    attempt().await
}
