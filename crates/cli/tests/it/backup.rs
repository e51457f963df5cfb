//! `keyward backup` while serving under write load, and `keyward restore`.

use keyward_store::prelude::*;

use crate::cli::{Served, init, keyward, text};
use reqwest::Method;

use crate::helpers::send;

/// Backups taken while the server writes are consistent snapshots: each restores into a server
/// whose integrity check passes, whose audit chain verifies, and in which every token has its
/// `token.create` event and no event lacks its token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backups_under_write_load_restore_to_a_consistent_server() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let served = Served::start(dir.path(), &[], None);
    let http = ::reqwest::Client::new();
    let session = crate::cli::sign_in(&http, &served.url).await;
    let new_user = serde_json::json!({"username": "crm-sync"});
    let user = send(
        &http,
        &served.url,
        Method::POST,
        "/v1/api-users",
        Some(&session),
        Some(new_user),
    )
    .await
    .expect(201);
    let user_id = user["id"].as_str().unwrap().to_owned();

    // A writer creating tokens as fast as it can, while backups are taken.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = tokio::spawn({
        let (http, url, session, stop) = (http.clone(), served.url.clone(), session.clone(), stop.clone());
        async move {
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let r = http
                    .post(format!("{url}/v1/api-users/{user_id}/tokens"))
                    .bearer_auth(&session)
                    .json(&serde_json::json!({"name": format!("t{n}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                n += 1;
            }
            n
        }
    });
    let backups = tempfile::tempdir().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut files = Vec::new();
    for i in 0..3 {
        let file = backups.path().join(format!("b{i}.db"));
        let data_dir = dir.path().to_str().unwrap().to_owned();
        let out = file.to_str().unwrap().to_owned();
        let made = tokio::task::spawn_blocking(move || {
            keyward(&["backup", "--data-dir", &data_dir, "--out", &out], &[])
        })
        .await
        .unwrap();
        assert!(made.status.success(), "{}", text(&made));
        assert!(text(&made).contains("integrity check ok"));
        files.push(file);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let created = writer.await.unwrap();
    assert!(created > 10, "the writer made only {created} tokens");
    assert!(served.stop().success());

    // Refusals: an existing file, a non-empty target directory.
    let again = keyward(
        &[
            "backup",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--out",
            files[0].to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(again.status.code(), Some(1));
    let into_live = keyward(
        &[
            "restore",
            "--from",
            files[0].to_str().unwrap(),
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(into_live.status.code(), Some(1));

    let mut previous = 0;
    for file in &files {
        let target = tempfile::tempdir().unwrap();
        let restored = keyward(
            &[
                "restore",
                "--from",
                file.to_str().unwrap(),
                "--data-dir",
                target.path().to_str().unwrap(),
            ],
            &[],
        );
        assert!(restored.status.success(), "{}", text(&restored));
        let store = keyward_store::SqliteStore::open_dir(target.path()).await.unwrap();
        let org = store.list_organization_ids().await.unwrap()[0];
        let tokens = store
            .list_tokens(org, &Default::default(), keyward_store::Page::first(100_000))
            .await
            .unwrap()
            .len();
        let events = store
            .list_audit(
                org,
                &keyward_store::AuditFilter {
                    action: Some("token.create".into()),
                    ..Default::default()
                },
                100_000,
            )
            .await
            .unwrap()
            .len();
        assert_eq!(tokens, events, "a change without its audit event, or the reverse");
        assert!(tokens >= previous, "later backups hold more");
        previous = tokens;
        drop(store);
        // And the restored directory serves.
        let server = Served::start(target.path(), &[], None);
        let health = ::reqwest::get(format!("{}/readyz", server.url)).await.unwrap();
        assert_eq!(health.status(), 200);
        assert!(server.stop().success());
    }
    assert!(
        previous > 0,
        "the backups were taken while tokens were being written"
    );
}
