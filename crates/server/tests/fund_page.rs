//! The special fund on the consoles, on both backends: the officer's `/officer/fund` shows the
//! figures of `fund report` (zh and en) with the queued subsidies of a city that ran short, and
//! its CSV; other people get the refusal of every officer page. A platform's portal shows the
//! month's bill with its contract share and offers its own tax statement as PDF and CSV; the
//! worker sees the platform's share as a line of its own, out of what they pay; reading them
//! writes nothing.
//!
//! `cargo test -p flexpension-server --test fund_page` (FLEXPENSION_SKIP_PG=1 skips the
//! PostgreSQL half).

#[path = "platform/harness.rs"]
mod harness;

use flexpension_rules::money::yuan_grouped;
use flexpension_rules::{Params, YearMonth};
use flexpension_server::people::add_person;
use flexpension_store::people::Scope;
use flexpension_store::{Basis, CloseOptions, NewContract, NewEnrolment, NewGrid, Scheme, WorkerId};
use harness::{Server, csv};

const PASSWORD: &str = "correct horse 42";

// The case on each backend.
mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn the_fund_and_the_bill_on_the_consoles() {
        run(Kind::Sqlite, super::the_fund_and_the_bill_on_the_consoles);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn the_fund_and_the_bill_on_the_consoles() {
        run(Kind::Postgres, super::the_fund_and_the_bill_on_the_consoles);
    }
}

fn ym(s: &str) -> YearMonth {
    s.parse().expect("month")
}

/// September 2025: four workers earn 3000 yuan on A (under the paper's 5000 yuan: each asks a
/// subsidy), A's collective contract pays 30%, city g1 has 100 yuan for the year (short), g2
/// 500 yuan; the month is closed under the paper's policy and A pays its bill.
fn setup(s: &Server) -> [String; 4] {
    let t = "2025-09-10T12:00:00+08:00";
    let orders: Vec<String> = (0..s.ids.len()).map(|i| format!("o{i}")).collect();
    let rows: Vec<[&str; 6]> =
        s.ids.iter().zip(&orders).map(|(w, o)| [o.as_str(), w.as_str(), "3000.00", t, "ride_hailing", "g1"]).collect();
    assert_eq!(s.csv(&s.key_a, &csv(&rows)).status, 200);
    let params = Params::embedded().expect("params");
    s.block_on(async {
        let st = &s.store;
        for i in 1..=s.ids.len() as i64 {
            let e = NewEnrolment {
                worker: WorkerId(i),
                scheme: Scheme::EmployeePension,
                from: ym("2025-09"),
                to: None,
                basis: Basis::PlatformIncome,
            };
            st.enrol(&e).await.expect("enrol");
        }
        let c = NewContract {
            platform: s.a.id,
            union_name: "市总工会".into(),
            share_bp: 3000,
            from: ym("2025-01"),
            to: None,
            min_base_fen: None,
            supplementary: None,
        };
        let c = st.file_contract(&c).await.expect("contract");
        st.decide_contract(c.id, true, None).await.expect("approve");
        st.fund_appropriate("zj", 2025, Some("g1"), 10_000).await.expect("g1");
        st.fund_appropriate("zj", 2025, Some("g2"), 50_000).await.expect("g2");
        // Two cities the region's list names: by grid prefix (hz) and by GB/T 2260 code (3303).
        for code in ["hz-xh-001", "3303-lc-001"] {
            st.add_grid(&NewGrid { code: code.into(), name: code.into(), region: "zj".into() }).await.expect("grid");
        }
        st.fund_appropriate("zj", 2025, Some("hz"), 20_000).await.expect("hz");
        st.fund_appropriate("zj", 2025, Some("3303"), 30_000).await.expect("3303");
        let paper = params.scenario("zj", Some("paper"), None).expect("paper");
        st.close_month(&paper, ym("2025-09"), &CloseOptions::new(ym("2025-12"))).await.expect("close");
        let bill = st.platform_bill(s.a.id, ym("2025-09")).await.expect("bill");
        assert!(bill.contract_share_fen > 0, "{bill:?}");
        st.platform_pay(s.a.id, bill.total_fen, "BANK-1").await.expect("pay");
        for (login, scope) in [
            ("officer.zj", Scope::Region("zj".into())),
            ("staff.a", Scope::Platform(s.a.id)),
            ("staff.b", Scope::Platform(s.b.id)),
            ("13800000000", Scope::Worker(WorkerId(1))),
        ] {
            add_person(st, login, PASSWORD, &scope).await.expect("person");
        }
    });
    ["officer.zj", "staff.a", "staff.b", "13800000000"].map(|l| s.login(l, PASSWORD))
}

