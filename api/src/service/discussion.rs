//! Discussions: threads in a community (or a subgroup of it) and the posts in them —
//! the first content that access rules protect.

use chrono::Utc;
use entity::{community, enums::SubgroupVisibility, post, subgroup, thread};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, QueryTrait, TransactionTrait,
};

use super::{access, community as communities, validate};
use crate::{
    auth::{Caller, Viewer},
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

/// Starts a thread. Active members of a community that is not archived may.
pub async fn create_thread(db: &DatabaseConnection, caller: &Caller, input: NewThread) -> ServiceResult<thread::Model> {
    let actor = caller.actor()?;
    let title = validate::required_text("title", &input.title, validate::TITLE_MAX)?;
    let body = validate::bounded("body", &input.body, validate::BODY_MAX)?;
    let txn = db.begin().await?;
    let community = communities::find_by_id(&txn, &caller.viewer, input.community_id)
        .await?
        .ok_or(ServiceError::not_found("community"))?;
    let own = communities::own_membership(&txn, actor.person_id, community.id).await?;
    access::ensure_can_post(&community, own.as_ref())?;
    if let Some(subgroup_id) = input.subgroup_id {
        let found = subgroups_readable(&caller.viewer)
            .filter(subgroup::Column::Id.eq(subgroup_id))
            .filter(subgroup::Column::CommunityId.eq(community.id))
            .one(&txn)
            .await?;
        if found.is_none() {
            return Err(ServiceError::not_found("subgroup"));
        }
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

/// Replies in a thread. Active members of its community (not archived) may.
pub async fn create_post(
    db: &DatabaseConnection,
    caller: &Caller,
    thread_id: i32,
    body: &str,
) -> ServiceResult<post::Model> {
    let actor = caller.actor()?;
    let body = validate::required_text("body", body, validate::BODY_MAX)?;
    let txn = db.begin().await?;
    let (thread, community) = readable_thread(&txn, &caller.viewer, thread_id).await?;
    let own = communities::own_membership(&txn, actor.person_id, community.id).await?;
    access::ensure_can_post(&community, own.as_ref())?;
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

/// A thread and its community, if the viewer may read it; `NOT_FOUND` otherwise (a
/// thread's existence is itself content).
pub async fn readable_thread<C: ConnectionTrait>(
    db: &C,
    viewer: &Viewer,
    thread_id: i32,
) -> ServiceResult<(thread::Model, community::Model)> {
    let not_found = || ServiceError::not_found("thread");
    let thread =
        threads_select(viewer).filter(thread::Column::Id.eq(thread_id)).one(db).await?.ok_or_else(not_found)?;
    let community = communities::find_by_id(db, viewer, thread.community_id).await?.ok_or_else(not_found)?;
    let own = match viewer {
        Some(actor) => communities::own_membership(db, actor.person_id, community.id).await?,
        None => None,
    };
    if !access::can_read_content(own.as_ref()) {
        return Err(not_found());
    }
    Ok((thread, community))
}

/// Subgroups whose threads the viewer may read (see `community::subgroups_select`).
fn subgroups_readable(viewer: &Viewer) -> sea_orm::Select<subgroup::Entity> {
    communities::subgroups_select(viewer)
}

/// Threads the viewer may read, once allowed to read the community's content: those of
/// the community itself and of subgroups open to the whole community.
pub fn threads_select(_viewer: &Viewer) -> sea_orm::Select<thread::Entity> {
    thread::Entity::find().filter(
        Condition::any().add(thread::Column::SubgroupId.is_null()).add(
            thread::Column::SubgroupId.in_subquery(
                subgroup::Entity::find()
                    .select_only()
                    .column(subgroup::Column::Id)
                    .filter(subgroup::Column::Visibility.eq(SubgroupVisibility::Community))
                    .into_query(),
            ),
        ),
    )
}

/// Posts (of threads already checked readable).
pub fn posts_select() -> sea_orm::Select<post::Entity> {
    post::Entity::find()
}
