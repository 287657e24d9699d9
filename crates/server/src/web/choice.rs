//! The worker's own choices on the phone (`/me/choices`, the paper's 5.1-5.2): each insurance
//! type with its cost from the worker's recent income, joined or left on its own; the sustained
//! income test; the contribution base with its effect on today's contribution and on the
//! pension (estimated from the worker's own record); unpaid months and which may still be paid;
//! the pension savings account (declare, deposit, pay a month from it) with its taxes. GET only
//! reads; every change is a POST carrying the session's CSRF token, answered by a redirect (or
//! the page again with the refusal in plain words).

use crate::AppState;
use crate::guard::AsWorker;
use crate::web::people::{Base, denied_with, render};
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use flexpension_rules::contribution::compute;
use flexpension_rules::money::{parse_yuan, yuan_grouped};
use flexpension_rules::{Category, Fen, YearMonth};
use flexpension_store::{Basis, NewEnrolment, Scheme, Sex, Store, StoreError, WorkerId};
use flexpension_text::Lang;
use serde::Deserialize;

/// The months of income the cost is worked out from (the latest first).
const RECENT_MONTHS: u32 = 6;

struct SchemeLine {
    key: &'static str,
    name: String,
    in_it: bool,
    cost: String,
}

struct ArrearsLine {
    month: String,
    text: String,
    payable: bool,
}

#[derive(Template)]
#[template(path = "people/choices.html")]
struct ChoicesPage {
    base: Base,
    message: Option<String>,
    failed: bool,
    schemes: Vec<SchemeLine>,
    sustained: Vec<String>,
    base_text: String,
    estimates: Vec<String>,
    arrears: Vec<ArrearsLine>,
    backpay: Vec<String>,
    savings_text: String,
    /// (month, label key, amount)
    history: Vec<(String, &'static str, String)>,
    tax: Vec<String>,
}

#[derive(Deserialize)]
pub struct ChoicesQuery {
    lang: Option<String>,
    done: Option<String>,
}

pub async fn page(State(s): State<AppState>, AsWorker(v, worker): AsWorker, q: Query<ChoicesQuery>) -> Response {
    let base = Base::of(&v, q.lang.as_deref(), "choice.title", "/me/choices");
    let message = q.done.as_ref().map(|_| base.lang.t("choice.done").to_string());
    draw(&s, base, worker, message, false, StatusCode::OK).await
}

/// The page, with an optional message (a refusal when `failed`).
async fn draw(s: &AppState, base: Base, worker: WorkerId, message: Option<String>, failed: bool, status: StatusCode) -> Response {
    let lang = base.lang;
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, Some(lang.code()), "people.err_try_later") };
    match view(s, store, lang, worker).await {
        Ok(mut p) => {
            p.base = base;
            p.message = message;
            p.failed = failed;
            render(status, p.render())
        }
        Err(e) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e.to_string()), "the choices page could not be drawn");
            denied_with(StatusCode::SERVICE_UNAVAILABLE, Some(lang.code()), "people.err_try_later")
        }
    }
}

fn pick(lang: Lang, t: &flexpension_rules::Text) -> String {
    t.get(lang).to_string()
}

