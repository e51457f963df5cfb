//! `keyward verify`: ask keyward whether a token may make a call.

use super::*;

#[derive(Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// The token to check; `-` reads it from standard input (keeps it out of shell history).
    #[arg(value_name = "TOKEN")]
    presented: String,
    /// The address the call came from (required for tokens with IP restrictions).
    #[arg(long)]
    ip: Option<String>,
    /// Permissions the call needs, comma-separated.
    #[arg(long)]
    permissions: Option<String>,
    /// Integration id or name.
    #[arg(long)]
    integration: Option<String>,
}

pub async fn verify(a: VerifyArgs) -> anyhow::Result<ExitCode> {
    let presented = if a.presented == "-" {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim().to_owned()
    } else {
        a.presented.clone()
    };
    let api = Api::new(&a.client)?;
    let mut body = json!({"token": presented});
    if let Some(ip) = a.ip {
        body["ip"] = ip.into();
    }
    if let Some(p) = split_list(&a.permissions) {
        body["permissions"] = p.into();
    }
    if let Some(i) = a.integration {
        body["integration"] = i.into();
    }
    let v = api.call(Method::POST, "/v1/verify", Some(body)).await?;
    if a.client.json {
        println!("{v}");
    } else {
        let who = v["api_user"]["username"]
            .as_str()
            .map(|u| format!(" (API user {u})"))
            .unwrap_or_default();
        println!(
            "{}{who}: {}",
            v["code"].as_str().unwrap_or("?"),
            v["message"].as_str().unwrap_or("")
        );
    }
    Ok(if v["valid"] == Value::Bool(true) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_VALID)
    })
}
