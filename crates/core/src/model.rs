//! Plain domain types, in the product's words. No storage or transport code here.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ip::IpAllowList;
use crate::permission::PermissionSet;

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// A member's role within an organization.
    Role { SuperAdmin => "super_admin", Admin => "admin", Auditor => "auditor" }
);
string_enum!(
    /// Where an API user's tokens work: live data or the sandbox.
    Environment { Live => "live", Sandbox => "sandbox" }
);
string_enum!(
    /// An API user profile's state. Deleted profiles are gone from every answer.
    ApiUserStatus { Active => "active", Suspended => "suspended" }
);
string_enum!(
    /// How an API user authenticates: static tokens only, or also by logging in with its
    /// password (OAuth 2.0 client credentials), optionally with a TOTP code.
    AuthMethod { Token => "token", Password => "password", PasswordTotp => "password_totp" }
);
string_enum!(
    /// A token's state. `Revoked` is final.
    TokenStatus { Active => "active", Suspended => "suspended", Revoked => "revoked" }
);
string_enum!(
    /// An integration's state; an inactive integration stops the tokens bound to it.
    IntegrationStatus { Active => "active", Inactive => "inactive" }
);

/// How an expiry looks to a person reading a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryStatus {
    Never,
    Active,
    ExpiringSoon,
    Expired,
}

/// Tokens expiring within this many days are `expiring_soon`.
pub const EXPIRING_SOON_DAYS: i64 = 30;

