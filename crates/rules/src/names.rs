//! Plain names of the parameters, for explanations: the `params` screen of the text catalogue
//! (`flexpension-text`).

use crate::explain::{Lang, Text};

/// The name of a parameter key in both languages, looked up by the key's last part
/// (`regions.zj.base_lower` is `base_lower`); an unknown key is shown as itself.
pub fn param_name(key: &str) -> Text {
    let last = key.rsplit('.').next().unwrap_or(key);
    let entry = format!("params.{last}");
    if flexpension_text::has(&entry) { Text::new(Lang::Zh.t(&entry), Lang::En.t(&entry)) } else { Text::new(key, key) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys the parameter files are read under: `series("injury_premium.ride_hailing", ...)`.
    fn series_keys() -> Vec<&'static str> {
        let load = include_str!("params/load.rs");
        let keys: Vec<&str> =
            load.split("series(\"").skip(1).filter_map(|p| p.split('"').next()).map(|k| k.rsplit('.').next().unwrap_or(k)).collect();
        assert!(keys.len() > 30, "{keys:?}");
        keys
    }

    #[test]
    fn every_parameter_has_a_name_and_every_name_a_parameter() {
        let keys = series_keys();
        for k in &keys {
            let n = param_name(&format!("national.{k}"));
            assert!(n.zh != *k && n.en != *k, "{k} has no name in the catalogue's params screen");
        }
        for (entry, _) in flexpension_text::entries() {
            if let Some(name) = entry.strip_prefix("params.") {
                assert!(keys.contains(&name), "params.{name} names no parameter");
            }
        }
    }

    #[test]
    fn names_by_the_last_part() {
        assert_eq!(param_name("injury_premium.ride_hailing"), Text::new("出行每单保费", "premium per ride-hailing order"));
        assert_eq!(param_name("no.such"), Text::new("no.such", "no.such"));
    }
}
