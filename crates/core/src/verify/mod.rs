//! The verify decision: one pure function over a snapshot of everything on a token's path.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ip::IpAllowList;
use crate::model::{ApiUser, ApiUserStatus, Environment, TokenStatus};
use crate::permission::PermissionSet;

/// A verify code, in the order they are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = VerifyCodeView))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum VerifyCode {
    Malformed,
    NotFound,
    Revoked,
    Expired,
    Suspended,
    IpNotAllowed,
    IntegrationNotAllowed,
    InsufficientPermissions,
    /// A rate limit on the token, its API user or its organization is reached.
    RateLimited,
    /// Too few credits remain for the verification's cost.
    UsageExceeded,
    Valid,
}

impl VerifyCode {
    pub const ALL: [VerifyCode; 11] = [
        Self::Malformed,
        Self::NotFound,
        Self::Revoked,
        Self::Expired,
        Self::Suspended,
        Self::IpNotAllowed,
        Self::IntegrationNotAllowed,
        Self::InsufficientPermissions,
        Self::RateLimited,
        Self::UsageExceeded,
        Self::Valid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Malformed => "MALFORMED",
            Self::NotFound => "NOT_FOUND",
            Self::Revoked => "REVOKED",
            Self::Expired => "EXPIRED",
            Self::Suspended => "SUSPENDED",
            Self::IpNotAllowed => "IP_NOT_ALLOWED",
            Self::IntegrationNotAllowed => "INTEGRATION_NOT_ALLOWED",
            Self::InsufficientPermissions => "INSUFFICIENT_PERMISSIONS",
            Self::RateLimited => "RATE_LIMITED",
            Self::UsageExceeded => "USAGE_EXCEEDED",
            Self::Valid => "VALID",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn is_valid(self) -> bool {
        self == Self::Valid
    }
}

/// An integration as the decision needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntegrationRef {
    pub id: Uuid,
    pub name: String,
    pub active: bool,
    pub allowed_ips: IpAllowList,
}

impl IntegrationRef {
    /// A request names an integration by id or by name.
    pub fn is_named(&self, requested: &str) -> bool {
        self.name == requested || Uuid::parse_str(requested).is_ok_and(|id| id == self.id)
    }
}

/// The member an API user acts as, when it is linked to one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActingMember {
    pub id: Uuid,
    pub email: String,
    pub name: String,
}

/// Everything on a token's path, loaded in one read and cached as a whole.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifySubject {
    pub token_id: Uuid,
    pub org_id: Uuid,
    pub token_status: TokenStatus,
    pub token_expires_at: Option<OffsetDateTime>,
    /// `None`: the token holds its group's permissions.
    pub token_permissions: Option<PermissionSet>,
    pub token_ips: IpAllowList,
    pub token_integration: Option<IntegrationRef>,
    pub api_user_id: Uuid,
    pub username: String,
    pub environment: Environment,
    pub api_user_active: bool,
    pub api_user_expires_at: Option<OffsetDateTime>,
    pub api_user_ips: IpAllowList,
    /// Empty: the API user may be used from any integration.
    pub api_user_integrations: Vec<IntegrationRef>,
    pub external_id: Option<String>,
    /// The API user's metadata.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// The token's own metadata.
    pub token_metadata: serde_json::Map<String, serde_json::Value>,
    pub acting_member: Option<ActingMember>,
    /// The API user's group (or its linked member's), as it is now.
    pub group_permissions: PermissionSet,
    /// An imported token in another system's format, in an organization that no longer
    /// accepts those (`refuse_foreign_tokens`): answered MALFORMED, as a string keyward never
    /// issued.
    pub format_refused: bool,
    /// The rate limits and credits a VALID verification counts against.
    pub limits: crate::quota::SubjectLimits,
}

impl VerifySubject {
    /// An active token of `user` with nothing of its own (no narrower permissions, IPs,
    /// integration, expiry, metadata or limits) and a user linked to no member and no
    /// integration; callers set what they know.
    pub fn new(token_id: Uuid, user: ApiUser, group_permissions: PermissionSet) -> Self {
        Self {
            token_id,
            org_id: user.org_id,
            token_status: TokenStatus::Active,
            token_expires_at: None,
            token_permissions: None,
            token_ips: IpAllowList::default(),
            token_integration: None,
            api_user_id: user.id,
            username: user.username,
            environment: user.environment,
            api_user_active: user.status == ApiUserStatus::Active,
            api_user_expires_at: user.expires_at,
            api_user_ips: user.allowed_ips,
            api_user_integrations: Vec::new(),
            external_id: user.external_id,
            metadata: user.metadata,
            token_metadata: Default::default(),
            acting_member: None,
            group_permissions,
            format_refused: false,
            limits: Default::default(),
        }
    }

