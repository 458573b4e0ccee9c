//! The access property tests' random networks and their reference model, written
//! independently of the policy: organizations, communities of every visibility, policy and
//! state, people with random memberships, roles, sponsorships and network roles. Each content
//! type's property test (`tests/tests/access_properties*.rs`) builds on these.

use entity::enums::{CommunityRole, CommunityRoles, MembershipStatus};
use proptest::prelude::*;
use serde_json::Value;

use crate::{TestApp, fixtures, setup};

pub const VISIBILITIES: [&str; 3] = ["PUBLIC", "NETWORK", "MEMBERS"];
pub const POLICIES: [&str; 3] = ["OPEN", "APPROVAL", "INVITATION"];
pub const STATUSES: [MembershipStatus; 6] = [
    MembershipStatus::Active,
    MembershipStatus::Pending,
    MembershipStatus::Invited,
    MembershipStatus::Left,
    MembershipStatus::Removed,
    MembershipStatus::Denied,
];

#[derive(Debug, Clone)]
pub struct Community {
    pub visibility: usize,
    pub policy: usize,
    pub archived: bool,
    /// Index of the organization taking part with a sponsor (a person index).
    pub sponsor: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub network_admin: bool,
    /// Per community: None, or (status index, role index).
    pub memberships: Vec<Option<(usize, usize)>>,
}

#[derive(Debug, Clone)]
pub struct Net {
    pub communities: Vec<Community>,
    pub people: Vec<Person>,
}

pub fn network() -> impl Strategy<Value = Net> {
    (1usize..5, 1usize..5).prop_flat_map(|(n_communities, n_people)| {
        let community =
            (0usize..3, 0usize..3, proptest::bool::weighted(0.2), proptest::option::weighted(0.3, 0..n_people))
                .prop_map(|(visibility, policy, archived, sponsor)| Community {
                    visibility,
                    policy,
                    archived,
                    sponsor,
                });
        let person = (
            proptest::bool::weighted(0.1),
            proptest::collection::vec(
                proptest::option::weighted(0.6, (0usize..STATUSES.len(), 0usize..9)),
                n_communities,
            ),
        )
            .prop_map(|(network_admin, memberships)| Person { network_admin, memberships });
        (proptest::collection::vec(community, n_communities), proptest::collection::vec(person, n_people))
            .prop_map(|(communities, people)| Net { communities, people })
    })
}

/// The reference model: may `viewer` (None: anonymous) know community `c` exists?
pub fn sees(net: &Net, viewer: Option<usize>, c: usize) -> bool {
    let community = &net.communities[c];
    let Some(v) = viewer else { return VISIBILITIES[community.visibility] == "PUBLIC" };
    let person = &net.people[v];
    let status = person.memberships[c].map(|(s, _)| STATUSES[s]);
    person.network_admin
        || VISIBILITIES[community.visibility] != "MEMBERS"
        || matches!(status, Some(MembershipStatus::Active | MembershipStatus::Invited | MembershipStatus::Pending))
        || sponsors(net, v, c)
}

/// Does person `v` sponsor community `c`? Only while the community has not removed (or
/// banned) them: a removal wins over the sponsor tie.
pub fn sponsors(net: &Net, v: usize, c: usize) -> bool {
    let removed = net.people[v].memberships[c].is_some_and(|(s, _)| STATUSES[s] == MembershipStatus::Removed);
    net.communities[c].sponsor == Some(v) && !removed
}

/// …and list its members (the default policy: anyone logged in in a PUBLIC or NETWORK
/// community, its active members and sponsors, network administrators)?
pub fn lists_members(net: &Net, viewer: Option<usize>, c: usize) -> bool {
    let Some(v) = viewer else { return false };
    let active = net.people[v].memberships[c].is_some_and(|(s, _)| STATUSES[s] == MembershipStatus::Active);
    net.people[v].network_admin
        || VISIBILITIES[net.communities[c].visibility] != "MEMBERS"
        || active
        || sponsors(net, v, c)
}

/// …and read its discussions?
pub fn reads(net: &Net, viewer: Option<usize>, c: usize) -> bool {
    let Some(v) = viewer else { return false };
    let active = net.people[v].memberships[c].is_some_and(|(s, _)| STATUSES[s] == MembershipStatus::Active);
    active || sponsors(net, v, c)
}

pub fn slug(c: usize) -> String {
    format!("cop-{c}")
}

pub async fn build(app: &TestApp, net: &Net) -> (Vec<Option<String>>, Vec<i32>, Vec<Value>) {
    let admin = app.token("root@network.example", None, true).await;
    let founder = app.token("founder@network.example", None, false).await;
    let mut tokens = Vec::new();
    let mut person_ids = Vec::new();
    for (i, p) in net.people.iter().enumerate() {
        let token = app.token(&format!("p{i}@network.example"), None, p.network_admin).await;
        person_ids.push(fixtures::person_id(app, &token).await);
        tokens.push(Some(token));
    }
    let mut community_ids = Vec::new();
    for (c, community) in net.communities.iter().enumerate() {
        let id = fixtures::community(
            app,
            &founder,
            &slug(c),
            VISIBILITIES[community.visibility],
            POLICIES[community.policy],
        )
        .await;
        fixtures::thread(app, &founder, &id, "Minutes").await;
        let org = fixtures::db_id(&fixtures::organization(app, &admin, &format!("org-{c}")).await);
        setup::participation(app, fixtures::db_id(&id), org, community.sponsor.map(|p| person_ids[p])).await;
        for (p, person) in net.people.iter().enumerate() {
            if let Some((status, role)) = person.memberships[c] {
                let roles: CommunityRoles = [CommunityRole::ALL[role]].into_iter().collect();
                setup::membership(app, fixtures::db_id(&id), person_ids[p], roles, STATUSES[status]).await;
            }
        }
        if community.archived {
            sea_orm::ConnectionTrait::execute_unprepared(
                &app.db,
                &format!("UPDATE community SET archived = true WHERE id = {}", fixtures::db_id(&id)),
            )
            .await
            .expect("archive");
        }
        community_ids.push(id);
    }
    tokens.push(None);
    (tokens, person_ids, community_ids)
}

