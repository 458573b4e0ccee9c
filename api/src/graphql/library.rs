//! The knowledge library in the schema: documents, their versions, `documents` and the
//! mutations that add, describe, publish, validate, archive and purge them. Files come in
//! through the GraphQL multipart request specification (`Upload`) and go out through
//! `GET /files/{versionId}` (see `http::files`).

use super::translation::{self, Text, Translation, TranslationInput};
use crate::service::translation::Owner;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Upload};
use chrono::{DateTime, Utc};
use entity::{document, document_version, theme};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};

use super::{
    GqlResult, app, caller,
    community::Community,
    connection::{self, Conn},
    enums::{Audience, DocumentKind, DocumentStatus},
    ids::{NodeKind, from_global, to_global},
    loaders::{
        CurrentVersions, DocumentAuthors, DocumentThemes, DocumentVersions, PersonById, SubgroupPosting,
        ViewerTiesLoader, VisibleCommunityById, loader,
    },
    order::{DocumentOrder, list_order},
    person::Person,
};
use crate::{
    error::ServiceError,
    service::{
        library::{self as service, DocumentChanges, DocumentFilter, NewDocument, UploadedFile},
        page,
    },
};

/// A document of a community's library.
#[derive(Clone)]
pub struct Document(pub document::Model);

/// A document of a community's library (optionally of one of its subgroups): a title, a
/// description, its classification and its versions (files).
#[Object]
impl Document {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Document, self.0.id)
    }
    /// Title: one line, 1 to 300 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// What it is about (plain text, line breaks kept).
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// What kind of document it is.
    async fn kind(&self) -> DocumentKind {
        self.0.kind.into()
    }
    /// Its language, as a lower-case BCP 47 tag (`fr`, `en`, `fr-ca`…).
    async fn language(&self) -> &str {
        &self.0.language
    }
    /// Free tags.
    async fn tags(&self) -> Vec<String> {
        service::stored_tags(&self.0)
    }
    /// Its themes, by name; empty for a viewer who may not read its community's content
    /// (a community's themes are its own).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn themes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Theme>> {
        let found = loader::<DocumentThemes, _>(ctx).load_one(self.0.id).await.gql()?;
        Ok(found.unwrap_or_default().into_iter().map(Theme).collect())
    }
    /// Draft, published or archived.
    async fn status(&self) -> DocumentStatus {
        self.0.status.into()
    }
    /// Who may read it beyond the community's readers once it is published.
    async fn audience(&self) -> Audience {
        self.0.audience.into()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When it was first published, if it was.
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    /// The community whose library holds it; null when the viewer may not see that
    /// community (a reader of a document published to the network or the public).
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        super::community::visible_community(ctx, self.0.community_id).await
    }
    /// The people credited as its authors, in order; empty for anonymous viewers (people
    /// are shown to logged-in viewers only).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn authors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        let ids = loader::<DocumentAuthors, _>(ctx).load_one(self.0.id).await.gql()?.unwrap_or_default();
        let found = loader::<PersonById, _>(ctx).load_many(ids.iter().copied()).await.gql()?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned().map(Person)).collect())
    }
    /// The version in use: the last one for readers of its community; for people who reach
    /// it only through its NETWORK or PUBLIC audience, the version that was current when it
    /// was last published.
    async fn current_version(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DocumentVersion>> {
        Ok(loader::<CurrentVersions, _>(ctx).load_one(self.0.id).await.gql()?.map(DocumentVersion))
    }
    /// Every version, oldest first (version 1 first), for readers of its community; for
    /// people who reach it only through its NETWORK or PUBLIC audience, the published
    /// version alone.
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn versions(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When not given, a page holds 20 items; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<Conn<DocumentVersion>> {
        let order = list_order::<DocumentOrder>(None);
        connection::children::<DocumentVersions, _>(
            ctx,
            self.0.id,
            (first, after, None, None),
            order,
            |m| m.id,
            DocumentVersion,
        )
        .await
    }
    /// What the viewer may do with it.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<DocumentViewerCan> {
        let caller = caller(ctx);
        let community = if caller.viewer.is_some() {
            loader::<VisibleCommunityById, _>(ctx).load_one(self.0.community_id).await.gql()?
        } else {
            None
        };
        let can = match community {
            // A reader of a published document who may not see its community may do nothing.
            None => service::DocumentPermissions::default(),
            Some(community) => {
                let ties = loader::<ViewerTiesLoader, _>(ctx).load_one(community.id).await.gql()?.unwrap_or_default();
                let mut can = service::permissions_in(app(ctx), &community, &ties.roles(caller));
                if can.edit
                    && let Some(subgroup_id) = self.0.subgroup_id
                {
                    can.edit = loader::<SubgroupPosting, _>(ctx).load_one(subgroup_id).await.gql()?.unwrap_or(false);
                }
                can
            }
        };
        Ok(DocumentViewerCan {
            add_version: can.edit,
            update: can.edit,
            publish: can.publish,
            validate: can.validate,
            archive: can.archive,
            purge: can.purge,
        })
    }
}

