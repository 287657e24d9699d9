//! A strict little XML reader, enough to check the charts are well-formed without a dependency.

use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    /// Unescaped text directly inside the element.
    pub text: String,
    /// Names of the enclosing elements, outermost first.
    pub parents: Vec<String>,
}

/// Parse the whole document or say where it breaks.
pub fn parse(doc: &str) -> Result<Vec<Element>, String> {
    let mut out: Vec<Element> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut rest = doc;
    let mut roots = 0;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unclosed end tag")?;
            let name = after[..end].trim();
            let open = stack.pop().ok_or_else(|| format!("</{name}> with nothing open"))?;
            if out[open].name != name {
                return Err(format!("</{name}> closes <{}>", out[open].name));
            }
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix('<') {
            let end = after.find('>').ok_or("unclosed tag")?;
            let (inner, self_closing) = match after[..end].strip_suffix('/') {
                Some(i) => (i, true),
                None => (&after[..end], false),
            };
            let (name, attrs) = tag(inner)?;
            if stack.is_empty() {
                roots += 1;
            }
            let parents = stack.iter().map(|i| out[*i].name.clone()).collect();
            out.push(Element { name, attrs, text: String::new(), parents });
            if !self_closing {
                stack.push(out.len() - 1);
            }
            rest = &after[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = unescape(&rest[..end])?;
            match stack.last() {
                Some(i) => out[*i].text.push_str(&text),
                None if text.trim().is_empty() => {}
                None => return Err(format!("text outside the root: {text:?}")),
            }
            rest = &rest[end..];
        }
    }
    if let Some(i) = stack.last() {
        return Err(format!("<{}> never closed", out[*i].name));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(out)
}

fn tag(inner: &str) -> Result<(String, BTreeMap<String, String>), String> {
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':') {
        return Err(format!("bad tag name {name:?}"));
    }
    let mut attrs = BTreeMap::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or_else(|| format!("attribute without value in <{name}>: {rest:?}"))?;
        let key = rest[..eq].trim().to_string();
        let after = &rest[eq + 1..];
        let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'').ok_or(format!("unquoted {key} in <{name}>"))?;
        let close = after[1..].find(quote).ok_or(format!("unterminated {key} in <{name}>"))?;
        let raw = &after[1..1 + close];
        if raw.contains('<') {
            return Err(format!("raw < in {key} of <{name}>"));
        }
        if attrs.insert(key.clone(), unescape(raw)?).is_some() {
            return Err(format!("{key} twice in <{name}>"));
        }
        rest = after[close + 2..].trim_start();
    }
    Ok((name.to_string(), attrs))
}

fn unescape(s: &str) -> Result<String, String> {
    if s.contains('>') {
        return Err(format!("raw > in {s:?}"));
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';').ok_or(format!("bare & in {s:?}"))?;
        let ent = &rest[amp + 1..amp + semi];
        out.push(match ent {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => ent.strip_prefix('#').and_then(|n| n.parse().ok()).and_then(char::from_u32).ok_or(format!("bad entity &{ent};"))?,
        });
        rest = &rest[amp + semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
