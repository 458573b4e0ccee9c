//! Property test: in random networks (organizations, communities of every visibility,
//! policy and state, people with random memberships, roles, sponsorships and network
//! roles), nobody reads, lists, counts or finds by id anything their rights do not
//! allow, and everybody reaches everything they do — checked through the GraphQL API
//! against a reference model written independently of the policy.

use std::collections::BTreeSet;

use entity::enums::{CommunityRole, CommunityRoles, MembershipStatus};
use harness::{TestApp, fixtures, setup};
use maillage_api::graphql::ids::{NodeKind, to_global};
use proptest::prelude::*;
use serde_json::{Value, json};

const VISIBILITIES: [&str; 3] = ["PUBLIC", "NETWORK", "MEMBERS"];
const POLICIES: [&str; 3] = ["OPEN", "APPROVAL", "INVITATION"];
const STATUSES: [MembershipStatus; 6] = [
    MembershipStatus::Active,
    MembershipStatus::Pending,
    MembershipStatus::Invited,
    MembershipStatus::Left,
    MembershipStatus::Removed,
    MembershipStatus::Denied,
];

#[derive(Debug, Clone)]
struct Community {
    visibility: usize,
    policy: usize,
    archived: bool,
    /// Index of the organization taking part with a sponsor (a person index).
    sponsor: Option<usize>,
}

#[derive(Debug, Clone)]
struct Person {
    network_admin: bool,
    /// Per community: None, or (status index, role index).
    memberships: Vec<Option<(usize, usize)>>,
}

#[derive(Debug, Clone)]
struct Net {
    communities: Vec<Community>,
    people: Vec<Person>,
}

