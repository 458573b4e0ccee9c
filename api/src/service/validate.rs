//! Input checks shared by services; each error names the input field.

use crate::error::{ServiceError, ServiceResult};
use crate::i18n::Message;

/// Longest slug.
pub const SLUG_MAX: usize = 64;
/// Longest name or title-like line.
pub const NAME_MAX: usize = 200;
/// Longest thread title.
pub const TITLE_MAX: usize = 300;
/// Longest description.
pub const DESCRIPTION_MAX: usize = 10_000;
/// Longest thread or post body.
pub const BODY_MAX: usize = 50_000;
/// Longest e-mail address.
pub const EMAIL_MAX: usize = 320;
/// Most entries in one eligibility list.
pub const LIST_MAX: usize = 100;

/// A slug: 2 to 64 characters of `a-z`, `0-9` and inner `-`.
pub fn slug(field: &str, value: &str) -> ServiceResult<String> {
    let ok = (2..=SLUG_MAX).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(ServiceError::bad_input(field, Message::new("slug-format").arg("max", SLUG_MAX)))
    }
}

/// Characters that change how text displays without being seen: bidirectional embeddings,
/// overrides, isolates and marks, zero-width characters, the word joiner and the
/// byte-order mark. In a name they can make `\u{202e}gnp.exe` read `exe.png`, or two
/// different names look the same.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}'
    )
}

/// One line of text (a name, a title, a slug-like value): no control character at all
/// (NUL, line breaks and tabs included), no line or paragraph separator, no invisible
/// formatting character ([`is_invisible`]).
pub fn single_line(field: &str, value: &str) -> ServiceResult<()> {
    match value.chars().find(|&c| c.is_control() || is_invisible(c) || matches!(c, '\u{2028}' | '\u{2029}')) {
        None => Ok(()),
        Some(c) => Err(ServiceError::bad_input(field, refused_character(c))),
    }
}

/// Multi-line text (a description, a body, a reason): line breaks and tabs are allowed,
/// other control characters (NUL included) are not.
fn multi_line_characters(field: &str, value: &str) -> ServiceResult<()> {
    match value.chars().find(|&c| c.is_control() && c != '\n' && c != '\t') {
        None => Ok(()),
        Some(c) => Err(ServiceError::bad_input(field, refused_character(c))),
    }
}

fn refused_character(c: char) -> Message {
    let id = if c.is_control() { "control-character" } else { "invisible-character" };
    Message::new(id).arg("code", format!("{:04X}", u32::from(c)))
}

/// Text from a trusted system (an identity provider's claims) made fit for a one-line
/// field: hidden characters dropped, trimmed, at most `max` characters.
pub fn clean_line(value: &str, max: usize) -> String {
    let kept: String = value
        .chars()
        .map(|c| if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') { ' ' } else { c })
        .filter(|&c| !is_invisible(c))
        .collect();
    kept.trim().chars().take(max).collect()
}

/// Trimmed one-line text that must not be empty and must not exceed `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> ServiceResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ServiceError::bad_input(field, Message::new("must-not-be-empty")));
    }
    bounded(field, value, max)
}

/// Trimmed one-line text of at most `max` characters (may be empty); see [`single_line`].
pub fn bounded(field: &str, value: &str, max: usize) -> ServiceResult<String> {
    let value = value.trim();
    single_line(field, value)?;
    at_most(field, value, max)?;
    Ok(value.to_owned())
}

fn at_most(field: &str, value: &str, max: usize) -> ServiceResult<()> {
    let len = value.chars().count();
    if len > max {
        return Err(ServiceError::bad_input(field, Message::new("too-long").arg("length", len).arg("max", max)));
    }
    Ok(())
}

/// Optional one-line text: blank becomes `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> ServiceResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => {
            let v = bounded(field, v, max)?;
            Ok((!v.is_empty()).then_some(v))
        }
    }
}

/// Trimmed multi-line text of at most `max` characters (may be empty): Windows line
/// ends become `\n`; line breaks and tabs are kept, other control characters refused.
pub fn multiline(field: &str, value: &str, max: usize) -> ServiceResult<String> {
    let value = value.trim().replace("\r\n", "\n");
    multi_line_characters(field, &value)?;
    at_most(field, &value, max)?;
    Ok(value)
}

/// Multi-line text that must not be empty; see [`multiline`].
pub fn required_multiline(field: &str, value: &str, max: usize) -> ServiceResult<String> {
    let value = multiline(field, value, max)?;
    if value.is_empty() {
        return Err(ServiceError::bad_input(field, Message::new("must-not-be-empty")));
    }
    Ok(value)
}

/// Optional multi-line text: blank becomes `None`.
pub fn optional_multiline(field: &str, value: Option<&str>, max: usize) -> ServiceResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => {
            let v = multiline(field, v, max)?;
            Ok((!v.is_empty()).then_some(v))
        }
    }
}

/// An e-mail address, lower-cased.
pub fn email(field: &str, value: &str) -> ServiceResult<String> {
    let value = value.trim().to_lowercase();
    let valid = value.len() <= EMAIL_MAX
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !value.chars().any(|c| c.is_whitespace() || c.is_control() || is_invisible(c));
    if valid { Ok(value) } else { Err(ServiceError::bad_input(field, Message::new("not-an-email"))) }
}

