//! The audit trail, and leaked-token lookups by hash.

use keyward_api::{AuditPage, AuditQuery, HashCheck, HashCheckRequest, LeakFeedback, LeakReport};

use crate::{Client, Result};

impl Client {
    /// Newest first; follow `next_cursor` for older events.
    pub async fn list_audit_events(&self, query: &AuditQuery) -> Result<AuditPage> {
        self.get("/v1/audit-events", query).await
    }

    /// Whether strings found somewhere are tokens of this organization, asked by SHA-256 only.
    pub async fn check_hashes(&self, body: &HashCheckRequest) -> Result<Vec<HashCheck>> {
        self.post("/v1/tokens/check-hashes", body).await
    }

    /// Reports strings found in public: keyward revokes those that are its live tokens.
    pub async fn report_leak(&self, reports: &[LeakReport]) -> Result<Vec<LeakFeedback>> {
        self.post("/v1/tokens/report-leak", &reports).await
    }
}