fn network() -> impl Strategy<Value = Net> {
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
fn sees(net: &Net, viewer: Option<usize>, c: usize) -> bool {
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
fn sponsors(net: &Net, v: usize, c: usize) -> bool {
    let removed = net.people[v].memberships[c].is_some_and(|(s, _)| STATUSES[s] == MembershipStatus::Removed);
    net.communities[c].sponsor == Some(v) && !removed
}

/// …and list its members (the default policy: anyone logged in in a PUBLIC or NETWORK
/// community, its active members and sponsors, network administrators)?
fn lists_members(net: &Net, viewer: Option<usize>, c: usize) -> bool {
    let Some(v) = viewer else { return false };
    let active = net.people[v].memberships[c].is_some_and(|(s, _)| STATUSES[s] == MembershipStatus::Active);
    net.people[v].network_admin
        || VISIBILITIES[net.communities[c].visibility] != "MEMBERS"
        || active
        || sponsors(net, v, c)
}

/// …and read its discussions?
fn reads(net: &Net, viewer: Option<usize>, c: usize) -> bool {
    let Some(v) = viewer else { return false };
    let active = net.people[v].memberships[c].is_some_and(|(s, _)| STATUSES[s] == MembershipStatus::Active);
    active || sponsors(net, v, c)
}

fn slug(c: usize) -> String {
    format!("cop-{c}")
}

async fn build(app: &TestApp, net: &Net) -> (Vec<Option<String>>, Vec<i32>, Vec<Value>) {
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

const LIST: &str =
    "{ communities(first: 100, filter: { includeArchived: true }) { totalCount edges { node { slug } } } }";
const BY_SLUG: &str = "query($s: String!) { community(slug: $s) { id threads { totalCount } } }";
const BY_ID: &str = "query($id: ID!) { node(id: $id) { id } }";
const BY_IDS: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { id } }";
const MY_MEMBERSHIPS: &str = "{ me { memberships(first: 100) { edges { node { status community { slug } } } } } }";
const MEMBERSHIPS: &str = "query($id: ID!) { node(id: $id) { ... on Person { memberships(first: 100) { totalCount edges { node { community { slug } } } } } } }";

async fn check(net: Net) -> Result<(), TestCaseError> {
    let app = TestApp::spawn().await;
    let (tokens, person_ids, community_ids) = build(&app, &net).await;
    let n = net.communities.len();
    for (v, token) in tokens.iter().enumerate() {
        let viewer = (v < net.people.len()).then_some(v);
        let token = token.as_deref();
        let expected: BTreeSet<String> = (0..n).filter(|c| sees(&net, viewer, *c)).map(slug).collect();
        let listed = app.ok(token, LIST, json!({})).await;
        let got: BTreeSet<String> = listed["communities"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["node"]["slug"].as_str().map(str::to_owned))
            .collect();
        prop_assert_eq!(&got, &expected, "list for viewer {:?} in {:?}", viewer, net);
        prop_assert_eq!(listed["communities"]["totalCount"].as_u64(), Some(expected.len() as u64));
        for (c, community_id) in community_ids.iter().enumerate() {
            let body = app.gql(token, BY_SLUG, json!({ "s": slug(c) })).await;
            let found = !body["data"]["community"].is_null();
            prop_assert_eq!(found, sees(&net, viewer, c), "community(slug) {} for {:?}: {}", c, viewer, body);
            if found {
                let readable = !body["data"]["community"]["threads"].is_null();
                prop_assert_eq!(readable, reads(&net, viewer, c), "threads of {} for {:?}: {}", c, viewer, body);
            } else {
                prop_assert_eq!(body["errors"][0]["extensions"]["code"].as_str(), Some("NOT_FOUND"));
            }
            let body = app.gql(token, BY_ID, json!({ "id": community_id })).await;
            prop_assert_eq!(!body["data"]["node"].is_null(), sees(&net, viewer, c), "node {} for {:?}", c, viewer);
        }
        // `nodes(ids:)` answers as `node(id:)` does, id by id, in one request (and an id
        // that exists nowhere reads like a hidden one).
        let mut ids: Vec<Value> = community_ids.iter().rev().cloned().collect();
        ids.push(json!(to_global(NodeKind::Community, 999_999).0));
        let body = app.ok(token, BY_IDS, json!({ "ids": ids })).await;
        let answered: Vec<bool> = body["nodes"].as_array().into_iter().flatten().map(|n| !n.is_null()).collect();
        let mut expected: Vec<bool> = (0..n).rev().map(|c| sees(&net, viewer, c)).collect();
        expected.push(false);
        prop_assert_eq!(answered, expected, "nodes for {:?}: {}", viewer, body);
        // Relations lead to a community only through the visibility filter: the viewer's
        // own memberships, whatever their status (left, removed, denied…), name the
        // community only while the viewer may still see it.
        if let Some(v) = viewer {
            let body = app.ok(token, MY_MEMBERSHIPS, json!({})).await;
            let mine: Vec<&Value> =
                body["me"]["memberships"]["edges"].as_array().into_iter().flatten().map(|e| &e["node"]).collect();
            let held = (0..n).filter(|c| net.people[v].memberships[*c].is_some()).count();
            prop_assert_eq!(mine.len(), held, "own memberships of {}: {}", v, body);
            let named: BTreeSet<String> =
                mine.iter().filter_map(|m| m["community"]["slug"].as_str().map(str::to_owned)).collect();
            let expected: BTreeSet<String> = (0..n)
                .filter(|c| net.people[v].memberships[*c].is_some() && sees(&net, viewer, *c))
                .map(slug)
                .collect();
            prop_assert_eq!(&named, &expected, "communities named by the memberships of {}: {}", v, body);
        }
        // Other people's memberships: active ones, of communities the viewer sees and may
        // list the members of (an invitee or applicant of a secret community may not).
        if let Some(v) = viewer {
            for (p, person) in net.people.iter().enumerate() {
                if p == v || net.people[v].network_admin {
                    continue;
                }
                let id =
                    maillage_api::graphql::ids::to_global(maillage_api::graphql::ids::NodeKind::Person, person_ids[p]);
                let body = app.ok(token, MEMBERSHIPS, json!({ "id": id.0 })).await;
                let expected = (0..n)
                    .filter(|c| {
                        person.memberships[*c].is_some_and(|(s, _)| STATUSES[s] == MembershipStatus::Active)
                            && sees(&net, viewer, *c)
                            && lists_members(&net, viewer, *c)
                    })
                    .count();
                prop_assert_eq!(
                    body["node"]["memberships"]["totalCount"].as_u64(),
                    Some(expected as u64),
                    "memberships of {} seen by {}: {}",
                    p,
                    v,
                    body
                );
            }
        }
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("ACCESS_PROPERTY_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nobody_sees_more_or_less_than_their_rights(net in network()) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(check(net))?;
    }
}
