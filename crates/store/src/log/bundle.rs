//! Proof bundles: a record with everything needed to check it offline — the entry and its
//! inclusion proof, the row and its proof inside a batch entry, the cosigned checkpoint, and the
//! opening of the worker's ID commitment. Checking is pure (no store, no network): the CLI's
//! `verify` and the server's verify page both call [`verify_bundle`].

use super::entry::{JournalRow, Record, WorkerRow, id_commitment};
use flexpension_tlog::{
    Checkpoint, CosignVerifier, Hash, NoteVerifier, WitnessPolicy, leaf_hash, parse_note, verify_inclusion, verify_note,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The bundle format's name and version.
pub const BUNDLE_FORMAT: &str = "flexpension-proof/v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProofBundle {
    pub format: String,
    pub origin: String,
    /// The checkpoint as served: the region's signed note with the witnesses' cosignatures.
    pub checkpoint: String,
    /// The record first, then what it refers to (the worker's registration).
    pub proofs: Vec<BundleProof>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opening: Option<WorkerOpening>,
    /// A voucher's signed note, on voucher bundles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voucher: Option<String>,
}

impl ProofBundle {
    pub fn new(origin: &str, checkpoint: String, proofs: Vec<BundleProof>, opening: Option<WorkerOpening>) -> ProofBundle {
        ProofBundle { format: BUNDLE_FORMAT.into(), origin: origin.into(), checkpoint, proofs, opening, voucher: None }
    }
}

/// One log entry and its inclusion proof (RFC 9162 order, hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleProof {
    pub what: String,
    pub index: u64,
    /// The entry's bytes (canonical JSON).
    pub entry: String,
    pub inclusion: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<RowProof>,
}

/// A row of a batch entry and its proof to the entry's `rows_root`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowProof {
    pub index: u64,
    pub count: u64,
    pub data: String,
    pub proof: Vec<String>,
}

/// The salt of a worker's ID commitment: with it, whoever knows the ID number can confirm the
/// record is about that person; without the ID number it reveals nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkerOpening {
    pub worker: i64,
    pub id_salt: String,
    pub id_masked: String,
}

/// Whose keys to trust and what else to check.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The region's log key (`name+hash+base64`).
    pub log_key: String,
    /// Witness keys; the checkpoint must carry `quorum` of their cosignatures.
    pub witness_keys: Vec<String>,
    /// `None`: all the witness keys given.
    pub quorum: Option<usize>,
    /// The worker's resident ID, to check the commitment.
    pub id_number: Option<String>,
}

/// One check and its outcome, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct VerifyReport {
    pub checks: Vec<Check>,
    /// What the record says, for a person to compare with their papers.
    pub summary: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.ok)
    }

    /// Adds a check (its detail, or what broke); returns whether it holds.
    pub fn add(&mut self, name: impl Into<String>, r: Result<String, String>) -> bool {
        self.push(name, r)
    }

    fn push(&mut self, name: impl Into<String>, r: Result<String, String>) -> bool {
        let ok = r.is_ok();
        let detail = r.unwrap_or_else(|e| e);
        self.checks.push(Check { name: name.into(), ok, detail });
        ok
    }

    /// The report as lines: "ok   name: detail" / "FAIL name: detail".
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        for c in &self.checks {
            s.push_str(&format!("{} {}: {}\n", if c.ok { "ok  " } else { "FAIL" }, c.name, c.detail));
        }
        for l in &self.summary {
            s.push_str(&format!("     {l}\n"));
        }
        s.push_str(if self.ok() { "VERIFIED\n" } else { "NOT VERIFIED\n" });
        s
    }
}

fn hashes(v: &[String]) -> Result<Vec<Hash>, String> {
    v.iter().map(|h| Hash::from_hex(h).map_err(|e| e.to_string())).collect()
}

