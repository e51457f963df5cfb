//! Lists come a page at a time; some operations ask for an explicit confirmation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A page of items and the cursor for the next one (`null` at the end).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> List<T> {
    /// Trims the look-ahead row (a page asks for `limit + 1` rows to learn whether another
    /// follows) and sets the cursor from the last id kept.
    pub fn paged<R>(
        mut rows: Vec<R>,
        limit_with_lookahead: u32,
        id: impl Fn(&R) -> uuid::Uuid,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let limit = limit_with_lookahead.saturating_sub(1) as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| id(r).to_string())
        } else {
            None
        };
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}

/// `{"confirm": true}`, required by the revoke-all operations.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirm {
    pub confirm: bool,
}

/// `?limit=&cursor=` on every list.
#[derive(Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items (1 to 200, default 50).
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page.
    pub cursor: Option<String>,
}
