//! Usage batches from the verify path.

use super::*;

conformance!(usage_batches_merge, |store: DynStore| async move {
    let (a, _) = org(&store, "ada@acme.io").await;
    let u = api_user(a, "crm-sync", None);
    store.create_api_user(&u, None, &seed(a)).await.unwrap();
    let t = token(&u, "prod");
    store.create_token(&t, &seed(a)).await.unwrap();
    let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
    let hour = datetime!(2026-11-24 12:00 UTC);
    let batch = |at: OffsetDateTime, from: &str, valid: u64, denied: u64| UsageUpdate {
        token_id: t.token.id,
        last_used_at: at,
        last_used_ip: ip(from),
        hour,
        counts: vec![(VerifyCode::Valid, valid), (VerifyCode::IpNotAllowed, denied)],
        ips: vec![from.parse().unwrap()],
    };
    // Two nodes' batches, the newer one first: the latest time wins, counts add up.
    store
        .record_usage(&[batch(NOW + Duration::seconds(30), "203.0.113.2", 5, 1)])
        .await
        .unwrap();
    store
        .record_usage(&[batch(NOW + Duration::seconds(10), "203.0.113.1", 3, 0)])
        .await
        .unwrap();
    let got = store.get_token(a, t.token.id).await.unwrap();
    assert_eq!(got.use_count, 9);
    assert_eq!(got.last_used_at, Some(NOW + Duration::seconds(30)));
    assert_eq!(got.last_used_ip.as_deref(), Some("203.0.113.2"));
    let points = store
        .token_usage(a, t.token.id, NOW - Duration::days(1))
        .await
        .unwrap();
    let count = |c: VerifyCode| {
        points
            .iter()
            .filter(|p| p.code == c)
            .map(|p| p.count)
            .sum::<i64>()
    };
    assert_eq!(count(VerifyCode::Valid), 8);
    assert_eq!(count(VerifyCode::IpNotAllowed), 1);
    assert!(store.record_usage(&[]).await.unwrap().is_empty());

    // The hourly series counts distinct IPs across batches, for a token, its user or the org.
    for (token_id, user_id) in [(Some(t.token.id), None), (None, Some(u.id)), (None, None)] {
        let series = store
            .usage_series(a, token_id, user_id, NOW - Duration::days(1))
            .await
            .unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].hour, hour);
        assert_eq!(series[0].distinct_ips, 2);
        assert!(series[0].counts.contains(&(VerifyCode::Valid, 8)));
    }
    // Both addresses share a /24: the first batch found the network, the second did not.
    let new = store
        .record_usage(&[batch(NOW + Duration::seconds(40), "198.51.100.7", 1, 0)])
        .await
        .unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].network, "198.51.100.0/24");
    assert!(new[0].had_others);
    assert_eq!(new[0].org_id, a);
});

conformance!(
    usage_flush_of_many_tokens_spans_several_statements,
    |store: DynStore| async move {
        // More tokens than one multi-row statement holds, each used in two hours, one batch.
        let (a, _) = org(&store, "ada@acme.io").await;
        let u = api_user(a, "crm-sync", None);
        store.create_api_user(&u, None, &seed(a)).await.unwrap();
        let tokens: Vec<NewToken> = (0..1_201).map(|i| token(&u, &format!("t{i}"))).collect();
        store.seed_tokens(&tokens, &seed(a)).await.unwrap();
        let h1 = datetime!(2026-11-24 11:00 UTC);
        let h2 = datetime!(2026-11-24 12:00 UTC);
        let mut batch = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            let from: IpAddr = format!("10.{}.{}.1", i / 250, i % 250).parse().unwrap();
            for (hour, at, n) in [
                (h1, h1 + Duration::minutes(59), 2u64),
                (h2, h2 + Duration::minutes(1), 3u64),
            ] {
                batch.push(UsageUpdate {
                    token_id: t.token.id,
                    last_used_at: at,
                    last_used_ip: Some(from),
                    hour,
                    counts: vec![(VerifyCode::Valid, n), (VerifyCode::Expired, 1)],
                    ips: vec![from],
                });
            }
        }
        let new = store.record_usage(&batch).await.unwrap();
        // Every token met its network for the first time, once.
        assert_eq!(new.len(), tokens.len());
        assert!(new.iter().all(|n| !n.had_others));
        for t in [&tokens[0], &tokens[600], &tokens[1_200]] {
            let got = store.get_token(a, t.token.id).await.unwrap();
            assert_eq!(got.use_count, 2 + 1 + 3 + 1);
            assert_eq!(got.last_used_at, Some(h2 + Duration::minutes(1)));
            let points = store
                .token_usage(a, t.token.id, h1 - Duration::days(1))
                .await
                .unwrap();
            assert_eq!(points.len(), 4);
            assert!(
                points
                    .iter()
                    .any(|p| p.hour == h1 && p.code == VerifyCode::Valid && p.count == 2)
            );
            assert!(
                points
                    .iter()
                    .any(|p| p.hour == h2 && p.code == VerifyCode::Valid && p.count == 3)
            );
        }
        let series = store
            .usage_series(a, None, None, h1 - Duration::days(1))
            .await
            .unwrap();
        assert_eq!(series.len(), 2);
        assert!(series.iter().all(|s| s.distinct_ips == 1_201));
        assert!(series.iter().all(|s| s.counts.contains(&(
            VerifyCode::Valid,
            if s.hour == h1 { 2 * 1_201 } else { 3 * 1_201 }
        ))));
        // The same batch again adds up and finds no new network.
        assert!(store.record_usage(&batch).await.unwrap().is_empty());
        let got = store.get_token(a, tokens[7].token.id).await.unwrap();
        assert_eq!(got.use_count, 14);
    }
);