/// What the viewer may do with a document.
#[derive(SimpleObject)]
pub struct DocumentViewerCan {
    /// Add a version (`addDocumentVersion`) or restore one (`restoreDocumentVersion`).
    pub add_version: bool,
    /// Change its description (`updateDocument`).
    pub update: bool,
    /// Publish it (`publishDocument`).
    pub publish: bool,
    /// Mark a version as validated (`validateDocumentVersion`).
    pub validate: bool,
    /// Archive it or bring it back (`archiveDocument`, `unarchiveDocument`).
    pub archive: bool,
    /// Delete it with its files (`purgeDocument`).
    pub purge: bool,
}

/// One file of a document.
#[derive(Clone)]
pub struct DocumentVersion(pub document_version::Model);

/// One file of a document: version `number`, with its change note, size, SHA-256 and a
/// content type detected from its bytes.
#[Object]
impl DocumentVersion {
    /// Global id (the `{versionId}` of `GET /files/{versionId}`).
    pub async fn id(&self) -> ID {
        to_global(NodeKind::DocumentVersion, self.0.id)
    }
    /// 1 for the first file, then one more for each.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// Its size in bytes.
    async fn size(&self) -> i64 {
        self.0.size
    }
    /// Its media type, detected from its bytes (`application/pdf`, `text/csv; charset=utf-8`…).
    async fn content_type(&self) -> &str {
        &self.0.content_type
    }
    /// The SHA-256 of its bytes (lower-case hex; also its download's `ETag`).
    async fn sha256(&self) -> &str {
        &self.0.sha256
    }
    /// The name it was uploaded under (without any path).
    async fn file_name(&self) -> &str {
        &self.0.file_name
    }
    /// What changed in this version.
    async fn change_note(&self) -> &str {
        &self.0.change_note
    }
    /// When it was uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who uploaded it; null for anonymous viewers.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.0.uploaded_by).await.gql()?.map(Person))
    }
    /// The content expert who validated it, if one did; null for anonymous viewers.
    async fn validated_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        let Some(id) = self.0.validated_by else { return Ok(None) };
        Ok(loader::<PersonById, _>(ctx).load_one(id).await.gql()?.map(Person))
    }
    /// When it was validated, if it was.
    async fn validated_at(&self) -> Option<DateTime<Utc>> {
        self.0.validated_at
    }
    /// A link to download it that works without a token (for a plain `<a href>`), for
    /// five minutes, for the viewer only: it names their session, and access is checked
    /// again when it is used.
    async fn download_url(&self, ctx: &Context<'_>) -> String {
        let id = to_global(NodeKind::DocumentVersion, self.0.id);
        let path = service::download_path(app(ctx), caller(ctx), self.0.id, &id);
        app(ctx).sso.url(&path)
    }
}

