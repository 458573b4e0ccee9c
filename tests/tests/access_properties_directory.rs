//! Property test of the directory, who knows what and mentions (issue 14, items 2, 5
//! and 8): in random networks (`harness::access_model`: communities of every visibility
//! with subgroups, memberships of every status, sponsors, network administrators) where
//! people also belong to organizations (some administer one) and each chooses who sees
//! each field of their profile (NETWORK, COMMUNITIES, PRIVATE), every viewer — anonymous
//! or each person — is checked against a reference model written independently of the
//! service:
//!
//! - `people(…)` and `node(id:)` show a field only to whom its visibility allows (e-mail
//!   addresses also to administrators of the person's organizations and of the network);
//!   a filter or a search never matches through a field hidden from the viewer, and a
//!   community the viewer may not list the members of matches nobody, exactly as an id
//!   that does not exist; `totalCount` agrees;
//! - `Person.sharedCommunities` lists exactly the communities both take part in;
//! - `Person.expertise` (tags, scores, order, evidence) is what the activity the viewer
//!   may read gives, nothing more: a secret community, a members-only subgroup or a
//!   member list the viewer may not see adds no point, no tag, no spelling of a tag and
//!   no evidence;
//! - a mention stores a mention (what notifications read) only for people who may read
//!   the thread, and the author's answer is the same whoever may read it; a malformed
//!   mention is `BAD_USER_INPUT` naming `mentions`, writing nothing.

use std::collections::{BTreeMap, BTreeSet};

use entity::enums::{CommunityRole, ThreadKind};
use harness::access_model::{
    Net, Sub, active, build, build_discussions, cases, lists_members, network_with_subgroups, reads, reads_subgroup,
    sees,
};
use harness::{TestApp, error_code, error_field, fixtures, setup};
use maillage_api::graphql::ids::{NodeKind, to_global};
use proptest::prelude::*;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// The profile fields, in the order of [`Profile::visibility`].
const FIELDS: [&str; 6] = ["JOB_TITLE", "PROFESSION", "REGION", "LANGUAGES", "EXPERTISE", "EMAIL"];
const JOB_TITLE: usize = 0;
const PROFESSION: usize = 1;
const REGION: usize = 2;
const LANGUAGES: usize = 3;
const EXPERTISE: usize = 4;
const EMAIL: usize = 5;
const VISIBILITY: [&str; 3] = ["NETWORK", "COMMUNITIES", "PRIVATE"];
const TITLES: [&str; 2] = ["Conseillère clinique", "Chef de service"];
const PROFESSIONS: [&str; 3] = ["Infirmière", "infirmière", "Travailleuse sociale"];
const REGIONS: [&str; 2] = ["Montérégie", "Estrie"];
const LANGS: [&str; 2] = ["fr-CA", "en"];
const TAGS: [&str; 3] = ["Plaies", "Diabète", "sécurité culturelle"];
const EXPERTISE_TEXT: &str = "Soins de plaies complexes";
/// Fields of knowledge of communities: two spellings of one tag, and another.
const DOMAINS: [&str; 3] = ["Plaies", "PLAIES", "Diabète"];
/// The home organizations people may belong to (besides those `build` makes).
const HOMES: usize = 2;

/// What a person of the network says of themselves, and who sees it.
#[derive(Debug, Clone)]
struct Profile {
    home: Option<usize>,
    /// The home organization (index) whose administrator they are.
    admin_of: Option<usize>,
    /// Per field of [`FIELDS`]: an index of [`VISIBILITY`].
    visibility: [usize; 6],
    job_title: Option<usize>,
    profession: Option<usize>,
    region: Option<usize>,
    languages: [bool; 2],
    tags: [bool; 3],
    text: bool,
}

/// What happened in a community: its field of knowledge, a question whose accepted
/// answer a person wrote, a reply of a person's (in the community's thread or in its
/// subgroup's) that some people marked USEFUL.
#[derive(Debug, Clone)]
struct Activity {
    domain: Option<usize>,
    answerer: Option<usize>,
    /// (author, who marked it USEFUL, in the subgroup?)
    useful: Option<(usize, Vec<bool>, bool)>,
}

