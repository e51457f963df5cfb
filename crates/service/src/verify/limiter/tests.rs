use keyward_core::quota::{LimitScope, ScopedLimit};

use super::*;

fn limit(name: &str, limit: u64, duration_ms: u64) -> RateLimit {
    RateLimit {
        name: name.into(),
        limit,
        duration_ms,
    }
}

fn ready(limits: Vec<ScopedLimit>) -> Box<ReadyLimits> {
    ReadyLimits::of(&SubjectLimits {
        ratelimits: limits,
        credits: vec![],
    })
    .unwrap()
}

fn done(c: Check) -> LimitReport {
    match c {
        Check::Done(r) => r,
        Check::Lease { .. } | Check::Permits { .. } => panic!("no credits here, one node"),
    }
}

const T0: i64 = 1_800_000_000_000;

#[test]
fn a_limit_admits_exactly_its_count_then_refuses_until_the_window_moves() {
    let token = Uuid::now_v7();
    let l = ready(vec![ScopedLimit {
        scope: LimitScope::Token(token),
        limit: limit("requests", 3, 60_000),
    }]);
    let limiter = Limiter::default();
    for left in [2, 1, 0] {
        let r = done(limiter.check(&l, 1, T0));
        assert_eq!(r.code, VerifyCode::Valid);
        assert_eq!(r.ratelimits[0].remaining, left);
    }
    let refused = done(limiter.check(&l, 1, T0 + 30_000));
    assert_eq!(refused.code, VerifyCode::RateLimited);
    assert_eq!(refused.ratelimits[0].remaining, 0);
    let reset = refused.ratelimits[0].reset_at;
    assert!(reset > OffsetDateTime::from_unix_timestamp(T0 / 1000).unwrap());
    let now = OffsetDateTime::from_unix_timestamp((T0 + 30_000) / 1000).unwrap();
    assert!(refused.retry_after_secs(now).unwrap() >= 30);
    // A whole window (and the bucket counted whole) later, room again.
    assert_eq!(done(limiter.check(&l, 1, T0 + 61_001)).code, VerifyCode::Valid);
}

#[test]
fn a_refusal_counts_against_no_other_limit() {
    let token = Uuid::now_v7();
    let l = ready(vec![
        ScopedLimit {
            scope: LimitScope::Token(token),
            limit: limit("wide", 100, 60_000),
        },
        ScopedLimit {
            scope: LimitScope::Token(token),
            limit: limit("narrow", 2, 60_000),
        },
    ]);
    let limiter = Limiter::default();
    for _ in 0..2 {
        assert_eq!(done(limiter.check(&l, 1, T0)).code, VerifyCode::Valid);
    }
    for _ in 0..10 {
        assert_eq!(done(limiter.check(&l, 1, T0)).code, VerifyCode::RateLimited);
    }
    let r = done(limiter.check(&l, 1, T0));
    assert_eq!(r.ratelimits[0].name, "wide");
    assert_eq!(r.ratelimits[0].remaining, 98, "the refusals were not counted");
}

#[test]
fn an_api_users_limit_is_shared_by_its_tokens() {
    let user = Uuid::now_v7();
    let shared = |token: Uuid| {
        ready(vec![
            ScopedLimit {
                scope: LimitScope::Token(token),
                limit: limit("own", 10, 60_000),
            },
            ScopedLimit {
                scope: LimitScope::ApiUser(user),
                limit: limit("customer", 3, 60_000),
            },
        ])
    };
    let (a, b) = (shared(Uuid::now_v7()), shared(Uuid::now_v7()));
    let limiter = Limiter::default();
    assert_eq!(done(limiter.check(&a, 1, T0)).code, VerifyCode::Valid);
    assert_eq!(done(limiter.check(&b, 1, T0)).code, VerifyCode::Valid);
    assert_eq!(done(limiter.check(&a, 1, T0)).code, VerifyCode::Valid);
    assert_eq!(done(limiter.check(&b, 1, T0)).code, VerifyCode::RateLimited);
    assert_eq!(done(limiter.check(&a, 1, T0)).code, VerifyCode::RateLimited);
}

#[test]
fn a_changed_limit_starts_a_new_window_and_quiet_windows_are_forgotten() {
    let token = Uuid::now_v7();
    let of = |n| {
        ready(vec![ScopedLimit {
            scope: LimitScope::Token(token),
            limit: limit("requests", n, 60_000),
        }])
    };
    let limiter = Limiter::default();
    assert_eq!(done(limiter.check(&of(1), 1, T0)).code, VerifyCode::Valid);
    assert_eq!(done(limiter.check(&of(1), 1, T0)).code, VerifyCode::RateLimited);
    assert_eq!(done(limiter.check(&of(2), 1, T0)).code, VerifyCode::Valid);
    assert!(limiter.settlements(T0, false).is_empty());
    assert_eq!(limiter.lock().windows.len(), 2);
    limiter.settlements(T0 + 120_000, false);
    assert_eq!(limiter.lock().windows.len(), 0);
}

#[test]
fn tokens_without_limits_have_none_ready() {
    assert!(ReadyLimits::of(&SubjectLimits::default()).is_none());
}
