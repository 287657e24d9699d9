//! A worker's hukou: a registered region code (`zj`) or any mainland administrative division
//! code (GB/T 2260, `330106`), whose first two digits name the province. The province list is
//! the parameter files' (`params/provinces.toml`, compiled in).

use crate::{Result, StoreError};
use flexpension_rules::Params;
use flexpension_rules::params::Provinces;
use std::sync::OnceLock;

/// The compiled-in province list (empty only if the compiled-in parameters failed to load,
/// which their own tests rule out; then every division code is refused, never guessed).
fn provinces() -> &'static Provinces {
    static P: OnceLock<Provinces> = OnceLock::new();
    P.get_or_init(|| Params::embedded().map(|p| p.provinces).unwrap_or_default())
}

/// Six digits: a division code rather than a region code.
pub(crate) fn is_division(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The province of a checked hukou code: a division code's by its prefix (refused when the
/// prefix is no mainland province, or when digits are not six); a region code's when the code
/// is a province code; otherwise none (a region the store registered under another code).
pub(crate) fn hukou_province(code: &str) -> Result<Option<String>> {
    if code.bytes().all(|b| b.is_ascii_digit()) {
        return provinces()
            .of_division(code)
            .map(|p| Some(p.code.clone()))
            .map_err(|e| StoreError::invalid("hukou_region", format!("{e}; give a registered region code or a 6-digit division code")));
    }
    Ok(provinces().find(code).filter(|p| p.code == code).map(|p| p.code.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_and_region_codes() {
        assert_eq!(hukou_province("330106").unwrap().as_deref(), Some("zj"));
        assert_eq!(hukou_province("340102").unwrap().as_deref(), Some("ah"));
        assert_eq!(hukou_province("zj").unwrap().as_deref(), Some("zj"));
        assert_eq!(hukou_province("hz-1").unwrap(), None);
        let e = hukou_province("990101").unwrap_err().to_string();
        assert!(e.contains("hukou_region") && e.contains("no mainland province prefix"), "{e}");
        assert!(hukou_province("33010").unwrap_err().to_string().contains("6-digit"));
        assert!(hukou_province("33").is_err(), "a bare prefix is not a division code");
        assert!(is_division("330106") && !is_division("zj") && !is_division("3301066"));
    }
}
