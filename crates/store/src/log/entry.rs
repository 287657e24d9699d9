//! What goes into the log: canonical, versioned event records (compact JSON in a fixed field
//! order, so the store can encode a record again, byte for byte, when it proves it) and the rows
//! of batch entries. Personal data never enters: a worker is their store number, bound once to a
//! salted commitment of their resident ID.

use flexpension_ledger::Entry;
use flexpension_tlog::{Hash, leaf_hash};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The version of every record below; a change of shape is a new version, never an edit.
pub const RECORD_VERSION: u32 = 1;

/// The version of `voucher` entries: 2 holds only the signed voucher's digest (version 1 also
/// held the voucher's number and the worker's).
pub const VOUCHER_RECORD_VERSION: u32 = 2;

/// The domain tag of the resident-ID commitment.
const COMMIT_TAG: &[u8] = b"flexpension/id-commit/v1\n";

/// A salted commitment to a resident ID: SHA-256(tag || salt || ID). Without the salt (kept by
/// the store, revealed only in a proof bundle for someone who may see the record) the 18-digit
/// ID cannot be found by trying them all.
pub fn id_commitment(salt: &[u8; 32], id_number: &str) -> Hash {
    let mut h = Sha256::new();
    h.update(COMMIT_TAG);
    h.update(salt);
    h.update(id_number.as_bytes());
    Hash(h.finalize().into())
}

/// A log entry. `rows` and `rows_root` are set on batch entries: the count of rows and the
/// root of the batch's own RFC 9162 tree over them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub v: u32,
    pub kind: String,
    pub at_us: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows_root: Option<String>,
    /// What the event says, by kind (see docs/LOG.md).
    pub data: serde_json::Value,
}

impl Record {
    pub fn new(kind: &str, at_us: i64, data: serde_json::Value) -> Record {
        Record { v: RECORD_VERSION, kind: kind.into(), at_us, rows: None, rows_root: None, data }
    }

    /// A batch entry over rows' leaf hashes.
    pub fn with_rows(mut self, row_hashes: &[Hash]) -> Record {
        self.rows = Some(row_hashes.len() as u64);
        self.rows_root = Some(flexpension_tlog::root_of(row_hashes).to_hex());
        self
    }

    /// The canonical bytes: compact JSON, fields in declaration order; `data` holds only maps
    /// made by `serde_json::json!`, whose keys serde_json keeps sorted.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// A worker's registration row: their number and the commitment to their ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerRow {
    pub worker: i64,
    pub id_commit: String,
    pub hukou_region: String,
}

/// One order row of an earnings batch, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderRow {
    pub platform: i64,
    pub order_id: String,
    pub worker: i64,
    pub month: i32,
    pub amount_fen: i64,
    pub settled_at_us: i64,
    pub order_type: i16,
    pub grid: i64,
    pub premium_fen: i64,
}

/// An order's stored columns after its platform, id and worker: month, amount, settled at,
/// order type, grid, premium (as `earnings` holds them).
pub(crate) type OrderColumns = (i32, i64, i64, i32, i64, i64);

impl OrderRow {
    /// The log row of an order read back from `earnings`.
    pub(crate) fn stored(platform: i64, order_id: String, worker: i64, c: OrderColumns) -> OrderRow {
        let (month, amount_fen, settled_at_us, order_type, grid, premium_fen) = c;
        OrderRow { platform, order_id, worker, month, amount_fen, settled_at_us, order_type: order_type as i16, grid, premium_fen }
    }

    /// The canonical bytes, written without going through serde (the ingest hashes every row
    /// it stores): byte for byte what `row_bytes(self)` gives.
    pub fn write(&self, buf: &mut Vec<u8>) {
        write_order(
            buf,
            self.platform,
            &self.order_id,
            [
                self.worker,
                i64::from(self.month),
                self.amount_fen,
                self.settled_at_us,
                i64::from(self.order_type),
                self.grid,
                self.premium_fen,
            ],
        );
    }
}

/// The leaf hash of a row the ingest is about to store, using `buf` as scratch.
pub(crate) fn order_hash(buf: &mut Vec<u8>, platform: crate::PlatformId, r: &crate::backend::BatchRow) -> Hash {
    write_order(
        buf,
        platform.0,
        &r.order_id,
        [r.worker_id, i64::from(r.month), r.amount_fen, r.settled_at_us, i64::from(r.order_type), r.grid_id, r.premium_fen],
    );
    leaf_hash(buf)
}

