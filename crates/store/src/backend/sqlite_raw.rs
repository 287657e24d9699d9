//! Direct SQLite calls for the hot paths, the bulk writes of earnings and journal entries:
//! prepared statements bound and stepped on this thread, inside the transaction sqlx opened on
//! the same connection. Going through sqlx costs a channel round trip and an allocation per
//! value; this costs only SQLite's own work. All the unsafe code of the crate is here, and the
//! one way in is [`with_raw`].

use crate::StoreError;
use libsqlite3_sys as ffi;
use sqlx::SqliteConnection;
use sqlx::sqlite::LockedSqliteHandle;
use std::ffi::{CStr, c_char, c_int};
use std::ptr::NonNull;

/// Run `f` on the raw handle of `conn` (a connection sqlx holds, usually inside a transaction
/// it opened), on this thread.
pub(crate) async fn with_raw<T>(
    conn: &mut SqliteConnection,
    f: impl FnOnce(&RawConn<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut handle = conn.lock_handle().await?;
    // SAFETY (the argument every unsafe block below relies on): sqlx's `LockedSqliteHandle`
    // keeps its worker thread off the connection, and off every statement of it, for as long
    // as the lock lives. The `RawConn` borrows the lock, so it cannot outlive it; every `Stmt`
    // borrows the `RawConn`, so none outlives it either, and each is finalized on drop. So the
    // handle is open and used by this thread alone whenever SQLite is called here. Nothing here
    // changes what sqlx tracks: only INSERT and SELECT statements run, inside the transaction
    // sqlx began, and each is reset and cleared after its run.
    let raw = RawConn::lent(&mut handle);
    in_place(|| f(&raw))
}

/// A bulk write keeps its thread busy for tens of milliseconds: on a multi-threaded runtime
/// say so, so that other tasks move away; elsewhere just run.
fn in_place<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// A connection handle lent by sqlx: valid while the lock it borrows lives.
pub(crate) struct RawConn<'h> {
    db: NonNull<ffi::sqlite3>,
    _lent: std::marker::PhantomData<&'h mut ()>,
}

/// A prepared statement; finalized on drop. Bindings are cleared after each run, so bound text
/// need only live for the call that binds it.
pub(crate) struct Stmt<'c, 'h> {
    raw: NonNull<ffi::sqlite3_stmt>,
    conn: &'c RawConn<'h>,
}

/// A value to bind.
#[derive(Clone, Copy)]
pub(crate) enum Val<'v> {
    Int(i64),
    Text(&'v str),
    Blob(&'v [u8]),
}

/// Ask SQLite to keep its heap, all connections' page caches together, near `bytes` (process
/// wide; a limit already set by someone else is left alone).
pub(crate) fn soft_heap_limit(bytes: i64) {
    // SAFETY: plain process-wide setters/getters, callable at any time from any thread; a
    // negative argument only reads the current limit.
    unsafe {
        if ffi::sqlite3_soft_heap_limit64(-1) == 0 {
            ffi::sqlite3_soft_heap_limit64(bytes);
        }
    }
}

impl<'h> RawConn<'h> {
    /// The connection under a sqlx lock: open, and used by no one else while the borrow lasts.
    fn lent(handle: &'h mut LockedSqliteHandle<'_>) -> RawConn<'h> {
        RawConn { db: handle.as_raw_handle(), _lent: std::marker::PhantomData }
    }

    fn error(&self, what: &str) -> StoreError {
        // SAFETY: the handle is open; errmsg returns a NUL-terminated string owned by SQLite.
        let (code, msg) = unsafe {
            let code = ffi::sqlite3_extended_errcode(self.db.as_ptr());
            let p = ffi::sqlite3_errmsg(self.db.as_ptr());
            let msg = if p.is_null() { String::new() } else { CStr::from_ptr(p).to_string_lossy().into_owned() };
            (code, msg)
        };
        StoreError::Sqlite { code, message: format!("{what}: {msg}") }
    }

    pub(crate) fn prepare<'c>(&'c self, sql: &str) -> Result<Stmt<'c, 'h>, StoreError> {
        let len = c_int::try_from(sql.len()).map_err(|_| StoreError::Corrupt("statement too long".into()))?;
        let mut stmt = std::ptr::null_mut();
        // SAFETY: sql points to len valid bytes; stmt receives a statement or NULL.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                self.db.as_ptr(),
                sql.as_ptr() as *const c_char,
                len,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        match NonNull::new(stmt) {
            Some(raw) if rc == ffi::SQLITE_OK => Ok(Stmt { raw, conn: self }),
            _ => Err(self.error("prepare")),
        }
    }
}

