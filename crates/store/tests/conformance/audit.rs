//! The audit chain under concurrent writers.

use super::*;

conformance!(
    audit_chain_under_concurrent_writers,
    |store: DynStore| async move {
        let (a, _) = org(&store, "ada@acme.io").await;
        let mut tasks = Vec::new();
        for n in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..10 {
                    let g = group(a, &format!("g-{n}-{i}"), &["x:y"]);
                    store
                        .create_group(&g, &audit(Some(a), "permission_group.create"))
                        .await
                        .unwrap();
                    store.append_audit(&audit(Some(a), "auth.login")).await.unwrap();
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(store.verify_audit_chain().await.unwrap(), Ok(161));
        // Filters and pages, newest first.
        for action in ["auth.login", "permission_group"] {
            let filter = AuditFilter {
                action: Some(action.into()),
                ..Default::default()
            };
            let found = store.list_audit(a, &filter, 500).await.unwrap();
            assert_eq!(found.len(), 80, "{action}: by name or by prefix");
        }
        let page1 = store.list_audit(a, &AuditFilter::default(), 100).await.unwrap();
        let page2 = store
            .list_audit(
                a,
                &AuditFilter {
                    before_seq: Some(page1.last().unwrap().entry.seq),
                    ..Default::default()
                },
                100,
            )
            .await
            .unwrap();
        assert_eq!(page1.len() + page2.len(), 161);
        assert!(page1.windows(2).all(|w| w[0].entry.seq > w[1].entry.seq));
        assert_eq!(page1[0].entry.details, json!({"k": "v"}));
        let none = store
            .list_audit(
                a,
                &AuditFilter {
                    since: Some(NOW + Duration::seconds(1)),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert!(none.is_empty());
    }
);
