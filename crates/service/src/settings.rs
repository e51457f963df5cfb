//! The organization's settings: the expiry policy, monitoring thresholds and whether members
//! must use two-factor sign-in.

use keyward_core::OrgSettings;

use crate::context::{Manage, Read};
use crate::error::{ServiceError, ServiceResult};

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

/// Replaces every double-quoted value in a parser's message with `"…"`, and every back-quoted
/// one longer than a field name could be with `` `…` ``, so an error never echoes a string from
/// the request (it could be a secret sent in the wrong field). Field and variant names, which
/// serde quotes with backticks, stay.
pub fn redact_quoted(message: &str) -> String {
    const LONGEST_NAME: usize = 32;
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(['"', '`']) {
        out.push_str(&rest[..i]);
        let quote = &rest[i..i + 1];
        let after = &rest[i + 1..];
        match after.find(quote) {
            Some(j) if quote == "\"" || j > LONGEST_NAME => {
                out.push_str(quote);
                out.push('…');
                out.push_str(quote);
                rest = &after[j + 1..];
            }
            Some(j) => {
                out.push_str(&rest[i..i + 1 + j + 1]);
                rest = &after[j + 1..];
            }
            // An unmatched quote: nothing after it can be trusted to be a name.
            None => {
                out.push_str(quote);
                out.push('…');
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::redact_quoted;

    #[test]
    fn values_are_cut_out_and_names_kept() {
        assert_eq!(
            redact_quoted(r#"invalid type: string "kw_live_secret", expected a sequence"#),
            r#"invalid type: string "…", expected a sequence"#
        );
        assert_eq!(
            redact_quoted("unknown field `colour`, expected `token`"),
            "unknown field `colour`, expected `token`"
        );
        let long = "unknown variant `kw_live_0123456789abcdefghijABCDEFGHIJ0123456789`, expected `admin`";
        assert_eq!(redact_quoted(long), "unknown variant `…`, expected `admin`");
        assert_eq!(redact_quoted("a \"dangling"), "a \"…");
    }
}
