//! Signing in on the terminal: the ID number on the keypad, a texted one-time code, a session.

use super::*;

async fn keys(s: &AppState) -> Option<&LoginKeys> {
    s.store()?;
    s.login_keys().await.map_err(|e| store_failed(&e)).ok()
}

/// Who a sign-in screen is drawn for: the request's language and headers, the store's keys.
struct Screen<'a> {
    s: &'a AppState,
    keys: &'a LoginKeys,
    lang: Option<&'a str>,
    headers: &'a HeaderMap,
}

impl Screen<'_> {
    /// The ID number's page with a fresh form token in its cookie.
    fn id_page(&self, status: StatusCode, entry: &str, problem: &str) -> Response {
        let idle = rules(self.s).map_or(120, |r| r.idle_seconds);
        let k = Kiosk::new(self.lang, "kiosk.signin_title", "/kiosk/sign-in", "", idle);
        let problem = if problem.is_empty() { String::new() } else { k.base.lang.t(problem).to_string() };
        let pad = Pad { entry: entry.to_string(), max: ID_LEN, x: true, label_key: "kiosk.signin_ask_id" };
        self.with_token(status, |form_token| SignInPage { k, pad, form_token, problem })
    }

    /// The code's page (after a code was asked for); `dead`: it cannot be tried any more.
    fn code_page(&self, status: StatusCode, entry: &str, problem: String, dead: bool) -> Response {
        let r = rules(self.s);
        let idle = r.as_ref().map_or(120, |r| r.idle_seconds);
        let minutes = r.as_ref().map_or(5, |r| r.code_ttl_seconds.div_ceil(60));
        let k = Kiosk::new(self.lang, "kiosk.signin_title", "/kiosk/sign-in", "", idle);
        let sent = k.base.lang.f("kiosk.sent_body", &[("minutes", &minutes.to_string())]);
        let pad = Pad { entry: entry.to_string(), max: CODE_LEN, x: false, label_key: "kiosk.code_ask" };
        self.with_token(status, |form_token| CodePage { k, pad, form_token, sent, problem, dead })
    }

    /// A sign-in screen carrying a fresh form token, which its cookie repeats (a signed double submit).
    fn with_token<T: Template>(&self, status: StatusCode, page: impl FnOnce(String) -> T) -> Response {
        let token = self.keys.form_token(self.s.now()).unwrap_or_default();
        let mut res = render(status, page(token.clone()).render());
        set_cookie(&mut res, format!("{FORM_COOKIE}={token}; Path=/kiosk; HttpOnly; SameSite=Strict{}", secure(self.headers)));
        res
    }
}

pub async fn sign_in(State(s): State<AppState>, headers: HeaderMap, q: Query<LangQuery>) -> Response {
    let Some(keys) = keys(&s).await else { return trouble(q.lang.as_deref(), StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    Screen { s: &s, keys, lang: q.lang.as_deref(), headers: &headers }.id_page(StatusCode::OK, "", "")
}

/// A 6-digit code from the OS CSPRNG, without modulo bias.
fn new_code() -> Option<String> {
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).ok()?;
        let v = u32::from_be_bytes(b);
        // The largest multiple of a million under 2^32: above it, draw again.
        if v < 4_294_000_000 {
            return Some(format!("{:06}", v % 1_000_000));
        }
    }
}

fn new_ticket() -> Option<String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).ok()?;
    Some(hex(&b))
}

fn code_hash(keys: &LoginKeys, ticket: &str, code: &str) -> [u8; 32] {
    keys.counter("kiosk-code", format!("{ticket}.{code}").as_bytes())
}

fn ticket_hash(keys: &LoginKeys, ticket: &str) -> [u8; 32] {
    keys.counter("kiosk-ticket", ticket.as_bytes())
}

