//! The Relay `Node` interface and `node(id:)`: any object by its global id, with the
//! same access rules as every other path to it.

use crate::i18n::Message;
use async_graphql::{Context, ID, Interface, Object};
use entity::{membership, post, subgroup};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use policy::Action;

use super::{
    GqlResult,
    api_client::ApiClient,
    app, caller,
    community::{Community, Membership, Subgroup},
    db,
    discussion::{Post, Thread},
    event::{Event, Occurrence},
    ids::{NodeKind, from_global_any, from_occurrence_id},
    library::{Document, DocumentVersion, Theme},
    organization::Organization,
    person::Person,
    wiki::{WikiPage, WikiPageRevision},
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    service::{App, access, community as communities, discussion, library, node as nodes, organization, person, wiki},
};

/// An object with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id: opaque, stable."))]
pub enum Node {
    Organization(Organization),
    Person(Person),
    Community(Community),
    Membership(Membership),
    Subgroup(Subgroup),
    Thread(Thread),
    Post(Post),
    ApiClient(ApiClient),
    Event(Event),
    Occurrence(Occurrence),
    Document(Document),
    DocumentVersion(DocumentVersion),
    WikiPage(WikiPage),
    WikiPageRevision(WikiPageRevision),
    Theme(Theme),
}

#[derive(Default)]
pub struct NodeQuery;

