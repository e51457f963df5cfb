//! The HTTP surface. Routes and their OpenAPI documentation are registered together here, so
//! neither can drift from the other.

pub(crate) mod api_users;
pub(crate) mod audit;
pub(crate) mod catalog;
pub(crate) mod credits;
pub(crate) mod forward_auth;
pub(crate) mod members;
pub(crate) mod outbox;
pub(crate) mod routes;
pub mod secret_scanning;
pub(crate) mod settings;
pub mod system;
pub(crate) mod token_import;
pub(crate) mod tokens;
pub(crate) mod totp;
pub(crate) mod usage;
pub(crate) mod verify;

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::{ApiError, Problem};
use keyward_store::Page;

pub use system::setup_routes;

pub const DEFAULT_PAGE: u32 = 50;
pub const MAX_PAGE: u32 = 200;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "keyward",
        description = include_str!("../../../../docs/api-description.md"),
        license(name = "Apache-2.0")
    ),
    paths(forward_auth::forward_auth),
    components(schemas(Problem)),
    modifiers(&SecurityAddon),
    security(("bearer" = []), ("api_key" = [])),
    tags(
        (name = "auth", description = "Member login and sessions"),
        (name = "members", description = "People of the organization (super admins only)"),
        (name = "permission-groups", description = "Sets of permissions API users receive"),
        (name = "integrations", description = "Connections / client applications"),
        (name = "api-users", description = "API user profiles, one per integration is recommended"),
        (name = "tokens", description = "Named tokens, shown once"),
        (name = "verify", description = "The hot path: may this token make this call? Directly, or through a gateway (forward-auth)"),
        (name = "routes", description = "The platform's own API URLs and the permissions each needs at the gateway"),
        (name = "audit", description = "Append-only, hash-chained audit trail"),
        (name = "secret-scanning", description = "Leaked-token reports from GitHub's and GitLab's secret scanning, signed by the scanner"),
        (name = "lifecycle", description = "Expiry policy, reminders, webhooks, the outbox of emails and webhooks, usage and monitoring"),
        (name = "system", description = "Health, readiness and metrics")
    )
)]
struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A member session from /v1/auth/login, or an API token holding keyward:* permissions",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some(
                        "An API user that logs in: its id or username, and its password (RFC 6749 §2.3.1)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-API-Key"))),
        );
    }
}

/// Every documented route, with its OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(members::login))
        .routes(routes!(members::logout))
        .routes(routes!(members::me))
        .routes(routes!(members::list_members, members::create_member))
        .routes(routes!(
            members::get_member,
            members::update_member,
            members::delete_member
        ))
        .routes(routes!(catalog::list_groups, catalog::create_group))
        .routes(routes!(
            catalog::get_group,
            catalog::update_group,
            catalog::delete_group
        ))
        .routes(routes!(catalog::list_integrations, catalog::create_integration))
        .routes(routes!(
            catalog::get_integration,
            catalog::update_integration,
            catalog::delete_integration
        ))
        .routes(routes!(api_users::list_api_users, api_users::create_api_user))
        .routes(routes!(
            api_users::get_api_user,
            api_users::update_api_user,
            api_users::delete_api_user
        ))
        .routes(routes!(api_users::suspend_api_user))
        .routes(routes!(api_users::resume_api_user))
        .routes(routes!(api_users::set_api_user_password))
        .routes(routes!(tokens::list_user_tokens, tokens::create_token))
        .routes(routes!(tokens::revoke_all_user_tokens))
        .routes(routes!(tokens::list_tokens))
        .routes(routes!(tokens::revoke_all_org_tokens))
        .routes(routes!(
            tokens::get_token,
            tokens::update_token,
            tokens::revoke_token
        ))
        .routes(routes!(tokens::suspend_token))
        .routes(routes!(tokens::resume_token))
        .routes(routes!(tokens::token_usage))
        .routes(routes!(tokens::rotate_token))
        .routes(routes!(credits::adjust_token_credits))
        .routes(routes!(credits::adjust_api_user_credits))
        .routes(routes!(totp::enrol, totp::remove))
        .routes(routes!(totp::confirm))
        .routes(routes!(totp::me_enrol, totp::me_remove))
        .routes(routes!(totp::me_confirm))
        .routes(routes!(members::unlock_member))
        .routes(routes!(api_users::unlock_api_user))
        .routes(routes!(settings::get_settings, settings::update_settings))
        .routes(routes!(settings::list_webhooks, settings::create_webhook))
        .routes(routes!(
            settings::get_webhook,
            settings::update_webhook,
            settings::delete_webhook
        ))
        .routes(routes!(outbox::list_outbox))
        .routes(routes!(outbox::get_outbox))
        .routes(routes!(outbox::resend_outbox))
        .routes(routes!(usage::usage))
        .routes(routes!(usage::insights))
        .routes(routes!(verify::verify))
        .routes(routes!(routes::list_routes, routes::create_route))
        .routes(routes!(
            routes::get_route,
            routes::update_route,
            routes::delete_route
        ))
        .route(
            forward_auth::FORWARD_AUTH_PATH,
            axum::routing::any(forward_auth::forward_auth),
        )
        .route(
            "/v1/forward-auth/{*rest}",
            axum::routing::any(forward_auth::forward_auth),
        )
        .routes(routes!(audit::list_audit_events))
        .routes(routes!(audit::export_audit_events))
        .routes(routes!(system::endpoints))
        .routes(routes!(system::healthz))
        .routes(routes!(system::readyz))
        .routes(routes!(system::metrics))
        .merge(secret_scanning::routes())
        .merge(token_import::routes())
}

