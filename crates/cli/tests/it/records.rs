//! One record of every kind in an organization, and the paths of the OpenAPI document that
//! name them: what the tests that walk every operation aim at.

use serde_json::{Value, json};

use crate::helpers::*;

pub struct Records {
    pub group: String,
    pub integration: String,
    pub user: String,
    pub token: String,
    pub secret: String,
    pub member: String,
    pub hook: String,
    pub message: String,
    pub route: String,
}

impl Records {
    pub async fn of(app: &TestApp, admin: &str) -> Self {
        let (group, user) = app.create_crm_sync(admin).await;
        let integration = app.create_integration(admin, "salesforce", &[]).await;
        let (token, secret) = app.create_token(admin, &user, json!({"name": "prod"})).await;
        let bob = json!({"email": "bob@acme.io", "name": "Bob", "role": "admin", "password": PASSWORD});
        let member = app.post("/v1/members", admin, bob).await.expect(201);
        let hook = json!({"url": "https://hooks.acme.io/keyward", "events": ["token.created"]});
        let hook = app.post("/v1/webhooks", admin, hook).await.expect(201);
        let route = json!({"method": "GET", "path": "/contacts"});
        let route = app.post("/v1/routes", admin, route).await.expect(201);
        // The creation alert waiting in the outbox (no SMTP here).
        let outbox = app.read("/v1/outbox", admin).await;
        let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
        Records {
            group,
            integration,
            user,
            token,
            secret,
            member: id(&member),
            hook: id(&hook),
            message: id(&outbox["items"][0]),
            route: id(&route),
        }
    }

    /// An operation's path with these records in place of the `{id}` it names; one naming
    /// nothing is itself. Panics on a path naming a record of a kind not here.
    pub fn path_for(&self, template: &str) -> String {
        let Some((prefix, rest)) = template.split_once('{') else {
            return template.to_owned();
        };
        let id = match prefix {
            "/v1/permission-groups/" => &self.group,
            "/v1/routes/" => &self.route,
            "/v1/integrations/" => &self.integration,
            "/v1/api-users/" => &self.user,
            "/v1/tokens/" => &self.token,
            "/v1/members/" => &self.member,
            "/v1/webhooks/" => &self.hook,
            "/v1/outbox/" => &self.message,
            _ => panic!("{template}: no record to name here"),
        };
        let (_, tail) = rest.split_once('}').unwrap();
        assert!(!tail.contains('{'), "{template} names two records");
        format!("{prefix}{id}{tail}")
    }
}

/// The body an operation is sent: the one listed for `"{method} {template}"`, else `{}`;
/// none when the operation takes none.
pub fn body_for(spec: &Value, bodies: &[(&str, Value)], method: &str, template: &str) -> Option<Value> {
    spec["paths"][template][method].get("requestBody").map(|_| {
        let key = format!("{method} {template}");
        bodies
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| json!({}), |(_, v)| v.clone())
    })
}