async fn view(s: &AppState, store: &Store, lang: Lang, worker: WorkerId) -> Result<ChoicesPage, Box<dyn std::error::Error>> {
    let p = s.params();
    let now = s.this_month();
    let w = store.worker(worker).await?.ok_or("no worker")?;
    let region = store.region().await.ok().flatten().unwrap_or_else(|| "zj".to_string());
    let scenario = p.scenario(&region, None, None)?;
    let (rules, _) = scenario.month_rules(now)?;
    let enrolments = store.enrolments(worker).await?;
    let in_it = |sc: Scheme| enrolments.iter().any(|e| e.scheme == sc && e.to.is_none_or(|t| t >= now));
    let incomes = store.recent_incomes(worker, now, RECENT_MONTHS).await?;
    let earned: Vec<Fen> = incomes.iter().copied().filter(|i| *i > 0).collect();
    let income = if earned.is_empty() { 0 } else { earned.iter().sum::<Fen>() / earned.len() as Fen };
    let chosen = store.chosen_base(worker, now).await?;
    let c = compute(&rules, income, chosen);
    let (grades, _) = p.lookup(&p.national.residents_grades, now.first_day(), |_| String::new())?;
    let g = |k: &str, args: &[(&str, &str)]| lang.f(k, args);
    let schemes = vec![
        SchemeLine {
            key: "employee_pension",
            name: "people.scheme_employee_pension".into(),
            in_it: in_it(Scheme::EmployeePension),
            cost: g(
                "choice.cost_employee",
                &[
                    ("income", &yuan_grouped(income)),
                    ("base", &yuan_grouped(c.base_fen)),
                    ("rate", &c.rate.percent()),
                    ("pay", &yuan_grouped(c.net_fen)),
                    ("subsidy", &yuan_grouped(c.subsidy_fen)),
                ],
            ),
        },
        SchemeLine {
            key: "residents_pension",
            name: "people.scheme_residents_pension".into(),
            in_it: in_it(Scheme::ResidentsPension),
            cost: g("choice.cost_residents", &[("grade", &yuan_grouped(grades.first().copied().unwrap_or(0)))]),
        },
        SchemeLine {
            key: "medical",
            name: "people.scheme_medical".into(),
            in_it: in_it(Scheme::Medical),
            cost: lang.t("choice.cost_medical").into(),
        },
        SchemeLine {
            key: "injury_cover",
            name: "people.scheme_injury_cover".into(),
            in_it: in_it(Scheme::InjuryCover),
            cost: lang.t("choice.cost_injury").into(),
        },
    ];
    let sustained = p.sustained_income(now, &incomes)?.steps.iter().map(|t| pick(lang, t)).collect();
    let base_text = g(
        "choice.base_text",
        &[
            ("from", &now.to_string()),
            ("lower", &yuan_grouped(rules.base_lower_fen)),
            ("upper", &yuan_grouped(rules.base_upper_fen)),
            ("current", &yuan_grouped(c.base_fen)),
        ],
    );
    // The estimate: the lower limit against the chosen base, both from the worker's own record.
    let mut estimates = Vec::new();
    if in_it(Scheme::EmployeePension) {
        let record = store.own_record(&scenario, worker).await?;
        let female = w.sex == Sex::Female;
        let cat = if female {
            *p.lookup(&scenario.region.female_flexible_category, now.first_day(), |_| String::new())?.0
        } else {
            Category::Male
        };
        let r = p.retirement(w.birth_month, cat, now.first_day())?.value;
        let future = u32::try_from(r.retirement_month.index() - now.index()).unwrap_or(0);
        let age = flexpension_rules::Age::from_months(r.age_years * 12 + r.age_months);
        let mut bases = vec![rules.base_lower_fen];
        if let Some(b) = chosen.filter(|b| *b != rules.base_lower_fen) {
            bases.push(b);
        }
        for b in bases {
            let pay = compute(&rules, income, Some(b)).net_fen;
            let e = scenario.estimate_from_record(&record, b, future, age, r.retirement_month)?;
            estimates.push(g(
                "choice.estimate",
                &[
                    ("base", &yuan_grouped(b)),
                    ("pay", &yuan_grouped(pay)),
                    ("retire", &r.retirement_month.to_string()),
                    ("pension", &yuan_grouped(e.value.total_fen)),
                ],
            ));
        }
    } else {
        estimates.push(lang.t("choice.estimate_none").into());
    }
    let st = store.savings_status(p, worker, now.year()).await?;
    let owed = store.unpaid_months(worker).await?;
    let bp = p.back_payment(&owed, now)?;
    let arrears = bp
        .value
        .iter()
        .map(|b| ArrearsLine {
            month: b.month.to_string(),
            text: g("choice.arrears_line", &[("month", &b.month.to_string()), ("owed", &yuan_grouped(b.owed_fen))]),
            payable: b.payable,
        })
        .collect();
    let savings_text = g(
        "choice.savings_text",
        &[
            ("balance", &yuan_grouped(st.balance_fen)),
            ("year", &now.year().to_string()),
            ("occasional", &yuan_grouped(st.occasional_income_fen)),
            ("limit", &yuan_grouped(st.limit_fen)),
            ("room", &yuan_grouped(st.room_fen)),
        ],
    );
    let history = st
        .history
        .iter()
        .map(|h| {
            (
                h.period.clone(),
                if h.kind == "deposit" { "choice.history_deposit" } else { "choice.history_payment" },
                yuan_grouped(h.amount_fen),
            )
        })
        .collect();
    let tax = p.savings_tax(now.year(), st.deposited_fen.max(0))?.steps.iter().map(|t| pick(lang, t)).collect();
    Ok(ChoicesPage {
        base: Base::new(Some(lang.code()), "choice.title", "/me/choices", "", ""),
        message: None,
        failed: false,
        schemes,
        sustained,
        base_text,
        estimates,
        arrears,
        backpay: bp.steps.iter().map(|t| pick(lang, t)).collect(),
        savings_text,
        history,
        tax,
    })
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    csrf: String,
    lang: Option<String>,
    action: String,
    scheme: Option<String>,
    base_yuan: Option<String>,
    amount_yuan: Option<String>,
    month: Option<String>,
}

