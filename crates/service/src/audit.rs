//! Reading the audit trail: pages, newest first, and the CSV export.

use keyward_core::audit::AuditEntry;
use keyward_store::AuditFilter;

use crate::context::Read;
use crate::error::ServiceResult;

/// At most this many events per export; narrow the filters for more.
pub const EXPORT_LIMIT: u32 = 100_000;

/// Up to `limit` events matching `filter`, newest first.
pub async fn list(r: &Read<'_>, filter: &AuditFilter, limit: u32) -> ServiceResult<Vec<AuditEntry>> {
    let events = r.service().store.list_audit(r.org_id(), filter, limit).await?;
    Ok(events.into_iter().map(|e| e.entry).collect())
}

/// The events an export holds: every match, newest first, at most [`EXPORT_LIMIT`].
pub async fn export(r: &Read<'_>, filter: &AuditFilter) -> ServiceResult<Vec<AuditEntry>> {
    list(r, filter, EXPORT_LIMIT).await
}

/// One CSV field: quoted when it holds a separator, a quote or a line break, and prefixed with
/// a quote when a spreadsheet would read it as a formula.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The events as CSV, in the order given, with a header line.
pub fn to_csv(events: &[AuditEntry]) -> String {
    let mut out = String::from(
        "seq,at,actor_kind,actor_id,actor_label,action,target_type,target_id,source_ip,outcome,details\n",
    );
    for e in events {
        let fields = [
            e.seq.to_string(),
            crate::rfc3339(e.at),
            e.actor_kind.clone(),
            e.actor_id.map(|u| u.to_string()).unwrap_or_default(),
            e.actor_label.clone(),
            e.action.clone(),
            e.target_type.clone(),
            e.target_id.map(|u| u.to_string()).unwrap_or_default(),
            e.source_ip.clone().unwrap_or_default(),
            e.outcome.clone(),
            e.details.to_string(),
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        for (raw, written) in [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ] {
            assert_eq!(csv_field(raw), written);
        }
    }
}