fn text_of(body: &str, id: &str) -> String {
    body.split(&format!("id=\"{id}\">")).nth(1).and_then(|r| r.split('<').next()).unwrap_or_default().to_string()
}

fn the_fund_and_the_bill_on_the_consoles(s: &Server) {
    let [officer, staff_a, staff_b, worker] = setup(s);
    let get = |path: &str, cookie: &str| s.send("GET", path, &[("cookie", cookie)], "");
    let checkpoint = || s.block_on(s.store.log_checkpoint()).expect("checkpoint");
    let before = checkpoint();

    // The officer: the report's figures, the queue of the city that ran short.
    let r = s.block_on(s.store.fund_report("zj", Some(2025))).expect("report");
    assert!(r.queued_fen > 0 && r.cities["g1"].balance_fen == 0, "{r:#?}");
    let home = get("/officer", &officer);
    assert!(home.body.contains("id=\"to-fund\"") && home.body.contains("href=\"/officer/fund?lang=zh\""), "{}", home.body);
    let page = get("/officer/fund", &officer);
    assert_eq!(page.status, 200, "{}", page.body);
    for (id, fen) in [
        ("fund-appropriated", r.appropriated_fen),
        ("fund-committed", r.committed_fen),
        ("fund-paid", r.paid_fen),
        ("fund-balance", r.balance_fen),
        ("fund-queued", r.queued_fen),
    ] {
        assert_eq!(text_of(&page.body, id), yuan_grouped(fen), "{id}");
    }
    assert!(
        page.body.contains("专项基金") && page.body.contains("id=\"fund-chart-title\"") && page.body.contains("id=\"fund-shortfalls\"")
    );
    assert!(page.body.contains("id=\"city-g1\"") && page.body.contains("id=\"city-g2\"") && page.body.contains("排队"), "{}", page.body);
    // Cities the parameters know by name (GB/T 2260), their keys beside; others by key alone.
    let row = |body: &str, id: &str| {
        body.split(&format!("<tr id=\"{id}\">")).nth(1).and_then(|r| r.split("</th>").next()).unwrap_or("").to_string()
    };
    assert!(
        row(&page.body, "city-hz").contains("杭州市") && row(&page.body, "city-hz").contains("<small translate=\"no\">hz</small>"),
        "{}",
        page.body
    );
    assert!(row(&page.body, "city-3303").contains("温州市"), "{}", page.body);
    assert!(row(&page.body, "city-g1").contains("translate=\"no\">g1"), "{}", page.body);
    let en = get("/officer/fund?year=2025&lang=en", &officer);
    assert!(
        row(&en.body, "city-hz").contains("Hangzhou") && row(&en.body, "city-3303").contains("Wenzhou") && !en.body.contains("杭州市"),
        "{}",
        en.body
    );
    assert!(
        en.body.contains("Provincial special fund") && en.body.contains("Queued") && en.body.contains("waits in a queue"),
        "{}",
        en.body
    );
    let empty = get("/officer/fund?year=2024", &officer);
    assert!(empty.status == 200 && empty.body.contains("id=\"fund-none\""), "{}", empty.body);
    assert_eq!(get("/officer/fund?year=abc", &officer).status, 400);
    assert_eq!(get("/officer/fund?year=1999", &officer).status, 400);

    let c = get("/officer/fund.csv?year=2025", &officer);
    assert_eq!(c.status, 200);
    assert!(c.header("content-type").is_some_and(|t| t.starts_with("text/csv")));
    let lines: Vec<&str> = c.body.lines().collect();
    assert!(lines[0].starts_with("year,month,city,workers,appropriated_fen,"), "{}", c.body);
    let g1 = lines.iter().find(|l| l.starts_with("2025,,g1,")).expect("g1's year");
    assert!(g1.contains(&format!(",{},", r.cities["g1"].appropriated_fen)), "{g1}");
    // The city's name is the last column, after the columns that were there before (a contract).
    assert!(lines[0].ends_with(",queued_fen,prorated_fen,city_name"), "{}", lines[0]);
    assert!(lines.iter().all(|l| l.split(',').count() == 13), "{}", c.body);
    assert!(g1.ends_with(','), "no name for g1: {g1}");
    assert!(lines.iter().any(|l| l.starts_with("2025,,hz,,20000,") && l.ends_with(",杭州市")), "{}", c.body);
    assert!(lines.iter().any(|l| l.starts_with("2025,,3303,") && l.ends_with(",温州市")), "{}", c.body);
    let c_en = get("/officer/fund.csv?year=2025&lang=en", &officer);
    assert!(c_en.body.lines().any(|l| l.starts_with("2025,,hz,") && l.ends_with(",Hangzhou")), "{}", c_en.body);
    assert!(lines.iter().any(|l| l.starts_with("2025,2025-09,g1,4,")), "{}", c.body);

    // The worker: what the platform pays under the contract is its own line, not in "you pay".
    let st = s.block_on(s.store.worker_statement(WorkerId(1), 3)).expect("statement");
    let m = st.months.last().expect("september");
    assert!(m.platform_fen > 0 && m.platform_fen < m.net_fen, "{m:?}");
    let me = get("/me", &worker);
    assert_eq!(text_of(&me.body, "pay").trim(), yuan_grouped(m.net_fen - m.platform_fen), "{}", me.body);
    let line = format!("平台按集体合同替你付（元）</th><td>{}</td>", yuan_grouped(m.platform_fen));
    assert!(me.body.contains(&line), "{}", me.body);
    let me_en = get("/me?lang=en", &worker);
    assert!(me_en.body.contains("Your platform pays, by its collective contract"), "{}", me_en.body);

    // Everyone else: the refusal of the other officer pages.
    for path in ["/officer/fund", "/officer/fund.csv"] {
        for cookie in [&staff_a, &worker, &String::new()] {
            let (mine, theirs) = (get(path, cookie), get("/officer/alerts", cookie));
            assert_eq!((mine.status, &mine.body), (theirs.status, &theirs.body), "{path} {cookie}");
            assert!([401, 403].contains(&mine.status));
        }
    }

    // The platform: the month's bill and its statements.
    let top = get("/platform", &staff_a);
    assert_eq!(top.status, 200, "{}", top.body);
    let bill = s.block_on(s.store.platform_bill(s.a.id, ym("2025-09"))).expect("bill");
    assert_eq!(text_of(&top.body, "bill-contract").trim(), yuan_grouped(bill.contract_share_fen));
    assert_eq!(text_of(&top.body, "bill-paid").trim(), yuan_grouped(bill.total_fen), "paid in full");
    assert!(top.body.contains(&yuan_grouped(bill.total_fen)) && top.body.contains("市总工会"), "{}", top.body);
    assert!(top.body.contains("href=\"/platform/statement/2025.pdf?lang=zh\"") && top.body.contains("/platform/statement/2025.csv"));
    let pdf = get("/platform/statement/2025.pdf", &staff_a);
    assert_eq!(pdf.status, 200);
    assert!(pdf.bytes.starts_with(b"%PDF") && pdf.header("content-type") == Some("application/pdf"));
    let sc = get("/platform/statement/2025.csv?lang=en", &staff_a);
    assert!(sc.body.starts_with(flexpension_server::statement::CSV_HEADER), "{}", sc.body);
    let paid = s.block_on(s.store.platform_contributions_paid(s.a.id, 2025)).expect("paid");
    assert!(
        paid > 0 && sc.body.contains(&format!(",{paid},")) && sc.body.contains(&s.a.name) && sc.body.contains("not yet law"),
        "{}",
        sc.body
    );
    // B's own statement: none of A's.
    let sb = get("/platform/statement/2025.csv", &staff_b);
    assert!(sb.body.contains(&s.b.name) && !sb.body.contains(&s.a.name), "{}", sb.body);
    for bad in ["/platform/statement/2025.txt", "/platform/statement/1999.pdf", "/platform/statement/x.csv"] {
        assert_eq!(get(bad, &staff_a).status, 404, "{bad}");
    }
    for cookie in [&officer, &worker] {
        assert_eq!(get("/platform/statement/2025.pdf", cookie).status, 403);
    }
    assert_eq!(get("/platform/statement/2025.pdf", "").status, 401);
    assert_eq!(checkpoint(), before, "reading the pages wrote to the log");
}
