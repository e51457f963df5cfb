//! The warm verify path allocates nothing: a valid, revoked, permission-denied, malformed or
//! made-up token, and the caller's own credential, are answered from memory without touching
//! the allocator. Counted by `allocation-counter`'s global allocator, which tallies the calling
//! thread's allocations, so the store's and the runtime's other threads do not blur the count.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use allocation_counter::measure;
use futures_util::FutureExt;
use keyward_core::token::{self, TokenPrefix};
use keyward_core::{Environment, VerifyCode, VerifyQuery};
use keyward_service::verify::{CacheSettings, Verifier};
use keyward_store::Invalidation;
use support::NOW;

/// A verifier over the seeded store, its filter loaded, whose entries outlive the test.
fn verifier_over(rt: &tokio::runtime::Runtime, seeded: &support::Seeded) -> Arc<Verifier> {
    let settings = CacheSettings {
        ttl: Duration::from_secs(3600),
        ..CacheSettings::default()
    };
    let verifier = Arc::new(Verifier::new(
        TokenPrefix::default(),
        seeded.store.clone(),
        settings,
    ));
    rt.block_on(verifier.load_known_tokens()).unwrap();
    verifier
}

#[test]
fn warm_verify_allocates_nothing() {
    let rt = support::runtime();
    let seeded = support::seeded(&rt, 3);
    let (valid, revoked, caller) = (&seeded.secrets[0], &seeded.secrets[1], &seeded.secrets[2]);
    rt.block_on(
        seeded
            .store
            .revoke_token(seeded.org_id, seeded.ids[1], NOW, &support::audit(seeded.org_id)),
    )
    .unwrap();
    let verifier = verifier_over(&rt, &seeded);

    let mut malformed = valid.clone().into_bytes();
    let last = malformed.len() - 1;
    malformed[last] = if malformed[last] == b'a' { b'b' } else { b'a' };
    let malformed = String::from_utf8(malformed).unwrap();
    let unknown = token::generate(&TokenPrefix::default(), Environment::Live)
        .unwrap()
        .into_secret();
    let granted = VerifyQuery::<&str> {
        ip: Some("203.0.113.7".parse().unwrap()),
        permissions: &["bench:read"],
        integration: None,
    };
    let denied = VerifyQuery::<&str> {
        permissions: &["bench:write"],
        ..granted
    };
    let cases = [
        (valid.as_str(), &granted, VerifyCode::Valid),
        (valid.as_str(), &denied, VerifyCode::InsufficientPermissions),
        (revoked.as_str(), &granted, VerifyCode::Revoked),
        (malformed.as_str(), &granted, VerifyCode::Malformed),
        (unknown.as_str(), &granted, VerifyCode::NotFound),
    ];
    let verify = |presented: &str, query: &VerifyQuery<&str>| support::warm_code(&verifier, presented, query);
    let check_caller = || {
        verifier
            .check_caller(caller, "203.0.113.7".parse().unwrap(), NOW, |code, _| code)
            .now_or_never()
            .expect("a remembered caller never waits")
            .unwrap()
    };

    // Warm up: the first verify of a token reads storage and fills the cache. Two rounds with a
    // flush after each, as the server flushes every second: the usage log in use then has the
    // room a round's uses need, and keeps it.
    for _ in 0..2 {
        for _ in 0..2_000 {
            for (presented, query, code) in &cases {
                assert_eq!(
                    rt.block_on(verifier.verify_with(
                        presented,
                        query,
                        None,
                        keyward_service::verify::Metering::Cost(1),
                        NOW,
                        |c, _, _| c
                    ))
                    .unwrap(),
                    *code
                );
            }
            assert_eq!(
                rt.block_on(verifier.check_caller(caller, "203.0.113.7".parse().unwrap(), NOW, |c, _| c))
                    .unwrap(),
                VerifyCode::Valid
            );
        }
        rt.block_on(verifier.flush_usage());
    }

    for (presented, query, code) in &cases {
        let counted = measure(|| {
            for _ in 0..1_000 {
                assert_eq!(verify(presented, query), *code);
            }
        });
        assert_eq!(counted.count_total, 0, "verifying a {code:?} token allocated");
    }
    let counted = measure(|| {
        for _ in 0..1_000 {
            assert_eq!(check_caller(), VerifyCode::Valid);
        }
    });
    assert_eq!(
        counted.count_total, 0,
        "checking the caller's credential allocated"
    );

    // The counter counts: the cold path (a storage read) allocates.
    rt.block_on(verifier.invalidate(&[Invalidation::Organization(seeded.org_id)]));
    let counted = measure(|| {
        let code = rt.block_on(verifier.verify_with(
            valid,
            &granted,
            None,
            keyward_service::verify::Metering::Cost(1),
            NOW,
            |c, _, _| c,
        ));
        assert_eq!(code.unwrap(), VerifyCode::Valid);
    });
    assert!(
        counted.count_total > 0,
        "a storage read allocated nothing: the counter is broken"
    );
}

