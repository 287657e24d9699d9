//! PostgreSQL `COPY ... FROM STDIN (FORMAT binary)`: rows encoded straight into the wire
//! format and streamed in buffers of about a megabyte. COPY inserts a table's rows in batches
//! (one heap write per page, not per row), which `INSERT ... SELECT` and `UNNEST` do not.

use crate::Result;
use sqlx::{Postgres, Transaction};

/// Buffer size sent per COPY message.
const SEND_AT: usize = 1 << 20;

/// A binary COPY's rows. Each row is `row(n)` and then exactly n fields.
pub(crate) struct BinRows {
    buf: Vec<u8>,
}

impl BinRows {
    pub(crate) fn new() -> BinRows {
        let mut buf = Vec::with_capacity(SEND_AT + 4096);
        // Signature, flags (no OIDs), header extension length.
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes());
        buf.extend_from_slice(&0i32.to_be_bytes());
        BinRows { buf }
    }

    pub(crate) fn row(&mut self, fields: i16) -> &mut Self {
        self.buf.extend_from_slice(&fields.to_be_bytes());
        self
    }

    pub(crate) fn i64(&mut self, v: i64) -> &mut Self {
        self.buf.extend_from_slice(&8i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn i32(&mut self, v: i32) -> &mut Self {
        self.buf.extend_from_slice(&4i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn i16(&mut self, v: i16) -> &mut Self {
        self.buf.extend_from_slice(&2i32.to_be_bytes());
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// A text (or bytea) value: its bytes as they are. Values over 1 GB do not exist here
    /// (order ids, entry ids and account names are short); a longer one would be refused.
    pub(crate) fn text(&mut self, s: &str) -> &mut Self {
        self.bytes(s.as_bytes())
    }

    /// A bytea value.
    pub(crate) fn bytes(&mut self, v: &[u8]) -> &mut Self {
        let n = i32::try_from(v.len()).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&n.to_be_bytes());
        self.buf.extend_from_slice(v);
        self
    }

    pub(crate) fn opt_text(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub(crate) fn opt_i64(&mut self, v: Option<i64>) -> &mut Self {
        match v {
            Some(v) => self.i64(v),
            None => self.null(),
        }
    }

    pub(crate) fn opt_i32(&mut self, v: Option<i32>) -> &mut Self {
        match v {
            Some(v) => self.i32(v),
            None => self.null(),
        }
    }

    pub(crate) fn null(&mut self) -> &mut Self {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    fn full(&self) -> bool {
        self.buf.len() >= SEND_AT
    }
}

/// Stream `n` rows, each written by `write(i, rows)`, through `COPY {target} FROM STDIN (FORMAT
/// binary)`. `target` is a table name and column list the caller wrote (never input text).
/// Returns the rows the server stored.
pub(crate) async fn copy_binary(
    tx: &mut Transaction<'static, Postgres>,
    target: &'static str,
    n: usize,
    mut write: impl FnMut(usize, &mut BinRows),
) -> Result<u64> {
    let mut copy = tx.copy_in_raw(&format!("COPY {target} FROM STDIN (FORMAT binary)")).await?;
    let mut rows = BinRows::new();
    for i in 0..n {
        write(i, &mut rows);
        if rows.full() {
            let buf = std::mem::replace(&mut rows.buf, Vec::with_capacity(SEND_AT + 4096));
            // A server error (a unique violation) arrives with `finish`.
            copy.send(buf).await?;
        }
    }
    rows.buf.extend_from_slice(&(-1i16).to_be_bytes());
    copy.send(rows.buf).await?;
    Ok(copy.finish().await?)
}
