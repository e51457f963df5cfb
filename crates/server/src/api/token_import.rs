//! `POST /v1/api-users/{id}/tokens/import`: tokens a platform already handed out, by hash.

use axum::extract::DefaultBodyLimit;
use keyward_service::token_import::{self, ImportReport};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::auth::Api;
use crate::error::{ApiResult, Edit, Json, Problem};
pub use keyward_api::token_import::ImportRequest;

/// 10 000 tokens with every optional field fit well inside this.
const IMPORT_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// The route, with the body limit a batch needs.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_tokens))
        .layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT))
}

/// Import existing tokens by their SHA-256 hash (or their secret, hashed on arrival and never
/// stored), so their holders keep using them. Importing the same hash again is counted as a
/// duplicate, not an error; a line with a bad field or a name the API user already uses is
/// refused alone, with its index and reason. Requires: super admin or keyward:admin.
#[utoipa::path(post, path = "/v1/api-users/{id}/tokens/import", tag = "tokens",
    params(("id" = String, Path, description = "API user id or username")), request_body = ImportRequest,
    responses((status = 200, body = ImportReport), (status = 413, body = Problem)))]
pub async fn import_tokens(
    api: Api,
    Edit(key, req): Edit<String, ImportRequest>,
) -> ApiResult<Json<ImportReport>> {
    let report = token_import::import(&api.manage()?, &key, &req.source, req.tokens).await?;
    Ok(Json(report))
}