impl Stmt<'_, '_> {
    /// Bind values to ?1, ?2, ...
    fn bind(&mut self, vals: &[Val<'_>]) -> Result<(), StoreError> {
        for (i, v) in vals.iter().enumerate() {
            let idx = i as c_int + 1;
            // SAFETY: the statement is live; text and blobs are bound SQLITE_STATIC: it is read only by the
            // step in the same call, and the bindings are cleared before the call returns.
            let rc = unsafe {
                match *v {
                    Val::Int(x) => ffi::sqlite3_bind_int64(self.raw.as_ptr(), idx, x),
                    Val::Text(s) => ffi::sqlite3_bind_text(
                        self.raw.as_ptr(),
                        idx,
                        s.as_ptr() as *const c_char,
                        c_int::try_from(s.len()).unwrap_or(c_int::MAX),
                        ffi::SQLITE_STATIC(),
                    ),
                    Val::Blob(b) => ffi::sqlite3_bind_blob(
                        self.raw.as_ptr(),
                        idx,
                        b.as_ptr() as *const std::ffi::c_void,
                        c_int::try_from(b.len()).unwrap_or(c_int::MAX),
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                let e = self.conn.error("bind");
                self.reset();
                return Err(e);
            }
        }
        Ok(())
    }

    /// Run a statement that returns no rows; the number of rows it changed.
    pub(crate) fn execute(&mut self, vals: &[Val<'_>]) -> Result<i64, StoreError> {
        self.bind(vals)?;
        // SAFETY: the statement and its connection are live.
        let rc = unsafe { ffi::sqlite3_step(self.raw.as_ptr()) };
        let out = if rc == ffi::SQLITE_DONE {
            // SAFETY: as above.
            Ok(i64::from(unsafe { ffi::sqlite3_changes(self.conn.db.as_ptr()) }))
        } else {
            Err(self.conn.error("step"))
        };
        self.reset();
        out
    }

    fn reset(&mut self) {
        // SAFETY: the statement is live. Reset it to run again and drop the bindings, so no
        // pointer to the caller's text stays behind.
        unsafe {
            ffi::sqlite3_reset(self.raw.as_ptr());
            ffi::sqlite3_clear_bindings(self.raw.as_ptr());
        }
    }

    /// Run a query expected to return at most one row of integers.
    pub(crate) fn query_ints<const N: usize>(&mut self, vals: &[Val<'_>]) -> Result<Option<[i64; N]>, StoreError> {
        self.bind(vals)?;
        // SAFETY: the statement and its connection are live; columns are read only on a row.
        let out = unsafe {
            match ffi::sqlite3_step(self.raw.as_ptr()) {
                ffi::SQLITE_ROW => {
                    let mut row = [0i64; N];
                    for (i, x) in row.iter_mut().enumerate() {
                        *x = ffi::sqlite3_column_int64(self.raw.as_ptr(), i as c_int);
                    }
                    Ok(Some(row))
                }
                ffi::SQLITE_DONE => Ok(None),
                _ => Err(self.conn.error("step")),
            }
        };
        self.reset();
        out
    }
}

/// The current row of a query, read by column.
pub(crate) struct RowRef<'s> {
    raw: NonNull<ffi::sqlite3_stmt>,
    _stmt: std::marker::PhantomData<&'s ()>,
}

impl RowRef<'_> {
    /// An integer column; `None` when it is NULL.
    pub(crate) fn int(&self, i: c_int) -> Option<i64> {
        // SAFETY: the statement is live and on a row while this borrow lasts.
        unsafe {
            if ffi::sqlite3_column_type(self.raw.as_ptr(), i) == ffi::SQLITE_NULL {
                None
            } else {
                Some(ffi::sqlite3_column_int64(self.raw.as_ptr(), i))
            }
        }
    }

    /// A text column (copied); `None` when it is NULL.
    pub(crate) fn text(&self, i: c_int) -> Option<String> {
        // SAFETY: as above; the text pointer is read before the next call on the statement,
        // for exactly the length SQLite reports.
        unsafe {
            let p = ffi::sqlite3_column_text(self.raw.as_ptr(), i);
            if p.is_null() {
                return None;
            }
            let n = ffi::sqlite3_column_bytes(self.raw.as_ptr(), i);
            let bytes = std::slice::from_raw_parts(p, usize::try_from(n).unwrap_or(0));
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
    }
}

impl Stmt<'_, '_> {
    /// Run a query, calling `f` on each row.
    pub(crate) fn query_each(
        &mut self,
        vals: &[Val<'_>],
        mut f: impl FnMut(&RowRef<'_>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.bind(vals)?;
        let out = loop {
            // SAFETY: the statement and its connection are live.
            match unsafe { ffi::sqlite3_step(self.raw.as_ptr()) } {
                ffi::SQLITE_ROW => {
                    if let Err(e) = f(&RowRef { raw: self.raw, _stmt: std::marker::PhantomData }) {
                        break Err(e);
                    }
                }
                ffi::SQLITE_DONE => break Ok(()),
                _ => break Err(self.conn.error("step")),
            }
        };
        self.reset();
        out
    }
}

impl Drop for Stmt<'_, '_> {
    fn drop(&mut self) {
        // SAFETY: the statement was made by prepare and is finalized once.
        unsafe { ffi::sqlite3_finalize(self.raw.as_ptr()) };
    }
}
