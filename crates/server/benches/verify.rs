//! Core costs of a verification, and a whole in-process verify on a warm cache at 10 thousand
//! and 1 million tokens (seeded into a real SQLite store, then every token verified once so
//! the cache holds them all). `cargo bench -p keyward-server`; set `KEYWARD_BENCH_SIZES` to
//! change the sizes (default `10000,1000000`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use keyward_core::token::{self, TokenPrefix};
use keyward_core::*;
use keyward_service::verify::{CacheSettings, Verifier};
use uuid::Uuid;

use support::NOW;

fn core(c: &mut Criterion) {
    let prefix = TokenPrefix::default();
    let t = token::generate(&prefix, Environment::Live).unwrap();
    let secret = t.expose().to_owned();
    c.bench_function("token parse + checksum + SHA-256", |b| {
        b.iter(|| token::parse(&prefix, black_box(&secret)))
    });
    c.bench_function("SHA-256 of a token", |b| {
        b.iter(|| TokenHash::of(black_box(&secret)))
    });
    let mut bad = secret.clone().into_bytes();
    bad[20] = if bad[20] == b'a' { b'b' } else { b'a' };
    let bad = String::from_utf8(bad).unwrap();
    c.bench_function("reject a mistyped token (checksum)", |b| {
        b.iter(|| token::parse(&prefix, black_box(&bad)))
    });

    let user = ApiUser {
        allowed_ips: IpAllowList::parse(["10.1.0.0/16", "2001:db8::/32"]).unwrap(),
        ..ApiUser::new(Uuid::now_v7(), "crm-sync", NOW)
    };
    let subject = VerifySubject {
        token_expires_at: Some(NOW + time::Duration::days(30)),
        token_permissions: Some(PermissionSet::parse(["contacts:read", "orders:read"]).unwrap()),
        token_ips: IpAllowList::parse(["10.0.0.0/8"]).unwrap(),
        ..VerifySubject::new(
            Uuid::now_v7(),
            user,
            PermissionSet::parse(["contacts:*", "orders:read"]).unwrap(),
        )
    };
    let perms = ["contacts:read"];
    let query = VerifyQuery {
        ip: Some("10.1.2.3".parse().unwrap()),
        permissions: &perms[..],
        integration: None,
    };
    c.bench_function("decide (IPs, permissions, expiry)", |b| {
        b.iter(|| decide(Some(black_box(&subject)), &query, NOW))
    });
    let mut open = subject.clone();
    open.token_ips = IpAllowList::default();
    open.api_user_ips = IpAllowList::default();
    let fast = FastDecision::new(&open);
    let query = VerifyQuery { ip: None, ..query };
    let now = unix_nanos(NOW);
    assert_eq!(fast.decide(&query, now), Some(VerifyCode::Valid));
    c.bench_function("decide, compiled (permissions, expiry)", |b| {
        b.iter(|| black_box(&fast).decide(&query, now))
    });
}

fn warm_verify(c: &mut Criterion) {
    let rt = support::runtime();
    let sizes: Vec<usize> = std::env::var("KEYWARD_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let mut group = c.benchmark_group("in-process verify, warm cache");
    group.measurement_time(Duration::from_secs(5));
    for n in sizes {
        let support::Seeded {
            _dir, store, secrets, ..
        } = support::seeded(&rt, n);
        // Entries outlive the warm-up (1 M storage reads) so that every measured call is warm.
        let settings = CacheSettings {
            ttl: Duration::from_secs(3600),
            ..CacheSettings::default()
        };
        let verifier = Arc::new(Verifier::new(TokenPrefix::default(), store, settings));
        let query = VerifyQuery::<&str> {
            ip: Some("203.0.113.7".parse().unwrap()),
            permissions: &["bench:read"],
            integration: None,
        };
        rt.block_on(async {
            for s in &secrets {
                assert_eq!(
                    verifier.verify(s, &query, None, NOW).await.unwrap().code,
                    VerifyCode::Valid
                );
            }
            // Written before measuring, as the server would have written it a second at a
            // time: a million tokens' first use in one batch is not the steady state measured.
            verifier.flush_usage().await;
        });
        // The tokens in the order they are presented: a large odd stride, so that consecutive
        // calls touch distant cache entries. They lie end to end in one buffer, as a server's
        // requests lie in its read buffer, so reading the presented token is not what is
        // measured (from a `Vec<String>` it would cost two cache misses of its own at 1 M).
        let len = secrets[0].len();
        assert!(secrets.iter().all(|s| s.len() == len));
        let mut presented = String::with_capacity(len * secrets.len());
        let mut j = 0usize;
        for _ in 0..secrets.len() {
            j = (j + 7919) % secrets.len();
            presented.push_str(&secrets[j]);
        }
        let mut i = 0usize;
        let mut last_flush = std::time::Instant::now();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let started = std::time::Instant::now();
                for _ in 0..iters {
                    i = if i + 1 == secrets.len() { 0 } else { i + 1 };
                    let token = &presented[i * len..(i + 1) * len];
                    black_box(support::warm_code(&verifier, black_box(token), &query));
                }
                let took = started.elapsed();
                // Untimed: write the usage gathered once a second, as the server does, so the
                // usage buffer holds a second's worth of tokens rather than a whole run's.
                if last_flush.elapsed() >= Duration::from_secs(1) {
                    rt.block_on(verifier.flush_usage());
                    last_flush = std::time::Instant::now();
                }
                took
            })
        });
        // The floor, measured in the same run with the same tokens in the same order: what
        // the HTTP benchmark's ceiling does per request beyond HTTP — SHA-256 of the token and
        // one lookup in a `HashMap` of every token's hash. No checksum, no decision, no usage.
        let floor: std::collections::HashMap<[u8; 32], u64> = secrets
            .iter()
            .enumerate()
            .map(|(k, s)| (*TokenHash::of(s).as_bytes(), k as u64))
            .collect();
        group.bench_with_input(
            BenchmarkId::new("floor: SHA-256 + HashMap lookup", n),
            &n,
            |b, _| {
                b.iter_custom(|iters| {
                    let started = std::time::Instant::now();
                    for _ in 0..iters {
                        i = if i + 1 == secrets.len() { 0 } else { i + 1 };
                        let token = &presented[i * len..(i + 1) * len];
                        black_box(floor.get(TokenHash::of(black_box(token)).as_bytes()));
                    }
                    started.elapsed()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, core, warm_verify);
criterion_main!(benches);
