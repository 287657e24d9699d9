//! The scheme that fits a worker best, from their income, the region's base limits and their
//! propensity to join, with the reason in plain words.

use crate::features::Row;
use crate::settings::ProductSettings;
use flexpension_rules::Fen;
use flexpension_text::Lang;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    /// The employee pension on the flexible track, at the base given.
    EmployeePension,
    /// The urban and rural residents' pension.
    ResidentsPension,
    /// Injury cover only, paid by the platform per order: the first step.
    InjuryCover,
}

impl Product {
    pub fn code(self) -> &'static str {
        match self {
            Product::EmployeePension => "employee_pension",
            Product::ResidentsPension => "residents_pension",
            Product::InjuryCover => "injury_cover",
        }
    }
}

/// The region's contribution base limits for the month the offer is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseLimits {
    pub lower_fen: Fen,
    pub upper_fen: Fen,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProductFit {
    pub product: Product,
    /// The contribution base offered with the employee pension.
    pub base_fen: Option<Fen>,
    pub text: String,
}

/// Which scheme: a worker unlikely to join starts with injury cover; one who earns too little for
/// the employee pension's lower limit gets the residents' pension; the others the employee
/// pension at their income, held within the limits.
pub fn best(r: &Row, p: f64, s: &ProductSettings, limits: BaseLimits, lang: Lang) -> ProductFit {
    let income_fen = (r.get("income_yuan").unwrap_or(0.0) * 100.0).round() as Fen;
    let yuan = |f: Fen| format!("{}", (f + 50) / 100);
    if p < s.injury_only_below.value {
        let chance = format!("{:.0}%", p * 100.0);
        return ProductFit { product: Product::InjuryCover, base_fen: None, text: lang.f("fit.product_injury", &[("chance", &chance)]) };
    }
    let floor = (limits.lower_fen as f64 * s.residents_income_below.value).round() as Fen;
    if income_fen < floor {
        let text = lang.f("fit.product_residents", &[("income", &yuan(income_fen)), ("floor", &yuan(floor))]);
        return ProductFit { product: Product::ResidentsPension, base_fen: None, text };
    }
    let base = income_fen.clamp(limits.lower_fen, limits.upper_fen);
    let text = lang.f("fit.product_employee", &[("base", &yuan(base)), ("lower", &yuan(limits.lower_fen))]);
    ProductFit { product: Product::EmployeePension, base_fen: Some(base), text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;
    use flexpension_rules::Params;

    #[test]
    fn each_scheme_for_its_worker() {
        let s = Settings::embedded(&Params::embedded().expect("params").sources).expect("settings").product;
        let limits = BaseLimits { lower_fen: 422_700, upper_fen: 2_113_500 };
        let row = |income: f64| Row {
            worker_id: "w".into(),
            x: [30.0, 1.0, 12.0, 1.0, income, 0.3, 0.1],
            enrolled: None,
            more: [None; crate::features::M],
        };
        let f = best(&row(3800.0), 0.6, &s, limits, Lang::Zh);
        assert_eq!((f.product, f.base_fen), (Product::EmployeePension, Some(422_700)));
        assert!(f.text.contains("4227"), "{}", f.text);
        assert_eq!(best(&row(9000.0), 0.6, &s, limits, Lang::En).base_fen, Some(900_000));
        assert_eq!(best(&row(30_000.0), 0.6, &s, limits, Lang::En).base_fen, Some(2_113_500));
        assert_eq!(best(&row(1500.0), 0.6, &s, limits, Lang::En).product, Product::ResidentsPension);
        let low = best(&row(3800.0), 0.05, &s, limits, Lang::En);
        assert_eq!(low.product, Product::InjuryCover);
        assert!(low.text.contains("5%"), "{}", low.text);
    }
}
