//! keyward's HTTP API as types: the bodies it accepts and the answers it gives, with their
//! OpenAPI schemas. The server renders and parses these; `keyward-client` sends and reads the
//! same ones, so a field renamed on one side is renamed on the other. Views are built from the
//! core's domain types here; nothing in this crate does I/O or knows HTTP.

pub mod api_users;
pub mod audit;
pub mod catalog;
pub mod leaks;
pub mod limits;
pub mod members;
pub mod page;
pub mod problem;
pub mod query;
pub mod routes;
pub mod serde_helpers;
pub mod token_import;
pub mod tokens;
pub mod verify;

pub use api_users::*;
pub use audit::*;
pub use catalog::*;
pub use leaks::*;
pub use limits::*;
pub use members::*;
pub use page::*;
pub use problem::*;
pub use query::*;
pub use routes::*;
pub use token_import::*;
pub use tokens::*;
pub use verify::*;

/// RFC 3339 with seconds, as every time in the API is written.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
