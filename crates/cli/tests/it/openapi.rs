//! The OpenAPI document is generated from the code; the copy in docs/ must match it, so a
//! change to the API surface shows up in review. Refresh it with
//! `UPDATE_OPENAPI=1 cargo test -p keyward --test it openapi`.

use crate::helpers::*;

#[tokio::test]
async fn the_committed_openapi_document_is_current() {
    let app = TestApp::spawn().await;
    let live: serde_json::Value = app.public("/openapi.json").await.expect(200);
    assert_eq!(live["openapi"], "3.1.0");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, serde_json::to_string_pretty(&live).unwrap() + "\n").unwrap();
        return;
    }
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default())
            .unwrap_or(serde_json::Value::Null);
    assert!(
        committed == live,
        "docs/openapi.json is out of date; run UPDATE_OPENAPI=1 cargo test -p keyward --test it openapi"
    );
    // Every operation has a tag and an operationId that generated clients turn into a readable
    // method name: unique, snake_case, and at least a verb and an object (no bare `token`).
    let mut ids = std::collections::BTreeSet::new();
    for (path, item) in live["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(
                id.contains('_') && id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{method} {path}: operationId {id:?} is not a readable snake_case name"
            );
            assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
        }
    }
    // Every operation documents its errors: problem+json, or RFC 6749's shape for OAuth.
    for (path, item) in live["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path}");
            // OpenAPI requires a description on every response; generators reject the document
            // without one.
            for (code, r) in responses {
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {code} has no description"
                );
            }
            // The OAuth endpoints answer errors in RFC 6749's shape; publishing keys has none.
            if path.starts_with("/.well-known/") {
                continue;
            }
            if path.starts_with("/oauth2/") {
                assert!(
                    responses.iter().any(|(code, r)| code.starts_with('4')
                        && r["content"]["application/json"]["schema"]["$ref"]
                            == "#/components/schemas/OAuthError"),
                    "{method} {path} documents no RFC 6749 error"
                );
                continue;
            }
            assert!(
                responses.iter().any(|(code, r)| code.starts_with('4')
                    && r["content"].get("application/problem+json").is_some()),
                "{method} {path} documents no problem+json error"
            );
        }
    }
}