#[derive(Debug, Clone)]
struct World {
    net: Net,
    subs: Vec<Sub>,
    profiles: Vec<Profile>,
    activity: Vec<Activity>,
}

fn world() -> impl Strategy<Value = World> {
    network_with_subgroups().prop_flat_map(|(net, subs)| {
        let n = net.people.len();
        let profile =
            (
                (proptest::option::of(0..HOMES), proptest::option::weighted(0.3, 0..HOMES)),
                proptest::array::uniform6(0usize..3),
                (
                    proptest::option::of(0..TITLES.len()),
                    proptest::option::of(0..PROFESSIONS.len()),
                    proptest::option::of(0..REGIONS.len()),
                ),
                (proptest::array::uniform2(any::<bool>()), proptest::array::uniform3(any::<bool>()), any::<bool>()),
            )
                .prop_map(
                    |((home, admin_of), visibility, (job_title, profession, region), (languages, tags, text))| {
                        Profile { home, admin_of, visibility, job_title, profession, region, languages, tags, text }
                    },
                );
        let activity = (
            proptest::option::weighted(0.6, 0..DOMAINS.len()),
            proptest::option::weighted(0.7, 0..n),
            proptest::option::weighted(
                0.7,
                (0..n, proptest::collection::vec(proptest::bool::weighted(0.5), n), any::<bool>()),
            ),
        )
            .prop_map(|(domain, answerer, useful)| Activity { domain, answerer, useful });
        let c = net.communities.len();
        (Just(net), Just(subs), proptest::collection::vec(profile, n), proptest::collection::vec(activity, c))
            .prop_map(|(net, subs, profiles, activity)| World { net, subs, profiles, activity })
    })
}

// ---- The reference model ----

/// The organizations a person holds a role in: their home (as a member), the one they
/// administer, and those of the communities they sponsor (as a manager).
fn organizations(w: &World, p: usize) -> BTreeSet<String> {
    let profile = &w.profiles[p];
    let mut orgs: BTreeSet<String> =
        profile.home.iter().chain(&profile.admin_of).map(|k| format!("home-{k}")).collect();
    for (c, community) in w.net.communities.iter().enumerate() {
        if community.sponsor == Some(p) {
            orgs.insert(format!("org-{c}"));
        }
    }
    orgs
}

/// Do `v` and `p` share an active community or an organization?
fn shares(w: &World, v: usize, p: usize) -> bool {
    (0..w.net.communities.len()).any(|c| active(&w.net, v, c) && active(&w.net, p, c))
        || !organizations(w, v).is_disjoint(&organizations(w, p))
}

/// Does `v` administer the network or an organization of `p`'s?
fn administers(w: &World, v: usize, p: usize) -> bool {
    w.net.people[v].network_admin
        || w.profiles[v].admin_of.is_some_and(|k| organizations(w, p).contains(&format!("home-{k}")))
}

/// Does `v` see `field` of `p`?
fn shown(w: &World, v: usize, p: usize, field: usize) -> bool {
    let allowed = v == p
        || match VISIBILITY[w.profiles[p].visibility[field]] {
            "NETWORK" => true,
            "COMMUNITIES" => shares(w, v, p),
            _ => false,
        };
    allowed || (field == EMAIL && administers(w, v, p))
}

fn tags_of(profile: &Profile) -> Vec<&'static str> {
    TAGS.iter().zip(profile.tags).filter(|(_, on)| *on).map(|(t, _)| *t).collect()
}

fn languages_of(profile: &Profile) -> Vec<&'static str> {
    LANGS.iter().zip(profile.languages).filter(|(_, on)| *on).map(|(t, _)| *t).collect()
}

