//! The SQL shared by the SQLite and PostgreSQL stores. Both keep the same schema (ids as text,
//! times as Unix milliseconds, lists as JSON text, hashes as bytes), so one text of each query
//! serves both; the few dialect differences are parameters of this macro. Each database module
//! instantiates it for its own driver types, so every query is compiled against both drivers
//! and written out once, here, for review.
//!
//! Why a macro rather than a generic over `sqlx::Database`: the two drivers' row, connection and
//! argument types differ, and code generic over them needs a bound for every type it encodes or
//! decodes and for every executor it passes — more text than the queries themselves. One macro
//! per aggregate keeps each query written once, compiled against both drivers, and a compile
//! error points at the aggregate it is in.

/// A record read from a row: each field from the column of its own name, through the reader
/// named beside it (`col` decodes a column as it is; `uuid`, `ts`, `json`, … convert; a
/// reader's further arguments follow in brackets), then, after `;`, the fields that are not
/// columns. A column's name is written once, as its field's.
macro_rules! from_row {
    ($r:expr => $T:ident { $($field:ident: $read:ident $([$($arg:expr),+])?),+ $(; $($other:ident: $val:expr),+)? $(,)? }) => {
        Ok($T {
            $($field: $read($r, stringify!($field) $($(, $arg)+)?)?,)+
            $($($other: $val,)+)?
        })
    };
}

#[macro_use]
mod shared;
#[macro_use]
mod organizations;
#[macro_use]
mod members;
#[macro_use]
mod throttle;
#[macro_use]
mod catalog;
#[macro_use]
mod credits;
#[macro_use]
mod api_users;
#[macro_use]
mod tokens;
#[macro_use]
mod leaks;
#[macro_use]
mod usage;
#[macro_use]
mod outbox;
#[macro_use]
mod ratelimits;
#[macro_use]
mod reminders;
#[macro_use]
mod routes;
#[macro_use]
mod webhooks;
#[macro_use]
mod oauth;
#[macro_use]
mod totp;
#[macro_use]
mod audit;

macro_rules! sql_store {
    (
        store = $Store:ident,
        db = $DB:ty,
        row = $Row:ty,
        conn = $Conn:ty,
        engine = $engine:expr,
        lock_head = $lock_head:literal,
        skip_locked = $skip_locked:literal,
        extra = { $($extra:item)* } $(,)?
    ) => {
        sql_shared!($Store, $DB, $Row, $Conn, $lock_head);
        sql_organizations!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_members!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_throttle!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_catalog!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_credits!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_api_users!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_tokens!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_leaks!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_usage!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_outbox!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_ratelimits!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_reminders!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_routes!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_webhooks!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_oauth!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_totp!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);
        sql_audit!($Store, $Row, $Conn, $engine, $lock_head, $skip_locked);

        #[async_trait]
        impl Store for $Store {
            fn engine(&self) -> Engine {
                $engine
            }

            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }

            $($extra)*
        }
    };
}
