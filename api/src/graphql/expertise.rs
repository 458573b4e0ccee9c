//! Who knows what in the schema: `Person.expertise`, derived from the activity the viewer
//! may see (the rules and the score: `service::expertise`).

use std::collections::HashMap;

use async_graphql::{
    Context, SimpleObject, Union,
    dataloader::{DataLoader, Loader},
};

use super::{
    GqlResult,
    community::Community,
    discussion::{Post, Thread},
    library::Document,
    loaders::{
        DerivedExpertise, DocumentById, IdLoader, LoadError, PostById, ThreadById, VisibleCommunityById, loader,
    },
};
use crate::service::expertise::{self as service, EVIDENCE_MAX, Evidence};

/// How many tags `expertise` returns when `first` is not given.
pub const DEFAULT_TAGS: i32 = 10;
/// The most tags `expertise` returns.
pub const MAX_TAGS: i32 = 50;
/// What deriving one person's expertise costs beyond what it returns: it reads all of
/// their visible replies, reactions to them, documents and roles.
pub const EXPERTISE_READ_COST: usize = 10;

/// What `Person.expertise` costs when a query is checked: the reading, plus `first`
/// tags times what each selects.
pub fn expertise_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let tags = usize::try_from(first.unwrap_or(DEFAULT_TAGS).clamp(0, MAX_TAGS)).unwrap_or(0);
    EXPERTISE_READ_COST.saturating_add(tags.saturating_mul(child_complexity)).saturating_add(1)
}

/// What the evidence list of a tag costs: at most [`EVIDENCE_MAX`] items.
pub fn evidence_cost(child_complexity: usize) -> usize {
    EVIDENCE_MAX.saturating_mul(child_complexity).saturating_add(1)
}

/// What shows a person's expertise: the question thread whose accepted answer they
/// wrote, a reply of theirs others marked USEFUL, a published document they authored,
/// or a community where they are content expert or mentor. Each is readable by the
/// viewer through `node(id:)`.
#[derive(Union, Clone)]
pub enum ExpertiseEvidence {
    /// A question thread whose accepted answer the person wrote.
    Thread(Thread),
    /// A reply of the person's that others marked USEFUL.
    Post(Post),
    /// A published document the person authored.
    Document(Document),
    /// A community where the person is content expert or mentor.
    Community(Community),
}

/// A person's expertise in one tag, from the activity the viewer may see.
#[derive(SimpleObject, Clone)]
pub struct ExpertiseScore {
    /// The tag: a community's field of knowledge (for answers, useful replies and roles
    /// there), or a document's tag or theme.
    pub tag: String,
    /// Accepted answers 3 points each, replies marked USEFUL 1 point per person (other
    /// than their author) who marked them, authored published documents 2 each, a role
    /// of content expert or mentor 2 per community.
    pub score: i32,
    /// What shows it, the most recent first (at most 5).
    #[graphql(complexity = "evidence_cost(child_complexity)")]
    pub evidence: Vec<ExpertiseEvidence>,
}

/// The expertise of `person_id` as the viewer may see it (the caller checked the viewer
/// sees the person's expertise field): at most `first` tags, by score then tag.
pub async fn expertise_of(
    ctx: &Context<'_>,
    person_id: i32,
    first: Option<i32>,
) -> async_graphql::Result<Vec<ExpertiseScore>> {
    let first = first.unwrap_or(DEFAULT_TAGS);
    if !(0..=MAX_TAGS).contains(&first) {
        return Err(crate::error::ServiceError::bad_input(
            "first",
            crate::i18n::Message::new("between").arg("min", 0).arg("max", MAX_TAGS),
        ))
        .gql();
    }
    if first == 0 {
        return Ok(Vec::new());
    }
    super::cost::surcharge(ctx, EXPERTISE_READ_COST);
    let scores = loader::<DerivedExpertise, _>(ctx).load_one(person_id).await.gql()?.unwrap_or_default();
    let scores: Vec<service::ExpertiseScore> = scores.into_iter().take(usize::try_from(first).unwrap_or(0)).collect();
    // Each item through the loader of its kind, with the filter of every other path.
    let ids = |pick: fn(&Evidence) -> Option<i32>| -> Vec<i32> {
        scores.iter().flat_map(|s| s.evidence.iter().filter_map(pick)).collect()
    };
    let (threads, posts, documents, communities) = (
        ids(|e| if let Evidence::Thread(id) = e { Some(*id) } else { None }),
        ids(|e| if let Evidence::Post(id) = e { Some(*id) } else { None }),
        ids(|e| if let Evidence::Document(id) = e { Some(*id) } else { None }),
        ids(|e| if let Evidence::Community(id) = e { Some(*id) } else { None }),
    );
    // Together, so that every person's look-ups of a kind fall in the same batch.
    let (threads, posts, documents, communities) = tokio::try_join!(
        load_some(loader::<IdLoader<ThreadById>, _>(ctx), threads),
        load_some(loader::<IdLoader<PostById>, _>(ctx), posts),
        load_some(loader::<IdLoader<DocumentById>, _>(ctx), documents),
        load_some(loader::<VisibleCommunityById, _>(ctx), communities),
    )?;
    Ok(scores
        .into_iter()
        .map(|s| ExpertiseScore {
            tag: s.tag,
            score: s.score,
            evidence: s
                .evidence
                .iter()
                .filter_map(|e| match e {
                    Evidence::Thread(id) => threads.get(id).cloned().map(|t| ExpertiseEvidence::Thread(Thread(t))),
                    Evidence::Post(id) => posts.get(id).cloned().map(|p| ExpertiseEvidence::Post(Post(p))),
                    Evidence::Document(id) => {
                        documents.get(id).cloned().map(|d| ExpertiseEvidence::Document(Document(d)))
                    }
                    Evidence::Community(id) => {
                        communities.get(id).cloned().map(|c| ExpertiseEvidence::Community(Community::new(c)))
                    }
                })
                .collect(),
        })
        .collect())
}

/// The values of these keys (no statement when there are none).
async fn load_some<L: Loader<i32, Error = LoadError>>(
    loader: &DataLoader<L>,
    keys: Vec<i32>,
) -> async_graphql::Result<HashMap<i32, L::Value>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    loader.load_many(keys).await.gql()
}
