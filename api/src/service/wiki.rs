//! Wiki pages of a community: Markdown bodies, revisions (every save numbered from 1),
//! saves that refuse to overwrite someone else's (`expectedRevision`), unified diffs
//! between revisions, and restoring an old revision.
//!
//! A page is read by the people who may read the community's discussions
//! ([`pages_visible`], the one predicate every path uses); to anyone else it is
//! `NOT_FOUND`, like a missing id.

use crate::i18n::Message;
use chrono::Utc;
use entity::{community, wiki_page, wiki_page_revision};
use policy::Action;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community as communities, validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

/// The longest page body, in characters.
pub const BODY_MAX: usize = 200_000;
/// How deep pages may nest under parents.
const MAX_DEPTH: usize = 10;
/// The most lines of a revision a diff compares (`BAD_USER_INPUT` naming the revision
/// beyond): with [`DIFF_TIMEOUT`], what bounds a diff's time and memory.
pub const DIFF_MAX_LINES: usize = 50_000;
/// How long a diff searches for the shortest edit; past it, it settles for a longer one
/// (still a correct diff: every line removed and added is shown).
pub const DIFF_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);
/// Lines compared per cost point a diff is charged.
pub const DIFF_LINES_PER_POINT: usize = 100;
/// The most cost points a diff is charged (two revisions of [`DIFF_MAX_LINES`]).
pub const DIFF_MAX_COST: usize = 2 * DIFF_MAX_LINES / DIFF_LINES_PER_POINT;

/// SQL condition on `wiki_page` rows: the pages the caller may read (those of the
/// communities whose discussions they may read).
pub fn pages_visible(app: &App, caller: &Caller) -> Condition {
    let backend = app.db.get_database_backend();
    let readable = community::Entity::find()
        .select_only()
        .column(community::Column::Id)
        .filter(access::visible_communities(&app.auth, backend, caller))
        .filter(access::communities_allowing(&app.auth, caller, Action::Read))
        .into_query();
    Condition::all().add(wiki_page::Column::CommunityId.in_subquery(readable))
}

/// The pages the caller may read.
pub fn pages_select(app: &App, caller: &Caller) -> sea_orm::Select<wiki_page::Entity> {
    wiki_page::Entity::find().filter(pages_visible(app, caller))
}

/// The page with this id, if the caller may read it.
pub async fn readable_page<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<wiki_page::Model> {
    pages_select(app, caller)
        .filter(wiki_page::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ServiceError::not_found("wiki page"))
}

/// The pages with these ids that the caller may read.
pub async fn readable_pages<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    ids: &[i32],
) -> ServiceResult<Vec<wiki_page::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(pages_select(app, caller).filter(wiki_page::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// The revision with this id and its page, if the caller may read the page. Only a
/// missing or unreadable revision is `NOT_FOUND`: a database failure stays what it is
/// (`UNAVAILABLE` when the database is away), never passed off as a missing revision.
pub async fn readable_revision<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<(wiki_page_revision::Model, wiki_page::Model)> {
    let not_found = || ServiceError::not_found("wiki page revision");
    let pages = pages_select(app, caller).select_only().column(wiki_page::Column::Id).into_query();
    let revision = wiki_page_revision::Entity::find_by_id(id)
        .filter(wiki_page_revision::Column::PageId.in_subquery(pages))
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let page = match readable_page(app, db, caller, revision.page_id).await {
        Err(ServiceError::NotFound { .. }) => return Err(not_found()),
        other => other?,
    };
    Ok((revision, page))
}

/// The revisions with these ids whose pages the caller may read.
pub async fn readable_revisions<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    ids: &[i32],
) -> ServiceResult<Vec<wiki_page_revision::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let pages = pages_select(app, caller).select_only().column(wiki_page::Column::Id).into_query();
    Ok(wiki_page_revision::Entity::find()
        .filter(wiki_page_revision::Column::Id.is_in(ids.iter().copied()))
        .filter(wiki_page_revision::Column::PageId.in_subquery(pages))
        .all(db)
        .await?)
}

/// Revisions of a page (already checked readable).
pub fn revisions_select(page_id: i32) -> sea_orm::Select<wiki_page_revision::Entity> {
    wiki_page_revision::Entity::find().filter(wiki_page_revision::Column::PageId.eq(page_id))
}