/// `p` as `v` sees them (expertise and shared communities aside).
fn expected_fields(w: &World, v: usize, p: usize) -> Value {
    let profile = &w.profiles[p];
    let or_null = |field: usize, value: Value| if shown(w, v, p, field) { value } else { Value::Null };
    json!({
        "displayName": format!("p{p}"),
        "email": or_null(EMAIL, json!(format!("p{p}@network.example"))),
        "jobTitle": or_null(JOB_TITLE, json!(profile.job_title.map(|i| TITLES[i]))),
        "profession": or_null(PROFESSION, json!(profile.profession.map(|i| PROFESSIONS[i]))),
        "region": or_null(REGION, json!(profile.region.map(|i| REGIONS[i]))),
        "languages": or_null(LANGUAGES, json!(languages_of(profile))),
        "declaredExpertise": or_null(
            EXPERTISE,
            json!({ "tags": tags_of(profile), "text": profile.text.then_some(EXPERTISE_TEXT) })
        ),
    })
}

/// Does the text search `term` (lower case) find `p` for `v`?
fn text_matches(w: &World, v: usize, p: usize, term: &str) -> bool {
    let profile = &w.profiles[p];
    let has = |field: usize, value: Option<&str>| {
        shown(w, v, p, field) && value.is_some_and(|s| s.to_lowercase().contains(term))
    };
    format!("p{p}").contains(term)
        || has(JOB_TITLE, profile.job_title.map(|i| TITLES[i]))
        || has(PROFESSION, profile.profession.map(|i| PROFESSIONS[i]))
        || has(REGION, profile.region.map(|i| REGIONS[i]))
        || (shown(w, v, p, EXPERTISE)
            && (tags_of(profile).iter().any(|t| t.to_lowercase().contains(term))
                || (profile.text && EXPERTISE_TEXT.to_lowercase().contains(term))))
}

/// What a community's activity counts for: its field of knowledge, or its name.
fn domain_of(w: &World, c: usize) -> String {
    w.activity[c].domain.map_or_else(|| format!("Community cop-{c}"), |d| DOMAINS[d].to_owned())
}

/// The evidence the model expects: (kind, database id).
type Evidence = (&'static str, i32);
/// A tag of expertise as the model expects it: (shown spelling, score, evidence).
type Score = (String, i64, BTreeSet<Evidence>);
/// A filter of `people` and whom it must find (by person index).
type Filter<'a> = (Value, Box<dyn Fn(usize) -> bool + 'a>);

/// `p`'s expertise as `v` may see it: per tag, (shown spelling, score, evidence),
/// by score then tag.
fn expected_expertise(w: &World, made: &Made, v: usize, p: usize) -> Vec<Score> {
    if !shown(w, v, p, EXPERTISE) {
        return Vec::new();
    }
    let viewer = Some(v);
    let mut items: Vec<(String, i64, Evidence)> = Vec::new();
    for (c, activity) in w.activity.iter().enumerate() {
        if activity.answerer == Some(p) && reads(&w.net, viewer, c) {
            items.push((domain_of(w, c), 3, ("Thread", made.questions[c])));
        }
        if let Some((author, reactors, in_subgroup)) = &activity.useful {
            let readable =
                if *in_subgroup { reads_subgroup(&w.net, &w.subs, viewer, c) } else { reads(&w.net, viewer, c) };
            let others = reactors.iter().enumerate().filter(|(r, on)| **on && r != author).count();
            if *author == p && readable && others > 0 {
                items.push((domain_of(w, c), i64::try_from(others).unwrap_or(0), ("Post", made.useful[c])));
            }
        }
        let expert = w.net.people[p].memberships[c].is_some_and(|(_, r)| {
            matches!(CommunityRole::ALL[r], CommunityRole::ContentExpert | CommunityRole::Mentor)
        });
        if expert && active(&w.net, p, c) && sees(&w.net, viewer, c) && lists_members(&w.net, viewer, c) {
            items.push((domain_of(w, c), 2, ("Community", made.communities[c])));
        }
    }
    let mut tally: BTreeMap<String, (BTreeSet<String>, i64, BTreeSet<Evidence>)> = BTreeMap::new();
    for (tag, points, evidence) in items {
        let entry = tally.entry(tag.to_lowercase()).or_default();
        entry.0.insert(tag);
        entry.1 += points;
        entry.2.insert(evidence);
    }
    let mut out: Vec<(String, Score)> = tally
        .into_iter()
        .map(|(key, (spellings, score, evidence))| {
            (key, (spellings.into_iter().next().unwrap_or_default(), score, evidence))
        })
        .collect();
    out.sort_by(|a, b| b.1.1.cmp(&a.1.1).then(a.0.cmp(&b.0)));
    out.into_iter().map(|(_, s)| s).collect()
}