/// Count a send under both limits; the minutes to wait when one is full.
async fn send_allowed(
    store: &Store,
    keys: &LoginKeys,
    r: &KioskRules,
    addr: &str,
    id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<i64>, StoreError> {
    let wait = |c: &flexpension_store::people::Claim| ((c.window_end - now).num_seconds().max(1) + 59) / 60;
    let source = keys.counter("kiosk-send-source", addr.as_bytes());
    let c = store.throttle_claim(&source, now, SEND_WINDOW).await?;
    if c.attempts > i64::from(r.code_sends_per_client_hour) {
        return Ok(Some(wait(&c)));
    }
    let c = store.throttle_claim(&keys.counter("kiosk-send-id", id.as_bytes()), now, SEND_WINDOW).await?;
    if c.attempts > i64::from(r.code_sends_per_hour) {
        // Nothing is sent: the terminal keeps its place.
        store.throttle_release(&source).await?;
        return Ok(Some(wait(&c)));
    }
    Ok(None)
}

/// A key on the ID number's keypad, or "send me a code".
pub async fn code(State(s): State<AppState>, ClientAddr(addr): ClientAddr, headers: HeaderMap, Form(f): Form<PadForm>) -> Response {
    let lang = Some(f.lang.as_str());
    let Some(store) = s.store() else { return Denied::NoStore.into_response() };
    let Some(keys) = keys(&s).await else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    let screen = Screen { s: &s, keys, lang, headers: &headers };
    let entry = press(&f.entry, f.key.as_deref(), ID_LEN, true);
    if f.key.is_some() {
        return screen.id_page(StatusCode::OK, &entry, "");
    }
    let now = s.now();
    if !keys.form_token_ok(cookie(&headers, FORM_COOKIE).unwrap_or(""), f.csrf.trim(), now) {
        return screen.id_page(StatusCode::FORBIDDEN, "", "kiosk.err_form_expired");
    }
    // A wrong check digit is the typist's slip: said at once, nothing counted.
    if flexpension_rules::checkdigit::resident_id(&entry).is_err() {
        return screen.id_page(StatusCode::UNPROCESSABLE_ENTITY, &entry, "kiosk.err_id");
    }
    let Some(r) = rules(&s) else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    match send_allowed(store, keys, &r, &throttle::source_text(addr), &entry, now).await {
        Ok(None) => {}
        Ok(Some(minutes)) => {
            tracing::info!("kiosk: a code refused, too many asked for");
            let l = Lang::parse(lang);
            let k = Kiosk::new(lang, "kiosk.signin_title", "/kiosk/sign-in", "", r.idle_seconds);
            let page = SignInPage {
                k,
                pad: Pad { entry: String::new(), max: ID_LEN, x: true, label_key: "kiosk.signin_ask_id" },
                form_token: String::new(),
                problem: l.f("kiosk.err_too_many_sends", &[("minutes", &minutes.to_string())]),
            };
            let mut res = render(StatusCode::TOO_MANY_REQUESTS, page.render());
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(minutes * 60));
            return res;
        }
        Err(e) => {
            store_failed(&e);
            return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
    }
    // Known or not, the same steps: a ticket and a code are made and kept; only a registered
    // worker with an account gets the text.
    let worker = match store.find_worker(&entry).await {
        Ok(Some(w)) => match store.kiosk_person(w.id).await {
            Ok(Some(_)) => Some(w.id),
            Ok(None) => None,
            Err(e) => {
                store_failed(&e);
                return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
            }
        },
        Ok(None) => None,
        Err(e) => {
            store_failed(&e);
            return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
    };
    let (Some(ticket), Some(code)) = (new_ticket(), new_code()) else {
        tracing::error!("kiosk: no OS randomness");
        return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
    };
    let minutes = r.code_ttl_seconds.div_ceil(60).to_string();
    let text = Lang::parse(lang).f("kiosk.sms_text", &[("code", &code), ("minutes", &minutes)]);
    let ttl = TimeDelta::seconds(i64::from(r.code_ttl_seconds));
    if let Err(e) = store.kiosk_code_issue(&ticket_hash(keys, &ticket), worker, &code_hash(keys, &ticket, &code), ttl, &text).await {
        store_failed(&e);
        return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
    }
    if let Err(e) = crate::sms::deliver(&s, store).await {
        tracing::error!(error = %e, "kiosk: a text could not be handed over");
    }
    tracing::info!("kiosk: a code asked for");
    let mut res = screen.code_page(StatusCode::OK, "", String::new(), false);
    set_cookie(
        &mut res,
        format!("{TICKET_COOKIE}={ticket}; Path=/kiosk; HttpOnly; SameSite=Strict; Max-Age={}{}", r.code_ttl_seconds, secure(&headers)),
    );
    res
}

/// A key on the code's keypad, or a try at the code.
pub async fn verify(State(s): State<AppState>, headers: HeaderMap, Form(f): Form<PadForm>) -> Response {
    let lang = Some(f.lang.as_str());
    let l = Lang::parse(lang);
    let Some(store) = s.store() else { return Denied::NoStore.into_response() };
    let Some(keys) = keys(&s).await else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    let screen = Screen { s: &s, keys, lang, headers: &headers };
    let entry = press(&f.entry, f.key.as_deref(), CODE_LEN, false);
    if f.key.is_some() {
        return screen.code_page(StatusCode::OK, &entry, String::new(), false);
    }
    let now = s.now();
    if !keys.form_token_ok(cookie(&headers, FORM_COOKIE).unwrap_or(""), f.csrf.trim(), now) {
        return screen.id_page(StatusCode::FORBIDDEN, "", "kiosk.err_form_expired");
    }
    let Some(r) = rules(&s) else { return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later") };
    let ticket = cookie(&headers, TICKET_COOKIE).filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())).unwrap_or("");
    let check = if ticket.is_empty() {
        Ok(CodeCheck::Expired)
    } else {
        store.kiosk_code_check(&ticket_hash(keys, ticket), &code_hash(keys, ticket, &entry), r.code_attempts).await
    };
    let worker = match check {
        Ok(CodeCheck::Good(w)) => w,
        Ok(CodeCheck::Wrong { left }) if left > 0 => {
            tracing::info!("kiosk: a wrong code");
            let p = l.f("kiosk.err_code_wrong", &[("left", &left.to_string())]);
            return screen.code_page(StatusCode::UNAUTHORIZED, "", p, false);
        }
        Ok(CodeCheck::Wrong { .. } | CodeCheck::NoTriesLeft) => {
            tracing::info!("kiosk: a code's tries are spent");
            return screen.code_page(StatusCode::TOO_MANY_REQUESTS, "", l.t("kiosk.err_code_spent").to_string(), true);
        }
        Ok(CodeCheck::Expired) => {
            return screen.code_page(StatusCode::GONE, "", l.t("kiosk.err_code_expired").to_string(), true);
        }
        Err(e) => {
            store_failed(&e);
            return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
    };
    let person = match store.kiosk_person(worker).await {
        Ok(Some(p)) => p,
        Ok(None) => return screen.code_page(StatusCode::GONE, "", l.t("kiosk.err_code_expired").to_string(), true),
        Err(e) => {
            store_failed(&e);
            return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
        }
    };
    let Ok(session) = store.open_session(person, now, TimeDelta::seconds(i64::from(r.idle_seconds))).await else {
        return trouble(lang, StatusCode::SERVICE_UNAVAILABLE, "kiosk.err_try_later");
    };
    tracing::info!("kiosk: signed in");
    let mut res = see_other(format!("/kiosk/me{}", lang_suffix(&f.lang)));
    // No Max-Age: the browser forgets it when it closes; the server ends it after the idle time.
    set_cookie(&mut res, format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{}", session.token, secure(&headers)));
    set_cookie(&mut res, format!("{TICKET_COOKIE}=; Path=/kiosk; HttpOnly; SameSite=Strict; Max-Age=0{}", secure(&headers)));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..100 {
            let c = new_code().expect("code");
            assert!(c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()), "{c}");
        }
        assert_ne!(new_ticket(), new_ticket());
    }
}
