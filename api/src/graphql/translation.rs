//! Translations of named things in the schema: the `translations` field of communities,
//! organizations, themes and subgroups, the `translations` input of the mutations that
//! create or update them, and the `name` and `description` each resolves in the
//! request's language.

use async_graphql::{Context, InputObject, SimpleObject};

use super::{
    GqlResult,
    loaders::{Translations, loader},
};
use crate::{
    i18n,
    service::translation::{self as service, Owner, TranslationInput as Input},
};

/// A named thing's name (and description) in one language.
#[derive(SimpleObject, Clone)]
pub struct Translation {
    /// The language: `fr` or `en` (a tag given as `fr-CA` is kept as `fr`).
    pub language: String,
    /// The name in that language.
    pub name: String,
    /// The description in that language; null when the thing has no description, or
    /// when this translation leaves its own description as it is.
    pub description: Option<String>,
}

impl From<service::Translation> for Translation {
    fn from(t: service::Translation) -> Self {
        Self { language: t.language, name: t.name, description: t.description }
    }
}

/// A name (and description) in one language, in the input of a mutation that creates
/// or updates a named thing.
#[derive(InputObject)]
pub struct TranslationInput {
    /// A BCP 47 tag whose language is French or English (`fr`, `en`, `fr-CA`, `en-GB`…),
    /// kept as its primary language (`fr`, `en`); anything else is `BAD_USER_INPUT`
    /// naming `translations.N.language`, as is a language given twice.
    pub language: String,
    /// The name in that language: one line, 1 to 200 characters once trimmed.
    pub name: String,
    /// The description in that language (communities and subgroups only; elsewhere it is
    /// `BAD_USER_INPUT`): plain text, line breaks allowed, at most 10,000 characters;
    /// omitted or blank, the thing's own description stands.
    pub description: Option<String>,
}

/// The service's form of a mutation's `translations`.
pub fn inputs(list: Vec<TranslationInput>) -> Vec<Input> {
    list.into_iter().map(|t| Input { language: t.language, name: t.name, description: t.description }).collect()
}

/// The translations of a thing (batched across the things of the request); none read
/// when its `translated_into` says it has none.
pub async fn list(
    ctx: &Context<'_>,
    owner: Owner,
    id: i32,
    translated_into: &str,
) -> async_graphql::Result<Vec<Translation>> {
    if translated_into.is_empty() {
        return Ok(Vec::new());
    }
    let found = loader::<Translations, _>(ctx).load_one((owner, id)).await.gql()?;
    Ok(found.unwrap_or_default().into_iter().map(Translation::from).collect())
}

/// The thing's translation in the request's language, if it has one (read only then).
pub async fn in_request_language(
    ctx: &Context<'_>,
    owner: Owner,
    id: i32,
    translated_into: &str,
) -> async_graphql::Result<Option<service::Translation>> {
    let lang = i18n::current();
    if !service::has(translated_into, lang) {
        return Ok(None);
    }
    let found = loader::<Translations, _>(ctx).load_one((owner, id)).await.gql()?;
    Ok(found.unwrap_or_default().into_iter().find(|t| t.language == lang.tag()))
}

/// Which text of a named thing.
#[derive(Debug, Clone, Copy)]
pub enum Text {
    Name,
    Description,
}

/// A thing's `text` in the request's language, falling back to its own (`own`).
pub async fn localized(
    ctx: &Context<'_>,
    text: Text,
    owner: Owner,
    id: i32,
    translated_into: &str,
    own: &str,
) -> async_graphql::Result<String> {
    let translated = in_request_language(ctx, owner, id, translated_into).await?.and_then(|t| match text {
        Text::Name => Some(t.name),
        Text::Description => t.description,
    });
    Ok(translated.unwrap_or_else(|| own.to_owned()))
}
