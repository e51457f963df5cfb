//! Permissions are strings such as `contacts:read`. A granted `contacts:*` covers every
//! `contacts:…`, and a granted `*` covers everything except keyward's own permissions.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// keyward's own permissions, held by tokens that manage keyward through its API.
pub const KEYWARD_ADMIN: &str = "keyward:admin";
pub const KEYWARD_READ: &str = "keyward:read";
pub const KEYWARD_VERIFY: &str = "keyward:verify";
/// Reporting leaked tokens of the organization (what GitLab's Token Revocation API client holds).
pub const KEYWARD_REPORT_LEAKS: &str = "keyward:report-leaks";

const MAX_LEN: usize = 128;

/// Checks one permission string: `resource:action`, letters, digits, `_ . -`, or `*` as the
/// action (or alone).
pub fn validate(p: &str) -> Result<(), String> {
    if p == "*" {
        return Ok(());
    }
    let valid_part = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/'))
    };
    let ok = p.len() <= MAX_LEN
        && match p.split_once(':') {
            Some((resource, action)) => valid_part(resource) && (action == "*" || valid_part(action)),
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err("is not a permission: use resource:action (letters, digits, _ . - /), resource:* or *".into())
    }
}

/// A set of permissions, kept sorted so that it serializes the same way every time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PermissionSet(BTreeSet<String>);

impl PermissionSet {
    pub fn parse<I, S>(items: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let set = crate::input::entries(items, |p| {
            validate(p)?;
            Ok(Some(p.to_owned()))
        })?;
        Ok(Self(set.into_iter().collect()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// Whether this set grants `required`, honouring wildcards.
    pub fn grants(&self, required: &str) -> bool {
        if self.0.contains(required) {
            return true;
        }
        let Some((resource, _)) = required.split_once(':') else {
            return false;
        };
        if resource != "keyward" && self.0.contains("*") {
            return true;
        }
        // `resource:*` without allocating a string to look it up.
        self.0
            .iter()
            .any(|g| g.len() == resource.len() + 2 && g.starts_with(resource) && g.ends_with(":*"))
    }

    /// Whether every permission of `other` is granted by this set.
    pub fn covers(&self, other: &PermissionSet) -> bool {
        other.iter().all(|p| self.covers_grant(p))
    }

    /// Like `grants`, but a wildcard in `p` needs an equal or wider wildcard here.
    fn covers_grant(&self, p: &str) -> bool {
        if p == "*" {
            return self.0.contains("*");
        }
        if let Some(resource) = p.strip_suffix(":*") {
            return self.0.contains(p) || (resource != "keyward" && self.0.contains("*"));
        }
        self.grants(p)
    }

    /// The permissions of `self` that `group` still grants: a token's effective rights.
    pub fn intersect_granted(&self, group: &PermissionSet) -> PermissionSet {
        PermissionSet(self.0.iter().filter(|p| group.covers_grant(p)).cloned().collect())
    }

    /// The permissions of `self` that `other` does not cover, for error messages.
    pub fn missing_from(&self, other: &PermissionSet) -> Vec<String> {
        self.0
            .iter()
            .filter(|p| !other.covers_grant(p))
            .cloned()
            .collect()
    }
}

impl FromIterator<String> for PermissionSet {
    fn from_iter<T: IntoIterator<Item = String>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> PermissionSet {
        PermissionSet::parse(items).unwrap()
    }

    #[test]
    fn validation() {
        for ok in [
            "contacts:read",
            "a.b-c_d:write",
            "contacts:*",
            "*",
            "keyward:verify",
            "v1/orders:list",
        ] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "contacts",
            ":read",
            "contacts:",
            "con tacts:read",
            "a:b:c",
            "*:read",
            "ä:read",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn grants_exact_and_wildcards() {
        let g = set(&["contacts:read", "orders:*"]);
        assert!(g.grants("contacts:read"));
        assert!(!g.grants("contacts:write"));
        assert!(g.grants("orders:delete"));
        assert!(!g.grants("ordersx:delete"));
        assert!(!g.grants("orders"));
        let all = set(&["*"]);
        assert!(all.grants("anything:read"));
        assert!(
            !all.grants("keyward:admin"),
            "`*` must not grant keyward's own permissions"
        );
    }

    #[test]
    fn covers_and_intersection() {
        let group = set(&["contacts:read", "orders:*"]);
        assert!(group.covers(&set(&["contacts:read", "orders:write"])));
        assert!(group.covers(&set(&["orders:*"])));
        assert!(!group.covers(&set(&["contacts:*"])));
        assert!(!group.covers(&set(&["*"])));
        let token = set(&["contacts:read", "contacts:write", "orders:read"]);
        assert_eq!(
            token.intersect_granted(&group),
            set(&["contacts:read", "orders:read"])
        );
        assert_eq!(token.missing_from(&group), vec!["contacts:write".to_owned()]);
    }
}
