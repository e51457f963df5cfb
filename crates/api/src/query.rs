//! Query strings: every one rejects a parameter it does not know and documents itself for
//! OpenAPI; a list's adds `limit` and `cursor` before its own filters.

use time::OffsetDateTime;
use uuid::Uuid;

/// Declares a query-string struct. `paged struct` puts `limit` and `cursor` first and makes it
/// [`crate::Paged`]; `paged struct A, struct B { .. }` declares a list and its unpaged twin
/// (an export of the same filters) from one field list, with `From<B> for A`.
macro_rules! query_params {
    (
        $(#[$paged_attr:meta])* paged struct $paged:ident,
        $(#[$plain_attr:meta])* struct $plain:ident {
            $($(#[$field_attr:meta])* pub $field:ident: $ty:ty,)*
        }
    ) => {
        query_params! { $(#[$paged_attr])* paged struct $paged {
            $($(#[$field_attr])* pub $field: $ty,)*
        } }
        query_params! { $(#[$plain_attr])* struct $plain {
            $($(#[$field_attr])* pub $field: $ty,)*
        } }
        impl From<$plain> for $paged {
            fn from(q: $plain) -> Self {
                Self { limit: None, cursor: None, $($field: q.$field,)* }
            }
        }
    };
    ($(#[$attr:meta])* paged struct $name:ident { $($fields:tt)* }) => {
        query_params! { $(#[$attr])* struct $name {
            /// At most this many items (1 to 200, default 50).
            pub limit: Option<u32>,
            /// `next_cursor` from the previous page.
            pub cursor: Option<String>,
            $($fields)*
        } }
        impl $crate::page::Paged for $name {
            fn page_query(&self) -> $crate::page::PageQuery {
                $crate::page::PageQuery { limit: self.limit, cursor: self.cursor.clone() }
            }
        }
    };
    ($(#[$attr:meta])* struct $name:ident { $($fields:tt)* }) => {
        $(#[$attr])*
        #[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize, utoipa::IntoParams)]
        #[serde(deny_unknown_fields)]
        #[into_params(parameter_in = Query)]
        pub struct $name { $($fields)* }
    };
}

pub(crate) use query_params;

query_params! {
    /// The API users listed.
    paged struct ApiUserQuery {
        /// Matches username, name or external id.
        pub search: Option<String>,
        /// `active` or `suspended`.
        pub status: Option<String>,
        /// `live` or `sandbox`.
        pub environment: Option<String>,
    }
}

query_params! {
    /// The tokens listed.
    paged struct TokenQuery {
        /// `active`, `suspended` or `revoked`.
        pub status: Option<String>,
        /// Only tokens expiring within this many days (and not yet expired).
        pub expiring_within_days: Option<i64>,
        /// Only tokens not used for this many days (or never used and older than that).
        pub unused_for_days: Option<i64>,
        /// Only this API user's tokens (id).
        pub api_user_id: Option<Uuid>,
    }
}

query_params! {
    /// The audit events listed, newest first; the cursor is the last event's `seq`.
    paged struct AuditQuery,
    /// The audit events exported: the same filters, no pages.
    struct AuditExportQuery {
        /// Member or token id.
        pub actor_id: Option<Uuid>,
        /// An action such as `token.create`, or a prefix such as `token`.
        pub action: Option<String>,
        pub target_id: Option<Uuid>,
        /// RFC 3339 time, inclusive.
        #[serde(default, with = "time::serde::rfc3339::option")]
        #[param(value_type = Option<String>)]
        pub since: Option<OffsetDateTime>,
        /// RFC 3339 time, exclusive.
        #[serde(default, with = "time::serde::rfc3339::option")]
        #[param(value_type = Option<String>)]
        pub until: Option<OffsetDateTime>,
    }
}

query_params! {
    /// The outbox messages listed.
    paged struct OutboxQuery {
        /// `pending`, `delivered` or `dead`.
        pub status: Option<String>,
    }
}

query_params! {
    /// Whose hourly usage, and how far back.
    struct UsageSeriesQuery {
        /// One token's usage.
        pub token_id: Option<Uuid>,
        /// All tokens of one API user (id).
        pub api_user_id: Option<Uuid>,
        /// How many hours back (1 to 2160, default 168: a week).
        pub hours: Option<i64>,
    }
}

query_params! {
    /// How far back a token's usage goes.
    struct UsageQuery {
        /// How many days back (1 to 90, default 30).
        pub days: Option<i64>,
    }
}