/// A list of short strings (eligibility criteria), trimmed, without blanks or duplicates.
pub fn string_list(field: &str, values: &[String]) -> ServiceResult<Vec<String>> {
    if values.len() > LIST_MAX {
        return Err(ServiceError::bad_input(field, Message::new("too-many-entries").arg("max", LIST_MAX)));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for value in values {
        let value = required_text(field, value, NAME_MAX)?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(out)
}

/// Longest URL.
pub const URL_MAX: usize = 2_000;

/// An absolute `https` URL without credentials or fragment; plain `http` only on a
/// loopback host (development and tests).
pub fn web_url(field: &str, value: &str) -> ServiceResult<url::Url> {
    let value = value.trim();
    let bad = |id: &'static str| ServiceError::bad_input(field, Message::new(id));
    if value.len() > URL_MAX {
        return Err(bad("url-too-long"));
    }
    let parsed = url::Url::parse(value).map_err(|_| bad("url-not-absolute"))?;
    let loopback = match parsed.host() {
        Some(url::Host::Domain(name)) => name == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => return Err(bad("url-needs-https")),
        _ => return Err(bad("url-not-http")),
    }
    if parsed.host_str().is_none() || !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("url-host-and-credentials"));
    }
    if parsed.fragment().is_some() {
        return Err(bad("url-fragment"));
    }
    Ok(parsed)
}

/// A DNS domain name, lower-cased (`cisss-mc.gouv.qc.ca`).
pub fn domain(field: &str, value: &str) -> ServiceResult<String> {
    let value = value.trim().trim_start_matches('@').to_lowercase();
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if value.len() <= 253 && value.contains('.') && value.split('.').all(label_ok) {
        Ok(value)
    } else {
        Err(ServiceError::bad_input(field, Message::new("not-a-domain").arg("value", value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(slug("slug", "privacy-2026").is_ok());
        for bad in ["", "a", "Privacy", "-x", "x-", "a b", "é-t", &"x".repeat(65)] {
            let err = slug("slug", bad).expect_err(bad);
            assert_eq!(err.field(), Some("slug"));
        }
    }

    #[test]
    fn text_limits_count_characters() {
        assert!(bounded("name", &"é".repeat(200), NAME_MAX).is_ok());
        assert!(bounded("name", &"é".repeat(201), NAME_MAX).is_err());
        assert!(required_text("title", "   ", 10).is_err());
    }

    #[test]
    fn urls_and_domains() {
        assert!(web_url("issuer", "https://login.cisss.example/realms/main").is_ok());
        assert!(web_url("issuer", "http://127.0.0.1:8080").is_ok());
        for bad in ["http://login.example", "ftp://x.example", "https://u:p@x.example", "https://x.example/#f", "nope"]
        {
            assert_eq!(web_url("issuer", bad).expect_err(bad).field(), Some("issuer"));
        }
        assert_eq!(domain("d", "@CISSS.Example").ok().as_deref(), Some("cisss.example"));
        assert!(domain("d", "localhost").is_err());
        assert!(domain("d", "a..b").is_err());
    }

    #[test]
    fn names_refuse_control_and_invisible_characters() {
        for bad in [
            "nul\0byte",
            "\u{202e}gnp.exe",
            "a\u{200b}b",
            "a\u{200d}b",
            "\u{feff}bom",
            "a\u{2060}b",
            "a\u{2066}b\u{2069}",
            "line\nbreak",
            "tab\tx",
            "bell\u{7}",
            "c1\u{85}x",
            "sep\u{2028}x",
            "lrm\u{200e}",
        ] {
            let err = required_text("name", bad, NAME_MAX).expect_err(bad);
            assert_eq!(err.field(), Some("name"), "{bad:?}");
            assert!(optional_text("name", Some(bad), NAME_MAX).is_err(), "{bad:?}");
            assert!(string_list("regions", &[bad.to_owned()]).is_err(), "{bad:?}");
        }
        assert_eq!(required_text("name", " Équipe Montérégie ", NAME_MAX).ok().as_deref(), Some("Équipe Montérégie"));
        assert!(required_text("name", "مجتمع الممارسة", NAME_MAX).is_ok(), "right-to-left scripts are fine");
    }

    #[test]
    fn multi_line_text_keeps_line_breaks_and_tabs_only() {
        assert_eq!(multiline("body", "one\r\n\ttwo\n", BODY_MAX).ok().as_deref(), Some("one\n\ttwo"));
        assert!(multiline("body", "emoji \u{1f469}\u{200d}\u{1f4bb} and \u{2067}عربي\u{2069}", BODY_MAX).is_ok());
        for bad in ["nul\0", "bell\u{7}", "esc\u{1b}[31m", "cr\ronly", "c1\u{9b}"] {
            assert_eq!(multiline("body", bad, BODY_MAX).expect_err(bad).field(), Some("body"), "{bad:?}");
        }
        assert!(required_multiline("body", " \n ", BODY_MAX).is_err());
        assert_eq!(optional_multiline("reason", Some("  "), 10).ok(), Some(None));
    }

    #[test]
    fn provider_text_is_cleaned_not_refused() {
        assert_eq!(clean_line("\u{202e}Ana\u{200b} Roy\0\n", 200), "Ana Roy");
        assert_eq!(clean_line(&"é".repeat(300), 200).chars().count(), 200);
    }

    #[test]
    fn emails() {
        assert_eq!(email("email", " Ana@CISSS.example ").ok().as_deref(), Some("ana@cisss.example"));
        for bad in ["ana", "@x.ca", "ana@x", "a b@x.ca", "ana@.ca", "ana\0@x.ca", "ana\u{200b}@x.ca"] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }
}