/// Narrows `documents`; every filter given must match.
#[derive(InputObject, Default)]
pub struct DocumentFilterInput {
    /// Only this community's documents.
    pub community_id: Option<ID>,
    /// Only documents of these kinds.
    pub kinds: Option<Vec<DocumentKind>>,
    /// Only documents in these languages (BCP 47 tags).
    pub languages: Option<Vec<String>>,
    /// Only documents with these statuses.
    pub statuses: Option<Vec<DocumentStatus>>,
    /// Only documents whose title holds these words (case aside), at most 300 characters.
    pub text: Option<String>,
    /// Only documents with one of these themes (global ids, at most 100).
    pub theme_ids: Option<Vec<ID>>,
    /// Only documents one of these people wrote (global ids, at most 100).
    pub author_ids: Option<Vec<ID>>,
    /// Only documents with one of these free tags (case aside; at most 100).
    pub tags: Option<Vec<String>>,
    /// Only documents last changed at or after this instant.
    pub updated_after: Option<DateTime<Utc>>,
    /// Only documents last changed before this instant (not before `updatedAfter`:
    /// `BAD_USER_INPUT` naming `filter.updatedBefore` otherwise).
    pub updated_before: Option<DateTime<Utc>>,
}

/// `documents`.
#[derive(Default)]
pub struct LibraryQuery;

/// Queries of the library.
#[Object]
impl LibraryQuery {
    /// Every document the viewer may read across the network: their communities'
    /// (drafts and archives included), and those published to the network (for logged-in
    /// viewers) or to the public (for anyone).
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Narrows the list; all given filters must match.")] filter: Option<DocumentFilterInput>,
        #[graphql(
            desc = "How the list is sorted; by default oldest first (by id). A cursor serves only the order it was made in: with another `orderBy` (or none) it is `BAD_USER_INPUT` naming `after`."
        )]
        order_by: Option<DocumentOrder>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When not given, a page holds 20 items; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<Conn<Document>> {
        let order = list_order(order_by.as_ref());
        let req = connection::page_request(first, after, None, None, order).gql()?;
        let input = filter.unwrap_or_default();
        let community_id = input
            .community_id
            .as_ref()
            .map(|id| from_global("filter.communityId", NodeKind::Community, id))
            .transpose()
            .gql()?;
        let theme_ids =
            input.theme_ids.as_deref().map(|ids| ids_of("filter.themeIds", NodeKind::Theme, ids)).transpose()?;
        let author_ids =
            input.author_ids.as_deref().map(|ids| ids_of("filter.authorIds", NodeKind::Person, ids)).transpose()?;
        let filter = DocumentFilter {
            theme_ids,
            author_ids,
            community_id,
            kinds: input.kinds.map(|v| v.into_iter().map(Into::into).collect()),
            languages: input.languages,
            statuses: input.statuses.map(|v| v.into_iter().map(Into::into).collect()),
            text: input.text,
            tags: input.tags,
            updated_after: input.updated_after,
            updated_before: input.updated_before,
        };
        service::validate_filter(&filter).gql()?;
        let db = &app(ctx).db;
        let select = service::documents_filtered(app(ctx), caller(ctx), &filter);
        let total = if connection::wants_count(ctx) { page::count(db, select.clone()).await.gql()? } else { 0 };
        let found = page::fetch(db, select, document::Column::Id, &req).await.gql()?;
        Ok(connection::build(found, total, order, |m| m.id, Document))
    }
}

/// A theme of a community's library.
#[derive(Clone)]
pub struct Theme(pub theme::Model);

/// A theme of a community's library (documents are classified by themes); a theme may
/// sit under a parent theme.
#[Object]
impl Theme {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Theme, self.0.id)
    }
    /// Its name: one line, 1 to 200 characters; in the request's language
    /// (`Accept-Language`) when the theme has a translation in it, its own name otherwise.
    async fn name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        translation::localized(ctx, Text::Name, Owner::Theme, self.0.id, &self.0.translated_into, &self.0.name).await
    }
    /// Its name in each language it was translated into (French, English), by language
    /// (`description` is always null: a theme has none).
    async fn translations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Translation>> {
        translation::list(ctx, Owner::Theme, self.0.id, &self.0.translated_into).await
    }
    /// The theme it sits under, if any.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Theme>> {
        let Some(id) = self.0.parent_id else { return Ok(None) };
        Ok(service::readable_themes(app(ctx), &app(ctx).db, caller(ctx), &[id]).await.gql()?.pop().map(Theme))
    }
    /// The community whose library it classifies.
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        super::community::visible_community(ctx, self.0.community_id).await
    }
}

/// The themes of a community (by name).
#[derive(Default)]
pub struct ThemeQuery;

