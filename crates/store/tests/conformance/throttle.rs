//! Login throttling shared by every node.

use super::*;

conformance!(
    login_throttle_counts_atomically_and_forgets,
    |store: DynStore| async move {
        let policy = ThrottlePolicy {
            limit: 5,
            window: Duration::minutes(15),
            max_lockout: Duration::days(1),
        };
        // Failures counted concurrently (as by several nodes) are all counted: the fifth locks.
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                store.throttle_fail("account:a@x.io", &policy, NOW).await.unwrap()
            }));
        }
        let mut locked = 0;
        for t in tasks {
            if t.await.unwrap().wait(NOW).is_some() {
                locked += 1;
            }
        }
        assert_eq!(locked, 1, "exactly the fifth failure locks");
        let states = store
            .throttle_states(&["account:a@x.io", "ip:10.0.0.1"])
            .await
            .unwrap();
        assert_eq!(states.len(), 1);
        assert_eq!(states[0].0, "account:a@x.io");
        assert_eq!(states[0].1.wait(NOW), Some(900));
        assert_eq!(states[0].1.lockouts, 1);

        // The next lockout doubles; clearing forgets it.
        let later = NOW + Duration::minutes(15);
        let mut s = None;
        for _ in 0..5 {
            s = Some(
                store
                    .throttle_fail("account:a@x.io", &policy, later)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(s.unwrap().wait(later), Some(1800));
        store.throttle_clear("account:a@x.io").await.unwrap();
        assert!(
            store
                .throttle_states(&["account:a@x.io"])
                .await
                .unwrap()
                .is_empty()
        );

        // Pruning removes only what no longer matters.
        store.throttle_fail("ip:10.0.0.1", &policy, NOW).await.unwrap();
        assert_eq!(store.throttle_prune(NOW + Duration::hours(23)).await.unwrap(), 0);
        assert_eq!(store.throttle_prune(NOW + Duration::hours(25)).await.unwrap(), 1);
        assert!(store.throttle_states(&["ip:10.0.0.1"]).await.unwrap().is_empty());
    }
);
