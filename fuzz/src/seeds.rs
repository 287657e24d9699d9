//! The seeds that are made rather than copied, written into fuzz/corpus/<target>/: a voucher PDF,
//! signed and cosigned checkpoints, tiles, the embedded parameter files, and small earnings and
//! worker files shaped like the tests' (made-up resident IDs with valid check digits). Written
//! by any target started with FLEXPENSION_FUZZ_SEEDS set (a fuzz build has no other entry point):
//! `FLEXPENSION_FUZZ_SEEDS=1 cargo +nightly fuzz run note -- -runs=0`.

use std::fs;
use std::path::Path;

use crate::{log_signer, sample_voucher, witness_signer};
use flexpension_rules::params::EMBEDDED;
use flexpension_tlog::{Checkpoint, MemLog, add_signature_lines, encode_entry_bundle, read_tile_data, sign_note, tile_for_index};
use flexpension_voucher::{VoucherMonth, render_pdf};

fn put(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    fs::create_dir_all(&dir).expect("corpus directory");
    fs::write(dir.join(format!("seed-{name}")), bytes).expect("seed written");
}

const ID_A: &str = "330106199001010018";
const ID_B: &str = "330106199202020028";
const ID_X: &str = "11010519491231002X";

fn earnings() {
    let head = "order_id,id_number,amount_yuan,settled_at,order_type,grid\n";
    let good = format!(
        "{head}p1,{ID_A},3000.00,2025-09-01T12:00:00,instant_delivery,g1\n\
         p2,{ID_A},1200.5,2025-09-02 12:00:00+08:00,ride_hailing,g1\n\
         p3,{ID_B},23,2025-09-30T23:59:59.123456Z,same_city_freight,g2\n\
         p4,{},0.01,2025-10-01T00:00-05:30,ride_hailing,g1\n",
        ID_X.to_lowercase()
    );
    put("earnings_csv", "good", good.as_bytes());
    put(
        "earnings_csv",
        "reordered",
        format!("\u{feff}GRID, Order_Type ,settled_at,amount_yuan,id_number,order_id,note\ng1,ride_hailing,2025-09-01T08:00:00,12.30,{ID_B},\"q,1\",\"a \"\"quoted\"\"\nnote\"\n").as_bytes(),
    );
    let bad = format!(
        "{head}b1,{ID_A},0,2025-09-01T12:00:00,ride_hailing,g1\n\
         b2,330106199001010019,1.00,2025-09-01T12:00:00,ride_hailing,g1\n\
         b3,{ID_A},50000.01,2025-09-01T12:00:00,ride_hailing,g1\n\
         b4,{ID_A},1.001,2025-02-29T12:00:00,ride_hailing,g1\n\
         b5,{ID_A},1.00,2099-01-01T00:00:00,ride_hailing,g1\n\
         b6,{ID_A},1.00,2025-09-01T24:00:00+15:00,walking,\n\
         ,{ID_A},-1,2025-09-01,ride_hailing,g1\n\
         b8,{ID_A}\n\
         \"b9,{ID_A},1.00,2025-09-01T12:00:00,ride_hailing,g1\n"
    );
    put("earnings_csv", "bad", bad.as_bytes());
    put("earnings_csv", "header-only", head.as_bytes());

    let jl = format!(
        "{{\"order_id\":\"j1\",\"id_number\":\"{ID_A}\",\"amount_yuan\":\"3000.00\",\"settled_at\":\"2025-09-01T12:00:00\",\"order_type\":\"instant_delivery\",\"grid\":\"g1\"}}\n\
         \n\
         {{\"order_id\":2,\"id_number\":\"{ID_X}\",\"amount_yuan\":12.5,\"settled_at\":\"2025-09-02T12:00:00+08:00\",\"order_type\":\"ride_hailing\",\"grid\":\"g\\u00e9\"}}\n\
         {{\"order_id\":\"j3\",\"id_number\":330106199001010018,\"amount_yuan\":null,\"settled_at\":\"2025-09-02\",\"order_type\":\"x\",\"grid\":[1]}}\n\
         {{\"order_id\":\"j4\"}}\n\
         not json\n"
    );
    put("earnings_jsonl", "mixed", jl.as_bytes());
}

