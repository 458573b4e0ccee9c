//! Who knows what: expertise derived from activity, per tag, for each viewer from only
//! the activity that viewer may see.
//!
//! # Where the tags come from
//!
//! Threads carry no tags or themes of their own; what a thread is about is the field of
//! knowledge of its community (*domaine*, the community's reason to exist). So:
//!
//! - an **accepted answer** (3 points) and a **reply marked USEFUL** (1 point per distinct
//!   person other than its author) count for the field of knowledge of the thread's
//!   community (its name when it has none);
//! - an **authored published document** (2 points) counts for each of its free tags and
//!   each of its themes the viewer may see (a reader who reaches the document only
//!   through its NETWORK or PUBLIC audience sees its tags, not its community's themes);
//! - a role of **content expert or mentor** in a community (2 points per community)
//!   counts for that community's field of knowledge, when the viewer may see the
//!   community's member list.
//!
//! Tags are compared without regard to case; the list is ordered by score (highest
//! first), then tag. Each tag lists as evidence its most recent items (at most
//! [`EVIDENCE_MAX`]): the question thread whose accepted answer the person wrote, the
//! USEFUL reply, the document, the community where they hold the role.
//!
//! # Who sees what
//!
//! Every row read here goes through the visibility filter of its kind, the one every
//! other path uses: readable threads and replies ([`discussion::posts_select`],
//! [`discussion::threads_select`]), readable documents (audience included:
//! [`library::documents_select`]), visible themes ([`library::themes_visible`]), listed
//! memberships ([`access::listed_memberships`]) and visible communities (denies win).
//! Activity the viewer cannot see gives no point, no tag and no evidence. Deleted and
//! hidden replies count for nothing (for moderators too), nor does an answer its author
//! accepted in their own question. Anonymous callers get nothing (no statement runs).
//! The resolver shows derived expertise only where the viewer sees the person's declared
//! expertise (a PRIVATE expertise field hides both).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Utc};
use entity::{
    community, document, document_author, document_theme,
    enums::{CommunityRole, CommunityRoles, DocumentStatus, Reaction},
    membership, post, post_reaction, theme, thread,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, SelectStatement},
};

use super::{App, access, community as communities, discussion, library};
use crate::{auth::Caller, error::ServiceResult};

/// Points for an accepted answer.
pub const ACCEPTED_ANSWER_POINTS: i32 = 3;
/// Points for each distinct person (other than its author) who marked a reply USEFUL.
pub const USEFUL_POINTS: i32 = 1;
/// Points for an authored published document.
pub const DOCUMENT_POINTS: i32 = 2;
/// Points for a role of content expert or mentor in a community (once per community).
pub const ROLE_POINTS: i32 = 2;
/// The most evidence items listed per tag (the most recent).
pub const EVIDENCE_MAX: usize = 5;
/// The roles that count as expertise in a community's field.
pub const EXPERT_ROLES: [CommunityRole; 2] = [CommunityRole::ContentExpert, CommunityRole::Mentor];

/// What shows a person's expertise (each readable by the viewer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Evidence {
    /// A question thread whose accepted answer the person wrote.
    Thread(i32),
    /// A reply of theirs that others marked USEFUL.
    Post(i32),
    /// A published document they authored.
    Document(i32),
    /// A community where they are content expert or mentor.
    Community(i32),
}

/// A person's expertise in one tag, as one viewer may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertiseScore {
    pub tag: String,
    pub score: i32,
    /// The most recent evidence first, at most [`EVIDENCE_MAX`].
    pub evidence: Vec<Evidence>,
}

/// One piece of activity: the tags it counts for, its points, what shows it and when.
struct Item {
    person_id: i32,
    tags: Vec<String>,
    points: i32,
    evidence: Evidence,
    at: DateTime<Utc>,
}

/// The tag a community's activity counts for: its field of knowledge, or its name.
fn community_tag(c: &community::Model) -> String {
    c.field_of_knowledge.as_deref().map(str::trim).filter(|f| !f.is_empty()).unwrap_or(c.name.trim()).to_owned()
}

