//! Discussions in the schema: threads and posts.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{post, thread};

use super::{
    GqlResult, app, caller,
    community::{Community, Subgroup},
    connection::{self, Conn},
    ids::{NodeKind, from_global, to_global},
    loaders::{
        IdLoader, PersonById, SubgroupById, ThreadById, ThreadPosts, ViewerTiesLoader, VisibleCommunityById, loader,
    },
    order::{PostOrder, list_order},
    person::Person,
};
use policy::Action;

use crate::{
    error::ServiceError,
    service::{
        access,
        discussion::{self as service, NewThread},
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
            "body" => &[C::Body],
            "createdAt" => &[C::CreatedAt],
            "community" => &[C::CommunityId],
            "subgroup" => &[C::SubgroupId],
            "author" => &[C::AuthorId],
            "viewerCan" => &[C::CommunityId, C::SubgroupId],
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
    /// The opening message.
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// When the thread was started.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
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
    /// What the viewer may do with this thread.
    async fn viewer_can(&self, ctx: &Context<'_>) -> async_graphql::Result<ThreadViewerCan> {
        let Some(community) = loader::<VisibleCommunityById, _>(ctx).load_one(self.0.community_id).await.gql()? else {
            return Ok(ThreadViewerCan { reply: false, moderate: false });
        };
        let ties = if caller(ctx).viewer.is_some() {
            loader::<ViewerTiesLoader, _>(ctx).load_one(community.id).await.gql()?.unwrap_or_default()
        } else {
            Default::default()
        };
        let roles = ties.roles(caller(ctx));
        let auth = &app(ctx).auth;
        let mut reply = access::allowed(auth, &roles, &community, Action::Post);
        if let Some(subgroup) = self.0.subgroup_id {
            reply = reply && access::subgroup_permissions(auth, &app(ctx).db, caller(ctx), subgroup).await.gql()?.1;
        }
        Ok(ThreadViewerCan { reply, moderate: access::allowed(auth, &roles, &community, Action::Moderate) })
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
            "id" | "__typename" => &[],
            "body" => &[C::Body],
            "createdAt" => &[C::CreatedAt],
            "thread" => &[C::ThreadId],
            "author" => &[C::AuthorId],
            _ => return None,
        })
    }
}

/// What the viewer may do with a thread.
#[derive(SimpleObject)]
pub struct ThreadViewerCan {
    /// Reply in it.
    pub reply: bool,
    /// Moderate it.
    pub moderate: bool,
}

/// A reply in a thread.
#[Object]
impl Post {
    /// Global id.
    pub async fn id(&self) -> ID {
        to_global(NodeKind::Post, self.0.id)
    }
    /// The reply, in plain text (line breaks kept; 1 to 50,000 characters).
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// When the reply was posted.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
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

/// Input of `createThread`.
#[derive(InputObject)]
pub struct CreateThreadInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Post in this subgroup of the community.
    pub subgroup_id: Option<ID>,
    /// Title: one line, 1 to 300 characters once trimmed.
    pub title: String,
    /// The opening message: plain text, line breaks allowed, at most 50,000 characters
    /// (empty by default).
    #[graphql(default)]
    pub body: String,
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
    /// The reply: plain text, line breaks allowed, 1 to 50,000 characters once trimmed.
    pub body: String,
}

/// Result of `createPost`.
#[derive(SimpleObject)]
pub struct CreatePostPayload {
    /// The new reply.
    pub post: Post,
}

#[derive(Default)]
pub struct DiscussionMutation;

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
        let new = NewThread { community_id, subgroup_id, title: input.title, body: input.body };
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
        let post = service::create_post(app(ctx), caller(ctx), thread_id, &input.body).await.gql()?;
        Ok(CreatePostPayload { post: Post(post) })
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
