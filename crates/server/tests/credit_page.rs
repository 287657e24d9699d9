//! The public credit ratings, `/credit` and `/api/v1/credit`, on SQLite and PostgreSQL: empty
//! before the first run; after it, each platform's counts, share, grade and standing in zh and
//! en, the same figures as JSON, no worker named; reading writes nothing.
//!
//! `cargo test -p flexpension-server --test credit_page` (FLEXPENSION_SKIP_PG=1 skips the
//! PostgreSQL half).

#[path = "platform/harness.rs"]
mod harness;

use flexpension_rules::{Params, YearMonth};
use harness::{Server, csv, ok};

// Each case on each backend.
mod sqlite {
    use super::harness::{Kind, run};

    #[test]
    fn ratings_are_public_counts() {
        run(Kind::Sqlite, super::ratings_are_public_counts);
    }
}

mod postgres {
    use super::harness::{Kind, run};

    #[test]
    fn ratings_are_public_counts() {
        run(Kind::Postgres, super::ratings_are_public_counts);
    }
}

fn ratings_are_public_counts(s: &Server) {
    let empty = s.send("GET", "/credit", &[], "");
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("还没有评价结果") && !empty.body.contains("id=\"ratings\""), "{}", empty.body);
    assert_eq!(ok(&s.send("GET", "/api/v1/credit", &[], "")), serde_json::json!({"platforms": []}));

    // Platform A's four workers earn enough in September and none has a pension; B has none.
    let t = "2025-09-10T10:00:00+08:00";
    let orders: Vec<String> = (0..s.ids.len()).map(|i| format!("c{i}")).collect();
    let rows: Vec<[&str; 6]> = s.ids.iter().zip(&orders).map(|(w, o)| [o.as_str(), w.as_str(), "1500", t, "ride_hailing", "g1"]).collect();
    let v = ok(&s.csv(&s.key_a, &csv(&rows)));
    assert_eq!(v["accepted"].as_u64(), Some(4), "{v}");
    let params = Params::embedded().expect("params");
    let month: YearMonth = "2025-09".parse().expect("month");
    assert_eq!(s.block_on(s.store.credit_run(&params, month)).expect("credit run").changed, 2);

    let row = |body: &str, id: i64| -> String {
        body.split(&format!("data-platform=\"{id}\"")).nth(1).and_then(|r| r.split("</tr>").next()).expect("a platform's row").to_string()
    };
    let zh = s.send("GET", "/credit", &[], "");
    assert_eq!(zh.status, 200);
    let a = row(&zh.body, s.a.id.0);
    assert!(a.contains(&s.a.name) && a.contains("0 / 4") && a.contains("0.00%") && a.contains(">D<"), "{a}");
    assert!(a.contains("连续低于80%的年数：1"), "{a}");
    let b = row(&zh.body, s.b.id.0);
    assert!(b.contains("本月没有达到标准的劳动者") && b.contains("正常"), "{b}");
    assert!(zh.body.contains("2025-09") && zh.body.contains("1000元") && zh.body.contains("论文的建议"), "{}", zh.body);
    let en = s.send("GET", "/credit?lang=en", &[], "");
    assert!(en.body.contains("Insured share") && row(&en.body, s.a.id.0).contains("Years in a row under 80%: 1"), "{}", en.body);

    let api = ok(&s.send("GET", "/api/v1/credit", &[], ""));
    let a = api["platforms"].as_array().and_then(|p| p.iter().find(|x| x["platform_id"] == s.a.id.0)).cloned().expect("A in the API");
    assert_eq!(
        (a["active"].as_u64(), a["insured"].as_u64(), a["share_bp"].as_u64(), a["grade"].as_str()),
        (Some(4), Some(0), Some(0), Some("D"))
    );
    assert_eq!(a["sanctioned"], false);
    // Counts only: no resident ID, no name of a worker, on the page or in the data.
    for body in [&zh.body, &en.body, &api.to_string()] {
        assert!(s.ids.iter().all(|id| !body.contains(id.as_str())), "a resident ID is shown");
    }
    // The same month again changes nothing.
    assert_eq!(s.block_on(s.store.credit_run(&params, month)).expect("rerun").changed, 0);
    let breaches =
        |body: &str, id: i64| row(body, id).split("class=\"breaches\">").nth(1).and_then(|c| c.split('<').next()).map(str::to_string);
    assert_eq!(breaches(&zh.body, s.a.id.0).as_deref(), Some("0"));

    // A complaint against A left unanswered past its deadline: the month the deadline falls in
    // shows it beside A's grade, and the rule that counts it.
    let w = s.block_on(s.store.find_worker(&s.ids[0])).expect("find").expect("worker");
    let c = flexpension_store::NewComplaint {
        worker: w.id,
        platform: s.a.id,
        kind: flexpension_rules::complaint::Kind::UnpaidOrders,
        months: vec![month],
        text: "九月的单没有结算".into(),
        uploads: vec![],
    };
    let c = s.block_on(s.store.file_complaint(&params, &c)).expect("file");
    assert_eq!(s.block_on(s.store.complaint_sla(c.summary.due_at_us)).expect("sla").escalated, vec![c.summary.id]);
    let due: YearMonth = flexpension_store::rfc3339(c.summary.due_at_us)[..7].parse().expect("due month");
    s.block_on(s.store.credit_run(&params, due)).expect("run the deadline's month");
    let zh = s.send("GET", "/credit", &[], "");
    assert_eq!(breaches(&zh.body, s.a.id.0).as_deref(), Some("1"), "{}", zh.body);
    assert_eq!(breaches(&zh.body, s.b.id.0).as_deref(), Some("0"));
    assert!(zh.body.contains("超时未答复的投诉") && zh.body.contains("每1件使当月等级降一级"), "{}", zh.body);
    let en = s.send("GET", "/credit?lang=en", &[], "");
    assert!(en.body.contains("Complaints left unanswered") && en.body.contains("within 72 hours"), "{}", en.body);
    let api = ok(&s.send("GET", "/api/v1/credit", &[], ""));
    let a = api["platforms"].as_array().and_then(|p| p.iter().find(|x| x["platform_id"] == s.a.id.0)).cloned().expect("A in the API");
    assert_eq!((a["breaches"].as_u64(), a["breach_steps"].as_u64()), (Some(1), Some(0)), "{a}");
    for body in [&zh.body, &en.body, &api.to_string()] {
        assert!(s.ids.iter().all(|id| !body.contains(id.as_str())) && !body.contains("九月的单"), "personal data on the public page");
    }
}
