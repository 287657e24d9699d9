//! Parameters for tests that need a holiday calendar past the published ones.

use flexpension_rules::{ParamError, Params};

/// The shipped parameters and, for 2027 and 2028 (after the published holiday calendars), plain
/// Monday-to-Friday test calendars under the source `TEST-CALENDAR`. Test data only: a transfer's
/// deadlines need a calendar for the day it is asked for, and 36 months paid from 2025-01 end
/// in 2027.
pub fn with_test_calendars() -> Result<Params, ParamError> {
    let mut files: Vec<(String, String)> =
        flexpension_rules::params::EMBEDDED.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    for (name, text) in files.iter_mut() {
        if name == "sources.toml" {
            text.push_str("\n[TEST-CALENDAR]\ntitle = \"test data: Monday to Friday, no holidays\"\ndoc_no = \"\"\nurl = \"\"\n");
        }
    }
    for (year, days) in [(2027, 261), (2028, 260)] {
        let text = format!(
            "year = {year}\nsource = \"TEST-CALENDAR\"\nconfidence = \"M\"\nworking_days_in_year = {days}\noff_days = []\nmakeup_workdays = []\n"
        );
        files.push((format!("holidays/{year}.toml"), text));
    }
    Params::load(&files)
}
