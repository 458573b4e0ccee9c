//! Translations of named things: a community's, an organization's, a theme's or a
//! subgroup's name (and description, for those that have one) in French and English.
//!
//! A named thing keeps its own `name` and `description` (the base text, in whatever
//! language it was written); its translations sit in a table of the same shape per kind
//! of owner (`community_translation`…: see migration `m0072`), with a foreign key that
//! deletes them with their owner. The owner's `translated_into` column lists the
//! languages it has a translation in, so that reading a page of owners costs no further
//! statement when none of them has one in the request's language. To make a new kind of
//! thing translatable: create its table with `m0072_translation::translation_table`, add
//! the `translated_into` column, and add a variant to [`Owner`].
//!
//! Languages are BCP 47 tags whose primary language is French or English (`fr`, `en`,
//! `fr-CA`, `en-GB`…); a tag is stored as its primary language only (`fr-CA` is `fr`), as
//! the server speaks one French and one English (see [`crate::i18n::Lang`]).

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ConnectionTrait, FromQueryResult,
    sea_query::{Alias, Expr, ExprTrait, Func, LockType, Order, Query, SimpleExpr},
};

use super::{
    audit::{self, AuditRecord, AuditScope},
    validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    i18n::{Lang, Message},
};

/// The kinds of things that have translations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    Community,
    Organization,
    Theme,
    Subgroup,
}

impl Owner {
    /// The table of its translations.
    fn table(self) -> &'static str {
        match self {
            Self::Community => "community_translation",
            Self::Organization => "organization_translation",
            Self::Theme => "theme_translation",
            Self::Subgroup => "subgroup_translation",
        }
    }

    /// The table of the things themselves.
    fn owner_table(self) -> &'static str {
        match self {
            Self::Community => "community",
            Self::Organization => "organization",
            Self::Theme => "theme",
            Self::Subgroup => "subgroup",
        }
    }

    /// The audit trail's name of a change of its translations, and of its kind.
    fn audited(self) -> (&'static str, &'static str) {
        match self {
            Self::Community => ("community.translations", "Community"),
            Self::Organization => ("organization.translations", "Organization"),
            Self::Theme => ("theme.translations", "Theme"),
            Self::Subgroup => ("subgroup.translations", "Subgroup"),
        }
    }

    /// Whether the thing has a description to translate (organizations and themes have a
    /// name only).
    pub fn described(self) -> bool {
        matches!(self, Self::Community | Self::Subgroup)
    }
}

/// A thing's name (and description) in one language.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Translation {
    /// The id of the thing translated.
    pub owner_id: i32,
    /// The primary language subtag: `fr` or `en`.
    pub language: String,
    pub name: String,
    /// `None`: the thing's own description stands (or it has none).
    pub description: Option<String>,
}

/// A translation as given in a mutation's input.
#[derive(Debug, Clone, Default)]
pub struct TranslationInput {
    pub language: String,
    pub name: String,
    pub description: Option<String>,
}

/// A translation checked by [`validated`], ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidTranslation {
    language: Lang,
    name: String,
    description: Option<String>,
}

/// Longest language tag accepted (BCP 47 tags in use are far shorter).
const TAG_MAX: usize = 35;

/// The language of a BCP 47 tag, when its primary language is French or English: `fr`,
/// `FR`, `fr-CA`, `en-GB`…; anything else (another language, a malformed tag) is
/// `BAD_USER_INPUT` naming `field`.
pub fn language(field: &str, tag: &str) -> ServiceResult<Lang> {
    let tag = tag.trim();
    // The tag is said back only when it is short and plain: a hostile one is not echoed.
    let plain = tag.len() <= TAG_MAX && tag.bytes().all(|b| b.is_ascii_graphic());
    let said = if plain { tag } else { "…" };
    let refused = || ServiceError::bad_input(field, Message::new("translation-language").arg("tag", said));
    if tag.len() > TAG_MAX {
        return Err(refused());
    }
    let mut subtags = tag.split('-');
    let lang = match subtags.next().map(str::to_ascii_lowercase).as_deref() {
        Some("fr") => Lang::Fr,
        Some("en") => Lang::En,
        _ => return Err(refused()),
    };
    if subtags.all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())) {
        Ok(lang)
    } else {
        Err(refused())
    }
}

