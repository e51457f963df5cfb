//! Members of the organization, and signing in and out.

use keyward_api::{
    CreateMember, List, LoginRequest, LoginResponse, MeView, MemberView, PageQuery, UpdateMember,
};
use reqwest::Method;

use crate::{Client, Result, seg};

impl Client {
    /// A member session; use it with [`Client::with_token`].
    pub async fn sign_in(&self, body: &LoginRequest) -> Result<LoginResponse> {
        self.post("/v1/auth/login", body).await
    }

    /// Ends the session this client holds.
    pub async fn sign_out(&self) -> Result<()> {
        let req = self
            .request(Method::POST, "/v1/auth/logout")?
            .json(&serde_json::json!({}));
        self.send_empty(req).await
    }

    /// Who this client's credential is.
    pub async fn get_me(&self) -> Result<MeView> {
        self.get("/v1/me", &()).await
    }

    pub async fn create_member(&self, body: &CreateMember) -> Result<MemberView> {
        self.post("/v1/members", body).await
    }

    pub async fn list_members(&self, query: &PageQuery) -> Result<List<MemberView>> {
        self.get("/v1/members", query).await
    }

    pub async fn get_member(&self, id: &str) -> Result<MemberView> {
        self.get(&format!("/v1/members/{}", seg(id)), &()).await
    }

    pub async fn update_member(&self, id: &str, body: &UpdateMember) -> Result<MemberView> {
        self.patch(&format!("/v1/members/{}", seg(id)), body).await
    }

    pub async fn delete_member(&self, id: &str) -> Result<()> {
        self.delete(&format!("/v1/members/{}", seg(id))).await
    }
}
