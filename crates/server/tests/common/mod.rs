//! Start the real server on 127.0.0.1:0 (through `serve`, as the CLI does) and talk HTTP to it.
#![allow(dead_code)]

pub mod routes;

use chrono::NaiveDate;
use flexpension_rules::Params;
use flexpension_server::AppState;
use std::sync::{Arc, OnceLock};

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One server per test binary, started on first use; its "today" is fixed so results do not
/// depend on the day the tests run.
pub fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let addr = listener.local_addr().expect("addr");
                let params = Arc::new(Params::embedded().expect("params"));
                let state = AppState::new(params).with_today(NaiveDate::from_ymd_opt(2025, 3, 15).expect("date"));
                tx.send(format!("http://{addr}")).expect("send");
                flexpension_server::serve(listener, state).await.expect("serve");
            });
        });
        rx.recv().expect("server started")
    })
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().new_agent()
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("HTTP request");
    let status = r.status().as_u16();
    let headers = r.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
    let body = r.body_mut().with_config().limit(10 << 20).read_to_string().expect("body");
    Reply { status, headers, body }
}

pub fn get(path: &str) -> Reply {
    reply(agent().get(format!("{}{path}", base())).call())
}

pub fn get_with(path: &str, header: (&str, &str)) -> Reply {
    reply(agent().get(format!("{}{path}", base())).header(header.0, header.1).call())
}

pub fn post(path: &str, content_type: &str, body: &str) -> Reply {
    reply(agent().post(format!("{}{path}", base())).header("content-type", content_type).send(body))
}

pub fn post_json(path: &str, body: &serde_json::Value) -> Reply {
    post(path, "application/json", &body.to_string())
}

pub fn request(method: &str, path: &str, body: &str) -> Reply {
    let req = ureq::http::Request::builder().method(method).uri(format!("{}{path}", base())).body(body.to_string()).expect("request");
    reply(agent().run(req))
}