/// `{"platform":P,"order_id":"…","worker":…,"month":…,"amount_fen":…,"settled_at_us":…,
/// "order_type":…,"grid":…,"premium_fen":…}` — the field order of `OrderRow`.
fn write_order(buf: &mut Vec<u8>, platform: i64, order_id: &str, rest: [i64; 7]) {
    const KEYS: [&str; 7] =
        [",\"worker\":", ",\"month\":", ",\"amount_fen\":", ",\"settled_at_us\":", ",\"order_type\":", ",\"grid\":", ",\"premium_fen\":"];
    let mut n = itoa::Buffer::new();
    buf.clear();
    buf.extend_from_slice(b"{\"platform\":");
    buf.extend_from_slice(n.format(platform).as_bytes());
    buf.extend_from_slice(b",\"order_id\":");
    // serde_json's own string escaping, so the bytes match its output exactly.
    let _ = serde_json::to_writer(&mut *buf, order_id);
    for (k, v) in KEYS.iter().zip(rest) {
        buf.extend_from_slice(k.as_bytes());
        buf.extend_from_slice(n.format(v).as_bytes());
    }
    buf.push(b'}');
}

/// One journal entry of a worker (a month close, a payment, a crediting, a reversal, interest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalRow {
    pub worker: i64,
    pub entry: String,
    pub kind: String,
    pub period: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// income, base, contribution, personal account, pooling, subsidy, net (fen) on a close.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<[i64; 7]>,
    /// (account, signed amount in fen), debits positive.
    pub postings: Vec<(String, i64)>,
}

impl JournalRow {
    pub fn of(e: &Entry) -> JournalRow {
        JournalRow {
            worker: e.id().worker.0,
            entry: e.id().to_string(),
            kind: crate::journal::kind_str(e.kind()).to_string(),
            period: e.period().to_string(),
            reference: e.reference().map(|r| r.to_string()),
            due: e
                .due()
                .map(|d| [d.income_fen, d.base_fen, d.contribution_fen, d.personal_account_fen, d.pooling_fen, d.subsidy_fen, d.net_fen]),
            postings: e.postings().iter().map(|p| (p.account.to_string(), p.amount_fen)).collect(),
        }
    }
}

/// The leaf hash of a journal entry's row, its canonical bytes written without going through
/// serde into `buf` (the close and payment files hash every entry they write): byte for byte
/// what `row_hash(&JournalRow::of(e))` gives.
pub(crate) fn journal_hash(buf: &mut Vec<u8>, e: &Entry) -> Hash {
    use std::io::Write as _;
    let mut n = itoa::Buffer::new();
    buf.clear();
    buf.extend_from_slice(b"{\"worker\":");
    buf.extend_from_slice(n.format(e.id().worker.0).as_bytes());
    // Entry ids, kinds, months and accounts are ASCII letters, digits, '/' and '-': nothing
    // JSON escapes, so they are written between quotes as they are.
    let _ = write!(buf, ",\"entry\":\"{}\",\"kind\":\"{}\",\"period\":\"{}\"", e.id(), crate::journal::kind_str(e.kind()), e.period());
    if let Some(r) = e.reference() {
        let _ = write!(buf, ",\"reference\":\"{r}\"");
    }
    if let Some(d) = e.due() {
        buf.extend_from_slice(b",\"due\":[");
        let v = [d.income_fen, d.base_fen, d.contribution_fen, d.personal_account_fen, d.pooling_fen, d.subsidy_fen, d.net_fen];
        for (i, x) in v.into_iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(n.format(x).as_bytes());
        }
        buf.push(b']');
    }
    buf.extend_from_slice(b",\"postings\":[");
    for (i, p) in e.postings().iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        let _ = write!(buf, "[\"{}\",", p.account);
        buf.extend_from_slice(n.format(p.amount_fen).as_bytes());
        buf.push(b']');
    }
    buf.extend_from_slice(b"]}");
    leaf_hash(buf)
}

