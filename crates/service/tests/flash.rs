//! A new secret carried across the dashboard's redirect: sealed on the session's row, unreadable
//! without the session's own secret, shown once, and dropped when stale.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use keyward_core::token::TokenHash;
use keyward_service::flash::{self, FlashKey};
use keyward_store::NewSession;
use time::Duration;

#[tokio::test]
async fn a_held_secret_is_sealed_shown_once_and_dropped_when_stale() {
    let (store, cleanup) = support::sqlite().await;
    let mut w = support::world(store.clone()).await;
    let session_secret = "kws_the_browser_holds_this";
    let hash = TokenHash::of(session_secret);
    let member = w.caller.member().unwrap().clone();
    store
        .create_session(&NewSession {
            hash,
            member_id: member.id,
            org_id: w.org_id,
            created_at: w.service.now(),
            expires_at: w.service.now() + Duration::hours(1),
        })
        .await
        .unwrap();
    w.caller.session = Some(hash);
    let key = FlashKey::of_session(session_secret);
    let m = w.manage();

    // What the database holds names the token but not the secret.
    flash::hold(&m, &key, w.token_id, &w.secret, Some("rotated".into()))
        .await
        .unwrap();
    let raw = store.take_session_flash(hash).await.unwrap().unwrap();
    assert!(raw.contains(&w.token_id.to_string()));
    assert!(!raw.contains(&w.secret), "the secret in the clear: {raw}");
    let hidden = &w.secret[w.secret.len() - 20..];
    assert!(!raw.contains(hidden));

    // Another session's key (or a database read alone) opens nothing, and spends it.
    store.set_session_flash(hash, &raw).await.unwrap();
    let other = FlashKey::of_session("kws_someone_else");
    assert!(flash::take(&m.read(), &other).await.unwrap().is_none());
    assert!(flash::take(&m.read(), &key).await.unwrap().is_none());

    // The right key: once, with its token and notice.
    flash::hold(&m, &key, w.token_id, &w.secret, Some("rotated".into()))
        .await
        .unwrap();
    let held = flash::take(&m.read(), &key).await.unwrap().unwrap();
    assert_eq!(held.secret, w.secret);
    assert_eq!(held.token.id, w.token_id);
    assert_eq!(held.notice.as_deref(), Some("rotated"));
    assert!(
        flash::take(&m.read(), &key).await.unwrap().is_none(),
        "shown twice"
    );

    // Not shown after ten minutes.
    flash::hold(&m, &key, w.token_id, &w.secret, None).await.unwrap();
    w.clock.advance(Duration::minutes(11));
    assert!(flash::take(&m.read(), &key).await.unwrap().is_none());
    cleanup().await;
}
