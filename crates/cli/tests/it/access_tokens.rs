//! OAuth access tokens on the verify path: the same decision as opaque tokens.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::oauth::{client_token, oauth_client};

/// An access token takes the same decision as an opaque token of the same API user, over the
/// API user's current path (issue 18, item 2): another integration, an inactive one, an address
/// outside the integration's list, a permission the group has since lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_tokens_take_the_same_decision_as_opaque_tokens() {
    let app = TestApp::spawn_on_wall_clock().await;
    let (_, admin) = app.create_org("Acme", "ada@acme.io").await;
    let verifier = app.verifier_token(&admin).await;
    // The client logs in from loopback; verifications name the caller's address.
    let a = app
        .create_integration(&admin, "integ-a", &["10.0.0.0/8", "127.0.0.0/8"])
        .await;
    app.create_integration(&admin, "integ-b", &[]).await;
    let (group, user) = oauth_client(&app, &admin, json!({"integration_ids": [a]})).await;
    let (_, opaque) = app.create_token(&admin, &user, json!({"name": "static"})).await;
    let (status, got) = client_token(&app, &user, "contacts:read contacts:write").await;
    assert_eq!(status, 200, "{got}");
    let jwt = got["access_token"].as_str().unwrap().to_owned();
    let both = |query: Value| {
        let (app, verifier, jwt, opaque) = (&app, &verifier, jwt.clone(), opaque.clone());
        async move {
            let mut q1 = query.clone();
            q1["token"] = jwt.into();
            let mut q2 = query;
            q2["token"] = opaque.into();
            (
                app.verify_code(verifier, q1).await,
                app.verify_code(verifier, q2).await,
            )
        }
    };
    let ok = json!({"ip": "10.1.2.3", "integration": "integ-a", "permissions": ["contacts:write"]});
    assert_eq!(both(ok.clone()).await, ("VALID".into(), "VALID".into()));
    let other = json!({"ip": "10.1.2.3", "integration": "integ-b"});
    assert_eq!(
        both(other).await,
        ("INTEGRATION_NOT_ALLOWED".into(), "INTEGRATION_NOT_ALLOWED".into())
    );
    let outside = json!({"ip": "192.0.2.9", "integration": "integ-a"});
    assert_eq!(
        both(outside).await,
        ("IP_NOT_ALLOWED".into(), "IP_NOT_ALLOWED".into())
    );
    // The group loses contacts:write: both refuse it at once.
    app.patch(
        &format!("/v1/permission-groups/{group}"),
        &admin,
        json!({"permissions": ["contacts:read"]}),
    )
    .await
    .expect(200);
    assert_eq!(
        both(ok.clone()).await,
        (
            "INSUFFICIENT_PERMISSIONS".into(),
            "INSUFFICIENT_PERMISSIONS".into()
        )
    );
    // The integration is made inactive: both are suspended, named or not.
    let inactive = json!({"status": "inactive"});
    app.patch(&format!("/v1/integrations/{a}"), &admin, inactive)
        .await
        .expect(200);
    let read = json!({"ip": "10.1.2.3", "integration": "integ-a", "permissions": ["contacts:read"]});
    assert_eq!(both(read).await, ("SUSPENDED".into(), "SUSPENDED".into()));
    assert_eq!(
        both(json!({"ip": "10.1.2.3"})).await,
        ("SUSPENDED".into(), "SUSPENDED".into()),
        "no integration named, and the only allowed one is inactive"
    );
}
