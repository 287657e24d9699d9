//! Outreach notices over HTTP on both backends: the day's notices planned after a run (the
//! holdout recorded, the text filled with the worker's own figures from the calculator, a rerun
//! adding nothing); the worker reads theirs on `/me` (GET marks nothing, the POST does) and
//! takes the quiz; each platform pulls only its own workers' notices (masked) and reports
//! delivery once per report id; the officer's page shows awareness and the uplift.

#[path = "platform/harness.rs"]
mod harness;

use chrono::{Duration, Utc};
use flexpension_rules::{Params, YearMonth};
use flexpension_server::people::add_person;
use flexpension_server::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER, sign};
use flexpension_store::people::Scope;
use flexpension_store::{OutreachRun, OutreachScore, WorkerId};
use harness::{Kind, Reply, Server, csv, hidden};

const PASSWORD: &str = "correct horse 42";
const WORKERS: u32 = 12;

fn reports(s: &Server, key: &str, body: &str, ts: &str) -> Reply {
    let auth = format!("Bearer {key}");
    let sig = sign(key, ts, body.as_bytes());
    s.send(
        "POST",
        "/api/v1/platform/notices/reports",
        &[("authorization", &auth), ("content-type", "application/json"), (TIMESTAMP_HEADER, ts), (SIGNATURE_HEADER, &sig)],
        body.as_bytes(),
    )
}

