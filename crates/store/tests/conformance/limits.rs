//! Balances of credits and shared rate-limit permits, as several nodes use them at once.

use keyward_core::quota::{CreditAdjustment, CreditBalance, CreditsConfig};

use super::*;

/// `nodes` tasks each leasing until a lease grants nothing; answers all they were granted.
async fn leased_at_once<F: Future<Output = u64> + Send>(
    store: &DynStore,
    nodes: usize,
    lease: impl Fn(DynStore) -> F + Clone + Send + 'static,
) -> u64 {
    let tasks: Vec<_> = (0..nodes)
        .map(|_| {
            let (store, lease) = (store.clone(), lease.clone());
            tokio::spawn(async move {
                let mut got = 0;
                loop {
                    match lease(store.clone()).await {
                        0 => return got,
                        granted => got += granted,
                    }
                }
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total
}

async fn balance(store: &DynStore, credits: u64) -> (Uuid, CreditBalance) {
    let (org_id, _) = org(store, "ada@acme.io").await;
    let user = api_user(org_id, "crm-sync", None);
    store
        .create_api_user(&user, None, &audit(Some(org_id), "api_user.create"))
        .await
        .unwrap();
    let mut t = token(&user, "metered");
    let config = CreditsConfig {
        remaining: credits,
        refill: Some(keyward_core::limits::Refill {
            interval: keyward_core::limits::RefillInterval::Daily,
            amount: credits,
        }),
    };
    t.token.credits = Some(CreditBalance::new(Uuid::now_v7(), org_id, &config, NOW));
    store
        .create_token(&t, &audit(Some(org_id), "token.create"))
        .await
        .unwrap();
    let shown = store.get_token(org_id, t.token.id).await.unwrap();
    (t.token.id, shown.credits.expect("a balance"))
}

conformance!(
    leases_never_hand_out_a_credit_twice,
    |store: DynStore| async move {
        let (token_id, b) = balance(&store, 1000).await;
        // Many nodes leasing at once get disjoint shares that add up to the balance.
        let id = b.id;
        let total = leased_at_once(&store, 8, move |store| async move {
            match store.lease_credits(id, 1, 37, NOW).await.unwrap() {
                Lease::Granted { granted, .. } => granted,
                other => panic!("{other:?}"),
            }
        })
        .await;
        assert_eq!(total, 1000);
        let now = store.credit_balance(b.id).await.unwrap().unwrap();
        assert_eq!((now.remaining, now.leased, now.available()), (0, 1000, 1000));
        // Reports: spent counts, returned comes back; a report of another period does nothing.
        let after = store
            .settle_credits(
                &[Settlement {
                    id: b.id,
                    period: b.period,
                    spent: 600,
                    returned: 100,
                }],
                NOW,
            )
            .await
            .unwrap();
        assert_eq!((after[0].remaining, after[0].leased), (100, 300));
        store
            .settle_credits(
                &[Settlement {
                    id: b.id,
                    period: b.period + 1,
                    spent: 300,
                    returned: 0,
                }],
                NOW,
            )
            .await
            .unwrap();
        assert_eq!(store.credit_balance(b.id).await.unwrap().unwrap().leased, 300);
        // Leases nobody reported on for a while are written off, never handed out again.
        assert_eq!(store.write_off_stale_leases(NOW).await.unwrap(), 0);
        assert_eq!(
            store
                .write_off_stale_leases(NOW + Duration::minutes(2))
                .await
                .unwrap(),
            1
        );
        let now = store.credit_balance(b.id).await.unwrap().unwrap();
        assert_eq!((now.remaining, now.leased), (100, 0));
        // A refill is applied once, by whoever sees it first, and voids earlier leases.
        let tomorrow = NOW + Duration::days(1);
        let due = match store.lease_credits(b.id, 1, 10, tomorrow).await.unwrap() {
            Lease::RefillDue(due) => due,
            other => panic!("{other:?}"),
        };
        let midnight = datetime!(2026-11-25 00:00 UTC);
        let next = Some(midnight + Duration::days(1));
        let refill = audit(Some(b.org_id), "credits.refill");
        let first = store
            .refill_credits(b.id, due.last_refill, midnight, next, &refill)
            .await
            .unwrap()
            .expect("applied");
        assert_eq!((first.remaining, first.period), (1000, b.period + 1));
        let again = audit(Some(b.org_id), "credits.refill");
        assert!(
            store
                .refill_credits(b.id, due.last_refill, midnight, next, &again)
                .await
                .unwrap()
                .is_none(),
            "a second node's refill changes nothing"
        );
        // A top-up adds; a "set" starts a new period.
        let org_id = b.org_id;
        let adjust = |change| {
            let owner = CreditOwner::Token(token_id);
            let store = store.clone();
            async move {
                let audit = audit(Some(org_id), "credits.adjust");
                store.adjust_credits(org_id, owner, change, &audit).await.unwrap()
            }
        };
        let added = adjust(CreditAdjustment::Add(5)).await;
        assert_eq!((added.remaining, added.period), (1005, first.period));
        let set = adjust(CreditAdjustment::Set(7)).await;
        assert_eq!((set.remaining, set.period), (7, first.period + 1));
    }
);

conformance!(
    permits_never_exceed_a_limit_across_grants,
    |store: DynStore| async move {
        let request = |bucket: i64, want: u64| PermitRequest {
            key: "user:t:1".into(),
            limit: 100,
            bucket,
            since: bucket - 60,
            want,
            expires_at_ms: 1_000_000,
        };
        let total = leased_at_once(&store, 6, move |store| async move {
            store.lease_permits(&request(1000, 9)).await.unwrap().0
        })
        .await;
        assert_eq!(total, 100, "the grants add up to the limit, never more");
        // Returned permits are room again; counts older than the window no longer weigh.
        store
            .return_permits(&[("user:t:1".into(), 1000, 10)])
            .await
            .unwrap();
        // 90 counted in bucket 1000: 10 left, half of it granted.
        assert_eq!(store.lease_permits(&request(1001, 50)).await.unwrap(), (5, 5));
        assert_eq!(store.lease_permits(&request(1060, 50)).await.unwrap(), (2, 3));
        // Bucket 1000 has left the window: 7 counted since.
        assert_eq!(store.lease_permits(&request(1061, 50)).await.unwrap(), (46, 47));
        assert!(store.prune_permits(2_000_000).await.unwrap() > 0);
    }
);
