//! `maillage seed`: a synthetic network for benchmarks (deterministic, bulk-inserted).
//!
//! The large preset is the scale the authorization design must hold: 100 organizations,
//! 5,000 communities, 200,000 people, 1,000,000 memberships and 1,000,000 posts. A
//! benchmark person (`bench@seed.example`) is an active member of 20 communities.

use std::time::Instant;

use chrono::Utc;
use entity::{
    community, community_organization,
    enums::{
        CommunityRole, CommunityRoles, CreationMode, InteractionMode, MembershipPolicy, MembershipStatus,
        OrganizationKind, OrganizationRoleKind, ParticipationStatus, RecordStatus, Stage, Visibility,
    },
    membership, organization, organization_role, person, post, thread,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use crate::error::{ServiceError, ServiceResult};
use crate::i18n::Message;

/// How big a network to make.
#[derive(Debug, Clone, Copy)]
pub struct SeedSize {
    pub organizations: usize,
    pub communities: usize,
    pub people: usize,
    pub memberships: usize,
    pub posts: usize,
}

impl SeedSize {
    /// The scale the benchmarks are reported at.
    pub const LARGE: SeedSize =
        SeedSize { organizations: 100, communities: 5_000, people: 200_000, memberships: 1_000_000, posts: 1_000_000 };
    /// A quick one for trying things out.
    pub const SMALL: SeedSize =
        SeedSize { organizations: 10, communities: 200, people: 2_000, memberships: 10_000, posts: 10_000 };
}

/// The e-mail of the benchmark person.
pub const BENCH_EMAIL: &str = "bench@seed.example";
/// Memberships of the benchmark person.
const BENCH_MEMBERSHIPS: usize = 20;
/// Rows per INSERT (well under SQLite's and PostgreSQL's parameter limits).
const BATCH: usize = 1_000;
/// Posts per thread.
const POSTS_PER_THREAD: usize = 10;

/// A small deterministic generator (xorshift64*), so every seed is the same network.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
}

fn id(i: usize) -> i32 {
    i32::try_from(i + 1).unwrap_or(i32::MAX)
}

