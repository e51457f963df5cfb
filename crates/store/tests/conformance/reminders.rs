//! Settings, rotation, reminders and the outbox.

use super::*;

conformance!(settings_rotation_and_reminders, |store: DynStore| async move {
    let (a, _) = org(&store, "ada@acme.io").await;
    assert_eq!(store.get_settings(a).await.unwrap(), OrgSettings::default());
    let mut settings = OrgSettings::default();
    settings.expiry_policy.max_lifetime_days = Some(90);
    settings.expiry_policy.allow_no_expiry = false;
    store
        .update_settings(a, &settings, &audit(Some(a), "settings.update"))
        .await
        .unwrap();
    assert_eq!(store.get_settings(a).await.unwrap(), settings);

    let mut u = api_user(a, "crm-sync", None);
    u.contact_email = Some("dev@crm.io".into());
    store.create_api_user(&u, None, &seed(a)).await.unwrap();
    let mut t = token(&u, "prod");
    t.token.expires_at = Some(NOW + Duration::days(31));
    store.create_token(&t, &seed(a)).await.unwrap();

    // Nothing due a day before the 30-day mark; then the month stage, once.
    assert!(store.due_reminders(NOW, 10).await.unwrap().is_empty());
    let later = NOW + Duration::days(1);
    let due = store.due_reminders(later, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].stage, ReminderStage::Month);
    assert_eq!(due[0].token.as_ref().unwrap().0, "prod");
    assert_eq!(due[0].contact_email.as_deref(), Some("dev@crm.io"));
    let rec = audit(Some(a), "token.reminder").with_outbox(vec![OutboxMessage {
        id: Uuid::now_v7(),
        org_id: a,
        channel: Channel::Email,
        event: "token.expiring".into(),
        recipient: "ada@acme.io".into(),
        subject: "expiring".into(),
        body: "body".into(),
    }]);
    assert!(store.advance_reminder(&due[0], &rec).await.unwrap());
    assert!(
        !store.advance_reminder(&due[0], &rec).await.unwrap(),
        "a stage goes out once"
    );
    assert!(store.due_reminders(later, 10).await.unwrap().is_empty());
    let queued = store
        .list_outbox(a, Some(OutboxStatus::Pending), Page::first(10))
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "queued with the stage, not twice");

    // A jump past several stages sends only the latest.
    let due = store.due_reminders(NOW + Duration::days(31), 10).await.unwrap();
    assert_eq!(due[0].stage, ReminderStage::Expired);

    // Rotation: the new token takes the name while the old one lives on until its grace ends.
    let mut new = token(&u, "prod");
    new.token.rotated_from = Some(t.token.id);
    let grace_end = NOW + Duration::hours(1);
    let old_hash = store
        .rotate_token(&new, grace_end, &audit(Some(a), "token.rotate"))
        .await
        .unwrap();
    assert_eq!(old_hash, t.hash);
    let old = store.get_token(a, t.token.id).await.unwrap();
    assert_eq!(old.replaced_by, Some(new.token.id));
    assert_eq!(old.expires_at, Some(grace_end));
    assert_eq!(old.status, TokenStatus::Active);
    assert_eq!(
        store.get_token(a, new.token.id).await.unwrap().rotated_from,
        Some(t.token.id)
    );
    // A replaced token gets no reminders, and cannot be rotated again.
    assert!(
        store
            .due_reminders(NOW + Duration::days(40), 10)
            .await
            .unwrap()
            .iter()
            .all(|d| d.id != t.token.id)
    );
    let mut again = token(&u, "prod");
    again.token.rotated_from = Some(t.token.id);
    conflict(
        store
            .rotate_token(&again, grace_end, &audit(Some(a), "token.rotate"))
            .await,
        Conflict::TokenRevoked,
    );
    // The name is still taken by the live replacement.
    conflict(
        store.create_token(&token(&u, "prod"), &seed(a)).await,
        Conflict::TokenNameTaken,
    );
});