/// How many random networks a property test draws (`ACCESS_PROPERTY_CASES`, default 200).
pub fn cases() -> u32 {
    std::env::var("ACCESS_PROPERTY_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

/// A subgroup of a community in a random network: whether only its own members may see
/// it (`MEMBERS`) or every participant of the community (`COMMUNITY`), and who belongs.
#[derive(Debug, Clone)]
pub struct Sub {
    pub members_only: bool,
    /// Per person: a member of the subgroup?
    pub members: Vec<bool>,
}

/// A random network with one subgroup per community.
pub fn network_with_subgroups() -> impl Strategy<Value = (Net, Vec<Sub>)> {
    network().prop_flat_map(|net| {
        let sub = (proptest::bool::ANY, proptest::collection::vec(proptest::bool::weighted(0.3), net.people.len()))
            .prop_map(|(members_only, members)| Sub { members_only, members });
        let n = net.communities.len();
        (Just(net), proptest::collection::vec(sub, n))
    })
}

/// Is person `v` an active member of community `c`?
pub fn active(net: &Net, v: usize, c: usize) -> bool {
    net.people[v].memberships[c].is_some_and(|(s, _)| STATUSES[s] == MembershipStatus::Active)
}

/// Does person `v` hold an animating role (founder, administrator, animator) as an
/// active member of community `c`?
pub fn animates(net: &Net, v: usize, c: usize) -> bool {
    active(net, v, c)
        && net.people[v].memberships[c].is_some_and(|(_, r)| {
            matches!(
                CommunityRole::ALL[r],
                CommunityRole::Founder | CommunityRole::Administrator | CommunityRole::Animator
            )
        })
}

/// May `viewer` see community `c`'s subgroup and read its threads? Only who reads the
/// community's discussions, and then: the subgroup's own members; for a `COMMUNITY`
/// subgroup, every active member; for a `MEMBERS` one, its animators too. A sponsor
/// reads the community, not its subgroups, unless a member of one.
pub fn reads_subgroup(net: &Net, subs: &[Sub], viewer: Option<usize>, c: usize) -> bool {
    let Some(v) = viewer else { return false };
    reads(net, viewer, c)
        && (subs[c].members[v] || (active(net, v, c) && (!subs[c].members_only || animates(net, v, c))))
}

/// The discussion content of a community in a random network (database ids): its thread
/// (the one [`build`] made) with a reply, and its subgroup with a thread and a reply.
#[derive(Debug, Clone, Copy)]
pub struct Discussion {
    pub thread: i32,
    pub post: i32,
    pub subgroup: i32,
    pub subgroup_thread: i32,
    pub subgroup_post: i32,
}

/// Adds to each community of a network built by [`build`] a reply to its thread and a
/// subgroup as `subs` describes, with a thread and a reply.
pub async fn build_discussions(
    app: &TestApp,
    subs: &[Sub],
    person_ids: &[i32],
    community_ids: &[Value],
) -> Vec<Discussion> {
    use entity::{
        enums::{SubgroupKind, SubgroupVisibility},
        post, subgroup, thread,
    };
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

    let now = chrono::Utc::now();
    let author = person_ids.first().copied().unwrap_or(1);
    let reply = |thread_id: i32| post::ActiveModel {
        thread_id: Set(thread_id),
        author_id: Set(author),
        body: Set("Reply".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let mut made = Vec::new();
    for (c, community) in community_ids.iter().enumerate() {
        let community_id = fixtures::db_id(community);
        let thread = thread::Entity::find()
            .filter(thread::Column::CommunityId.eq(community_id))
            .one(&app.db)
            .await
            .expect("read thread")
            .expect("the community's thread");
        let post = reply(thread.id).insert(&app.db).await.expect("insert post");
        let subgroup = subgroup::ActiveModel {
            community_id: Set(community_id),
            name: Set(format!("Group {c}")),
            description: Set(String::new()),
            kind: Set(SubgroupKind::WorkingGroup),
            visibility: Set(if subs[c].members_only {
                SubgroupVisibility::Members
            } else {
                SubgroupVisibility::Community
            }),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert subgroup");
        for (p, member) in subs[c].members.iter().enumerate() {
            if *member {
                crate::setup::subgroup_member(app, subgroup.id, person_ids[p]).await;
            }
        }
        let subgroup_thread = thread::ActiveModel {
            community_id: Set(community_id),
            subgroup_id: Set(Some(subgroup.id)),
            author_id: Set(author),
            title: Set("Group notes".to_owned()),
            body: Set("Notes".to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert subgroup thread");
        let subgroup_post = reply(subgroup_thread.id).insert(&app.db).await.expect("insert subgroup post");
        made.push(Discussion {
            thread: thread.id,
            post: post.id,
            subgroup: subgroup.id,
            subgroup_thread: subgroup_thread.id,
            subgroup_post: subgroup_post.id,
        });
    }
    made
}
