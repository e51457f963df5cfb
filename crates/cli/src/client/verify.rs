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
    /// Credits the call spends (default 1; 0 checks without spending).
    #[arg(long)]
    cost: Option<u64>,
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
    let body = VerifyRequest {
        token: presented,
        ip: a.ip,
        permissions: split_list(&a.permissions).unwrap_or_default(),
        integration: a.integration,
        cost: a.cost,
    };
    let answer = api.verify_token(&body).await?;
    if a.client.json {
        api.print_json(&answer);
    } else {
        let who = answer
            .api_user
            .as_ref()
            .map(|u| format!(" (API user {})", u.username))
            .unwrap_or_default();
        println!("{}{who}: {}", answer.code.as_str(), answer.message);
    }
    Ok(if answer.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(NOT_VALID)
    })
}
