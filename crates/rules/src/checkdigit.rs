//! Check digits of the resident ID number (GB 11643, ISO 7064 MOD 11-2) and the unified social
//! credit code (GB 32100). The weights are the standards' own formulas (2^k mod 11, 3^k mod 31),
//! computed here rather than copied as tables.

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    ResidentId,
    Uscc,
}

/// The result of checking a number; `reason` says what is wrong, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdCheck {
    pub valid: bool,
    /// Null when it cannot be told.
    pub kind: Option<IdKind>,
    /// What is wrong, in plain words; null when valid.
    pub reason: Option<String>,
    /// A softer finding on a valid number (the USCC's inner organisation-code check).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
}

const ID_CHECK: &[u8; 11] = b"10X98765432";
const USCC_CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// 2^k mod 11: the weight of the k-th position from the right of a resident-ID body
/// (GB 11643) and of an organisation code (GB 11714).
fn pow2_mod11(k: usize) -> u32 {
    (0..k).fold(1, |w, _| w * 2 % 11)
}

/// Weight of position `i` (0-based, left to right) of a 17-digit body: 2^(17−i) mod 11.
fn id_weight(i: usize) -> u32 {
    pow2_mod11(17 - i)
}

/// Weight of position `i` of a USCC body: 3^i mod 31.
fn uscc_weight(i: usize) -> u32 {
    (0..i).fold(1, |w, _| w * 3 % 31)
}

/// Check a resident ID: 18 characters, a real birth date, and the check character.
pub fn resident_id(s: &str) -> Result<NaiveDate, String> {
    let b = s.as_bytes();
    if b.len() != 18 {
        return Err(format!("a resident ID has 18 characters, this has {}", s.chars().count()));
    }
    if !b[..17].iter().all(u8::is_ascii_digit) {
        return Err("the first 17 characters must be digits".into());
    }
    let birth = NaiveDate::parse_from_str(&s[6..14], "%Y%m%d")
        .map_err(|_| format!("characters 7-14, '{}', are not a real birth date", &s[6..14]))?;
    let want = id_check_char(&b[..17]);
    let got = b[17].to_ascii_uppercase();
    if got != want {
        return Err(format!("the last character should be {} but is {}: a digit was probably mistyped", want as char, b[17] as char));
    }
    Ok(birth)
}

/// The check character of 17 ASCII digits.
fn id_check_char(body: &[u8]) -> u8 {
    let sum: u32 = body.iter().enumerate().map(|(i, c)| u32::from(c - b'0') * id_weight(i)).sum();
    ID_CHECK[(sum % 11) as usize]
}

/// The check character (GB 11643) that completes a 17-digit resident-ID body, or None when the
/// body is not 17 digits. It does not check the birth date; [`resident_id`] does.
pub fn resident_id_check(body: &str) -> Option<char> {
    let b = body.as_bytes();
    (b.len() == 17 && b.iter().all(u8::is_ascii_digit)).then(|| char::from(id_check_char(b)))
}

/// The values of credit-code characters (0-9, then the capitals without I, O, Z, S, V), or the
/// position and character of the first one outside that alphabet.
fn uscc_values<const N: usize>(b: &[u8; N]) -> Result<[u32; N], (usize, u8)> {
    let mut vals = [0u32; N];
    for (i, c) in b.iter().enumerate() {
        let c = c.to_ascii_uppercase();
        vals[i] = USCC_CHARS.iter().position(|x| *x == c).ok_or((i, c))? as u32;
    }
    Ok(vals)
}

/// The check value (GB 32100) of the 17 values of a credit-code body.
fn uscc_check_value(vals: &[u32]) -> u32 {
    let sum: u32 = vals.iter().enumerate().map(|(i, v)| v * uscc_weight(i)).sum();
    (31 - sum % 31) % 31
}

/// The check character (GB 32100) that completes a 17-character credit-code body, or None when
/// the body is not 17 characters of the code's alphabet.
pub fn uscc_check(body: &str) -> Option<char> {
    let b: &[u8; 17] = body.as_bytes().try_into().ok()?;
    let vals = uscc_values(b).ok()?;
    Some(char::from(USCC_CHARS[uscc_check_value(&vals) as usize]))
}

/// The check character (GB 11714) of an 8-character organisation code (digits and capitals),
/// the ninth character of the code and characters 9-17 of a credit code; None for another input.
pub fn org_code_check(code: &str) -> Option<char> {
    let b = code.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let value = |c: u8| match c.to_ascii_uppercase() {
        c @ b'0'..=b'9' => Some(u32::from(c - b'0')),
        c @ b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    };
    let sum: u32 = b.iter().enumerate().map(|(i, c)| value(*c).map(|v| v * pow2_mod11(8 - i))).sum::<Option<u32>>()?;
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    })
}

/// Check a unified social credit code. Ok carries a warning when only the inner check fails.
pub fn uscc(s: &str) -> Result<Option<String>, String> {
    let Ok(b) = <&[u8; 18]>::try_from(s.as_bytes()) else {
        return Err(format!("a credit code has 18 characters, this has {}", s.chars().count()));
    };
    let vals = uscc_values(b).map_err(|(i, c)| format!("character {} ('{}') is not allowed (no I, O, Z, S, V)", i + 1, c as char))?;
    let want = uscc_check_value(&vals[..17]);
    if vals[17] != want {
        return Err(format!(
            "the last character should be {} but is {}: a character was probably mistyped",
            USCC_CHARS[want as usize] as char, b[17] as char
        ));
    }
    // GB 11714 organisation code in positions 9-17; historic codes may fail it, so only warn.
    // Every character is in the code's ASCII alphabet by now, so the slice is on boundaries.
    let warning = org_code_check(&s[8..16])
        .filter(|want| char::from(b[16].to_ascii_uppercase()) != *want)
        .map(|want| format!("the inner organisation code check (GB 11714) expects {want} at position 17; older codes may not follow it"));
    Ok(warning)
}