/// `node(id:)` and `nodes(ids:)`.
#[Object]
impl NodeQuery {
    /// The object with this global id; `NOT_FOUND` when it does not exist or the viewer
    /// may not see it (the two are indistinguishable).
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "A global id, as returned by any `id` field. A malformed id is `BAD_USER_INPUT` naming `id`."
        )]
        id: ID,
    ) -> async_graphql::Result<Node> {
        let (kind, number) = from_global_any("id", &id).gql()?;
        if kind == NodeKind::Occurrence {
            let (event_id, start) = from_occurrence_id("id", &id).gql()?;
            let app = app(ctx);
            return crate::service::event::visible_occurrence(app, &app.db, caller(ctx), event_id, start)
                .await
                .and_then(|o| o.ok_or(ServiceError::not_found("node")))
                .map(|o| Node::Occurrence(Occurrence { inner: o, viewer_rsvp: None }))
                .gql();
        }
        resolve(ctx, kind, number).await.and_then(|n| n.ok_or(ServiceError::not_found("node"))).gql()
    }

    /// The objects with these global ids, in the same order: `null` in place of an id
    /// that does not exist or that the viewer may not see (the two are
    /// indistinguishable), as `node(id:)` answers `NOT_FOUND` for both. At most 100 ids
    /// (`BAD_USER_INPUT` on `ids` beyond, or for an id that is not a global id). The
    /// objects are read in a few statements per kind, however many ids are asked for.
    #[graphql(complexity = "ids.len().saturating_mul(child_complexity).saturating_add(1)")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids (at most 100), of any kinds; repeats are allowed.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(ServiceError::bad_input("ids", Message::new("ids-max").arg("max", MAX_NODES))).gql();
        }
        let parsed = ids.iter().map(|id| from_global_any("ids", id)).collect::<Result<Vec<_>, _>>().gql()?;
        let mut wanted = nodes::Wanted::default();
        let mut clients = Vec::new();
        let mut occurrences = Vec::new();
        let mut documents = Vec::new();
        let mut versions = Vec::new();
        let mut pages = Vec::new();
        let mut revisions = Vec::new();
        let mut themes = Vec::new();
        for ((kind, id), raw) in parsed.iter().zip(&ids) {
            let list = match kind {
                NodeKind::Organization => &mut wanted.organizations,
                NodeKind::Person => &mut wanted.people,
                NodeKind::Community => &mut wanted.communities,
                NodeKind::Membership => &mut wanted.memberships,
                NodeKind::Subgroup => &mut wanted.subgroups,
                NodeKind::Thread => &mut wanted.threads,
                NodeKind::Post => &mut wanted.posts,
                NodeKind::ApiClient => &mut clients,
                NodeKind::Event => &mut wanted.events,
                NodeKind::Occurrence => {
                    let key = from_occurrence_id("ids", raw).gql()?;
                    if !occurrences.contains(&key) {
                        occurrences.push(key);
                    }
                    &mut wanted.events
                }
                NodeKind::Document => &mut documents,
                NodeKind::DocumentVersion => &mut versions,
                NodeKind::WikiPage => &mut pages,
                NodeKind::WikiPageRevision => &mut revisions,
                NodeKind::Theme => &mut themes,
                // As in `node(id:)`: reached only through the fields that check who asks.
                NodeKind::IdentityProvider
                | NodeKind::Session
                | NodeKind::Identity
                | NodeKind::PersonalAccessToken
                | NodeKind::Report
                | NodeKind::TimeEntry => {
                    continue;
                }
            };
            if !list.contains(id) {
                list.push(*id);
            }
        }
        let found = nodes::find_many(app(ctx), caller(ctx), &wanted).await.gql()?;
        let clients = crate::service::api_client::find_visible(app(ctx), caller(ctx), &clients).await.gql()?;
        let mut found_occurrences = std::collections::HashMap::new();
        for (event_id, start) in occurrences {
            if let Some(event) = found.events.get(&event_id)
                && let Some(o) = crate::service::event::occurrence_of(&app(ctx).db, event, start).await.gql()?
            {
                found_occurrences.insert((event_id, start), o);
            }
        }
        let documents: std::collections::HashMap<i32, _> =
            library::readable_documents(app(ctx), db(ctx), caller(ctx), &documents)
                .await
                .gql()?
                .into_iter()
                .map(|m| (m.id, m))
                .collect();
        let versions: std::collections::HashMap<i32, _> =
            library::readable_versions(app(ctx), db(ctx), caller(ctx), &versions)
                .await
                .gql()?
                .into_iter()
                .map(|m| (m.id, m))
                .collect();
        let pages: std::collections::HashMap<i32, _> = wiki::readable_pages(app(ctx), db(ctx), caller(ctx), &pages)
            .await
            .gql()?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        let revisions: std::collections::HashMap<i32, _> =
            wiki::readable_revisions(app(ctx), db(ctx), caller(ctx), &revisions)
                .await
                .gql()?
                .into_iter()
                .map(|m| (m.id, m))
                .collect();
        let themes: std::collections::HashMap<i32, _> =
            library::readable_themes(app(ctx), db(ctx), caller(ctx), &themes)
                .await
                .gql()?
                .into_iter()
                .map(|m| (m.id, m))
                .collect();
        Ok(parsed
            .into_iter()
            .zip(&ids)
            .map(|((kind, id), raw)| match kind {
                NodeKind::Organization => {
                    found.organizations.get(&id).cloned().map(|m| Node::Organization(Organization(m)))
                }
                NodeKind::Person => found.people.get(&id).cloned().map(|m| Node::Person(Person(m))),
                NodeKind::Community => {
                    found.communities.get(&id).cloned().map(|(m, ties)| Node::Community(Community::with_ties(m, ties)))
                }
                NodeKind::Membership => found.memberships.get(&id).cloned().map(|m| Node::Membership(Membership(m))),
                NodeKind::Subgroup => found.subgroups.get(&id).cloned().map(|m| Node::Subgroup(Subgroup(m))),
                NodeKind::Thread => found.threads.get(&id).cloned().map(|m| Node::Thread(Thread(m))),
                NodeKind::Post => found.posts.get(&id).cloned().map(|m| Node::Post(Post(m))),
                NodeKind::ApiClient => clients.get(&id).cloned().map(|m| Node::ApiClient(ApiClient(m))),
                NodeKind::Event => found.events.get(&id).cloned().map(|m| Node::Event(Event::new(m))),
                NodeKind::Occurrence => from_occurrence_id("ids", raw)
                    .ok()
                    .and_then(|key| found_occurrences.get(&key).cloned())
                    .map(|o| Node::Occurrence(Occurrence { inner: o, viewer_rsvp: None })),
                NodeKind::Document => documents.get(&id).cloned().map(|m| Node::Document(Document(m))),
                NodeKind::DocumentVersion => {
                    versions.get(&id).cloned().map(|m| Node::DocumentVersion(DocumentVersion(m)))
                }
                NodeKind::WikiPage => pages.get(&id).cloned().map(|m| Node::WikiPage(WikiPage(m))),
                NodeKind::WikiPageRevision => {
                    revisions.get(&id).cloned().map(|m| Node::WikiPageRevision(WikiPageRevision(m)))
                }
                NodeKind::Theme => themes.get(&id).cloned().map(|m| Node::Theme(Theme(m))),
                NodeKind::IdentityProvider
                | NodeKind::Session
                | NodeKind::Identity
                | NodeKind::PersonalAccessToken
                | NodeKind::Report
                | NodeKind::TimeEntry => None,
            })
            .collect())
    }
}