    /// The earliest expiry on the path.
    pub fn expires_at(&self) -> Option<OffsetDateTime> {
        match (self.token_expires_at, self.api_user_expires_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Token permissions ∩ the group's, as they stand now.
    pub fn effective_permissions(&self) -> PermissionSet {
        match &self.token_permissions {
            Some(own) => own.intersect_granted(&self.group_permissions),
            None => self.group_permissions.clone(),
        }
    }

    /// The integration this call goes through: the token's own, else the one the caller named
    /// among those the API user is restricted to.
    /// True when the API user may be used only through integrations that are all inactive
    /// (and the token names none of its own): with no integration named, nothing it may go
    /// through is active, so it is as suspended as through any one of them.
    fn every_allowed_integration_inactive(&self) -> bool {
        self.token_integration.is_none()
            && !self.api_user_integrations.is_empty()
            && self.api_user_integrations.iter().all(|i| !i.active)
    }

    fn path_integration(&self, requested: Option<&str>) -> Option<&IntegrationRef> {
        if let Some(own) = &self.token_integration {
            return Some(own);
        }
        let requested = requested?;
        self.api_user_integrations.iter().find(|i| i.is_named(requested))
    }
}

/// What the caller of verify asks about. Borrowed: the hot path copies nothing. `P` is any
/// string form the caller parsed permissions into.
#[derive(Clone, Copy, Debug)]
pub struct VerifyQuery<'a, P = String> {
    pub ip: Option<IpAddr>,
    pub permissions: &'a [P],
    pub integration: Option<&'a str>,
}

impl<P> Default for VerifyQuery<'_, P> {
    fn default() -> Self {
        Self {
            ip: None,
            permissions: &[],
            integration: None,
        }
    }
}

/// Decides one verification, checking in the documented order. `subject` is `None` when no
/// token has this hash. Rate limiting is applied by the caller after a `Valid` answer.
pub fn decide<P: AsRef<str>>(
    subject: Option<&VerifySubject>,
    query: &VerifyQuery<'_, P>,
    now: OffsetDateTime,
) -> VerifyCode {
    let Some(s) = subject else {
        return VerifyCode::NotFound;
    };
    if s.format_refused {
        return VerifyCode::Malformed;
    }
    if s.token_status == TokenStatus::Revoked {
        return VerifyCode::Revoked;
    }
    if s.expires_at().is_some_and(|at| at <= now) {
        return VerifyCode::Expired;
    }
    let path_integration = s.path_integration(query.integration);
    if s.token_status == TokenStatus::Suspended
        || !s.api_user_active
        || path_integration.is_some_and(|i| !i.active)
        || (query.integration.is_none() && s.every_allowed_integration_inactive())
    {
        return VerifyCode::Suspended;
    }
    let lists = [
        Some(&s.token_ips),
        Some(&s.api_user_ips),
        path_integration.map(|i| &i.allowed_ips),
    ];
    let restricted = lists.iter().flatten().any(|l| !l.is_empty());
    if restricted {
        // A restricted token fails closed when the caller does not say where the call came from.
        let Some(ip) = query.ip else {
            return VerifyCode::IpNotAllowed;
        };
        if !lists.iter().flatten().all(|l| l.allows(ip)) {
            return VerifyCode::IpNotAllowed;
        }
    }
    if let Some(requested) = query.integration {
        let token_ok = s.token_integration.as_ref().is_none_or(|i| i.is_named(requested));
        let user_ok = s.api_user_integrations.is_empty()
            || s.api_user_integrations.iter().any(|i| i.is_named(requested));
        if !(token_ok && user_ok) {
            return VerifyCode::IntegrationNotAllowed;
        }
    }
    if !query.permissions.is_empty() {
        let granted = |p: &str| {
            s.group_permissions.grants(p) && s.token_permissions.as_ref().is_none_or(|own| own.grants(p))
        };
        if !query.permissions.iter().all(|p| granted(p.as_ref())) {
            return VerifyCode::InsufficientPermissions;
        }
    }
    VerifyCode::Valid
}

/// The part of a subject that a typical verification reads, compiled once when the subject is
/// loaded so that deciding touches a few words held inline rather than the whole subject's
/// lists and sets (each a pointer away, and each pointer a cache miss on a large cache).
///
/// [`FastDecision::decide`] answers exactly what [`decide`] answers, or `None` when the request
/// needs the full subject: a token or API user with IP restrictions, a named integration, or a
/// permission that is not among those granted outright. Tested against [`decide`] on generated
/// subjects and requests.
#[derive(Clone, Debug)]
pub struct FastDecision {
    /// The earliest expiry on the path in Unix nanoseconds (`i64::MAX`: none).
    expires_at: i64,
    flags: u8,
    /// Permissions granted outright (no wildcard), each followed by `\n`.
    granted: GrantedList,
}

