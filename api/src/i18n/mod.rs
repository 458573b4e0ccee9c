//! French and English: the message catalogue and the request's language.
//!
//! Every text the server writes for people comes from the catalogue
//! (`api/locales/en.ftl`, `api/locales/fr.ftl`, in Project Fluent's syntax), by a message
//! id and its arguments. The language is negotiated once per request from
//! `Accept-Language` (French when the caller asks for `fr`, `fr-CA`… before English;
//! English otherwise) by the [`language`] middleware, which runs the rest of the request
//! under [`LANGUAGE`]; a [`Message`] is rendered when it is displayed, in the language
//! of the request being served. `extensions.code` and `field` never depend on it.

pub mod ascii;
pub mod graphql;

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use unic_langid::LanguageIdentifier;

/// The languages the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// French.
    Fr,
}

impl Lang {
    /// The BCP 47 tag (`Content-Language`).
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }
}

tokio::task_local! {
    /// The language of the request being served.
    pub static LANGUAGE: Lang;
}

/// The language of the request being served (English outside of a request).
pub fn current() -> Lang {
    LANGUAGE.try_with(|lang| *lang).unwrap_or_default()
}

/// The language an `Accept-Language` header asks for: French when a French range comes
/// before any English one (ranges with `q=0` are refusals and are skipped), English
/// otherwise. Weights are read as the order of the ranges, as browsers send them.
pub fn negotiate(accept_language: Option<&str>) -> Lang {
    let Some(header) = accept_language else { return Lang::En };
    let wanted: Vec<&str> = header.split(',').filter(|range| !refused(range)).collect();
    let requested = fluent_langneg::accepted_languages::parse(&wanted.join(","));
    for tag in &requested {
        match tag.language.as_str() {
            "fr" => return Lang::Fr,
            "en" => return Lang::En,
            _ => {}
        }
    }
    Lang::En
}

/// Whether a range of `Accept-Language` carries `q=0`.
fn refused(range: &str) -> bool {
    range.split(';').skip(1).any(|param| {
        let param = param.trim();
        param
            .strip_prefix("q=")
            .or_else(|| param.strip_prefix("Q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .is_some_and(|q| q <= 0.0)
    })
}

/// An argument of a catalogue message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Text, inserted as it is.
    Text(String),
    /// A number (Fluent picks plural forms and formats it for the language).
    Number(f64),
    /// Another message, rendered in the same language (a line number around a problem).
    Message(Box<Message>),
}

impl From<Message> for Arg {
    fn from(value: Message) -> Self {
        Self::Message(Box::new(value))
    }
}

impl From<&str> for Arg {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}
impl From<String> for Arg {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}
macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            #[allow(clippy::cast_precision_loss, clippy::allow_attributes)]
            fn from(value: $t) -> Self {
                Self::Number(value as f64)
            }
        }
    )*};
}
number_arg!(i32, i64, u32, u64, usize, f64);

/// A text for people: a catalogue message with its arguments, rendered in the request's
/// language when displayed; or, for text that comes from elsewhere (a policy's own
/// explanation, a parser's diagnostic), that text as it is.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A message of the catalogue.
    Catalogue {
        /// Its id in `api/locales/*.ftl`.
        id: &'static str,
        /// Its arguments, by name.
        args: Vec<(&'static str, Arg)>,
    },
    /// Text given as it is.
    Verbatim(Cow<'static, str>),
}

impl Message {
    /// The catalogue message `id`, without arguments.
    pub fn new(id: &'static str) -> Self {
        Self::Catalogue { id, args: Vec::new() }
    }

    /// Text that does not come from the catalogue, shown as it is: a diagnostic of a
    /// parser or a library, or a text meant for operators (the command line). There is no
    /// conversion from `&str` or `String`, so that a message for people cannot skip the
    /// catalogue by accident: every such text is written out here, on purpose.
    pub fn verbatim(text: impl Into<Cow<'static, str>>) -> Self {
        Self::Verbatim(text.into())
    }

    /// The same message with the argument `name`.
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        if let Self::Catalogue { args, .. } = &mut self {
            args.push((name, value.into()));
        }
        self
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> Cow<'_, str> {
        match self {
            Self::Verbatim(text) => Cow::Borrowed(text),
            Self::Catalogue { id, args } => Cow::Owned(render(lang, id, args)),
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(current()))
    }
}

/// The catalogue's source files.
const SOURCES: [(Lang, &str); 2] =
    [(Lang::En, include_str!("../../locales/en.ftl")), (Lang::Fr, include_str!("../../locales/fr.ftl"))];

/// One bundle per language, built on first use.
static BUNDLES: LazyLock<Vec<(Lang, FluentBundle<FluentResource>)>> =
    LazyLock::new(|| SOURCES.iter().map(|(lang, source)| (*lang, bundle(*lang, source))).collect());