/// `POST /me/choices`: one change (join, leave, base, declare, deposit, use), then back to the page.
pub async fn post(State(s): State<AppState>, AsWorker(v, worker): AsWorker, Form(f): Form<ChoiceForm>) -> Response {
    let lang = f.lang.as_deref();
    if !crate::web::login::same(&v.session.csrf, f.csrf.trim()) {
        return denied_with(StatusCode::FORBIDDEN, lang, "people.err_form_expired");
    }
    let Some(store) = s.store() else { return denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later") };
    let base = Base::of(&v, lang, "choice.title", "/me/choices");
    let l = base.lang;
    match apply(&s, store, worker, &f).await {
        Ok(()) => crate::web::reply::see_other(format!("/me/choices?lang={}&done={}", l.code(), f.action.trim())),
        Err(Refusal::Input(msg)) => {
            let text = msg.text(l);
            draw(&s, base, worker, Some(text), true, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Refusal::Failed(e)) => {
            tracing::error!(error = %crate::privacy::scrub_ids(&e), "a choice could not be recorded");
            denied_with(StatusCode::SERVICE_UNAVAILABLE, lang, "people.err_try_later")
        }
    }
}

/// A refusal in plain words: a catalogue key and its figures.
struct Msg(&'static str, Vec<(&'static str, String)>);

impl Msg {
    fn text(&self, l: Lang) -> String {
        let args: Vec<(&str, &str)> = self.1.iter().map(|(k, v)| (*k, v.as_str())).collect();
        l.f(self.0, &args)
    }
}

enum Refusal {
    Input(Msg),
    Failed(String),
}

fn input(key: &'static str) -> Refusal {
    Refusal::Input(Msg(key, Vec::new()))
}

/// A store error as what the worker reads: input mistakes by the action's key, the rest failed.
fn refused(e: StoreError, key: &'static str) -> Refusal {
    match e {
        StoreError::Invalid { field: "from", .. } => input("choice.err_from"),
        StoreError::Invalid { .. } | StoreError::Exists { .. } | StoreError::NotFound { .. } => input(key),
        e => Refusal::Failed(e.to_string()),
    }
}

async fn apply(s: &AppState, store: &Store, worker: WorkerId, f: &ChoiceForm) -> Result<(), Refusal> {
    let p = s.params();
    let now: YearMonth = s.this_month();
    let amount = |v: &Option<String>| v.as_deref().and_then(|a| parse_yuan(a.trim()).ok()).ok_or_else(|| input("choice.err_input"));
    match f.action.trim() {
        a @ ("join" | "leave") => {
            let scheme: Scheme = f.scheme.as_deref().unwrap_or("").parse().map_err(|_| input("choice.err_input"))?;
            if a == "join" {
                let e = NewEnrolment { worker, scheme, from: now, to: None, basis: Basis::PlatformIncome };
                store.enrol(&e).await.map(|_| ()).map_err(|e| refused(e, "choice.err_join"))
            } else {
                let from = now.add_months(1).ok_or_else(|| input("choice.err_input"))?;
                store.leave_scheme(p, worker, scheme, from).await.map(|_| ()).map_err(|e| refused(e, "choice.err_leave"))
            }
        }
        "base" => {
            let b = amount(&f.base_yuan)?;
            let region = store.region().await.ok().flatten().unwrap_or_else(|| "zj".to_string());
            let scenario = p.scenario(&region, None, None).map_err(|e| Refusal::Failed(e.to_string()))?;
            match store.choose_base(&scenario, worker, now, b).await {
                Ok(_) => Ok(()),
                Err(StoreError::Invalid { field: "base_fen", .. }) => {
                    let (r, _) = scenario.month_rules(now).map_err(|e| Refusal::Failed(e.to_string()))?;
                    Err(Refusal::Input(Msg(
                        "choice.err_base",
                        vec![("lower", yuan_grouped(r.base_lower_fen)), ("upper", yuan_grouped(r.base_upper_fen))],
                    )))
                }
                Err(e) => Err(refused(e, "choice.err_from")),
            }
        }
        "declare" => {
            let a = amount(&f.amount_yuan)?;
            store.declare_occasional(p, worker, now.year(), None, a).await.map(|_| ()).map_err(|e| refused(e, "choice.err_input"))
        }
        "deposit" => {
            let a = amount(&f.amount_yuan)?;
            match store.deposit_savings(p, worker, now.year(), a, None).await {
                Ok(_) => Ok(()),
                Err(StoreError::Invalid { field: "amount_fen", .. }) => {
                    let st = store.savings_status(p, worker, now.year()).await.map_err(|e| Refusal::Failed(e.to_string()))?;
                    Err(Refusal::Input(Msg("choice.err_amount", vec![("room", yuan_grouped(st.room_fen))])))
                }
                Err(e) => Err(refused(e, "choice.err_input")),
            }
        }
        "use" => {
            let m: YearMonth = f.month.as_deref().unwrap_or("").trim().parse().map_err(|_| input("choice.err_month"))?;
            store.pay_from_savings(p, worker, m).await.map(|_| ()).map_err(|e| refused(e, "choice.err_month"))
        }
        _ => Err(input("choice.err_input")),
    }
}
