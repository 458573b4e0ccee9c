//! Discussions: threads in a community (or a subgroup of it) and the posts in them —
//! the first content that access rules protect.

use chrono::Utc;
use entity::{community, post, subgroup, thread};
use policy::{Action, Role};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Alias, Expr},
};
use serde::de::IgnoredAny;

use super::{
    App, access, community as communities,
    page::{self, Page, PageRequest},
    validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

/// Input of [`create_thread`].
#[derive(Debug, Clone)]
pub struct NewThread {
    pub community_id: i32,
    pub subgroup_id: Option<i32>,
    pub title: String,
    pub body: String,
}

/// Refuses unless the caller may post in the subgroup (`NOT_FOUND` if they may not
/// even read it).
async fn ensure_can_post_in_subgroup<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    subgroup_id: i32,
) -> ServiceResult<()> {
    let access = access::SubgroupAccess::load(db, caller, subgroup_id)
        .await?
        .filter(|a| a.can(&app.auth, Action::Read))
        .ok_or(ServiceError::not_found("subgroup"))?;
    access.ensure(&app.auth, Action::Post)
}

/// Starts a thread: people the policy lets post in the community (or subgroup).
pub async fn create_thread(app: &App, caller: &Caller, input: NewThread) -> ServiceResult<thread::Model> {
    let actor = caller.actor()?;
    let title = validate::required_text("title", &input.title, validate::TITLE_MAX)?;
    let body = validate::multiline("body", &input.body, validate::BODY_MAX)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (community, roles) = communities::authorized(app, &txn, caller, input.community_id, Action::Post).await?;
    if let Some(subgroup_id) = input.subgroup_id {
        let found = subgroup::Entity::find_by_id(subgroup_id).one(&txn).await?;
        // A subgroup of a community whose content the caller may not read is not
        // theirs to see, as for `node` and the lists.
        if found.is_none_or(|s| s.community_id != community.id)
            || !access::allowed(&app.auth, &roles, &community, Action::Read)
        {
            return Err(ServiceError::not_found("subgroup"));
        }
        ensure_can_post_in_subgroup(app, &txn, caller, subgroup_id).await?;
    }
    let now = Utc::now();
    let created = thread::ActiveModel {
        community_id: Set(community.id),
        subgroup_id: Set(input.subgroup_id),
        author_id: Set(actor.person_id),
        title: Set(title),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Replies in a thread: people the policy lets post where the thread is.
pub async fn create_post(app: &App, caller: &Caller, thread_id: i32, body: &str) -> ServiceResult<post::Model> {
    let actor = caller.actor()?;
    let body = validate::required_multiline("body", body, validate::BODY_MAX)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (thread, community, roles) = readable_thread(app, &txn, caller, thread_id).await?;
    access::ensure(&app.auth, &roles, &community, Action::Post)?;
    if let Some(subgroup_id) = thread.subgroup_id {
        ensure_can_post_in_subgroup(app, &txn, caller, subgroup_id).await?;
    }
    let now = Utc::now();
    let created = post::ActiveModel {
        thread_id: Set(thread.id),
        author_id: Set(actor.person_id),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// A thread, its community and the caller's roles there, if the caller may read the
/// thread; `NOT_FOUND` otherwise (a thread's existence is itself content).
pub async fn readable_thread<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    thread_id: i32,
) -> ServiceResult<(thread::Model, community::Model, Vec<Role>)> {
    let not_found = || ServiceError::not_found("thread");
    let thread =
        threads_select(app, caller).filter(thread::Column::Id.eq(thread_id)).one(db).await?.ok_or_else(not_found)?;
    let (community, ties) = communities::find_with_ties(app, db, caller, communities::Key::Id(thread.community_id))
        .await?
        .ok_or_else(not_found)?;
    let roles = ties.roles(caller);
    if !access::allowed(&app.auth, &roles, &community, Action::Read) {
        return Err(not_found());
    }
    Ok((thread, community, roles))
}

/// Threads the caller may read, once allowed to read the community's content: those of
/// the community itself and of the subgroups the policy opens to them.
pub fn threads_select(app: &App, caller: &Caller) -> sea_orm::Select<thread::Entity> {
    thread::Entity::find().filter(
        Condition::any().add(thread::Column::SubgroupId.is_null()).add(
            thread::Column::SubgroupId.in_subquery(
                subgroup::Entity::find()
                    .select_only()
                    .column(subgroup::Column::Id)
                    .filter(access::readable_subgroups(&app.auth, caller))
                    .into_query(),
            ),
        ),
    )
}

/// Posts (of threads already checked readable).
pub fn posts_select() -> sea_orm::Select<post::Entity> {
    post::Entity::find()
}

/// What a read of one community takes along, on PostgreSQL, when the query asks for its
/// threads (and their posts): the pages the loaders would otherwise read in one
/// statement each.
#[derive(Debug, Clone)]
pub struct ThreadsAhead {
    /// The page of threads asked for.
    pub threads: PageRequest,
    /// The columns of threads the query uses (empty: all).
    pub thread_columns: Vec<thread::Column>,
    /// The page of posts asked for under each thread, if any.
    pub posts: Option<PageRequest>,
    /// The columns of posts the query uses (empty: all).
    pub post_columns: Vec<post::Column>,
}

/// Threads read ahead with their community, and the posts read under each of them.
#[derive(Debug, Clone)]
pub struct ThreadPages {
    pub threads: Page<thread::Model>,
    /// Each thread's page of posts (only when [`ThreadsAhead::posts`] was asked).
    pub posts: Vec<(i32, Page<post::Model>)>,
}

/// Alias of the threads' page in [`threads_ahead_json`].
const THREADS_ALIAS: &str = "ahead_thread";

/// The JSON sub-query, correlated to the enclosing query's `community.id`, that reads the
/// threads page of [`threads_select`] (and, per thread, the posts page of
/// [`posts_select`]) exactly as [`crate::graphql::loaders`]' lists would.
pub fn threads_ahead_json(app: &App, caller: &Caller, ahead: &ThreadsAhead) -> Expr {
    let posts = ahead.posts.as_ref().map(|req| {
        page::page_json(
            posts_select(),
            post::Column::Id,
            post::Column::ThreadId,
            Expr::col((Alias::new(THREADS_ALIAS), thread::Column::Id)),
            req,
            "ahead_post",
            &ahead.post_columns,
            None,
        )
    });
    page::page_json(
        threads_select(app, caller),
        thread::Column::Id,
        thread::Column::CommunityId,
        Expr::col((community::Entity, community::Column::Id)),
        &ahead.threads,
        THREADS_ALIAS,
        &ahead.thread_columns,
        posts,
    )
}

/// Reads back what [`threads_ahead_json`] returned (as text).
pub fn threads_ahead_from_json(text: &str, ahead: &ThreadsAhead) -> ServiceResult<ThreadPages> {
    type Posts = Vec<page::JsonItem<post::Model, IgnoredAny>>;
    let items: Vec<page::JsonItem<thread::Model, Posts>> = serde_json::from_str(text)
        .map_err(|err| ServiceError::Internal(format!("threads read ahead: unexpected JSON: {err}")))?;
    let (threads, nested) = page::page_from_json(items, |t| t.id, &ahead.threads);
    let posts = match &ahead.posts {
        Some(req) => nested.into_iter().map(|(id, items)| (id, page::page_from_json(items, |p| p.id, req).0)).collect(),
        None => Vec::new(),
    };
    Ok(ThreadPages { threads, posts })
}