/// The derived expertise of these people as the caller may see it, each person's tags by
/// score then tag (case aside, in code point order); people without any are left out. A fixed number of statements
/// whatever the number of people (none for an anonymous caller).
pub async fn derived_expertise(
    app: &App,
    caller: &Caller,
    person_ids: &[i32],
) -> ServiceResult<HashMap<i32, Vec<ExpertiseScore>>> {
    if caller.viewer.is_none() || person_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let people: Vec<i32> = person_ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    let mut items = Vec::new();
    let mut community_ids = HashSet::new();
    let replies = reply_items(app, caller, &people, &mut community_ids).await?;
    let roles = role_items(app, caller, &people, &mut community_ids).await?;
    let ids: Vec<i32> = community_ids.into_iter().collect();
    let tags: HashMap<i32, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        communities::visible_by_ids(app, caller, &ids).await?.iter().map(|c| (c.id, community_tag(c))).collect()
    };
    for (person_id, community_id, points, evidence, at) in replies.into_iter().chain(roles) {
        // Only through a community the viewer sees (it is, as the rows were filtered).
        if let Some(tag) = tags.get(&community_id) {
            items.push(Item { person_id, tags: vec![tag.clone()], points, evidence, at });
        }
    }
    items.extend(document_items(app, caller, &people).await?);
    Ok(score(items))
}

/// A thread as counted: (id, community, author, accepted reply, when it was accepted).
type ThreadRow = (i32, i32, i32, Option<i32>, Option<DateTime<Utc>>);
/// A document as counted: (id, tags as JSON, when published, when last changed).
type DocumentRow = (i32, String, Option<DateTime<Utc>>, DateTime<Utc>);

/// A piece of activity in a community: (person, community, points, evidence, when).
type CommunityItem = (i32, i32, i32, Evidence, DateTime<Utc>);

/// Accepted answers and USEFUL replies the people wrote, in threads the caller may read
/// (neither deleted nor hidden): four statements.
async fn reply_items(
    app: &App,
    caller: &Caller,
    people: &[i32],
    community_ids: &mut HashSet<i32>,
) -> ServiceResult<Vec<CommunityItem>> {
    let accepted = thread::Entity::find()
        .select_only()
        .column(thread::Column::AcceptedPostId)
        .filter(thread::Column::AcceptedPostId.is_not_null())
        .into_query();
    let useful = || {
        post_reaction::Entity::find()
            .select_only()
            .column(post_reaction::Column::PostId)
            .filter(post_reaction::Column::Reaction.eq(Reaction::Useful))
            .into_query()
    };
    let counted = || -> SelectStatement {
        discussion::posts_select(app, caller)
            .select_only()
            .column(post::Column::Id)
            .filter(post::Column::AuthorId.is_in(people.iter().copied()))
            .filter(post::Column::DeletedAt.is_null())
            .filter(post::Column::HiddenAt.is_null())
            .filter(
                Condition::any()
                    .add(post::Column::Id.in_subquery(accepted.clone()))
                    .add(post::Column::Id.in_subquery(useful())),
            )
            .into_query()
    };
    let posts: Vec<(i32, i32, i32, DateTime<Utc>)> = post::Entity::find()
        .select_only()
        .column(post::Column::Id)
        .column(post::Column::ThreadId)
        .column(post::Column::AuthorId)
        .column(post::Column::CreatedAt)
        .filter(post::Column::Id.in_subquery(counted()))
        .into_tuple()
        .all(&app.db)
        .await?;
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let threads: Vec<ThreadRow> = discussion::threads_select(app, caller)
        .select_only()
        .column(thread::Column::Id)
        .column(thread::Column::CommunityId)
        .column(thread::Column::AuthorId)
        .column(thread::Column::AcceptedPostId)
        .column(thread::Column::AnsweredAt)
        .filter(
            thread::Column::Id.in_subquery(
                post::Entity::find()
                    .select_only()
                    .column(post::Column::ThreadId)
                    .filter(post::Column::Id.in_subquery(counted()))
                    .into_query(),
            ),
        )
        .into_tuple()
        .all(&app.db)
        .await?;
    let threads: HashMap<i32, _> = threads.into_iter().map(|t| (t.0, t)).collect();
    let reactions: Vec<(i32, i32)> = post_reaction::Entity::find()
        .select_only()
        .column(post_reaction::Column::PostId)
        .column(post_reaction::Column::PersonId)
        .filter(post_reaction::Column::Reaction.eq(Reaction::Useful))
        .filter(post_reaction::Column::PostId.in_subquery(counted()))
        .into_tuple()
        .all(&app.db)
        .await?;
    let mut reactors: HashMap<i32, HashSet<i32>> = HashMap::new();
    for (post_id, person_id) in reactions {
        reactors.entry(post_id).or_default().insert(person_id);
    }
    let mut out = Vec::new();
    for (post_id, thread_id, author_id, created_at) in posts {
        let Some((_, community_id, asker, accepted_post, answered_at)) = threads.get(&thread_id) else { continue };
        // An answer its author accepted in their own question shows nothing.
        if *accepted_post == Some(post_id) && *asker != author_id {
            community_ids.insert(*community_id);
            let at = answered_at.unwrap_or(created_at);
            out.push((author_id, *community_id, ACCEPTED_ANSWER_POINTS, Evidence::Thread(thread_id), at));
        }
        let others = reactors.get(&post_id).map_or(0, |r| r.iter().filter(|p| **p != author_id).count());
        if others > 0 {
            community_ids.insert(*community_id);
            let points = USEFUL_POINTS.saturating_mul(i32::try_from(others).unwrap_or(i32::MAX));
            out.push((author_id, *community_id, points, Evidence::Post(post_id), created_at));
        }
    }
    Ok(out)
}

