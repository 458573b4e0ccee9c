//! Discussions in the schema: threads and posts.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{post, post_report, post_revision, thread};

use super::{
    GqlResult, app, caller,
    community::{Community, Subgroup},
    connection::{self, Conn},
    enums::{Reaction, ReportStatus, ThreadKind},
    ids::{NodeKind, from_global, to_global},
    loaders::{
        IdLoader, PersonById, PostById, PostReactions, PostRevisions, ReadAheadRows, SubgroupById, ThreadById,
        ThreadPosts, ThreadReaders, ThreadUnreadCounts, ViewerTiesLoader, VisibleCommunityById, column_names, loader,
        read_ahead_or_load,
    },
    order::{PostOrder, list_order},
    person::Person,
};
use policy::{Action, Role};

use crate::{
    error::ServiceError,
    service::{
        access,
        discussion::{self as service, NewPost, NewThread},
        rich_text, thread_reading,
    },
};

#[derive(Clone)]
pub struct Thread(pub thread::Model);

impl Thread {
    /// The columns of its row each field of `Thread` reads, for reading threads ahead with
    /// their community; `None` for a field not listed (the whole row is then read). A
    /// field added to `Thread` must be added here (a test checks every field is).
    pub fn columns_for(field: &str) -> Option<&'static [thread::Column]> {
        use thread::Column as C;
        Some(match field {
            "id" | "posts" | "__typename" => &[],
            "title" => &[C::Title],
            "createdAt" => &[C::CreatedAt],
            "community" => &[C::CommunityId],
            "subgroup" => &[C::SubgroupId],
            "author" => &[C::AuthorId],
            "viewerCan" => &[C::CommunityId, C::SubgroupId, C::Kind, C::AuthorId, C::LockedAt],
            "kind" => &[C::Kind],
            "language" => &[C::Language],
            "acceptedAnswer" => &[C::AcceptedPostId],
            "answeredAt" => &[C::AnsweredAt],
            "firstReplyAt" => &[C::FirstReplyAt],
            "locked" => &[C::LockedAt],
            "pinned" => &[C::PinnedAt],
            "expiresAt" => &[C::ExpiresAt],
            "body" | "bodyHtml" | "mentions" => &[C::Body],
            "unreadCount" | "viewerFollows" | "viewerLastReadAt" => &[],
            _ => return None,
        })
    }
}

