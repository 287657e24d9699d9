//! `flexpension serve`'s settings: a TOML file (`--config FILE` or `FLEXPENSION_CONFIG`), then
//! environment variables (`FLEXPENSION_*`), then flags, each overriding the one before; what
//! none sets takes its default. `serve --print-config` shows the result with secrets masked.
//! docs/OPERATIONS.md lists every key.

use crate::UsageError;
use clap::Args;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The flags of `serve` (each optional: a flag left out leaves the environment's, the file's
/// or the default value).
#[derive(Args, Debug, Default)]
pub struct ServeArgs {
    /// A TOML file of settings (keys: docs/OPERATIONS.md); env FLEXPENSION_CONFIG.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the effective settings (secrets masked) and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Address to listen on; port 0 picks a free one [default: 127.0.0.1:8080].
    #[arg(long)]
    pub addr: Option<String>,
    /// The data store (sqlite:PATH or postgres://...); without it the platform API is off.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Close each month by itself once it is over (checked every hour; needs a store).
    #[arg(long)]
    pub auto_close: bool,
    /// The insurance region whose rules apply to ingested earnings (default: the store's,
    /// from `init --region`; else zj).
    #[arg(long)]
    pub region: Option<String>,
    /// A witness of the log, URL=KEY (repeat for each); new checkpoints are sent to it to cosign.
    #[arg(long, value_name = "URL=KEY")]
    pub witness: Vec<String>,
    /// How many witnesses must cosign before a checkpoint is used in proofs (default: all).
    #[arg(long)]
    pub witness_quorum: Option<usize>,
    /// The address people reach this server at (what voucher QR codes open); default the --addr.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,
    /// The operations address: /metrics, /healthz and /readyz (keep it off the public network).
    /// Without it, no metrics are kept or served.
    #[arg(long, value_name = "ADDR")]
    pub ops_addr: Option<String>,
    /// A bearer token the operations address wants (Authorization: Bearer TOKEN); env
    /// FLEXPENSION_OPS_TOKEN (prefer it or the file: a flag shows in the process list).
    #[arg(long, value_name = "TOKEN")]
    pub ops_token: Option<String>,
    /// Development only: append outgoing text messages (the terminal's sign-in codes) to this
    /// file instead of handing them to a gateway.
    #[arg(long, value_name = "PATH")]
    pub sms_file: Option<String>,
    /// How log lines look on stderr: text (default) or json (one JSON object a line).
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// The log level: error, warn, info (default), debug, trace; env FLEXPENSION_LOG.
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

/// The file: every key optional; an unknown key is an error naming it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub addr: Option<String>,
    pub db: Option<String>,
    pub region: Option<String>,
    pub auto_close: Option<bool>,
    pub witness: Option<Vec<String>>,
    pub witness_quorum: Option<usize>,
    pub public_url: Option<String>,
    pub ops_addr: Option<String>,
    pub ops_token: Option<String>,
    pub sms_file: Option<String>,
    pub log_format: Option<String>,
    pub log_level: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub publisher_stuck_after_seconds: Option<u64>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn parse(what: &str, v: &str) -> Result<LogFormat, UsageError> {
        match v.trim() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(UsageError(format!("{what}: '{other}' is not a log format (text, json)"))),
        }
    }
}

/// The effective settings of `serve`.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub addr: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub auto_close: bool,
    pub witness: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness_quorum: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ops_addr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ops_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms_file: Option<String>,
    pub log_format: LogFormat,
    pub log_level: String,
    pub trusted_proxies: Vec<String>,
    pub publisher_stuck_after_seconds: u64,
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";

