//! Writing many rows of one table at once, each database its fastest way: multi-row INSERT
//! statements on SQLite, `COPY … FROM STDIN` on PostgreSQL. A bulk import writes 10 000 tokens
//! and as many audit events per transaction; on PostgreSQL, INSERTs of 32 rows (the fastest
//! size measured) took about 600 ms a batch, one round trip each.

use std::fmt::Write as _;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteArguments;
use sqlx::{Connection, Database, PgConnection, Postgres, Sqlite, SqliteConnection, Transaction};

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

/// Inserts rows into a table: prepared first (statements bound, or COPY's text written)
/// outside the write transaction, so the writer does not wait on it; then sent. Table and
/// column names are the callers' constants, never input.
#[async_trait]
pub(crate) trait BulkInsert {
    type Prepared: Send;

    /// `rows`, each with one cell per column in order, made ready for `table`.
    fn prepare(table: &'static str, columns: &'static [&'static str], rows: Vec<Vec<Cell>>)
    -> Self::Prepared;

    async fn insert_prepared(&mut self, rows: Self::Prepared) -> Result<(), sqlx::Error>;

    async fn insert_rows(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Vec<Cell>>,
    ) -> Result<(), sqlx::Error> {
        self.insert_prepared(Self::prepare(table, columns, rows)).await
    }
}

/// The writer connection for one bulk transaction. On SQLite it enforces no foreign keys:
/// with them, every multi-row INSERT keeps a statement journal (a copy of each page it
/// changes, to undo that statement alone), and that took a third of an import's writing. The
/// caller checks the rows it refers to itself, in the transaction. Enforcement comes back on
/// when the transaction is over; a connection where it may not have (an error, a request
/// dropped half-way) is closed rather than returned to the pool.
pub(crate) struct BulkWriter<DB: Database> {
    conn: PoolConnection<DB>,
    foreign_keys_off: bool,
}

impl BulkWriter<Sqlite> {
    pub(crate) async fn open(mut conn: PoolConnection<Sqlite>) -> Result<Self, sqlx::Error> {
        // Outside a transaction: inside one SQLite ignores the setting.
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut *conn)
            .await?;
        Ok(Self {
            conn,
            foreign_keys_off: true,
        })
    }

    /// IMMEDIATE, as every SQLite write here: the write lock is taken up front.
    pub(crate) async fn begin(&mut self) -> Result<Transaction<'_, Sqlite>, sqlx::Error> {
        self.conn.begin_with("BEGIN IMMEDIATE").await
    }

    /// Turns enforcement back on, and checks that it is on.
    pub(crate) async fn finish(mut self) {
        let on: Result<i64, _> = async {
            sqlx::query("PRAGMA foreign_keys = ON")
                .execute(&mut *self.conn)
                .await?;
            sqlx::query_scalar("SELECT foreign_keys FROM pragma_foreign_keys")
                .fetch_one(&mut *self.conn)
                .await
        }
        .await;
        self.foreign_keys_off = !matches!(on, Ok(1));
    }
}

impl BulkWriter<Postgres> {
    pub(crate) async fn open(conn: PoolConnection<Postgres>) -> Result<Self, sqlx::Error> {
        Ok(Self {
            conn,
            foreign_keys_off: false,
        })
    }

    pub(crate) async fn begin(&mut self) -> Result<Transaction<'_, Postgres>, sqlx::Error> {
        self.conn.begin().await
    }

    pub(crate) async fn finish(self) {}
}

impl<DB: Database> Drop for BulkWriter<DB> {
    fn drop(&mut self) {
        if self.foreign_keys_off {
            self.conn.close_on_drop();
        }
    }
}

#[async_trait]
impl BulkInsert for SqliteConnection {
    type Prepared = Vec<sqlx::query::Query<'static, Sqlite, SqliteArguments>>;

    fn prepare(
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Vec<Cell>>,
    ) -> Self::Prepared {
        // Rows per statement, measured with `keyward dev seed`: 300 k tokens took 14.4 s in
        // statements of 32 rows, 13.1 s of 128, 11.1 s of 512 (SQLite allows 32 766 values).
        const ROWS: usize = 1024;
        let mut statements = Vec::with_capacity(rows.len().div_ceil(ROWS));
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Cell>> = rows.by_ref().take(ROWS).collect();
            // OR FAIL: a constraint failure ends the statement without undoing its earlier
            // rows, so SQLite keeps no statement journal; every caller then rolls back.
            let sql = format!(
                "INSERT OR FAIL INTO {table} ({}) VALUES {}",
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
            statements.push(q);
        }
        statements
    }

    async fn insert_prepared(&mut self, statements: Self::Prepared) -> Result<(), sqlx::Error> {
        for q in statements {
            q.execute(&mut *self).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl BulkInsert for PgConnection {
    /// The table's COPY statement and its text in pieces of about 1 MiB.
    type Prepared = Option<(String, Vec<Vec<u8>>)>;

    fn prepare(
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Vec<Cell>>,
    ) -> Self::Prepared {
        if rows.is_empty() {
            return None;
        }
        let mut pieces = Vec::new();
        let mut buf = String::with_capacity(1 << 20);
        for row in rows {
            copy_text_row(&mut buf, row);
            if buf.len() >= 1 << 20 {
                pieces.push(std::mem::take(&mut buf).into_bytes());
            }
        }
        if !buf.is_empty() {
            pieces.push(buf.into_bytes());
        }
        Some((
            format!("COPY {table} ({}) FROM STDIN", columns.join(", ")),
            pieces,
        ))
    }

    async fn insert_prepared(&mut self, rows: Self::Prepared) -> Result<(), sqlx::Error> {
        let Some((sql, pieces)) = rows else {
            return Ok(());
        };
        let mut copy = self.copy_in_raw(&sql).await?;
        for piece in pieces {
            copy.send(piece).await?;
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
