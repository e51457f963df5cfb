//! The answers of `POST /v1/verify`, in one type. A VALID answer is serialized once per cached
//! token (and per cached access token) and copied out on each verification; the refusals are
//! fixed at compile time. A test holds both equal to this type's serde form.

pub use keyward_api::verify::{ActingMemberView, VerifiedApiUser, VerifyResponse};
use keyward_core::{PermissionSet, VerifyCode, VerifySubject};

/// A refusal: only the code and its sentence.
pub fn refused(code: VerifyCode) -> VerifyResponse {
    VerifyResponse {
        valid: code == VerifyCode::Valid,
        code,
        message: message(code).into(),
        token_id: None,
        organization_id: None,
        api_user: None,
        permissions: None,
        metadata: None,
        expires_at: None,
        ratelimits: None,
        credits: None,
    }
}

/// The VALID answer for a token whose path is `s`, holding `effective`.
pub fn valid(s: &VerifySubject, effective: &PermissionSet) -> VerifyResponse {
    VerifyResponse {
        token_id: Some(s.token_id),
        organization_id: Some(s.org_id),
        api_user: Some(VerifiedApiUser {
            id: s.api_user_id,
            username: s.username.clone(),
            environment: s.environment.as_str().into(),
            external_id: s.external_id.clone(),
            metadata: s.metadata.clone(),
            acting_member: s.acting_member.clone(),
        }),
        permissions: Some(effective.iter().map(str::to_owned).collect()),
        metadata: Some(s.token_metadata.clone()),
        expires_at: Some(s.expires_at()),
        ..refused(VerifyCode::Valid)
    }
}

/// The body of a VALID answer, serialized once per cached token.
pub fn valid_body(s: &VerifySubject, effective: &PermissionSet) -> Vec<u8> {
    serde_json::to_vec(&valid(s, effective)).unwrap_or_default()
}

/// An answer's body with what the limits stand at appended (the serde form of
/// [`VerifyResponse`] with `ratelimits` and `credits` set: they are its last fields).
pub fn with_limits(body: &[u8], report: &super::LimitReport) -> Vec<u8> {
    #[derive(serde::Serialize)]
    struct Tail<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        ratelimits: Option<&'a [keyward_api::limits::RateLimitState]>,
        #[serde(skip_serializing_if = "Option::is_none")]
        credits: Option<keyward_api::limits::CreditsState>,
    }
    let tail = Tail {
        ratelimits: (!report.ratelimits.is_empty()).then_some(&report.ratelimits[..]),
        credits: report
            .credits
            .map(|remaining| keyward_api::limits::CreditsState { remaining }),
    };
    let tail = serde_json::to_vec(&tail).unwrap_or_default();
    let (Some(head), Some(fields)) = (body.strip_suffix(b"}"), tail.strip_prefix(b"{")) else {
        return body.to_vec();
    };
    if fields == b"}" {
        return body.to_vec();
    }
    let mut out = Vec::with_capacity(body.len() + tail.len());
    out.extend_from_slice(head);
    out.push(b',');
    out.extend_from_slice(fields);
    out
}

macro_rules! messages {
    ($($code:ident => $name:literal, $message:literal;)*) => {
        /// The sentence that goes with each code.
        pub fn message(code: VerifyCode) -> &'static str {
            match code {
                $(VerifyCode::$code => $message,)*
            }
        }

        /// The whole body of every answer that is not VALID, fixed at compile time.
        pub fn invalid_body(code: VerifyCode) -> &'static str {
            match code {
                $(VerifyCode::$code => concat!(
                    "{\"valid\":false,\"code\":\"", $name, "\",\"message\":\"", $message, "\"}"
                ),)*
            }
        }
    };
}

messages! {
    Malformed => "MALFORMED", "the token is malformed or its checksum does not match";
    NotFound => "NOT_FOUND", "no such token";
    Revoked => "REVOKED", "the token was revoked";
    Expired => "EXPIRED", "the token has expired";
    Suspended => "SUSPENDED", "the token, its API user or its integration is suspended";
    IpNotAllowed => "IP_NOT_ALLOWED", "the token may not be used from this IP address";
    IntegrationNotAllowed => "INTEGRATION_NOT_ALLOWED", "the token may not be used through this integration";
    InsufficientPermissions => "INSUFFICIENT_PERMISSIONS", "access denied: the token lacks a required permission";
    RateLimited => "RATE_LIMITED", "a rate limit of the token, its API user or its organization is reached";
    UsageExceeded => "USAGE_EXCEEDED", "too few credits remain for this request";
    Valid => "VALID", "the token is valid";
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn refusal_bodies_are_the_serde_form_of_the_answer() {
        for code in VerifyCode::ALL {
            if code == VerifyCode::Valid {
                continue;
            }
            let serde = String::from_utf8(serde_json::to_vec(&refused(code)).unwrap()).unwrap();
            assert_eq!(invalid_body(code), serde, "{code:?}");
        }
    }

    /// An answer with limits is the serde form of the answer with those fields set.
    #[test]
    fn limit_fields_are_the_serde_form() {
        use keyward_api::limits::{CreditsState, RateLimitState};
        let ratelimits = vec![RateLimitState {
            name: "requests".into(),
            limit: 10,
            remaining: 0,
            reset_at: time::macros::datetime!(2030-01-02 03:04:05 UTC),
        }];
        for (code, rl, credits) in [
            (VerifyCode::RateLimited, ratelimits.clone(), Some(3)),
            (VerifyCode::UsageExceeded, vec![], Some(0)),
            (VerifyCode::RateLimited, ratelimits.clone(), None),
        ] {
            let report = super::super::LimitReport {
                code,
                ratelimits: rl.clone(),
                windows_ms: vec![],
                credits,
            };
            let spliced: serde_json::Value =
                serde_json::from_slice(&with_limits(invalid_body(code).as_bytes(), &report)).unwrap();
            let whole = VerifyResponse {
                ratelimits: (!rl.is_empty()).then_some(rl),
                credits: credits.map(|remaining| CreditsState { remaining }),
                ..refused(code)
            };
            assert_eq!(spliced, serde_json::to_value(&whole).unwrap(), "{code:?}");
        }
    }

    /// The VALID body keeps the shape platforms already parse: every field present, `null`
    /// where there is nothing, times in RFC 3339.
    #[test]
    fn valid_body_keeps_its_shape() {
        let subject = VerifySubject {
            token_metadata: serde_json::json!({"plan": "pro"}).as_object().cloned().unwrap(),
            ..VerifySubject::new(
                Uuid::now_v7(),
                keyward_core::ApiUser::new(Uuid::now_v7(), "crm-sync", time::OffsetDateTime::UNIX_EPOCH),
                PermissionSet::parse(["contacts:read"]).unwrap(),
            )
        };
        let effective = subject.effective_permissions();
        let body: serde_json::Value = serde_json::from_slice(&valid_body(&subject, &effective)).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "valid": true, "code": "VALID", "message": "the token is valid",
                "token_id": subject.token_id, "organization_id": subject.org_id,
                "api_user": {"id": subject.api_user_id, "username": "crm-sync", "environment": "live",
                             "external_id": null, "metadata": {}, "acting_member": null},
                "permissions": ["contacts:read"], "metadata": {"plan": "pro"}, "expires_at": null,
            })
        );
        let later = VerifySubject {
            token_expires_at: Some(time::macros::datetime!(2030-01-02 03:04:05 UTC)),
            ..subject
        };
        let body: serde_json::Value = serde_json::from_slice(&valid_body(&later, &effective)).unwrap();
        assert_eq!(body["expires_at"], "2030-01-02T03:04:05Z");
    }
}