impl ExpiryStatus {
    pub fn of(expires_at: Option<OffsetDateTime>, now: OffsetDateTime) -> Self {
        match expires_at {
            None => Self::Never,
            Some(at) if at <= now => Self::Expired,
            Some(at) if at - now <= time::Duration::days(EXPIRING_SOON_DAYS) => Self::ExpiringSoon,
            Some(_) => Self::Active,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub created_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: Uuid,
    pub org_id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The group an API user linked to this member inherits.
    pub permission_group_id: Option<Uuid>,
    pub created_at: OffsetDateTime,
}

/// One route of the platform's own API ("API URLs"): what a gateway's request needs to pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub id: Uuid,
    pub org_id: Uuid,
    /// An upper-case HTTP method, or `*` for any.
    pub method: String,
    /// A template as [`crate::route::RouteTemplate`] renders it.
    pub path: String,
    /// Every one is required (a permission the token lacks refuses the request).
    pub permissions: Vec<String>,
    /// The integration requests on this route come through, when there is one.
    pub integration_id: Option<Uuid>,
    pub description: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermissionGroup {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: PermissionSet,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Raised by every write; a write made from an older read is refused (optimistic
    /// concurrency), so it cannot undo a change made in between.
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Integration {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    pub kind: String,
    pub status: IntegrationStatus,
    pub allowed_ips: IpAllowList,
    pub public_url: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Raised by every write; a write made from an older read is refused (optimistic
    /// concurrency), so it cannot undo a change made in between.
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ApiUser {
    pub id: Uuid,
    pub org_id: Uuid,
    pub username: String,
    pub name: String,
    pub description: String,
    pub status: ApiUserStatus,
    pub environment: Environment,
    pub permission_group_id: Option<Uuid>,
    pub linked_member_id: Option<Uuid>,
    pub integration_ids: Vec<Uuid>,
    pub allowed_ips: IpAllowList,
    pub expires_at: Option<OffsetDateTime>,
    pub contact_email: Option<String>,
    pub external_id: Option<String>,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Limits shared by all the API user's tokens.
    pub ratelimits: Vec<crate::limits::RateLimit>,
    /// Credits shared by all the API user's tokens (read; written through the credit store).
    pub credits: Option<crate::quota::CreditBalance>,
    pub has_password: bool,
    pub auth_method: AuthMethod,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Raised by every write; a write made from an older read is refused (optimistic
    /// concurrency), so it cannot undo a change made in between.
    pub version: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub id: Uuid,
    pub org_id: Uuid,
    pub api_user_id: Uuid,
    pub name: String,
    pub hint: String,
    /// `None`: the token holds every permission of its API user's group.
    pub permissions: Option<PermissionSet>,
    pub integration_id: Option<Uuid>,
    pub allowed_ips: IpAllowList,
    pub expires_at: Option<OffsetDateTime>,
    pub status: TokenStatus,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
    pub revoked_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub last_used_ip: Option<String>,
    pub use_count: i64,
    /// The token this one replaced by rotation, if any.
    pub rotated_from: Option<Uuid>,
    /// The token that replaced this one by rotation; this one ends with its grace period.
    pub replaced_by: Option<Uuid>,
    /// Where an imported token came from (the import's source, such as `legacy-db`); `None` for
    /// tokens keyward minted.
    pub imported_from: Option<String>,
    /// When it was imported (`created_at` is the old system's); `None` for keyward's own.
    pub imported_at: Option<OffsetDateTime>,
    /// The token's own metadata, returned on VALID answers (the API user's is returned too).
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The token's own limits; empty: its organization's default applies.
    pub ratelimits: Vec<crate::limits::RateLimit>,
    /// The token's credits (read; created with the token, then written through the credit
    /// store). A rotated token shares its predecessor's.
    pub credits: Option<crate::quota::CreditBalance>,
    /// Raised by every write; a write made from an older read is refused (optimistic
    /// concurrency), so it cannot undo a change made in between.
    pub version: i64,
}

impl Organization {
    /// A new organization.
    pub fn new(name: impl Into<String>, created_at: OffsetDateTime) -> Self {
        Self {
            id: Uuid::now_v7(),
            name: name.into(),
            created_at,
        }
    }
}

impl PermissionGroup {
    /// A new group of the organization granting `permissions`, with no description.
    pub fn new(org_id: Uuid, name: String, permissions: PermissionSet, created_at: OffsetDateTime) -> Self {
        Self {
            id: Uuid::now_v7(),
            org_id,
            name,
            description: String::new(),
            permissions,
            created_at,
            updated_at: created_at,
            version: 0,
        }
    }
}

impl Integration {
    /// A new active integration of the organization, with no IP restriction or public URL.
    pub fn new(org_id: Uuid, name: String, kind: String, created_at: OffsetDateTime) -> Self {
        Self {
            id: Uuid::now_v7(),
            org_id,
            name,
            kind,
            status: IntegrationStatus::Active,
            allowed_ips: IpAllowList::default(),
            public_url: None,
            created_at,
            updated_at: created_at,
            version: 0,
        }
    }
}

impl Route {
    /// A new route of the organization requiring `permissions`, through any integration, with
    /// no description.
    pub fn new(
        org_id: Uuid,
        method: String,
        path: String,
        permissions: Vec<String>,
        created_at: OffsetDateTime,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            org_id,
            method,
            path,
            permissions,
            integration_id: None,
            description: String::new(),
            created_at,
            updated_at: created_at,
            version: 0,
        }
    }
}

impl Member {
    /// A new super admin of the organization, in no group: what every organization's first
    /// member is.
    pub fn super_admin(
        org_id: Uuid,
        email: impl Into<String>,
        name: impl Into<String>,
        created_at: OffsetDateTime,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            org_id,
            email: email.into(),
            name: name.into(),
            role: Role::SuperAdmin,
            permission_group_id: None,
            created_at,
        }
    }
}

impl ApiUser {
    /// A new active, live API user of the organization, authenticating with tokens, named after
    /// its username, with no group, links, restrictions, expiry, metadata, limits or credits.
    pub fn new(org_id: Uuid, username: &str, created_at: OffsetDateTime) -> Self {
        Self {
            id: Uuid::now_v7(),
            org_id,
            username: username.to_owned(),
            name: username.to_owned(),
            description: String::new(),
            status: ApiUserStatus::Active,
            environment: Environment::Live,
            permission_group_id: None,
            linked_member_id: None,
            integration_ids: Vec::new(),
            allowed_ips: IpAllowList::default(),
            expires_at: None,
            contact_email: None,
            external_id: None,
            metadata: Default::default(),
            ratelimits: Vec::new(),
            credits: None,
            has_password: false,
            auth_method: AuthMethod::Token,
            created_at,
            updated_at: created_at,
            version: 0,
        }
    }
}

impl Token {
    /// A new active token of `user`: no narrower permissions, IPs, integration or expiry, no
    /// metadata, limits or credits of its own, never used. Callers set what they know.
    pub fn new(
        user: &ApiUser,
        name: String,
        hint: String,
        created_at: OffsetDateTime,
        created_by: Option<String>,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            org_id: user.org_id,
            api_user_id: user.id,
            name,
            hint,
            permissions: None,
            integration_id: None,
            allowed_ips: IpAllowList::default(),
            expires_at: None,
            status: TokenStatus::Active,
            created_at,
            created_by,
            revoked_at: None,
            last_used_at: None,
            last_used_ip: None,
            use_count: 0,
            rotated_from: None,
            replaced_by: None,
            imported_from: None,
            imported_at: None,
            metadata: Default::default(),
            ratelimits: Vec::new(),
            credits: None,
            version: 0,
        }
    }
}

/// Where an organization wants its events delivered, signed the Standard Webhooks way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub org_id: Uuid,
    pub url: String,
    pub description: String,
    /// Event types it receives; empty means every event.
    pub events: Vec<String>,
    /// `whsec_` and the base64 of the signing key. Needed to sign, so it is stored; shown once.
    pub secret: String,
    pub enabled: bool,
    pub created_at: OffsetDateTime,
}

impl WebhookEndpoint {
    pub fn wants(&self, event: &str) -> bool {
        self.enabled && (self.events.is_empty() || self.events.iter().any(|e| e == event))
    }
}