/// Whether holders of `roles` in `community` (which the caller may see) may edit its wiki.
pub fn can_edit_in(app: &App, community: &community::Model, roles: &[policy::Role]) -> bool {
    access::allowed(&app.auth, roles, community, Action::EditWiki)
}

/// Input of [`create`].
#[derive(Debug, Clone)]
pub struct NewPage {
    pub community_id: i32,
    pub parent_id: Option<i32>,
    pub title: String,
    pub body: String,
    pub change_note: String,
}

fn audit_record<'a>(
    caller: &'a Caller,
    page: &wiki_page::Model,
    action: &'a str,
    after: serde_json::Value,
) -> AuditRecord<'a> {
    AuditRecord {
        scope: AuditScope::Community(page.community_id),
        actor_id: caller.person_id(),
        action,
        target_type: "wiki_page",
        target_id: Some(page.id),
        before: None,
        after: Some(after),
        request_id: caller.request_id.as_deref(),
    }
}

async fn insert_revision<C: ConnectionTrait>(
    db: &C,
    page: &wiki_page::Model,
    author_id: i32,
    change_note: String,
) -> ServiceResult<wiki_page_revision::Model> {
    Ok(wiki_page_revision::ActiveModel {
        page_id: Set(page.id),
        number: Set(page.revision),
        title: Set(page.title.clone()),
        body: Set(page.body.clone()),
        change_note: Set(change_note),
        author_id: Set(author_id),
        created_at: Set(page.updated_at),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Creates a page (revision 1): people the policy lets edit the community's wiki.
pub async fn create(app: &App, caller: &Caller, input: NewPage) -> ServiceResult<wiki_page::Model> {
    let actor = caller.actor()?;
    let title = validate::required_text("title", &input.title, validate::TITLE_MAX)?;
    let body = validate::multiline("body", &input.body, BODY_MAX)?;
    let change_note = validate::multiline("changeNote", &input.change_note, validate::DESCRIPTION_MAX)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (community, roles) =
        communities::authorized(app, &txn, caller, input.community_id, Action::Read).await.map_err(|e| match e {
            ServiceError::Forbidden(_) => ServiceError::not_found("community"),
            e => e,
        })?;
    access::ensure(&app.auth, &roles, &community, Action::EditWiki)?;
    if let Some(parent_id) = input.parent_id {
        let parent = readable_page(app, &txn, caller, parent_id).await.map_err(|e| match e {
            ServiceError::NotFound { .. } => ServiceError::not_found("parent"),
            e => e,
        })?;
        if parent.community_id != community.id {
            return Err(ServiceError::bad_input("parentId", Message::new("page-other-community")));
        }
        depth_below(&txn, parent_id).await?;
    }
    let now = Utc::now();
    let page = wiki_page::ActiveModel {
        community_id: Set(community.id),
        parent_id: Set(input.parent_id),
        title: Set(title),
        body: Set(body),
        revision: Set(1),
        created_by: Set(actor.person_id),
        updated_by: Set(actor.person_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_revision(&txn, &page, actor.person_id, change_note).await?;
    audit::record(&txn, audit_record(caller, &page, "create_wiki_page", json!({ "title": page.title, "revision": 1 })))
        .await?;
    txn.commit().await?;
    Ok(page)
}

/// Refuses a parent already [`MAX_DEPTH`] deep.
async fn depth_below<C: ConnectionTrait>(db: &C, parent_id: i32) -> ServiceResult<()> {
    let mut current = Some(parent_id);
    for _ in 0..MAX_DEPTH {
        let Some(id) = current else { return Ok(()) };
        current = wiki_page::Entity::find_by_id(id).one(db).await?.and_then(|p| p.parent_id);
    }
    if current.is_some() {
        return Err(ServiceError::bad_input("parentId", Message::new("pages-depth").arg("max", MAX_DEPTH)));
    }
    Ok(())
}

/// Changes of [`update`].
#[derive(Debug, Clone)]
pub struct PageChanges {
    pub expected_revision: i32,
    pub title: Option<String>,
    pub body: Option<String>,
    pub change_note: String,
}

/// Saves a new revision of a page, only over revision `expected_revision`: when someone
/// saved in between, `CONFLICT` on `expectedRevision` and nothing changes.
pub async fn update(app: &App, caller: &Caller, id: i32, changes: PageChanges) -> ServiceResult<wiki_page::Model> {
    let actor = caller.actor()?;
    let title =
        changes.title.as_deref().map(|t| validate::required_text("title", t, validate::TITLE_MAX)).transpose()?;
    let body = changes.body.as_deref().map(|b| validate::multiline("body", b, BODY_MAX)).transpose()?;
    let change_note = validate::multiline("changeNote", &changes.change_note, validate::DESCRIPTION_MAX)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let page = readable_page(app, &txn, caller, id).await?;
    ensure_edit(app, &txn, caller, &page).await?;
    let page = save(
        &txn,
        caller,
        page,
        changes.expected_revision,
        title,
        body,
        change_note,
        actor.person_id,
        "update_wiki_page",
    )
    .await?;
    txn.commit().await?;
    Ok(page)
}

/// Refuses unless the caller may edit the page's wiki.
async fn ensure_edit<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    page: &wiki_page::Model,
) -> ServiceResult<()> {
    let Some((community, ties)) =
        communities::find_with_ties(app, db, caller, communities::Key::Id(page.community_id)).await?
    else {
        return Err(ServiceError::not_found("wiki page"));
    };
    access::ensure(&app.auth, &ties.roles(caller), &community, Action::EditWiki)
}

#[expect(clippy::too_many_arguments, reason = "one save: the page, the check, the new state and who saves it")]
async fn save<C: ConnectionTrait>(
    txn: &C,
    caller: &Caller,
    page: wiki_page::Model,
    expected_revision: i32,
    title: Option<String>,
    body: Option<String>,
    change_note: String,
    author_id: i32,
    audit_action: &str,
) -> ServiceResult<wiki_page::Model> {
    let conflict =
        || ServiceError::Conflict { field: "expectedRevision".into(), message: Message::new("page-saved-since") };
    if page.revision != expected_revision {
        return Err(conflict());
    }
    let now = Utc::now();
    let next = expected_revision + 1;
    let title = title.unwrap_or_else(|| page.title.clone());
    let body = body.unwrap_or_else(|| page.body.clone());
    // Saved only over the revision read, in one statement: of two saves over the same
    // revision, exactly one changes the row.
    let saved = wiki_page::Entity::update_many()
        .col_expr(wiki_page::Column::Revision, Expr::value(next))
        .col_expr(wiki_page::Column::Title, Expr::value(title))
        .col_expr(wiki_page::Column::Body, Expr::value(body))
        .col_expr(wiki_page::Column::UpdatedBy, Expr::value(author_id))
        .col_expr(wiki_page::Column::UpdatedAt, Expr::value(now))
        .filter(wiki_page::Column::Id.eq(page.id))
        .filter(Expr::col(wiki_page::Column::Revision).eq(expected_revision))
        .exec(txn)
        .await?;
    if saved.rows_affected != 1 {
        return Err(conflict());
    }
    let page = wiki_page::Entity::find_by_id(page.id).one(txn).await?.ok_or(ServiceError::not_found("wiki page"))?;
    insert_revision(txn, &page, author_id, change_note).await?;
    audit::record(txn, audit_record(caller, &page, audit_action, json!({ "title": page.title, "revision": next })))
        .await?;
    Ok(page)
}

/// Makes an old revision's title and body current again, as a new revision.
pub async fn restore(app: &App, caller: &Caller, revision_id: i32) -> ServiceResult<wiki_page::Model> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (old, page) = readable_revision(app, &txn, caller, revision_id).await?;
    ensure_edit(app, &txn, caller, &page).await?;
    let expected = page.revision;
    let note = format!("Restored revision {}", old.number);
    let page = save(
        &txn,
        caller,
        page,
        expected,
        Some(old.title),
        Some(old.body),
        note,
        actor.person_id,
        "restore_wiki_page_revision",
    )
    .await?;
    txn.commit().await?;
    Ok(page)
}

/// The diffs that may run at once, in the whole process: half the cores (at least one),
/// so that many diffs in one operation, or in many, never take every blocking thread;
/// the others wait for a permit.
static DIFF_PERMITS: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    tokio::sync::Semaphore::new(diff_permits(cores))
});

/// How many diffs run at once on a machine of `cores` cores.
pub fn diff_permits(cores: usize) -> usize {
    (cores / 2).max(1)
}

/// The cost points a diff of `lines` lines that took `elapsed` is charged: a point per
/// [`DIFF_LINES_PER_POINT`] lines or per 5 ms, whichever is more, and the most
/// ([`DIFF_MAX_COST`]) for one that ran until [`DIFF_TIMEOUT`].
pub fn diff_charge(lines: usize, elapsed: std::time::Duration) -> usize {
    if elapsed >= DIFF_TIMEOUT {
        return DIFF_MAX_COST;
    }
    let by_time = usize::try_from(elapsed.as_millis() / 5).unwrap_or(usize::MAX);
    (lines / DIFF_LINES_PER_POINT).max(by_time).min(DIFF_MAX_COST)
}

/// A diff of two revisions and the work it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WikiDiff {
    /// The unified diff.
    pub text: String,
    /// The lines compared (both revisions').
    pub lines: usize,
    /// The cost points it is charged ([`diff_charge`]).
    pub cost: usize,
}

