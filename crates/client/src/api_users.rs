//! API user profiles.

use keyward_api::{ApiUserQuery, ApiUserView, CreateApiUser, List, UpdateApiUser};

use crate::{Client, Result, seg};

impl Client {
    pub async fn create_api_user(&self, body: &CreateApiUser) -> Result<ApiUserView> {
        self.post("/v1/api-users", body).await
    }

    pub async fn list_api_users(&self, query: &ApiUserQuery) -> Result<List<ApiUserView>> {
        self.get("/v1/api-users", query).await
    }

    /// `key` is an id or a username.
    pub async fn get_api_user(&self, key: &str) -> Result<ApiUserView> {
        self.get(&format!("/v1/api-users/{}", seg(key)), &()).await
    }

    pub async fn update_api_user(&self, key: &str, body: &UpdateApiUser) -> Result<ApiUserView> {
        self.patch(&format!("/v1/api-users/{}", seg(key)), body).await
    }

    /// Deletes the profile; its tokens stop working.
    pub async fn delete_api_user(&self, key: &str) -> Result<()> {
        self.delete(&format!("/v1/api-users/{}", seg(key))).await
    }

    /// Every token of the API user answers SUSPENDED until resumed.
    pub async fn suspend_api_user(&self, key: &str) -> Result<ApiUserView> {
        self.action(&format!("/v1/api-users/{}/suspend", seg(key))).await
    }

    pub async fn resume_api_user(&self, key: &str) -> Result<ApiUserView> {
        self.action(&format!("/v1/api-users/{}/resume", seg(key))).await
    }
}
