//! The schema's migrations, in order, for each database. Those whose SQL both databases read
//! alike are written once, in `migrations/shared`; the others have a file per database.

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::Engine;

/// A migration's SQL: the database's own file (`own`), or the one both read alike (`shared`).
macro_rules! sql {
    ($engine:expr, own $file:literal) => {
        match $engine {
            Engine::Sqlite => include_str!(concat!("../migrations/sqlite/", $file)),
            Engine::Postgres => include_str!(concat!("../migrations/postgres/", $file)),
        }
    };
    ($engine:expr, shared $file:literal) => {
        include_str!(concat!("../migrations/shared/", $file))
    };
}

pub(crate) fn migrator(engine: Engine) -> Migrator {
    let step = |version, name: &str, sql: &'static str| {
        Migration::new(
            version,
            name.to_owned().into(),
            MigrationType::Simple,
            sql.into_sql_str(),
            false,
        )
    };
    // SQLite rebuilds a table (7 and 15) with foreign keys off, which only works outside a
    // transaction.
    let rebuild = |version, name: &str, sql: &'static str| {
        let outside_tx = engine == Engine::Sqlite;
        Migration::new(
            version,
            name.to_owned().into(),
            MigrationType::Simple,
            sql.into_sql_str(),
            outside_tx,
        )
    };
    let mut steps = vec![
        step(1, "init", sql!(engine, own "0001_init.sql")),
        step(2, "lifecycle", sql!(engine, own "0002_lifecycle.sql")),
        step(3, "oauth", sql!(engine, own "0003_oauth.sql")),
        step(4, "totp", sql!(engine, own "0004_totp.sql")),
        step(5, "member_totp", sql!(engine, own "0005_member_totp.sql")),
        step(6, "login_throttle", sql!(engine, own "0006_login_throttle.sql")),
        rebuild(
            7,
            "org_scoped_emails",
            sql!(engine, own "0007_org_scoped_emails.sql"),
        ),
        step(8, "leaked_tokens", sql!(engine, shared "0008_leaked_tokens.sql")),
        step(9, "routes", sql!(engine, shared "0009_routes.sql")),
        step(10, "session_flash", sql!(engine, shared "0010_session_flash.sql")),
        step(
            11,
            "token_imported_from",
            sql!(engine, own "0011_token_imported_from.sql"),
        ),
        step(
            12,
            "token_metadata",
            sql!(engine, shared "0012_token_metadata.sql"),
        ),
        step(13, "limits", sql!(engine, shared "0013_limits.sql")),
        step(
            14,
            "ratelimit_counts",
            sql!(engine, shared "0014_ratelimit_counts.sql"),
        ),
    ];
    if engine == Engine::Sqlite {
        // An 8-byte index of token hashes in place of the whole hash's (PostgreSQL keeps its
        // own index on the whole hash).
        let sql = include_str!("../migrations/sqlite/0015_token_hash_prefix.sql");
        steps.push(rebuild(15, "token_hash_prefix", sql));
    }
    Migrator::with_migrations(steps)
}