/// A unified diff of two revisions of the same page (bodies, line by line): each of at
/// most [`DIFF_MAX_LINES`] lines, compared for at most [`DIFF_TIMEOUT`], on a blocking
/// thread (never on the threads that serve requests).
pub async fn diff(app: &App, caller: &Caller, from_id: i32, to_id: i32) -> ServiceResult<WikiDiff> {
    let (from, _) = readable_revision(app, &app.db, caller, from_id).await?;
    let (to, _) = readable_revision(app, &app.db, caller, to_id).await?;
    if from.page_id != to.page_id {
        return Err(ServiceError::bad_input("toRevisionId", Message::new("revision-other-page")));
    }
    let mut lines = 0;
    for (field, revision) in [("fromRevisionId", &from), ("toRevisionId", &to)] {
        let count = revision.body.lines().count();
        if count > DIFF_MAX_LINES {
            return Err(ServiceError::bad_input(
                field,
                Message::new("revision-too-long").arg("number", revision.number),
            ));
        }
        lines += count;
    }
    let _permit = DIFF_PERMITS
        .acquire()
        .await
        .map_err(|err| ServiceError::Internal(format!("the diff permits are closed: {err}")))?;
    let (text, elapsed) = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let text = unified_diff(&from, &to);
        (text, started.elapsed())
    })
    .await
    .map_err(|err| ServiceError::Internal(format!("the diff did not finish: {err}")))?;
    Ok(WikiDiff { text, lines, cost: diff_charge(lines, elapsed) })
}

