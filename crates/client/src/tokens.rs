//! Tokens: create (the secret is in the answer, once), list, change, rotate, revoke, import.

use keyward_api::{
    Confirm, CreateToken, CreatedToken, ImportReport, ImportRequest, List, RevokedCount, RotateToken,
    TokenQuery, TokenView, UpdateToken,
};
use reqwest::Method;

use crate::{Client, Result, seg};

impl Client {
    /// `api_user` is an id or a username.
    pub async fn create_token(&self, api_user: &str, body: &CreateToken) -> Result<CreatedToken> {
        self.post(&format!("/v1/api-users/{}/tokens", seg(api_user)), body)
            .await
    }

    /// The organization's tokens, or one API user's with `query.api_user_id`.
    pub async fn list_tokens(&self, query: &TokenQuery) -> Result<List<TokenView>> {
        self.get("/v1/tokens", query).await
    }

    /// One API user's tokens (`api_user` is an id or a username).
    pub async fn list_user_tokens(&self, api_user: &str, query: &TokenQuery) -> Result<List<TokenView>> {
        self.get(&format!("/v1/api-users/{}/tokens", seg(api_user)), query)
            .await
    }

    pub async fn get_token(&self, id: &str) -> Result<TokenView> {
        self.get(&format!("/v1/tokens/{}", seg(id)), &()).await
    }

    pub async fn update_token(&self, id: &str, body: &UpdateToken) -> Result<TokenView> {
        self.patch(&format!("/v1/tokens/{}", seg(id)), body).await
    }

    /// A new secret with the same name and rights; the old one works for the grace period.
    pub async fn rotate_token(&self, id: &str, body: &RotateToken) -> Result<CreatedToken> {
        self.post(&format!("/v1/tokens/{}/rotate", seg(id)), body).await
    }

    pub async fn suspend_token(&self, id: &str) -> Result<TokenView> {
        self.action(&format!("/v1/tokens/{}/suspend", seg(id))).await
    }

    pub async fn resume_token(&self, id: &str) -> Result<TokenView> {
        self.action(&format!("/v1/tokens/{}/resume", seg(id))).await
    }

    /// Revokes forever.
    pub async fn revoke_token(&self, id: &str) -> Result<()> {
        self.delete(&format!("/v1/tokens/{}", seg(id))).await
    }

    /// Revokes every token of one API user.
    pub async fn revoke_all_user_tokens(&self, api_user: &str) -> Result<RevokedCount> {
        let path = format!("/v1/api-users/{}/tokens/revoke-all", seg(api_user));
        self.post(&path, &Confirm { confirm: true }).await
    }

    /// Revokes every token of the organization.
    pub async fn revoke_all_org_tokens(&self) -> Result<RevokedCount> {
        self.post("/v1/tokens/revoke-all", &Confirm { confirm: true })
            .await
    }

    /// Imports up to 10 000 tokens that their owners already hold, by hash or secret.
    pub async fn import_tokens(&self, api_user: &str, body: &ImportRequest) -> Result<ImportReport> {
        self.post(&format!("/v1/api-users/{}/tokens/import", seg(api_user)), body)
            .await
    }

    /// A POST without a body (suspend, resume, unlock …).
    pub(crate) async fn action<R: serde::de::DeserializeOwned>(&self, path: &str) -> Result<R> {
        self.send(self.request(Method::POST, path)?).await
    }
}
