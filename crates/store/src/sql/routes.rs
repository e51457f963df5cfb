//! The SQL of the route catalog.

macro_rules! sql_routes {
    ($Store:ident, $Row:ty, $Conn:ty, $engine:expr, $lock_head:literal, $skip_locked:literal) => {
        fn route_from(r: &$Row) -> anyhow::Result<Route> {
            from_row!(r => Route {
                id: uuid, org_id: uuid, method: col, path: col, permissions: json, integration_id: opt_uuid,
                description: col, created_at: ts, updated_at: ts, version: col,
            })
        }

        /// The path with its parameters unnamed, which the unique index holds.
        fn route_shape(route: &Route) -> String {
            keyward_core::route::RouteTemplate::parse(&route.path)
                .map(|t| t.shape())
                .unwrap_or_else(|_| route.path.clone())
        }

        /// The columns a route's INSERT and UPDATE both write, as `$1` to `$6`.
        fn route_columns<'q>(q: Query<'q>, route: &'q Route) -> Query<'q> {
            q.bind(&route.method)
                .bind(&route.path)
                .bind(route_shape(route))
                .bind(serde_json::to_string(&route.permissions).unwrap_or_default())
                .bind(route.integration_id.map(|i| i.to_string()))
                .bind(&route.description)
        }

        #[async_trait]
        impl crate::RouteStore for $Store {
            async fn create_route(&self, route: &Route, audit: &AuditRecord) -> StoreResult<()> {
                let insert = sqlx::query(
                    "INSERT INTO routes (method, path, shape, permissions, integration_id, description, \
                     id, org_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                );
                let insert = route_columns(insert, route)
                    .bind(route.id.to_string())
                    .bind(route.org_id.to_string())
                    .bind(to_millis(route.created_at))
                    .bind(to_millis(route.updated_at));
                self.audited_insert(audit, insert, Some(Conflict::RouteTaken)).await
            }

            async fn get_route(&self, org_id: Uuid, id: Uuid) -> StoreResult<Route> {
                let r = self.one_in_org("SELECT * FROM routes WHERE id = $1 AND org_id = $2", org_id, id).await?;
                Ok(route_from(&r)?)
            }

            async fn list_routes(&self, org_id: Uuid, page: Page) -> StoreResult<Vec<Route>> {
                let rows = self
                    .page_in_org("SELECT * FROM routes WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3", org_id, page)
                    .await?;
                Ok(rows.iter().map(route_from).collect::<anyhow::Result<_>>()?)
            }

            async fn all_routes(&self, org_id: Uuid) -> StoreResult<Vec<Route>> {
                let rows = sqlx::query("SELECT * FROM routes WHERE org_id = $1 ORDER BY id LIMIT $2")
                    .bind(org_id.to_string())
                    .bind(crate::MAX_ROUTES as i64)
                    .fetch_all(&self.read)
                    .await?;
                Ok(rows.iter().map(route_from).collect::<anyhow::Result<_>>()?)
            }

            async fn count_routes(&self, org_id: Uuid) -> StoreResult<u64> {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM routes WHERE org_id = $1")
                    .bind(org_id.to_string())
                    .fetch_one(&self.read)
                    .await?;
                Ok(u64::try_from(n).unwrap_or(0))
            }

            async fn update_route(&self, route: &Route, audit: &AuditRecord) -> StoreResult<()> {
                let update = sqlx::query(
                    "UPDATE routes SET method = $1, path = $2, shape = $3, permissions = $4, integration_id = $5, \
                     description = $6, updated_at = $7, version = version + 1 \
                     WHERE id = $8 AND org_id = $9 AND version = $10",
                );
                let update = route_columns(update, route)
                    .bind(to_millis(route.updated_at))
                    .bind(route.id.to_string())
                    .bind(route.org_id.to_string())
                    .bind(route.version);
                self.versioned_update(audit, ("routes", route.id, route.org_id), update, Conflict::RouteTaken)
                    .await
            }

            async fn delete_route(&self, org_id: Uuid, id: Uuid, audit: &AuditRecord) -> StoreResult<()> {
                let delete = sqlx::query("DELETE FROM routes WHERE id = $1 AND org_id = $2")
                    .bind(id.to_string())
                    .bind(org_id.to_string());
                self.audited_update(audit, delete).await
            }
        }
    };
}
