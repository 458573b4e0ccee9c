//! Authorizer speed: a decision from the cache, and a decision casbin computes (the
//! first time a combination of roles, scope kind, attributes, object and action is
//! seen, or after a policy change).
//!
//! Run: `cargo bench -p maillage-policy --bench authorizer`. The policy is the default
//! one (64 rule templates, 12 inheritance lines); memberships never enter casbin, so the
//! figures do not depend on the number of members.

#![expect(clippy::expect_used, reason = "benchmark set-up: a failure aborts the run with its message")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use entity::enums::{CommunityRole, MembershipPolicy, Visibility};
use migration::{Migrator, MigratorTrait};
use policy::{Action, Attrs, Authorizer, Object, Question, Role, Scope};

fn authorizer() -> Authorizer {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        let db = sea_orm::Database::connect("sqlite::memory:").await.expect("sqlite");
        Migrator::up(&db, None).await.expect("migrate");
        Authorizer::load(db).await.expect("load the default policy")
    })
}

fn bench(c: &mut Criterion) {
    let auth = authorizer();
    let member = [Role::Person, Role::CommunityParticipant, Role::Community(CommunityRole::Member)];
    let animator = [
        Role::Person,
        Role::CommunityParticipant,
        Role::Community(CommunityRole::Animator),
        Role::Community(CommunityRole::Mentor),
    ];
    let attrs = Attrs::community(Visibility::Network, MembershipPolicy::Approval, false);
    let post = Question {
        roles: &member,
        scope: Scope::Community(42),
        object: Object::Community,
        action: Action::Post,
        attrs,
    };
    let invite_denied = Question {
        roles: &member,
        scope: Scope::Community(42),
        object: Object::Community,
        action: Action::Invite,
        attrs,
    };
    let approve = Question {
        roles: &animator,
        scope: Scope::Community(7),
        object: Object::Community,
        action: Action::Approve,
        attrs,
    };

    let mut group = c.benchmark_group("authorizer");
    group.bench_function("cached: member posts", |b| b.iter(|| auth.check(black_box(&post))));
    group.bench_function("cached: member may not invite", |b| b.iter(|| auth.check(black_box(&invite_denied))));
    group.bench_function("uncached: member posts", |b| b.iter(|| auth.explain(black_box(&post)).allowed));
    group.bench_function("uncached: member may not invite (every role tried)", |b| {
        b.iter(|| auth.explain(black_box(&invite_denied)).allowed)
    });
    group.bench_function("uncached: animator approves", |b| b.iter(|| auth.explain(black_box(&approve)).allowed));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