/// Checks the translations of an input named `translations`: each language French or
/// English and given once, each name and description bounded as the thing's own
/// (`owner`'s), a description only for a thing that has one. Errors name the entry's
/// field (`translations.1.name`).
pub fn validated(owner: Owner, translations: &[TranslationInput]) -> ServiceResult<Vec<ValidTranslation>> {
    let mut out: Vec<ValidTranslation> = Vec::with_capacity(translations.len().min(2));
    for (i, t) in translations.iter().enumerate() {
        let field = |name: &str| format!("translations.{i}.{name}");
        let lang = language(&field("language"), &t.language)?;
        // Two languages exist: a third entry is always a repeat, so this loop is short.
        if out.iter().any(|done| done.language == lang) {
            return Err(ServiceError::bad_input(
                field("language"),
                Message::new("translation-duplicate-language").arg("language", lang.tag()),
            ));
        }
        let name = validate::required_text(&field("name"), &t.name, validate::NAME_MAX)?;
        let description = match (&t.description, owner.described()) {
            (None, _) => None,
            (Some(_), false) => {
                return Err(ServiceError::bad_input(field("description"), Message::new("translation-no-description")));
            }
            (Some(d), true) => validate::optional_multiline(&field("description"), Some(d), validate::DESCRIPTION_MAX)?,
        };
        out.push(ValidTranslation { language: lang, name, description });
    }
    Ok(out)
}

/// The owner's `translated_into` value for this set of translations: its languages,
/// sorted, comma-separated.
pub fn languages_of(translations: &[ValidTranslation]) -> String {
    let mut tags: Vec<&str> = translations.iter().map(|t| t.language.tag()).collect();
    tags.sort_unstable();
    tags.join(",")
}

/// Whether a thing whose `translated_into` is `translated_into` has a translation in
/// `lang` (without reading it).
pub fn has(translated_into: &str, lang: Lang) -> bool {
    translated_into.split(',').any(|tag| tag == lang.tag())
}

/// Who replaces a thing's translations, and the audit trail the change goes to.
pub struct Audit<'a> {
    pub caller: &'a Caller,
    pub scope: AuditScope,
}

/// Replaces the translations of the thing `owner_id` by `translations`, inside the
/// caller's transaction; returns the owner's new `translated_into` ([`languages_of`]
/// them), which the caller writes in the same transaction. A change is audited with the
/// texts before and after (what readers of each language saw and will see); `None` only
/// for the demo network's loading, which nobody does.
pub async fn replace<C: ConnectionTrait>(
    txn: &C,
    owner: Owner,
    owner_id: i32,
    translations: &[ValidTranslation],
    audit: Option<Audit<'_>>,
) -> ServiceResult<String> {
    // Two replacements of the same thing's translations at once take turns (PostgreSQL:
    // the owner's row is locked until the transaction ends), so the set and
    // `translated_into` always come from the same caller.
    let lock = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new(owner.owner_table()))
        .and_where(Expr::col(Alias::new("id")).eq(owner_id))
        .lock(LockType::Update)
        .to_owned();
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        txn.query_one(&lock).await?;
    }
    let before: Vec<serde_json::Value> = match audit {
        Some(_) => of(txn, owner, &[owner_id]).await?.remove(&owner_id).unwrap_or_default(),
        None => Vec::new(),
    }
    .into_iter()
    .map(|t| serde_json::json!({ "language": t.language, "name": t.name, "description": t.description }))
    .collect();
    let table = Alias::new(owner.table());
    let delete =
        Query::delete().from_table(table.clone()).and_where(Expr::col(Alias::new("owner_id")).eq(owner_id)).to_owned();
    txn.execute(&delete).await?;
    if let Some(Audit { caller, scope }) = audit {
        let mut after: Vec<&ValidTranslation> = translations.iter().collect();
        after.sort_by_key(|t| t.language.tag());
        let after: Vec<serde_json::Value> = after
            .into_iter()
            .map(|t| serde_json::json!({ "language": t.language.tag(), "name": t.name, "description": t.description }))
            .collect();
        if before != after {
            let (action, target_type) = owner.audited();
            let record = AuditRecord {
                scope,
                actor_id: caller.person_id(),
                action,
                target_type,
                target_id: Some(owner_id),
                before: Some(serde_json::Value::Array(before)),
                after: Some(serde_json::Value::Array(after)),
                request_id: caller.request_id.as_deref(),
            };
            audit::record(txn, record).await?;
        }
    }
    if translations.is_empty() {
        return Ok(String::new());
    }
    let now = Utc::now();
    let mut insert = Query::insert();
    insert
        .into_table(table)
        .columns(["owner_id", "language", "name", "description", "created_at", "updated_at"].map(Alias::new));
    for t in translations {
        insert.values_panic([
            owner_id.into(),
            t.language.tag().into(),
            t.name.clone().into(),
            t.description.clone().into(),
            now.into(),
            now.into(),
        ]);
    }
    txn.execute(&insert).await?;
    Ok(languages_of(translations))
}

