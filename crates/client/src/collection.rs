//! The API's collections — permission groups, integrations, routes, members, API users — share
//! one shape: `POST {path}` creates, `GET {path}` lists a page, and `{path}/{key}` reads,
//! changes (PATCH) and deletes one item. One generic type speaks it for all of them.

use std::marker::PhantomData;

use keyward_api::{
    ApiUserQuery, ApiUserView, CreateApiUser, CreateGroup, CreateIntegration, CreateMember, CreateRoute,
    GroupView, IntegrationView, List, MemberView, PageQuery, RouteView, UpdateApiUser, UpdateGroup,
    UpdateIntegration, UpdateMember, UpdateRoute,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Client, Result, seg};

/// A collection at `path`, whose items are shown as `View`, created from `Create`, changed by
/// `Update` and listed with `Query`'s filters.
pub struct Collection<'c, View, Create, Update, Query = PageQuery> {
    client: &'c Client,
    path: &'static str,
    types: PhantomData<fn(&Create, &Update, &Query) -> View>,
}

impl<View, Create, Update, Query> Collection<'_, View, Create, Update, Query>
where
    View: DeserializeOwned + utoipa::ToSchema,
    Create: Serialize,
    Update: Serialize,
    Query: Serialize,
{
    pub async fn create(&self, body: &Create) -> Result<View> {
        self.client.post(self.path, body).await
    }

    pub async fn list(&self, query: &Query) -> Result<List<View>> {
        self.client.get(self.path, query).await
    }

    /// `key` is the item's id (an API user's username too).
    pub async fn get(&self, key: &str) -> Result<View> {
        self.client.get(&self.item(key), &()).await
    }

    pub async fn update(&self, key: &str, body: &Update) -> Result<View> {
        self.client.patch(&self.item(key), body).await
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        self.client.delete(&self.item(key)).await
    }

    fn item(&self, key: &str) -> String {
        format!("{}/{}", self.path, seg(key))
    }
}

impl Client {
    fn collection<V, C, U, Q>(&self, path: &'static str) -> Collection<'_, V, C, U, Q> {
        Collection {
            client: self,
            path,
            types: PhantomData,
        }
    }

    /// Permission groups: the permissions API users and members can hold.
    pub fn groups(&self) -> Collection<'_, GroupView, CreateGroup, UpdateGroup> {
        self.collection("/v1/permission-groups")
    }

    /// Integrations: the systems tokens are used from, with their allowed addresses.
    pub fn integrations(&self) -> Collection<'_, IntegrationView, CreateIntegration, UpdateIntegration> {
        self.collection("/v1/integrations")
    }

    /// The platform's routes and the permissions each needs at the gateway.
    pub fn routes(&self) -> Collection<'_, RouteView, CreateRoute, UpdateRoute> {
        self.collection("/v1/routes")
    }

    /// Members of the organization.
    pub fn members(&self) -> Collection<'_, MemberView, CreateMember, UpdateMember> {
        self.collection("/v1/members")
    }

    /// API user profiles; deleting one stops its tokens.
    pub fn api_users(&self) -> Collection<'_, ApiUserView, CreateApiUser, UpdateApiUser, ApiUserQuery> {
        self.collection("/v1/api-users")
    }
}
