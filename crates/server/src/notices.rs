//! The outreach notices of a day (paper 5.3: 接单间歇提醒): after an outreach run, each worker
//! it found not enrolled is planned a notice: the holdout none (recorded), the treated the card
//! their scheme and strongest reasons point to, filled with their own figures from the
//! calculators (the contribution under the paper's policy at the base their scheme fits, the
//! minimum years from the retirement rules), at the time their breaks between orders allow.
//! Once per worker and day: a rerun the same day adds nothing.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use flexpension_outreach::card::Library;
use flexpension_outreach::notice::NoticeRules;
use flexpension_outreach::plan::{self, Inputs, Plan, china_time, micros};
use flexpension_outreach::{Product, Settings};
use flexpension_rules::{Category, Params, YearMonth};
use flexpension_store::{NewNotice, Sex, Store, day_code};
use std::collections::HashMap;

/// The experiment the arms belong to: one for the store's life, so a worker stays in their arm
/// from day to day and the arms can be compared.
pub const EXPERIMENT: &str = "notices-1";

/// What a day's scheduling did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Scheduled {
    pub day: String,
    /// Notices planned (treated workers with a card and a time).
    pub notices: usize,
    /// Holdout workers recorded.
    pub holdout: usize,
    /// Treated workers with no room this day (the cap or the gap) or no card that fits.
    pub no_room: usize,
    /// Rows added (zero for a rerun of the day).
    pub added: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error("{0}")]
    Store(#[from] flexpension_store::StoreError),
    #[error("{0}")]
    Rules(String),
}

fn rules_err(e: impl std::fmt::Display) -> NoticeError {
    NoticeError::Rules(e.to_string())
}

/// Plan the notices of the day `now` falls on (China time), as of `now`, for the latest outreach
/// run's workers not enrolled.
pub async fn schedule(store: &Store, params: &Params, region: &str, now: chrono::DateTime<chrono::Utc>) -> Result<Scheduled, NoticeError> {
    let settings = Settings::embedded(&params.sources).map_err(rules_err)?;
    let rules = NoticeRules::new(&settings.notices).map_err(|(k, r)| NoticeError::Rules(format!("{k}: {r}")))?;
    let lib = Library::embedded().map_err(rules_err)?;
    let Some(run) = store.outreach_run().await? else { return Ok(Scheduled::default()) };
    let month: YearMonth = run.month.parse().map_err(|_| NoticeError::Rules(format!("run month {}", run.month)))?;
    let now_cn = china_time(now.timestamp_micros()).ok_or_else(|| NoticeError::Rules("the time is out of range".into()))?;
    let today: NaiveDate = now_cn.date();
    let day = day_code(today);
    let since = micros(now_cn - Duration::days(i64::from(rules.history_days)));
    let inputs = store.notice_inputs(day, since, micros(now_cn), flexpension_store::MAX_NOTICES_PER_RUN).await?;
    let mut out = Scheduled { day: today.to_string(), ..Scheduled::default() };
    if inputs.is_empty() {
        return Ok(out);
    }
    // The worker's own figures: income, months on platforms and hukou from the store's table.
    let [from, to] = settings.model.night_hours.value;
    let features: HashMap<i64, flexpension_store::OutreachFeatures> =
        store.outreach_features(month, (from, to)).await?.into_iter().map(|f| (f.worker, f)).collect();
    let paper = params.scenario(region, Some("paper"), None).map_err(rules_err)?;
    let (paper_rules, _) = paper.month_rules(month).map_err(rules_err)?;
    let female = {
        let r = params.region(region).map_err(rules_err)?;
        *params.lookup(&r.female_flexible_category, today, |_| String::new()).map_err(rules_err)?.0
    };
    let mut plans = Vec::with_capacity(inputs.len());
    for i in &inputs {
        let f = features.get(&i.worker_id);
        let (income_fen, months, migrant) = f.map_or((i.base_fen.unwrap_or(0), 0, false), |f| (f.income_fen, f.months_active, f.migrant));
        let category = if i.sex == Sex::Female { female } else { Category::Male };
        let min_years = params.retirement(i.birth_month, category, today).ok().map(|r| r.value.min_contribution_years);
        let figures = plan::figures(&paper_rules, income_fen, i.base_fen, months, min_years.as_deref());
        let orders: Vec<NaiveDateTime> = i.orders_us.iter().filter_map(|u| china_time(*u)).collect();
        let sent: Vec<NaiveDateTime> = i.sent_us.iter().filter_map(|u| china_time(*u)).collect();
        let key = format!("w{}", i.worker_id);
        let Some(product) = Product::from_code(&i.product) else { continue };
        let input = Inputs {
            worker_key: &key,
            experiment: EXPERIMENT,
            product,
            migrant,
            reasons: &i.reasons,
            orders: &orders,
            kind: i.kind,
            sent: &sent,
            seen: &i.seen,
            figures: &figures,
        };
        let row = |arm: &str, card: Option<String>, figures: String, due: Option<i64>| NewNotice {
            worker_id: i.worker_id,
            arm: arm.into(),
            card,
            figures,
            due_at_us: due,
        };
        plans.push(match plan::plan(&rules, &lib, now_cn, &input) {
            Plan::Holdout => {
                out.holdout += 1;
                row("holdout", None, String::new(), None)
            }
            Plan::Notice { card, at } => {
                out.notices += 1;
                row("treated", Some(card), plan::figures_text(&figures), Some(micros(at)))
            }
            Plan::Nothing => {
                out.no_room += 1;
                row("treated", None, String::new(), None)
            }
        });
    }
    out.added = store.plan_notices(day, &plans).await?;
    Ok(out)
}

/// A stored notice's text in a language: its card filled with its figures (`None` when the card
/// is gone from the library or a figure is missing).
pub fn text(lib: &Library, card: Option<&str>, figures: &str, lang: flexpension_text::Lang) -> Option<String> {
    lib.card(card?)?.fill(lang, &plan::figures_of(figures))
}
