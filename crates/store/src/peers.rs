//! Peer agencies (对端经办机构): the other regions' social-insurance agencies this one exchanges
//! signed messages with, each with the URL it is reached at and its log's verifier key (what its
//! `log key` prints). A message from a region that is not here is refused.

use crate::backend::Sql;
use crate::{Result, Store, StoreError};
use flexpension_tlog::{NoteVerifier, is_region_code};
use serde::Serialize;

/// A peer to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPeer {
    /// The peer's region code (`js`).
    pub code: String,
    /// Where its server answers, `http(s)://host[:port][/path]` (no trailing slash kept).
    pub url: String,
    /// Its log's verifier key in signed-note form (`name+hash+base64`).
    pub verifier_key: String,
}

/// A stored peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Peer {
    pub code: String,
    pub url: String,
    pub verifier_key: String,
    /// When it was added (or last replaced), microseconds since the Unix epoch.
    pub added_at_us: i64,
}

impl Peer {
    /// The key its messages are checked with.
    pub fn verifier(&self) -> Result<NoteVerifier> {
        NoteVerifier::parse(&self.verifier_key).map_err(|e| StoreError::Corrupt(format!("peer {}: key: {e}", self.code)))
    }
}

/// What `add_peer` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerAdded {
    Added,
    /// The same peer with the same data was already there.
    Unchanged,
    /// Another URL or key was there and `replace` was asked for.
    Replaced,
}

/// Check a URL: http or https, a host, no whitespace, no query or fragment.
fn check_url(url: &str) -> Result<String> {
    let bad = |why: &str| StoreError::invalid("url", format!("'{url}' {why}"));
    let rest =
        url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or_else(|| bad("must start with http:// or https://"))?;
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) || url.contains(['?', '#']) {
        return Err(bad("has spaces, control characters, a query or a fragment"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if authority.contains('@') {
        return Err(bad("must not carry a user or password"));
    }
    let host_only =
        if host.starts_with('[') { host.split(']').next().unwrap_or_default() } else { host.split(':').next().unwrap_or_default() };
    if host_only.trim_start_matches('[').is_empty() {
        return Err(bad("has no host"));
    }
    if let Some(port) = host.strip_prefix(host_only).and_then(|p| p.strip_prefix(']').or(Some(p))).and_then(|p| p.strip_prefix(':'))
        && port.parse::<u16>().is_err()
    {
        return Err(bad("has a port that is not a number up to 65535"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Check a new peer for a store of region `own`; gives it with the URL normalised.
pub fn check_peer(own: &str, p: &NewPeer) -> Result<NewPeer> {
    if !is_region_code(&p.code) {
        return Err(StoreError::invalid("code", format!("'{}' is not a region code (2 to 8 lowercase letters)", p.code)));
    }
    if p.code == own {
        return Err(StoreError::invalid("code", format!("'{}' is this agency's own region", p.code)));
    }
    let url = check_url(&p.url)?;
    let key = NoteVerifier::parse(p.verifier_key.trim()).map_err(|e| StoreError::invalid("key", format!("not a verifier key: {e}")))?;
    Ok(NewPeer { code: p.code.clone(), url, verifier_key: key.verifier_key() })
}

type PeerRow = (String, String, String, i64);

fn peer_from((code, url, verifier_key, added_at_us): PeerRow) -> Peer {
    Peer { code, url, verifier_key, added_at_us }
}

impl Store {
    /// Add a peer agency to this store of region `own`. The same peer with the same URL and key
    /// again changes nothing; other data for a known code is refused unless `replace`.
    pub async fn add_peer(&self, own: &str, p: &NewPeer, replace: bool) -> Result<PeerAdded> {
        let p = check_peer(own, p)?;
        let mut tx = self.db().begin_write().await?;
        let old: Option<PeerRow> = Sql::new("SELECT code, url, verifier_key, added_at_us FROM peers WHERE code = $1")
            .bind(&p.code)
            .fetch_optional(&mut tx)
            .await?;
        let done = match old.map(peer_from) {
            Some(o) if o.url == p.url && o.verifier_key == p.verifier_key => return Ok(PeerAdded::Unchanged),
            Some(o) if !replace => {
                return Err(StoreError::Exists {
                    what: "peer",
                    key: format!("{} at {} with key {} (give --replace to change it)", o.code, o.url, o.verifier_key),
                });
            }
            Some(_) => PeerAdded::Replaced,
            None => PeerAdded::Added,
        };
        // One statement for a new peer and a replaced one.
        Sql::new(
            "INSERT INTO peers (code, url, verifier_key, added_at_us) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO UPDATE SET url = excluded.url, verifier_key = excluded.verifier_key, added_at_us = excluded.added_at_us",
        )
        .bind(&p.code)
        .bind(&p.url)
        .bind(&p.verifier_key)
        .bind(self.now_us())
        .execute(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Every peer, by code.
    pub async fn peers(&self) -> Result<Vec<Peer>> {
        let rows: Vec<PeerRow> =
            Sql::new("SELECT code, url, verifier_key, added_at_us FROM peers ORDER BY code").fetch_all(self.db()).await?;
        Ok(rows.into_iter().map(peer_from).collect())
    }

    /// One peer, if known.
    pub async fn peer(&self, code: &str) -> Result<Option<Peer>> {
        let row: Option<PeerRow> =
            Sql::new("SELECT code, url, verifier_key, added_at_us FROM peers WHERE code = $1").bind(code).fetch_optional(self.db()).await?;
        Ok(row.map(peer_from))
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn urls() {
        for ok in ["http://127.0.0.1:8080", "https://si.js.gov.cn/", "http://[::1]:80/x", "http://a"] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(check_url("https://si.js.gov.cn/").unwrap(), "https://si.js.gov.cn");
        for bad in ["ftp://a", "http://", "http://:80", "http://a:x", "http://a:99999", "http://u:p@a", "http://a b", "http://a/?q", "a.b"]
        {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }
}