conformance!(
    outbox_claims_retries_and_dead_letters,
    |store: DynStore| async move {
        let (a, _) = org(&store, "ada@acme.io").await;
        let msg = |channel: Channel, to: &str| OutboxMessage {
            id: Uuid::now_v7(),
            org_id: a,
            channel,
            event: "token.created".into(),
            recipient: to.into(),
            subject: "s".into(),
            body: "b".into(),
        };
        let rec = audit(Some(a), "token.create").with_outbox(vec![
            msg(Channel::Email, "ada@acme.io"),
            msg(Channel::Webhook, "endpoint"),
        ]);
        store.append_audit(&rec).await.unwrap();

        let lease = NOW + Duration::minutes(1);
        // What a node with SMTP claims at `at`, to hold until `until`.
        let claim = async |at, until| store.claim_outbox(at, until, 10, true).await.unwrap();
        // Without SMTP only webhooks are taken.
        let got = store.claim_outbox(NOW, lease, 10, false).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].message.channel, Channel::Webhook);
        assert_eq!(got[0].attempts, 1);
        // Claimed messages are not handed out twice while their lease runs…
        let email = claim(NOW, lease).await;
        assert_eq!(email.len(), 1);
        assert_eq!(email[0].message.channel, Channel::Email);
        assert!(claim(NOW, lease).await.is_empty());
        // …but are again once it ends (the node holding them died).
        let retaken = claim(lease, lease + Duration::minutes(1)).await;
        assert_eq!(retaken.len(), 2);

        store.outbox_delivered(email[0].message.id, NOW).await.unwrap();
        let hook = got[0].message.id;
        store
            .outbox_failed(hook, "HTTP 500", Some(NOW + Duration::minutes(5)))
            .await
            .unwrap();
        assert!(claim(NOW + Duration::minutes(4), lease).await.is_empty());
        let again = claim(NOW + Duration::minutes(5), NOW + Duration::minutes(6)).await;
        assert_eq!(again.len(), 1);
        assert_eq!(again[0].attempts, 3);
        assert_eq!(again[0].last_error.as_deref(), Some("HTTP 500"));
        store.outbox_failed(hook, "HTTP 500", None).await.unwrap();
        let dead = store
            .list_outbox(a, Some(OutboxStatus::Dead), Page::first(10))
            .await
            .unwrap();
        assert_eq!(dead.len(), 1);
        let delivered = store.get_outbox(a, email[0].message.id).await.unwrap();
        assert_eq!(delivered.status, OutboxStatus::Delivered);
        assert_eq!(delivered.delivered_at, Some(NOW));

        // Sent again by hand: pending now, attempts start over. Other organizations see nothing.
        let (b, _) = org(&store, "hank@globex.io").await;
        not_found(
            store
                .resend_outbox(b, hook, NOW, &audit(Some(b), "outbox.resend"))
                .await,
        );
        not_found(store.get_outbox(b, hook).await);
        store
            .resend_outbox(
                a,
                hook,
                NOW + Duration::hours(1),
                &audit(Some(a), "outbox.resend"),
            )
            .await
            .unwrap();
        let back = claim(NOW + Duration::hours(1), NOW + Duration::hours(2)).await;
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].attempts, 1);

        // Webhook endpoints, scoped by organization.
        let w = WebhookEndpoint {
            id: Uuid::now_v7(),
            org_id: a,
            url: "https://hooks.acme.io/keyward".into(),
            description: "ops".into(),
            events: vec!["token.created".into()],
            secret: "whsec_c2VjcmV0".into(),
            enabled: true,
            created_at: NOW,
        };
        store
            .create_webhook(&w, &audit(Some(a), "webhook.create"))
            .await
            .unwrap();
        assert_eq!(store.get_webhook(a, w.id).await.unwrap(), w);
        not_found(store.get_webhook(b, w.id).await);
        let mut changed = w.clone();
        changed.enabled = false;
        changed.events = vec![];
        store
            .update_webhook(&changed, &audit(Some(a), "webhook.update"))
            .await
            .unwrap();
        assert_eq!(store.list_webhooks(a).await.unwrap(), vec![changed]);
        assert!(store.list_webhooks(b).await.unwrap().is_empty());
        not_found(
            store
                .delete_webhook(b, w.id, &audit(Some(b), "webhook.delete"))
                .await,
        );
        store
            .delete_webhook(a, w.id, &audit(Some(a), "webhook.delete"))
            .await
            .unwrap();

        // Alerts fire once per subject and window.
        let alert = InsightAlert {
            org_id: a,
            kind: "denied_burst".into(),
            subject_id: Uuid::now_v7(),
            window_key: "2026-11-24T12".into(),
            created_at: NOW,
            details: json!({"denied": 25}),
        };
        assert!(
            store
                .raise_alert(&alert, &audit(Some(a), "insight.alert"))
                .await
                .unwrap()
        );
        assert!(
            !store
                .raise_alert(&alert, &audit(Some(a), "insight.alert"))
                .await
                .unwrap()
        );
        assert_eq!(store.list_alerts(a, NOW, 10).await.unwrap(), vec![alert]);
        assert!(store.list_alerts(b, NOW, 10).await.unwrap().is_empty());
        assert_eq!(store.verify_audit_chain().await.unwrap().map(|_| ()), Ok(()));
    }
);
