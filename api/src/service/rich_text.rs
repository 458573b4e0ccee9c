//! The one Markdown renderer and HTML sanitizer of the product: every piece of rich text
//! people write (threads, replies, wiki pages, event agendas…) is stored as the Markdown
//! they wrote and served as HTML that went through [`to_html`]. Nothing else renders.

use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{Options, Parser, html};

/// The sanitizer: an allow-list of formatting tags. No script, style, iframe, form,
/// event handler or `style` attribute survives; URLs keep only http, https and mailto
/// (so no `javascript:` or `data:`); every link opens without referrer power
/// (`rel="nofollow noopener noreferrer"`).
static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some("nofollow noopener noreferrer"))
        .rm_tags(["img"])
        .add_allowed_classes("code", LANGUAGE_CLASSES.iter().copied());
    builder
});

/// Highlighting hints a front end may style (`class="language-rust"`); anything else is dropped.
const LANGUAGE_CLASSES: &[&str] = &[
    "language-text",
    "language-json",
    "language-sql",
    "language-rust",
    "language-python",
    "language-javascript",
    "language-bash",
    "language-csv",
    "language-markdown",
];

/// Renders Markdown (CommonMark with tables, strikethrough and task lists) to sanitized HTML.
/// Raw HTML in the Markdown is treated like any other input: it goes through the sanitizer.
pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut unsafe_html = String::with_capacity(markdown.len() + markdown.len() / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    SANITIZER.clean(&unsafe_html).to_string()
}

/// The longest name a mention shows.
const MENTION_LABEL_MAX: usize = 200;
/// The longest person id a mention names.
const MENTION_ID_MAX: usize = 64;

/// The index of the first `wanted` (ASCII) among the first `limit` bytes of `text`.
fn find_within(text: &str, wanted: char, limit: usize) -> Option<usize> {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].find(wanted)
}

/// Whether the text may hold a mention (`@[`): only then are its mentions looked up.
pub fn has_mentions(markdown: &str) -> bool {
    markdown.contains("@[")
}

/// The person ids of the text's mentions (`@[Name](person-id)`), in order, as
/// [`to_html_with_mentions`] reads them.
pub fn mention_targets(markdown: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = markdown;
    while let Some(start) = rest.find("@[") {
        let after = &rest[start + 2..];
        match parse_mention(after) {
            Some((_, id, used)) => {
                out.push(id);
                rest = &after[used..];
            }
            None => rest = after,
        }
    }
    out
}

