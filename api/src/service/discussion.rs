//! Discussions: threads in a community (or a subgroup of it) and the posts in them —
//! the first content that access rules protect. A thread has a kind (a question waits
//! for an accepted answer); a reply may answer another reply (one level deep), be edited
//! by its author (what it said before is kept for moderators) or deleted (a placeholder
//! stays so the thread still reads), and get reactions from a small fixed set.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{
    api_client, community,
    enums::{Reaction, ReportStatus, ThreadKind},
    mention, person, post, post_reaction, post_report, post_revision, subgroup, thread,
};
use policy::{Action, Role};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Alias, Expr, QueryStatementBuilder},
};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community as communities,
    page::{self, Page, PageRequest},
    validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    i18n::Message,
};

/// Input of [`create_thread`].
#[derive(Debug, Clone)]
pub struct NewThread {
    pub community_id: i32,
    pub subgroup_id: Option<i32>,
    pub title: String,
    pub body: String,
    pub kind: ThreadKind,
    pub language: Option<String>,
    /// When an announcement leaves the bulletin board (announcements only).
    pub expires_at: Option<DateTime<Utc>>,
    /// People the opening message mentions (see [`store_mentions`]).
    pub mentions: Vec<i32>,
}

/// Input of [`create_post`].
#[derive(Debug, Clone)]
pub struct NewPost {
    pub thread_id: i32,
    /// The reply it answers, if any.
    pub reply_to_id: Option<i32>,
    pub body: String,
    /// People the reply mentions (see [`store_mentions`]).
    pub mentions: Vec<i32>,
}

/// The most people one message may mention.
pub const MENTIONS_MAX: usize = 20;

/// Refuses more than [`MENTIONS_MAX`] mentions.
fn check_mentions(mentions: &[i32]) -> ServiceResult<()> {
    if mentions.len() > MENTIONS_MAX {
        return Err(ServiceError::bad_input("mentions", Message::new("too-many-entries").arg("max", MENTIONS_MAX)));
    }
    Ok(())
}

