//! A real token pasted into every string field and every string query parameter of every
//! operation the OpenAPI document describes, one at a time, with the operation's other
//! required fields filled in so the pasted one is what gets judged. The hygiene test then
//! searches every answer, the logs and the database files for the token.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::helpers::Calls;

/// Operations left out: signing out would end the session the sweep runs on.
const SKIPPED: &[&str] = &["/v1/auth/logout"];

/// The answers, to be searched for the token; `ids` names a real record for each collection
/// (`api-users`, `tokens`, …) so that operations on one reach their validation.
pub async fn paste_everywhere(
    node: &impl Calls,
    session: &str,
    token: &str,
    ids: &HashMap<&str, String>,
) -> Vec<String> {
    let doc = node.public("/openapi.json").await.expect(200);
    let mut answers = Vec::new();
    let mut tried = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        if SKIPPED.contains(&template.as_str()) || !template.starts_with("/v1/") {
            continue;
        }
        let path = concrete_path(template, ids);
        for (method, op) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<reqwest::Method>() else {
                continue;
            };
            for param in op["parameters"].as_array().into_iter().flatten() {
                if param["in"] == "query" && is_string(&doc, &param["schema"]) {
                    let name = param["name"].as_str().unwrap();
                    let q = form_urlencoded::Serializer::new(String::new())
                        .append_pair(name, token)
                        .finish();
                    let pasted = format!("{path}?{q}");
                    answers.push(node.call(method.clone(), &pasted, Some(session), None).await.text);
                    tried += 1;
                }
            }
            let schema = resolve(&doc, &op["requestBody"]["content"]["application/json"]["schema"]);
            let Some(props) = schema["properties"].as_object() else {
                continue;
            };
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            for (field, field_schema) in props {
                let pasted = if is_string(&doc, field_schema) {
                    json!(token)
                } else if is_string(&doc, &resolve(&doc, field_schema)["items"]) {
                    json!([token])
                } else {
                    continue;
                };
                let mut body = Map::new();
                for (n, r) in required.iter().enumerate() {
                    body.insert((*r).to_owned(), filler(r, &resolve(&doc, &props[*r]), n));
                }
                body.insert(field.clone(), pasted);
                let answer = node
                    .call(method.clone(), &path, Some(session), Some(body.into()))
                    .await;
                let (status, text) = (answer.status, answer.text);
                assert!(
                    !status.is_server_error(),
                    "{method} {path} with the token in {field}: {status} {text}"
                );
                eprintln!(
                    "SWEEP {method} {path} {field} {status} {}",
                    &text[..text.len().min(150)]
                );
                answers.push(text);
                tried += 1;
            }
        }
    }
    assert!(tried > 100, "the sweep reached only {tried} fields");
    answers
}

/// The template with each parameter replaced by a real id from the collection it follows.
fn concrete_path(template: &str, ids: &HashMap<&str, String>) -> String {
    let mut out = Vec::new();
    let mut previous = "";
    for seg in template.split('/') {
        if seg.starts_with('{') {
            let id = ids.get(previous).cloned();
            out.push(id.unwrap_or_else(|| uuid::Uuid::nil().to_string()));
        } else {
            out.push(seg.to_owned());
            previous = seg;
        }
    }
    out.join("/")
}

fn resolve(doc: &Value, schema: &Value) -> Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.rsplit('/').next().unwrap();
        return resolve(doc, &doc["components"]["schemas"][name]);
    }
    // `Option<T>` is written as oneOf [null, T].
    if let Some(alts) = schema["oneOf"].as_array()
        && let Some(t) = alts.iter().find(|a| a["type"] != "null")
    {
        return resolve(doc, t);
    }
    schema.clone()
}

fn is_string(doc: &Value, schema: &Value) -> bool {
    let s = resolve(doc, schema);
    match &s["type"] {
        Value::String(t) => t == "string",
        Value::Array(ts) => ts.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// A valid value for a required field, so the field under test is what the answer is about.
fn filler(name: &str, schema: &Value, n: usize) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    match name {
        "email" => json!(format!("sweep{n}@acme.io")),
        "username" => json!(format!("sweep-{n}")),
        "url" => json!("https://hooks.example.com/keyward"),
        "password" => json!("a sweep password 123"),
        "events" => json!(["token.created"]),
        "code" => json!("123456"),
        _ => match &schema["type"] {
            t if t == "array" => json!([]),
            t if t == "integer" || t == "number" => json!(1),
            t if t == "boolean" => json!(false),
            t if t == "object" => json!({}),
            _ => json!(format!("sweep {n}")),
        },
    }
}
