//! Lists come a page at a time; some operations ask for an explicit confirmation.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::query::query_params;

/// A page of items and the cursor for the next one (`null` at the end).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct List<T: ToSchema> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> List<T> {
    /// Trims the look-ahead row (a page asks for `limit + 1` rows to learn whether another
    /// follows) and sets the cursor from the last row kept (its id, or its `seq`).
    pub fn paged<R, C: ToString>(
        mut rows: Vec<R>,
        limit_with_lookahead: u32,
        cursor: impl Fn(&R) -> C,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let limit = limit_with_lookahead.saturating_sub(1) as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more {
            rows.last().map(|r| cursor(r).to_string())
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

query_params! {
    /// `?limit=&cursor=` on every list.
    struct PageQuery {
        /// At most this many items (1 to 200, default 50).
        pub limit: Option<u32>,
        /// `next_cursor` from the previous page.
        pub cursor: Option<String>,
    }
}

/// A list's query: its page, whatever filters come with it.
pub trait Paged {
    fn page_query(&self) -> PageQuery;
}

impl Paged for PageQuery {
    fn page_query(&self) -> PageQuery {
        self.clone()
    }
}
