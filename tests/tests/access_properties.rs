//! Property test: in random networks (organizations, communities of every visibility,
//! policy and state, people with random memberships, roles, sponsorships and network
//! roles), nobody reads, lists, counts or finds by id anything their rights do not
//! allow, and everybody reaches everything they do — checked through the GraphQL API
//! against a reference model written independently of the policy.

use std::collections::BTreeSet;

use entity::enums::MembershipStatus;
use harness::TestApp;
use harness::access_model::{Net, STATUSES, build, cases, lists_members, network, reads, sees, slug};
use maillage_api::graphql::ids::{NodeKind, to_global};
use proptest::prelude::*;
use serde_json::{Value, json};

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

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nobody_sees_more_or_less_than_their_rights(net in network()) {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(check(net))?;
    }
}
