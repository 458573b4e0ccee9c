//! Wiki pages in the schema: pages, their revisions, diffs, and the mutations that
//! create, save and restore them.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{wiki_page, wiki_page_revision};
use sea_orm::{ColumnTrait, QueryFilter};

use super::{
    GqlResult, app, caller,
    community::Community,
    connection::{self, Conn},
    ids::{NodeKind, from_global, to_global},
    loaders::{PersonById, ViewerTiesLoader, VisibleCommunityById, WikiPageRevisions, loader},
    order::{DocumentOrder, list_order},
    person::Person,
};
use crate::service::{
    page, rich_text,
    wiki::{self as service, NewPage, PageChanges},
};

/// A page of a community's wiki.
#[derive(Clone)]
pub struct WikiPage(pub wiki_page::Model);

/// A page of a community's wiki: a Markdown body, saved as numbered revisions.
#[Object]
impl WikiPage {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::WikiPage, self.0.id)
    }
    /// Title: one line, 1 to 300 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The body, in Markdown as written.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The body rendered to HTML and sanitized on the server (no script, style, event
    /// handler, `javascript:` URL or frame; links get `rel="nofollow noopener noreferrer"`).
    async fn body_html(&self) -> String {
        rich_text::to_html(&self.0.body)
    }
    /// The number of its last revision: 1 once created, one more with each save. Pass it
    /// as `expectedRevision` to `updateWikiPage`.
    async fn revision(&self) -> i32 {
        self.0.revision
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it was last saved.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Who created it; null for anonymous viewers.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.0.created_by).await.gql()?.map(Person))
    }
    /// Who saved it last; null for anonymous viewers.
    async fn updated_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.0.updated_by).await.gql()?.map(Person))
    }
    /// The community whose wiki it belongs to.
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        super::community::visible_community(ctx, self.0.community_id).await
    }
    /// The page it sits under, if any.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<WikiPage>> {
        let Some(id) = self.0.parent_id else { return Ok(None) };
        Ok(service::readable_pages(app(ctx), &app(ctx).db, caller(ctx), &[id]).await.gql()?.pop().map(WikiPage))
    }
    /// Every revision, oldest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn revisions(
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
    ) -> async_graphql::Result<Conn<WikiPageRevision>> {
        let order = list_order::<DocumentOrder>(None);
        connection::children::<WikiPageRevisions, _>(
            ctx,
            self.0.id,
            (first, after, None, None),
            order,
            |m| m.id,
            WikiPageRevision,
        )
        .await
    }
    /// What the viewer may do with it.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<WikiPageViewerCan> {
        let caller = caller(ctx);
        let community = if caller.viewer.is_some() {
            loader::<VisibleCommunityById, _>(ctx).load_one(self.0.community_id).await.gql()?
        } else {
            None
        };
        let edit = match community {
            Some(community) => {
                let ties = loader::<ViewerTiesLoader, _>(ctx).load_one(community.id).await.gql()?.unwrap_or_default();
                service::can_edit_in(app(ctx), &community, &ties.roles(caller))
            }
            None => false,
        };
        Ok(WikiPageViewerCan { edit })
    }
}

/// What the viewer may do with a wiki page.
#[derive(SimpleObject)]
pub struct WikiPageViewerCan {
    /// Save it (`updateWikiPage`), restore a revision, add pages under it.
    pub edit: bool,
}

/// A saved state of a wiki page.
#[derive(Clone)]
pub struct WikiPageRevision(pub wiki_page_revision::Model);

/// A saved state of a wiki page: its title and body as saved, by whom, when and why.
#[Object]
impl WikiPageRevision {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::WikiPageRevision, self.0.id)
    }
    /// 1 for the first save, then one more for each.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// The title as saved.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The body as saved (Markdown).
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The body rendered to sanitized HTML.
    async fn body_html(&self) -> String {
        rich_text::to_html(&self.0.body)
    }
    /// Why it was saved.
    async fn change_note(&self) -> &str {
        &self.0.change_note
    }
    /// When it was saved.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who saved it; null for anonymous viewers.
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.0.author_id).await.gql()?.map(Person))
    }
}

/// `wikiPages` and `wikiPageDiff`.
#[derive(Default)]
pub struct WikiQuery;

/// Queries of the wikis.
#[Object]
impl WikiQuery {
    /// The pages of a community's wiki the viewer may read, oldest first (empty for a
    /// community whose content they may not read, as for one that does not exist).
    #[graphql(complexity = "crate::graphql::connection::cost(first, None, child_complexity)")]
    async fn wiki_pages(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the community.")] community_id: ID,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When not given, a page holds 20 items; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
    ) -> async_graphql::Result<Conn<WikiPage>> {
        let community_id = from_global("communityId", NodeKind::Community, &community_id).gql()?;
        let order = list_order::<DocumentOrder>(None);
        let req = connection::page_request(first, after, None, None, order).gql()?;
        let db = &app(ctx).db;
        let select =
            service::pages_select(app(ctx), caller(ctx)).filter(wiki_page::Column::CommunityId.eq(community_id));
        let total = if connection::wants_count(ctx) { page::count(db, select.clone()).await.gql()? } else { 0 };
        let found = page::fetch(db, select, wiki_page::Column::Id, &req).await.gql()?;
        Ok(connection::build(found, total, order, |m| m.id, WikiPage))
    }