/// Check a bundle against the given keys. Every check is reported; any failure makes the bundle
/// unverified, and the failing check says what broke.
pub fn verify_bundle(b: &ProofBundle, o: &VerifyOptions) -> VerifyReport {
    let mut r = VerifyReport::default();
    if !r.push("format", if b.format == BUNDLE_FORMAT { Ok(b.format.clone()) } else { Err(format!("unknown format '{}'", b.format)) }) {
        return r;
    }
    // The checkpoint: the region's signature, then the witnesses.
    let log = match NoteVerifier::parse(&o.log_key) {
        Ok(v) => v,
        Err(e) => {
            r.push("log key", Err(format!("the log key given is not a verifier key: {e}")));
            return r;
        }
    };
    let cp =
        verify_note(&b.checkpoint, &log).map_err(|e| format!("the checkpoint is not signed by '{}': {e}", log.name())).and_then(|note| {
            let cp = Checkpoint::parse(&note.text).map_err(|e| format!("the checkpoint does not parse: {e}"))?;
            if cp.origin != log.name() {
                return Err(format!("the checkpoint is of log '{}', the key of '{}'", cp.origin, log.name()));
            }
            Ok(cp)
        });
    let cp = match cp {
        Ok(cp) => {
            r.push("checkpoint signature", Ok(format!("signed by {}; tree of {} entries, root {}", log.name(), cp.size, cp.root)));
            cp
        }
        Err(e) => {
            r.push("checkpoint signature", Err(e));
            return r;
        }
    };
    if !o.witness_keys.is_empty() {
        let ws: Result<Vec<CosignVerifier>, String> =
            o.witness_keys.iter().map(|k| CosignVerifier::parse(k).map_err(|e| format!("witness key '{k}': {e}"))).collect();
        let res = ws.and_then(|witnesses| {
            let quorum = o.quorum.unwrap_or(witnesses.len());
            let policy = WitnessPolicy { witnesses, quorum };
            let note = parse_note(&b.checkpoint).map_err(|e| e.to_string())?;
            policy.check(&note).map(|names| format!("cosigned by {} (needed {quorum})", names.join(", "))).map_err(|e| e.to_string())
        });
        r.push("witness cosignatures", res);
    }
    // Nothing proved is nothing verified; a voucher needs its own entry.
    if b.proofs.is_empty() {
        r.push("record", Err("the bundle proves no record".to_string()));
    }
    if b.voucher.is_some() && !b.proofs.iter().any(|p| p.what == "voucher") {
        r.push("voucher", Err("the bundle holds a voucher but no proof of its log entry".to_string()));
    }
    let mut journal: Option<JournalRow> = None;
    let mut worker: Option<WorkerRow> = None;
    for p in &b.proofs {
        let inc = hashes(&p.inclusion).and_then(|proof| {
            verify_inclusion(&leaf_hash(p.entry.as_bytes()), p.index, cp.size, &proof, &cp.root).map_err(|e| e.to_string())
        });
        if !r.push(format!("{} entry in the log", p.what), inc.map(|_| format!("entry {} is in the tree of {}", p.index, cp.size))) {
            continue;
        }
        let rec: Record = match serde_json::from_str(&p.entry) {
            Ok(x) => x,
            Err(e) => {
                r.push(format!("{} entry", p.what), Err(format!("the entry does not parse: {e}")));
                continue;
            }
        };
        if let Some(row) = &p.row {
            let res = (|| {
                let root = rec.rows_root.as_deref().ok_or("the entry has no rows")?;
                let root = Hash::from_hex(root).map_err(|e| e.to_string())?;
                if rec.rows != Some(row.count) {
                    return Err(format!("the row proof is for a batch of {}, the entry has {:?}", row.count, rec.rows));
                }
                let proof = hashes(&row.proof)?;
                verify_inclusion(&leaf_hash(row.data.as_bytes()), row.index, row.count, &proof, &root).map_err(|e| e.to_string())?;
                Ok(format!("row {} of {} in the batch", row.index + 1, row.count))
            })();
            if r.push(format!("{} row in its batch", p.what), res) {
                match p.what.as_str() {
                    "worker" => worker = serde_json::from_str(&row.data).ok(),
                    "month_close" => journal = serde_json::from_str(&row.data).ok(),
                    _ => {}
                }
                r.summary.push(format!("{}: {}", p.what, row.data));
            }
        } else {
            r.summary.push(format!("{}: {}", p.what, rec.data));
        }
        if p.what == "voucher" {
            let res = match &b.voucher {
                None => Err("the bundle holds no voucher".to_string()),
                Some(v) => verify_note(v, &log).map_err(|e| format!("the voucher is not signed by '{}': {e}", log.name())).and_then(|_| {
                    let digest = Hash(Sha256::digest(v.as_bytes()).into()).to_hex();
                    if rec.data.get("digest").and_then(|d| d.as_str()) == Some(digest.as_str()) {
                        Ok("signed by the region and unchanged since it was logged".to_string())
                    } else {
                        Err("the voucher differs from the one logged (its digest does not match)".to_string())
                    }
                }),
            };
            r.push("voucher", res);
        }
    }
    if let (Some(j), Some(w)) = (&journal, &worker) {
        r.push(
            "record and worker",
            if j.worker == w.worker {
                Ok(format!("both are about worker {}", w.worker))
            } else {
                Err(format!("the record is about worker {}, the registration about {}", j.worker, w.worker))
            },
        );
    }
    if let (Some(op), Some(w)) = (&b.opening, &worker) {
        match &o.id_number {
            None => r.summary.push(format!("ID {} (give --id-number to check it is this person's)", op.id_masked)),
            Some(id) => {
                let res = Hash::from_hex(&op.id_salt).map_err(|e| e.to_string()).and_then(|salt| {
                    if id_commitment(&salt.0, id.trim()).to_hex() == w.id_commit && op.worker == w.worker {
                        Ok(format!("the ID number given is the one registered ({})", op.id_masked))
                    } else {
                        Err("the ID number given is not the one this record was registered with".to_string())
                    }
                });
                r.push("ID number", res);
            }
        }
    }
    r
}
