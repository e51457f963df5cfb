//! The gateway's decision (`/v1/forward-auth`, Envoy's `Check`): the verify decision for the
//! permissions and integration of the route a request goes to, found in the organization's
//! compiled route table. An organization without routes only has its tokens checked.

use std::net::IpAddr;

use bytes::Bytes;

use keyward_core::route::RouteTemplate;
use keyward_core::route_table::RouteTable;
use keyward_core::{PermissionSet, Route, VerifyCode, VerifyQuery, VerifySubject};
use uuid::Uuid;

/// The request a gateway asks about.
#[derive(Clone, Copy, Debug)]
pub struct GatewayRequest<'a> {
    /// The client's address (the gateway's own when it is not a trusted proxy).
    pub ip: IpAddr,
    pub method: &'a str,
    /// The original path; a query is ignored.
    pub path: &'a str,
    /// Permissions the gateway's configuration requires besides the route's.
    pub required: &'a [&'a str],
}

/// The gateway's answer: a verify code, or a request no route of the organization allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayCode {
    Verify(VerifyCode),
    RouteNotAllowed,
}

impl GatewayCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verify(code) => code.as_str(),
            Self::RouteNotAllowed => "ROUTE_NOT_ALLOWED",
        }
    }

    pub fn is_valid(self) -> bool {
        self == Self::Verify(VerifyCode::Valid)
    }

    /// The code usage counts it under: a route refusal is a lack of permission for that URL.
    pub fn usage_code(self) -> VerifyCode {
        match self {
            Self::Verify(code) => code,
            Self::RouteNotAllowed => VerifyCode::InsufficientPermissions,
        }
    }
}

/// What the upstream is told of an allowed caller, as header values, built once per cached
/// token. Each value is shared bytes, so a transport can hand them to a response without
/// copying or allocating. Never the secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayIdentity {
    pub org_id: Bytes,
    pub username: Bytes,
    pub api_user_id: Bytes,
    pub token_id: Bytes,
    /// Comma-separated.
    pub permissions: Bytes,
    pub external_id: Bytes,
}

impl GatewayIdentity {
    pub fn of(subject: &VerifySubject, effective: &PermissionSet) -> Self {
        Self {
            org_id: Bytes::from(subject.org_id.to_string()),
            username: Bytes::from(header_safe(&subject.username)),
            api_user_id: Bytes::from(subject.api_user_id.to_string()),
            token_id: Bytes::from(subject.token_id.to_string()),
            permissions: Bytes::from(effective.iter().collect::<Vec<_>>().join(",")),
            external_id: Bytes::from(header_safe(subject.external_id.as_deref().unwrap_or(""))),
        }
    }

    /// The values in the order of the headers: org id, username, API user id, token id,
    /// permissions, external id.
    pub fn values(&self) -> [&Bytes; 6] {
        [
            &self.org_id,
            &self.username,
            &self.api_user_id,
            &self.token_id,
            &self.permissions,
            &self.external_id,
        ]
    }
}

/// A header value carries no control characters: each is percent-encoded (with `%` itself, so
/// the encoding can be undone).
fn header_safe(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() || c == '%') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || c == '%' {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// What a route requires, as the decision reads it.
#[derive(Debug)]
pub struct RouteRule {
    pub id: Uuid,
    permissions: Box<[Box<str>]>,
    /// The integration's id, as a verify query names it.
    integration: Option<Box<str>>,
}

/// An organization's routes, compiled.
#[derive(Debug, Default)]
pub struct OrgRoutes {
    table: RouteTable<RouteRule>,
    /// The organization has routes (even if one no longer parsed): requests must match one.
    enforced: bool,
}

impl OrgRoutes {
    /// Compiles routes as stored. A template that no longer parses (each was checked when
    /// written) is left out, which refuses its requests rather than passing them elsewhere.
    pub fn compile(routes: &[Route]) -> Self {
        let parsed: Vec<_> = routes
            .iter()
            .filter_map(|r| RouteTemplate::parse(&r.path).ok().map(|t| (r, t)))
            .collect();
        let table = RouteTable::new(parsed.iter().map(|(r, t)| {
            let rule = RouteRule {
                id: r.id,
                permissions: r.permissions.iter().map(|p| p.as_str().into()).collect(),
                integration: r.integration_id.map(|i| i.to_string().into()),
            };
            (r.method.as_str(), t, rule)
        }));
        Self {
            table,
            enforced: !routes.is_empty(),
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        !self.enforced
    }
}

/// Something that decides verify queries for one token (a cached entry, a subject).
pub trait Decides {
    fn decide<P: AsRef<str>>(&self, query: &VerifyQuery<'_, P>) -> VerifyCode;
}

/// The decision for a gateway's request, in verify's order: the token's own standing first
/// (a revoked token is 401 whichever URL it asks for), then the route, its integration and
/// permissions, then the permissions the gateway requires.
pub fn judge(routes: &OrgRoutes, request: &GatewayRequest<'_>, token: &impl Decides) -> GatewayCode {
    let (permissions, integration): (&[Box<str>], Option<&str>) = if !routes.enforced {
        (&[], None)
    } else {
        match routes.table.find(request.method, request.path) {
            Ok(Some(rule)) => (&rule.permissions, rule.integration.as_deref()),
            Ok(None) | Err(_) => {
                let bare = VerifyQuery::<&str> {
                    ip: Some(request.ip),
                    permissions: &[],
                    integration: None,
                };
                return match token.decide(&bare) {
                    VerifyCode::Valid => GatewayCode::RouteNotAllowed,
                    code => GatewayCode::Verify(code),
                };
            }
        }
    };
    let code = token.decide(&VerifyQuery {
        ip: Some(request.ip),
        permissions,
        integration,
    });
    if code != VerifyCode::Valid || request.required.is_empty() {
        return GatewayCode::Verify(code);
    }
    GatewayCode::Verify(token.decide(&VerifyQuery {
        ip: Some(request.ip),
        permissions: request.required,
        integration,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_carry_no_control_characters() {
        assert_eq!(header_safe("crm-sync"), "crm-sync");
        assert_eq!(header_safe("a\r\nb%"), "a%0D%0Ab%25");
        assert_eq!(header_safe("zoë"), "zoë");
    }
}
