//! The evidence package (标准化证据包): the complaint as logged, the uploads, and a proof bundle
//! holding the complaint's log entry, every sealed order and journal row with its proof into
//! the platform's signed batch or the journal's entry, and the worker's registration, all
//! against one signed (and cosigned) checkpoint. [`verify_package`] checks it offline and names
//! what changed: a row, an amount, an upload, the complaint itself.

use super::{Item, evidence_digest, sha256_hex};
use crate::log::bundle::{ProofBundle, VerifyOptions, VerifyReport, verify_bundle};
use crate::log::entry::{JournalRow, OrderRow, Record};
use crate::{Result, Store, StoreError};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

/// The package format's name and version.
pub const PACKAGE_FORMAT: &str = "flexpension-complaint/v1";

/// The complaint as its filing entry in the log states it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealedComplaint {
    pub id: i64,
    pub worker: i64,
    pub platform: i64,
    /// The platform's name as logged at filing (none for complaints filed before it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_name: Option<String>,
    pub kind: String,
    pub months: Vec<String>,
    pub filed_at_us: i64,
    pub due_at_us: i64,
    /// The worker's words.
    pub text: String,
}

/// An upload with its bytes (base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageUpload {
    pub n: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub data: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidencePackage {
    pub format: String,
    pub complaint: SealedComplaint,
    pub uploads: Vec<PackageUpload>,
    /// The complaint's entry first, then the orders (`order ID`), the journal entries
    /// (`journal ID`) and the worker's registration (`worker`).
    pub bundle: ProofBundle,
}

