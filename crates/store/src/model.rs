//! The registry's records: regions, grids, platforms and workers.

use crate::ids::{GridId, PlatformId, WorkerId, mask_phone};
use flexpension_rules::YearMonth;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// An insurance region (统筹区), e.g. `zj`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    pub code: String,
    pub name: String,
}

/// A grid cell (网格) of a region: where grid workers reach people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grid {
    pub id: GridId,
    pub code: String,
    pub name: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrid {
    pub code: String,
    pub name: String,
    pub region: String,
}

/// A platform's annual revenue band: below 100 million yuan a platform counts as small or
/// medium, for which the paper proposes the immediate refund (即征即退) on top of the
/// super-deduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueBand {
    Below100m,
    From100m,
}

impl RevenueBand {
    pub const ALL: [RevenueBand; 2] = [RevenueBand::Below100m, RevenueBand::From100m];
    pub fn as_str(self) -> &'static str {
        match self {
            RevenueBand::Below100m => "below_100m",
            RevenueBand::From100m => "from_100m",
        }
    }
}

impl FromStr for RevenueBand {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RevenueBand::ALL
            .into_iter()
            .find(|b| b.as_str() == s.trim())
            .ok_or_else(|| format!("'{}' is not a revenue band (below_100m, from_100m)", s.trim()))
    }
}

/// A platform company (平台企业).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Platform {
    pub id: PlatformId,
    pub name: String,
    /// Unified social credit code (GB 32100), checked when added.
    pub uscc: String,
    pub revenue_band: RevenueBand,
    /// Pays the higher instant-delivery premium level (0.25 instead of 0.07 yuan per order).
    pub injury_high_level: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlatform {
    pub name: String,
    pub uscc: String,
    pub revenue_band: RevenueBand,
    pub injury_high_level: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "F",
            Sex::Male => "M",
        }
    }
    pub(crate) fn parse(s: &str) -> Sex {
        if s == "F" { Sex::Female } else { Sex::Male }
    }
}

/// A flexible worker (灵活就业人员). The resident ID and the phone are never stored in clear:
/// the store keeps keyed hashes for lookup and the masked forms below for display. Birth month
/// and sex are read from the ID once, at registration, because the retirement rules need them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Worker {
    pub id: WorkerId,
    /// "3301**********123X".
    pub id_masked: String,
    pub birth_month: YearMonth,
    pub sex: Sex,
    pub name: String,
    /// "138****5678".
    pub phone_masked: String,
    /// The household registration (户籍): a registered insurance region code, or a mainland
    /// administrative division code (GB/T 2260, six digits).
    pub hukou_region: String,
    /// The province of the hukou (two-letter code), when known: derived at registration; none
    /// for workers registered before it was kept.
    pub hukou_province: Option<String>,
    /// Grid code of the home grid.
    pub home_grid: String,
}

/// A worker to register. Debug shows the ID and the phone masked only.
#[derive(Clone, PartialEq, Eq)]
pub struct NewWorker {
    pub id_number: String,
    pub name: String,
    pub phone: String,
    pub hukou_region: String,
    pub home_grid: String,
}

impl fmt::Debug for NewWorker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWorker")
            .field("id_number", &flexpension_rules::checkdigit::mask(self.id_number.trim()))
            .field("name", &self.name)
            .field("phone", &mask_phone(self.phone.trim()))
            .field("hukou_region", &self.hukou_region)
            .field("home_grid", &self.home_grid)
            .finish()
    }
}