/// Adds the error answers every operation can give (bad JSON, authentication, permission, an
/// unknown id in the path, an invalid body, size limits, internal errors) where the operation
/// does not document them itself, so the document lists every status a client can see, each
/// as `application/problem+json`, which is what the server sends.
pub fn add_common_errors(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in api.paths.paths.iter_mut() {
        let public = matches!(
            path.as_str(),
            "/healthz"
                | "/readyz"
                | "/metrics"
                | "/v1/auth/login"
                | "/v1/secret-scanning/github"
                | "/v1/secret-scanning/gitlab"
        );
        let ops = [
            (&mut item.get, false),
            (&mut item.delete, false),
            (&mut item.post, true),
            (&mut item.put, true),
            (&mut item.patch, true),
        ];
        for (op, has_body) in ops {
            let Some(op) = op.as_mut() else { continue };
            // A DELETE can take a body too (turning off two-factor needs a code).
            let has_body = has_body || op.request_body.is_some();
            let r = &mut op.responses.responses;
            let mut add = |code: &str, description: &str| {
                r.entry(code.to_owned()).or_insert_with(|| problem(description));
            };
            // The OAuth endpoints answer in RFC 6749's shape, documented on each; only the limits
            // every endpoint shares apply.
            if path.starts_with("/oauth2/") || path.starts_with("/.well-known/") {
                if has_body {
                    add("413", "The body exceeds the size limit (code body_too_large)");
                }
                add(
                    "500",
                    "Internal error; the cause is in the server log (code internal)",
                );
                continue;
            }
            add(
                "400",
                "Malformed request: bad JSON, query or path parameter (codes malformed_json, invalid_query, invalid_path)",
            );
            if !public {
                add(
                    "401",
                    "Missing, unknown or expired credentials (code unauthorized)",
                );
                add(
                    "403",
                    "The caller lacks the role or permission the operation requires",
                );
                if path.contains('{') {
                    add(
                        "404",
                        "No such record in the caller's organization (code not_found)",
                    );
                }
            }
            if has_body {
                add("413", "The body exceeds the size limit (code body_too_large)");
                add("415", "The body is not JSON (code unsupported_media_type)");
                add(
                    "422",
                    "A field is missing, unknown, of the wrong type or invalid (codes invalid_body, validation_failed)",
                );
            }
            add(
                "500",
                "Internal error; the cause is in the server log (code internal)",
            );
        }
    }
    describe_responses(api);
}

/// OpenAPI requires every response to have a description; generators (openapi-python-client)
/// refuse a document without them. Where an operation gives none, say what the status means.
fn describe_responses(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    for item in api.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.delete,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            for (code, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(r) = response
                    && r.description.is_empty()
                {
                    r.description = status_meaning(code).to_owned();
                }
            }
        }
    }
}

fn status_meaning(code: &str) -> &'static str {
    match code {
        "200" => "OK",
        "201" => "Created",
        "204" => "Done; no body",
        "302" | "303" => "Redirect",
        "400" => "Malformed request (codes malformed_json, invalid_query, invalid_path)",
        "401" => "Missing, unknown or expired credentials (code unauthorized)",
        "403" => "The caller lacks the role or permission the operation requires",
        "404" => "No such record in the caller's organization (code not_found)",
        "409" => "Conflicts with an existing record or state (code conflict)",
        "422" => "A field is invalid (code validation_failed)",
        "429" => "Too many attempts; retry after the time in Retry-After",
        "503" => "Not ready to serve",
        _ => "See the operation's description",
    }
}

/// The server's reading of a list's `?limit=&cursor=`: a limit out of range or a cursor that is
/// not one is a 400.
pub trait Paging {
    fn page(&self) -> Result<Page, ApiError>;
}

impl<Q: Paged> Paging for Q {
    fn page(&self) -> Result<Page, ApiError> {
        let q = self.page_query();
        // One extra row tells whether another page follows.
        Ok(Page {
            after: cursor(q.cursor.as_deref())?,
            limit: checked_limit(q.limit)? + 1,
        })
    }
}

