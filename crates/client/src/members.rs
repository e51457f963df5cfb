//! Signing in and out, and who is signed in (members themselves are a [`crate::Collection`]).

use keyward_api::{LoginRequest, LoginResponse, MeView};
use reqwest::Method;

use crate::{Client, Result};

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
}