fn pull(s: &Server, key: &str) -> serde_json::Value {
    let r = s.send("GET", "/api/v1/platform/notices", &[("x-api-key", key)], "");
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

fn case(kind: Kind) {
    let Some(s) = Server::start(kind, WORKERS) else { return };
    // Even workers earn 3800 yuan on A in September, odd ones on B.
    let rows: Vec<[String; 6]> = s
        .ids
        .iter()
        .enumerate()
        .map(|(k, id)| {
            [format!("o{k}"), id.clone(), "3800.00".into(), "2025-09-10T14:00:00+08:00".into(), "instant_delivery".into(), "g1".into()]
        })
        .collect();
    let on = |even: bool| -> String {
        let part: Vec<[&str; 6]> = rows
            .iter()
            .enumerate()
            .filter(|(k, _)| (k % 2 == 0) == even)
            .map(|(_, r)| [&*r[0], &*r[1], &*r[2], &*r[3], &*r[4], &*r[5]])
            .collect();
        csv(&part)
    };
    assert_eq!(s.csv(&s.key_a, &on(true)).status, 200);
    assert_eq!(s.csv(&s.key_b, &on(false)).status, 200);
    let params = Params::embedded().expect("params");
    let month: YearMonth = "2025-09".parse().expect("month");
    let scores: Vec<OutreachScore> = (1..=WORKERS as i64)
        .map(|w| OutreachScore {
            worker_id: w,
            p_ppm: 400_000,
            product: "employee_pension".into(),
            base_fen: Some(380_000),
            reasons: "income_yuan+3800,age+35,months_active+1".into(),
            enrolled: false,
        })
        .collect();
    let run =
        OutreachRun { month: "2025-09".into(), model: "{}".into(), trained_on: "test".into(), auc_ppm: 700_000, workers: WORKERS as i64 };
    s.block_on(s.store.outreach_keep(month, &run, &scores)).expect("keep");
    // Planned as of noon (Beijing) eight or nine days ago, so every notice is due by now and the
    // rerun two hours later falls on the same day whatever the hour the test runs.
    let then = (Utc::now() - Duration::days(9)).date_naive().and_hms_opt(4, 0, 0).expect("04:00 UTC").and_utc();
    let d = s.block_on(flexpension_server::notices::schedule(&s.store, &params, "zj", then)).expect("schedule");
    assert_eq!(d.notices + d.holdout + d.no_room, WORKERS as usize, "{d:?}");
    assert_eq!(d.added, WORKERS as usize);
    assert!(d.notices >= 2 && d.holdout >= 1, "both arms: {d:?}");
    let again = s.block_on(flexpension_server::notices::schedule(&s.store, &params, "zj", then + Duration::hours(2))).expect("again");
    assert_eq!(again.added, 0, "a rerun the same day adds nothing");

    // The figures are the calculator's: the paper's policy at a 3800-yuan base.
    let (paper, _) = params.scenario("zj", Some("paper"), None).expect("paper").month_rules(month).expect("rules");
    let c = flexpension_rules::contribution::compute(&paper, 380_000, Some(380_000));
    let pays = flexpension_outreach::plan::whole_yuan(c.net_fen);
    let now_us = Utc::now().timestamp_micros();
    let mut treated: Vec<(i64, i64)> = Vec::new();
    for w in 1..=WORKERS as i64 {
        let n = s.block_on(s.store.worker_notices(WorkerId(w), now_us)).expect("notices");
        if let Some(n) = n.first() {
            assert_eq!(n.card.as_deref(), Some("cheaper_now"));
            assert_eq!(
                n.figures,
                format!("income=3800;pays={pays};subsidy={};months=1;min_years=20", flexpension_outreach::plan::whole_yuan(c.subsidy_fen)),
                "{n:?}"
            );
            treated.push((w, n.id));
        }
    }
    assert_eq!(treated.len(), d.notices);

    // The worker's inbox: the notice in plain words, zh and en; GET marks nothing.
    let (w, id) = treated[0];
    s.block_on(add_person(&s.store, "worker.n", PASSWORD, &Scope::Worker(WorkerId(w)))).expect("worker");
    let (other, _) = treated[1];
    s.block_on(add_person(&s.store, "worker.o", PASSWORD, &Scope::Worker(WorkerId(other)))).expect("other");
    s.block_on(add_person(&s.store, "officer.zj", PASSWORD, &Scope::Region("zj".into()))).expect("officer");
    let cookie = s.login("worker.n", PASSWORD);
    let me = s.send("GET", "/me?lang=zh", &[("cookie", &cookie)], "");
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(me.body.contains(&format!("按新办法，每月只要交{pays}元")) && me.body.contains("1条未读"), "{}", me.body);
    let en = s.send("GET", "/me?lang=en", &[("cookie", &cookie)], "");
    assert!(en.body.contains(&format!("Under the new plan you pay only {pays} yuan a month")), "{}", en.body);
    assert!(s.block_on(s.store.worker_notices(WorkerId(w), now_us)).expect("n")[0].read_at_us.is_none(), "GET never writes");
    let csrf = hidden(&me.body, "csrf");
    let form = |csrf: &str| format!("csrf={csrf}&lang=zh");
    let ct = ("content-type", "application/x-www-form-urlencoded");
    let path = format!("/me/notices/{id}/read");
    assert_eq!(s.send("POST", &path, &[("cookie", &cookie), ct], form("stale")).status, 403);
    let read = s.send("POST", &path, &[("cookie", &cookie), ct], form(&csrf));
    assert_eq!(read.status, 303, "{}", read.body);
    assert!(s.block_on(s.store.worker_notices(WorkerId(w), now_us)).expect("n")[0].read_at_us.is_some());
    let o = s.login("worker.o", PASSWORD);
    let o_csrf = hidden(&s.send("GET", "/me", &[("cookie", &o)], "").body, "csrf");
    assert_eq!(s.send("POST", &path, &[("cookie", &o), ct], form(&o_csrf)).status, 404, "not another worker's notice");

    // The quiz: five answers, all right; a made-up question is refused and keeps nothing.
    let lib = flexpension_outreach::card::Library::embedded().expect("cards");
    let answers: String = lib.quiz.iter().map(|q| format!("&{}={}", q.id, q.answer)).collect();
    assert_eq!(s.send("POST", "/me/quiz", &[("cookie", &o), ct], format!("csrf={o_csrf}&lang=zh&nope=1")).status, 422);
    assert_eq!(s.send("POST", "/me/quiz", &[("cookie", &cookie), ct], format!("csrf={csrf}&lang=zh{answers}")).status, 303);
    let wrong: String = lib.quiz.iter().map(|q| format!("&{}={}", q.id, (q.answer + 1) % q.options_zh.len())).collect();
    assert_eq!(s.send("POST", "/me/quiz", &[("cookie", &o), ct], format!("csrf={o_csrf}&lang=zh{wrong}")).status, 303);
    let me = s.send("GET", "/me?lang=zh", &[("cookie", &cookie)], "");
    assert!(me.body.contains("你答对了5道，一共5道。") && me.body.contains("checked"), "{}", me.body);

    // Platforms pull only their own workers' notices, masked.
    let a = pull(&s, &s.key_a);
    let b = pull(&s, &s.key_b);
    let ids = |v: &serde_json::Value| -> Vec<i64> {
        v["notices"].as_array().expect("notices").iter().map(|n| n["id"].as_i64().expect("id")).collect()
    };
    let (ia, ib) = (ids(&a), ids(&b));
    assert_eq!(ia.len() + ib.len(), treated.len(), "{a} {b}");
    assert!(ia.iter().all(|i| !ib.contains(i)), "no notice to both");
    for (wk, nid) in &treated {
        let mine = if (wk - 1) % 2 == 0 { &ia } else { &ib };
        assert!(mine.contains(nid), "worker {wk}'s notice goes to the platform they earn on");
    }
    for id_number in &s.ids {
        assert!(!a.to_string().contains(id_number.as_str()) && !b.to_string().contains(id_number.as_str()), "no ID number in clear");
    }
    assert!(a["notices"][0]["worker"].as_str().expect("worker").contains('*'));
    // The worker's own figures (income from every platform) stay on their page.
    let zh = a["notices"][0]["text_zh"].as_str().expect("zh");
    assert!(zh.contains("我的养老保险") && !zh.contains(&pays) && !zh.contains("3800"), "{zh}");
    assert!(a["notices"][0]["text_en"].as_str().expect("en").contains("My pension insurance"));

    // Reports: once per report id; a replayed signed request refused; another platform's notice not found.
    let na = ia[0];
    let body = format!(r#"{{"reports":[{{"report_id":"r1","notice_id":{na},"event":"delivered","at":"{}"}}]}}"#, Utc::now().to_rfc3339());
    let ts = Utc::now().timestamp().to_string();
    let first = reports(&s, &s.key_a, &body, &ts);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!((first.json()["kept"].as_i64(), first.json()["replayed"].as_i64()), (Some(1), Some(0)));
    assert_eq!(reports(&s, &s.key_a, &body, &ts).status, 409, "the same signed request again");
    let ts2 = (Utc::now().timestamp() + 1).to_string();
    let replay = reports(&s, &s.key_a, &body, &ts2);
    assert_eq!((replay.status, replay.json()["kept"].as_i64(), replay.json()["replayed"].as_i64()), (200, Some(0), Some(1)));
    let ts3 = (Utc::now().timestamp() + 2).to_string();
    assert_eq!(reports(&s, &s.key_b, &body, &ts3).status, 404, "B cannot report A's worker's notice");
    assert!(!ids(&pull(&s, &s.key_a)).contains(&na), "delivered: not pulled again");
    let bad = r#"{"reports":[{"report_id":"r2","notice_id":1,"event":"delivered","at":"yesterday"}]}"#;
    assert_eq!(reports(&s, &s.key_a, bad, &(Utc::now().timestamp() + 3).to_string()).status, 422);

    // The officer's page: awareness 1 of 2, and the uplift figure.
    let off = s.login("officer.zj", PASSWORD);
    let page = s.send("GET", "/officer/outreach?lang=en", &[("cookie", &off)], "");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("50.0% (1 of 2 workers)") && page.body.contains("95% confidence interval"), "{}", page.body);
}

#[test]
fn notices_over_http_sqlite() {
    case(Kind::Sqlite);
}

#[test]
fn notices_over_http_postgres() {
    case(Kind::Postgres);
}