/// Queries of themes.
#[Object]
impl ThemeQuery {
    /// The themes of a community's library, by name (at most 500; empty for a community
    /// whose content the viewer may not read, as for one that does not exist).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn themes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the community.")] community_id: ID,
    ) -> async_graphql::Result<Vec<Theme>> {
        use sea_orm::QuerySelect as _;
        let community_id = from_global("communityId", NodeKind::Community, &community_id).gql()?;
        let found = service::themes_select(app(ctx), caller(ctx))
            .filter(theme::Column::CommunityId.eq(community_id))
            .order_by_asc(theme::Column::Name)
            .order_by_asc(theme::Column::Id)
            .limit(500)
            .all(&app(ctx).db)
            .await
            .map_err(crate::error::ServiceError::from)
            .gql()?;
        Ok(found.into_iter().map(Theme).collect())
    }
}

/// Input of `createTheme`.
#[derive(InputObject)]
pub struct CreateThemeInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Put it under this theme of the same community.
    pub parent_id: Option<ID>,
    /// Its name: one line, 1 to 200 characters.
    pub name: String,
    /// Its name in other languages (French, English), each language at most once, without
    /// `description`; none by default.
    #[graphql(default)]
    pub translations: Vec<TranslationInput>,
}

/// Result of `createTheme`.
#[derive(SimpleObject)]
pub struct CreateThemePayload {
    /// The new theme.
    pub theme: Theme,
}

/// Input of `updateTheme` (fields left out stay as they are).
#[derive(InputObject)]
pub struct UpdateThemeInput {
    /// Global id of the theme.
    pub id: ID,
    /// New name.
    pub name: Option<String>,
    /// New parent theme (of the same community; not the theme itself nor one under it).
    pub parent_id: Option<ID>,
    /// Move it to the top (no parent).
    #[graphql(default)]
    pub clear_parent: bool,
    /// Its translations (names only, without `description`): replaces them all with the
    /// list given (an empty list removes them all); omitted, they are left as they are.
    pub translations: Option<Vec<TranslationInput>>,
}

/// Result of `updateTheme`.
#[derive(SimpleObject)]
pub struct UpdateThemePayload {
    /// The theme as changed.
    pub theme: Theme,
}

/// Input of `deleteTheme`.
#[derive(InputObject)]
pub struct DeleteThemeInput {
    /// Global id of the theme.
    pub id: ID,
}

/// Result of `deleteTheme`.
#[derive(SimpleObject)]
pub struct DeleteThemePayload {
    /// Global id of the theme deleted (its documents lose it; its children move to the top).
    pub deleted_id: ID,
}

#[derive(Default)]
pub struct ThemeMutation;

/// Mutations of themes (animators and administrators: `manage_library`).
#[Object]
impl ThemeMutation {
    /// Creates a theme in a community's library.
    async fn create_theme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community, the parent, the name.")] input: CreateThemeInput,
    ) -> async_graphql::Result<CreateThemePayload> {
        let community_id = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let parent_id =
            input.parent_id.as_ref().map(|id| from_global("parentId", NodeKind::Theme, id)).transpose().gql()?;
        let translations = translation::inputs(input.translations);
        let created = service::create_theme(app(ctx), caller(ctx), community_id, parent_id, &input.name, &translations)
            .await
            .gql()?;
        Ok(CreateThemePayload { theme: Theme(created) })
    }

    /// Renames a theme or moves it.
    async fn update_theme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The theme and what changes.")] input: UpdateThemeInput,
    ) -> async_graphql::Result<UpdateThemePayload> {
        let id = from_global("id", NodeKind::Theme, &input.id).gql()?;
        let parent =
            input.parent_id.as_ref().map(|id| from_global("parentId", NodeKind::Theme, id)).transpose().gql()?;
        let parent = if input.clear_parent { Some(None) } else { parent.map(Some) };
        let translations = input.translations.map(translation::inputs);
        let updated =
            service::update_theme(app(ctx), caller(ctx), id, input.name.as_deref(), parent, translations.as_deref())
                .await
                .gql()?;
        Ok(UpdateThemePayload { theme: Theme(updated) })
    }

    /// Deletes a theme.
    async fn delete_theme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The theme.")] input: DeleteThemeInput,
    ) -> async_graphql::Result<DeleteThemePayload> {
        let id = from_global("id", NodeKind::Theme, &input.id).gql()?;
        let deleted = service::delete_theme(app(ctx), caller(ctx), id).await.gql()?;
        Ok(DeleteThemePayload { deleted_id: to_global(NodeKind::Theme, deleted) })
    }
}