/// A list's `?limit=&cursor=` and nothing else, read and checked (a 400 otherwise) as the
/// request is: for the lists that take no filters.
pub struct Listing(pub Page);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Listing {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        let crate::error::Query(q) =
            crate::error::Query::<PageQuery>::from_request_parts(parts, state).await?;
        Ok(Self(q.page()?))
    }
}

/// `?limit=`, or the default page, when it is in range.
pub fn checked_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit must be between 1 and {MAX_PAGE}"),
        ));
    }
    Ok(limit)
}

/// `?cursor=` read as what the list's cursors are (an id, an event's `seq`); empty is none.
pub fn cursor<T: std::str::FromStr>(cursor: Option<&str>) -> Result<Option<T>, ApiError> {
    cursor
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse()
                .map_err(|_| ApiError::bad_request("invalid_query", "cursor is not valid"))
        })
        .transpose()
}

/// A query's word filter (`?status=`): absent is none, a word `parse` does not know is a 400
/// saying which words are.
pub fn query_word<T>(
    word: Option<&str>,
    parse: impl FnOnce(&str) -> Option<T>,
    expected: &str,
) -> Result<Option<T>, ApiError> {
    word.map(|w| parse(w).ok_or_else(|| ApiError::bad_request("invalid_query", expected.to_owned())))
        .transpose()
}

/// The server's reading of [`Confirm`]: anything but `true` is a 422 naming the field.
pub trait Confirmed {
    fn check(&self) -> Result<(), ApiError>;
}

impl Confirmed for Confirm {
    fn check(&self) -> Result<(), ApiError> {
        if self.confirm {
            Ok(())
        } else {
            Err(ApiError::invalid(
                "confirm",
                "set \"confirm\": true to confirm this irreversible operation",
            ))
        }
    }
}

pub use keyward_api::{Confirm, List, PageQuery, Paged};
pub use keyward_service::rfc3339;

/// Request samples in curl, Python, JavaScript and Rust under every operation's description,
/// so the interactive docs show how to make each call (Swagger UI renders them as Markdown),
/// and as `x-codeSamples` for tools that read that extension.
pub fn add_code_samples(api: &mut utoipa::openapi::OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let public =
            matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics") || path.starts_with("/.well-known/");
        let ops = [
            ("GET", &mut item.get),
            ("DELETE", &mut item.delete),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
        ];
        for (method, op) in ops {
            let Some(op) = op.as_mut() else { continue };
            let body = op.request_body.is_some();
            let samples = if path.starts_with("/oauth2/") {
                form_samples(path)
            } else {
                code_samples(method, path, body, !public)
            };
            let mut text = op.description.clone().unwrap_or_default();
            text.push_str("\n\n**Request samples**\n");
            for (lang, code) in &samples {
                let fence = match *lang {
                    "curl" => "sh",
                    "Python" => "python",
                    "JavaScript" => "js",
                    _ => "rust",
                };
                text.push_str(&format!("\n{lang}:\n```{fence}\n{code}\n```\n"));
            }
            op.description = Some(text);
            let extension = serde_json::Value::Array(
                samples
                    .iter()
                    .map(|(lang, code)| serde_json::json!({"lang": lang, "source": code}))
                    .collect(),
            );
            op.extensions
                .get_or_insert_with(Default::default)
                .insert("x-codeSamples".into(), extension);
        }
    }
}