impl Store {
    /// The evidence package of a complaint, proved against the latest checkpoint cosigned by
    /// `quorum` witnesses (0: the latest) that covers its filing.
    pub async fn complaint_package(&self, id: i64, quorum: usize) -> Result<EvidencePackage> {
        let not_found = || StoreError::NotFound { what: "complaint", key: id.to_string() };
        type Sealed = (i64, i64, String, String, String, i64, i64, String, i64);
        let row: Option<Sealed> = crate::backend::Sql::new(
            "SELECT worker_id, platform_id, kind, months, text, filed_at_us, due_at_us, items, log_idx FROM complaints WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.db())
        .await?;
        let (worker, platform, kind, months, text, filed, due, items, log_idx) = row.ok_or_else(not_found)?;
        let items: Vec<Item> = serde_json::from_str(&items).map_err(|e| StoreError::Corrupt(format!("complaint {id} evidence: {e}")))?;
        let (size, checkpoint) = self.bundle_checkpoint(quorum, log_idx as u64).await?;
        let first = self.bundle_proof("complaint", log_idx as u64, size, None).await?;
        let platform_name = serde_json::from_str::<Record>(&first.entry)
            .ok()
            .and_then(|r| r.data.get("platform_name").and_then(|n| n.as_str()).map(str::to_string));
        let mut proofs = vec![first];
        for i in &items {
            let data = i.data.as_bytes().to_vec();
            let h = flexpension_tlog::leaf_hash(&data);
            proofs.push(self.bundle_proof(&format!("{} {}", i.what, i.key), i.index, size, Some((data, h))).await?);
        }
        let (wp, opening) = self.worker_part(worker, size).await?;
        proofs.push(wp);
        let bundle = ProofBundle::new(&self.log_keys().origin, checkpoint, proofs, Some(opening));
        let ups: Vec<(i64, String, String, i64, String, Vec<u8>)> = crate::backend::Sql::new(
            "SELECT n, name, content_type, size, sha256, bytes FROM complaint_uploads WHERE complaint_id = $1 ORDER BY n",
        )
        .bind(id)
        .fetch_all(self.db())
        .await?;
        Ok(EvidencePackage {
            format: PACKAGE_FORMAT.into(),
            complaint: SealedComplaint {
                id,
                worker,
                platform,
                platform_name,
                kind,
                months: months.split(',').map(str::to_string).collect(),
                filed_at_us: filed,
                due_at_us: due,
                text,
            },
            uploads: ups
                .into_iter()
                .map(|(n, name, content_type, size, sha256, bytes)| PackageUpload {
                    n,
                    name,
                    content_type,
                    size,
                    sha256,
                    data: B64.encode(bytes),
                })
                .collect(),
            bundle,
        })
    }
}

/// Check a package offline: the bundle (checkpoint, every entry and row), then that the
/// complaint, the list of evidence and the uploads are what was logged at filing, and that
/// every row is about this worker (and the orders about this platform).
pub fn verify_package(p: &EvidencePackage, o: &VerifyOptions) -> VerifyReport {
    let mut r = verify_bundle(&p.bundle, o);
    if !r.add(
        "package format",
        if p.format == PACKAGE_FORMAT { Ok(p.format.clone()) } else { Err(format!("unknown format '{}'", p.format)) },
    ) {
        return r;
    }
    let c = &p.complaint;
    let Some(first) = p.bundle.proofs.first().filter(|f| f.what == "complaint") else {
        r.add("complaint", Err("the package holds no proof of the complaint's log entry".into()));
        return r;
    };
    let rec: Record = match serde_json::from_str(&first.entry) {
        Ok(x) => x,
        Err(e) => {
            r.add("complaint", Err(format!("the complaint's entry does not parse: {e}")));
            return r;
        }
    };
    let d = &rec.data;
    let mut differs = Vec::new();
    let mut same = |field: &str, logged: serde_json::Value, shown: serde_json::Value| {
        if logged != shown {
            differs.push(format!("{field}: the package says {shown}, the log says {logged}"));
        }
    };
    same("kind of entry", serde_json::json!("complaint"), serde_json::json!(rec.kind));
    same("id", d["complaint"].clone(), serde_json::json!(c.id));
    same("worker", d["worker"].clone(), serde_json::json!(c.worker));
    same("platform", d["platform"].clone(), serde_json::json!(c.platform));
    same("platform name", d["platform_name"].clone(), serde_json::json!(c.platform_name));
    same("kind", d["kind"].clone(), serde_json::json!(c.kind));
    same("months", d["months"].clone(), serde_json::json!(c.months));
    same("deadline", d["due_at_us"].clone(), serde_json::json!(c.due_at_us));
    same("filed at", serde_json::json!(rec.at_us), serde_json::json!(c.filed_at_us));
    same("text", d["text_sha256"].clone(), serde_json::json!(sha256_hex(c.text.trim().as_bytes())));
    r.add(
        "complaint",
        if differs.is_empty() {
            Ok(format!("complaint {} as filed ({} {})", c.id, c.kind, c.months.join(", ")))
        } else {
            Err(differs.join("; "))
        },
    );

    // The rows as the bundle holds them.
    let mut items = Vec::new();
    let mut wrong = Vec::new();
    let mut income: std::collections::BTreeMap<i32, (u64, i64)> = Default::default();
    for b in &p.bundle.proofs {
        let Some((what, key)) = b.what.split_once(' ') else { continue };
        let Some(row) = &b.row else { continue };
        items.push(Item { what: what.into(), key: key.into(), index: b.index, data: row.data.clone() });
        match what {
            "order" => match serde_json::from_str::<OrderRow>(&row.data) {
                Ok(o) if o.worker == c.worker && o.platform == c.platform && o.order_id == key => {
                    let e = income.entry(o.month).or_default();
                    e.0 += 1;
                    e.1 += o.amount_fen;
                }
                Ok(_) => wrong.push(format!("order {key} is not this worker's on this platform")),
                Err(e) => wrong.push(format!("order {key} does not parse: {e}")),
            },
            "journal" => match serde_json::from_str::<JournalRow>(&row.data) {
                Ok(j) if j.worker == c.worker && j.entry == key => {}
                Ok(_) => wrong.push(format!("journal entry {key} is not this worker's")),
                Err(e) => wrong.push(format!("journal entry {key} does not parse: {e}")),
            },
            _ => wrong.push(format!("unknown evidence '{}'", b.what)),
        }
    }
    r.add(
        "evidence belongs to the complaint",
        if wrong.is_empty() { Ok(format!("{} rows, all this worker's", items.len())) } else { Err(wrong.join("; ")) },
    );

    // The uploads: each file's bytes against its hash, and the hashes against the log.
    let logged: Vec<String> =
        d["uploads"].as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default();
    if p.uploads.len() != logged.len() {
        r.add("uploads", Err(format!("the package holds {} files, the complaint was filed with {}", p.uploads.len(), logged.len())));
    }
    let mut ups = Vec::new();
    for (i, u) in p.uploads.iter().enumerate() {
        let res = B64.decode(&u.data).map_err(|e| format!("not base64: {e}")).and_then(|bytes| {
            let h = sha256_hex(&bytes);
            if logged.get(i) != Some(&h) || u.sha256 != h || u.size != bytes.len() as i64 {
                Err(format!("its content differs from the file filed (now {} bytes, SHA-256 {h})", bytes.len()))
            } else {
                Ok(format!("{} bytes, {}, SHA-256 {h}", bytes.len(), u.content_type))
            }
        });
        r.add(format!("upload {} '{}'", u.n, u.name), res);
        ups.push((u.n, u.sha256.clone(), u.size, u.content_type.clone()));
    }
    // The list of evidence as a whole: nothing added, dropped or reordered.
    let (orders, journal) = (items.iter().filter(|i| i.what == "order").count(), items.iter().filter(|i| i.what == "journal").count());
    let digest = evidence_digest(&items, &ups);
    r.add(
        "evidence list",
        if d["evidence"].as_str() == Some(digest.as_str()) {
            Ok(format!("{orders} orders, {journal} journal entries and {} files, as sealed at filing", ups.len()))
        } else {
            Err(format!(
                "the evidence differs from what was sealed at filing: the package holds {orders} orders, {journal} journal entries and {} files; the complaint was filed with {} orders, {} journal entries and {} files",
                ups.len(),
                d["orders"],
                d["journal"],
                logged.len()
            ))
        },
    );
    for (m, (n, fen)) in income {
        r.summary.push(format!("{}-{:02}: {n} orders, {} yuan", m / 100, m % 100, flexpension_rules::money::yuan(fen)));
    }
    r
}
