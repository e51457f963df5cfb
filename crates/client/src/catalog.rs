//! Permission groups and integrations.

use keyward_api::{
    CreateGroup, CreateIntegration, GroupView, IntegrationView, List, PageQuery, UpdateGroup,
    UpdateIntegration,
};

use crate::{Client, Result, seg};

impl Client {
    pub async fn create_group(&self, body: &CreateGroup) -> Result<GroupView> {
        self.post("/v1/permission-groups", body).await
    }

    pub async fn list_groups(&self, query: &PageQuery) -> Result<List<GroupView>> {
        self.get("/v1/permission-groups", query).await
    }

    pub async fn get_group(&self, id: &str) -> Result<GroupView> {
        self.get(&format!("/v1/permission-groups/{}", seg(id)), &()).await
    }

    pub async fn update_group(&self, id: &str, body: &UpdateGroup) -> Result<GroupView> {
        self.patch(&format!("/v1/permission-groups/{}", seg(id)), body)
            .await
    }

    pub async fn delete_group(&self, id: &str) -> Result<()> {
        self.delete(&format!("/v1/permission-groups/{}", seg(id))).await
    }

    pub async fn create_integration(&self, body: &CreateIntegration) -> Result<IntegrationView> {
        self.post("/v1/integrations", body).await
    }

    pub async fn list_integrations(&self, query: &PageQuery) -> Result<List<IntegrationView>> {
        self.get("/v1/integrations", query).await
    }

    pub async fn get_integration(&self, id: &str) -> Result<IntegrationView> {
        self.get(&format!("/v1/integrations/{}", seg(id)), &()).await
    }

    pub async fn update_integration(&self, id: &str, body: &UpdateIntegration) -> Result<IntegrationView> {
        self.patch(&format!("/v1/integrations/{}", seg(id)), body).await
    }

    pub async fn delete_integration(&self, id: &str) -> Result<()> {
        self.delete(&format!("/v1/integrations/{}", seg(id))).await
    }
}