// ---- Building the world ----

/// The database ids of what [`grow`] made, per community.
struct Made {
    communities: Vec<i32>,
    questions: Vec<i32>,
    useful: Vec<i32>,
    threads: Vec<i32>,
    subgroup_threads: Vec<i32>,
    subgroups: Vec<i32>,
}

const PROFILE: &str = "mutation($input: UpdateMyProfileInput!) { updateMyProfile(input: $input) { person { id } } }";

/// Home organizations and their administrators, before anyone uses a token (the session
/// cache then knows each person's organization from the start).
async fn organize(app: &TestApp, w: &World) {
    let root = app.token("root@network.example", None, true).await;
    let mut homes = Vec::new();
    for k in 0..HOMES {
        homes.push(fixtures::db_id(&fixtures::organization(app, &root, &format!("home-{k}")).await));
    }
    for (p, profile) in w.profiles.iter().enumerate() {
        let slug = profile.home.map(|k| format!("home-{k}"));
        app.token(&format!("p{p}@network.example"), slug.as_deref(), w.net.people[p].network_admin).await;
        if let Some(k) = profile.admin_of {
            let person_id = entity::person::Entity::find()
                .filter(entity::person::Column::Email.eq(format!("p{p}@network.example")))
                .one(&app.db)
                .await
                .expect("read person")
                .expect("the person")
                .id;
            entity::organization_role::ActiveModel {
                person_id: Set(person_id),
                organization_id: Set(homes[k]),
                role: Set(entity::enums::OrganizationRoleKind::Admin),
                created_at: Set(chrono::Utc::now()),
                ..Default::default()
            }
            .insert(&app.db)
            .await
            .expect("organization admin");
        }
    }
}

/// Each person's profile, through `updateMyProfile`.
async fn describe(app: &TestApp, w: &World, tokens: &[Option<String>]) {
    for (p, profile) in w.profiles.iter().enumerate() {
        let visibility: Vec<Value> = FIELDS
            .iter()
            .zip(profile.visibility)
            .map(|(field, v)| json!({ "field": field, "visibility": VISIBILITY[v] }))
            .collect();
        let input = json!({
            "jobTitle": profile.job_title.map_or("", |i| TITLES[i]),
            "profession": profile.profession.map_or("", |i| PROFESSIONS[i]),
            "region": profile.region.map_or("", |i| REGIONS[i]),
            "languages": languages_of(profile),
            "expertise": tags_of(profile),
            "expertiseText": if profile.text { EXPERTISE_TEXT } else { "" },
            "fieldVisibility": visibility,
        });
        app.ok(tokens[p].as_deref(), PROFILE, json!({ "input": input })).await;
    }
}

