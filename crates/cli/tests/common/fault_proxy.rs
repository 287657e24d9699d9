//! A hostile network between two agencies: an HTTP proxy that, request by request, drops the
//! request, forwards it and loses the answer, forwards it and sends a copy again later (out of
//! order), delays it, or passes it on. Its upstream can be moved (a restarted server listens on
//! a new port). One request per connection: the copy sent upstream asks to close after it.

use flexpension_testkit::Rng;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The largest request the proxy reads (an agency message with its voucher is well under it).
const MAX_REQUEST: usize = 4 * 1024 * 1024;

/// What happened to the requests, by fault.
#[derive(Debug, Default)]
pub struct Counts {
    pub dropped: AtomicU64,
    pub answer_lost: AtomicU64,
    pub duplicated: AtomicU64,
    pub delayed: AtomicU64,
    pub passed: AtomicU64,
    pub upstream_down: AtomicU64,
}

pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`: give this to the other agency as the peer's address.
    pub url: String,
    upstream: Arc<Mutex<String>>,
    pub counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    /// A proxy in front of `upstream` (`http://host:port`), its faults drawn from `seed`.
    pub fn start(upstream: &str, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let upstream = Arc::new(Mutex::new(host_port(upstream)));
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (up, c, st) = (upstream.clone(), counts.clone(), stop.clone());
        thread::spawn(move || {
            let mut rng = Rng::new(seed);
            for conn in listener.incoming() {
                if st.load(Ordering::Relaxed) {
                    return;
                }
                let Ok(conn) = conn else { continue };
                let (up, c, roll, wait) = (up.clone(), c.clone(), rng.below(100), rng.below(500));
                thread::spawn(move || handle(conn, &up, &c, roll, wait));
            }
        });
        FaultProxy { url, upstream, counts, stop }
    }

    /// Send what comes next to `upstream` (a restarted server).
    pub fn move_to(&self, upstream: &str) {
        *self.upstream.lock().expect("upstream") = host_port(upstream);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the stop.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

fn host_port(url: &str) -> String {
    url.trim_start_matches("http://").trim_end_matches('/').to_string()
}

/// One connection: `roll` (0-99) picks the fault, `wait` (0-499) its delay in milliseconds.
fn handle(mut client: TcpStream, upstream: &Mutex<String>, c: &Counts, roll: u64, wait: u64) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(request) = read_request(&mut client) else { return };
    let to = upstream.lock().map(|u| u.clone()).unwrap_or_default();
    match roll {
        0..8 => {
            c.dropped.fetch_add(1, Ordering::Relaxed);
        }
        8..16 => {
            let _ = forward(&to, &request);
            c.answer_lost.fetch_add(1, Ordering::Relaxed);
        }
        16..24 => {
            answer(&mut client, forward(&to, &request), c);
            c.duplicated.fetch_add(1, Ordering::Relaxed);
            thread::sleep(Duration::from_millis(100 + wait));
            let _ = forward(&to, &request);
        }
        24..34 => {
            thread::sleep(Duration::from_millis(wait / 8));
            c.delayed.fetch_add(1, Ordering::Relaxed);
            answer(&mut client, forward(&to, &request), c);
        }
        _ => {
            c.passed.fetch_add(1, Ordering::Relaxed);
            answer(&mut client, forward(&to, &request), c);
        }
    }
    let _ = client.shutdown(Shutdown::Both);
}

fn answer(client: &mut TcpStream, response: Option<Vec<u8>>, c: &Counts) {
    match response {
        Some(r) => {
            let _ = client.write_all(&r);
        }
        None => {
            c.upstream_down.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The request's head (its `Connection` header replaced by `close`) and body, or `None` when the
/// client sent something else.
fn read_request(client: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    let head_end = loop {
        let n = client.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_REQUEST {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-length")).map(|(_, v)| v.trim().to_string()))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_REQUEST {
        return None;
    }
    while buf.len() < head_end + length {
        let n = client.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let mut out: Vec<u8> = Vec::with_capacity(buf.len() + 20);
    for line in head.trim_end_matches("\r\n").split("\r\n") {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out.extend_from_slice(&buf[head_end..head_end + length]);
    Some(out)
}

/// Send `request` to `to` and read the whole answer; `None` when the server is not there.
fn forward(to: &str, request: &[u8]) -> Option<Vec<u8>> {
    let mut up = TcpStream::connect(to).ok()?;
    up.set_read_timeout(Some(Duration::from_secs(15))).ok()?;
    up.write_all(request).ok()?;
    let mut response = Vec::new();
    up.read_to_end(&mut response).ok()?;
    (!response.is_empty()).then_some(response)
}
