//! Credits across three `keyward serve` processes on one PostgreSQL: hammered from every node
//! with more requests than credits, a balance of N gives at most N VALID answers, and every
//! one of the N can be spent once the load stops; a killed node never makes a credit be spent
//! twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::Method as M;
use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::helpers::send;

/// A token of `crm-sync` with `credits`; answers its secret and id.
async fn metered(c: &Cluster, session: &str, credits: u64) -> (String, String) {
    let t = c
        .post(
            0,
            "/v1/api-users/crm-sync/tokens",
            session,
            json!({"name": "metered", "credits": {"remaining": credits}}),
        )
        .await;
    (
        t["token"].as_str().unwrap().to_owned(),
        t["id"].as_str().unwrap().to_owned(),
    )
}

/// How long each client of [`load`] keeps asking.
#[derive(Clone, Copy)]
enum Until {
    /// This many verifications per node, shared by its clients.
    Count(u64),
    /// Until this instant.
    Time(std::time::Instant),
}

/// Verifications of `token` on each of `nodes` at once, 8 clients per node, `refused` being
/// the only other answer allowed; answers how many were VALID on each node.
async fn load(
    c: &Cluster,
    nodes: &[usize],
    verifier: &str,
    token: &str,
    until: Until,
    refused: &'static str,
) -> Vec<u64> {
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    let mut counts = Vec::new();
    for &node in nodes {
        let valid = Arc::new(AtomicU64::new(0));
        counts.push(valid.clone());
        let left = Arc::new(AtomicU64::new(match until {
            Until::Count(n) => n,
            Until::Time(_) => u64::MAX,
        }));
        for _ in 0..8 {
            let (http, url, verifier, token) = (
                http.clone(),
                c.url(node).to_owned(),
                verifier.to_owned(),
                token.to_owned(),
            );
            let (valid, left) = (valid.clone(), left.clone());
            tasks.push(tokio::spawn(async move {
                let more = || match until {
                    Until::Count(_) => left
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok(),
                    Until::Time(t) => std::time::Instant::now() < t,
                };
                while more() {
                    let body = json!({"token": token});
                    let a = send(&http, &url, M::POST, "/v1/verify", Some(&verifier), Some(body)).await;
                    assert_eq!(a.status.as_u16(), 200, "{}", a.text);
                    match a.body["code"].as_str() {
                        Some("VALID") => {
                            valid.fetch_add(1, Ordering::SeqCst);
                        }
                        Some(code) if code == refused => {}
                        other => panic!("unexpected answer {other:?}: {}", a.text),
                    }
                }
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    counts.iter().map(|c| c.load(Ordering::SeqCst)).collect()
}

/// `per_node` verifications of a metered token on each of `nodes` at once.
async fn hammer(c: &Cluster, nodes: &[usize], verifier: &str, token: &str, per_node: u64) -> Vec<u64> {
    load(
        c,
        nodes,
        verifier,
        token,
        Until::Count(per_node),
        "USAGE_EXCEEDED",
    )
    .await
}

/// Spends what is left from `node`, one credit at a time, until refused; answers how many.
async fn drain(c: &Cluster, node: usize, verifier: &str, token: &str) -> u64 {
    let mut n = 0;
    loop {
        let v: Value = c
            .post(node, "/v1/verify", verifier, json!({"token": token}))
            .await;
        match v["code"].as_str() {
            Some("VALID") => n += 1,
            Some("USAGE_EXCEEDED") => return n,
            other => panic!("unexpected answer {other:?}: {v}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_never_overspend_and_strand_nothing() {
    const N: u64 = 600;
    let Some(c) = Cluster::start(3).await else { return };
    let (s, verifier, ..) = c.setup().await;
    let (token, id) = metered(&c, &s, N).await;
    let valid = hammer(&c, &[0, 1, 2], &verifier, &token, N).await;
    let during: u64 = valid.iter().sum();
    eprintln!(
        "VALID per node under load: {valid:?} (of {N} credits, {} requests)",
        3 * N
    );
    assert!(during <= N, "{during} VALID answers for {N} credits");
    // Once the load stops, what nodes held goes back within 2 s, and any node can spend it.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = drain(&c, 2, &verifier, &token).await;
    assert_eq!(
        during + after,
        N,
        "every credit spent exactly once ({during} + {after})"
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let shown = c.get(1, &format!("/v1/tokens/{id}"), &s).await;
    assert_eq!(shown["credits"]["remaining"], 0, "{shown}");
    let mut leases = 0;
    for node in 0..3 {
        leases += c.metric(node, "keyward_credit_leases_total").await;
    }
    eprintln!("{N} credits spent with {leases} lease transactions across 3 nodes");
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_node_never_makes_a_credit_be_spent_twice() {
    const N: u64 = 400;
    let Some(mut c) = Cluster::start(3).await else {
        return;
    };
    let (s, verifier, ..) = c.setup().await;
    let (token, id) = metered(&c, &s, N).await;
    let before = hammer(&c, &[0], &verifier, &token, 100).await[0];
    assert_eq!(before, 100);
    // SIGKILL while it may hold a lease it has not reported.
    c.nodes[0].take().expect("node 0").kill();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = drain(&c, 1, &verifier, &token).await + drain(&c, 2, &verifier, &token).await;
    eprintln!("after SIGKILL: {before} answered by the killed node, {after} by the others, of {N}");
    assert!(
        before + after <= N,
        "{} VALID answers for {N} credits",
        before + after
    );
    // What the killed node held unspent is lost, never more than a lease (half of what was
    // left at most).
    assert!(
        before + after >= N / 2,
        "{before} + {after}: more than a lease was lost"
    );
    let shown = c.get(1, &format!("/v1/tokens/{id}"), &s).await;
    eprintln!("balance shown after the drain: {}", shown["credits"]);
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_share_a_rate_limit_without_overshoot() {
    const LIMIT: u64 = 500;
    let Some(c) = Cluster::start(3).await else { return };
    let (s, verifier, ..) = c.setup().await;
    let t = c
        .post(
            0,
            "/v1/api-users/crm-sync/tokens",
            &s,
            json!({"name": "limited", "ratelimits": [{"name": "requests", "limit": LIMIT, "duration_ms": 60000}]}),
        )
        .await;
    let token = t["token"].as_str().unwrap().to_owned();
    // All nodes at once for 3 s, well within the minute: at most LIMIT are VALID, and what a
    // node holds unused goes back when its grant ends, so nearly all of the limit is used.
    let started = std::time::Instant::now();
    let until = Until::Time(std::time::Instant::now() + Duration::from_secs(3));
    let valid = load(&c, &[0, 1, 2], &verifier, &token, until, "RATE_LIMITED").await;
    let admitted: u64 = valid.iter().sum();
    let took = started.elapsed();
    let mut grants = 0;
    for node in 0..3 {
        grants += c.metric(node, "keyward_ratelimit_leases_total").await;
    }
    eprintln!(
        "rate limit {LIMIT}/min on 3 nodes: {admitted} VALID in {took:?} (per node {valid:?}), {grants} grants"
    );
    assert!(took < Duration::from_secs(50), "the load must fit in one window");
    assert!(admitted <= LIMIT, "{admitted} admitted for a limit of {LIMIT}");
    assert!(
        admitted * 100 >= LIMIT * 98,
        "{admitted} admitted: the limit is far from used"
    );
    c.finish().await;
}
