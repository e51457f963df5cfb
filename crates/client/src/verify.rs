//! The hot path: may this token make this call?

use keyward_api::{VerifyRequest, VerifyResponse};

use crate::{Client, Result};

impl Client {
    /// Always an answer when the request is well formed: the verdict is in `valid` and `code`.
    /// Needs a token with `keyward:verify`.
    pub async fn verify_token(&self, body: &VerifyRequest) -> Result<VerifyResponse> {
        self.post("/v1/verify", body).await
    }
}