/// The unified diff of two revisions' bodies, headed with their numbers, searched for at
/// most [`DIFF_TIMEOUT`].
pub fn unified_diff(from: &wiki_page_revision::Model, to: &wiki_page_revision::Model) -> String {
    // Bodies are stored trimmed: each ends its last line here, so that a line added at
    // the end reads as one added line.
    let line_ended =
        |body: &str| if body.is_empty() || body.ends_with('\n') { body.to_owned() } else { format!("{body}\n") };
    let (old, new) = (line_ended(&from.body), line_ended(&to.body));
    similar::TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("revision {}", from.number), &format!("revision {}", to.number))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn revision(number: i32, body: &str) -> wiki_page_revision::Model {
        wiki_page_revision::Model {
            id: number,
            page_id: 1,
            number,
            title: String::new(),
            body: body.to_owned(),
            change_note: String::new(),
            author_id: 1,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn diffs_run_on_half_the_cores_and_a_diff_at_its_deadline_costs_the_most() {
        assert_eq!(diff_permits(1), 1);
        assert_eq!(diff_permits(2), 1);
        assert_eq!(diff_permits(8), 4);
        let ms = std::time::Duration::from_millis;
        assert_eq!(diff_charge(1_000, ms(1)), 10, "by lines");
        assert_eq!(diff_charge(1_000, ms(200)), 40, "by time");
        assert_eq!(diff_charge(10, DIFF_TIMEOUT), DIFF_MAX_COST, "at the deadline");
        assert_eq!(diff_charge(100_000, ms(0)), DIFF_MAX_COST);
    }

    #[test]
    fn diffs_are_unified() {
        let diff = unified_diff(&revision(1, "a\nb\nc\n"), &revision(2, "a\nB\nc\n"));
        assert_eq!(diff, "--- revision 1\n+++ revision 2\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
        let appended = unified_diff(&revision(1, "a\nb"), &revision(2, "a\nb\nc"));
        assert_eq!(appended, "--- revision 1\n+++ revision 2\n@@ -1,2 +1,3 @@\n a\n b\n+c\n");
    }

    #[test]
    fn the_cap_and_its_message_agree() {
        assert_eq!(DIFF_MAX_LINES, 50_000, "the message of `diff` names 50,000 lines");
        assert_eq!(DIFF_MAX_COST, 1_000);
    }
}