/// Stores who a message mentions, to be notified (the thread's opening message when
/// `post_id` is none): only people who may read the thread — not its author, not an API
/// client, nobody suspended. Anyone else is dropped without a word, and nothing shown to
/// anyone is read from these rows (what people see of a mention comes from the text: see
/// `graphql::discussion`), so the author learns nothing of whether they exist or may read
/// it. Returns the people kept, in the order given.
async fn store_mentions<C: ConnectionTrait>(
    app: &App,
    db: &C,
    thread_id: i32,
    post_id: Option<i32>,
    author_id: i32,
    ids: &[i32],
) -> ServiceResult<Vec<i32>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let service_accounts = api_client::Entity::find().select_only().column(api_client::Column::PersonId).into_query();
    let people: Vec<i32> = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::Id.is_in(ids.iter().copied()))
        .filter(person::Column::Id.ne(author_id))
        .filter(person::Column::Id.not_in_subquery(service_accounts))
        .into_tuple()
        .all(db)
        .await?;
    let mut kept: Vec<i32> = Vec::new();
    for id in ids {
        if kept.contains(id) || !people.contains(id) {
            continue;
        }
        let Some(them) = crate::auth::caller_of(db, *id).await? else { continue };
        match readable_thread(app, db, &them, thread_id).await {
            Ok(_) => kept.push(*id),
            Err(ServiceError::NotFound { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    if !kept.is_empty() {
        let now = Utc::now();
        mention::Entity::insert_many(kept.iter().map(|person_id| mention::ActiveModel {
            thread_id: Set(thread_id),
            post_id: Set(post_id),
            person_id: Set(*person_id),
            created_at: Set(now),
            ..Default::default()
        }))
        .exec(db)
        .await?;
    }
    Ok(kept)
}

/// The longest language tag accepted (BCP 47 tags in use are far shorter).
pub const LANGUAGE_MAX: usize = 35;

/// Checks a BCP 47 language tag (`fr`, `fr-CA`, `en`…): a primary language subtag of 2
/// to 8 letters, then subtags of 1 to 8 letters or digits, separated by hyphens. Kept as
/// written, trimmed.
pub fn language(field: &str, value: Option<&str>) -> ServiceResult<Option<String>> {
    let Some(value) = value.map(str::trim) else { return Ok(None) };
    let bad = || ServiceError::bad_input(field, Message::new("language-tag"));
    if value.is_empty() || value.len() > LANGUAGE_MAX {
        return Err(bad());
    }
    let mut subtags = value.split('-');
    let primary = subtags.next().unwrap_or_default();
    if !(2..=8).contains(&primary.len()) || !primary.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(bad());
    }
    if !subtags.all(|t| (1..=8).contains(&t.len()) && t.chars().all(|c| c.is_ascii_alphanumeric())) {
        return Err(bad());
    }
    Ok(Some(value.to_owned()))
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
    let language = language("language", input.language.as_deref())?;
    check_mentions(&input.mentions)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (community, roles) = communities::authorized(app, &txn, caller, input.community_id, Action::Post).await?;
    let now = Utc::now();
    if input.expires_at.is_some_and(|at| at <= now) {
        return Err(ServiceError::bad_input("expiresAt", Message::new("expires-future")));
    }
    let announcement = input.kind == ThreadKind::Announcement;
    if input.expires_at.is_some() && !announcement {
        return Err(ServiceError::bad_input("expiresAt", Message::new("expires-announcements-only")));
    }
    if announcement {
        access::ensure(&app.auth, &roles, &community, Action::Announce)?;
    }
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
    let created = thread::ActiveModel {
        community_id: Set(community.id),
        subgroup_id: Set(input.subgroup_id),
        author_id: Set(actor.person_id),
        title: Set(title),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
        kind: Set(input.kind),
        language: Set(language),
        // Announcements are pinned to the community's bulletin board.
        pinned_at: Set(announcement.then_some(now)),
        expires_at: Set(input.expires_at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // The audit trail keeps the mentions as asked: who was kept (who may read the thread)
    // is told to nobody, its readers included.
    store_mentions(app, &txn, created.id, None, actor.person_id, &input.mentions).await?;
    let mentioned = &input.mentions;
    record(
        &txn,
        caller,
        community.id,
        "thread.create",
        "Thread",
        created.id,
        json!({ "kind": created.kind.as_str(), "subgroupId": created.subgroup_id, "mentions": mentioned }),
    )
    .await?;
    super::thread_reading::note_writer(&txn, actor.person_id, created.id, None).await?;
    txn.commit().await?;
    Ok(created)
}

/// Writes the audit row of a change to discussions (in the change's transaction).
async fn record<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    community_id: i32,
    action: &str,
    target_type: &str,
    target_id: i32,
    after: serde_json::Value,
) -> ServiceResult<()> {
    audit::record(
        db,
        AuditRecord {
            scope: AuditScope::Community(community_id),
            actor_id: caller.person_id(),
            action,
            target_type,
            target_id: Some(target_id),
            before: None,
            after: Some(after),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await
}

/// Refuses unless the caller may post where `thread` is (its community, and its subgroup
/// if any).
async fn ensure_can_post<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    thread: &thread::Model,
    community: &community::Model,
    roles: &[Role],
) -> ServiceResult<()> {
    access::ensure(&app.auth, roles, community, Action::Post)?;
    if let Some(subgroup_id) = thread.subgroup_id {
        ensure_can_post_in_subgroup(app, db, caller, subgroup_id).await?;
    }
    Ok(())
}

/// Refuses a write under a locked thread (a reply, an edit, a deletion, a reaction, an
/// accepted answer) unless the caller moderates its community: a lock freezes what was
/// said. Reports stay open to readers.
///
/// The thread's row is read again under a row lock (see [`lock_thread`]), so a lock
/// taken at the same moment is never missed: the write waits for it and sees it, or the
/// lock waits for the write.
async fn ensure_unlocked<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    thread: &thread::Model,
    community: &community::Model,
    roles: &[Role],
) -> ServiceResult<()> {
    let current = lock_thread(txn, thread.id).await?;
    check_unlocked(app, &current, community, roles)
}

/// Refuses a write under `thread` (read under its lock) while it is locked, unless the
/// caller moderates its community.
fn check_unlocked(
    app: &App,
    thread: &thread::Model,
    community: &community::Model,
    roles: &[Role],
) -> ServiceResult<()> {
    if thread.locked_at.is_some() && !access::allowed(&app.auth, roles, community, Action::Moderate) {
        return Err(ServiceError::forbidden(Message::new("thread-locked")));
    }
    Ok(())
}

/// The thread's row, read again under a row lock (`FOR UPDATE` on PostgreSQL; SQLite
/// runs one write at a time).
async fn lock_thread<C: ConnectionTrait>(txn: &C, thread_id: i32) -> ServiceResult<thread::Model> {
    thread::Entity::find_by_id(thread_id).lock_exclusive().one(txn).await?.ok_or(ServiceError::not_found("thread"))
}

/// The rows of a thread and of one of its replies, read again under their row locks, in
/// the one order every write that touches both takes them: **the thread first, then the
/// reply**. Accepting an answer, hiding, deleting or editing a reply all go through here
/// before they decide anything, so two of them on the same thread queue up on the
/// thread's row instead of each holding the row the other waits for (on PostgreSQL a
/// deadlock, `40P01`, failed one of them), and each decides on what the other committed
/// (a reply hidden or deleted meanwhile is never accepted; an answer accepted meanwhile
/// is taken back when its reply is hidden or deleted).
async fn lock_thread_and_post<C: ConnectionTrait>(
    txn: &C,
    thread_id: i32,
    post_id: i32,
) -> ServiceResult<(thread::Model, post::Model)> {
    let thread = lock_thread(txn, thread_id).await?;
    let post = post::Entity::find_by_id(post_id)
        .filter(post::Column::ThreadId.eq(thread.id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ServiceError::not_found("post"))?;
    Ok((thread, post))
}

/// Replies in a thread: people the policy lets post where the thread is (while it is
/// locked, its moderators only). A reply to a reply that itself answers another goes
/// under that other one (one level of nesting).
pub async fn create_post(app: &App, caller: &Caller, input: NewPost) -> ServiceResult<post::Model> {
    let actor = caller.actor()?;
    let body = validate::required_multiline("body", &input.body, validate::BODY_MAX)?;
    check_mentions(&input.mentions)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (thread, community, roles) = readable_thread(app, &txn, caller, input.thread_id).await?;
    ensure_can_post(app, &txn, caller, &thread, &community, &roles).await?;
    ensure_unlocked(app, &txn, &thread, &community, &roles).await?;
    let reply_to_id = match input.reply_to_id {
        None => None,
        Some(id) => {
            // Only a reply of this thread: any other id (of another thread, readable or
            // not, or of nothing) is refused alike.
            let target = post::Entity::find_by_id(id)
                .filter(post::Column::ThreadId.eq(thread.id))
                .one(&txn)
                .await?
                .ok_or_else(|| ServiceError::bad_input("replyToId", Message::new("reply-other-thread")))?;
            Some(target.reply_to_id.unwrap_or(target.id))
        }
    };
    let now = Utc::now();
    let created = post::ActiveModel {
        thread_id: Set(thread.id),
        author_id: Set(actor.person_id),
        body: Set(body),
        created_at: Set(now),
        updated_at: Set(now),
        reply_to_id: Set(reply_to_id),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if thread.first_reply_at.is_none() && thread.author_id != actor.person_id {
        thread::Entity::update_many()
            .col_expr(thread::Column::FirstReplyAt, Expr::val(now))
            .filter(thread::Column::Id.eq(thread.id))
            .filter(thread::Column::FirstReplyAt.is_null())
            .exec(&txn)
            .await?;
    }
    store_mentions(app, &txn, thread.id, Some(created.id), actor.person_id, &input.mentions).await?;
    let mentioned = &input.mentions;
    record(
        &txn,
        caller,
        community.id,
        "post.create",
        "Post",
        created.id,
        json!({ "threadId": thread.id, "replyToId": reply_to_id, "mentions": mentioned }),
    )
    .await?;
    super::thread_reading::note_writer(&txn, actor.person_id, thread.id, Some(created.id)).await?;
    txn.commit().await?;
    Ok(created)
}

/// A post, its thread, community and the caller's roles there, if the caller may read
/// the thread; `NOT_FOUND` (for the post) otherwise.
pub async fn readable_post<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    post_id: i32,
) -> ServiceResult<(post::Model, thread::Model, community::Model, Vec<Role>)> {
    let not_found = || ServiceError::not_found("post");
    let post = post::Entity::find_by_id(post_id).one(db).await?.ok_or_else(not_found)?;
    let (thread, community, roles) =
        readable_thread(app, db, caller, post.thread_id).await.map_err(|err| match err {
            ServiceError::NotFound { .. } => not_found(),
            other => other,
        })?;
    Ok((post, thread, community, roles))
}

/// Refuses a deleted reply as the target of `postId`.
fn ensure_not_deleted(post: &post::Model) -> ServiceResult<()> {
    match post.deleted_at {
        Some(_) => Err(ServiceError::bad_input("postId", Message::new("reply-deleted"))),
        None => Ok(()),
    }
}

/// Changes a reply's text: its author only, while they may still post there and the
/// thread is not locked (unless they moderate it). What it said before is kept as a
/// revision.
pub async fn edit_post(app: &App, caller: &Caller, post_id: i32, body: &str) -> ServiceResult<post::Model> {
    let actor = caller.actor()?;
    let body = validate::required_multiline("body", body, validate::BODY_MAX)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (post, thread, community, roles) = readable_post(app, &txn, caller, post_id).await?;
    if post.author_id != actor.person_id {
        return Err(ServiceError::forbidden(Message::new("reply-edit-author-only")));
    }
    ensure_can_post(app, &txn, caller, &thread, &community, &roles).await?;
    let (thread, post) = lock_thread_and_post(&txn, thread.id, post.id).await?;
    check_unlocked(app, &thread, &community, &roles)?;
    ensure_not_deleted(&post)?;
    let now = Utc::now();
    post_revision::ActiveModel {
        post_id: Set(post.id),
        editor_id: Set(actor.person_id),
        body: Set(post.body.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut model: post::ActiveModel = post.into();
    model.body = Set(body);
    model.edited_at = Set(Some(now));
    model.updated_at = Set(now);
    let updated = model.update(&txn).await?;
    record(&txn, caller, community.id, "post.edit", "Post", updated.id, json!({ "threadId": thread.id })).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a reply: its author (while they read it and the thread is not locked), or a
/// moderator of the community. A placeholder stays
/// (empty body) so the thread still reads; the text is kept as a revision for
/// moderators. A deleted accepted answer no longer answers its question.
pub async fn delete_post(app: &App, caller: &Caller, post_id: i32) -> ServiceResult<post::Model> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (post, thread, community, roles) = readable_post(app, &txn, caller, post_id).await?;
    let moderator = access::allowed(&app.auth, &roles, &community, Action::Moderate);
    if !moderator && post.author_id != actor.person_id {
        return Err(ServiceError::forbidden(Message::new("reply-delete-forbidden")));
    }
    // Whether it is already deleted, and whether it is the accepted answer, are read
    // under the locks: an answer accepted at the same moment is taken back.
    let (thread, post) = lock_thread_and_post(&txn, thread.id, post.id).await?;
    if !moderator {
        // Authors may take back their words while they still read the thread, not under
        // a lock (which freezes what was said; moderators keep every text anyway).
        check_unlocked(app, &thread, &community, &roles)?;
    }
    if post.deleted_at.is_some() {
        return Ok(post);
    }
    let now = Utc::now();
    post_revision::ActiveModel {
        post_id: Set(post.id),
        editor_id: Set(actor.person_id),
        body: Set(post.body.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut model: post::ActiveModel = post.into();
    model.body = Set(String::new());
    model.deleted_at = Set(Some(now));
    model.updated_at = Set(now);
    let deleted = model.update(&txn).await?;
    if thread.accepted_post_id == Some(deleted.id) {
        let mut model: thread::ActiveModel = thread.clone().into();
        model.accepted_post_id = Set(None);
        model.answered_at = Set(None);
        model.update(&txn).await?;
    }
    record(&txn, caller, community.id, "post.delete", "Post", deleted.id, json!({ "threadId": thread.id })).await?;
    txn.commit().await?;
    Ok(deleted)
}

/// Whether the caller may accept an answer to `thread` (a question): the person who
/// asked, or the roles the policy allows (animators and content experts by default).
pub fn may_accept(
    app: &App,
    caller: &Caller,
    thread: &thread::Model,
    community: &community::Model,
    roles: &[Role],
) -> bool {
    thread.kind == ThreadKind::Question
        && (caller.person_id() == Some(thread.author_id)
            || access::allowed(&app.auth, roles, community, Action::AcceptAnswer))
}

/// Accepts a reply as the answer to its thread, a question (replacing any answer
/// accepted before). When `thread_id` is given, the reply must be one of that thread's
/// (`NOT_FOUND` if the caller may not read that thread). A deleted or hidden reply is
/// never an answer; under a lock, only moderators accept.
pub async fn accept_answer(
    app: &App,
    caller: &Caller,
    post_id: i32,
    thread_id: Option<i32>,
) -> ServiceResult<(post::Model, thread::Model)> {
    caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    if let Some(thread_id) = thread_id {
        readable_thread(app, &txn, caller, thread_id).await?;
    }
    let (post, thread, community, roles) = readable_post(app, &txn, caller, post_id).await?;
    if thread_id.is_some_and(|id| id != thread.id) {
        return Err(ServiceError::bad_input("postId", Message::new("reply-other-thread")));
    }
    if thread.kind != ThreadKind::Question {
        return Err(ServiceError::bad_input("postId", Message::new("reply-not-question")));
    }
    if !may_accept(app, caller, &thread, &community, &roles) {
        return Err(ServiceError::forbidden(Message::new("accept-forbidden")));
    }
    // An accepted answer is credit (it counts as expertise): only the person who asked
    // may give it to a reply of their own choosing, and nobody else to their own reply.
    let me = caller.actor()?.person_id;
    if post.author_id == me && thread.author_id != me {
        return Err(ServiceError::forbidden(Message::new("accept-own-forbidden")));
    }
    // The thread's row first, then the reply's (see [`lock_thread_and_post`]): read
    // under their locks, a reply hidden or deleted at the same moment is seen.
    let (thread, post) = lock_thread_and_post(&txn, thread.id, post.id).await?;
    check_unlocked(app, &thread, &community, &roles)?;
    ensure_not_deleted(&post)?;
    if post.hidden_at.is_some() {
        return Err(ServiceError::bad_input("postId", Message::new("reply-hidden")));
    }
    let mut model: thread::ActiveModel = thread.into();
    model.accepted_post_id = Set(Some(post.id));
    model.answered_at = Set(Some(Utc::now()));
    let thread = model.update(&txn).await?;
    record(&txn, caller, community.id, "thread.accept_answer", "Thread", thread.id, json!({ "postId": post.id }))
        .await?;
    txn.commit().await?;
    Ok((post, thread))
}

/// Adds (`on`) or takes back (`!on`) the caller's reaction to a reply: people who may
/// reply where it is (under a lock, its moderators only).
pub async fn react(
    app: &App,
    caller: &Caller,
    post_id: i32,
    reaction: Reaction,
    on: bool,
) -> ServiceResult<post::Model> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (post, thread, community, roles) = readable_post(app, &txn, caller, post_id).await?;
    ensure_can_post(app, &txn, caller, &thread, &community, &roles).await?;
    ensure_unlocked(app, &txn, &thread, &community, &roles).await?;
    // Decided on the reply as it is under its lock (thread first, then reply): a reply
    // deleted or hidden at the same moment takes no reaction.
    let (_, post) = lock_thread_and_post(&txn, thread.id, post.id).await?;
    ensure_not_deleted(&post)?;
    if post.hidden_at.is_some() {
        return Err(ServiceError::bad_input("postId", Message::new("reply-hidden")));
    }
    let mine = post_reaction::Entity::find()
        .filter(post_reaction::Column::PostId.eq(post.id))
        .filter(post_reaction::Column::PersonId.eq(actor.person_id))
        .filter(post_reaction::Column::Reaction.eq(reaction))
        .one(&txn)
        .await?;
    match (on, mine) {
        (true, None) => {
            post_reaction::ActiveModel {
                post_id: Set(post.id),
                person_id: Set(actor.person_id),
                reaction: Set(reaction),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        (false, Some(row)) => {
            post_reaction::Entity::delete_by_id(row.id).exec(&txn).await?;
        }
        // Already so: nothing changes, nothing to record.
        _ => return Ok(post),
    }
    let action = if on { "post.react" } else { "post.unreact" };
    record(&txn, caller, community.id, action, "Post", post.id, json!({ "reaction": reaction.as_str() })).await?;
    txn.commit().await?;
    Ok(post)
}

/// The reactions to each of these posts (of threads already checked readable), oldest
/// first: who reacted, and how.
pub async fn reactions_of<C: ConnectionTrait>(
    db: &C,
    post_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<(Reaction, i32)>>> {
    let rows: Vec<(i32, Reaction, i32)> = post_reaction::Entity::find()
        .select_only()
        .column(post_reaction::Column::PostId)
        .column(post_reaction::Column::Reaction)
        .column(post_reaction::Column::PersonId)
        .filter(post_reaction::Column::PostId.is_in(post_ids.iter().copied()))
        .order_by_asc(post_reaction::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<(Reaction, i32)>> = HashMap::new();
    for (post_id, reaction, person_id) in rows {
        out.entry(post_id).or_default().push((reaction, person_id));
    }
    Ok(out)
}

/// The earlier texts of each of these posts, oldest first (for moderators, who the
/// caller checked).
pub async fn revisions_of<C: ConnectionTrait>(
    db: &C,
    post_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<post_revision::Model>>> {
    let rows = post_revision::Entity::find()
        .filter(post_revision::Column::PostId.is_in(post_ids.iter().copied()))
        .order_by_asc(post_revision::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<i32, Vec<post_revision::Model>> = HashMap::new();
    for row in rows {
        out.entry(row.post_id).or_default().push(row);
    }
    Ok(out)
}

/// The posts with these ids that the caller may read (relations: a thread's accepted
/// answer, the reply a reply answers, a report's reply).
pub async fn posts_by_ids(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<post::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let their_threads = thread::Column::Id.in_subquery(
        post::Entity::find()
            .select_only()
            .column(post::Column::ThreadId)
            .filter(post::Column::Id.is_in(ids.iter().copied()))
            .into_query(),
    );
    Ok(posts_of_threads_select(app, caller, Condition::all().add(their_threads))
        .filter(post::Column::Id.is_in(ids.iter().copied()))
        .all(&app.db)
        .await?)
}

/// A list of a community's threads (beside `threads`), each the threads the caller may
/// read that match its condition.
#[derive(Debug, Clone, Copy)]
pub enum ThreadList {
    /// Questions without an accepted answer asked at least this many hours ago.
    Unanswered { older_than_hours: u32 },
    /// Threads a moderator pinned (announcements among them).
    Pinned,
    /// The bulletin board: announcements that have not expired.
    BulletinBoard,
}

/// A page of one of a community's [`ThreadList`]s, that the caller may read (the caller
/// checked they may read the community's discussions), oldest first; and how many there
/// are when `count`.
pub async fn community_threads(
    app: &App,
    caller: &Caller,
    community_id: i32,
    list: ThreadList,
    req: &PageRequest,
    count: bool,
) -> ServiceResult<(Page<thread::Model>, u64)> {
    let now = Utc::now();
    let select = threads_select(app, caller).filter(thread::Column::CommunityId.eq(community_id));
    let select = match list {
        ThreadList::Unanswered { older_than_hours } => select
            .filter(thread::Column::Kind.eq(ThreadKind::Question))
            .filter(thread::Column::AcceptedPostId.is_null())
            .filter(thread::Column::CreatedAt.lte(now - Duration::hours(i64::from(older_than_hours)))),
        ThreadList::Pinned => select.filter(thread::Column::PinnedAt.is_not_null()),
        ThreadList::BulletinBoard => select
            .filter(thread::Column::Kind.eq(ThreadKind::Announcement))
            .filter(thread::Column::PinnedAt.is_not_null())
            .filter(Condition::any().add(thread::Column::ExpiresAt.is_null()).add(thread::Column::ExpiresAt.gt(now))),
    };
    let page = page::fetch(&app.db, select.clone(), thread::Column::Id, req).await?;
    let total = if count { page::count(&app.db, select).await? } else { 0 };
    Ok((page, total))
}

/// What a moderator does to a thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadModeration {
    Lock,
    Unlock,
    Pin,
    Unpin,
}

impl ThreadModeration {
    /// Its name in the audit trail.
    fn audit_action(self) -> &'static str {
        match self {
            Self::Lock => "thread.lock",
            Self::Unlock => "thread.unlock",
            Self::Pin => "thread.pin",
            Self::Unpin => "thread.unpin",
        }
    }
}

/// A thread the caller may read and moderate (`NOT_FOUND` if they may not read it,
/// `FORBIDDEN` if they may read but not moderate it).
async fn moderated_thread<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    thread_id: i32,
) -> ServiceResult<(thread::Model, community::Model)> {
    caller.actor()?;
    let (thread, community, roles) = readable_thread(app, db, caller, thread_id).await?;
    access::ensure(&app.auth, &roles, &community, Action::Moderate)?;
    Ok((thread, community))
}

/// Locks, unlocks, pins or unpins a thread (the community's moderators: animators by
/// default). Doing what is already done changes nothing and records nothing.
pub async fn moderate_thread(
    app: &App,
    caller: &Caller,
    thread_id: i32,
    what: ThreadModeration,
) -> ServiceResult<thread::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    let (thread, community) = moderated_thread(app, &txn, caller, thread_id).await?;
    let now = Some(Utc::now());
    let (current, wanted) = match what {
        ThreadModeration::Lock => (thread.locked_at, now),
        ThreadModeration::Unlock => (thread.locked_at, None),
        ThreadModeration::Pin => (thread.pinned_at, now),
        ThreadModeration::Unpin => (thread.pinned_at, None),
    };
    if current.is_some() == wanted.is_some() {
        return Ok(thread);
    }
    let mut model: thread::ActiveModel = thread.into();
    match what {
        ThreadModeration::Lock | ThreadModeration::Unlock => model.locked_at = Set(wanted),
        ThreadModeration::Pin | ThreadModeration::Unpin => model.pinned_at = Set(wanted),
    }
    let updated = model.update(&txn).await?;
    record(&txn, caller, community.id, what.audit_action(), "Thread", updated.id, json!({})).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Moves a thread to a subgroup of its own community (`None`: to the community itself);
/// the community's moderators. Any other subgroup is `BAD_USER_INPUT` on `subgroupId`,
/// whether it exists or not.
pub async fn move_thread(
    app: &App,
    caller: &Caller,
    thread_id: i32,
    subgroup_id: Option<i32>,
) -> ServiceResult<thread::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    let (thread, community) = moderated_thread(app, &txn, caller, thread_id).await?;
    if let Some(id) = subgroup_id {
        let bad = || ServiceError::bad_input("subgroupId", Message::new("move-subgroup-other"));
        let found = subgroup::Entity::find_by_id(id).one(&txn).await?.filter(|s| s.community_id == community.id);
        if found.is_none() {
            return Err(bad());
        }
        let readable =
            access::SubgroupAccess::load(&txn, caller, id).await?.is_some_and(|a| a.can(&app.auth, Action::Read));
        if !readable {
            return Err(bad());
        }
    }
    if thread.subgroup_id == subgroup_id {
        return Ok(thread);
    }
    let from = thread.subgroup_id;
    let mut model: thread::ActiveModel = thread.into();
    model.subgroup_id = Set(subgroup_id);
    let moved = model.update(&txn).await?;
    record(&txn, caller, community.id, "thread.move", "Thread", moved.id, json!({ "from": from, "to": subgroup_id }))
        .await?;
    txn.commit().await?;
    Ok(moved)
}

/// The longest reason for hiding a reply.
pub const REASON_MAX: usize = 2000;

/// Hides a reply (the community's moderators), with the reason its author will read:
/// others read it as a placeholder.
pub async fn hide_post(app: &App, caller: &Caller, post_id: i32, reason: &str) -> ServiceResult<post::Model> {
    caller.actor()?;
    let reason = validate::required_multiline("reason", reason, REASON_MAX)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (post, thread, community, roles) = readable_post(app, &txn, caller, post_id).await?;
    access::ensure(&app.auth, &roles, &community, Action::Moderate)?;
    let (_thread, post) = lock_thread_and_post(&txn, thread.id, post.id).await?;
    ensure_not_deleted(&post)?;
    let hidden = hide(&txn, caller, post, community.id, reason).await?;
    txn.commit().await?;
    Ok(hidden)
}

/// Hides `post` (checked by the caller, and read under [`lock_thread_and_post`]'s locks)
/// and records it. A hidden reply no longer answers its question.
async fn hide<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    post: post::Model,
    community_id: i32,
    reason: String,
) -> ServiceResult<post::Model> {
    let actor = caller.actor()?;
    let mut model: post::ActiveModel = post.into();
    model.hidden_at = Set(Some(Utc::now()));
    model.hidden_reason = Set(Some(reason.clone()));
    model.hidden_by = Set(Some(actor.person_id));
    let hidden = model.update(txn).await?;
    thread::Entity::update_many()
        .col_expr(thread::Column::AcceptedPostId, Expr::val(Option::<i32>::None))
        .col_expr(thread::Column::AnsweredAt, Expr::val(Option::<DateTime<Utc>>::None))
        .filter(thread::Column::Id.eq(hidden.thread_id))
        .filter(thread::Column::AcceptedPostId.eq(hidden.id))
        .exec(txn)
        .await?;
    record(txn, caller, community_id, "post.hide", "Post", hidden.id, json!({ "reason": reason })).await?;
    Ok(hidden)
}

/// Reports a reply to the community's moderators: anyone who may read it. Reporting it
/// again while one's report is open changes nothing.
pub async fn report_post(app: &App, caller: &Caller, post_id: i32, reason: &str) -> ServiceResult<post_report::Model> {
    let actor = caller.actor()?;
    let reason = validate::required_multiline("reason", reason, REASON_MAX)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (post, _thread, community, _roles) = readable_post(app, &txn, caller, post_id).await?;
    ensure_not_deleted(&post)?;
    let open = post_report::Entity::find()
        .filter(post_report::Column::PostId.eq(post.id))
        .filter(post_report::Column::ReporterId.eq(actor.person_id))
        .filter(post_report::Column::Status.eq(ReportStatus::Open))
        .one(&txn)
        .await?;
    if let Some(open) = open {
        return Ok(open);
    }
    let created = post_report::ActiveModel {
        post_id: Set(post.id),
        community_id: Set(community.id),
        reporter_id: Set(actor.person_id),
        reason: Set(reason),
        status: Set(ReportStatus::Open),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    record(&txn, caller, community.id, "post.report", "Post", post.id, json!({ "reportId": created.id })).await?;
    txn.commit().await?;
    Ok(created)
}

/// How a moderator resolves a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Nothing to do.
    Dismiss,
    /// Hide the reply (with the report's reason); every open report of it is resolved.
    HidePost,
}

/// Resolves an open report (the community's moderators; to anyone else a report is
/// `NOT_FOUND`, as a missing one).
pub async fn resolve_report(
    app: &App,
    caller: &Caller,
    report_id: i32,
    resolution: Resolution,
) -> ServiceResult<post_report::Model> {
    let actor = caller.actor()?;
    let not_found = || ServiceError::not_found("report");
    let txn = crate::db::begin_write(&app.db).await?;
    let report = post_report::Entity::find_by_id(report_id).one(&txn).await?.ok_or_else(not_found)?;
    let (post, thread, community, roles) =
        readable_post(app, &txn, caller, report.post_id).await.map_err(|err| match err {
            ServiceError::NotFound { .. } => not_found(),
            other => other,
        })?;
    if !access::allowed(&app.auth, &roles, &community, Action::Moderate) {
        return Err(not_found());
    }
    // Hiding touches the reply and its thread: their locks first (see
    // [`lock_thread_and_post`]), then the report and the reply as they are now.
    let (_thread, post) = lock_thread_and_post(&txn, thread.id, post.id).await.map_err(|err| match err {
        ServiceError::NotFound { .. } => not_found(),
        other => other,
    })?;
    let report = post_report::Entity::find_by_id(report.id).one(&txn).await?.ok_or_else(not_found)?;
    if report.status != ReportStatus::Open {
        return Err(ServiceError::Conflict { field: "reportId".into(), message: Message::new("report-resolved") });
    }
    let now = Utc::now();
    let status = match resolution {
        Resolution::Dismiss => ReportStatus::Dismissed,
        Resolution::HidePost => ReportStatus::PostHidden,
    };
    let mut reports = post_report::Entity::update_many()
        .col_expr(post_report::Column::Status, Expr::val(status.as_str()))
        .col_expr(post_report::Column::ResolvedBy, Expr::val(actor.person_id))
        .col_expr(post_report::Column::ResolvedAt, Expr::val(now))
        .filter(post_report::Column::Status.eq(ReportStatus::Open));
    reports = match resolution {
        Resolution::Dismiss => reports.filter(post_report::Column::Id.eq(report.id)),
        Resolution::HidePost => reports.filter(post_report::Column::PostId.eq(post.id)),
    };
    reports.exec(&txn).await?;
    if resolution == Resolution::HidePost && post.hidden_at.is_none() && post.deleted_at.is_none() {
        hide(&txn, caller, post, community.id, report.reason.clone()).await?;
    }
    record(&txn, caller, community.id, "report.resolve", "PostReport", report.id, json!({ "status": status.as_str() }))
        .await?;
    let resolved = post_report::Entity::find_by_id(report.id).one(&txn).await?.ok_or_else(not_found)?;
    txn.commit().await?;
    Ok(resolved)
}

/// A page of a community's open reports, oldest first, of replies the caller may read
/// (the caller checked they moderate the community); and how many there are when `count`.
pub async fn moderation_queue(
    app: &App,
    caller: &Caller,
    community_id: i32,
    req: &PageRequest,
    count: bool,
) -> ServiceResult<(Page<post_report::Model>, u64)> {
    let readable_posts = posts_select(app, caller).select_only().column(post::Column::Id).into_query();
    let select = post_report::Entity::find()
        .filter(post_report::Column::CommunityId.eq(community_id))
        .filter(post_report::Column::Status.eq(ReportStatus::Open))
        .filter(post_report::Column::PostId.in_subquery(readable_posts));
    let page = page::fetch(&app.db, select.clone(), post_report::Column::Id, req).await?;
    let total = if count { page::count(&app.db, select).await? } else { 0 };
    Ok((page, total))
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

/// THE threads the caller may read, used by every path that reaches a thread (lists,
/// counts, `node`, `nodes`, relations, mutations): those of communities whose content the
/// caller may read, in the community itself or in a subgroup the policy opens to them.
/// A thread outside it is exactly like a missing one.
pub fn threads_select(app: &App, caller: &Caller) -> sea_orm::Select<thread::Entity> {
    thread::Entity::find()
        .filter(thread::Column::CommunityId.in_subquery(access::readable_community_ids(
            &app.auth,
            app.db.get_database_backend(),
            caller,
        )))
        .filter(
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

/// The posts the caller may read: those of [`threads_select`].
pub fn posts_select(app: &App, caller: &Caller) -> sea_orm::Select<post::Entity> {
    posts_of_threads_select(app, caller, Condition::all())
}

/// The posts the caller may read among those of the threads `threads` (a condition on
/// `thread`) selects: [`posts_select`] narrowed before the visibility filter runs, so
/// that PostgreSQL checks the few threads a request names instead of reading every
/// thread the caller may read and joining the posts to them.
pub fn posts_of_threads_select(app: &App, caller: &Caller, threads: Condition) -> sea_orm::Select<post::Entity> {
    post::Entity::find().filter(
        post::Column::ThreadId.in_subquery(
            threads_select(app, caller).filter(threads).select_only().column(thread::Column::Id).into_query(),
        ),
    )
}

/// The threads with these ids that the caller may read (a relation: a post's thread).
pub async fn threads_by_ids(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<thread::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(threads_select(app, caller).filter(thread::Column::Id.is_in(ids.iter().copied())).all(&app.db).await?)
}

/// What a read of one community takes along, on PostgreSQL, when the query asks for its
/// threads (and their posts): the pages and the per-item values the loaders would
/// otherwise read in one statement each.
#[derive(Debug, Clone)]
pub struct ThreadsAhead {
    /// The page of threads asked for.
    pub threads: PageRequest,
    /// The columns of threads the query uses (empty: all).
    pub thread_columns: Vec<thread::Column>,
    /// Whether the query asks for each thread's `unreadCount` (read for a logged-in
    /// caller only).
    pub unread: bool,
    /// The page of posts asked for under each thread, if any.
    pub posts: Option<PageRequest>,
    /// The columns of posts the query uses (empty: all).
    pub post_columns: Vec<post::Column>,
    /// Whether the query asks for each post's `reactions`.
    pub reactions: bool,
    /// The columns of posts each thread's `acceptedAnswer` uses (its id among them), when
    /// the query asks for it with fields that name their columns.
    pub accepted: Option<Vec<post::Column>>,
}

/// Threads read ahead with their community, and what was read under each of them.
#[derive(Debug, Clone)]
pub struct ThreadPages {
    pub threads: Page<thread::Model>,
    /// Each thread's page of posts (only when [`ThreadsAhead::posts`] was asked).
    pub posts: Vec<(i32, Page<post::Model>)>,
    /// How many replies of each thread are new to the caller (only when
    /// [`ThreadsAhead::unread`] was asked), as [`super::thread_reading::unread_counts`]
    /// counts them.
    pub unread: Vec<(i32, u64)>,
    /// The reactions to each post of the pages (only when [`ThreadsAhead::reactions`] was
    /// asked), as [`reactions_of`] reads them.
    pub reactions: Vec<(i32, Vec<(Reaction, i32)>)>,
    /// The accepted answers of the threads (only when [`ThreadsAhead::accepted`] was
    /// asked), carrying its columns.
    pub accepted: Vec<post::Model>,
}

/// Alias of the threads' page in [`threads_ahead_json`].
const THREADS_ALIAS: &str = "ahead_thread";
/// Alias of each thread's page of posts in [`threads_ahead_json`].
const POSTS_ALIAS: &str = "ahead_post";

/// PostgreSQL: the JSON sub-query of [`ThreadsAhead`], correlated to the community of the
/// enclosing statement: the threads page, and under each thread `[posts, unread,
/// accepted]`, its posts page (each post with its reactions as `[[reaction, person id],
/// …]`), its count of replies new to the caller and its accepted answer, each NULL when
/// not asked. A thread is in the page only if the caller may read it, so its posts, their
/// reactions and its accepted answer (a post of that thread) are the ones
/// [`posts_select`] and [`reactions_of`] give for it.
pub fn threads_ahead_json(app: &App, caller: &Caller, ahead: &ThreadsAhead) -> Expr {
    let null = || Expr::cust("NULL");
    let reactions = ahead.reactions.then(|| {
        Expr::cust(format!(
            "(SELECT COALESCE(json_agg(json_build_array(r.reaction, r.person_id) ORDER BY r.id), '[]'::json) \
             FROM post_reaction AS r WHERE r.post_id = \"{POSTS_ALIAS}\".id)"
        ))
    });
    let posts = ahead.posts.as_ref().map(|req| {
        page::page_json(
            posts_select(app, caller),
            post::Column::Id,
            post::Column::ThreadId,
            Expr::col((Alias::new(THREADS_ALIAS), thread::Column::Id)),
            req,
            POSTS_ALIAS,
            &ahead.post_columns,
            reactions,
        )
    });
    let unread = caller.person_id().filter(|_| ahead.unread).map(|person_id| {
        let count = post::Entity::find()
            .select_only()
            .expr(Expr::cust("COUNT(*)"))
            .filter(super::thread_reading::unread_posts_of_thread(
                person_id,
                Expr::col((Alias::new(THREADS_ALIAS), thread::Column::Id)),
            ))
            .into_query();
        Expr::SubQuery(None, Box::new(count.into_sub_query_statement()))
    });
    let accepted = ahead.accepted.as_ref().map(|columns| {
        Expr::cust(format!(
            "(SELECT {} FROM post AS accepted WHERE accepted.id = \"{THREADS_ALIAS}\".accepted_post_id \
             AND accepted.thread_id = \"{THREADS_ALIAS}\".id)",
            page::row_json("accepted", columns)
        ))
    });
    // The plain threads-and-posts page keeps the posts page itself under each thread, as
    // it was before unread counts and accepted answers could come along.
    let nested = if posts_only(ahead) {
        posts
    } else {
        Some(Expr::cust_with_exprs(
            "json_build_array($1, $2, $3)",
            [posts.unwrap_or_else(null), unread.unwrap_or_else(null), accepted.unwrap_or_else(null)],
        ))
    };
    page::page_json(
        threads_select(app, caller),
        thread::Column::Id,
        thread::Column::CommunityId,
        Expr::col((community::Entity, community::Column::Id)),
        &ahead.threads,
        THREADS_ALIAS,
        &ahead.thread_columns,
        nested,
    )
}

/// Whether the read ahead takes nothing under each thread but its posts page (then the
/// page itself is nested, not `[posts, unread, accepted]`).
fn posts_only(ahead: &ThreadsAhead) -> bool {
    !ahead.unread && ahead.accepted.is_none()
}

/// Reads back what [`threads_ahead_json`] returned (as text).
pub fn threads_ahead_from_json(text: &str, ahead: &ThreadsAhead) -> ServiceResult<ThreadPages> {
    type Posts = Vec<page::JsonItem<post::Model, Vec<(Reaction, i32)>>>;
    type Under = (Option<Posts>, Option<u64>, Option<post::Model>);
    let unexpected =
        |err: serde_json::Error| ServiceError::Internal(format!("threads read ahead: unexpected JSON: {err}"));
    let items: Vec<page::JsonItem<thread::Model, Under>> = if posts_only(ahead) {
        let items: Vec<page::JsonItem<thread::Model, Posts>> = serde_json::from_str(text).map_err(unexpected)?;
        items.into_iter().map(|(thread, posts)| (thread, posts.map(|p| (Some(p), None, None)))).collect()
    } else {
        serde_json::from_str(text).map_err(unexpected)?
    };
    let (threads, nested) = page::page_from_json(items, |t| t.id, &ahead.threads);
    let mut pages =
        ThreadPages { threads, posts: Vec::new(), unread: Vec::new(), reactions: Vec::new(), accepted: Vec::new() };
    for (thread_id, (posts, unread, accepted)) in nested {
        if let Some(unread) = unread {
            pages.unread.push((thread_id, unread));
        }
        pages.accepted.extend(accepted);
        if let (Some(req), Some(posts)) = (&ahead.posts, posts) {
            let (page, reactions) = page::page_from_json(posts, |p| p.id, req);
            pages.reactions.extend(reactions);
            pages.posts.push((thread_id, page));
        }
    }
    Ok(pages)
}