/// The file of a mutation, read from the request.
fn uploaded(ctx: &Context<'_>, file: &Upload) -> async_graphql::Result<UploadedFile> {
    let value = file
        .value(ctx)
        .map_err(|_| ServiceError::bad_input("file", crate::i18n::Message::new("file-multipart")))
        .gql()?;
    Ok(UploadedFile { name: value.filename, content: value.content })
}

/// Input of `createDocument`.
#[derive(InputObject)]
pub struct CreateDocumentInput {
    /// Global id of the community whose library receives it.
    pub community_id: ID,
    /// Put it in this subgroup of the community (then read like the subgroup's threads).
    pub subgroup_id: Option<ID>,
    /// Title: one line, 1 to 300 characters once trimmed.
    pub title: String,
    /// What it is about: plain text, line breaks allowed, at most 10,000 characters.
    #[graphql(default)]
    pub description: String,
    /// What kind of document it is.
    pub kind: DocumentKind,
    /// Its language, a BCP 47 tag (`fr`, `en`, `fr-CA`…).
    pub language: String,
    /// Free tags: at most 50, each one line of 1 to 100 characters (repeats dropped).
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Global ids of the people of the network credited as its authors (at most 50).
    #[graphql(default)]
    pub author_ids: Vec<ID>,
    /// Global ids of its themes, each of the community (`BAD_USER_INPUT` naming
    /// `themeIds` otherwise; at most 50).
    #[graphql(default)]
    pub theme_ids: Vec<ID>,
    /// The file (version 1), sent with the request (multipart): at most `max_upload_mb`,
    /// of an accepted type as its bytes show; an empty, larger, disguised or other file
    /// is `BAD_USER_INPUT` naming `file`, and nothing is written.
    pub file: Upload,
    /// What this version is (at most 10,000 characters).
    #[graphql(default)]
    pub change_note: String,
}

/// Result of `createDocument`.
#[derive(SimpleObject)]
pub struct CreateDocumentPayload {
    /// The new document (a draft).
    pub document: Document,
}

/// Input of `addDocumentVersion`.
#[derive(InputObject)]
pub struct AddDocumentVersionInput {
    /// Global id of the document.
    pub document_id: ID,
    /// The new file, as in `createDocument`.
    pub file: Upload,
    /// What changed (at most 10,000 characters).
    #[graphql(default)]
    pub change_note: String,
}

/// Result of `addDocumentVersion` and `restoreDocumentVersion`.
#[derive(SimpleObject)]
pub struct AddDocumentVersionPayload {
    /// The document, its new version current.
    pub document: Document,
    /// The new version.
    pub version: DocumentVersion,
}

/// Input of `restoreDocumentVersion`.
#[derive(InputObject)]
pub struct RestoreDocumentVersionInput {
    /// Global id of the version to make current again (copied as a new version).
    pub version_id: ID,
}

/// Result of `restoreDocumentVersion`.
#[derive(SimpleObject)]
pub struct RestoreDocumentVersionPayload {
    /// The document, the copy current.
    pub document: Document,
    /// The new version (a copy of the restored one).
    pub version: DocumentVersion,
}

/// Input of `updateDocument` (fields left out stay as they are).
#[derive(InputObject)]
pub struct UpdateDocumentInput {
    /// Global id of the document.
    pub id: ID,
    /// New title: one line, 1 to 300 characters.
    pub title: Option<String>,
    /// New description (at most 10,000 characters).
    pub description: Option<String>,
    /// New kind.
    pub kind: Option<DocumentKind>,
    /// New language (BCP 47 tag).
    pub language: Option<String>,
    /// New tags (replacing the old ones).
    pub tags: Option<Vec<String>>,
    /// New authors (replacing the old ones).
    pub author_ids: Option<Vec<ID>>,
    /// New themes, each of the document's community (replacing the old ones).
    pub theme_ids: Option<Vec<ID>>,
}

