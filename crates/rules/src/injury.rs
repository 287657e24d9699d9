//! Per-order injury premium (职业伤害保障·接单缴费): the platform pays a benchmark amount for
//! every completed order; the worker pays nothing.

use crate::explain::{Explained, Explainer};
use crate::money::{Fen, yuan};
use crate::params::{ParamError, Params, Region};
use chrono::NaiveDate;
use serde::Serialize;
use std::str::FromStr;

/// The three industries of the injury-cover pilot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    RideHailing,
    InstantDelivery,
    SameCityFreight,
}

impl OrderType {
    pub const ALL: [OrderType; 3] = [OrderType::RideHailing, OrderType::InstantDelivery, OrderType::SameCityFreight];
    pub fn as_str(self) -> &'static str {
        match self {
            OrderType::RideHailing => "ride_hailing",
            OrderType::InstantDelivery => "instant_delivery",
            OrderType::SameCityFreight => "same_city_freight",
        }
    }
    pub fn name_zh(self) -> &'static str {
        match self {
            OrderType::RideHailing => "出行",
            OrderType::InstantDelivery => "即时配送",
            OrderType::SameCityFreight => "同城货运",
        }
    }
}

impl FromStr for OrderType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        OrderType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not an order type (ride_hailing, instant_delivery, same_city_freight)"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InjuryPremium {
    pub order_type: OrderType,
    pub orders: u64,
    pub per_order_fen: Fen,
    pub premium_fen: Fen,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InjuryError {
    #[error("orders: {0} is more than the 100,000,000 one calculation takes")]
    TooMany(u64),
    #[error("date: the injury-cover pilot in {region} starts on {starts}; {date} is before it")]
    NotCovered { region: String, starts: NaiveDate, date: NaiveDate },
    #[error(transparent)]
    Param(#[from] ParamError),
}

const MAX_ORDERS: u64 = 100_000_000;

impl Params {
    /// The per-order premium in force on `date` (high = the 0.25 instant-delivery level).
    pub fn per_order_premium(&self, t: OrderType, high: bool, date: NaiveDate) -> Result<(Fen, crate::explain::ParamUse), ParamError> {
        let n = &self.national;
        let s = match (t, high) {
            (OrderType::RideHailing, _) => &n.injury_ride_hailing,
            (OrderType::InstantDelivery, false) => &n.injury_instant_delivery,
            (OrderType::InstantDelivery, true) => &n.injury_instant_delivery_high,
            (OrderType::SameCityFreight, _) => &n.injury_same_city_freight,
        };
        let (v, u) = self.lookup(s, date, |v| format!("{} 元/单", yuan(*v)))?;
        Ok((*v, u))
    }

    /// Premium for `orders` orders of one type on `date`; with a region, its pilot start applies.
    pub fn injury_premium(
        &self,
        t: OrderType,
        orders: u64,
        high: bool,
        date: NaiveDate,
        region: Option<&Region>,
    ) -> Result<Explained<InjuryPremium>, InjuryError> {
        if orders > MAX_ORDERS {
            return Err(InjuryError::TooMany(orders));
        }
        let mut ex = Explainer::new();
        if let Some(r) = region {
            let start = r.injury_cover_from.items.first().map(|d| d.from).unwrap_or(date);
            if date < start {
                return Err(InjuryError::NotCovered { region: r.name_en.clone(), starts: start, date });
            }
            let (_, u) = self.lookup(&r.injury_cover_from, date, |_| start.to_string())?;
            ex.uses(u);
        }
        let (per, u) = self.per_order_premium(t, high, date)?;
        ex.uses(u);
        let premium_fen = per * orders as i64;
        ex.step(
            "职业伤害保障：平台为每一单全额缴费，骑手、司机自己不用交钱。",
            "Injury cover: the platform pays for every order in full; the rider or driver pays nothing.",
        );
        ex.step(
            format!("{}每单{}元 × {orders}单 = {}元。", t.name_zh(), yuan(per), yuan(premium_fen)),
            format!("{} yuan per {} order × {orders} orders = {} yuan.", yuan(per), t.as_str().replace('_', "-"), yuan(premium_fen)),
        );
        Ok(ex.finish(InjuryPremium { order_type: t, orders, per_order_fen: per, premium_fen }))
    }
}