/// Roles of content expert or mentor the people hold, in communities whose members the
/// caller may list: one statement.
async fn role_items(
    app: &App,
    caller: &Caller,
    people: &[i32],
    community_ids: &mut HashSet<i32>,
) -> ServiceResult<Vec<CommunityItem>> {
    let mask = EXPERT_ROLES.iter().fold(0, |mask, role| mask | CommunityRoles::bit_of(*role));
    let rows: Vec<(i32, i32, DateTime<Utc>)> = membership::Entity::find()
        .select_only()
        .column(membership::Column::PersonId)
        .column(membership::Column::CommunityId)
        .column(membership::Column::UpdatedAt)
        .filter(membership::Column::PersonId.is_in(people.iter().copied()))
        .filter(access::listed_memberships(&app.auth, app.db.get_database_backend(), caller))
        .filter(Expr::col(membership::Column::Roles).bit_and(mask).ne(0))
        .into_tuple()
        .all(&app.db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(person_id, community_id, at)| {
            community_ids.insert(community_id);
            (person_id, community_id, ROLE_POINTS, Evidence::Community(community_id), at)
        })
        .collect())
}

/// Published documents the people authored that the caller may read, with their tags
/// and the themes the caller may see: four statements.
async fn document_items(app: &App, caller: &Caller, people: &[i32]) -> ServiceResult<Vec<Item>> {
    let authored = document_author::Entity::find()
        .select_only()
        .column(document_author::Column::DocumentId)
        .filter(document_author::Column::PersonId.is_in(people.iter().copied()))
        .into_query();
    let readable = || {
        library::documents_select(app, caller)
            .filter(document::Column::Status.eq(DocumentStatus::Published))
            .filter(document::Column::Id.in_subquery(authored.clone()))
    };
    let documents: Vec<DocumentRow> = readable()
        .select_only()
        .column(document::Column::Id)
        .column(document::Column::Tags)
        .column(document::Column::PublishedAt)
        .column(document::Column::UpdatedAt)
        .into_tuple()
        .all(&app.db)
        .await?;
    if documents.is_empty() {
        return Ok(Vec::new());
    }
    let ids = || readable().select_only().column(document::Column::Id).into_query();
    let authors: Vec<(i32, i32)> = document_author::Entity::find()
        .select_only()
        .column(document_author::Column::DocumentId)
        .column(document_author::Column::PersonId)
        .filter(document_author::Column::PersonId.is_in(people.iter().copied()))
        .filter(document_author::Column::DocumentId.in_subquery(ids()))
        .into_tuple()
        .all(&app.db)
        .await?;
    let visible_themes = theme::Entity::find()
        .select_only()
        .column(theme::Column::Id)
        .filter(library::themes_visible(app, caller))
        .into_query();
    let links: Vec<(i32, i32)> = document_theme::Entity::find()
        .select_only()
        .column(document_theme::Column::DocumentId)
        .column(document_theme::Column::ThemeId)
        .filter(document_theme::Column::DocumentId.in_subquery(ids()))
        .filter(document_theme::Column::ThemeId.in_subquery(visible_themes))
        .into_tuple()
        .all(&app.db)
        .await?;
    let theme_ids: BTreeSet<i32> = links.iter().map(|(_, theme)| *theme).collect();
    let names: HashMap<i32, String> = if theme_ids.is_empty() {
        HashMap::new()
    } else {
        theme::Entity::find()
            .select_only()
            .column(theme::Column::Id)
            .column(theme::Column::Name)
            .filter(theme::Column::Id.is_in(theme_ids))
            .into_tuple::<(i32, String)>()
            .all(&app.db)
            .await?
            .into_iter()
            .collect()
    };
    let mut tags_of: HashMap<i32, Vec<String>> = HashMap::new();
    for (document_id, theme_id) in links {
        if let Some(name) = names.get(&theme_id) {
            tags_of.entry(document_id).or_default().push(name.clone());
        }
    }
    let mut out = Vec::new();
    let documents: HashMap<i32, _> = documents.into_iter().map(|d| (d.0, d)).collect();
    for (document_id, person_id) in authors {
        let Some((_, tags, published_at, updated_at)) = documents.get(&document_id) else { continue };
        let mut all: Vec<String> = serde_json::from_str(tags).unwrap_or_default();
        all.extend(tags_of.get(&document_id).cloned().unwrap_or_default());
        out.push(Item {
            person_id,
            tags: all,
            points: DOCUMENT_POINTS,
            evidence: Evidence::Document(document_id),
            at: published_at.unwrap_or(*updated_at),
        });
    }
    Ok(out)
}

