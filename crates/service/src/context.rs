//! Who is calling, and what they may do. An operation that changes API credentials takes a
//! [`Manage`], one that changes members a [`MemberAdmin`], one that reads a [`Read`]; each is
//! obtainable only from a successful role check on a [`Caller`], so forgetting the check does
//! not compile. The handles also carry the [`Service`] the operation runs on, and are the only
//! makers of the audit records of the changes they allow.

use std::net::IpAddr;

use keyward_core::permission::{KEYWARD_ADMIN, KEYWARD_READ, KEYWARD_REPORT_LEAKS};
use keyward_core::token::TokenHash;
use keyward_core::{Member, PermissionSet, Role};
use keyward_store::{Actor, ActorKind, AuditRecord};
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Service;
use crate::error::ServiceError;

#[derive(Clone, Debug)]
pub enum Principal {
    Member(Member),
    /// An API token holding keyward's own permissions.
    Token {
        token_id: Uuid,
        label: String,
        permissions: PermissionSet,
    },
}

/// An authenticated caller, scoped to one organization.
#[derive(Clone, Debug)]
pub struct Caller {
    pub org_id: Uuid,
    pub principal: Principal,
    pub ip: IpAddr,
    /// The session's hash, for logout.
    pub session: Option<TokenHash>,
}

impl Caller {
    fn role(&self) -> Option<Role> {
        match &self.principal {
            Principal::Member(m) => Some(m.role),
            Principal::Token { .. } => None,
        }
    }

    fn token_grants(&self, p: &str) -> bool {
        matches!(&self.principal, Principal::Token { permissions, .. } if permissions.grants(p))
    }

    pub fn member(&self) -> Option<&Member> {
        match &self.principal {
            Principal::Member(m) => Some(m),
            Principal::Token { .. } => None,
        }
    }

    /// Reading API users, tokens, groups, integrations, audit and usage: any member, or a
    /// token with keyward:read or keyward:admin.
    pub fn require_read(&self) -> Result<(), ServiceError> {
        if self.role().is_some() || self.token_grants(KEYWARD_ADMIN) || self.token_grants(KEYWARD_READ) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "read_permission_required",
                "reading API management requires a member session or a token with keyward:read or keyward:admin",
            ))
        }
    }

    /// Managing API credentials: super admins and `keyward:admin` tokens.
    pub fn require_manage(&self) -> Result<(), ServiceError> {
        if self.role() == Some(Role::SuperAdmin) || self.token_grants(KEYWARD_ADMIN) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "super_admin_required",
                "super admin privileges are required to manage API credentials",
            ))
        }
    }

    /// Reporting leaked tokens of the organization: super admins, `keyward:admin` tokens, and
    /// tokens holding only `keyward:report-leaks` (given to a scanner such as GitLab).
    pub fn require_leak_reporting(&self) -> Result<(), ServiceError> {
        if self.require_manage().is_ok() || self.token_grants(KEYWARD_REPORT_LEAKS) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "report_permission_required",
                "reporting leaked tokens requires a super admin, or a token with keyward:admin or keyward:report-leaks",
            ))
        }
    }

    /// Managing members: super admin members only.
    pub fn require_member_admin(&self) -> Result<(), ServiceError> {
        if self.role() == Some(Role::SuperAdmin) {
            Ok(())
        } else {
            Err(ServiceError::forbidden(
                "super_admin_required",
                "super admin privileges are required to manage members",
            ))
        }
    }

    /// The actor, as the audit trail names it.
    pub fn actor(&self) -> Actor {
        match &self.principal {
            Principal::Member(m) => Actor::new(ActorKind::Member, Some(m.id), m.email.clone()),
            Principal::Token { token_id, label, .. } => {
                Actor::new(ActorKind::Token, Some(*token_id), label.clone())
            }
        }
    }

    pub fn label(&self) -> String {
        self.actor().label
    }

    /// An audit record of a successful change made by this caller.
    fn record(
        &self,
        now: OffsetDateTime,
        action: &'static str,
        target: Target,
        details: Value,
    ) -> AuditRecord {
        AuditRecord::new(Some(self.org_id), now, self.actor(), action, target, details).from_ip(self.ip)
    }
}

macro_rules! handle {
    ($(#[$doc:meta])* $Name:ident, $method:ident, $check:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct $Name<'a> {
            service: &'a Service,
            caller: &'a Caller,
        }

        impl<'a> $Name<'a> {
            pub fn service(&self) -> &'a Service {
                self.service
            }

            pub fn caller(&self) -> &'a Caller {
                self.caller
            }

            pub fn org_id(&self) -> Uuid {
                self.caller.org_id
            }
        }

        impl Service {
            /// The handle for this caller, when their role allows it.
            pub fn $method<'a>(&'a self, caller: &'a Caller) -> Result<$Name<'a>, ServiceError> {
                caller.$check()?;
                Ok($Name {
                    service: self,
                    caller,
                })
            }
        }
    };
}

handle!(
    /// Proof that the caller may read API management, audit and usage.
    Read,
    read,
    require_read
);
handle!(
    /// Proof that the caller may change API credentials; the maker of their audit records.
    Manage,
    manage,
    require_manage
);
handle!(
    /// Proof that the caller is a super admin member; the maker of member changes' records.
    MemberAdmin,
    member_admin,
    require_member_admin
);

impl Manage<'_> {
    /// What a read needs, from a caller allowed to write.
    pub fn read(&self) -> Read<'_> {
        Read {
            service: self.service,
            caller: self.caller,
        }
    }
}

/// What an audit record is about: a type of record and its id.
type Target = (&'static str, Option<Uuid>);

/// The handles that allow changes make their audit records; a `Read` makes none.
macro_rules! records {
    ($($Name:ident),*) => {$(
        impl $Name<'_> {
            /// The audit record of a change this caller makes.
            pub fn record(
                &self,
                now: OffsetDateTime,
                action: &'static str,
                target_type: &'static str,
                target_id: Option<Uuid>,
                details: serde_json::Value,
            ) -> AuditRecord {
                self.caller.record(now, action, (target_type, target_id), details)
            }

            /// The audit record of removing the `target_type` record `id`, which needs no
            /// details.
            pub fn record_removal(&self, action: &'static str, target_type: &'static str, id: Uuid) -> AuditRecord {
                let now = self.service.now();
                self.caller.record(now, action, (target_type, Some(id)), Value::Object(Default::default()))
            }
        }
    )*};
}

records!(Manage, MemberAdmin);
