//! Plain names of the parameters, for explanations: the `params` screen of the text catalogue
//! (`flexpension-text`).

use crate::explain::Text;
use flexpension_text::Entry;
use std::collections::HashMap;
use std::sync::LazyLock;

/// The `params` screen by the name after its `params.` prefix, so that a lookup in every
/// explained calculation is one hash of a short key and no formatting.
static NAMES: LazyLock<HashMap<&'static str, &'static Entry>> =
    LazyLock::new(|| flexpension_text::entries().into_iter().filter_map(|(k, e)| Some((k.strip_prefix("params.")?, e))).collect());

/// The name of a parameter key in both languages, looked up by the key's last part
/// (`regions.zj.base_lower` is `base_lower`); an unknown key is shown as itself.
pub fn param_name(key: &str) -> Text {
    let last = key.rsplit('.').next().unwrap_or(key);
    match NAMES.get(last) {
        Some(e) => Text::new(e.zh.as_str(), e.en.as_str()),
        None => Text::new(key, key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys the parameter files are read under: `series("injury_premium.ride_hailing", ...)`
    /// (national values in national.rs, the rest in load.rs).
    fn series_keys() -> Vec<&'static str> {
        let load = concat!(include_str!("params/load.rs"), include_str!("params/national.rs"));
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