/// Canonical bytes of a row.
pub fn row_bytes<T: Serialize>(row: &T) -> Vec<u8> {
    serde_json::to_vec(row).unwrap_or_default()
}

/// The leaf hash of a row in its batch's tree.
pub fn row_hash<T: Serialize>(row: &T) -> Hash {
    leaf_hash(&row_bytes(row))
}

/// Row hashes packed for the `rows` column.
pub fn pack(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

/// The `rows` column unpacked; `None` when its length is not a multiple of 32.
pub fn unpack(bytes: &[u8]) -> Option<Vec<Hash>> {
    if !bytes.len().is_multiple_of(32) {
        return None;
    }
    Some(bytes.chunks_exact(32).map(|c| Hash(c.try_into().unwrap_or([0; 32]))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_bytes_are_stable_and_keys_sorted() {
        let r = Record::new("enrolment", 5, serde_json::json!({"scheme": "employee_pension", "worker": 1}));
        let s = String::from_utf8(r.to_bytes()).unwrap();
        assert_eq!(s, r#"{"v":1,"kind":"enrolment","at_us":5,"data":{"scheme":"employee_pension","worker":1}}"#);
        let back: Record = serde_json::from_slice(s.as_bytes()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn commitment_depends_on_salt_and_id() {
        let a = id_commitment(&[1; 32], "11010519491231002X");
        assert_ne!(a, id_commitment(&[2; 32], "11010519491231002X"));
        assert_ne!(a, id_commitment(&[1; 32], "110105194912310029"));
        assert_eq!(a, id_commitment(&[1; 32], "11010519491231002X"));
    }

    #[test]
    fn order_rows_written_by_hand_equal_serde() {
        for id in ["o1", "订单-7", "a\"b\\c\n\u{1}", ""] {
            let r = OrderRow {
                platform: 3,
                order_id: id.into(),
                worker: -1,
                month: 202509,
                amount_fen: 123_456,
                settled_at_us: 1_756_000_000_000_000,
                order_type: 2,
                grid: 9,
                premium_fen: i64::MAX,
            };
            let mut buf = Vec::new();
            r.write(&mut buf);
            assert_eq!(buf, row_bytes(&r), "{id:?}");
        }
    }

    #[test]
    fn journal_rows_written_by_hand_equal_serde() {
        use flexpension_ledger::{Ledger, Payer, Payment, PlatformId, WorkerId, WorkerMonth};
        let params = flexpension_rules::Params::embedded().unwrap();
        let zj = params.scenario("zj", None, None).unwrap();
        let month: flexpension_rules::YearMonth = "2025-09".parse().unwrap();
        let (rules, _) = zj.month_rules(month).unwrap();
        let mut l = Ledger::default();
        let workers: Vec<WorkerMonth> = [(7, 500_000), (8, 0), (9, 1_200_000)]
            .map(|(w, income_fen)| WorkerMonth { worker: WorkerId(w), income_fen, declared_base_fen: None, enrolled: true })
            .to_vec();
        l.close_month(month, &workers, &rules).unwrap();
        let at: flexpension_rules::YearMonth = "2025-10".parse().unwrap();
        for (w, payer, fen) in [(7, Payer::SelfPaid, 10_000_000), (9, Payer::Platform(PlatformId(3)), 12), (8, Payer::SelfPaid, 5)] {
            l.pay(&Payment { worker: WorkerId(w), payer, reference: w * 11, amount_fen: fen, period: at }).unwrap();
        }
        let first = *l.entries()[0].id();
        l.reverse(&first, at).unwrap();
        l.credit_interest(2025, &params, None).unwrap();
        let mut buf = Vec::new();
        for e in l.entries() {
            let h = journal_hash(&mut buf, e);
            assert_eq!(String::from_utf8_lossy(&buf), String::from_utf8_lossy(&row_bytes(&JournalRow::of(e))), "{}", e.id());
            assert_eq!(h, row_hash(&JournalRow::of(e)));
        }
        assert!(l.entries().len() >= 8);
    }

    #[test]
    fn pack_round_trip() {
        let hs = vec![leaf_hash(b"a"), leaf_hash(b"b")];
        assert_eq!(unpack(&pack(&hs)).unwrap(), hs);
        assert!(unpack(&[0; 31]).is_none());
    }
}
