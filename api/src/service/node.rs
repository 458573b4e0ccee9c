//! Objects by id in bulk (`nodes(ids:)`): each kind in one statement or two, through the
//! same visibility rules as `node(id:)` and every relation, so that what cannot be seen
//! is simply absent, exactly like what does not exist.

use std::collections::{HashMap, HashSet};

use entity::{community, membership, organization, person, post, subgroup, thread};
use policy::Action;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::{App, access, community as communities, discussion, person as people};
use crate::{auth::Caller, error::ServiceResult};

/// Ids to look up, by kind.
#[derive(Debug, Default, Clone)]
pub struct Wanted {
    pub organizations: Vec<i32>,
    pub people: Vec<i32>,
    pub communities: Vec<i32>,
    pub memberships: Vec<i32>,
    pub subgroups: Vec<i32>,
    pub threads: Vec<i32>,
    pub posts: Vec<i32>,
    /// Events (and the events of the occurrences asked for).
    pub events: Vec<i32>,
}

/// What the caller may see among the ids asked for, by id.
#[derive(Debug, Default)]
pub struct Found {
    pub organizations: HashMap<i32, organization::Model>,
    pub people: HashMap<i32, person::Model>,
    /// With the caller's ties to each.
    pub communities: HashMap<i32, (community::Model, communities::Ties)>,
    pub memberships: HashMap<i32, membership::Model>,
    pub subgroups: HashMap<i32, subgroup::Model>,
    pub threads: HashMap<i32, thread::Model>,
    pub posts: HashMap<i32, post::Model>,
    pub events: HashMap<i32, entity::event::Model>,
}

/// The objects with these ids that the caller may see: the rules of `node(id:)` for each
/// kind, in a number of statements that depends on the kinds asked for, not on how many.
pub async fn find_many(app: &App, caller: &Caller, wanted: &Wanted) -> ServiceResult<Found> {
    let db = &app.db;
    // Events through their one visibility condition.
    let events = super::event::visible_events_by_ids(app, caller, &wanted.events).await?;
    let mut found = Found { events: events.into_iter().map(|m| (m.id, m)).collect(), ..Found::default() };
    if !wanted.organizations.is_empty() {
        // The network's organizations are public.
        found.organizations = organization::Entity::find()
            .filter(organization::Column::Id.is_in(wanted.organizations.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    }
    if !wanted.people.is_empty() {
        found.people = people::find_by_ids(db, caller, &wanted.people).await?.into_iter().map(|m| (m.id, m)).collect();
    }
    if !wanted.memberships.is_empty() {
        // One's own memberships (any status), and others' where the member list shows them.
        let mut visible =
            Condition::any().add(access::visible_memberships_of(&app.auth, db.get_database_backend(), caller, None));
        if let Some(person_id) = caller.person_id() {
            visible = visible.add(membership::Column::PersonId.eq(person_id));
        }
        found.memberships = membership::Entity::find()
            .filter(membership::Column::Id.is_in(wanted.memberships.iter().copied()))
            .filter(visible)
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    }
    if !wanted.subgroups.is_empty() {
        found.subgroups = communities::subgroups_select(app, caller)
            .filter(subgroup::Column::Id.is_in(wanted.subgroups.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
    }
    // Threads asked for, and those of the posts asked for.
    let posts: Vec<post::Model> = if wanted.posts.is_empty() {
        Vec::new()
    } else {
        // Only posts of threads the caller may see are read at all (their communities
        // are checked below, with the threads asked for).
        discussion::posts_select(app, caller)
            .filter(post::Column::Id.is_in(wanted.posts.iter().copied()))
            .all(db)
            .await?
    };
    let thread_ids: HashSet<i32> = wanted.threads.iter().copied().chain(posts.iter().map(|p| p.thread_id)).collect();
    let threads: HashMap<i32, thread::Model> = if thread_ids.is_empty() {
        HashMap::new()
    } else {
        discussion::threads_select(app, caller)
            .filter(thread::Column::Id.is_in(thread_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect()
    };

    // The communities: those asked for, and those whose content (subgroups, threads,
    // posts) was asked for, which the caller must also be allowed to read.
    let content_of: HashSet<i32> =
        found.subgroups.values().map(|s| s.community_id).chain(threads.values().map(|t| t.community_id)).collect();
    let community_ids: Vec<i32> = wanted.communities.iter().copied().chain(content_of.iter().copied()).collect();
    let mut readable = HashSet::new();
    if !community_ids.is_empty() {
        let visible = communities::visible_by_ids(app, caller, &community_ids).await?;
        let ids: Vec<i32> = visible.iter().map(|c| c.id).collect();
        let mut ties = communities::ties_to(db, caller, &ids).await?;
        for community in visible {
            let tied = ties.remove(&community.id).unwrap_or_default();
            if access::allowed(&app.auth, &tied.roles(caller), &community, Action::Read) {
                readable.insert(community.id);
            }
            if wanted.communities.contains(&community.id) {
                found.communities.insert(community.id, (community, tied));
            }
        }
    }
    found.subgroups.retain(|_, s| readable.contains(&s.community_id));
    let threads: HashMap<i32, thread::Model> =
        threads.into_iter().filter(|(_, t)| readable.contains(&t.community_id)).collect();
    found.posts = posts.into_iter().filter(|p| threads.contains_key(&p.thread_id)).map(|p| (p.id, p)).collect();
    found.threads = threads.into_iter().filter(|(id, _)| wanted.threads.contains(id)).collect();
    Ok(found)
}