/// Each community's activity, written directly (its authors need not be able to post
/// any more: a departed member's answer stays).
async fn grow(app: &TestApp, w: &World, person_ids: &[i32], community_ids: &[Value], subs: &[Sub]) -> Made {
    use entity::{enums::Reaction, post, post_reaction, thread};
    let discussions = build_discussions(app, subs, person_ids, community_ids).await;
    let founder = app.token("founder@network.example", None, false).await;
    let founder_id = fixtures::person_id(app, &founder).await;
    let now = chrono::Utc::now();
    let reply = |thread_id: i32, author: i32| post::ActiveModel {
        thread_id: Set(thread_id),
        author_id: Set(author),
        body: Set("Voici ce que je fais.".to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let mut made = Made {
        communities: community_ids.iter().map(fixtures::db_id).collect(),
        questions: Vec::new(),
        useful: Vec::new(),
        threads: discussions.iter().map(|d| d.thread).collect(),
        subgroup_threads: discussions.iter().map(|d| d.subgroup_thread).collect(),
        subgroups: discussions.iter().map(|d| d.subgroup).collect(),
    };
    for (c, activity) in w.activity.iter().enumerate() {
        let community_id = made.communities[c];
        if let Some(d) = activity.domain {
            app.db
                .execute_unprepared(&format!(
                    "UPDATE community SET field_of_knowledge = '{}' WHERE id = {community_id}",
                    DOMAINS[d]
                ))
                .await
                .expect("field of knowledge");
        }
        let question = thread::ActiveModel {
            community_id: Set(community_id),
            author_id: Set(founder_id),
            title: Set("Comment traiter une plaie de pression?".to_owned()),
            body: Set(String::new()),
            kind: Set(ThreadKind::Question),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("question");
        if let Some(a) = activity.answerer {
            let answer = reply(question.id, person_ids[a]).insert(&app.db).await.expect("answer");
            let mut accepted: thread::ActiveModel = question.clone().into();
            accepted.accepted_post_id = Set(Some(answer.id));
            accepted.answered_at = Set(Some(now));
            accepted.update(&app.db).await.expect("accept");
        }
        made.questions.push(question.id);
        let mut useful = 0;
        if let Some((author, reactors, in_subgroup)) = &activity.useful {
            let thread_id = if *in_subgroup { made.subgroup_threads[c] } else { made.threads[c] };
            let post = reply(thread_id, person_ids[*author]).insert(&app.db).await.expect("useful reply");
            for (r, on) in reactors.iter().enumerate() {
                if *on {
                    post_reaction::ActiveModel {
                        post_id: Set(post.id),
                        person_id: Set(person_ids[r]),
                        reaction: Set(Reaction::Useful),
                        created_at: Set(now),
                        ..Default::default()
                    }
                    .insert(&app.db)
                    .await
                    .expect("reaction");
                }
            }
            useful = post.id;
        }
        made.useful.push(useful);
    }
    made
}

// ---- The checks ----

const PERSON: &str = "id displayName email jobTitle profession region languages declaredExpertise { tags text } expertise { tag score evidence { __typename ... on Thread { id } ... on Post { id } ... on Community { id } } } sharedCommunities(first: 10) { totalCount edges { node { id } } }";

fn people_query() -> String {
    format!(
        "query($f: PeopleFilterInput) {{ people(filter: $f, first: 20) {{ totalCount edges {{ node {{ {PERSON} }} }} }} }}"
    )
}

fn node_query() -> String {
    format!("query($id: ID!) {{ node(id: $id) {{ ... on Person {{ {PERSON} }} }} }}")
}

const COUNT: &str =
    "query($f: PeopleFilterInput) { people(filter: $f, first: 20) { totalCount edges { node { id } } } }";

/// Checks one person as the viewer sees them, against the model.
fn check_person(
    w: &World,
    made: &Made,
    v: usize,
    p: usize,
    got: &Value,
    community_ids: &[Value],
) -> Result<(), TestCaseError> {
    let mut fields = got.clone();
    let expertise = fields.as_object_mut().and_then(|o| o.remove("expertise")).unwrap_or_default();
    let shared = fields.as_object_mut().and_then(|o| o.remove("sharedCommunities")).unwrap_or_default();
    fields.as_object_mut().map(|o| o.remove("id"));
    prop_assert_eq!(&fields, &expected_fields(w, v, p), "fields of {} seen by {} in {:?}", p, v, w);
    let expected: Vec<&Value> = (0..w.net.communities.len())
        .filter(|c| active(&w.net, v, *c) && active(&w.net, p, *c))
        .map(|c| &community_ids[c])
        .collect();
    let listed: Vec<&Value> = shared["edges"].as_array().into_iter().flatten().map(|e| &e["node"]["id"]).collect();
    prop_assert_eq!(&listed, &expected, "communities {} shares with {}: {}", v, p, shared);
    prop_assert_eq!(shared["totalCount"].as_u64(), Some(expected.len() as u64));
    let want = expected_expertise(w, made, v, p);
    let tags: Vec<(String, i64)> = expertise
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| (s["tag"].as_str().unwrap_or_default().to_owned(), s["score"].as_i64().unwrap_or(-1)))
        .collect();
    let want_tags: Vec<(String, i64)> = want.iter().map(|(t, s, _)| (t.clone(), *s)).collect();
    prop_assert_eq!(&tags, &want_tags, "expertise of {} seen by {}: {} in {:?}", p, v, expertise, w);
    for (score, (_, _, evidence)) in expertise.as_array().into_iter().flatten().zip(&want) {
        let listed: Vec<Evidence> = score["evidence"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let kind = match e["__typename"].as_str() {
                    Some("Thread") => "Thread",
                    Some("Post") => "Post",
                    Some("Community") => "Community",
                    _ => "other",
                };
                (kind, fixtures::db_id(&e["id"]))
            })
            .collect();
        prop_assert!(
            listed.iter().all(|e| evidence.contains(e)),
            "evidence of {} seen by {}: {:?} beyond {:?}",
            p,
            v,
            listed,
            evidence
        );
        prop_assert_eq!(listed.len(), evidence.len().min(5), "evidence of {} seen by {}", p, v);
    }
    Ok(())
}

/// The network's people among a page, by person index.
fn by_index(page: &Value, person_ids: &[i32]) -> BTreeMap<usize, Value> {
    page["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let id = fixtures::db_id(&e["node"]["id"]);
            person_ids.iter().position(|p| *p == id).map(|p| (p, e["node"].clone()))
        })
        .collect()
}

