//! The platform's routes and the permissions each needs at the gateway.

use keyward_api::{CreateRoute, List, PageQuery, RouteView, UpdateRoute};

use crate::{Client, Result, seg};

impl Client {
    pub async fn create_route(&self, body: &CreateRoute) -> Result<RouteView> {
        self.post("/v1/routes", body).await
    }

    pub async fn list_routes(&self, query: &PageQuery) -> Result<List<RouteView>> {
        self.get("/v1/routes", query).await
    }

    pub async fn get_route(&self, id: &str) -> Result<RouteView> {
        self.get(&format!("/v1/routes/{}", seg(id)), &()).await
    }

    pub async fn update_route(&self, id: &str, body: &UpdateRoute) -> Result<RouteView> {
        self.patch(&format!("/v1/routes/{}", seg(id)), body).await
    }

    pub async fn delete_route(&self, id: &str) -> Result<()> {
        self.delete(&format!("/v1/routes/{}", seg(id))).await
    }
}