/// Sums the items per person and tag (case aside), and keeps each tag's most recent
/// evidence.
fn score(items: Vec<Item>) -> HashMap<i32, Vec<ExpertiseScore>> {
    struct Tally {
        /// The spellings met; the first in order is shown.
        spellings: BTreeSet<String>,
        score: i32,
        evidence: BTreeMap<Evidence, DateTime<Utc>>,
    }
    let mut by_person: HashMap<i32, BTreeMap<String, Tally>> = HashMap::new();
    for item in items {
        let mut keys = HashSet::new();
        for tag in &item.tags {
            let tag = tag.trim();
            let key = tag.to_lowercase();
            if tag.is_empty() || !keys.insert(key.clone()) {
                continue;
            }
            let tally = by_person.entry(item.person_id).or_default().entry(key).or_insert_with(|| Tally {
                spellings: BTreeSet::new(),
                score: 0,
                evidence: BTreeMap::new(),
            });
            tally.spellings.insert(tag.to_owned());
            tally.score = tally.score.saturating_add(item.points);
            let at = tally.evidence.entry(item.evidence).or_insert(item.at);
            *at = Ord::max(*at, item.at);
        }
    }
    by_person
        .into_iter()
        .map(|(person_id, tags)| {
            let mut scores: Vec<(String, ExpertiseScore)> = tags
                .into_iter()
                .map(|(key, tally)| {
                    let mut evidence: Vec<(Evidence, DateTime<Utc>)> = tally.evidence.into_iter().collect();
                    evidence.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    let tag = tally.spellings.into_iter().next().unwrap_or_else(|| key.clone());
                    let evidence = evidence.into_iter().take(EVIDENCE_MAX).map(|(e, _)| e).collect();
                    (key, ExpertiseScore { tag, score: tally.score, evidence })
                })
                .collect();
            scores.sort_by(|a, b| b.1.score.cmp(&a.1.score).then(a.0.cmp(&b.0)));
            (person_id, scores.into_iter().map(|(_, s)| s).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn item(person_id: i32, tags: &[&str], points: i32, evidence: Evidence, day: u32) -> Item {
        Item {
            person_id,
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            points,
            evidence,
            at: Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).single().unwrap_or_default(),
        }
    }

    #[test]
    fn scores_add_up_per_tag_case_aside_ordered_by_score_then_tag() {
        let scores = score(vec![
            item(1, &["Plaies"], 3, Evidence::Thread(1), 1),
            item(1, &["plaies", "Diabète"], 2, Evidence::Document(7), 2),
            item(1, &["Zona"], 5, Evidence::Post(3), 3),
            item(1, &["Abcès"], 2, Evidence::Community(4), 4),
            item(1, &["Diabète"], 1, Evidence::Post(2), 5),
        ]);
        let mine = scores.get(&1).cloned().unwrap_or_default();
        let summary: Vec<(&str, i32)> = mine.iter().map(|s| (s.tag.as_str(), s.score)).collect();
        assert_eq!(summary, [("Plaies", 5), ("Zona", 5), ("Diabète", 3), ("Abcès", 2)]);
        assert_eq!(mine[0].evidence, [Evidence::Document(7), Evidence::Thread(1)]);
    }

    #[test]
    fn evidence_is_the_most_recent_few() {
        let items = (1..=8).map(|i| item(1, &["x"], 1, Evidence::Post(i32::try_from(i).unwrap_or(0)), i)).collect();
        let scores = score(items);
        let mine = scores.get(&1).cloned().unwrap_or_default();
        assert_eq!(mine[0].score, 8);
        assert_eq!(mine[0].evidence, (4..=8).rev().map(Evidence::Post).collect::<Vec<_>>());
    }

    #[test]
    fn the_same_tag_twice_on_one_item_counts_once() {
        let scores = score(vec![item(2, &["Plaies", "PLAIES", " "], 2, Evidence::Document(1), 1)]);
        assert_eq!(scores.get(&2).map(|s| s[0].score), Some(2));
    }
}