/// The most ids `nodes(ids:)` takes at once.
pub const MAX_NODES: usize = 100;

async fn resolve(ctx: &Context<'_>, kind: NodeKind, id: i32) -> ServiceResult<Option<Node>> {
    let app = app(ctx);
    let db = &app.db;
    let caller = caller(ctx);
    Ok(match kind {
        NodeKind::Organization => organization::find_by_id(db, id).await?.map(|m| Node::Organization(Organization(m))),
        NodeKind::Person => person::find_visible(db, caller, id).await?.map(|m| Node::Person(Person(m))),
        NodeKind::Community => communities::find_with_ties(app, db, caller, communities::Key::Id(id))
            .await?
            .map(|(m, ties)| Node::Community(Community::with_ties(m, ties))),
        NodeKind::Membership => {
            let Some(found) = membership::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
            person::memberships_select(app, caller, found.person_id)
                .filter(membership::Column::Id.eq(id))
                .one(db)
                .await?
                .map(|m| Node::Membership(Membership(m)))
        }
        NodeKind::Subgroup => {
            let Some(found) =
                communities::subgroups_select(app, caller).filter(subgroup::Column::Id.eq(id)).one(db).await?
            else {
                return Ok(None);
            };
            readable_community(app, caller, found.community_id).await?.then_some(Node::Subgroup(Subgroup(found)))
        }
        NodeKind::Thread => match discussion::readable_thread(app, db, caller, id).await {
            Ok((thread, ..)) => Some(Node::Thread(Thread(thread))),
            Err(ServiceError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        },
        NodeKind::Post => {
            let Some(found) = post::Entity::find_by_id(id).one(db).await? else { return Ok(None) };
            match discussion::readable_thread(app, db, caller, found.thread_id).await {
                Ok(_) => Some(Node::Post(Post(found))),
                Err(ServiceError::NotFound { .. }) => None,
                Err(e) => return Err(e),
            }
        }
        NodeKind::Event => {
            crate::service::event::visible_event(app, db, caller, id).await?.map(|m| Node::Event(Event::new(m)))
        }
        // Resolved by `node` itself (its id holds more than a number).
        NodeKind::Occurrence => None,
        NodeKind::ApiClient => crate::service::api_client::find_visible(app, caller, &[id])
            .await?
            .remove(&id)
            .map(|m| Node::ApiClient(ApiClient(m))),
        NodeKind::Document => match library::readable_document(app, db, caller, id).await {
            Ok(found) => Some(Node::Document(Document(found))),
            Err(ServiceError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        },
        NodeKind::DocumentVersion => match library::readable_version(app, db, caller, id).await {
            Ok((found, _)) => Some(Node::DocumentVersion(DocumentVersion(found))),
            Err(ServiceError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        },
        NodeKind::WikiPage => {
            wiki::readable_pages(app, db, caller, &[id]).await?.pop().map(|m| Node::WikiPage(WikiPage(m)))
        }
        NodeKind::WikiPageRevision => wiki::readable_revisions(app, db, caller, &[id])
            .await?
            .pop()
            .map(|m| Node::WikiPageRevision(WikiPageRevision(m))),
        NodeKind::Theme => library::readable_themes(app, db, caller, &[id]).await?.pop().map(|m| Node::Theme(Theme(m))),
        // Reached through `identityProviders`, `mySessions`, `Person.identities`,
        // `Person.personalAccessTokens` and `Community.moderationQueue`, which
        // check who asks.
        NodeKind::IdentityProvider
        | NodeKind::Session
        | NodeKind::Identity
        | NodeKind::PersonalAccessToken
        | NodeKind::Report
        | NodeKind::TimeEntry => None,
    })
}

/// Whether the caller may read the content of this community.
async fn readable_community(app: &App, caller: &Caller, community_id: i32) -> ServiceResult<bool> {
    let Some((community, ties)) =
        communities::find_with_ties(app, &app.db, caller, communities::Key::Id(community_id)).await?
    else {
        return Ok(false);
    };
    Ok(access::allowed(&app.auth, &ties.roles(caller), &community, Action::Read))
}