/// Where each setting is looked for: the environment as a function, so tests need not touch
/// the process's.
pub fn resolve(args: &ServeArgs, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Settings> {
    let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let path = args.config.clone().or_else(|| env("FLEXPENSION_CONFIG").map(PathBuf::from));
    let file = match &path {
        None => FileSettings::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| UsageError(format!("--config: cannot read {}: {e}", p.display())))?;
            toml::from_str(&text).map_err(|e| UsageError(format!("--config: {}: {}", p.display(), e.message())))?
        }
    };
    let text = |flag: &Option<String>, var: &str, file: &Option<String>| flag.clone().or_else(|| env(var)).or_else(|| file.clone());
    let number = |var: &str| -> anyhow::Result<Option<u64>> {
        env(var).map(|v| v.trim().parse::<u64>().map_err(|_| UsageError(format!("{var}: '{v}' is not a whole number")).into())).transpose()
    };
    let boolean = |var: &str| -> anyhow::Result<Option<bool>> {
        env(var)
            .map(|v| match v.trim() {
                "1" | "true" | "yes" => Ok(true),
                "0" | "false" | "no" => Ok(false),
                o => Err(UsageError(format!("{var}: '{o}' is not true or false")).into()),
            })
            .transpose()
    };
    let list = |var: &str| env(var).map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>());
    let log_format = match (&args.log_format, env("FLEXPENSION_LOG_FORMAT"), &file.log_format) {
        (Some(f), _, _) => LogFormat::parse("--log-format", f)?,
        (None, Some(f), _) => LogFormat::parse("FLEXPENSION_LOG_FORMAT", &f)?,
        (None, None, Some(f)) => LogFormat::parse("log_format (config)", f)?,
        _ => LogFormat::Text,
    };
    let s = Settings {
        addr: text(&args.addr, "FLEXPENSION_ADDR", &file.addr).unwrap_or_else(|| DEFAULT_ADDR.to_string()),
        db: text(&args.db, "FLEXPENSION_DB", &file.db),
        region: text(&args.region, "FLEXPENSION_REGION", &file.region),
        auto_close: args.auto_close || boolean("FLEXPENSION_AUTO_CLOSE")?.or(file.auto_close).unwrap_or(false),
        witness: if args.witness.is_empty() {
            list("FLEXPENSION_WITNESS").or(file.witness.clone()).unwrap_or_default()
        } else {
            args.witness.clone()
        },
        witness_quorum: match args.witness_quorum {
            Some(q) => Some(q),
            None => number("FLEXPENSION_WITNESS_QUORUM")?.map(|q| q as usize).or(file.witness_quorum),
        },
        public_url: text(&args.public_url, "FLEXPENSION_PUBLIC_URL", &file.public_url),
        ops_addr: text(&args.ops_addr, "FLEXPENSION_OPS_ADDR", &file.ops_addr),
        ops_token: text(&args.ops_token, "FLEXPENSION_OPS_TOKEN", &file.ops_token),
        sms_file: text(&args.sms_file, "FLEXPENSION_SMS_FILE", &file.sms_file),
        log_format,
        log_level: text(&args.log_level, "FLEXPENSION_LOG", &file.log_level).unwrap_or_else(|| "info".to_string()),
        trusted_proxies: list(flexpension_server::TRUSTED_PROXIES_ENV).or(file.trusted_proxies.clone()).unwrap_or_default(),
        publisher_stuck_after_seconds: number("FLEXPENSION_PUBLISHER_STUCK_AFTER_SECONDS")?
            .or(file.publisher_stuck_after_seconds)
            .unwrap_or(flexpension_server::ops::PUBLISHER_STUCK_AFTER.as_secs()),
    };
    if s.auto_close && s.db.is_none() {
        return Err(UsageError("--auto-close: needs a store (--db, FLEXPENSION_DB or db in the config file)".into()).into());
    }
    if s.publisher_stuck_after_seconds == 0 {
        return Err(UsageError("publisher_stuck_after_seconds: give 1 or more".into()).into());
    }
    s.log_level
        .parse::<tracing_subscriber::filter::LevelFilter>()
        .map_err(|_| UsageError(format!("log level: '{}' is not a level (error, warn, info, debug, trace)", s.log_level)))?;
    flexpension_server::parse_trusted_proxies(&s.trusted_proxies.join(",")).map_err(|e| UsageError(format!("trusted_proxies: {e}")))?;
    Ok(s)
}

impl Settings {
    /// The settings as TOML, the database password and the operations token masked.
    pub fn masked_toml(&self) -> anyhow::Result<String> {
        let mut shown = self.clone();
        shown.db = shown.db.as_deref().map(mask_url);
        if shown.ops_token.is_some() {
            shown.ops_token = Some("***".into());
        }
        Ok(toml::to_string(&shown)?)
    }
}

/// A URL with its password (user info or a `password=` query parameter) masked.
pub fn mask_url(url: &str) -> String {
    let url = crate::data::redact(url);
    match url.split_once('?') {
        None => url,
        Some((base, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{base}?{}", q.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn flags_beat_env_beat_file_beat_defaults() {
        let dir = std::env::temp_dir().join(format!("fp-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("serve.toml");
        std::fs::write(&file, "addr = \"127.0.0.1:1\"\nregion = \"zj\"\nops_addr = \"127.0.0.1:3\"\nlog_format = \"json\"\n")
            .expect("write");
        let args = ServeArgs { config: Some(file.clone()), addr: Some("127.0.0.1:9".into()), ..ServeArgs::default() };
        let s = resolve(&args, &env_of(&[("FLEXPENSION_ADDR", "127.0.0.1:2"), ("FLEXPENSION_OPS_ADDR", "127.0.0.1:4")])).expect("settings");
        assert_eq!((s.addr.as_str(), s.ops_addr.as_deref(), s.region.as_deref()), ("127.0.0.1:9", Some("127.0.0.1:4"), Some("zj")));
        assert_eq!((s.log_format, s.log_level.as_str(), s.auto_close), (LogFormat::Json, "info", false));
        let bare = resolve(&ServeArgs::default(), &env_of(&[])).expect("defaults");
        assert_eq!((bare.addr.as_str(), bare.log_format), (DEFAULT_ADDR, LogFormat::Text));
        std::fs::write(&file, "adress = \"x\"\n").expect("write");
        let e = resolve(&ServeArgs { config: Some(file), ..ServeArgs::default() }, &env_of(&[])).expect_err("unknown key");
        assert!(e.to_string().contains("adress"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask_url("postgres://fp:s3cret@db/x?sslmode=require&password=p"), "postgres://fp:***@db/x?sslmode=require&password=***");
        let args = ServeArgs { db: Some("postgres://fp:s3cret@db/x".into()), ops_token: Some("tok".into()), ..ServeArgs::default() };
        let t = resolve(&args, &env_of(&[])).expect("settings").masked_toml().expect("toml");
        assert!(!t.contains("s3cret") && !t.contains("tok\"") && t.contains("ops_token = \"***\""), "{t}");
    }
}