async fn insert_batches<E, I>(db: &DatabaseConnection, rows: I) -> ServiceResult<usize>
where
    E: EntityTrait,
    I: IntoIterator<Item = E::ActiveModel>,
{
    let mut count = 0;
    let mut batch = Vec::with_capacity(BATCH);
    let txn = crate::db::begin_write(db).await?;
    for row in rows {
        batch.push(row);
        if batch.len() == BATCH {
            count += batch.len();
            E::insert_many(std::mem::take(&mut batch)).exec(&txn).await?;
        }
    }
    if !batch.is_empty() {
        count += batch.len();
        E::insert_many(batch).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(count)
}

/// Seeds an empty database (ids are assigned from 1, so it refuses a database that
/// already has people or communities).
pub async fn seed(db: &DatabaseConnection, size: SeedSize) -> ServiceResult<String> {
    if person::Entity::find().one(db).await?.is_some() || community::Entity::find().one(db).await?.is_some() {
        return Err(ServiceError::Conflict {
            field: "database".into(),
            message: Message::verbatim("seed needs an empty database (people or communities already exist)"),
        });
    }
    if size.communities < BENCH_MEMBERSHIPS || size.people == 0 || size.organizations == 0 {
        return Err(ServiceError::bad_input(
            "size",
            Message::verbatim(format!("at least {BENCH_MEMBERSHIPS} communities, one person and one organization")),
        ));
    }
    let started = Instant::now();
    let now = Utc::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    insert_batches::<organization::Entity, _>(
        db,
        (0..size.organizations).map(|i| organization::ActiveModel {
            id: Set(id(i)),
            slug: Set(format!("seed-org-{i}")),
            name: Set(format!("Organization {i}")),
            kind: Set(OrganizationKind::HealthAndSocialServicesCentre),
            sector: Set(Some("Santé et services sociaux".into())),
            region: Set(Some(format!("Region {}", i % 17))),
            status: Set(RecordStatus::Active),
            allowed_return_urls: Set(None),
            trusted_documents_required: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            translated_into: Set(String::new()),
        }),
    )
    .await?;

    // People 1..=N; the benchmark person is N+1.
    let people = size.people;
    insert_batches::<person::Entity, _>(
        db,
        (0..=people).map(|i| person::ActiveModel {
            id: Set(id(i)),
            display_name: Set(if i == people { "Bench".into() } else { format!("Person {i}") }),
            email: Set(if i == people { BENCH_EMAIL.into() } else { format!("person{i}@seed.example") }),
            job_title: Set(Some("Professionnel".into())),
            profession: Set(Some(["Soins infirmiers", "Travail social", "Épidémiologie"][i % 3].into())),
            organization_id: Set(Some(id(i % size.organizations))),
            status: Set(RecordStatus::Active),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }),
    )
    .await?;
    insert_batches::<organization_role::Entity, _>(
        db,
        (0..size.organizations).map(|o| organization_role::ActiveModel {
            person_id: Set(id(o)),
            organization_id: Set(id(o)),
            role: Set(OrganizationRoleKind::Manager),
            created_at: Set(now),
            ..Default::default()
        }),
    )
    .await?;

    let visibilities = [Visibility::Public, Visibility::Network, Visibility::Network, Visibility::Members];
    let policies = [MembershipPolicy::Open, MembershipPolicy::Approval, MembershipPolicy::Invitation];
    insert_batches::<community::Entity, _>(
        db,
        (0..size.communities).map(|c| community::ActiveModel {
            id: Set(id(c)),
            slug: Set(format!("seed-cop-{c}")),
            name: Set(format!("Community of practice {c}")),
            description: Set("A synthetic community of practice.".into()),
            field_of_knowledge: Set(Some(format!("Field {}", c % 50))),
            visibility: Set(visibilities[c % visibilities.len()]),
            membership_policy: Set(policies[c % policies.len()]),
            creation_mode: Set(CreationMode::Spontaneous),
            interaction_mode: Set(InteractionMode::Virtual),
            stage: Set(Stage::Maturing),
            archived: Set(false),
            eligibility: Set(serde_json::json!({})),
            sponsor_approval_required: Set(c % 5 == 0),
            open_to_all_organizations: Set(true),
            created_by: Set(Some(id(c % people))),
            created_at: Set(now),
            updated_at: Set(now),
            translated_into: Set(String::new()),
        }),
    )
    .await?;
    insert_batches::<community_organization::Entity, _>(
        db,
        (0..size.communities).flat_map(|c| {
            let orgs = [c % size.organizations, (c * 7 + 1) % size.organizations];
            let distinct = if orgs[0] == orgs[1] { 1 } else { 2 };
            orgs.into_iter().take(distinct).map(move |o| community_organization::ActiveModel {
                community_id: Set(id(c)),
                organization_id: Set(id(o)),
                sponsor_id: Set(Some(id(o))),
                status: Set(ParticipationStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
        }),
    )
    .await?;

    // Memberships: the benchmark person's 20, each community's animator, then random.
    let member = CommunityRoles::default().with(CommunityRole::Member).0;
    let animator = [CommunityRole::Founder, CommunityRole::Animator].into_iter().collect::<CommunityRoles>().0;
    let mut pairs = std::collections::HashSet::with_capacity(size.memberships + size.communities);
    let mut rows = Vec::with_capacity(size.memberships + size.communities + BENCH_MEMBERSHIPS);
    let mut push =
        |community: usize, person: usize, roles: i64, pairs: &mut std::collections::HashSet<(usize, usize)>| {
            if pairs.insert((community, person)) {
                rows.push((community, person, roles));
            }
        };
    for k in 0..BENCH_MEMBERSHIPS {
        push(k * (size.communities / BENCH_MEMBERSHIPS), people, member, &mut pairs);
    }
    for c in 0..size.communities {
        push(c, c % people, animator, &mut pairs);
    }
    let mut attempts = 0;
    while pairs.len() < size.memberships + size.communities + BENCH_MEMBERSHIPS && attempts < size.memberships * 3 {
        attempts += 1;
        push(rng.below(size.communities), rng.below(people), member, &mut pairs);
    }
    let membership_count = rows.len();
    let mut animators = vec![0i32; size.communities];
    for (c, p, roles) in &rows {
        if *roles == animator {
            animators[*c] = id(*p);
        }
    }
    insert_batches::<membership::Entity, _>(
        db,
        rows.into_iter().map(|(c, p, roles)| membership::ActiveModel {
            community_id: Set(id(c)),
            person_id: Set(id(p)),
            roles: Set(roles),
            status: Set(MembershipStatus::Active),
            banned: Set(false),
            animator_approved: Set(true),
            sponsor_approved: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }),
    )
    .await?;

    let threads = size.posts.div_ceil(POSTS_PER_THREAD).max(size.communities);
    insert_batches::<thread::Entity, _>(
        db,
        (0..threads).map(|t| thread::ActiveModel {
            id: Set(id(t)),
            community_id: Set(id(t % size.communities)),
            subgroup_id: Set(None),
            author_id: Set(animators[t % size.communities]),
            title: Set(format!("Thread {t}")),
            body: Set("What have you tried?".into()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }),
    )
    .await?;
    insert_batches::<post::Entity, _>(
        db,
        (0..size.posts).map(|p| post::ActiveModel {
            thread_id: Set(id(p % threads)),
            author_id: Set(id(p % people)),
            body: Set(format!("Reply {p}: here is what worked for our team.")),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }),
    )
    .await?;
    reset_sequences(db).await?;
    let bench = person::Entity::find().filter(person::Column::Email.eq(BENCH_EMAIL)).one(db).await?.map(|p| p.id);
    Ok(format!(
        "seeded {} organizations, {} communities, {} people, {membership_count} memberships, {threads} threads and {} posts in {:.1} s; benchmark person: {BENCH_EMAIL} (id {})",
        size.organizations,
        size.communities,
        people + 1,
        size.posts,
        started.elapsed().as_secs_f64(),
        bench.unwrap_or_default()
    ))
}

/// PostgreSQL sequences do not move when ids are given explicitly: set them past the
/// seeded rows so later inserts get fresh ids. (SQLite needs nothing.)
async fn reset_sequences(db: &DatabaseConnection) -> ServiceResult<()> {
    use sea_orm::ConnectionTrait;
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(());
    }
    for table in ["organization", "person", "community", "thread"] {
        db.execute_unprepared(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
        ))
        .await?;
    }
    Ok(())
}