/// Renders Markdown like [`to_html`], with its mentions: `@[Name](person-id)` becomes a
/// link `@Name` to `/people/<person-id>` when `resolves(person-id)` (the person is one
/// of those the text mentions, as the viewer may see them), and the plain text `@Name`
/// otherwise, so a mention of someone the viewer may not see, or that was never stored,
/// links nowhere.
pub fn to_html_with_mentions(markdown: &str, resolves: impl Fn(&str) -> bool) -> String {
    if !has_mentions(markdown) {
        return to_html(markdown);
    }
    let mut out = String::with_capacity(markdown.len() + 32);
    let mut rest = markdown;
    while let Some(start) = rest.find("@[") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match parse_mention(after) {
            Some((label, id, used)) => {
                if resolves(id) {
                    out.push_str(&format!("[@{label}](/people/{id})"));
                } else {
                    out.push('@');
                    out.push_str(label);
                }
                rest = &after[used..];
            }
            None => {
                out.push_str("@[");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    to_html(&out)
}

/// Reads `Name](id)` (after `@[`): the name (one line without brackets, at most
/// [`MENTION_LABEL_MAX`] characters), the id (letters, digits, `-`, `_`, `=`, `+`, `/`)
/// and the bytes used.
/// The search for `]` and `)` looks only as far as a valid mention can reach, so a text
/// full of `@[` costs time in proportion to its length, not to its square.
fn parse_mention(text: &str) -> Option<(&str, &str, usize)> {
    // `]` is ASCII: a byte index of it is a character boundary.
    let close = find_within(text, ']', MENTION_LABEL_MAX * 4 + 1)?;
    let label = &text[..close];
    if label.trim().is_empty() || label.chars().count() > MENTION_LABEL_MAX || label.contains(['[', '\n', '\r']) {
        return None;
    }
    let rest = text[close + 1..].strip_prefix('(')?;
    let end = find_within(rest, ')', MENTION_ID_MAX + 1)?;
    let id = &rest[..end];
    let id_ok = !id.is_empty()
        && id.len() <= MENTION_ID_MAX
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | '+' | '/'));
    id_ok.then_some((label, id, close + 2 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::{mention_targets, to_html, to_html_with_mentions};

    #[test]
    fn a_text_full_of_unclosed_mentions_is_read_in_linear_time() {
        // 50,000 characters of `@[` and one `]` at the end: each `@[` used to search to
        // the end of the text (about 600 million byte comparisons per read).
        let hostile = format!("{}]", "@[".repeat(24_999));
        let started = std::time::Instant::now();
        for _ in 0..3 {
            assert!(mention_targets(&hostile).is_empty());
        }
        // About 0.05 s here in a debug build, against 0.7 s when each `@[` searched to the end.
        assert!(started.elapsed() < std::time::Duration::from_millis(400), "took {:?}", started.elapsed());
        assert!(!to_html_with_mentions(&hostile, |_| true).contains("/people/"));
        // A valid mention is still read.
        assert_eq!(mention_targets("hello @[Ana](UGVyc29uOjE) and @[Bo](UGVyc29uOjI)"), ["UGVyc29uOjE", "UGVyc29uOjI"]);
    }

    #[test]
    fn mentions_link_only_to_the_people_resolved() {
        let html = to_html_with_mentions("Merci @[Ana Roy](UGVyc29uOjI=) et @[Bob](UGVyc29uOjM=) !", |id| {
            id == "UGVyc29uOjI="
        });
        assert!(
            html.contains(r#"<a href="/people/UGVyc29uOjI=" rel="nofollow noopener noreferrer">@Ana Roy</a>"#),
            "{html}"
        );
        assert!(html.contains("et @Bob !"), "{html}");
        assert!(!html.contains("UGVyc29uOjM="), "{html}");
        // Not a mention: left as written.
        let html = to_html_with_mentions("@[x](javascript:alert(1)) @[", |_| true);
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("@["), "{html}");
    }

    #[test]
    fn markdown_renders() {
        let html = to_html("# Titre\n\n*important* and [INSPQ](https://www.inspq.qc.ca)");
        assert!(html.contains("<h1>Titre</h1>"), "{html}");
        assert!(html.contains("<em>important</em>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://www.inspq.qc.ca" rel="nofollow noopener noreferrer">INSPQ</a>"#),
            "{html}"
        );
    }

    /// Known XSS vectors (OWASP's cheat sheet and the classics): none may leave anything
    /// executable in the output.
    #[test]
    fn known_xss_vectors_are_neutralised() {
        let vectors = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<svg/onload=alert(1)>",
            "<body onload=alert(1)>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
            "[x](javascript:alert(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "<a href=\"vbscript:msgbox(1)\">x</a>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
            "<style>body{background:red}</style>",
            "<link rel=stylesheet href=http://xss.example/x.css>",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<object data=\"javascript:alert(1)\"></object>",
            "<embed src=\"javascript:alert(1)\">",
            "<form action=\"javascript:alert(1)\"><input type=submit></form>",
            "<details open ontoggle=alert(1)>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<p onclick=alert(1)>x</p>",
            "<base href=\"javascript:alert(1)//\">",
            "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
            "![x](javascript:alert(1))",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        ];
        for vector in vectors {
            let html = to_html(vector).to_ascii_lowercase();
            // Only what is inside tags can execute; escaped text (`&lt;script&gt;`) is harmless.
            for tag in html.split('<').skip(1).filter_map(|rest| rest.split('>').next()) {
                let name = tag.trim_start_matches('/').split([' ', '/']).next().unwrap_or_default();
                assert!(
                    ![
                        "script", "iframe", "style", "svg", "img", "object", "embed", "form", "input", "meta", "link",
                        "base", "math", "noscript", "button", "textarea",
                    ]
                    .contains(&name),
                    "{vector:?} left the tag {tag:?} in {html:?}"
                );
                for bad in ["javascript:", "vbscript:", "data:", " on", "style="] {
                    assert!(!tag.contains(bad), "{vector:?} left {bad:?} in {html:?}");
                }
            }
        }
    }
}
