//! What the audit trail says of a change: every field an update changed (issue 18, item 7),
//! and the resumption a rotation of a suspended token amounts to.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use keyward_service::api_users::{self, UpdateApiUser};
use keyward_service::members::{self, UpdateMember};
use keyward_service::tokens::{self, RotateToken};
use keyward_store::AuditFilter;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_name_every_changed_field_and_rotation_records_a_resume() {
    let (store, cleanup) = support::sqlite().await;
    let w = support::world(store).await;
    let m = w.manage();
    let change = UpdateApiUser {
        name: Some("CRM sync".into()),
        contact_email: Some(Some("dev@crm.io".into())),
        metadata: Some(serde_json::json!({"tier": "gold"}).as_object().unwrap().clone()),
        ..Default::default()
    };
    api_users::update(&m, &w.api_user, change).await.unwrap();
    let admin = w.service.member_admin(&w.caller).unwrap();
    let me = w.caller.member().unwrap().id;
    let rename = UpdateMember {
        name: Some("Ada L.".into()),
        ..Default::default()
    };
    members::update(&admin, me, rename).await.unwrap();

    tokens::suspend(&m, w.token_id).await.unwrap();
    let rotated = tokens::rotate(&m, w.token_id, RotateToken::default())
        .await
        .unwrap();

    let trail = keyward_service::audit::list(&m.read(), &AuditFilter::default(), 100)
        .await
        .unwrap();
    let event = |action: &str| {
        trail
            .iter()
            .find(|e| e.action == action)
            .unwrap_or_else(|| panic!("no {action}"))
    };
    let updated = &event("api_user.update").details;
    assert_eq!(
        updated["changed"],
        serde_json::json!(["name", "contact_email", "metadata"])
    );
    assert_eq!(updated["contact_email"], "dev@crm.io");
    assert_eq!(updated["metadata"]["tier"], "gold");
    assert_eq!(
        event("member.update").details["changed"],
        serde_json::json!(["name"])
    );
    let resumed = event("token.resume");
    assert_eq!(resumed.target_id, Some(rotated.token.id));
    assert_eq!(resumed.details["via"], "rotation");
    drop(w);
    cleanup().await;
}