const REVOKED: u8 = 1;
/// See [`VerifySubject::format_refused`]; tested with REVOKED, so the common path pays nothing.
const FORMAT_REFUSED: u8 = 8;
/// The token, its API user or the token's own integration is suspended.
const SUSPENDED: u8 = 2;
/// Some IP list on the path is not empty.
const IP_RESTRICTED: u8 = 4;

/// Short lists live inline; long ones on the heap; very long ones are not compiled at all (the
/// full decision handles them).
#[derive(Clone, Debug)]
enum GrantedList {
    Inline { len: u8, bytes: [u8; 38] },
    Heap(Box<str>),
    None,
}

const MAX_COMPILED_GRANTS: usize = 1024;

impl GrantedList {
    fn new(joined: &str) -> Self {
        let mut bytes = [0u8; 38];
        match u8::try_from(joined.len()) {
            Ok(len) if joined.len() <= bytes.len() => {
                bytes[..joined.len()].copy_from_slice(joined.as_bytes());
                Self::Inline { len, bytes }
            }
            _ if joined.len() <= MAX_COMPILED_GRANTS => Self::Heap(joined.into()),
            _ => Self::None,
        }
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Self::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Self::Heap(s) => s.as_bytes(),
            Self::None => &[],
        }
    }

    fn contains(&self, permission: &str) -> bool {
        let p = permission.as_bytes();
        // Permissions never hold a newline, so each line is one whole permission.
        self.bytes().split(|b| *b == b'\n').any(|line| line == p)
    }
}

/// Unix nanoseconds, saturating: expiry dates past the year 2262 read as "never", which they
/// are for any `now` this code will see.
pub fn unix_nanos(t: OffsetDateTime) -> i64 {
    let nanos = t.unix_timestamp_nanos();
    i64::try_from(nanos).unwrap_or(if nanos > 0 { i64::MAX } else { i64::MIN })
}

impl FastDecision {
    pub fn new(s: &VerifySubject) -> Self {
        let mut flags = 0;
        if s.token_status == TokenStatus::Revoked {
            flags |= REVOKED;
        }
        if s.format_refused {
            flags |= FORMAT_REFUSED;
        }
        // Consulted only when no integration is named (see `decide` below).
        if s.token_status == TokenStatus::Suspended
            || !s.api_user_active
            || s.token_integration.as_ref().is_some_and(|i| !i.active)
            || s.every_allowed_integration_inactive()
        {
            flags |= SUSPENDED;
        }
        let integration_ips = s.token_integration.as_ref().map(|i| &i.allowed_ips);
        if !s.token_ips.is_empty()
            || !s.api_user_ips.is_empty()
            || integration_ips.is_some_and(|l| !l.is_empty())
        {
            flags |= IP_RESTRICTED;
        }
        // Exactly the permissions `decide` grants, among those named without a wildcard.
        let candidates = s.token_permissions.as_ref().unwrap_or(&s.group_permissions);
        let mut joined = String::new();
        for p in candidates.iter().filter(|p| !p.contains('*')) {
            if s.group_permissions.grants(p) && s.token_permissions.as_ref().is_none_or(|own| own.grants(p)) {
                joined.push_str(p);
                joined.push('\n');
            }
        }
        Self {
            expires_at: s.expires_at().map_or(i64::MAX, unix_nanos),
            flags,
            granted: GrantedList::new(&joined),
        }
    }

    /// What [`decide`] would answer for this subject, or `None` when only the full subject can
    /// tell. `now` in Unix nanoseconds ([`unix_nanos`]).
    pub fn decide<P: AsRef<str>>(&self, query: &VerifyQuery<'_, P>, now: i64) -> Option<VerifyCode> {
        if self.flags & (REVOKED | FORMAT_REFUSED) != 0 {
            return Some(if self.flags & FORMAT_REFUSED != 0 {
                VerifyCode::Malformed
            } else {
                VerifyCode::Revoked
            });
        }
        if self.expires_at <= now {
            return Some(VerifyCode::Expired);
        }
        // A named integration may be suspended, restrict addresses or be refused: the full
        // decision looks it up.
        if query.integration.is_some() {
            return None;
        }
        if self.flags & SUSPENDED != 0 {
            return Some(VerifyCode::Suspended);
        }
        if self.flags & IP_RESTRICTED != 0 {
            return None;
        }
        if query
            .permissions
            .iter()
            .all(|p| self.granted.contains(p.as_ref()))
        {
            Some(VerifyCode::Valid)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests;
