//! Credits: topping up a token's or an API user's balance.

use keyward_api::{AdjustCredits, CreditsView};

use crate::{Client, Result, seg};

impl Client {
    /// Adds to a token's credits or sets them.
    pub async fn adjust_token_credits(&self, id: &str, body: &AdjustCredits) -> Result<CreditsView> {
        self.post(&format!("/v1/tokens/{}/credits", seg(id)), body).await
    }

    /// Adds to the credits an API user's tokens share, or sets them (`key`: id or username).
    pub async fn adjust_api_user_credits(&self, key: &str, body: &AdjustCredits) -> Result<CreditsView> {
        self.post(&format!("/v1/api-users/{}/credits", seg(key)), body)
            .await
    }
}
