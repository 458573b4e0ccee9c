//! The Relay `Node` interface and `node(id:)`: any object by its global id, with the
//! same access rules as every other path to it.

use async_graphql::{Context, ID, Interface, Object};
use entity::{membership, post, subgroup};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use policy::Action;

use super::{
    GqlResult, app, caller,
    community::{Community, Membership, Subgroup},
    discussion::{Post, Thread},
    ids::{NodeKind, from_global_any},
    organization::Organization,
    person::Person,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    service::{App, access, community as communities, discussion, organization, person},
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
}

#[derive(Default)]
pub struct NodeQuery;

/// `node(id:)`.
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
        let (kind, id) = from_global_any("id", &id).gql()?;
        resolve(ctx, kind, id).await.and_then(|n| n.ok_or(ServiceError::not_found("node"))).gql()
    }
}

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
        // Reached through `identityProviders`, `mySessions` and `Person.identities`, which
        // check who asks.
        NodeKind::IdentityProvider | NodeKind::Session | NodeKind::Identity => None,
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
