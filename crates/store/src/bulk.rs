//! Writing many rows of one table at once, each database its fastest way: multi-row INSERT
//! statements on SQLite, `COPY … FROM STDIN` on PostgreSQL. A bulk import writes 10 000 tokens
//! and as many audit events per transaction; on PostgreSQL, INSERTs of 32 rows (the fastest
//! size measured) took about 600 ms a batch, one round trip each.

use std::fmt::Write as _;

use async_trait::async_trait;
use sqlx::{PgConnection, SqliteConnection};

/// One value of a row, in the representation both schemas share.
pub(crate) enum Cell {
    Null,
    Text(String),
    Int(i64),
    Bytes(Vec<u8>),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(i: i64) -> Self {
        Cell::Int(i)
    }
}

impl From<Vec<u8>> for Cell {
    fn from(b: Vec<u8>) -> Self {
        Cell::Bytes(b)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

/// Inserts `rows` (each with one cell per column, in order) into `table`. Table and column
/// names are the callers' constants, never input.
#[async_trait]
pub(crate) trait BulkInsert {
    async fn insert_rows(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Vec<Cell>>,
    ) -> Result<(), sqlx::Error>;
}

#[async_trait]
impl BulkInsert for SqliteConnection {
    async fn insert_rows(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Vec<Cell>>,
    ) -> Result<(), sqlx::Error> {
        // Rows per statement, measured with `keyward dev seed`: 300 k tokens took 14.4 s in
        // statements of 32 rows, 13.1 s of 128, 11.1 s of 512 (SQLite allows 32 766 values).
        const ROWS: usize = 512;
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Cell>> = rows.by_ref().take(ROWS).collect();
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES {}",
                columns.join(", "),
                crate::usage::placeholders(crate::Engine::Sqlite, chunk.len(), columns.len())
            );
            // Only names and placeholders are in the text; every value is bound.
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for cell in chunk.into_iter().flatten() {
                q = match cell {
                    Cell::Null => q.bind(None::<String>),
                    Cell::Text(s) => q.bind(s),
                    Cell::Int(i) => q.bind(i),
                    Cell::Bytes(b) => q.bind(b),
                };
            }
            q.execute(&mut *self).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl BulkInsert for PgConnection {
    async fn insert_rows(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Vec<Cell>>,
    ) -> Result<(), sqlx::Error> {
        if rows.is_empty() {
            return Ok(());
        }
        let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
        let mut copy = self.copy_in_raw(&sql).await?;
        // Sent in pieces of about 1 MiB, so a batch is never held twice over.
        let mut buf = String::with_capacity(1 << 20);
        for row in rows {
            copy_text_row(&mut buf, row);
            if buf.len() >= 1 << 20 {
                copy.send(std::mem::take(&mut buf).into_bytes()).await?;
            }
        }
        if !buf.is_empty() {
            copy.send(buf.into_bytes()).await?;
        }
        copy.finish().await?;
        Ok(())
    }
}

/// One row in COPY's text format: tab-separated, `\N` for NULL, backslash escapes in text and
/// bytea in hex (`\\x…`, its backslash escaped too).
fn copy_text_row(buf: &mut String, row: Vec<Cell>) {
    for (i, cell) in row.into_iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        match cell {
            Cell::Null => buf.push_str("\\N"),
            Cell::Int(n) => {
                let _ = write!(buf, "{n}");
            }
            Cell::Bytes(b) => {
                buf.push_str("\\\\x");
                for byte in b {
                    let _ = write!(buf, "{byte:02x}");
                }
            }
            Cell::Text(s) => {
                for c in s.chars() {
                    match c {
                        '\\' => buf.push_str("\\\\"),
                        '\t' => buf.push_str("\\t"),
                        '\n' => buf.push_str("\\n"),
                        '\r' => buf.push_str("\\r"),
                        c => buf.push(c),
                    }
                }
            }
        }
    }
    buf.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_what_would_end_a_field_or_a_row() {
        let mut buf = String::new();
        copy_text_row(
            &mut buf,
            vec![
                Cell::Text("a\tb\nc\\d\re".into()),
                Cell::Null,
                Cell::Int(-42),
                Cell::Bytes(vec![0, 0xab, 0xff]),
            ],
        );
        assert_eq!(buf, "a\\tb\\nc\\\\d\\re\t\\N\t-42\t\\\\x00abff\n");
    }
}
