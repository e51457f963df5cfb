//! API user profiles: what the generic collection does not (suspending and resuming).

use keyward_api::ApiUserView;

use crate::{Client, Result, seg};

impl Client {
    /// Every token of the API user answers SUSPENDED until resumed.
    pub async fn suspend_api_user(&self, key: &str) -> Result<ApiUserView> {
        self.action(&format!("/v1/api-users/{}/suspend", seg(key))).await
    }

    pub async fn resume_api_user(&self, key: &str) -> Result<ApiUserView> {
        self.action(&format!("/v1/api-users/{}/resume", seg(key))).await
    }
}