    /// The unified diff (`---`/`+++` headers naming the revisions, `@@` hunks with three
    /// lines of context) from one revision's body to another's, of the same page. Each
    /// revision may have at most 50,000 lines (`BAD_USER_INPUT` naming the revision
    /// otherwise); between very different revisions the diff may be longer than the
    /// shortest one. Costs one point per 100 lines compared or per 5 ms of work, whichever
    /// is more (at most 1,000, charged whole for a diff that reaches its time limit); a
    /// few diffs run at once on the server, the others wait their turn.
    #[graphql(complexity = "crate::service::wiki::DIFF_MAX_COST")]
    async fn wiki_page_diff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global id of the older revision.")] from_revision_id: ID,
        #[graphql(
            desc = "Global id of the newer revision, of the same page (`BAD_USER_INPUT` naming `toRevisionId` otherwise)."
        )]
        to_revision_id: ID,
    ) -> async_graphql::Result<String> {
        let from = from_global("fromRevisionId", NodeKind::WikiPageRevision, &from_revision_id).gql()?;
        let to = from_global("toRevisionId", NodeKind::WikiPageRevision, &to_revision_id).gql()?;
        let diff = service::diff(app(ctx), caller(ctx), from, to).await.gql()?;
        super::cost::surcharge(ctx, diff.cost);
        Ok(diff.text)
    }
}

/// Input of `createWikiPage`.
#[derive(InputObject)]
pub struct CreateWikiPageInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Put it under this page of the same community.
    pub parent_id: Option<ID>,
    /// Title: one line, 1 to 300 characters once trimmed.
    pub title: String,
    /// The body, in Markdown (at most 200,000 characters).
    #[graphql(default)]
    pub body: String,
    /// Why (at most 10,000 characters).
    #[graphql(default)]
    pub change_note: String,
}

/// Result of `createWikiPage`.
#[derive(SimpleObject)]
pub struct CreateWikiPagePayload {
    /// The new page (revision 1).
    pub page: WikiPage,
}

/// Input of `updateWikiPage` (title and body left out stay as they are).
#[derive(InputObject)]
pub struct UpdateWikiPageInput {
    /// Global id of the page.
    pub id: ID,
    /// The `revision` the change was made over: when someone saved since, the answer is
    /// `CONFLICT` naming `expectedRevision` and nothing changes (show both versions and
    /// let the person merge).
    pub expected_revision: i32,
    /// New title: one line, 1 to 300 characters.
    pub title: Option<String>,
    /// New body, in Markdown (at most 200,000 characters).
    pub body: Option<String>,
    /// What changed (at most 10,000 characters).
    #[graphql(default)]
    pub change_note: String,
}

/// Result of `updateWikiPage`.
#[derive(SimpleObject)]
pub struct UpdateWikiPagePayload {
    /// The page, at its new revision.
    pub page: WikiPage,
}

/// Input of `restoreWikiPageRevision`.
#[derive(InputObject)]
pub struct RestoreWikiPageRevisionInput {
    /// Global id of the revision whose title and body become current again.
    pub revision_id: ID,
}

/// Result of `restoreWikiPageRevision`.
#[derive(SimpleObject)]
pub struct RestoreWikiPageRevisionPayload {
    /// The page, at its new revision (a copy of the restored one).
    pub page: WikiPage,
}

#[derive(Default)]
pub struct WikiMutation;

/// Mutations of the wikis.
#[Object]
impl WikiMutation {
    /// Creates a page in a community's wiki (members the policy lets edit it).
    async fn create_wiki_page(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where, and the page.")] input: CreateWikiPageInput,
    ) -> async_graphql::Result<CreateWikiPagePayload> {
        let community_id = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let parent_id =
            input.parent_id.as_ref().map(|id| from_global("parentId", NodeKind::WikiPage, id)).transpose().gql()?;
        let new =
            NewPage { community_id, parent_id, title: input.title, body: input.body, change_note: input.change_note };
        let page = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreateWikiPagePayload { page: WikiPage(page) })
    }

    /// Saves a page as a new revision, over `expectedRevision` only.
    async fn update_wiki_page(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The page, the revision read, and what changes.")] input: UpdateWikiPageInput,
    ) -> async_graphql::Result<UpdateWikiPagePayload> {
        let id = from_global("id", NodeKind::WikiPage, &input.id).gql()?;
        let changes = PageChanges {
            expected_revision: input.expected_revision,
            title: input.title,
            body: input.body,
            change_note: input.change_note,
        };
        let page = service::update(app(ctx), caller(ctx), id, changes).await.gql()?;
        Ok(UpdateWikiPagePayload { page: WikiPage(page) })
    }

    /// Makes an old revision current again, as a new revision.
    async fn restore_wiki_page_revision(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The revision to restore.")] input: RestoreWikiPageRevisionInput,
    ) -> async_graphql::Result<RestoreWikiPageRevisionPayload> {
        let id = from_global("revisionId", NodeKind::WikiPageRevision, &input.revision_id).gql()?;
        let page = service::restore(app(ctx), caller(ctx), id).await.gql()?;
        Ok(RestoreWikiPageRevisionPayload { page: WikiPage(page) })
    }
}
