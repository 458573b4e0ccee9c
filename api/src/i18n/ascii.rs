//! Texts for protocols that allow a narrow set of characters: OAuth 2.0's
//! `error_description` (RFC 6749 §5.2) is `%x20-21 / %x23-5B / %x5D-7E`, printable ASCII
//! without `"` and `\`.

use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Whether `c` is in the set RFC 6749 §5.2 allows in `error_description`.
pub fn is_oauth_description_char(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{21}' | '\u{23}'..='\u{5B}' | '\u{5D}'..='\u{7E}')
}

/// `text` made to fit `error_description`: accents taken off (`é` → `e`, by canonical
/// decomposition), typographic quotes and apostrophes made `'`, ligatures spelt out,
/// spaces of every kind made a plain space, `"` made `'`, `\` made `/`, anything else
/// outside the set dropped.
pub fn oauth_description(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            c if is_oauth_description_char(c) => out.push(c),
            '"' | '\u{2018}' | '\u{2019}' | '\u{201C}' | '\u{201D}' | '\u{AB}' | '\u{BB}' | '\u{2039}' | '\u{203A}' => {
                out.push('\'')
            }
            '\\' => out.push('/'),
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'ß' => out.push_str("ss"),
            '\u{2013}' | '\u{2014}' | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            c if c.is_whitespace() => out.push(' '),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_is_made_plain_ascii_and_fits_the_set() {
        let said =
            oauth_description("l’authentification du client a échoué « vraiment » — œuvre\u{202F}: \"x\\y\"\n🙂");
        assert_eq!(said, "l'authentification du client a echoue ' vraiment ' - oeuvre : 'x/y' ");
        assert!(said.chars().all(is_oauth_description_char), "{said}");
        // Already plain English stays as it is.
        let english = "the client's organization or account is suspended";
        assert_eq!(oauth_description(english), english);
    }

    #[test]
    fn any_text_fits_the_set() {
        let every: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(oauth_description(&every).chars().all(is_oauth_description_char));
    }
}