/// SQL on the owner's rows (its table under its own name): one of its translations has
/// a name that, lower-cased, is LIKE `pattern` (the caller lower-cases the pattern as it
/// does for the owner's own name). One `EXISTS` on the unique index on (`owner_id`,
/// `language`): a search finds a thing by its name in either language.
pub fn name_like(owner: Owner, pattern: &str) -> SimpleExpr {
    let table = Alias::new(owner.table());
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(table.clone())
            .and_where(
                Expr::col((table.clone(), Alias::new("owner_id")))
                    .equals((Alias::new(owner.owner_table()), Alias::new("id"))),
            )
            .and_where(Expr::expr(Func::lower(Expr::col((table, Alias::new("name"))))).like(pattern))
            .to_owned(),
    )
}

/// The translations of these things, by thing, in one statement (by the unique index on
/// (`owner_id`, `language`)). Callers reach here only from things the viewer may see: the
/// translations of a thing are never read by another path.
pub async fn of<C: ConnectionTrait>(
    db: &C,
    owner: Owner,
    owner_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<Translation>>> {
    let mut out: HashMap<i32, Vec<Translation>> = HashMap::new();
    if owner_ids.is_empty() {
        return Ok(out);
    }
    let query = Query::select()
        .columns(["owner_id", "language", "name", "description"].map(Alias::new))
        .from(Alias::new(owner.table()))
        .and_where(Expr::col(Alias::new("owner_id")).is_in(owner_ids.iter().copied()))
        .order_by(Alias::new("owner_id"), Order::Asc)
        .order_by(Alias::new("language"), Order::Asc)
        .to_owned();
    for row in db.query_all(&query).await? {
        let t = Translation::from_query_result(&row, "")?;
        out.entry(t.owner_id).or_default().push(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_keep_their_primary_language() {
        for (tag, lang) in
            [("fr", Lang::Fr), ("FR", Lang::Fr), ("fr-CA", Lang::Fr), (" en-GB ", Lang::En), ("en", Lang::En)]
        {
            assert_eq!(language("l", tag).ok(), Some(lang), "{tag}");
        }
        for bad in ["", "de", "f", "fra", "fr_CA", "fr-", "fr--CA", "en-toolongsubtag", "français", "fr-ÇA"] {
            let err = language("translations.0.language", bad).expect_err(bad);
            assert_eq!(err.field(), Some("translations.0.language"), "{bad}");
        }
    }

    fn input(language: &str, name: &str, description: Option<&str>) -> TranslationInput {
        TranslationInput { language: language.into(), name: name.into(), description: description.map(Into::into) }
    }

    #[test]
    fn a_set_names_the_entry_at_fault() {
        let ok = validated(Owner::Community, &[input("fr-CA", " Nom ", Some("Texte")), input("en", "Name", None)])
            .expect("valid");
        assert_eq!(languages_of(&ok), "en,fr");
        assert!(has("en,fr", Lang::Fr) && !has("en", Lang::Fr) && !has("", Lang::En));
        let field = |r: ServiceResult<Vec<ValidTranslation>>| r.expect_err("refused").field().map(str::to_owned);
        assert_eq!(
            field(validated(Owner::Community, &[input("fr", "a", None), input("fr-CA", "b", None)])).as_deref(),
            Some("translations.1.language")
        );
        assert_eq!(
            field(validated(Owner::Community, &[input("en", " ", None)])).as_deref(),
            Some("translations.0.name")
        );
        assert_eq!(
            field(validated(Owner::Theme, &[input("en", &"x".repeat(201), None)])).as_deref(),
            Some("translations.0.name")
        );
        assert_eq!(
            field(validated(Owner::Theme, &[input("en", "x", Some("d"))])).as_deref(),
            Some("translations.0.description")
        );
    }
}
