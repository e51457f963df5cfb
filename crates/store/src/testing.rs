//! Helpers for tests that need a real PostgreSQL: a fresh database per test, and a loud skip
//! (or, under `CI=true`, a failure) when none is reachable.

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

/// The server tests use: `KEYWARD_TEST_POSTGRES_URL`, else the local one with trust auth.
pub fn postgres_admin_url() -> String {
    std::env::var("KEYWARD_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Creates an empty database and answers (admin URL, database URL, database name), or `None`
/// after saying why the test is skipped.
#[allow(clippy::panic)]
pub async fn fresh_postgres_database() -> Option<(String, String, String)> {
    let admin = postgres_admin_url();
    let mut conn = match PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            if in_ci() {
                panic!("PostgreSQL is required under CI=true, but {admin} is not reachable: {e}");
            }
            eprintln!(
                "SKIPPED (PostgreSQL not reachable at {admin}: {e}); set KEYWARD_TEST_POSTGRES_URL to run it"
            );
            return None;
        }
    };
    let name = format!("keyward_test_{}", Uuid::now_v7().simple());
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
    {
        if in_ci() {
            panic!("cannot create a test database on {admin}: {e}");
        }
        eprintln!("SKIPPED (cannot create a test database on {admin}: {e})");
        return None;
    }
    let _ = conn.close().await;
    let base = admin.split('?').next().unwrap_or(&admin);
    let db_url = match base.rsplit_once('/') {
        Some((server, _)) if server.contains("://") && !server.ends_with('/') => format!("{server}/{name}"),
        _ => format!("{}/{name}", base.trim_end_matches('/')),
    };
    Some((admin, db_url, name))
}

/// Drops a database made by [`fresh_postgres_database`], closing its connections.
pub async fn drop_postgres_database(admin: &str, name: &str) {
    if let Ok(mut conn) = PgConnection::connect(admin).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        )))
        .execute(&mut conn)
        .await;
        let _ = conn.close().await;
    }
}