/// Check a number of either kind. Without a kind, 17 digits and a digit or X read as a resident
/// ID and anything else as a credit code (an all-digit credit code needs the kind given).
pub fn check(s: &str, kind: Option<IdKind>) -> IdCheck {
    let s = s.trim();
    let looks_like_id =
        s.len() == 18 && s.as_bytes()[..17].iter().all(u8::is_ascii_digit) && matches!(s.as_bytes()[17], b'0'..=b'9' | b'X' | b'x');
    let kind = kind.unwrap_or(if looks_like_id { IdKind::ResidentId } else { IdKind::Uscc });
    let try_id = || match resident_id(s) {
        Ok(d) => IdCheck { valid: true, kind: Some(IdKind::ResidentId), reason: None, warning: None, birth_date: Some(d) },
        Err(r) => IdCheck { valid: false, kind: Some(IdKind::ResidentId), reason: Some(r), warning: None, birth_date: None },
    };
    let try_uscc = || match uscc(s) {
        Ok(w) => IdCheck { valid: true, kind: Some(IdKind::Uscc), reason: None, warning: w, birth_date: None },
        Err(r) => IdCheck { valid: false, kind: Some(IdKind::Uscc), reason: Some(r), warning: None, birth_date: None },
    };
    match kind {
        IdKind::ResidentId => try_id(),
        IdKind::Uscc => try_uscc(),
    }
}

/// "3301**********123X": the first 4 and last 4 characters, the rest hidden.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let n = chars.len();
    chars.iter().enumerate().map(|(i, c)| if i < 4 || i >= n - 4 { *c } else { '*' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_follow_the_standards() {
        let id: Vec<u32> = (0..17).map(id_weight).collect();
        assert_eq!(id, [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]);
        let org: Vec<u32> = (0..8).map(|i| pow2_mod11(8 - i)).collect();
        assert_eq!(org, [3, 7, 9, 10, 5, 8, 4, 2]);
        let us: Vec<u32> = (0..17).map(uscc_weight).collect();
        assert_eq!(us, [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]);
    }

    #[test]
    fn worked_example_13() {
        assert!(resident_id("11010519491231002X").is_ok());
        assert!(resident_id("11010519491231002x").is_ok());
        assert!(resident_id("440524188001010014").is_ok());
        assert!(resident_id("110105194912310021").unwrap_err().contains("should be X"));
        assert!(resident_id("110105195001010014").is_err());
        assert_eq!(uscc("91350100M000100Y43"), Ok(None));
        assert!(uscc("91440300708461136T").is_ok());
        assert!(uscc("91110108551385082Q").is_ok());
        assert!(uscc("91350200M000000510").unwrap_err().contains("should be D"));
        assert!(uscc("91350128M00000019A").is_err());
    }

    #[test]
    fn check_picks_the_kind() {
        let c = check("11010519491231002X", None);
        assert!(c.valid);
        assert_eq!(c.kind, Some(IdKind::ResidentId));
        assert_eq!(c.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31));
        let c = check("91350100M000100Y43", None);
        assert!(c.valid);
        assert_eq!(c.kind, Some(IdKind::Uscc));
        let c = check("123", None);
        assert!(!c.valid);
        assert!(c.reason.unwrap().contains("18 characters"));
        let c = check("11010519491331002X", None);
        assert!(c.reason.unwrap().contains("birth date"));
    }

    #[test]
    fn check_characters_complete_bodies() {
        assert_eq!(resident_id_check("11010519491231002"), Some('X'));
        assert_eq!(resident_id_check("44052418800101001"), Some('4'));
        assert_eq!(resident_id_check("4405241880010100"), None);
        assert_eq!(resident_id_check("4405241880010100A"), None);
        assert_eq!(uscc_check("91350100M000100Y4"), Some('3'));
        assert_eq!(uscc_check("91440300708461136"), Some('T'));
        assert_eq!(uscc_check("91440300708461I36"), None);
        assert_eq!(uscc_check("9144030070846113"), None);
        // 91350100M000100Y43: organisation code M000100Y4.
        assert_eq!(org_code_check("M000100Y"), Some('4'));
        assert_eq!(org_code_check("70846113"), Some('6'));
        assert_eq!(org_code_check("7084611"), None);
        assert_eq!(org_code_check("7084611-"), None);
    }

    #[test]
    fn the_inner_check_only_warns() {
        // A valid outer check over an organisation code whose own check character is wrong.
        let body = "91350100M000100Y5";
        let code = format!("{body}{}", uscc_check(body).unwrap());
        let w = uscc(&code).unwrap().unwrap();
        assert!(w.contains("expects 4 at position 17"), "{w}");
    }

    #[test]
    fn masks() {
        assert_eq!(mask("11010519491231002X"), "1101**********002X");
        assert_eq!(mask("123"), "***");
    }
}
