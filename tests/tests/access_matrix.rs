//! The access matrix: for every visibility × membership policy, every kind of person ×
//! every action, what the API lets them do matches the table below (the product's rules
//! written out once more, independently of the policy files).

use entity::enums::{CommunityRole, CommunityRoles, MembershipStatus};
use harness::{TestApp, error_code, fixtures, setup};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    Outsider,
    Member,
    Watcher,
    Animator,
    Administrator,
    Applicant,
    Invitee,
    Sponsor,
    NetworkAdmin,
}

const EVERYONE: [Who; 10] = [
    Who::Anonymous,
    Who::Outsider,
    Who::Member,
    Who::Watcher,
    Who::Animator,
    Who::Administrator,
    Who::Applicant,
    Who::Invitee,
    Who::Sponsor,
    Who::NetworkAdmin,
];

const ACTIONS: [&str; 13] = [
    "view",
    "read",
    "post",
    "join",
    "requestToJoin",
    "respondToInvitation",
    "invite",
    "approve",
    "manageMembers",
    "update",
    "archive",
    "assignRoles",
    "managePolicy",
];

/// The reference table.
fn expected(who: Who, visibility: &str, policy: &str, action: &str) -> bool {
    use Who::*;
    let view = match who {
        Anonymous => visibility == "PUBLIC",
        Outsider => visibility != "MEMBERS",
        _ => true,
    };
    if !view {
        return false;
    }
    let no_membership = matches!(who, Outsider | Sponsor | NetworkAdmin);
    match action {
        "view" => true,
        "read" => matches!(who, Member | Watcher | Animator | Administrator | Sponsor),
        "post" => matches!(who, Member | Animator | Administrator),
        "join" => no_membership && policy == "OPEN",
        "requestToJoin" => no_membership && policy == "APPROVAL",
        "respondToInvitation" => who == Invitee,
        "invite" => matches!(who, Animator | Administrator),
        "approve" => matches!(who, Animator | Administrator | Sponsor),
        "manageMembers" | "update" => matches!(who, Animator | Administrator | NetworkAdmin),
        "archive" | "assignRoles" | "managePolicy" => matches!(who, Administrator | NetworkAdmin),
        other => panic!("unknown action {other}"),
    }
}

const QUERY: &str = "query($s: String!) { community(slug: $s) { id threads { totalCount } viewerCan { read post join requestToJoin respondToInvitation invite approve manageMembers update archive assignRoles managePolicy } } }";

async fn observed(app: &TestApp, token: Option<&str>, slug: &str) -> Vec<(&'static str, bool)> {
    let body = app.gql(token, QUERY, json!({ "s": slug })).await;
    let community = &body["data"]["community"];
    if community.is_null() {
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        return ACTIONS.iter().map(|a| (*a, false)).collect();
    }
    let can = &community["viewerCan"];
    let read = !community["threads"].is_null();
    assert_eq!(read, can["read"] == Value::Bool(true), "viewerCan.read agrees with reading: {body}");
    ACTIONS
        .iter()
        .map(|a| match *a {
            "view" => (*a, true),
            "read" => (*a, read),
            other => (*a, can[other] == Value::Bool(true)),
        })
        .collect()
}

#[tokio::test]
async fn role_by_visibility_by_policy_by_action() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin@network.example", None, true).await;
    fixtures::organization(&app, &admin, "cisss").await;
    let partner = fixtures::db_id(&fixtures::organization(&app, &admin, "partner").await);
    let founder = app.token("founder@cisss.example", Some("cisss"), false).await;
    let mut tokens: Vec<(Who, Option<String>, Option<i32>)> = Vec::new();
    for who in EVERYONE {
        let token = match who {
            Who::Anonymous => None,
            Who::NetworkAdmin => Some(admin.clone()),
            other => Some(app.token(&format!("{other:?}@cisss.example").to_lowercase(), Some("cisss"), false).await),
        };
        let id = match &token {
            Some(t) => Some(fixtures::person_id(&app, t).await),
            None => None,
        };
        tokens.push((who, token, id));
    }
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for visibility in ["PUBLIC", "NETWORK", "MEMBERS"] {
        for policy in ["OPEN", "APPROVAL", "INVITATION"] {
            let slug = format!("{}-{}", visibility, policy).to_lowercase();
            let community = fixtures::db_id(&fixtures::community(&app, &founder, &slug, visibility, policy).await);
            for (who, _, id) in &tokens {
                let Some(person) = *id else { continue };
                let with = |roles: &[CommunityRole]| roles.iter().copied().collect::<CommunityRoles>();
                match who {
                    Who::Member => {
                        setup::membership(
                            &app,
                            community,
                            person,
                            with(&[CommunityRole::Member]),
                            MembershipStatus::Active,
                        )
                        .await
                    }
                    Who::Watcher => {
                        setup::membership(
                            &app,
                            community,
                            person,
                            with(&[CommunityRole::Watcher]),
                            MembershipStatus::Active,
                        )
                        .await
                    }
                    Who::Animator => {
                        setup::membership(
                            &app,
                            community,
                            person,
                            with(&[CommunityRole::Animator]),
                            MembershipStatus::Active,
                        )
                        .await
                    }
                    Who::Administrator => {
                        setup::membership(
                            &app,
                            community,
                            person,
                            with(&[CommunityRole::Administrator]),
                            MembershipStatus::Active,
                        )
                        .await
                    }
                    Who::Applicant => {
                        setup::membership(&app, community, person, with(&[]), MembershipStatus::Pending).await
                    }
                    Who::Invitee => {
                        setup::membership(
                            &app,
                            community,
                            person,
                            with(&[CommunityRole::Member]),
                            MembershipStatus::Invited,
                        )
                        .await
                    }
                    Who::Sponsor => setup::participation(&app, community, partner, Some(person)).await,
                    _ => {}
                }
            }
            for (who, token, _) in &tokens {
                for (action, got) in observed(&app, token.as_deref(), &slug).await {
                    checked += 1;
                    if got != expected(*who, visibility, policy, action) {
                        mismatches.push(format!("{who:?} {visibility} {policy} {action}: got {got}"));
                    }
                }
            }
        }
    }
    println!("access matrix: {checked} decisions checked");
    assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
}