/// Result of `updateDocument`.
#[derive(SimpleObject)]
pub struct UpdateDocumentPayload {
    /// The document as changed.
    pub document: Document,
}

/// Input of `archiveDocument`.
#[derive(InputObject)]
pub struct ArchiveDocumentInput {
    /// Global id of the document.
    pub id: ID,
}

/// Result of `archiveDocument`.
#[derive(SimpleObject)]
pub struct ArchiveDocumentPayload {
    /// The document, archived.
    pub document: Document,
}

/// Input of `unarchiveDocument`.
#[derive(InputObject)]
pub struct UnarchiveDocumentInput {
    /// Global id of the document.
    pub id: ID,
}

/// Result of `unarchiveDocument`.
#[derive(SimpleObject)]
pub struct UnarchiveDocumentPayload {
    /// The document, back to PUBLISHED (if it had been) or DRAFT.
    pub document: Document,
}

/// Input of `publishDocument`.
#[derive(InputObject)]
pub struct PublishDocumentInput {
    /// Global id of the document.
    pub id: ID,
    /// Who may read it: the community's readers (MEMBERS), every logged-in person
    /// (NETWORK) or anyone (PUBLIC).
    pub audience: Audience,
}

/// Result of `publishDocument`.
#[derive(SimpleObject)]
pub struct PublishDocumentPayload {
    /// The document, published.
    pub document: Document,
}

/// Input of `validateDocumentVersion`.
#[derive(InputObject)]
pub struct ValidateDocumentVersionInput {
    /// Global id of the version.
    pub version_id: ID,
}

/// Result of `validateDocumentVersion`.
#[derive(SimpleObject)]
pub struct ValidateDocumentVersionPayload {
    /// The document.
    pub document: Document,
    /// The version, validated by the viewer.
    pub version: DocumentVersion,
}

/// Input of `purgeDocument`.
#[derive(InputObject)]
pub struct PurgeDocumentInput {
    /// Global id of the document.
    pub id: ID,
}

/// Result of `purgeDocument`.
#[derive(SimpleObject)]
pub struct PurgeDocumentPayload {
    /// Global id of the document deleted.
    pub purged_id: ID,
}

pub(super) fn ids_of(field: &str, kind: NodeKind, ids: &[ID]) -> async_graphql::Result<Vec<i32>> {
    ids.iter().map(|id| from_global(field, kind, id)).collect::<Result<Vec<_>, _>>().gql()
}

#[derive(Default)]
pub struct LibraryMutation;

