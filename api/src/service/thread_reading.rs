//! Read state and following of threads: each person's last-read position per thread and
//! whether they follow it, one row per person and thread they opened, followed or wrote
//! in (never one per post). From it come `Thread.unreadCount` and
//! `Community.unreadThreads` — "what's new since my last visit" — and the followers a
//! later issue notifies. Writing a thread or a reply follows it, unless its writer chose
//! to stop following.

use std::collections::HashMap;

use chrono::Utc;
use entity::{post, thread, thread_reader};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, OnConflict, QueryStatementBuilder},
};

use super::{
    App, discussion,
    page::{self, Page, PageRequest},
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    i18n::Message,
};

/// Makes sure `person_id` has a row for `thread_id` (following it when new and
/// `follow`), whoever else writes it at the same time.
async fn ensure_row<C: ConnectionTrait>(db: &C, person_id: i32, thread_id: i32, follow: bool) -> ServiceResult<()> {
    let now = Utc::now();
    let row = thread_reader::ActiveModel {
        thread_id: Set(thread_id),
        person_id: Set(person_id),
        last_read_post_id: Set(None),
        read_at: Set(None),
        following: Set(follow),
        unfollowed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    thread_reader::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([thread_reader::Column::PersonId, thread_reader::Column::ThreadId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The row of `person_id` and `thread_id` (which exists).
fn of(person_id: i32, thread_id: i32) -> Condition {
    Condition::all()
        .add(thread_reader::Column::PersonId.eq(person_id))
        .add(thread_reader::Column::ThreadId.eq(thread_id))
}

/// Moves the read position forward to `post_id` (never back: two devices marking a
/// thread read at once keep the furthest position).
async fn advance<C: ConnectionTrait>(db: &C, person_id: i32, thread_id: i32, post_id: i32) -> ServiceResult<()> {
    thread_reader::Entity::update_many()
        .col_expr(thread_reader::Column::LastReadPostId, Expr::val(post_id))
        .col_expr(thread_reader::Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(of(person_id, thread_id))
        .filter(
            Condition::any()
                .add(thread_reader::Column::LastReadPostId.is_null())
                .add(thread_reader::Column::LastReadPostId.lt(post_id)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Notes that `person_id` wrote in `thread_id` (the thread itself, or reply `post_id`):
/// they follow it, unless they chose to stop, and have read it up to what they wrote.
/// Runs in the write's transaction.
pub async fn note_writer<C: ConnectionTrait>(
    db: &C,
    person_id: i32,
    thread_id: i32,
    post_id: Option<i32>,
) -> ServiceResult<()> {
    ensure_row(db, person_id, thread_id, true).await?;
    thread_reader::Entity::update_many()
        .col_expr(thread_reader::Column::Following, Expr::val(true))
        .filter(of(person_id, thread_id))
        .filter(thread_reader::Column::UnfollowedAt.is_null())
        .exec(db)
        .await?;
    if let Some(post_id) = post_id {
        advance(db, person_id, thread_id, post_id).await?;
    }
    Ok(())
}

/// Stops `person_id` following the threads of `community_id` (in the transaction that
/// ends their membership: they left, were removed or banned). Not a choice of theirs:
/// should they come back, writing in a thread follows it again. Whoever lists or notifies
/// followers still checks, at that moment, that each one may read the thread.
pub async fn stop_following_community<C: ConnectionTrait>(
    db: &C,
    person_id: i32,
    community_id: i32,
) -> ServiceResult<()> {
    let threads = thread::Entity::find()
        .select_only()
        .column(thread::Column::Id)
        .filter(thread::Column::CommunityId.eq(community_id));
    thread_reader::Entity::update_many()
        .col_expr(thread_reader::Column::Following, Expr::val(false))
        .col_expr(thread_reader::Column::UpdatedAt, Expr::val(Utc::now()))
        .filter(thread_reader::Column::PersonId.eq(person_id))
        .filter(thread_reader::Column::Following.eq(true))
        .filter(thread_reader::Column::ThreadId.in_subquery(threads.into_query()))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a thread the caller reads as read up to reply `post_id` (one of its replies;
/// by default its latest). The position only moves forward.
pub async fn mark_read(
    app: &App,
    caller: &Caller,
    thread_id: i32,
    post_id: Option<i32>,
) -> ServiceResult<thread::Model> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (thread, ..) = discussion::readable_thread(app, &txn, caller, thread_id).await?;
    let post_id = match post_id {
        Some(id) => Some(
            post::Entity::find_by_id(id)
                .filter(post::Column::ThreadId.eq(thread.id))
                .one(&txn)
                .await?
                .ok_or_else(|| ServiceError::bad_input("postId", Message::new("reply-other-thread")))?
                .id,
        ),
        None => post::Entity::find()
            .select_only()
            .column_as(post::Column::Id.max(), "last")
            .filter(post::Column::ThreadId.eq(thread.id))
            .into_tuple::<Option<i32>>()
            .one(&txn)
            .await?
            .flatten(),
    };
    ensure_row(&txn, actor.person_id, thread.id, false).await?;
    thread_reader::Entity::update_many()
        .col_expr(thread_reader::Column::ReadAt, Expr::val(Utc::now()))
        .filter(of(actor.person_id, thread.id))
        .exec(&txn)
        .await?;
    if let Some(post_id) = post_id {
        advance(&txn, actor.person_id, thread.id, post_id).await?;
    }
    txn.commit().await?;
    Ok(thread)
}

/// Follows (`on`) or stops following (`!on`) a thread the caller reads. Stopping is a
/// choice that replying later does not undo.
pub async fn follow(app: &App, caller: &Caller, thread_id: i32, on: bool) -> ServiceResult<thread::Model> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (thread, ..) = discussion::readable_thread(app, &txn, caller, thread_id).await?;
    ensure_row(&txn, actor.person_id, thread.id, on).await?;
    let now = Utc::now();
    thread_reader::Entity::update_many()
        .col_expr(thread_reader::Column::Following, Expr::val(on))
        .col_expr(thread_reader::Column::UnfollowedAt, Expr::val((!on).then_some(now)))
        .col_expr(thread_reader::Column::UpdatedAt, Expr::val(now))
        .filter(of(actor.person_id, thread.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(thread)
}

/// SQL on `post` rows: replies new to `person_id` — not theirs, neither deleted nor
/// hidden, and past their read position in the thread (every reply when they never
/// opened it).
pub(crate) fn unread_posts(person_id: i32) -> Condition {
    Condition::all()
        .add(post::Column::AuthorId.ne(person_id))
        .add(post::Column::DeletedAt.is_null())
        .add(post::Column::HiddenAt.is_null())
        .add(
            Expr::exists(
                thread_reader::Entity::find()
                    .select_only()
                    .expr(Expr::val(1))
                    .filter(
                        Expr::col((thread_reader::Entity, thread_reader::Column::ThreadId))
                            .equals((post::Entity, post::Column::ThreadId)),
                    )
                    .filter(thread_reader::Column::PersonId.eq(person_id))
                    .filter(
                        Expr::col((thread_reader::Entity, thread_reader::Column::LastReadPostId))
                            .gte(Expr::col((post::Entity, post::Column::Id))),
                    )
                    .into_query(),
            )
            .not(),
        )
}

/// SQL on `post` rows of one thread, `thread_id` (an expression of the enclosing query,
/// e.g. a thread of a page): the same replies as [`unread_posts`], written as a range of
/// the index `post (thread_id, id)` past the person's read position, which is looked up
/// once for the thread instead of once per reply.
pub(crate) fn unread_posts_of_thread(person_id: i32, thread_id: Expr) -> Condition {
    let position = thread_reader::Entity::find()
        .select_only()
        .column(thread_reader::Column::LastReadPostId)
        .filter(Expr::col((thread_reader::Entity, thread_reader::Column::ThreadId)).eq(thread_id.clone()))
        .filter(thread_reader::Column::PersonId.eq(person_id))
        .into_query();
    Condition::all()
        .add(Expr::col((post::Entity, post::Column::ThreadId)).eq(thread_id))
        .add(post::Column::AuthorId.ne(person_id))
        .add(post::Column::DeletedAt.is_null())
        .add(post::Column::HiddenAt.is_null())
        .add(Expr::col((post::Entity, post::Column::Id)).gt(Expr::cust_with_exprs(
            "COALESCE($1, 0)",
            [Expr::SubQuery(None, Box::new(position.into_sub_query_statement()))],
        )))
}

/// How many replies of each of these threads are new to the caller (of threads the
/// caller reads; none for anonymous callers), in one statement.
pub async fn unread_counts(app: &App, caller: &Caller, thread_ids: &[i32]) -> ServiceResult<HashMap<i32, u64>> {
    let Some(person_id) = caller.person_id() else { return Ok(HashMap::new()) };
    let threads = Condition::all().add(thread::Column::Id.is_in(thread_ids.iter().copied()));
    let select = discussion::posts_of_threads_select(app, caller, threads).filter(unread_posts(person_id));
    page::count_per_parent(&app.db, select, post::Column::Id, post::Column::ThreadId, thread_ids).await
}

/// The caller's rows for these threads (none for anonymous callers), in one statement.
pub async fn rows_of(app: &App, caller: &Caller, thread_ids: &[i32]) -> ServiceResult<Vec<thread_reader::Model>> {
    let Some(person_id) = caller.person_id() else { return Ok(Vec::new()) };
    Ok(thread_reader::Entity::find()
        .filter(thread_reader::Column::PersonId.eq(person_id))
        .filter(thread_reader::Column::ThreadId.is_in(thread_ids.iter().copied()))
        .all(&app.db)
        .await?)
}

/// A page of the community's threads that hold something new for the caller (the caller
/// checked they read the community's discussions): a reply past their read position,
/// or a thread they never opened. Oldest first; and how many there are when `count`.
pub async fn unread_threads(
    app: &App,
    caller: &Caller,
    community_id: i32,
    req: &PageRequest,
    count: bool,
) -> ServiceResult<(Page<thread::Model>, u64)> {
    let actor = caller.actor()?;
    let person_id = actor.person_id;
    let unread_reply = post::Entity::find()
        .select_only()
        .expr(Expr::val(1))
        .filter(Expr::col((post::Entity, post::Column::ThreadId)).equals((thread::Entity, thread::Column::Id)))
        .filter(unread_posts(person_id))
        .into_query();
    let opened = thread_reader::Entity::find()
        .select_only()
        .expr(Expr::val(1))
        .filter(
            Expr::col((thread_reader::Entity, thread_reader::Column::ThreadId))
                .equals((thread::Entity, thread::Column::Id)),
        )
        .filter(thread_reader::Column::PersonId.eq(person_id))
        .into_query();
    let select = discussion::threads_select(app, caller)
        .filter(thread::Column::CommunityId.eq(community_id))
        .filter(Condition::any().add(Expr::exists(unread_reply)).add(Expr::exists(opened).not()));
    let page = page::fetch(&app.db, select.clone(), thread::Column::Id, req).await?;
    let total = if count { page::count(&app.db, select).await? } else { 0 };
    Ok((page, total))
}
