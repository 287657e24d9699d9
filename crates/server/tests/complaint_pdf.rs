//! The evidence package as a PDF for people, on both backends: the worker downloads it from
//! their complaint (a GET that writes nothing), inspection and legal aid from their desks (in
//! the access log); it parses, prints the package's figures, carries the package, and passes
//! `complaint_pdf::check_pdf`; pages drawn from other figures with the original package
//! attached, an edited package, or bytes added after the end fail it, naming what changed.

#![allow(clippy::disallowed_methods, clippy::disallowed_types, reason = "pdftotext reads the PDF, through a file and a process")]

#[path = "platform/harness.rs"]
mod harness;

use flexpension_ledger::{Payer, Payment};
use flexpension_server::complaint_pdf::{ATTACHMENT, Attached, PAGE_CHECK, check_pdf, printed};
use flexpension_server::people::add_person;
use flexpension_store::log::{VerifyOptions, VerifyReport};
use flexpension_store::people::Scope;
use flexpension_store::{WorkerId, verify_package};
use flexpension_text::Lang;
use flexpension_voucher::document::render_document;
use flexpension_voucher::extract_file;
use harness::{Kind, Server, hidden, seed_two_closed_months};

const PASSWORD: &str = "correct horse 42";
const JPEG: [u8; 8] = [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F'];
const BOUNDARY: &str = "----flexpensionPdfBoundary";

mod sqlite {
    #[test]
    fn the_package_pdf_prints_what_the_package_says() {
        super::case(super::Kind::Sqlite);
    }
}

mod postgres {
    #[test]
    fn the_package_pdf_prints_what_the_package_says() {
        super::case(super::Kind::Postgres);
    }
}

fn pdftotext(pdf: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("flexpension-pdf-{}-{}", std::process::id(), pdf.len()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("p.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext (scripts/setup-test-deps.sh)");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "pdftotext could not read the PDF");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(r: &VerifyReport) -> String {
    assert!(!r.ok(), "an edited PDF passed:\n{}", r.to_text());
    r.checks.iter().filter(|c| !c.ok).map(|c| format!("{}: {}", c.name, c.detail)).collect::<Vec<_>>().join("\n")
}

fn file(s: &Server, cookie: &str, csrf: &str) -> i64 {
    let mut b = Vec::new();
    for (k, v) in
        [("csrf", csrf), ("lang", "zh"), ("kind", "unpaid_orders"), ("platform", "1"), ("months", "2025-09"), ("months", "2025-10")]
    {
        b.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    b.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n十月那单少结了钱\r\n").as_bytes());
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"截图.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
        )
        .as_bytes(),
    );
    b.extend_from_slice(&JPEG);
    b.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let r = s.send("POST", "/me/complaints", &[("cookie", cookie), ("content-type", &ct)], b);
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").expect("location");
    to.trim_start_matches("/me/complaints/").split('?').next().and_then(|i| i.parse().ok()).expect("id")
}

fn case(kind: Kind) {
    let Some(s) = Server::start(kind, 3) else { return };
    // Worker 1: September (3800.00) and October (4100.00) on platform A, both closed; September paid.
    seed_two_closed_months(&s);
    let sep = "2025-09".parse().expect("month");
    let pay = Payment { worker: WorkerId(1), payer: Payer::SelfPaid, reference: 7, amount_fen: 50_000, period: sep };
    s.block_on(s.store.pay(&pay)).expect("pay");
    s.block_on(async {
        add_person(&s.store, "worker.a", PASSWORD, &Scope::Worker(WorkerId(1))).await.expect("worker a");
        add_person(&s.store, "worker.b", PASSWORD, &Scope::Worker(WorkerId(2))).await.expect("worker b");
        add_person(&s.store, "inspect.zj", PASSWORD, &Scope::Inspection("zj".into())).await.expect("inspector");
        add_person(&s.store, "legal.zj", PASSWORD, &Scope::LegalAid("zj".into())).await.expect("legal aid");
    });
    let a = s.login("worker.a", PASSWORD);
    let csrf = hidden(&s.send("GET", "/me/complaints", &[("cookie", &a)], "").body, "csrf");
    // Filing publishes the log: the package can be drawn at once.
    let id = file(&s, &a, &csrf);
    let page = s.send("GET", &format!("/me/complaints/{id}"), &[("cookie", &a)], "");
    assert!(page.body.contains(&format!("/me/complaints/{id}/package.pdf")), "{}", page.body);

    // The worker's download writes nothing: the log and the access log stay as they are.
    let before = (s.block_on(s.store.log_checkpoint()).expect("checkpoint"), s.block_on(s.store.log_integrated()).expect("size"));
    let seen = s.block_on(s.store.accesses(WorkerId(1), 100)).expect("accesses").len();
    let r = s.send("GET", &format!("/me/complaints/{id}/package.pdf"), &[("cookie", &a)], "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r.header("content-disposition").is_some_and(|d| d.contains(&format!("complaint-{id}.pdf"))));
    let after = (s.block_on(s.store.log_checkpoint()).expect("checkpoint"), s.block_on(s.store.log_integrated()).expect("size"));
    assert_eq!(before, after, "a GET wrote to the log");
    assert_eq!(s.block_on(s.store.accesses(WorkerId(1), 100)).expect("accesses").len(), seen);
    let pdf = r.bytes;
    assert!(pdf.starts_with(b"%PDF-"));

    // Not another worker's, not a stranger's.
    let b = s.login("worker.b", PASSWORD);
    assert_eq!(s.send("GET", &format!("/me/complaints/{id}/package.pdf"), &[("cookie", &b)], "").status, 404);
    assert_eq!(s.send("GET", &format!("/me/complaints/{id}/package.pdf"), &[], "").status, 401);

    // It carries the package, which verifies; the pages are what the package draws.
    let opts = VerifyOptions { log_key: s.store.log_keys().verifier_key(), ..Default::default() };
    let attached: Attached = serde_json::from_slice(&extract_file(&pdf, ATTACHMENT).expect("attached")).expect("parses");
    let p = attached.package.clone();
    assert!(verify_package(&p, &opts).ok());
    let report = check_pdf(&pdf, &opts).expect("a package PDF");
    assert!(report.ok(), "{}", report.to_text());
    assert!(report.checks.iter().any(|c| c.name == PAGE_CHECK && c.ok), "{}", report.to_text());

    // The printed figures are the package's: its orders, their months' income, the payment,
    // the file's hash, the checkpoint; the platform's name as sealed; the file's name is not.
    let text = pdftotext(&pdf);
    for want in [
        "投诉证据包",
        "骑手平台A（编号 1）",
        "跑了单没给钱",
        "2025-09, 2025-10",
        "十月那单少结了钱",
        "3800.00",
        "4100.00",
        "500.00",
        "应缴",
        "缴费",
    ] {
        assert!(text.contains(want), "'{want}' not printed:\n{text}");
    }
    let orders: Vec<String> = p.bundle.proofs.iter().filter_map(|b| b.what.strip_prefix("order ").map(str::to_string)).collect();
    assert_eq!(orders.len(), 2);
    assert!(orders.iter().all(|o| text.contains(o.as_str())), "{orders:?}\n{text}");
    assert!(text.contains(&p.uploads[0].sha256) && !text.contains("截图.jpg"), "{text}");
    let size = flexpension_tlog::parse_note(&p.bundle.checkpoint)
        .ok()
        .and_then(|n| flexpension_tlog::Checkpoint::parse(&n.text).ok())
        .map(|c| c.size)
        .expect("checkpoint");
    assert!(text.contains(&format!("检查点 {size}")) && text.contains("flexpension verify complaint-"), "{text}");
    let en = s.send("GET", &format!("/me/complaints/{id}/package.pdf?lang=en"), &[("cookie", &a)], "");
    let en_text = pdftotext(&en.bytes);
    assert!(en_text.contains("Complaint evidence package") && en_text.contains("Orders not paid"), "{en_text}");
    assert!(check_pdf(&en.bytes, &opts).expect("package").ok());

    // Edits: pages drawn from other figures with the original package attached.
    let data = extract_file(&pdf, ATTACHMENT).expect("attached");
    let mut other = p.clone();
    let row = other.bundle.proofs.iter_mut().find(|b| b.what.starts_with("order ")).and_then(|b| b.row.as_mut()).expect("an order");
    row.data = row.data.replace("\"amount_fen\":380000", "\"amount_fen\":980000");
    let forged = render_document(&printed(&other, Lang::Zh, data.clone())).expect("forged");
    let why = failed(&check_pdf(&forged, &opts).expect("package"));
    assert!(why.contains(PAGE_CHECK) && why.contains("amount") && why.contains("“3800.00”") && why.contains("“9800.00”"), "{why}");
    assert!(!why.contains("row in its batch"), "the attached package is the original: {why}");
    // The attached package edited (and the pages drawn from it): the package's check names the row.
    let mut a2 = attached.clone();
    a2.package = other.clone();
    let edited = render_document(&printed(&other, Lang::Zh, serde_json::to_vec(&a2).expect("json"))).expect("edited");
    let why = failed(&check_pdf(&edited, &opts).expect("package"));
    assert!(why.contains("row in its batch"), "{why}");
    // Bytes added after the end (an incremental update).
    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n1 0 obj\n(x)\nendobj\n%%EOF\n");
    let why = failed(&check_pdf(&appended, &opts).expect("package"));
    assert!(why.contains("added after the end"), "{why}");
    // A voucher is not a package.
    assert!(check_pdf(b"%PDF-1.7\n", &opts).is_err());

    // The desks: the same PDF, the download in the access log.
    let ins = s.login("inspect.zj", PASSWORD);
    let r = s.send("GET", &format!("/inspection/complaints/{id}/package.pdf"), &[("cookie", &ins)], "");
    assert_eq!((r.status, r.header("content-type")), (200, Some("application/pdf")));
    assert!(check_pdf(&r.bytes, &opts).expect("package").ok());
    let legal = s.login("legal.zj", PASSWORD);
    assert_eq!(s.send("GET", &format!("/legal-aid/complaints/{id}/package.pdf"), &[("cookie", &legal)], "").status, 200);
    let seen = s.block_on(s.store.accesses(WorkerId(1), 100)).expect("accesses");
    for login in ["inspect.zj", "legal.zj"] {
        assert!(
            seen.iter().any(|x| x.login == login && x.what == "complaint_package_pdf" && x.why == format!("complaint {id}")),
            "{seen:?}"
        );
    }
    assert_eq!(s.send("GET", &format!("/inspection/complaints/{id}/package.pdf"), &[("cookie", &a)], "").status, 403);
}