/// Mutations of the library.
#[Object]
impl LibraryMutation {
    /// Adds a document, its first file as version 1, to a community's library (members
    /// the policy lets upload; in a subgroup, those who may post there). It starts as a
    /// DRAFT read by the community's readers.
    async fn create_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where, what, and the file.")] input: CreateDocumentInput,
    ) -> async_graphql::Result<CreateDocumentPayload> {
        let community_id = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let subgroup_id =
            input.subgroup_id.as_ref().map(|id| from_global("subgroupId", NodeKind::Subgroup, id)).transpose().gql()?;
        let author_ids = ids_of("authorIds", NodeKind::Person, &input.author_ids)?;
        let theme_ids = ids_of("themeIds", NodeKind::Theme, &input.theme_ids)?;
        let file = uploaded(ctx, &input.file)?;
        let new = NewDocument {
            community_id,
            subgroup_id,
            title: input.title,
            description: input.description,
            kind: input.kind.into(),
            language: input.language,
            tags: input.tags,
            author_ids,
            theme_ids,
            file,
            change_note: input.change_note,
        };
        let (doc, _) = service::create_document(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreateDocumentPayload { document: Document(doc) })
    }

    /// Adds a new file to a document as its next version.
    async fn add_document_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document and the file.")] input: AddDocumentVersionInput,
    ) -> async_graphql::Result<AddDocumentVersionPayload> {
        let id = from_global("documentId", NodeKind::Document, &input.document_id).gql()?;
        let file = uploaded(ctx, &input.file)?;
        let (doc, version) = service::add_version(app(ctx), caller(ctx), id, file, &input.change_note).await.gql()?;
        Ok(AddDocumentVersionPayload { document: Document(doc), version: DocumentVersion(version) })
    }

    /// Makes an old version current again, as a new version that copies it.
    async fn restore_document_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version to restore.")] input: RestoreDocumentVersionInput,
    ) -> async_graphql::Result<RestoreDocumentVersionPayload> {
        let id = from_global("versionId", NodeKind::DocumentVersion, &input.version_id).gql()?;
        let (doc, version) = service::restore_version(app(ctx), caller(ctx), id).await.gql()?;
        Ok(RestoreDocumentVersionPayload { document: Document(doc), version: DocumentVersion(version) })
    }

    /// Changes a document's description and classification (those who may add versions).
    async fn update_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document and what changes.")] input: UpdateDocumentInput,
    ) -> async_graphql::Result<UpdateDocumentPayload> {
        let id = from_global("id", NodeKind::Document, &input.id).gql()?;
        let author_ids =
            input.author_ids.as_deref().map(|ids| ids_of("authorIds", NodeKind::Person, ids)).transpose()?;
        let theme_ids = input.theme_ids.as_deref().map(|ids| ids_of("themeIds", NodeKind::Theme, ids)).transpose()?;
        let changes = DocumentChanges {
            theme_ids,
            title: input.title,
            description: input.description,
            kind: input.kind.map(Into::into),
            language: input.language,
            tags: input.tags,
            author_ids,
        };
        let doc = service::update_document(app(ctx), caller(ctx), id, changes).await.gql()?;
        Ok(UpdateDocumentPayload { document: Document(doc) })
    }

    /// Archives a document (animators): withdrawn from its audience, read by the
    /// community's readers only, until `unarchiveDocument`.
    async fn archive_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] input: ArchiveDocumentInput,
    ) -> async_graphql::Result<ArchiveDocumentPayload> {
        let id = from_global("id", NodeKind::Document, &input.id).gql()?;
        let doc = service::archive(app(ctx), caller(ctx), id).await.gql()?;
        Ok(ArchiveDocumentPayload { document: Document(doc) })
    }

    /// Brings an archived document back (animators).
    async fn unarchive_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] input: UnarchiveDocumentInput,
    ) -> async_graphql::Result<UnarchiveDocumentPayload> {
        let id = from_global("id", NodeKind::Document, &input.id).gql()?;
        let doc = service::unarchive(app(ctx), caller(ctx), id).await.gql()?;
        Ok(UnarchiveDocumentPayload { document: Document(doc) })
    }

    /// Publishes a document to an audience (reporters, animators, administrators): to
    /// NETWORK or PUBLIC, it reaches people who may not see the community.
    async fn publish_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document and its audience.")] input: PublishDocumentInput,
    ) -> async_graphql::Result<PublishDocumentPayload> {
        let id = from_global("id", NodeKind::Document, &input.id).gql()?;
        let doc = service::publish(app(ctx), caller(ctx), id, input.audience.into()).await.gql()?;
        Ok(PublishDocumentPayload { document: Document(doc) })
    }

    /// Marks a version as validated by the viewer (content experts).
    async fn validate_document_version(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The version.")] input: ValidateDocumentVersionInput,
    ) -> async_graphql::Result<ValidateDocumentVersionPayload> {
        let id = from_global("versionId", NodeKind::DocumentVersion, &input.version_id).gql()?;
        let (doc, version) = service::validate_version(app(ctx), caller(ctx), id).await.gql()?;
        Ok(ValidateDocumentVersionPayload { document: Document(doc), version: DocumentVersion(version) })
    }

    /// Deletes a document, its versions and the files nothing else uses (community
    /// administrators, network administrators). Audited; cannot be undone.
    async fn purge_document(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The document.")] input: PurgeDocumentInput,
    ) -> async_graphql::Result<PurgeDocumentPayload> {
        let id = from_global("id", NodeKind::Document, &input.id).gql()?;
        let purged = service::purge(app(ctx), caller(ctx), id).await.gql()?;
        Ok(PurgeDocumentPayload { purged_id: to_global(NodeKind::Document, purged) })
    }
}
