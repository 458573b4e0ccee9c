//! The default policy answers the questions the product depends on, and policy changes
//! take effect on reload.

#![expect(clippy::expect_used, reason = "test helpers: a failed call is a failed test")]

use entity::enums::{CommunityRole, MembershipPolicy, NetworkRoleKind, OrganizationRoleKind, Visibility};
use migration::{Migrator, MigratorTrait};
use policy::{Action, Attrs, Authorizer, Object, Question, Role, Rule, Scope, store};
use sea_orm::{Database, DatabaseConnection};

async fn db() -> DatabaseConnection {
    let db = Database::connect("sqlite::memory:").await.expect("sqlite");
    Migrator::up(&db, None).await.expect("migrate");
    db
}

fn community(vis: Visibility, pol: MembershipPolicy) -> Attrs {
    Attrs::community(vis, pol, false)
}

fn ask(auth: &Authorizer, roles: &[Role], scope: Scope, object: Object, action: Action, attrs: Attrs) -> bool {
    auth.check(&Question { roles, scope, object, action, attrs })
}

#[tokio::test]
async fn visibility_follows_the_default_policy() {
    let auth = Authorizer::load(db().await).await.expect("load");
    let c = Scope::Community(1);
    let view = |roles: &[Role], vis| {
        ask(&auth, roles, c, Object::Community, Action::View, community(vis, MembershipPolicy::Open))
    };
    assert!(view(&[Role::Anonymous], Visibility::Public));
    assert!(!view(&[Role::Anonymous], Visibility::Network));
    assert!(view(&[Role::Person], Visibility::Network));
    assert!(!view(&[Role::Person], Visibility::Members));
    assert!(view(&[Role::Person, Role::CommunityParticipant], Visibility::Members));
    assert!(view(&[Role::Person, Role::CommunityInvitee], Visibility::Members));
    assert!(view(&[Role::Person, Role::Network(NetworkRoleKind::Admin)], Visibility::Members));
}

#[tokio::test]
async fn inheritance_and_differentiated_roles() {
    let auth = Authorizer::load(db().await).await.expect("load");
    let c = Scope::Community(7);
    let attrs = community(Visibility::Network, MembershipPolicy::Approval);
    let animator = [Role::Person, Role::CommunityParticipant, Role::Community(CommunityRole::Animator)];
    let watcher = [Role::Person, Role::CommunityParticipant, Role::Community(CommunityRole::Watcher)];
    assert!(ask(&auth, &animator, c, Object::Community, Action::Post, attrs), "an animator can do what a member can");
    assert!(ask(&auth, &animator, c, Object::Community, Action::Approve, attrs));
    assert!(!ask(&auth, &animator, c, Object::Community, Action::ManagePolicy, attrs));
    assert!(ask(&auth, &watcher, c, Object::Community, Action::Read, attrs));
    assert!(!ask(&auth, &watcher, c, Object::Community, Action::Post, attrs), "a watcher reads without posting");
    let archived = Attrs::community(Visibility::Network, MembershipPolicy::Approval, true);
    assert!(!ask(&auth, &animator, c, Object::Community, Action::Post, archived), "archived is read-only");
}

#[tokio::test]
async fn joining_depends_on_the_membership_policy() {
    let auth = Authorizer::load(db().await).await.expect("load");
    let c = Scope::Community(3);
    for (pol, join, request) in [
        (MembershipPolicy::Open, true, false),
        (MembershipPolicy::Approval, false, true),
        (MembershipPolicy::Invitation, false, false),
    ] {
        let attrs = community(Visibility::Network, pol);
        assert_eq!(ask(&auth, &[Role::Person], c, Object::Community, Action::Join, attrs), join, "{pol:?}");
        assert_eq!(ask(&auth, &[Role::Person], c, Object::Community, Action::Request, attrs), request, "{pol:?}");
    }
}

#[tokio::test]
async fn a_role_granted_in_another_kind_of_scope_counts_for_nothing() {
    let auth = Authorizer::load(db().await).await.expect("load");
    let attrs = community(Visibility::Network, MembershipPolicy::Open);
    let org_admin = [Role::Person, Role::Organization(OrganizationRoleKind::Admin)];
    assert!(!ask(&auth, &org_admin, Scope::Community(1), Object::Community, Action::Update, attrs));
    assert!(ask(&auth, &org_admin, Scope::Organization(1), Object::Organization, Action::NameSponsor, Attrs::NONE));
    let sneaky = Rule::Permission(
        ["organization:MEMBER", "community:*", "community", "post", "*", "*", "*", "allow"].map(String::from).to_vec(),
    );
    assert!(sneaky.validate().is_err(), "such a rule cannot even be written");
}

#[tokio::test]
async fn overrides_for_one_community_and_reloads() {
    let db = db().await;
    let auth = Authorizer::load(db.clone()).await.expect("load");
    let attrs = community(Visibility::Network, MembershipPolicy::Open);
    let member = [Role::Person, Role::CommunityParticipant, Role::Community(CommunityRole::Member)];
    assert!(ask(&auth, &member, Scope::Community(42), Object::Community, Action::Post, attrs));

    let deny = Rule::permission(
        Role::Community(CommunityRole::Member),
        "community:42",
        Object::Community,
        Action::Post,
        false,
    );
    assert!(store::add(&db, &deny).await.expect("add"));
    assert!(auth.refresh_if_stale().await.expect("refresh"));
    assert!(!ask(&auth, &member, Scope::Community(42), Object::Community, Action::Post, attrs));
    assert!(ask(&auth, &member, Scope::Community(43), Object::Community, Action::Post, attrs), "only community 42");
    let why = auth.explain(&Question {
        roles: &member,
        scope: Scope::Community(42),
        object: Object::Community,
        action: Action::Post,
        attrs,
    });
    assert!(!why.allowed);
    assert!(why.reason.contains("denied by rule") && why.reason.contains("community:42"), "{}", why.reason);
    let allowed = auth.explain(&Question {
        roles: &member,
        scope: Scope::Community(43),
        object: Object::Community,
        action: Action::Post,
        attrs,
    });
    assert_eq!(allowed.rule.as_deref(), Some("p, community:MEMBER, community:*, community, post, *, *, active, allow"));
    assert!(!auth.refresh_if_stale().await.expect("refresh"), "nothing new");
}
