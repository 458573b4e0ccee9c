//! async-graphql's own messages — a document that does not parse, a query's validation
//! errors, a value an input type refuses, an operation that is not in the document — in
//! the request's language.
//!
//! async-graphql writes them in English, from a known set of templates. Each template is
//! a pattern here with a catalogue message (`gql-…`); a message that matches none (a new
//! template of a later version) stays as written. The parser's diagnostics (pest's: the
//! position, the line with its underline, then `= expected …`) keep their position lines
//! and have their last line said in the language; the grammar's rule names in it
//! (`selection_set`, `EOI`…) stay as they are. English stays exactly as async-graphql
//! wrote it.

use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::{Arg, Lang, Message};

/// A template of async-graphql's: the pattern of its English text, the catalogue message
/// that says it, and the names of the pattern's groups as the message's arguments.
struct Template {
    pattern: Regex,
    id: &'static str,
    args: &'static [&'static str],
}

/// `"…"` in a template: a name (anything but a quote).
const Q: &str = r#""([^"]*)""#;

/// The templates, in the order they are tried (the most specific first).
static TEMPLATES: LazyLock<Vec<Template>> = LazyLock::new(|| {
    let templates: [(String, &'static str, &'static [&'static str]); 25] = [
        (format!("^Unknown field {Q} on type {Q}\\.$"), "gql-unknown-field", &["field", "type"]),
        (
            format!("^Unknown argument {Q} on field {Q} of type {Q}\\.$"),
            "gql-unknown-argument",
            &["argument", "field", "type"],
        ),
        (
            format!("^Unknown argument {Q} on directive {Q}\\.$"),
            "gql-unknown-directive-argument",
            &["argument", "directive"],
        ),
        (
            format!("^Field {Q} argument {Q} of type {Q} is required but not provided$"),
            "gql-argument-required",
            &["field", "argument", "type"],
        ),
        (
            format!("^Directive \"@([^\"]*)\" argument {Q} of type {Q} is required but not provided$"),
            "gql-directive-argument-required",
            &["directive", "argument", "type"],
        ),
        (
            format!("^Field {Q} must not have a selection since type {Q} has no subfields$"),
            "gql-no-subfields",
            &["field", "type"],
        ),
        (
            format!("^Field {Q} of type {Q} must have a selection of subfields$"),
            "gql-subfields-needed",
            &["field", "type"],
        ),
        (format!("^Unknown fragment: {Q}$"), "gql-unknown-fragment", &["fragment"]),
        (format!("^Unknown type {Q}$"), "gql-unknown-type", &["type"]),
        (
            format!("^Variable \"\\$([^\"]*)\" is not defined by operation {Q}$"),
            "gql-variable-undefined-in",
            &["variable", "operation"],
        ),
        ("^Variable \"\\$([^\"]*)\" is not defined$".to_owned(), "gql-variable-undefined", &["variable"]),
        (
            format!("^Variable \"\\$([^\"]*)\" is not used by operation {Q}$"),
            "gql-variable-unused-in",
            &["variable", "operation"],
        ),
        ("^Variable \"\\$([^\"]*)\" is not used$".to_owned(), "gql-variable-unused", &["variable"]),
        (format!("^Variable {Q} cannot be of non-input type {Q}$"), "gql-variable-not-input", &["variable", "type"]),
        (
            format!("^Variable {Q} of type {Q} used in position expecting type {Q}$"),
            "gql-variable-position",
            &["variable", "type", "expected"],
        ),
        (format!("^Fragment {Q} is never used$"), "gql-fragment-unused", &["fragment"]),
        (format!("^Unknown directive {Q}$"), "gql-unknown-directive", &["directive"]),
        (format!("^Directive {Q} may not be used on {Q}$"), "gql-directive-location", &["directive", "location"]),
        (format!("^There can only be one argument named {Q}$"), "gql-argument-twice", &["argument"]),
        ("^There can only be one variable named \"\\$([^\"]*)\"$".to_owned(), "gql-variable-twice", &["variable"]),
        (format!("^Fields {Q} conflict because "), "gql-fields-conflict", &["alias"]),
        (format!("^Unknown operation named {Q}$"), "gql-unknown-operation", &["operation"]),
        ("^Operation name required in request\\.$".to_owned(), "gql-operation-name-required", &[]),
        (format!("^Expected input type {Q}, found (.*)\\.$"), "gql-expected-type", &["type", "value"]),
        (format!("^Failed to parse {Q}: (.*)$"), "gql-failed-to-parse", &["type", "reason"]),
    ];
    templates
        .into_iter()
        .filter_map(|(pattern, id, args)| Some(Template { pattern: Regex::new(&pattern).ok()?, id, args }))
        .collect()
});

/// `Invalid value for argument "path", reason` (and the same for a default value): the
/// reason has its own templates.
static INVALID_VALUE: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#"^Invalid (default )?value for argument:? "([^"]*)", (.*)$"#).ok());
static REASONS: LazyLock<Vec<Template>> = LazyLock::new(|| {
    let reasons: [(String, &'static str, &'static [&'static str]); 4] = [
        (format!("^expected type {Q}$"), "gql-reason-expected-type", &["type"]),
        (format!("^enumeration type {Q} does not contain the value {Q}$"), "gql-reason-enum-value", &["type", "value"]),
        (
            format!("^field {Q} of type {Q} is required but not provided$"),
            "gql-reason-field-required",
            &["field", "type"],
        ),
        (format!("^unknown field {Q} of type {Q}$"), "gql-reason-unknown-field", &["field", "type"]),
    ];
    reasons
        .into_iter()
        .filter_map(|(pattern, id, args)| Some(Template { pattern: Regex::new(&pattern).ok()?, id, args }))
        .collect()
});

/// ` Did you mean "a", "b"?` at the end of a message.
static SUGGESTION: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r#"^(.*\.) Did you mean ("[^?]*")\?$"#).ok());

fn message_of(template: &Template, captures: &Captures<'_>) -> Message {
    template.args.iter().enumerate().fold(Message::new(template.id), |message, (i, name)| {
        message.arg(name, captures.get(i + 1).map_or("", |m| m.as_str()))
    })
}

fn matching(templates: &[Template], text: &str) -> Option<Message> {
    templates.iter().find_map(|t| t.pattern.captures(text).map(|c| message_of(t, &c)))
}

/// The parser's own messages that are not a position diagnostic
/// (`async_graphql_parser::Error`'s `Display`).
static PARSER: LazyLock<Vec<Template>> = LazyLock::new(|| {
    let templates: [(&str, &'static str, &'static [&'static str]); 5] = [
        ("^document contains multiple operations$", "gql-parse-multiple-operations", &[]),
        (r"^operation (\S+) is defined twice$", "gql-parse-operation-twice", &["operation"]),
        (r"^fragment (\S+) is defined twice$", "gql-parse-fragment-twice", &["fragment"]),
        ("^document does not contain an operation$", "gql-parse-no-operation", &[]),
        (r"^recursion limit exceeded\.$", "gql-parse-recursion-limit", &[]),
    ];
    templates
        .into_iter()
        .filter_map(|(pattern, id, args)| Some(Template { pattern: Regex::new(pattern).ok()?, id, args }))
        .collect()
});

/// The grammar rules of a pest diagnostic's list (`a`, `a or b`, `a, b, or c`), said as
/// a list of the language; the names stay as they are.
fn rules(list: &str) -> Message {
    if let Some((first, last)) = list.rsplit_once(", or ") {
        Message::new("gql-parse-rules-many").arg("first", first).arg("last", last)
    } else if let Some((first, last)) = list.split_once(" or ") {
        Message::new("gql-parse-rules-two").arg("first", first).arg("last", last)
    } else {
        Message::new("gql-parse-rules-one").arg("rule", list)
    }
}

/// What pest says on the last line of its diagnostic.
fn syntax(said: &str) -> Option<Message> {
    if said == "unknown parsing error" {
        return Some(Message::new("gql-parse-unknown"));
    }
    if let Some(rest) = said.strip_prefix("unexpected ") {
        return Some(match rest.split_once("; expected ") {
            Some((unexpected, expected)) => Message::new("gql-parse-unexpected-expected")
                .arg("unexpected", rules(unexpected))
                .arg("expected", rules(expected)),
            None => Message::new("gql-parse-unexpected").arg("unexpected", rules(rest)),
        });
    }
    said.strip_prefix("expected ").map(|expected| Message::new("gql-parse-expected").arg("expected", rules(expected)))
}

/// A parser's diagnostic in `lang`: pest's (` --> 1:3`, the line, its underline, then
/// `  = expected …` last), with its last line said in `lang`; a number that does not
/// fit; or one of the parser's own messages. `None` when it is none of these.
fn parser(message: &str, lang: Lang) -> Option<String> {
    if let Some((head, last)) = message.rsplit_once('\n')
        && head.trim_start().starts_with("--> ")
        && let Some((indent, said)) = last.split_once("= ")
        && indent.chars().all(|c| c == ' ')
    {
        return Some(format!("{head}\n{indent}= {}", syntax(said)?.render(lang)));
    }
    if let Some(reason) = message.strip_prefix("invalid number: ") {
        // Rust's own words for a number it cannot read; the rarer ones stay as written.
        let reason = match reason {
            "number too large to fit in target type" => Arg::from(Message::new("gql-parse-number-too-large")),
            "number too small to fit in target type" => Arg::from(Message::new("gql-parse-number-too-small")),
            other => Arg::from(other),
        };
        return Some(Message::new("gql-parse-invalid-number").arg("reason", reason).render(lang).into_owned());
    }
    matching(&PARSER, message).map(|m| m.render(lang).into_owned())
}

/// async-graphql's `message` in `lang`: the same text in English, and in French when it
/// follows a known template; `None` when it stays as written.
pub fn translate(message: &str, lang: Lang) -> Option<String> {
    if lang == Lang::En {
        return None;
    }
    if let Some(said) = parser(message, lang) {
        return Some(said);
    }
    let (main, suggestion) = match SUGGESTION.as_ref().and_then(|s| s.captures(message)) {
        Some(c) => (c.get(1).map_or(message, |m| m.as_str()), c.get(2).map(|m| m.as_str())),
        None => (message, None),
    };
    let mut text = if let Some(c) = INVALID_VALUE.as_ref().and_then(|v| v.captures(main)) {
        let reason = c.get(3).map_or("", |m| m.as_str());
        let reason = matching(&REASONS, reason).map_or_else(|| reason.to_owned(), |m| m.render(lang).into_owned());
        let id = if c.get(1).is_some() { "gql-invalid-default" } else { "gql-invalid-value" };
        Message::new(id)
            .arg("argument", c.get(2).map_or("", |m| m.as_str()))
            .arg("reason", reason)
            .render(lang)
            .into_owned()
    } else {
        matching(&TEMPLATES, main)?.render(lang).into_owned()
    };
    if let Some(options) = suggestion {
        text.push(' ');
        text.push_str(&Message::new("gql-did-you-mean").arg("options", options).render(lang));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_compiles() {
        // A pattern that does not compile is left out (no panic in the server): none is.
        assert_eq!((TEMPLATES.len(), REASONS.len(), PARSER.len()), (25, 4, 5));
        assert!(INVALID_VALUE.is_some() && SUGGESTION.is_some());
    }

    #[test]
    fn known_templates_are_said_in_french_and_english_stays_as_written() {
        let cases = [
            (
                r#"Unknown field "nmae" on type "Community". Did you mean "name"?"#,
                r#"Champ "nmae" inconnu sur le type "Community". Vouliez-vous dire "name" ?"#,
            ),
            (
                r#"Field "community" argument "slug" of type "Query" is required but not provided"#,
                r#"L’argument "slug" du champ "community" (type "Query") est requis mais n’a pas été fourni"#,
            ),
            (
                r#"Invalid value for argument "input.kind", enumeration type "ThreadKind" does not contain the value "GOSSIP""#,
                r#"Valeur invalide pour l’argument "input.kind" : le type énuméré "ThreadKind" ne contient pas la valeur "GOSSIP""#,
            ),
            (r#"Variable "$id" is not defined"#, r#"La variable "$id" n’est pas définie"#),
            (
                r#"Field "communities" of type "CommunityConnection!" must have a selection of subfields"#,
                r#"Le champ "communities" de type "CommunityConnection!" doit avoir une sélection de sous-champs"#,
            ),
        ];
        for (english, french) in cases {
            assert_eq!(translate(english, Lang::Fr).as_deref(), Some(french), "{english}");
            assert_eq!(translate(english, Lang::En), None);
        }
        // A diagnostic with no template stays as written.
        assert_eq!(translate(" --> 1:3\n  |\n1 | { x\n  |   ^---", Lang::Fr), None);
        assert_eq!(translate("a new message of a later version", Lang::Fr), None);
    }

    /// The parser's diagnostics, as async-graphql 7.2.1 writes them for these documents.
    #[test]
    fn parse_errors_keep_their_position_and_say_the_rest_in_french() {
        let cases = [
            ("{", "expected selection", "attendu : selection"),
            ("{ a } }", "expected EOI or executable_definition", "attendu : EOI ou executable_definition"),
        ];
        for (document, english_end, french_end) in cases {
            let Err(err) = async_graphql::parser::parse_query(document) else { panic!("{document} parses") };
            let english = err.to_string();
            assert!(english.starts_with(" --> 1:"), "{english}");
            assert!(english.ends_with(&format!("= {english_end}")), "{document}: {english}");
            let french = translate(&english, Lang::Fr).unwrap_or_else(|| panic!("{english} is not translated"));
            let (head, _) = english.rsplit_once('\n').unwrap_or_default();
            assert_eq!(french, format!("{head}\n  = {french_end}"), "{document}");
            assert_eq!(translate(&english, Lang::En), None, "English stays as written");
        }
        let lists = [
            ("  = expected a or b", "  = attendu : a ou b"),
            ("  = expected a, b, or c", "  = attendu : a, b ou c"),
            ("  = unexpected a; expected b or c", "  = inattendu : a ; attendu : b ou c"),
            ("  = unexpected x", "  = inattendu : x"),
            ("  = unknown parsing error", "  = erreur de syntaxe inconnue"),
        ];
        for (last, french) in lists {
            let english = format!(" --> 1:1\n  |\n1 | x\n  | ^\n  |\n{last}");
            assert_eq!(translate(&english, Lang::Fr), Some(format!(" --> 1:1\n  |\n1 | x\n  | ^\n  |\n{french}")));
        }
        let others = [
            ("query a { a } query a { b }", "l’opération a est définie deux fois"),
            ("{ a } { b }", "le document contient plusieurs opérations"),
            ("fragment f on Q { a }", "le document ne contient aucune opération"),
        ];
        for (document, french) in others {
            let Err(err) = async_graphql::parser::parse_query(document) else { panic!("{document} parses") };
            assert_eq!(translate(&err.to_string(), Lang::Fr).as_deref(), Some(french), "{document}: {err}");
        }
        assert_eq!(
            translate("invalid number: number too large to fit in target type", Lang::Fr).as_deref(),
            Some("nombre invalide : trop grand pour le type attendu")
        );
    }
}
