//! `flexpension backup --db URL --out FILE` and `flexpension restore FILE --db URL`, both safe
//! while a server runs on the store being backed up (docs/OPERATIONS.md).
//!
//! SQLite: `VACUUM INTO` (one consistent snapshot, taken while writers go on) into a new
//! file; a restore copies that file to a new path and opens it (migrations run, so a backup of
//! an older version is brought up to this one). PostgreSQL: `pg_dump --format=custom` (one
//! snapshot of the whole database) and `pg_restore --single-transaction` into an empty
//! database. A backup holds the store's secrets (the log's signing key, the ID pepper, the
//! sealed phone numbers): keep it as the store itself is kept.

use crate::UsageError;
use anyhow::Context;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Args)]
pub struct BackupArgs {
    /// The store to copy (sqlite:PATH or postgres://...).
    #[arg(long, value_name = "URL")]
    db: String,
    /// The backup file to write (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file (made by `flexpension backup`).
    file: PathBuf,
    /// Where to restore: a new SQLite file (sqlite:PATH) or an empty PostgreSQL database.
    #[arg(long, value_name = "URL")]
    db: String,
}

/// The first bytes of a SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// The first bytes of a `pg_dump --format=custom` archive.
const PGDUMP_MAGIC: &[u8] = b"PGDMP";

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    Some(rest.split('?').next().unwrap_or(""))
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

pub fn backup(a: BackupArgs) -> anyhow::Result<()> {
    if a.out.exists() {
        return Err(UsageError(format!("--out: {} exists; give a new file", a.out.display())).into());
    }
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(UsageError(format!("--out: the directory {} does not exist", dir.display())).into());
    }
    if sqlite_path(&a.db).is_some() {
        let path = sqlite_path(&a.db).unwrap_or("");
        if path.contains(":memory:") || !Path::new(path).is_file() {
            return Err(UsageError(format!("--db: no SQLite store at {path}")).into());
        }
        crate::data::runtime()?.block_on(async {
            let store = crate::data::open(&a.db).await?;
            let r = store.backup_into(&a.out).await;
            store.close().await;
            r.map_err(|e| anyhow::Error::new(e).context("the backup failed"))
        })?;
    } else if is_postgres(&a.db) {
        let out = a.out.to_str().ok_or_else(|| UsageError("--out: the path is not valid UTF-8".into()))?;
        tool("pg_dump", &["--format=custom", "--no-owner", "--no-privileges", "--file", out, "--dbname", &a.db])?;
    } else {
        return Err(UsageError(format!("--db: '{}' is neither sqlite:PATH nor postgres://...", crate::data::redact(&a.db))).into());
    }
    let bytes = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    println!("backed up {} to {} ({bytes} bytes)", crate::config::mask_url(&a.db), a.out.display());
    Ok(())
}

pub fn restore(a: RestoreArgs) -> anyhow::Result<()> {
    let head = read_head(&a.file)?;
    if let Some(path) = sqlite_path(&a.db) {
        if !head.starts_with(SQLITE_MAGIC) {
            return Err(UsageError(format!(
                "FILE: {} is not a SQLite backup (restore a PostgreSQL one into postgres://...)",
                a.file.display()
            ))
            .into());
        }
        let path = Path::new(path);
        if path.as_os_str().is_empty() || path.to_string_lossy().contains(":memory:") {
            return Err(UsageError("--db: give a file path (sqlite:PATH)".into()).into());
        }
        if path.exists() {
            return Err(UsageError(format!("--db: {} exists; restore into a new file", path.display())).into());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| UsageError(format!("--db: cannot create {}: {e}", dir.display())))?;
        }
        // Copied under a temporary name and renamed: a restore cut short leaves no store.
        let part = PathBuf::from(format!("{}.restoring", path.display()));
        std::fs::copy(&a.file, &part).with_context(|| format!("cannot copy {} to {}", a.file.display(), part.display()))?;
        std::fs::rename(&part, path).with_context(|| format!("cannot rename {} to {}", part.display(), path.display()))?;
    } else if is_postgres(&a.db) {
        if !head.starts_with(PGDUMP_MAGIC) {
            return Err(UsageError(format!(
                "FILE: {} is not a PostgreSQL backup (restore a SQLite one into sqlite:PATH)",
                a.file.display()
            ))
            .into());
        }
        let tables = tool_output(
            "psql",
            &[
                "-XAtq",
                "--dbname",
                &a.db,
                "-c",
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
            ],
        )?;
        if tables.trim() != "0" {
            return Err(UsageError(format!("--db: the database has {} tables; restore into an empty database", tables.trim())).into());
        }
        let file = a.file.to_str().ok_or_else(|| UsageError("FILE: the path is not valid UTF-8".into()))?;
        tool("pg_restore", &["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname", &a.db, file])?;
    } else {
        return Err(UsageError(format!("--db: '{}' is neither sqlite:PATH nor postgres://...", crate::data::redact(&a.db))).into());
    }
    // Open it: migrations of a newer binary run now, and the store is checked to answer.
    crate::data::runtime()?.block_on(async {
        let store = crate::data::open(&a.db).await?;
        let ready = store.readiness().await;
        store.close().await;
        let ready = ready.context("the restored store does not answer")?;
        anyhow::ensure!(ready.current(), "the restored store's migrations are not this binary's: {ready:?}");
        Ok(())
    })?;
    println!("restored {} into {}; check it with `flexpension log audit --db ...`", a.file.display(), crate::config::mask_url(&a.db));
    Ok(())
}

fn read_head(file: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = std::fs::File::open(file).map_err(|e| UsageError(format!("FILE: cannot open {}: {e}", file.display())))?;
    let mut head = vec![0u8; 16];
    let n = f.read(&mut head).with_context(|| format!("cannot read {}", file.display()))?;
    head.truncate(n);
    Ok(head)
}

/// Run a PostgreSQL client tool; its error output is the error.
fn tool(name: &str, args: &[&str]) -> anyhow::Result<()> {
    tool_output(name, args).map(|_| ())
}

fn tool_output(name: &str, args: &[&str]) -> anyhow::Result<String> {
    let o = Command::new(name)
        .args(args)
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run {name} ({e}); install the PostgreSQL client tools of the server's major version"))?;
    if !o.status.success() {
        // The tools name the database, not the password; mask any URL they echo all the same.
        let said = String::from_utf8_lossy(&o.stderr).split_whitespace().map(crate::config::mask_url).collect::<Vec<_>>().join(" ");
        anyhow::bail!("{name} failed: {said}");
    }
    Ok(String::from_utf8_lossy(&o.stdout).into_owned())
}