fn workers() {
    let good = format!(
        "id_number,name,phone,hukou_region,grid,pension_from\n\
         {ID_A},工人甲,13800000001,zj,g1,2025-09\n\
         {ID_B},工人乙,138 0000 0002,zj,g2,\n\
         {ID_X},\"Worker, X\",+86 13800000003,zj,g1,2025-13\n"
    );
    put("worker_import", "good", good.as_bytes());
    let bad = format!(
        "\u{feff}grid,hukou_region,phone,name,id_number\n\
         g9,zj,13800000001,工人甲,{ID_A}\n\
         g1,xx,13800000001,工人甲,{ID_B}\n\
         g1,zj,12345,工人丙,{ID_X}\n\
         g1,zj,13800000004,,330106199001010019\n\
         g1,zj,13800000001,另一个名字,{ID_A}\n\
         g1\n"
    );
    put("worker_import", "bad", bad.as_bytes());
}

fn params() {
    for (i, (name, text)) in EMBEDDED.iter().enumerate() {
        let mut bytes = vec![i as u8];
        bytes.extend_from_slice(text.as_bytes());
        put("params", &name.replace('/', "-"), &bytes);
    }
}

fn notes() -> MemLog {
    let mut log = MemLog::new();
    let entries: Vec<Vec<u8>> = (0..300u32).map(|i| format!("entry {i}").into_bytes()).collect();
    log.append_entries(&entries.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let signer = log_signer();
    let witness = witness_signer();
    let cp = Checkpoint { origin: signer.name().to_string(), size: log.size(), root: log.root(), extensions: vec![] };
    let note = sign_note(&cp.to_text(), &signer).expect("signed");
    put("note", "checkpoint", note.as_bytes());
    let line = witness.cosign(&cp.to_text(), 1_796_083_200).expect("cosigned");
    put("note", "cosigned", add_signature_lines(&note, &[line]).expect("appended").as_bytes());
    let ext = Checkpoint { extensions: vec!["extension line".into()], ..cp };
    put("note", "extension", sign_note(&ext.to_text(), &signer).expect("signed").as_bytes());
    put("note", "verifier-key", signer.verifier_key().as_bytes());
    put("note", "witness-key", witness.verifier_key().as_bytes());
    log
}

fn tiles(log: &MemLog) {
    for p in ["tile/0/000", "tile/1/x001/234.p/5", "tile/entries/x002/000.p/255", "tile/7/000"] {
        put("tile", &p.replace('/', "-"), p.as_bytes());
    }
    put("tile", "bundle", &encode_entry_bundle(&[b"one", b"", b"three"]));
    // Size 300, height 2, hash 9, then two tamperings (tile, offset, xor) and a cut.
    let mut reader_input = vec![44, 1, 1, 9, 0];
    reader_input.extend_from_slice(&[0, 3, 0x40, 1, 0, 1, 2]);
    let t = tile_for_index(8, 0);
    let _ = read_tile_data(&t, log);
    put("tile", "reader", &reader_input);
}

fn voucher() {
    let doc = sample_voucher();
    put("voucher", "two-pages", &render_pdf(&doc).expect("rendered"));
    let short = flexpension_voucher::VoucherDoc {
        months: vec![VoucherMonth { month: "2026-01".into(), base_fen: 1, amount_fen: 0, paid_fen: 0, status: "欠缴".into() }],
        payload: b"{}".to_vec(),
        ..doc
    };
    put("voucher", "one-page", &render_pdf(&short).expect("rendered"));
}

/// Writes every made seed.
pub fn write_all() {
    earnings();
    workers();
    params();
    let log = notes();
    tiles(&log);
    voucher();
}