/// Samples for the OAuth endpoints, which take form bodies: the client authenticates by HTTP
/// Basic, except for introspection, where the caller presents a keyward:verify token.
fn form_samples(path: &str) -> Vec<(&'static str, String)> {
    let (fields, py_fields, js_fields, rust_fields) = if path == "/oauth2/token" {
        (
            "-d grant_type=client_credentials -d scope=contacts:read",
            "{\"grant_type\": \"client_credentials\", \"scope\": \"contacts:read\"}",
            "{ grant_type: \"client_credentials\", scope: \"contacts:read\" }",
            "[(\"grant_type\", \"client_credentials\"), (\"scope\", \"contacts:read\")]",
        )
    } else {
        (
            "--data-urlencode token=\"$TOKEN\"",
            "{\"token\": os.environ[\"TOKEN\"]}",
            "{ token: process.env.TOKEN }",
            "[(\"token\", std::env::var(\"TOKEN\")?)]",
        )
    };
    let introspect = path == "/oauth2/introspect";
    let curl_auth = if introspect {
        "-H \"Authorization: Bearer $KEYWARD_TOKEN\""
    } else {
        "-u \"$CLIENT_ID:$CLIENT_SECRET\""
    };
    let py_auth = if introspect {
        "headers={\"Authorization\": f\"Bearer {os.environ['KEYWARD_TOKEN']}\"}"
    } else {
        "auth=(os.environ[\"CLIENT_ID\"], os.environ[\"CLIENT_SECRET\"])"
    };
    let js_auth = if introspect {
        "Authorization: `Bearer ${process.env.KEYWARD_TOKEN}`"
    } else {
        "Authorization: \"Basic \" + btoa(`${encodeURIComponent(process.env.CLIENT_ID)}:${encodeURIComponent(process.env.CLIENT_SECRET)}`)"
    };
    let rust_auth = if introspect {
        ".bearer_auth(std::env::var(\"KEYWARD_TOKEN\")?)"
    } else {
        ".basic_auth(std::env::var(\"CLIENT_ID\")?, Some(std::env::var(\"CLIENT_SECRET\")?))"
    };
    vec![
        (
            "curl",
            format!("curl -X POST \"$KEYWARD_URL{path}\" \\\n  {curl_auth} \\\n  {fields}"),
        ),
        (
            "Python",
            format!(
                "import os, requests\n\nr = requests.post(\n    os.environ[\"KEYWARD_URL\"] + \"{path}\",\n    {py_auth},\n    data={py_fields},\n)\nprint(r.status_code, r.text)"
            ),
        ),
        (
            "JavaScript",
            format!(
                "const res = await fetch(`${{process.env.KEYWARD_URL}}{path}`, {{\n  method: \"POST\",\n  headers: {{ {js_auth} }},\n  body: new URLSearchParams({js_fields}),\n}});\nconsole.log(res.status, await res.text());"
            ),
        ),
        (
            "Rust",
            format!(
                "// reqwest = {{ version = \"0.13\", features = [\"form\"] }}\nlet url = format!(\"{{}}{path}\", std::env::var(\"KEYWARD_URL\")?);\nlet res = reqwest::Client::new()\n    .post(url)\n    {rust_auth}\n    .form(&{rust_fields})\n    .send()\n    .await?;\nprintln!(\"{{}} {{}}\", res.status(), res.text().await?);"
            ),
        ),
    ]
}

fn code_samples(method: &str, path: &str, body: bool, auth: bool) -> Vec<(&'static str, String)> {
    let url = format!("$KEYWARD_URL{path}");
    let mut curl = format!("curl -X {method} \"{url}\"");
    if auth {
        curl.push_str(" \\\n  -H \"Authorization: Bearer $KEYWARD_TOKEN\"");
    }
    if body {
        curl.push_str(" \\\n  -H \"Content-Type: application/json\" \\\n  -d @request.json");
    }
    let py_auth = if auth {
        ",\n    headers={\"Authorization\": f\"Bearer {os.environ['KEYWARD_TOKEN']}\"}"
    } else {
        ""
    };
    let py_body = if body { ",\n    json=body" } else { "" };
    let python = format!(
        "import os, requests\n\n{}r = requests.request(\n    \"{method}\", os.environ[\"KEYWARD_URL\"] + \"{path}\"{py_auth}{py_body},\n)\nprint(r.status_code, r.text)",
        if body {
            "body = {}  # the request body, as documented below\n"
        } else {
            ""
        }
    );
    let js_headers = match (auth, body) {
        (true, true) => {
            "\n  headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}`, \"Content-Type\": \"application/json\" },"
        }
        (true, false) => "\n  headers: { Authorization: `Bearer ${process.env.KEYWARD_TOKEN}` },",
        (false, true) => "\n  headers: { \"Content-Type\": \"application/json\" },",
        (false, false) => "",
    };
    let js_body = if body {
        "\n  body: JSON.stringify(body),"
    } else {
        ""
    };
    let javascript = format!(
        "{}const res = await fetch(`${{process.env.KEYWARD_URL}}{path}`, {{\n  method: \"{method}\",{js_headers}{js_body}\n}});\nconsole.log(res.status, await res.text());",
        if body {
            "const body = {}; // the request body, as documented below\n"
        } else {
            ""
        }
    );
    let rust_auth = if auth {
        "\n    .bearer_auth(std::env::var(\"KEYWARD_TOKEN\")?)"
    } else {
        ""
    };
    let rust_body = if body { "\n    .json(&body)" } else { "" };
    let rust = format!(
        "// reqwest = {{ version = \"0.13\", features = [\"json\"] }}\n{}let url = format!(\"{{}}{path}\", std::env::var(\"KEYWARD_URL\")?);\nlet res = reqwest::Client::new()\n    .request(reqwest::Method::{method}, url){rust_auth}{rust_body}\n    .send()\n    .await?;\nprintln!(\"{{}} {{}}\", res.status(), res.text().await?);",
        if body {
            "let body = serde_json::json!({}); // the request body, as documented below\n"
        } else {
            ""
        }
    );
    vec![
        ("curl", curl),
        ("Python", python),
        ("JavaScript", javascript),
        ("Rust", rust),
    ]
}