/// A gateway's warm request (forward-auth, Envoy's Check) allocates nothing either: the token's
/// entry and its organization's compiled routes are read where they lie, and the identity
/// headers' values are shared bytes, handed over without copying.
#[test]
fn warm_gateway_requests_allocate_nothing() {
    use keyward_service::verify::gateway::{GatewayCode, GatewayRequest};
    let rt = support::runtime();
    let seeded = support::seeded(&rt, 2);
    for (i, (method, path, permission)) in [
        ("GET", "/contacts/{id}", "bench:read"),
        ("POST", "/contacts", "bench:write"),
        ("*", "/files/*", "bench:read"),
    ]
    .into_iter()
    .enumerate()
    {
        let route = keyward_core::Route {
            description: format!("route {i}"),
            ..keyward_core::Route::new(
                seeded.org_id,
                method.into(),
                path.into(),
                vec![permission.into()],
                NOW,
            )
        };
        rt.block_on(seeded.store.create_route(&route, &support::audit(seeded.org_id)))
            .unwrap();
    }
    let verifier = verifier_over(&rt, &seeded);
    let valid = seeded.secrets[0].as_str();
    let request = |method: &'static str, path: &'static str| GatewayRequest {
        ip: "203.0.113.7".parse().unwrap(),
        method,
        path,
        required: &[],
    };
    let cases = [
        (
            request("GET", "/contacts/42?x=1"),
            GatewayCode::Verify(VerifyCode::Valid),
        ),
        (
            request("PUT", "/files/a/b"),
            GatewayCode::Verify(VerifyCode::Valid),
        ),
        (
            request("POST", "/contacts"),
            GatewayCode::Verify(VerifyCode::InsufficientPermissions),
        ),
        (request("GET", "/admin"), GatewayCode::RouteNotAllowed),
    ];
    // What a transport does with an allow: take every identity value (shared, not copied).
    async fn ask(verifier: &Verifier, token: &str, r: &GatewayRequest<'_>) -> GatewayCode {
        verifier
            .verify_gateway(token, r, NOW, |code, entry, _| {
                if let Some(e) = entry.filter(|_| code.is_valid()) {
                    let values = e.gateway_identity().values().map(axum::body::Bytes::clone);
                    std::hint::black_box(values);
                }
                code
            })
            .await
            .unwrap()
    }
    for _ in 0..2 {
        for _ in 0..2_000 {
            for (r, code) in &cases {
                assert_eq!(rt.block_on(ask(&verifier, valid, r)), *code);
            }
        }
        rt.block_on(verifier.flush_usage());
    }
    for (r, code) in &cases {
        let counted = measure(|| {
            for _ in 0..1_000 {
                let got = ask(&verifier, valid, r)
                    .now_or_never()
                    .expect("a warm gateway request never waits");
                assert_eq!(got, *code);
            }
        });
        assert_eq!(
            counted.count_total, 0,
            "a gateway request answered {code:?} allocated"
        );
    }
}
