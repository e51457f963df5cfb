//! The verifier's answer to a gateway: the token through the same cache, filter and usage log
//! as `POST /v1/verify`, decided for the route the request goes to. A warm allow reads the
//! token's entry and its organization's route table where they lie and allocates nothing.

use std::sync::Arc;

use keyward_core::{VerifyCode, VerifyQuery, VerifySubject, decide, unix_nanos};
use keyward_store::StoreResult;
use time::OffsetDateTime;
use uuid::Uuid;

use super::entry::{CachedSubject, CachedToken};
use super::gateway::{Decides, GatewayCode, GatewayRequest, OrgRoutes, judge};
use super::limiter::LimitReport;
use super::{Metering, Verifier};

/// A cached token, deciding at one instant.
struct CachedAt<'a> {
    token: &'a CachedToken,
    now: OffsetDateTime,
    now_ns: i64,
}

impl Decides for CachedAt<'_> {
    fn decide<P: AsRef<str>>(&self, query: &VerifyQuery<'_, P>) -> VerifyCode {
        self.token.decide(query, self.now, self.now_ns)
    }
}

/// A subject read from storage (or an access token's), deciding at one instant.
pub struct SubjectAt<'a> {
    pub subject: &'a VerifySubject,
    pub now: OffsetDateTime,
}

impl Decides for SubjectAt<'_> {
    fn decide<P: AsRef<str>>(&self, query: &VerifyQuery<'_, P>) -> VerifyCode {
        decide(Some(self.subject), query, self.now)
    }
}

impl Verifier {
    /// Decides a gateway's request presenting `presented`, handing the verdict and the token's
    /// entry (for the identity headers) to `answer`.
    pub async fn verify_gateway<R>(
        &self,
        presented: &str,
        request: &GatewayRequest<'_>,
        now: OffsetDateTime,
        answer: impl FnOnce(GatewayCode, Option<&Arc<CachedSubject>>, Option<&LimitReport>) -> R,
    ) -> StoreResult<R> {
        // As in verify: a foreign string nobody imported stays MALFORMED.
        let Some((hash, missing, unsure)) = self.key_of(presented) else {
            return Ok(answer(GatewayCode::Verify(VerifyCode::Malformed), None, None));
        };
        let now_ns = unix_nanos(now);
        let mut answer = Some(answer);
        if self.cache_enabled() {
            let warm = self.cache.with(&hash, now_ns, |e| {
                self.routes.with(&e.org_id, now_ns, |routes| {
                    self.metrics.cache_hits.incr();
                    let code = judge(
                        routes,
                        request,
                        &CachedAt {
                            token: e,
                            now,
                            now_ns,
                        },
                    );
                    if code.is_valid() && e.full.limits.is_some() {
                        // Counted against its limits below.
                        return Err(e.full.clone());
                    }
                    self.note(e.token_id, now_ns, request, code);
                    Ok(answer.take().map(|a| a(code, Some(&e.full), None)))
                })
            });
            match warm {
                Some(Some(Ok(Some(r)))) => return Ok(r),
                Some(Some(Err(full))) => {
                    if let Some(answer) = answer.take() {
                        return Box::pin(self.gateway_metered(full, request, now, answer)).await;
                    }
                }
                _ => {}
            }
        }
        let Some(answer) = answer else {
            unreachable!("the answer is handed out only on the warm path, which returned");
        };
        // Boxed: the rare path's future would otherwise make every request's future larger.
        let key = (hash, missing, unsure);
        Box::pin(self.verify_gateway_cold(presented, key, request, now, answer)).await
    }

    async fn verify_gateway_cold<R>(
        &self,
        presented: &str,
        (hash, missing, unsure): (keyward_core::TokenHash, VerifyCode, bool),
        request: &GatewayRequest<'_>,
        now: OffsetDateTime,
        answer: impl FnOnce(GatewayCode, Option<&Arc<CachedSubject>>, Option<&LimitReport>) -> R,
    ) -> StoreResult<R> {
        let now_ns = unix_nanos(now);
        let cached = if self.cache_enabled() {
            self.cache.with(&hash, now_ns, |e| e.full.clone())
        } else {
            None
        };
        let entry = match cached {
            Some(e) => Some(e),
            None if !unsure && self.answers_unknown(hash) => None,
            None => {
                self.load_foreign_too(presented, hash, missing, unsure, now_ns)
                    .await?
            }
        };
        let Some(entry) = entry else {
            self.count(missing);
            return Ok(answer(GatewayCode::Verify(missing), None, None));
        };
        let routes = self.org_routes(entry.subject.org_id, now_ns).await?;
        let code = judge(
            &routes,
            request,
            &SubjectAt {
                subject: &entry.subject,
                now,
            },
        );
        if code.is_valid() && entry.limits.is_some() {
            return self.gateway_metered(entry, request, now, answer).await;
        }
        self.note(entry.subject.token_id, now_ns, request, code);
        Ok(answer(code, Some(&entry), None))
    }

    /// An allowed request of a token with limits or credits, counted against them (cost 1).
    async fn gateway_metered<R>(
        &self,
        full: Arc<CachedSubject>,
        request: &GatewayRequest<'_>,
        now: OffsetDateTime,
        answer: impl FnOnce(GatewayCode, Option<&Arc<CachedSubject>>, Option<&LimitReport>) -> R,
    ) -> StoreResult<R> {
        let now_ns = unix_nanos(now);
        let report = self.meter(&full, Metering::Cost(1), now, now_ns).await?;
        let code = GatewayCode::Verify(report.code);
        self.note(full.subject.token_id, now_ns, request, code);
        Ok(answer(code, Some(&full), Some(&report)))
    }

    fn note(&self, token_id: Uuid, now_ns: i64, request: &GatewayRequest<'_>, code: GatewayCode) {
        let code = code.usage_code();
        self.count(code);
        self.usage.note(token_id, now_ns, Some(request.ip), code);
    }

    /// An organization's compiled routes: from memory, else read (and kept unless an
    /// invalidation raced the read).
    pub async fn org_routes(&self, org_id: Uuid, now_ns: i64) -> StoreResult<Arc<OrgRoutes>> {
        let enabled = self.cache_enabled();
        if enabled && let Some(routes) = self.routes.get(&org_id, now_ns) {
            return Ok(routes);
        }
        let epoch = self.invalidation_epoch();
        self.metrics.storage_reads.incr();
        let routes = Arc::new(OrgRoutes::compile(&self.store.all_routes(org_id).await?));
        if enabled {
            self.routes.insert(org_id, routes.clone(), now_ns);
            if self.invalidation_epoch() != epoch {
                self.routes.invalidate(&org_id);
            }
        }
        Ok(routes)
    }
}
