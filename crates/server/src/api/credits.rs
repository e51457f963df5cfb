//! Topping up the credits of a token or an API user.

use keyward_api::limits::{AdjustCredits, CreditsView};
use keyward_service::credits;
use keyward_store::CreditOwner;
use uuid::Uuid;

use crate::auth::Api;
use crate::error::{ApiResult, Edit, Json};

/// Top up a token's credits (`{"add": n}`) or set them (`{"set": n}`); audited. Verifications
/// see the new balance at once, on every node. 404 when the token has no credits.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/tokens/{id}/credits", operation_id = "adjust_token_credits", tag = "tokens",
    params(("id" = Uuid, Path)), request_body = AdjustCredits, responses((status = 200, body = CreditsView)))]
pub async fn adjust_token_credits(
    api: Api,
    Edit(id, req): Edit<Uuid, AdjustCredits>,
) -> ApiResult<Json<CreditsView>> {
    let b = credits::adjust(&api.manage()?, CreditOwner::Token(id), req).await?;
    Ok(Json(b.into()))
}

/// Top up the credits all of an API user's tokens share (`{"add": n}`), or set them
/// (`{"set": n}`); audited. 404 when the API user has no credits of its own.
/// Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/credits", operation_id = "adjust_api_user_credits",
    tag = "api-users", params(("id" = String, Path, description = "id or username")),
    request_body = AdjustCredits, responses((status = 200, body = CreditsView)))]
pub async fn adjust_api_user_credits(
    api: Api,
    Edit(key, req): Edit<String, AdjustCredits>,
) -> ApiResult<Json<CreditsView>> {
    let b = credits::adjust_api_user(&api.manage()?, &key, req).await?;
    Ok(Json(b.into()))
}