fn bundle(lang: Lang, source: &str) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = match lang {
        Lang::En => unic_langid::langid!("en"),
        Lang::Fr => unic_langid::langid!("fr"),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the texts go into JSON for programs
    // and people alike.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, errors)| {
        // A unit test parses the catalogue; this is only a safety net.
        tracing::error!(?errors, language = lang.tag(), "message catalogue has syntax errors");
        partial
    });
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(?errors, language = lang.tag(), "message catalogue has duplicate ids");
    }
    bundle
}

/// Renders the message `id` in `lang`, falling back to English, then to the id itself
/// (a unit test checks that every id exists in both languages).
fn render(lang: Lang, id: &str, args: &[(&'static str, Arg)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        match value {
            Arg::Text(text) => fluent_args.set(*name, FluentValue::from(text.as_str())),
            Arg::Number(n) => fluent_args.set(*name, FluentValue::from(*n)),
            Arg::Message(message) => fluent_args.set(*name, FluentValue::from(message.render(lang).into_owned())),
        }
    }
    for wanted in [lang, Lang::En] {
        let Some((_, bundle)) = BUNDLES.iter().find(|(l, _)| *l == wanted) else { continue };
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else { continue };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(id, ?errors, "message rendered with errors");
        }
        return text.into_owned();
    }
    tracing::warn!(id, "message missing from the catalogue");
    id.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn ids(source: &str) -> BTreeSet<String> {
        let resource = match FluentResource::try_new(source.to_owned()) {
            Ok(resource) => resource,
            Err((_, errors)) => panic!("the catalogue does not parse: {errors:?}"),
        };
        resource
            .entries()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_messages_and_parse() {
        let en = ids(SOURCES[0].1);
        let fr = ids(SOURCES[1].1);
        assert!(en.len() > 20, "the catalogue is nearly empty");
        assert_eq!(en.difference(&fr).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in French");
        assert_eq!(fr.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "missing in English");
        for id in &en {
            let english = render(Lang::En, id, &[]);
            let french = render(Lang::Fr, id, &[]);
            assert!(!english.is_empty() && !french.is_empty(), "{id} is empty");
        }
    }

    /// The message ids the code names: the literal after `Message::new(`, and the
    /// hyphenated literals on lines that pick an id to pass on (`bad("…")`, `refuse("…")`,
    /// `let id = …`).
    fn ids_in_code(dir: &std::path::Path, found: &mut BTreeSet<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("source directory") {
            let path = entry.expect("source entry").path();
            if path.is_dir() {
                ids_in_code(&path, found);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source file");
            for (n, line) in text.lines().enumerate() {
                let place = format!("{}:{}", path.display(), n + 1);
                for (i, _) in line.match_indices("Message::new(\"") {
                    let rest = &line[i + "Message::new(\"".len()..];
                    if let Some(end) = rest.find('"') {
                        found.insert((rest[..end].to_owned(), place.clone()));
                    }
                }
                let picks = ["bad(\"", "refuse(\"", "let id = "].iter().any(|m| line.contains(m));
                if picks {
                    for literal in line.split('"').skip(1).step_by(2) {
                        let hyphenated = literal.contains('-')
                            && literal.split('-').all(|w| {
                                !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                            });
                        if hyphenated {
                            found.insert((literal.to_owned(), place.clone()));
                        }
                    }
                }
            }
        }
    }

    /// The variables a pattern uses, selectors and every variant included.
    fn variables_of(pattern: &fluent_syntax::ast::Pattern<&str>, found: &mut BTreeSet<String>) {
        use fluent_syntax::ast::{Expression, InlineExpression, PatternElement};
        fn inline(expression: &InlineExpression<&str>, found: &mut BTreeSet<String>) {
            match expression {
                InlineExpression::VariableReference { id } => {
                    found.insert(id.name.to_owned());
                }
                InlineExpression::Placeable { expression } => outer(expression, found),
                InlineExpression::FunctionReference { arguments, .. } => {
                    arguments.positional.iter().for_each(|a| inline(a, found));
                    arguments.named.iter().for_each(|a| inline(&a.value, found));
                }
                _ => {}
            }
        }
        fn outer(expression: &Expression<&str>, found: &mut BTreeSet<String>) {
            match expression {
                Expression::Inline(expression) => inline(expression, found),
                Expression::Select { selector, variants } => {
                    inline(selector, found);
                    for variant in variants {
                        variables_of(&variant.value, found);
                    }
                }
            }
        }
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                outer(expression, found);
            }
        }
    }

    /// Each message of a catalogue with the variables it uses.
    fn messages_with_variables(source: &str) -> std::collections::BTreeMap<String, BTreeSet<String>> {
        let resource = match fluent_syntax::parser::parse(source) {
            Ok(resource) => resource,
            Err((_, errors)) => panic!("the catalogue does not parse: {errors:?}"),
        };
        resource
            .body
            .iter()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(m) => {
                    let mut variables = BTreeSet::new();
                    if let Some(value) = &m.value {
                        variables_of(value, &mut variables);
                    }
                    Some((m.id.name.to_owned(), variables))
                }
                _ => None,
            })
            .collect()
    }

    /// Messages whose French is rightly the very text of the English.
    const SAME_IN_BOTH: &[(&str, &str)] = &[
        // A grammar rule's name alone (one item of the list of a parse error's
        // `expected …`): rule names are the grammar's, not words of either language.
        ("gql-parse-rules-one", "the rule name as it is"),
    ];

    #[test]
    fn french_and_english_have_the_same_ids_and_variables_and_different_texts() {
        let en = messages_with_variables(SOURCES[0].1);
        let fr = messages_with_variables(SOURCES[1].1);
        let ids = |m: &std::collections::BTreeMap<String, BTreeSet<String>>| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(ids(&en), ids(&fr), "the same ids in both catalogues");
        let mismatched: Vec<_> = en
            .iter()
            .filter(|(id, variables)| fr.get(*id) != Some(*variables))
            .map(|(id, variables)| format!("{id}: English {variables:?}, French {:?}", fr.get(id)))
            .collect();
        assert!(mismatched.is_empty(), "variables differ: {mismatched:#?}");
        let same: Vec<&String> = en
            .keys()
            .filter(|id| render(Lang::En, id, &[]) == render(Lang::Fr, id, &[]))
            .filter(|id| !SAME_IN_BOTH.iter().any(|(same, _)| same == id))
            .collect();
        assert!(same.is_empty(), "French says these exactly as English does: {same:?}");
        for (id, _) in SAME_IN_BOTH {
            assert!(en.contains_key(*id), "{id} is listed as the same in both but is not in the catalogue");
            assert_eq!(render(Lang::En, id, &[]), render(Lang::Fr, id, &[]), "{id} is no longer the same in both");
        }
    }

    #[test]
    fn every_message_the_code_names_is_in_the_catalogue() {
        let en = ids(SOURCES[0].1);
        let mut named = BTreeSet::new();
        ids_in_code(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut named);
        assert!(named.len() > 100, "the scan found too few ids: {}", named.len());
        let missing: Vec<_> = named.iter().filter(|(id, _)| !en.contains(id)).collect();
        assert!(missing.is_empty(), "named in the code but not in the catalogue: {missing:?}");
    }

    #[test]
    fn accept_language_is_negotiated() {
        assert_eq!(negotiate(None), Lang::En);
        assert_eq!(negotiate(Some("fr")), Lang::Fr);
        assert_eq!(negotiate(Some("fr-CA,fr;q=0.9,en;q=0.8")), Lang::Fr);
        assert_eq!(negotiate(Some("de-DE, fr;q=0.5")), Lang::Fr);
        assert_eq!(negotiate(Some("en-US,en;q=0.9,fr;q=0.8")), Lang::En);
        assert_eq!(negotiate(Some("fr;q=0, en")), Lang::En);
        assert_eq!(negotiate(Some("es, de")), Lang::En);
        assert_eq!(negotiate(Some("*")), Lang::En);
        assert_eq!(negotiate(Some(";;,,q=,\u{7f}")), Lang::En);
    }

    #[test]
    fn arguments_and_plurals_are_rendered_without_isolation_marks() {
        let message = Message::new("too-long").arg("length", 12).arg("max", 10);
        assert_eq!(message.render(Lang::En), "is 12 characters long; the maximum is 10");
        assert_eq!(message.render(Lang::Fr), "compte 12 caractères; le maximum est de 10");
    }

    #[test]
    fn selectors_choose_the_words_of_each_language() {
        let denied = Message::new("denied").arg("action", "manage_members").arg("object", "community");
        assert_eq!(denied.render(Lang::En), "you may not manage members on this community");
        assert_eq!(denied.render(Lang::Fr), "vous ne pouvez pas gérer les membres dans cette communauté");
        let missing = Message::new("not-found").arg("what", "wiki-page");
        assert_eq!(missing.render(Lang::Fr), "page de wiki introuvable");
        assert_eq!(Message::new("not-found").arg("what", "spaceship").render(Lang::En), "not found");
    }

    #[tokio::test]
    async fn a_message_is_displayed_in_the_language_of_the_request() {
        let message = Message::new("must-not-be-empty");
        assert_eq!(message.to_string(), "must not be empty");
        let french = LANGUAGE.scope(Lang::Fr, async { message.to_string() }).await;
        assert_eq!(french, "ne doit pas être vide");
    }
}