async fn check(w: World) -> Result<(), TestCaseError> {
    let app = TestApp::spawn().await;
    organize(&app, &w).await;
    let (tokens, person_ids, community_ids) = build(&app, &w.net).await;
    describe(&app, &w, &tokens).await;
    let made = grow(&app, &w, &person_ids, &community_ids, &w.subs).await;
    let founder_id = {
        let founder = app.token("founder@network.example", None, false).await;
        fixtures::person_id(&app, &founder).await
    };
    let n = w.net.people.len();
    let everyone = n + 2; // and the founder and the network's first administrator
    let people = people_query();
    let node = node_query();
    // Anonymous callers read no one.
    let body = app.gql(None, &people, json!({})).await;
    prop_assert_eq!(error_code(&body), "UNAUTHENTICATED", "{}", body);
    prop_assert!(body["data"].is_null() || body["data"]["people"].is_null(), "{}", body);
    for id in &person_ids {
        let body = app.gql(None, &node, json!({ "id": to_global(NodeKind::Person, *id).0 })).await;
        prop_assert!(body["data"]["node"].is_null(), "anonymous node: {}", body);
    }
    let missing_community = json!(to_global(NodeKind::Community, 999_999).0);
    for (v, token) in tokens.iter().enumerate().take(n) {
        let token = token.as_deref();
        let data = app.ok(token, &people, json!({})).await;
        prop_assert_eq!(data["people"]["totalCount"].as_u64(), Some(everyone as u64), "{}", data);
        let listed = by_index(&data["people"], &person_ids);
        prop_assert_eq!(listed.len(), n);
        for (p, got) in &listed {
            check_person(&w, &made, v, *p, got, &community_ids)?;
            // `node(id:)` shows the same as the directory.
            let body = app.ok(token, &node, json!({ "id": got["id"] })).await;
            prop_assert_eq!(&body["node"], got, "node of {} for {}", p, v);
        }
        // Filters match only through what the viewer sees.
        let mut filters: Vec<Filter<'_>> = Vec::new();
        for term in ["infirm", "estrie", "chef", "plaies", "sécurité", "p1", "conseill"] {
            let w = &w;
            filters.push((json!({ "text": term }), Box::new(move |p| text_matches(w, v, p, term))));
        }
        for value in ["INFIRMIÈRE", "travailleuse sociale"] {
            let w = &w;
            let wanted = value.to_lowercase();
            filters.push((
                json!({ "professions": [value] }),
                Box::new(move |p| {
                    shown(w, v, p, PROFESSION)
                        && w.profiles[p].profession.is_some_and(|i| PROFESSIONS[i].to_lowercase() == wanted)
                }),
            ));
        }
        for (i, region) in REGIONS.iter().enumerate() {
            let w = &w;
            filters.push((
                json!({ "regions": [region.to_lowercase()] }),
                Box::new(move |p| shown(w, v, p, REGION) && w.profiles[p].region == Some(i)),
            ));
        }
        for (i, tag) in TAGS.iter().enumerate() {
            let w = &w;
            filters.push((
                json!({ "expertise": [tag.to_uppercase()] }),
                Box::new(move |p| shown(w, v, p, EXPERTISE) && w.profiles[p].tags[i]),
            ));
        }
        for k in 0..HOMES {
            let org = app.ok(token, &format!("{{ organization(slug: \"home-{k}\") {{ id }} }}"), json!({})).await;
            let w = &w;
            filters.push((
                json!({ "organizationIds": [org["organization"]["id"]] }),
                Box::new(move |p| w.profiles[p].home == Some(k)),
            ));
        }
        // Several filters together: all must match.
        {
            let w = &w;
            filters.push((
                json!({ "text": "p", "professions": ["infirmière"], "expertise": ["plaies"] }),
                Box::new(move |p| {
                    shown(w, v, p, PROFESSION)
                        && w.profiles[p].profession.is_some_and(|i| i < 2)
                        && shown(w, v, p, EXPERTISE)
                        && w.profiles[p].tags[0]
                }),
            ));
        }
        for (filter, matches) in &filters {
            let data = app.ok(token, COUNT, json!({ "f": filter })).await;
            let got: BTreeSet<usize> = by_index(&data["people"], &person_ids).into_keys().collect();
            let expected: BTreeSet<usize> = (0..n).filter(|p| matches(*p)).collect();
            prop_assert_eq!(&got, &expected, "people({}) for {} in {:?}", filter, v, w);
            prop_assert_eq!(data["people"]["totalCount"].as_u64(), Some(expected.len() as u64), "{}", filter);
        }
        // A community whose members the viewer may not list finds no one: the same answer
        // as an id that exists nowhere.
        let nobody = app.ok(token, COUNT, json!({ "f": { "communityIds": [missing_community] } })).await;
        prop_assert_eq!(&nobody["people"], &json!({ "totalCount": 0, "edges": [] }));
        for (c, community) in community_ids.iter().enumerate() {
            let data = app.ok(token, COUNT, json!({ "f": { "communityIds": [community] } })).await;
            let listable = sees(&w.net, Some(v), c) && lists_members(&w.net, Some(v), c);
            if !listable {
                prop_assert_eq!(&data, &nobody, "members of {} for {} in {:?}", c, v, w);
                continue;
            }
            let got: BTreeSet<usize> = by_index(&data["people"], &person_ids).into_keys().collect();
            let expected: BTreeSet<usize> = (0..n).filter(|p| active(&w.net, *p, c)).collect();
            prop_assert_eq!(&got, &expected, "members of {} for {} in {:?}", c, v, w);
            // The founder is an active member of every community.
            let founder = data["people"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|e| fixtures::db_id(&e["node"]["id"]) == founder_id);
            prop_assert!(founder, "{}", data);
            prop_assert_eq!(data["people"]["totalCount"].as_u64(), Some(expected.len() as u64 + 1));
        }
    }
    check_mentions(&app, &w, &person_ids, &community_ids, &made).await
}

