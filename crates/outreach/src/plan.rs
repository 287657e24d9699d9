//! A worker's notice planned: the arm (the holdout gets none), the card their scheme and
//! strongest reasons point to, filled with their own figures from the calculators, and the time
//! [`NoticeRules::next_time`] gives from their order times and the notices they already have.

use crate::card::Library;
use crate::notice::{Arm, NoticeRules, arm};
use crate::product::Product;
use chrono::NaiveDateTime;
use flexpension_rules::Fen;
use flexpension_rules::contribution::{MonthRules, compute};
use flexpension_rules::injury::OrderType;

impl Product {
    /// The scheme of a code as [`Product::code`] writes it.
    pub fn from_code(code: &str) -> Option<Product> {
        [Product::EmployeePension, Product::ResidentsPension, Product::InjuryCover].into_iter().find(|p| p.code() == code)
    }
}

/// China time is UTC+8 all year.
const CHINA_OFFSET_US: i64 = 8 * 3_600 * 1_000_000;

/// The China time of a moment in microseconds since the epoch.
pub fn china_time(us: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_micros(us.checked_add(CHINA_OFFSET_US)?).map(|d| d.naive_utc())
}

/// The moment of a China time, in microseconds since the epoch.
pub fn micros(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros() - CHINA_OFFSET_US
}

/// Whole yuan, half up (figures on a card are read, not booked).
pub fn whole_yuan(fen: Fen) -> String {
    (if fen >= 0 { (fen + 50) / 100 } else { -((-fen + 50) / 100) }).to_string()
}

/// The figures a card may name, from the calculators: `income` (the worker's usual month), and
/// under the `paper` policy's month rules at the base their scheme fits (`base_fen`) what they
/// would `pays` a month and the province's `subsidy`; `months` on platforms; `min_years` when
/// known.
pub fn figures(
    paper: &MonthRules,
    income_fen: Fen,
    base_fen: Option<Fen>,
    months_active: u32,
    min_years: Option<&str>,
) -> Vec<(&'static str, String)> {
    let c = compute(paper, income_fen, Some(base_fen.unwrap_or(income_fen)));
    let mut out = vec![
        ("income", whole_yuan(income_fen)),
        ("pays", whole_yuan(c.net_fen)),
        ("subsidy", whole_yuan(c.subsidy_fen)),
        ("months", months_active.to_string()),
    ];
    if let Some(y) = min_years {
        out.push(("min_years", y.to_string()));
    }
    out
}

/// Figures as stored: `name=value;name=value`.
pub fn figures_text(figures: &[(&str, String)]) -> String {
    figures.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
}

/// The stored figures read back.
pub fn figures_of(text: &str) -> Vec<(&str, String)> {
    text.split(';').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k, v.to_string())).collect()
}

/// What one worker's inputs are.
#[derive(Debug, Clone)]
pub struct Inputs<'a> {
    /// The key the arm is drawn from (`w` + the store's number).
    pub worker_key: &'a str,
    /// The experiment the arm belongs to.
    pub experiment: &'a str,
    pub product: Product,
    pub migrant: bool,
    pub reasons: &'a str,
    /// Order times in the history window, China time.
    pub orders: &'a [NaiveDateTime],
    /// The worker's usual order type, when known.
    pub kind: Option<OrderType>,
    /// The worker's notices already planned (China time) and their cards.
    pub sent: &'a [NaiveDateTime],
    pub seen: &'a [String],
    pub figures: &'a [(&'a str, String)],
}

/// What the planner decided for a worker.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// In the holdout: no notice, recorded so the arms can be compared.
    Holdout,
    /// A card at a time.
    Notice { card: String, at: NaiveDateTime },
    /// Treated, but the cap or the gap leaves no room this week, or no card fits.
    Nothing,
}

pub fn plan(rules: &NoticeRules, lib: &Library, now: NaiveDateTime, i: &Inputs) -> Plan {
    if arm(i.worker_key, i.experiment, rules.holdout_share) == Arm::Holdout {
        return Plan::Holdout;
    }
    let Some(card) = lib.choose(i.product, i.migrant, i.reasons, i.seen, i.figures) else { return Plan::Nothing };
    match rules.next_time(now, i.orders, i.kind, i.sent) {
        Some(at) => Plan::Notice { card: card.id.clone(), at },
        None => Plan::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use chrono::NaiveDate;
    use flexpension_rules::{Params, YearMonth};

    #[test]
    fn figures_come_from_the_contribution_calculator() {
        let params = Params::embedded().expect("params");
        let paper = params.scenario("zj", Some("paper"), None).expect("paper");
        let month = YearMonth::new(2025, 9).expect("month");
        let (r, _) = paper.month_rules(month).expect("rules");
        let f = figures(&r, 380_000, Some(380_000), 45, Some("20"));
        let c = compute(&r, 380_000, Some(380_000));
        assert_eq!(f[0], ("income", "3800".to_string()));
        assert_eq!(f[1], ("pays", whole_yuan(c.net_fen)));
        assert_eq!(f[2], ("subsidy", whole_yuan(c.subsidy_fen)));
        assert!(c.net_fen > 0 && c.net_fen < c.contribution_fen, "the paper's subsidy lowers what the worker pays: {c:?}");
        assert_eq!(figures_of(&figures_text(&f)), f);
        assert_eq!((whole_yuan(35_949), whole_yuan(35_950), whole_yuan(-150)), ("359".into(), "360".into(), "-2".into()));
    }

    #[test]
    fn the_holdout_gets_nothing_and_the_treated_a_card_in_a_break() {
        let params = Params::embedded().expect("params");
        let s = Settings::embedded(&params.sources).expect("settings");
        let rules = NoticeRules::new(&s.notices).expect("rules");
        let lib = Library::embedded().expect("cards");
        let now = NaiveDate::from_ymd_opt(2025, 9, 20).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("now");
        let figures =
            [("income", "3800".to_string()), ("pays", "359".to_string()), ("subsidy", "239".to_string()), ("months", "4".to_string())];
        let keys: Vec<String> = (0..200).map(|k| format!("w{k}")).collect();
        let plans: Vec<Plan> = keys
            .iter()
            .map(|k| {
                let i = Inputs {
                    worker_key: k,
                    experiment: "2025-09",
                    product: Product::EmployeePension,
                    migrant: false,
                    reasons: "income_yuan+3800",
                    orders: &[],
                    kind: None,
                    sent: &[],
                    seen: &[],
                    figures: &figures,
                };
                plan(&rules, &lib, now, &i)
            })
            .collect();
        let held = plans.iter().filter(|p| **p == Plan::Holdout).count();
        assert!((20..70).contains(&held), "about a fifth held out: {held}");
        for p in &plans {
            if let Plan::Notice { card, at } = p {
                assert_eq!(card, "cheaper_now");
                assert!(*at > now);
            }
        }
        assert!(matches!(Product::from_code("residents_pension"), Some(Product::ResidentsPension)) && Product::from_code("x").is_none());
    }
}
