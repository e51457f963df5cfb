//! Answers both transports (the API and the dashboard) give the same way.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The audit trail as a CSV download.
pub fn csv_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"keyward-audit.csv\"",
            ),
        ],
        body,
    )
        .into_response()
}