const REPLY: &str = "mutation($input: CreatePostInput!) { createPost(input: $input) { post { body bodyHtml mentions { id displayName } thread { id } } } }";

/// Mentions: the founder (who may post everywhere) mentions each person in each
/// community's thread and subgroup thread; only readers are stored, and the answer equals
/// the one for the same mention in a community where everyone reads.
async fn check_mentions(
    app: &TestApp,
    w: &World,
    person_ids: &[i32],
    community_ids: &[Value],
    made: &Made,
) -> Result<(), TestCaseError> {
    let founder = app.token("founder@network.example", None, false).await;
    let founder_id = fixtures::person_id(app, &founder).await;
    // Archived communities take no new content: open them for this part.
    app.db.execute_unprepared("UPDATE community SET archived = false").await.expect("unarchive");
    for subgroup in &made.subgroups {
        setup::subgroup_member(app, *subgroup, founder_id).await;
    }
    // The control: a community where everyone reads.
    let control = fixtures::community(app, &founder, "control", "NETWORK", "OPEN").await;
    for id in person_ids {
        fixtures::add_member(app, &control, *id, &[CommunityRole::Member]).await;
    }
    let control_thread = fixtures::thread(app, &founder, &control, "Control").await;
    let reply = |thread: Value, p: Option<usize>| {
        let id =
            p.map_or_else(|| to_global(NodeKind::Person, 999_999).0, |p| to_global(NodeKind::Person, person_ids[p]).0);
        let name = p.map_or_else(|| "Personne".to_owned(), |p| format!("p{p}"));
        json!({ "input": { "threadId": thread, "body": format!("Merci @[{name}]({id}) !"), "mentions": [id] } })
    };
    let strip = |mut data: Value| {
        data["createPost"]["post"].as_object_mut().map(|o| o.remove("thread"));
        data
    };
    let targets: Vec<Option<usize>> = (0..w.net.people.len()).map(Some).chain([None]).collect();
    let mut expected = Vec::new();
    for p in &targets {
        let before = app.count_rows("mention").await;
        expected.push(strip(app.ok(Some(&founder), REPLY, reply(control_thread.clone(), *p)).await));
        prop_assert_eq!(app.count_rows("mention").await, before + i64::from(p.is_some()), "control {:?}", p);
    }
    for c in 0..community_ids.len() {
        for (in_subgroup, thread) in [(false, made.threads[c]), (true, made.subgroup_threads[c])] {
            let thread_id = json!(to_global(NodeKind::Thread, thread).0);
            for (p, control) in targets.iter().zip(&expected) {
                let before = app.count_rows("mention").await;
                let data = app.ok(Some(&founder), REPLY, reply(thread_id.clone(), *p)).await;
                prop_assert_eq!(&strip(data), control, "mention of {:?} in {} ({})", p, c, in_subgroup);
                let readable = p.is_some_and(|p| {
                    if in_subgroup { reads_subgroup(&w.net, &w.subs, Some(p), c) } else { reads(&w.net, Some(p), c) }
                });
                let stored = app.count_rows("mention").await - before;
                prop_assert_eq!(
                    stored,
                    i64::from(readable),
                    "mention of {:?} in {} ({}) in {:?}",
                    p,
                    c,
                    in_subgroup,
                    w
                );
            }
        }
    }
    // A malformed mention writes nothing.
    let rows = (app.count_rows("post").await, app.count_rows("mention").await);
    let thread_id = json!(to_global(NodeKind::Thread, made.threads[0]).0);
    for bad in [json!("nope"), community_ids[0].clone()] {
        let input = json!({ "input": { "threadId": thread_id, "body": "Bonjour", "mentions": [bad] } });
        let body = app.gql(Some(&founder), REPLY, input).await;
        prop_assert_eq!((error_code(&body), error_field(&body)), ("BAD_USER_INPUT", "mentions"), "{}", body);
    }
    prop_assert_eq!((app.count_rows("post").await, app.count_rows("mention").await), rows, "nothing written");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases().div_ceil(8), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn nobody_sees_a_hidden_field_a_secret_tie_or_secret_expertise(w in world()) {
        harness::defer_database_drops();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        runtime.block_on(check(w))?;
    }
}