/// A discussion thread in a community (or one of its subgroups).
#[Object]
impl Thread {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Thread, self.0.id)
    }
    /// Title: one line, 1 to 300 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The opening message, as written (Markdown).
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The opening message rendered to HTML and sanitized (safe to insert in a page); a
    /// mention `@[Name](person-id)` of someone in `mentions` is a link to
    /// `/people/<person-id>`, any other is the plain text `@Name`.
    async fn body_html(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        linked_html(ctx, &self.0.body).await
    }
    /// The people its opening message mentions (`@[Name](person-id)`, the first 20), as the
    /// viewer may see them in the directory: the same whether or not they may read the
    /// thread (only those who may are notified); empty for anonymous viewers.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn mentions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        people_of(ctx, mentioned_in(&self.0.body)).await
    }
    /// When the thread was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// What the thread is for.
    async fn kind(&self) -> ThreadKind {
        self.0.kind.into()
    }
    /// The language it is written in (a BCP 47 tag such as `fr-CA`), when its author said.
    async fn language(&self) -> Option<&str> {
        self.0.language.as_deref()
    }
    /// The reply accepted as the answer (questions only; null until one is accepted).
    async fn accepted_answer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Post>> {
        let Some(id) = self.0.accepted_post_id else { return Ok(None) };
        let needed = connection::object_columns(&ctx.field(), Post::columns_for).map(|c| column_names(&c));
        if let Some(post) = ctx.data_unchecked::<ReadAheadRows<PostById>>().get(id, needed.as_deref()) {
            return Ok(Some(Post(post)));
        }
        Ok(loader::<IdLoader<PostById>, _>(ctx).load_one(id).await.gql()?.map(Post))
    }
    /// When the answer was accepted (null while the question is unanswered).
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }
    /// When someone other than its author first replied (null until then).
    async fn first_reply_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_reply_at
    }
    /// Whether a moderator locked it: it takes no more replies, edits, reactions or
    /// accepted answer, except from its moderators.
    async fn locked(&self) -> bool {
        self.0.locked_at.is_some()
    }
    /// Whether it is pinned (listed in `Community.pinnedThreads`; announcements are
    /// pinned when posted).
    async fn pinned(&self) -> bool {
        self.0.pinned_at.is_some()
    }
    /// When an announcement leaves the bulletin board (null: it stays).
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// The community, when the viewer may see it (null otherwise: a secret community is out of
    /// sight to anyone who may no longer see it).
    async fn community(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Community>> {
        super::community::visible_community(ctx, self.0.community_id).await
    }
    /// The subgroup it belongs to, if any.
    async fn subgroup(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Subgroup>> {
        let Some(id) = self.0.subgroup_id else { return Ok(None) };
        Ok(loader::<IdLoader<SubgroupById>, _>(ctx).load_one(id).await.gql()?.map(Subgroup))
    }
    /// Who started it; null for anonymous viewers (people are shown to logged-in viewers only).
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.0.author_id).await.gql()?.map(Person))
    }
    /// How many replies are new to the viewer: not theirs, past where they marked the
    /// thread read (`markThreadRead`; every reply when they never did), neither deleted
    /// nor hidden. 0 for anonymous viewers.
    async fn unread_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i32> {
        let count = read_ahead_or_load::<ThreadUnreadCounts>(ctx, self.0.id).await.gql()?.unwrap_or(0);
        Ok(i32::try_from(count).unwrap_or(i32::MAX))
    }
    /// Whether the viewer follows it (automatic for its author and those who reply,
    /// unless they unfollowed it).
    async fn viewer_follows(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(loader::<ThreadReaders, _>(ctx).load_one(self.0.id).await.gql()?.is_some_and(|r| r.following))
    }
    /// When the viewer last marked it read (null if never).
    async fn viewer_last_read_at(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime<Utc>>> {
        Ok(loader::<ThreadReaders, _>(ctx).load_one(self.0.id).await.gql()?.and_then(|r| r.read_at))
    }
    /// What the viewer may do with this thread.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<ThreadViewerCan> {
        let Some((community, roles)) = community_roles(ctx, self.0.community_id).await? else {
            return Ok(ThreadViewerCan { reply: false, moderate: false, accept: false });
        };
        let auth = &app(ctx).auth;
        let moderate = access::allowed(auth, &roles, &community, Action::Moderate);
        let open = self.0.locked_at.is_none() || moderate;
        let mut reply = open && access::allowed(auth, &roles, &community, Action::Post);
        if let Some(subgroup) = self.0.subgroup_id {
            reply = reply && access::subgroup_permissions(auth, &app(ctx).db, caller(ctx), subgroup).await.gql()?.1;
        }
        Ok(ThreadViewerCan {
            reply,
            moderate,
            accept: open && service::may_accept(app(ctx), caller(ctx), &self.0, &community, &roles),
        })
    }
    /// Replies, oldest first.
    #[graphql(complexity = "crate::graphql::connection::cost(first, last, child_complexity)")]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "How the list is sorted; by default oldest first (by id). A cursor serves only the order it was made in: with another `orderBy` (or none) it is `BAD_USER_INPUT` naming `after` or `before`."
        )]
        order_by: Option<PostOrder>,
        #[graphql(
            desc = "How many items to return from the start of the list (after `after` if given): 0 to 100. When neither `first` nor `last` is given, a page holds 20 items. Cannot be combined with `last`; out of range is `BAD_USER_INPUT` naming `first`."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Returns the items after this cursor (the `cursor` of an edge, or `pageInfo.endCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `after`."
        )]
        after: Option<String>,
        #[graphql(
            desc = "How many items to return from the end of the list (before `before` if given): 0 to 100. Cannot be combined with `first`; out of range is `BAD_USER_INPUT` naming `last`."
        )]
        last: Option<i32>,
        #[graphql(
            desc = "Returns the items before this cursor (the `cursor` of an edge, or `pageInfo.startCursor`, of this same list). An unreadable cursor is `BAD_USER_INPUT` naming `before`."
        )]
        before: Option<String>,
    ) -> async_graphql::Result<Conn<Post>> {
        connection::children::<ThreadPosts, _>(
            ctx,
            self.0.id,
            (first, after, last, before),
            list_order(order_by.as_ref()),
            |m| m.id,
            Post,
        )
        .await
    }
}

#[derive(Clone)]
pub struct Post(pub post::Model);

impl Post {
    /// The columns of its row each field of `Post` reads (see [`Thread::columns_for`]).
    pub fn columns_for(field: &str) -> Option<&'static [post::Column]> {
        use post::Column as C;
        Some(match field {
            "id" | "__typename" | "reactions" => &[],
            "body" | "bodyHtml" => &[C::Body, C::DeletedAt, C::HiddenAt, C::AuthorId, C::ThreadId],
            "createdAt" => &[C::CreatedAt],
            "thread" => &[C::ThreadId],
            "author" => &[C::AuthorId],
            "deleted" => &[C::DeletedAt],
            "editedAt" => &[C::EditedAt],
            "replyTo" => &[C::ReplyToId],
            "revisions" => &[C::ThreadId],
            "hidden" => &[C::HiddenAt],
            "hiddenReason" => &[C::HiddenAt, C::HiddenReason, C::AuthorId, C::ThreadId],
            "mentions" => &[C::Body, C::DeletedAt, C::HiddenAt, C::AuthorId, C::ThreadId],
            _ => return None,
        })
    }
}

/// What the viewer may do with a thread.
#[derive(SimpleObject)]
pub struct ThreadViewerCan {
    /// Reply in it, edit one's replies and react (while it is locked, its moderators only).
    pub reply: bool,
    /// Moderate it.
    pub moderate: bool,
    /// Accept one of its replies as the answer (a question; the person who asked, or the
    /// roles the policy allows: animators and content experts by default).
    pub accept: bool,
}

/// The visible community `id` and the viewer's roles there (none for anonymous viewers).
async fn community_roles(
    ctx: &Context<'_>,
    id: i32,
) -> async_graphql::Result<Option<(entity::community::Model, Vec<Role>)>> {
    let Some(community) = loader::<VisibleCommunityById, _>(ctx).load_one(id).await.gql()? else { return Ok(None) };
    let ties = if caller(ctx).viewer.is_some() {
        loader::<ViewerTiesLoader, _>(ctx).load_one(community.id).await.gql()?.unwrap_or_default()
    } else {
        Default::default()
    };
    let roles = ties.roles(caller(ctx));
    Ok(Some((community, roles)))
}

/// How many people reacted to a reply in one way, and who.
pub struct ReactionCount {
    reaction: Reaction,
    people: Vec<i32>,
    viewer: bool,
}

/// How many people reacted to a reply in one way, and who.
#[Object]
impl ReactionCount {
    /// The reaction.
    async fn reaction(&self) -> Reaction {
        self.reaction
    }
    /// How many people reacted so.
    async fn count(&self) -> i32 {
        i32::try_from(self.people.len()).unwrap_or(i32::MAX)
    }
    /// Whether the viewer is one of them.
    async fn viewer_reacted(&self) -> bool {
        self.viewer
    }
    /// Who reacted so, first to react first (empty for anonymous viewers: people are shown
    /// to logged-in viewers only).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn people(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        let found = loader::<PersonById, _>(ctx).load_many(self.people.iter().copied()).await.gql()?;
        Ok(self.people.iter().filter_map(|id| found.get(id).cloned().map(Person)).collect())
    }
}

/// What a reply said before an edit (or before it was deleted).
pub struct PostRevision(post_revision::Model);

/// What a reply said before an edit (or before it was deleted); shown to moderators.
#[Object]
impl PostRevision {
    /// The text as it was (Markdown).
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The text as it was, rendered to HTML and sanitized.
    async fn body_html(&self) -> String {
        rich_text::to_html(&self.0.body)
    }
    /// When it was replaced (edited or deleted).
    async fn replaced_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Who replaced it (its author, or the moderator who deleted it).
    async fn editor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.0.editor_id).await.gql()?.map(Person))
    }
}

impl Post {
    /// Whether the viewer may see this hidden reply: its author, or a moderator of its
    /// community.
    async fn sees_hidden(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        if caller(ctx).person_id() == Some(self.0.author_id) {
            return Ok(true);
        }
        moderates_thread(ctx, self.0.thread_id).await
    }

    /// Whether the viewer reads its text: not deleted, and not hidden from them.
    async fn readable(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        if self.0.deleted_at.is_some() {
            return Ok(false);
        }
        // Only a hidden reply costs a look-up (batched), never the ordinary ones.
        if self.0.hidden_at.is_some() {
            return self.sees_hidden(ctx).await;
        }
        Ok(true)
    }
}

/// Whether the viewer moderates the community of thread `thread_id`.
async fn moderates_thread(ctx: &Context<'_>, thread_id: i32) -> async_graphql::Result<bool> {
    let Some(thread) = loader::<IdLoader<ThreadById>, _>(ctx).load_one(thread_id).await.gql()? else {
        return Ok(false);
    };
    let Some((community, roles)) = community_roles(ctx, thread.community_id).await? else { return Ok(false) };
    Ok(access::allowed(&app(ctx).auth, &roles, &community, Action::Moderate))
}

/// A reply in a thread.
#[Object]
impl Post {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Post, self.0.id)
    }
    /// The reply as written (Markdown; 1 to 50,000 characters); empty once deleted, and
    /// once hidden for anyone but its author and the community's moderators.
    async fn body(&self, ctx: &Context<'_>) -> async_graphql::Result<&str> {
        Ok(if self.readable(ctx).await? { &self.0.body } else { "" })
    }
    /// The reply rendered to HTML and sanitized (safe to insert in a page); empty when
    /// `body` is. A mention `@[Name](person-id)` of someone in `mentions` is a link to
    /// `/people/<person-id>`, any other is the plain text `@Name`.
    async fn body_html(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        if !self.readable(ctx).await? {
            return Ok(String::new());
        }
        linked_html(ctx, &self.0.body).await
    }
    /// The people it mentions (`@[Name](person-id)`, the first 20), as the viewer may see
    /// them in the directory: the same whether or not they may read the thread (only those
    /// who may are notified); empty when `body` is, and for anonymous viewers.
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn mentions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Person>> {
        if !self.readable(ctx).await? {
            return Ok(Vec::new());
        }
        people_of(ctx, mentioned_in(&self.0.body)).await
    }
    /// Whether a moderator hid it: for anyone but its author and the community's
    /// moderators it then reads like a deleted reply.
    async fn hidden(&self) -> bool {
        self.0.hidden_at.is_some()
    }
    /// Why it was hidden: shown to its author and to the community's moderators (null for
    /// anyone else, and when it is not hidden).
    async fn hidden_reason(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        if self.0.hidden_at.is_none() || !self.sees_hidden(ctx).await? {
            return Ok(None);
        }
        Ok(self.0.hidden_reason.as_deref())
    }
    /// When the reply was posted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When its author last edited it (null if never).
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.0.edited_at
    }
    /// Whether it was deleted: it stays in the thread as a placeholder, its body empty.
    async fn deleted(&self) -> bool {
        self.0.deleted_at.is_some()
    }
    /// The reply this one answers (one level of nesting: never itself a reply to another).
    async fn reply_to(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Post>> {
        let Some(id) = self.0.reply_to_id else { return Ok(None) };
        Ok(loader::<IdLoader<PostById>, _>(ctx).load_one(id).await.gql()?.map(Post))
    }
    /// Reactions to it, one entry per reaction it got (USEFUL, THANKS, AGREE in that order).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn reactions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReactionCount>> {
        let rows = read_ahead_or_load::<PostReactions>(ctx, self.0.id).await.gql()?.unwrap_or_default();
        let viewer = caller(ctx).person_id();
        Ok([Reaction::Useful, Reaction::Thanks, Reaction::Agree]
            .into_iter()
            .filter_map(|reaction| {
                let stored: entity::enums::Reaction = reaction.into();
                let people: Vec<i32> = rows.iter().filter(|(r, _)| *r == stored).map(|(_, p)| *p).collect();
                let viewer_reacted = viewer.is_some_and(|v| people.contains(&v));
                (!people.is_empty()).then_some(ReactionCount { reaction, people, viewer: viewer_reacted })
            })
            .collect())
    }
    /// What it said before each edit (and before it was deleted), oldest first: for the
    /// community's moderators only (null for anyone else).
    #[graphql(complexity = "crate::graphql::connection::list_cost(child_complexity)")]
    async fn revisions(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Vec<PostRevision>>> {
        if !moderates_thread(ctx, self.0.thread_id).await? {
            return Ok(None);
        }
        let rows = loader::<PostRevisions, _>(ctx).load_one(self.0.id).await.gql()?.unwrap_or_default();
        Ok(Some(rows.into_iter().map(PostRevision).collect()))
    }
    /// The thread it replies in.
    async fn thread(&self, ctx: &Context<'_>) -> async_graphql::Result<Thread> {
        loader::<IdLoader<ThreadById>, _>(ctx)
            .load_one(self.0.thread_id)
            .await
            .gql()?
            .map(Thread)
            .ok_or_else(|| ServiceError::not_found("thread"))
            .gql()
    }
    /// Who posted it; null for anonymous viewers (people are shown to logged-in viewers only).
    async fn author(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.0.author_id).await.gql()?.map(Person))
    }
}

/// These people as the viewer may see them (nobody for anonymous viewers), in order.
async fn people_of(ctx: &Context<'_>, ids: Vec<i32>) -> async_graphql::Result<Vec<Person>> {
    let found = loader::<PersonById, _>(ctx).load_many(ids.iter().copied()).await.gql()?;
    Ok(ids.iter().filter_map(|id| found.get(id).cloned().map(Person)).collect())
}

/// The people a text mentions (`@[Name](person-id)`): the first [`service::MENTIONS_MAX`]
/// distinct ids of people, in order.
///
/// What people see of a mention comes from the text alone and from what the viewer may
/// see in the directory, never from who may read the thread (nor from who was stored to
/// be notified): otherwise the author, who chose the names, would learn from the answer
/// whether each one may read it.
fn mentioned_in(body: &str) -> Vec<i32> {
    let mut ids: Vec<i32> = Vec::new();
    for id in rich_text::mention_targets(body) {
        if ids.len() == service::MENTIONS_MAX {
            break;
        }
        if let Ok(id) = from_global("mentions", NodeKind::Person, &ID(id.to_owned()))
            && !ids.contains(&id)
        {
            ids.push(id);
        }
    }
    ids
}

/// Renders `body` with links to the people it mentions ([`mentioned_in`]) whom the viewer
/// may see in the directory.
async fn linked_html(ctx: &Context<'_>, body: &str) -> async_graphql::Result<String> {
    if !rich_text::has_mentions(body) {
        return Ok(rich_text::to_html(body));
    }
    let shown: Vec<String> =
        people_of(ctx, mentioned_in(body)).await?.iter().map(|p| to_global(NodeKind::Person, p.0.id).0).collect();
    Ok(rich_text::to_html_with_mentions(body, |id| shown.iter().any(|s| s == id)))
}

/// Reads the `mentions` of an input: at most 20 global ids of people.
fn mention_ids(ids: &[ID]) -> async_graphql::Result<Vec<i32>> {
    if ids.len() > service::MENTIONS_MAX {
        return Err(ServiceError::bad_input(
            "mentions",
            crate::i18n::Message::new("too-many-entries").arg("max", service::MENTIONS_MAX),
        ))
        .gql();
    }
    ids.iter().map(|id| from_global("mentions", NodeKind::Person, id)).collect::<Result<Vec<_>, _>>().gql()
}

/// Input of `createThread`.
#[derive(InputObject)]
pub struct CreateThreadInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Post in this subgroup of the community.
    pub subgroup_id: Option<ID>,
    /// Title: one line, 1 to 300 characters once trimmed.
    pub title: String,
    /// The opening message: Markdown, line breaks allowed, at most 50,000 characters (empty
    /// by default).
    #[graphql(default)]
    pub body: String,
    /// What the thread is for (DISCUSSION by default; ANNOUNCEMENT needs the policy's
    /// `announce` right, animators' by default).
    #[graphql(default_with = "ThreadKind::Discussion")]
    pub kind: ThreadKind,
    /// The language it is written in: a BCP 47 tag such as `fr`, `fr-CA` or `en` (at most
    /// 35 characters).
    pub language: Option<String>,
    /// When an announcement leaves the bulletin board (announcements only; in the future).
    pub expires_at: Option<DateTime<Utc>>,
    /// People to notify of the opening message: global ids of people, at most 20 (a
    /// malformed one is `BAD_USER_INPUT` naming `mentions`). Only people who may read the
    /// thread are notified; nothing in the answer, to anyone, tells who was. Write
    /// `@[Name](person-id)` in `body` to show a mention (a link for viewers who may see
    /// that person in the directory).
    #[graphql(default)]
    pub mentions: Vec<ID>,
}

/// Result of `createThread`.
#[derive(SimpleObject)]
pub struct CreateThreadPayload {
    /// The new thread.
    pub thread: Thread,
}

/// Input of `createPost`.
#[derive(InputObject)]
pub struct CreatePostInput {
    /// Global id of the thread to reply in.
    pub thread_id: ID,
    /// Global id of the reply (of the same thread) this one answers. Replies nest one
    /// level: answering a reply that answers another puts this one under that other.
    pub reply_to_id: Option<ID>,
    /// The reply: Markdown, line breaks allowed, 1 to 50,000 characters once trimmed.
    pub body: String,
    /// People to notify of the reply: global ids of people, at most 20 (a malformed one
    /// is `BAD_USER_INPUT` naming `mentions`). Only people who may read the thread are
    /// notified; nothing in the answer, to anyone, tells who was. Write
    /// `@[Name](person-id)` in `body` to show a mention (a link for viewers who may see
    /// that person in the directory).
    #[graphql(default)]
    pub mentions: Vec<ID>,
}

/// Result of `createPost`.
#[derive(SimpleObject)]
pub struct CreatePostPayload {
    /// The new reply.
    pub post: Post,
}

/// Input of `editPost`.
#[derive(InputObject)]
pub struct EditPostInput {
    /// Global id of the reply (the viewer's own).
    pub post_id: ID,
    /// The new text: Markdown, line breaks allowed, 1 to 50,000 characters once trimmed.
    pub body: String,
}

/// Result of `editPost`.
#[derive(SimpleObject)]
pub struct EditPostPayload {
    /// The reply as edited.
    pub post: Post,
}

/// Input of `deletePost`.
#[derive(InputObject)]
pub struct DeletePostInput {
    /// Global id of the reply.
    pub post_id: ID,
}

/// Result of `deletePost`.
#[derive(SimpleObject)]
pub struct DeletePostPayload {
    /// The placeholder left in the thread (`deleted: true`, body empty).
    pub post: Post,
}

/// Input of `acceptAnswer`.
#[derive(InputObject)]
pub struct AcceptAnswerInput {
    /// Global id of the reply to accept as the answer to its thread (a question; neither
    /// deleted nor hidden, else `BAD_USER_INPUT` naming `postId`).
    pub post_id: ID,
    /// Global id of the question it must answer: a reply of another thread is then
    /// `BAD_USER_INPUT` naming `postId`.
    pub thread_id: Option<ID>,
}

/// Result of `acceptAnswer`.
#[derive(SimpleObject)]
pub struct AcceptAnswerPayload {
    /// The accepted reply.
    pub post: Post,
    /// The question it answers.
    pub thread: Thread,
}

/// Input of `react`.
#[derive(InputObject)]
pub struct ReactInput {
    /// Global id of the reply.
    pub post_id: ID,
    /// The reaction.
    pub reaction: Reaction,
}

/// Result of `react`.
#[derive(SimpleObject)]
pub struct ReactPayload {
    /// The reply.
    pub post: Post,
}

/// Input of `unreact`.
#[derive(InputObject)]
pub struct UnreactInput {
    /// Global id of the reply.
    pub post_id: ID,
    /// The reaction to take back.
    pub reaction: Reaction,
}

/// Result of `unreact`.
#[derive(SimpleObject)]
pub struct UnreactPayload {
    /// The reply.
    pub post: Post,
}

/// Input of `lockThread`, `unlockThread`, `pinThread` and `unpinThread`.
#[derive(InputObject)]
pub struct ThreadModerationInput {
    /// Global id of the thread.
    pub thread_id: ID,
}

/// Result of `lockThread`, `unlockThread`, `pinThread` and `unpinThread`.
#[derive(SimpleObject)]
pub struct ThreadModerationPayload {
    /// The thread as it now is.
    pub thread: Thread,
}

/// Input of `moveThread`.
#[derive(InputObject)]
pub struct MoveThreadInput {
    /// Global id of the thread.
    pub thread_id: ID,
    /// Global id of a subgroup of the thread's community; null moves it to the community
    /// itself.
    pub subgroup_id: Option<ID>,
}

/// Result of `moveThread`.
#[derive(SimpleObject)]
pub struct MoveThreadPayload {
    /// The thread where it now is.
    pub thread: Thread,
}

/// Input of `hidePost`.
#[derive(InputObject)]
pub struct HidePostInput {
    /// Global id of the reply.
    pub post_id: ID,
    /// Why (its author reads it): line breaks allowed, 1 to 2,000 characters once trimmed.
    pub reason: String,
}

/// Result of `hidePost`.
#[derive(SimpleObject)]
pub struct HidePostPayload {
    /// The hidden reply.
    pub post: Post,
}

/// A reply a reader reported to the community's moderators.
pub struct Report(pub post_report::Model);

/// A reply a reader reported to the community's moderators (read by them in
/// `Community.moderationQueue`).
#[Object]
impl Report {
    /// Global id (for `resolveReport`).
    async fn id(&self) -> ID {
        to_global(NodeKind::Report, self.0.id)
    }
    /// The reported reply.
    async fn post(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Post>> {
        Ok(loader::<IdLoader<PostById>, _>(ctx).load_one(self.0.post_id).await.gql()?.map(Post))
    }
    /// Why it was reported.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// Where it stands.
    async fn status(&self) -> ReportStatus {
        self.0.status.into()
    }
    /// Who reported it.
    async fn reporter(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Person>> {
        Ok(loader::<PersonById, _>(ctx).load_one(self.0.reporter_id).await.gql()?.map(Person))
    }
    /// When it was reported.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When a moderator resolved it (null while open).
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
}

/// Input of `reportPost`.
#[derive(InputObject)]
pub struct ReportPostInput {
    /// Global id of the reply.
    pub post_id: ID,
    /// Why (the moderators read it; hiding the reply shows it to its author): line breaks
    /// allowed, 1 to 2,000 characters once trimmed.
    pub reason: String,
}

/// Result of `reportPost`.
#[derive(SimpleObject)]
pub struct ReportPostPayload {
    /// The report (the reporter's open one, if they had already reported the reply).
    pub report: Report,
}

/// What a moderator does with a report.
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportResolution {
    /// Nothing to do: the report leaves the queue.
    Dismiss,
    /// Hide the reply, with the report's reason: every open report of it leaves the queue.
    HidePost,
}

/// Input of `resolveReport`.
#[derive(InputObject)]
pub struct ResolveReportInput {
    /// Global id of the report (an open one).
    pub report_id: ID,
    /// What to do.
    pub action: ReportResolution,
}

/// Result of `resolveReport`.
#[derive(SimpleObject)]
pub struct ResolveReportPayload {
    /// The resolved report.
    pub report: Report,
}

/// Input of `markThreadRead`.
#[derive(InputObject)]
pub struct MarkThreadReadInput {
    /// Global id of the thread.
    pub thread_id: ID,
    /// Global id of the last reply read (one of the thread's, else `BAD_USER_INPUT`
    /// naming `postId`); by default its latest reply.
    pub post_id: Option<ID>,
}

/// Input of `followThread` and `unfollowThread`.
#[derive(InputObject)]
pub struct FollowThreadInput {
    /// Global id of the thread.
    pub thread_id: ID,
}

/// Result of `markThreadRead`, `followThread` and `unfollowThread`.
#[derive(SimpleObject)]
pub struct ThreadReadingPayload {
    /// The thread (its `unreadCount` and `viewerFollows` as they now are).
    pub thread: Thread,
}

#[derive(Default)]
pub struct DiscussionMutation;

/// Runs a thread moderation of `input`.
async fn moderate(
    ctx: &Context<'_>,
    input: ThreadModerationInput,
    what: service::ThreadModeration,
) -> async_graphql::Result<ThreadModerationPayload> {
    let thread_id = from_global("threadId", NodeKind::Thread, &input.thread_id).gql()?;
    let thread = service::moderate_thread(app(ctx), caller(ctx), thread_id, what).await.gql()?;
    Ok(ThreadModerationPayload { thread: Thread(thread) })
}

/// Mutations on discussions.
#[Object]
impl DiscussionMutation {
    /// Starts a thread (active members of a community that is not archived).
    async fn create_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where to start the thread, its title and opening message.")] input: CreateThreadInput,
    ) -> async_graphql::Result<CreateThreadPayload> {
        let community_id = from_global("communityId", NodeKind::Community, &input.community_id).gql()?;
        let subgroup_id =
            input.subgroup_id.as_ref().map(|id| from_global("subgroupId", NodeKind::Subgroup, id)).transpose().gql()?;
        let new = NewThread {
            community_id,
            subgroup_id,
            title: input.title,
            body: input.body,
            kind: input.kind.into(),
            language: input.language,
            expires_at: input.expires_at,
            mentions: mention_ids(&input.mentions)?,
        };
        let thread = service::create_thread(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreateThreadPayload { thread: Thread(thread) })
    }

    /// Replies in a thread (active members of its community).
    async fn create_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread and the reply.")] input: CreatePostInput,
    ) -> async_graphql::Result<CreatePostPayload> {
        let thread_id = from_global("threadId", NodeKind::Thread, &input.thread_id).gql()?;
        let reply_to_id =
            input.reply_to_id.as_ref().map(|id| from_global("replyToId", NodeKind::Post, id)).transpose().gql()?;
        let new = NewPost { thread_id, reply_to_id, body: input.body, mentions: mention_ids(&input.mentions)? };
        let post = service::create_post(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreatePostPayload { post: Post(post) })
    }

    /// Edits one's own reply; what it said before is kept for the community's moderators.
    async fn edit_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reply and its new text.")] input: EditPostInput,
    ) -> async_graphql::Result<EditPostPayload> {
        let post_id = from_global("postId", NodeKind::Post, &input.post_id).gql()?;
        let post = service::edit_post(app(ctx), caller(ctx), post_id, &input.body).await.gql()?;
        Ok(EditPostPayload { post: Post(post) })
    }

    /// Deletes a reply (its author, or a moderator of the community): a placeholder stays.
    async fn delete_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reply to delete.")] input: DeletePostInput,
    ) -> async_graphql::Result<DeletePostPayload> {
        let post_id = from_global("postId", NodeKind::Post, &input.post_id).gql()?;
        let post = service::delete_post(app(ctx), caller(ctx), post_id).await.gql()?;
        Ok(DeletePostPayload { post: Post(post) })
    }

    /// Accepts a reply as the answer to its question (the person who asked, or an
    /// animator or content expert of the community).
    async fn accept_answer(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reply to accept.")] input: AcceptAnswerInput,
    ) -> async_graphql::Result<AcceptAnswerPayload> {
        let post_id = from_global("postId", NodeKind::Post, &input.post_id).gql()?;
        let thread_id =
            input.thread_id.as_ref().map(|id| from_global("threadId", NodeKind::Thread, id)).transpose().gql()?;
        let (post, thread) = service::accept_answer(app(ctx), caller(ctx), post_id, thread_id).await.gql()?;
        Ok(AcceptAnswerPayload { post: Post(post), thread: Thread(thread) })
    }

    /// Reacts to a reply (people who may reply in its thread); reacting twice the same
    /// way changes nothing.
    async fn react(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reply and the reaction.")] input: ReactInput,
    ) -> async_graphql::Result<ReactPayload> {
        let post_id = from_global("postId", NodeKind::Post, &input.post_id).gql()?;
        let post = service::react(app(ctx), caller(ctx), post_id, input.reaction.into(), true).await.gql()?;
        Ok(ReactPayload { post: Post(post) })
    }

    /// Locks a thread: it takes no more replies, edits, reactions or accepted answer,
    /// except from the community's moderators (who lock it).
    async fn lock_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread to lock.")] input: ThreadModerationInput,
    ) -> async_graphql::Result<ThreadModerationPayload> {
        moderate(ctx, input, service::ThreadModeration::Lock).await
    }

    /// Unlocks a thread (the community's moderators).
    async fn unlock_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread to unlock.")] input: ThreadModerationInput,
    ) -> async_graphql::Result<ThreadModerationPayload> {
        moderate(ctx, input, service::ThreadModeration::Unlock).await
    }

    /// Pins a thread to `Community.pinnedThreads` (the community's moderators); the order
    /// of `threads` does not change.
    async fn pin_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread to pin.")] input: ThreadModerationInput,
    ) -> async_graphql::Result<ThreadModerationPayload> {
        moderate(ctx, input, service::ThreadModeration::Pin).await
    }

    /// Unpins a thread (the community's moderators); an unpinned announcement leaves the
    /// bulletin board.
    async fn unpin_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread to unpin.")] input: ThreadModerationInput,
    ) -> async_graphql::Result<ThreadModerationPayload> {
        moderate(ctx, input, service::ThreadModeration::Unpin).await
    }

    /// Moves a thread to a subgroup of its community, or back to the community itself
    /// (the community's moderators).
    async fn move_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread and where to.")] input: MoveThreadInput,
    ) -> async_graphql::Result<MoveThreadPayload> {
        let thread_id = from_global("threadId", NodeKind::Thread, &input.thread_id).gql()?;
        let subgroup_id =
            input.subgroup_id.as_ref().map(|id| from_global("subgroupId", NodeKind::Subgroup, id)).transpose().gql()?;
        let thread = service::move_thread(app(ctx), caller(ctx), thread_id, subgroup_id).await.gql()?;
        Ok(MoveThreadPayload { thread: Thread(thread) })
    }

    /// Hides a reply, with the reason its author will read (the community's moderators):
    /// others read it like a deleted one, with `hidden: true`.
    async fn hide_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reply and why.")] input: HidePostInput,
    ) -> async_graphql::Result<HidePostPayload> {
        let post_id = from_global("postId", NodeKind::Post, &input.post_id).gql()?;
        let post = service::hide_post(app(ctx), caller(ctx), post_id, &input.reason).await.gql()?;
        Ok(HidePostPayload { post: Post(post) })
    }

    /// Reports a reply to the community's moderators (anyone who may read it).
    async fn report_post(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reply and why.")] input: ReportPostInput,
    ) -> async_graphql::Result<ReportPostPayload> {
        let post_id = from_global("postId", NodeKind::Post, &input.post_id).gql()?;
        let report = service::report_post(app(ctx), caller(ctx), post_id, &input.reason).await.gql()?;
        Ok(ReportPostPayload { report: Report(report) })
    }

    /// Resolves an open report (the community's moderators): dismisses it or hides the
    /// reply. A report resolved already is `CONFLICT` on `reportId`.
    async fn resolve_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The report and what to do.")] input: ResolveReportInput,
    ) -> async_graphql::Result<ResolveReportPayload> {
        let report_id = from_global("reportId", NodeKind::Report, &input.report_id).gql()?;
        let resolution = match input.action {
            ReportResolution::Dismiss => service::Resolution::Dismiss,
            ReportResolution::HidePost => service::Resolution::HidePost,
        };
        let report = service::resolve_report(app(ctx), caller(ctx), report_id, resolution).await.gql()?;
        Ok(ResolveReportPayload { report: Report(report) })
    }

    /// Marks a thread one reads as read up to a reply (by default its latest): its
    /// `unreadCount` counts the replies after it. The position only moves forward.
    async fn mark_thread_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread and the last reply read.")] input: MarkThreadReadInput,
    ) -> async_graphql::Result<ThreadReadingPayload> {
        let thread_id = from_global("threadId", NodeKind::Thread, &input.thread_id).gql()?;
        let post_id = input.post_id.as_ref().map(|id| from_global("postId", NodeKind::Post, id)).transpose().gql()?;
        let thread = thread_reading::mark_read(app(ctx), caller(ctx), thread_id, post_id).await.gql()?;
        Ok(ThreadReadingPayload { thread: Thread(thread) })
    }

    /// Follows a thread one reads (a later issue notifies followers of new replies).
    async fn follow_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread to follow.")] input: FollowThreadInput,
    ) -> async_graphql::Result<ThreadReadingPayload> {
        let thread_id = from_global("threadId", NodeKind::Thread, &input.thread_id).gql()?;
        let thread = thread_reading::follow(app(ctx), caller(ctx), thread_id, true).await.gql()?;
        Ok(ThreadReadingPayload { thread: Thread(thread) })
    }

    /// Stops following a thread; replying in it later does not follow it again.
    async fn unfollow_thread(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The thread to stop following.")] input: FollowThreadInput,
    ) -> async_graphql::Result<ThreadReadingPayload> {
        let thread_id = from_global("threadId", NodeKind::Thread, &input.thread_id).gql()?;
        let thread = thread_reading::follow(app(ctx), caller(ctx), thread_id, false).await.gql()?;
        Ok(ThreadReadingPayload { thread: Thread(thread) })
    }

    /// Takes back one's reaction to a reply.
    async fn unreact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The reply and the reaction to take back.")] input: UnreactInput,
    ) -> async_graphql::Result<UnreactPayload> {
        let post_id = from_global("postId", NodeKind::Post, &input.post_id).gql()?;
        let post = service::react(app(ctx), caller(ctx), post_id, input.reaction.into(), false).await.gql()?;
        Ok(UnreactPayload { post: Post(post) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields of object type `name` in the schema's SDL.
    fn fields_of(sdl: &str, name: &str) -> Vec<String> {
        let start = sdl.find(&format!("\ntype {name} ")).unwrap_or_else(|| panic!("type {name} in the schema"));
        let body = &sdl[start..];
        let body = &body[body.find('{').unwrap_or(0) + 1..body.find("\n}").unwrap_or(body.len())];
        let mut fields = Vec::new();
        let mut in_description = false;
        // Inside a field's argument list (printed one argument a line when they have
        // descriptions).
        let mut in_arguments = false;
        for line in body.lines().map(str::trim) {
            if line.starts_with("\"\"\"") {
                in_description = !(in_description || line.len() > 3 && line.ends_with("\"\"\""));
                continue;
            }
            if in_description || line.is_empty() || line.starts_with('"') || line.starts_with('@') {
                continue;
            }
            if in_arguments {
                in_arguments = !line.starts_with(')');
                continue;
            }
            let name: String = line.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                fields.push(name);
            }
            in_arguments = line.ends_with('(');
        }
        fields
    }

    #[test]
    fn every_field_of_threads_and_posts_says_which_columns_it_reads() {
        let sdl = crate::graphql::sdl();
        let threads = fields_of(&sdl, "Thread");
        for expected in ["id", "title", "createdAt", "viewerCan", "posts"] {
            assert!(threads.contains(&expected.to_owned()), "{expected} in {threads:?}");
        }
        for field in threads {
            assert!(Thread::columns_for(&field).is_some(), "Thread.{field}: add it to Thread::columns_for");
        }
        let posts = fields_of(&sdl, "Post");
        assert!(posts.contains(&"body".to_owned()), "{posts:?}");
        for field in posts {
            assert!(Post::columns_for(&field).is_some(), "Post.{field}: add it to Post::columns_for");
        }
        assert!(Thread::columns_for("somethingNew").is_none(), "an unknown field reads the whole row");
    }

    #[test]
    fn every_field_of_communities_says_which_columns_it_reads() {
        use crate::graphql::community::Community;
        let communities = fields_of(&crate::graphql::sdl(), "Community");
        for expected in ["id", "name", "description", "eligibility", "viewerCan", "threads"] {
            assert!(communities.contains(&expected.to_owned()), "{expected} in {communities:?}");
        }
        for field in communities {
            assert!(Community::columns_for(&field).is_some(), "Community.{field}: add it to Community::columns_for");
        }
        assert!(Community::columns_for("somethingNew").is_none(), "an unknown field reads the whole row");
    }
}
