//! The organization's settings: the expiry policy, monitoring thresholds and whether members
//! must use two-factor sign-in.

use keyward_core::OrgSettings;

use crate::context::{Manage, Read};
use crate::error::{ServiceError, ServiceResult, redact_quoted};

pub async fn get(r: &Read<'_>) -> ServiceResult<OrgSettings> {
    Ok(r.service().store.get_settings(r.org_id()).await?)
}

/// Changes settings by JSON merge patch (RFC 7386): only what the patch names changes. They
/// apply to tokens created or extended from now on. Whether members need a second factor is a
/// member security setting: only a super admin member may change it, never a token.
pub async fn update(m: &Manage<'_>, patch: &serde_json::Value) -> ServiceResult<OrgSettings> {
    let s = m.service();
    if !patch.is_object() {
        return Err(ServiceError::bad_request(
            "invalid_body",
            "the body must be a JSON object",
        ));
    }
    let current = get(&m.read()).await?;
    let mut merged = serde_json::to_value(&current).map_err(ServiceError::internal)?;
    merge_patch(&mut merged, patch);
    let settings: OrgSettings = serde_json::from_value(merged).map_err(|e| {
        // serde's message names the field; the value it quotes is cut out.
        ServiceError::invalid("settings", redact_quoted(&e.to_string()))
    })?;
    settings
        .validate()
        .map_err(|e| ServiceError::invalid(e.field, e.message))?;
    if settings.require_member_2fa != current.require_member_2fa {
        m.caller().require_member_admin()?;
    }
    let audit = m.record(
        s.now(),
        "settings.update",
        "organization",
        Some(m.org_id()),
        serde_json::to_value(&settings).map_err(ServiceError::internal)?,
    );
    s.store.update_settings(m.org_id(), &settings, &audit).await?;
    // Cached verify answers depend on these: imported tokens on the first, every token
    // without limits of its own on the second.
    if settings.refuse_foreign_tokens != current.refuse_foreign_tokens
        || settings.default_ratelimits != current.default_ratelimits
    {
        s.verifier.invalidate_org(m.org_id()).await;
    }
    Ok(settings)
}

/// RFC 7386: objects merge key by key, `null` removes (here: restores the default), anything
/// else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: &serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(serde_json::Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}
