//! Per-request DataLoaders: every relation is fetched in batches, so a nested query costs
//! a fixed number of SQL statements whatever the number of rows.
//!
//! Loaders live for one request only: they hold the viewer, and nothing one person may
//! see is ever cached for another.

use std::{collections::HashMap, future::Future, marker::PhantomData, sync::Arc};

use async_graphql::{
    SelectionField,
    dataloader::{DataLoader, Loader},
};
use entity::{
    community, community_organization, document_version, membership, organization, person, post, subgroup, theme,
    thread, wiki_page_revision,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    service::{
        App, access, community as communities, directory, discussion, event, expertise, library,
        page::{self, Page, PageRequest},
        person as people, thread_reading, translation,
    },
};

/// Loader errors must be cloneable.
pub type LoadError = Arc<ServiceError>;

/// An entity looked up by its integer id.
pub trait ById: Send + Sync + 'static {
    type Model: Clone + Send + Sync + 'static;
    fn load(app: &App, caller: &Caller, ids: &[i32]) -> impl Future<Output = ServiceResult<Vec<Self::Model>>> + Send;
    fn id(model: &Self::Model) -> i32;
}

macro_rules! by_id {
    ($(#[$doc:meta])* $marker:ident, $module:ident, |$app:ident, $caller:ident| $filter:expr) => {
        $(#[$doc])*
        pub struct $marker;
        impl ById for $marker {
            type Model = $module::Model;
            async fn load($app: &App, $caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<Self::Model>> {
                Ok($module::Entity::find()
                    .filter($module::Column::Id.is_in(ids.iter().copied()))
                    .filter($filter)
                    .all(&$app.db)
                    .await?)
            }
            fn id(model: &Self::Model) -> i32 {
                model.id
            }
        }
    };
}

by_id!(
    /// Organizations by id (the network's organizations are public).
    OrganizationById, organization, |_app, _caller| sea_orm::Condition::all()
);

/// Subgroups by id that the viewer may see: the filter of `Community.subgroups` and
/// `node(id:)` ([`communities::readable_subgroups_select`]), so `Thread.subgroup` and
/// `Event.subgroup` never show a subgroup those would not (a subgroup of a community the
/// viewer may only see, or one whose content they may not read). There is deliberately
/// no unfiltered loader of subgroups.
pub struct SubgroupById;
impl ById for SubgroupById {
    type Model = subgroup::Model;
    async fn load(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<Self::Model>> {
        Ok(communities::readable_subgroups_select(app, caller)
            .filter(subgroup::Column::Id.is_in(ids.iter().copied()))
            .all(&app.db)
            .await?)
    }
    fn id(model: &Self::Model) -> i32 {
        model.id
    }
}

/// Threads by id that the viewer may read ([`discussion::threads_select`], the filter of
/// every other path): a relation (a post's thread) never reaches around it. There is
/// deliberately no unfiltered loader of threads.
pub struct ThreadById;
impl ById for ThreadById {
    type Model = thread::Model;
    async fn load(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<Self::Model>> {
        discussion::threads_by_ids(app, caller, ids).await
    }
    fn id(model: &Self::Model) -> i32 {
        model.id
    }
}

/// Posts by id that the viewer may read ([`discussion::posts_select`]): a thread's
/// accepted answer, the reply a reply answers, a report's reply. There is deliberately
/// no unfiltered loader of posts.
pub struct PostById;
impl ById for PostById {
    type Model = post::Model;
    async fn load(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<Self::Model>> {
        discussion::posts_by_ids(app, caller, ids).await
    }
    fn id(model: &Self::Model) -> i32 {
        model.id
    }
}

/// Documents by id that the viewer may read ([`library::documents_select`], audience
/// included): evidence of expertise. There is deliberately no unfiltered loader.
pub struct DocumentById;
impl ById for DocumentById {
    type Model = entity::document::Model;
    async fn load(app: &App, caller: &Caller, ids: &[i32]) -> ServiceResult<Vec<Self::Model>> {
        library::readable_documents(app, &app.db, caller, ids).await
    }
    fn id(model: &Self::Model) -> i32 {
        model.id
    }
}

/// The expertise of people derived from the activity the viewer may see (the resolver
/// checks the viewer sees their expertise), a fixed number of statements per batch.
pub struct DerivedExpertise {
    app: App,
    caller: Caller,
}

impl Loader<i32> for DerivedExpertise {
    type Value = Vec<expertise::ExpertiseScore>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        expertise::derived_expertise(&self.app, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// The reactions to posts (reached through readable threads): who reacted, and how.
pub struct PostReactions {
    app: App,
}

impl Loader<i32> for PostReactions {
    type Value = Vec<(entity::enums::Reaction, i32)>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        discussion::reactions_of(&self.app.db, keys).await.map_err(Arc::new)
    }
}

/// The earlier texts of posts (the resolver checks the viewer moderates them).
pub struct PostRevisions {
    app: App,
}

impl Loader<i32> for PostRevisions {
    type Value = Vec<entity::post_revision::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        discussion::revisions_of(&self.app.db, keys).await.map_err(Arc::new)
    }
}

/// The version of documents in use for the viewer (readable documents only).
pub struct CurrentVersions {
    app: App,
    caller: Caller,
}

impl Loader<i32> for CurrentVersions {
    type Value = document_version::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        library::current_versions(&self.app, &self.app.db, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// The people credited as authors of documents (readable ones), in order; the people
/// themselves are read through [`PersonById`].
pub struct DocumentAuthors {
    app: App,
}

impl Loader<i32> for DocumentAuthors {
    type Value = Vec<i32>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        library::author_ids(&self.app.db, keys).await.map_err(Arc::new)
    }
}

/// The themes of documents the viewer may see, by name.
pub struct DocumentThemes {
    app: App,
    caller: Caller,
}

impl Loader<i32> for DocumentThemes {
    type Value = Vec<theme::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        library::document_themes(&self.app, &self.app.db, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// Whether the viewer may post in subgroups (and so add to their documents), once per
/// subgroup of the request.
pub struct SubgroupPosting {
    app: App,
    caller: Caller,
}

impl Loader<i32> for SubgroupPosting {
    type Value = bool;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for id in keys {
            let (_, post, _) = access::subgroup_permissions(&self.app.auth, &self.app.db, &self.caller, *id)
                .await
                .map_err(Arc::new)?;
            out.insert(*id, post);
        }
        Ok(out)
    }
}

/// How many replies of threads are new to the viewer (threads reached through readable
/// ones), one statement per batch.
pub struct ThreadUnreadCounts {
    app: App,
    caller: Caller,
}

impl Loader<i32> for ThreadUnreadCounts {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let counts = thread_reading::unread_counts(&self.app, &self.caller, keys).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (*k, counts.get(k).copied().unwrap_or(0))).collect())
    }
}

/// The viewer's read position in threads and whether they follow them, one statement
/// per batch.
pub struct ThreadReaders {
    app: App,
    caller: Caller,
}

impl Loader<i32> for ThreadReaders {
    type Value = entity::thread_reader::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = thread_reading::rows_of(&self.app, &self.caller, keys).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|m| (m.thread_id, m)).collect())
    }
}

/// Batches look-ups by id.
pub struct IdLoader<T: ById> {
    app: App,
    caller: Caller,
    _kind: PhantomData<T>,
}

impl<T: ById> Loader<i32> for IdLoader<T> {
    type Value = T::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = T::load(&self.app, &self.caller, keys).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|m| (T::id(&m), m)).collect())
    }
}

/// Communities by id, as the viewer may see them (the visibility filter of every other
/// path, in the same statement): the only way a relation reaches a community, so a
/// former member, a removed sponsor or anyone holding an old id gets nothing from a
/// community that is secret to them. There is deliberately no unfiltered loader.
pub struct VisibleCommunityById {
    app: App,
    caller: Caller,
}

impl Loader<i32> for VisibleCommunityById {
    type Value = community::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = communities::visible_by_ids(&self.app, &self.caller, keys).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}

/// People by id, for logged-in viewers only: anonymous callers never read people,
/// whatever relation leads to them (no statement is even run).
pub struct PersonById {
    app: App,
    caller: Caller,
}

impl Loader<i32> for PersonById {
    type Value = person::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let rows = people::find_by_ids(&self.app.db, &self.caller, keys).await.map_err(Arc::new)?;
        Ok(rows.into_iter().map(|m| (m.id, m)).collect())
    }
}

/// The organizers of events the viewer may name, by event (one statement per batch).
pub struct EventOrganizers {
    app: App,
    caller: Caller,
}

impl Loader<i32> for EventOrganizers {
    type Value = Vec<i32>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        event::visible_organizers(&self.app, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// What the viewer may do with events (`viewerCan`), by event id, in a fixed number of
/// statements per batch.
pub struct EventPermissionsLoader {
    app: App,
    caller: Caller,
}

impl Loader<i32> for EventPermissionsLoader {
    type Value = event::EventPermissions;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        event::permissions_by_ids(&self.app, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// Counts of answers to occurrences, by (event, original start): one `COUNT … GROUP BY`
/// per batch (the occurrences are reached through visible events).
pub struct RsvpCountsLoader {
    app: App,
}

impl Loader<(i32, chrono::DateTime<chrono::Utc>)> for RsvpCountsLoader {
    type Value = event::RsvpCounts;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(i32, chrono::DateTime<chrono::Utc>)],
    ) -> Result<HashMap<(i32, chrono::DateTime<chrono::Utc>), Self::Value>, Self::Error> {
        let counts = event::rsvp_counts(&self.app.db, keys).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (*k, counts.get(k).copied().unwrap_or_default())).collect())
    }
}

/// The attendance of occurrences, by (event, original start), for those who may manage
/// their events (`None` for the others), in a fixed number of statements per batch.
pub struct AttendanceLoader {
    app: App,
    caller: Caller,
}

impl Loader<(i32, chrono::DateTime<chrono::Utc>)> for AttendanceLoader {
    type Value = Option<Vec<entity::event_attendance::Model>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(i32, chrono::DateTime<chrono::Utc>)],
    ) -> Result<HashMap<(i32, chrono::DateTime<chrono::Utc>), Self::Value>, Self::Error> {
        event::attendance_by_occurrence(&self.app, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// The viewer's standing towards people (what decides which of their profile fields
/// the viewer sees), at most two statements per batch.
pub struct ProfileStandings {
    app: App,
    caller: Caller,
}

impl Loader<i32> for ProfileStandings {
    type Value = directory::Standing;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        directory::standings(&self.app.db, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// The declared expertise tags of people (the resolver checks the viewer sees them), one
/// statement per batch.
pub struct PersonExpertise {
    app: App,
}

impl Loader<i32> for PersonExpertise {
    type Value = Vec<String>;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        directory::expertise_of(&self.app.db, keys).await.map_err(Arc::new)
    }
}

/// The translations of named things (of one kind or several), one statement per kind
/// per batch. Keys come only from things the viewer already reached through their own
/// visibility filter (a community, a subgroup, a theme…): translations have no other
/// path, so a secret community's stay as secret as its name.
pub struct Translations {
    app: App,
}

impl Loader<(translation::Owner, i32)> for Translations {
    type Value = Vec<translation::Translation>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(translation::Owner, i32)],
    ) -> Result<HashMap<(translation::Owner, i32), Self::Value>, Self::Error> {
        let mut by_owner: HashMap<translation::Owner, Vec<i32>> = HashMap::new();
        for (owner, id) in keys {
            by_owner.entry(*owner).or_default().push(*id);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (owner, ids) in by_owner {
            let found = translation::of(&self.app.db, owner, &ids).await.map_err(Arc::new)?;
            out.extend(found.into_iter().map(|(id, list)| ((owner, id), list)));
        }
        Ok(out)
    }
}

/// A list of children hanging off parents (the threads of communities…), as the viewer
/// may see it.
pub trait ChildList: Send + Sync + 'static {
    type Model: Clone + Send + Sync + 'static;
    fn pages(
        app: &App,
        caller: &Caller,
        parents: &[i32],
        req: &PageRequest,
    ) -> impl Future<Output = ServiceResult<HashMap<i32, Page<Self::Model>>>> + Send;
    fn counts(
        app: &App,
        caller: &Caller,
        parents: &[i32],
    ) -> impl Future<Output = ServiceResult<HashMap<i32, u64>>> + Send;
}

macro_rules! child_list {
    ($(#[$doc:meta])* $marker:ident, $module:ident, $parent:ident, $parent_field:ident, |$app:ident, $caller:ident, $parents:ident| $select:expr) => {
        $(#[$doc])*
        pub struct $marker;
        impl ChildList for $marker {
            type Model = $module::Model;
            async fn pages(
                $app: &App,
                $caller: &Caller,
                $parents: &[i32],
                req: &PageRequest,
            ) -> ServiceResult<HashMap<i32, Page<Self::Model>>> {
                page::fetch_per_parent(
                    &$app.db,
                    $select,
                    $module::Column::Id,
                    $module::Column::$parent,
                    $parents,
                    |m| m.$parent_field,
                    req,
                )
                .await
            }
            async fn counts($app: &App, $caller: &Caller, $parents: &[i32]) -> ServiceResult<HashMap<i32, u64>> {
                page::count_per_parent(&$app.db, $select, $module::Column::Id, $module::Column::$parent, $parents).await
            }
        }
    };
}

child_list!(
    /// Participating organizations of communities.
    CommunityOrganizations, community_organization, CommunityId, community_id, |_app, _caller, _parents| communities::organizations_select()
);
child_list!(
    /// Active members of communities.
    CommunityMembers, membership, CommunityId, community_id, |_app, _caller, _parents| communities::members_select()
);
child_list!(
    /// Subgroups of communities.
    CommunitySubgroups, subgroup, CommunityId, community_id, |app, caller, _parents| communities::subgroups_select(app, caller)
);
child_list!(
    /// Threads of communities.
    CommunityThreads, thread, CommunityId, community_id, |app, caller, _parents| discussion::threads_select(app, caller)
);
child_list!(
    /// Posts of threads.
    ThreadPosts, post, ThreadId, thread_id, |app, caller, parents| discussion::posts_of_threads_select(
        app,
        caller,
        sea_orm::Condition::all().add(thread::Column::Id.is_in(parents.iter().copied()))
    )
);
child_list!(
    /// Versions of documents, as the viewer may read them (see `library::versions_visible`).
    DocumentVersions, document_version, DocumentId, document_id, |app, caller, _parents| document_version::Entity::find()
        .filter(library::versions_visible(app, caller))
);
child_list!(
    /// Revisions of wiki pages (reached through readable pages only).
    WikiPageRevisions, wiki_page_revision, PageId, page_id, |_app, _caller, _parents| wiki_page_revision::Entity::find()
);
child_list!(
    /// Memberships shown on other people's profiles: active ones, of visible communities.
    PersonMembershipsShared, membership, PersonId, person_id, |app, caller, _parents| membership::Entity::find()
        .filter(access::visible_memberships_of(&app.auth, app.db.get_database_backend(), caller, None))
);
child_list!(
    /// Memberships through which the viewer and a person share a community (see
    /// `directory::shared_memberships`).
    PersonSharedMemberships, membership, PersonId, person_id, |app, caller, _parents| membership::Entity::find()
        .filter(directory::shared_memberships(app, caller))
);
child_list!(
    /// Every membership of a person (for themselves and network administrators).
    PersonMembershipsAll, membership, PersonId, person_id, |_app, _caller, _parents| membership::Entity::find()
);
child_list!(
    /// Communities an organization takes part in, as the viewer may see them.
    OrganizationCommunities, community_organization, OrganizationId, organization_id, |app, caller, _parents|
        communities::organizations_select().filter(
            community_organization::Column::CommunityId.in_subquery(access::visible_community_ids(&app.auth, app.db.get_database_backend(), caller))
        )
);

/// Batches pages of a child list; keys are (parent id, page request).
pub struct PageLoader<T: ChildList> {
    app: App,
    caller: Caller,
    _kind: PhantomData<T>,
}

impl<T: ChildList> Loader<(i32, PageRequest)> for PageLoader<T> {
    type Value = Page<T::Model>;
    type Error = LoadError;

    async fn load(&self, keys: &[(i32, PageRequest)]) -> Result<HashMap<(i32, PageRequest), Self::Value>, Self::Error> {
        // Sibling fields usually share one page request: one statement per distinct request.
        let mut by_request: HashMap<PageRequest, Vec<i32>> = HashMap::new();
        for (parent, req) in keys {
            by_request.entry(req.clone()).or_default().push(*parent);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (req, parents) in by_request {
            let mut pages = T::pages(&self.app, &self.caller, &parents, &req).await.map_err(Arc::new)?;
            for parent in parents {
                out.insert((parent, req.clone()), pages.remove(&parent).unwrap_or_else(Page::empty));
            }
        }
        Ok(out)
    }
}

/// Batches counts of a child list.
pub struct CountLoader<T: ChildList> {
    app: App,
    caller: Caller,
    _kind: PhantomData<T>,
}

impl<T: ChildList> Loader<i32> for CountLoader<T> {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, u64>, Self::Error> {
        let counts = T::counts(&self.app, &self.caller, keys).await.map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (*k, counts.get(k).copied().unwrap_or(0))).collect())
    }
}

/// The caller's ties (membership, sponsorship) to communities, in one statement.
pub struct ViewerTiesLoader {
    app: App,
    caller: Caller,
}

impl Loader<i32> for ViewerTiesLoader {
    type Value = communities::Ties;
    type Error = LoadError;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        communities::ties_to(&self.app.db, &self.caller, keys).await.map_err(Arc::new)
    }
}

/// Pages of a child list read ahead with their parent (in the parent's statement), kept
/// for the request until the list's field resolves and takes them. What is kept is what
/// [`PageLoader`] would read for the same parent, page and caller — the same filters
/// build both — but its rows carry only the columns the query's field said its nodes
/// use: a page is handed only to a field whose nodes use no other column. Another field
/// of the request asking for the same parent and page (another alias, another path to
/// the same community or thread, resolving while the page waits) reads through the
/// loader, never rows whose other columns took their defaults.
pub struct ReadAhead<T: ChildList> {
    pages: std::sync::Mutex<PagesByParent<T::Model>>,
    /// The columns the nodes of a field of this list read (empty: all of them).
    columns_of: fn(&SelectionField<'_>) -> Vec<&'static str>,
}

/// Pages by parent id and page request, with the columns their rows carry (empty: all).
type PagesByParent<M> = HashMap<(i32, PageRequest), (Page<M>, Vec<&'static str>)>;

impl<T: ChildList> ReadAhead<T> {
    /// An empty store for a list whose fields' nodes read `columns_of` (empty: all).
    pub fn new(columns_of: fn(&SelectionField<'_>) -> Vec<&'static str>) -> Self {
        Self { pages: std::sync::Mutex::default(), columns_of }
    }

    /// Keeps the page of `parent` for `req`, whose rows carry `columns` (empty: all).
    pub fn put(&self, parent: i32, req: PageRequest, columns: Vec<&'static str>, page: Page<T::Model>) {
        if let Ok(mut pages) = self.pages.lock() {
            pages.insert((parent, req), (page, columns));
        }
    }

    /// Takes the page of `parent` for `req` for connection field `field`, if it was read
    /// ahead with every column the nodes of `field` read.
    pub fn take(&self, parent: i32, req: &PageRequest, field: &SelectionField<'_>) -> Option<Page<T::Model>> {
        let mut pages = self.pages.lock().ok()?;
        let key = (parent, req.clone());
        let (_, carried) = pages.get(&key)?;
        if !covers(carried, || (self.columns_of)(field)) {
            return None;
        }
        pages.remove(&key).map(|(page, _)| page)
    }
}

/// Values of a loader `L` read ahead with their parent (in the parent's statement: a
/// thread's count of unread replies, a post's reactions), kept for the request. They are
/// what `L` would read for the same key and caller, and do not depend on the columns a
/// row carries, so any field asking for a key that was read ahead takes its value.
pub struct ReadAheadValues<L: Loader<i32>> {
    values: std::sync::Mutex<HashMap<i32, L::Value>>,
}

impl<L: Loader<i32>> Default for ReadAheadValues<L> {
    fn default() -> Self {
        Self { values: std::sync::Mutex::default() }
    }
}

impl<L: Loader<i32>> ReadAheadValues<L> {
    /// Keeps these values, by key.
    pub fn put(&self, values: impl IntoIterator<Item = (i32, L::Value)>) {
        if let Ok(mut kept) = self.values.lock() {
            kept.extend(values);
        }
    }
}

/// The value of `key` read ahead, or else the one `L` loads (batched).
pub async fn read_ahead_or_load<L>(ctx: &async_graphql::Context<'_>, key: i32) -> Result<Option<L::Value>, LoadError>
where
    L: Loader<i32, Error = LoadError>,
    L::Value: Clone,
{
    let ahead = ctx.data_opt::<ReadAheadValues<L>>().and_then(|kept| kept.values.lock().ok()?.get(&key).cloned());
    match ahead {
        Some(value) => Ok(Some(value)),
        None => loader::<L, _>(ctx).load_one(key).await,
    }
}

/// Rows of `T` by id read ahead with their parent (a thread's accepted answer), kept for
/// the request. They passed the filter `T` applies, but carry only the columns the
/// query's field said it uses: a row is handed only to a field whose selection uses no
/// other column (any other reads through `T`'s loader).
pub struct ReadAheadRows<T: ById> {
    rows: std::sync::Mutex<HashMap<i32, RowWithColumns<T::Model>>>,
}

/// A row read ahead and the columns it carries.
type RowWithColumns<M> = (M, Vec<&'static str>);

impl<T: ById> Default for ReadAheadRows<T> {
    fn default() -> Self {
        Self { rows: std::sync::Mutex::default() }
    }
}

impl<T: ById> ReadAheadRows<T> {
    /// Keeps these rows, which carry `columns` (never empty: the id at least).
    pub fn put(&self, rows: impl IntoIterator<Item = T::Model>, columns: &[&'static str]) {
        if let Ok(mut kept) = self.rows.lock() {
            kept.extend(rows.into_iter().map(|row| (T::id(&row), (row, columns.to_vec()))));
        }
    }

    /// The row `id` if it was read ahead with every column in `needed` (`None`: every
    /// column, which a row read ahead never carries).
    pub fn get(&self, id: i32, needed: Option<&[&'static str]>) -> Option<T::Model> {
        let needed = needed?;
        let kept = self.rows.lock().ok()?;
        let (row, carried) = kept.get(&id)?;
        needed.iter().all(|column| carried.contains(column)).then(|| row.clone())
    }
}

/// Whether rows carrying the columns `carried` (empty: all) hold every column a field
/// reads (`needed`; empty: all, or the id alone, which every row carries).
fn covers(carried: &[&'static str], needed: impl FnOnce() -> Vec<&'static str>) -> bool {
    if carried.is_empty() {
        return true;
    }
    let needed = needed();
    !needed.is_empty() && needed.iter().all(|column| carried.contains(column))
}

/// The names of these columns.
pub fn column_names<C: sea_orm::IdenStatic>(columns: &[C]) -> Vec<&'static str> {
    columns.iter().map(sea_orm::IdenStatic::as_str).collect()
}

/// The columns of `thread` the nodes of a `threads` field read.
fn thread_columns(field: &SelectionField<'_>) -> Vec<&'static str> {
    column_names(&super::connection::node_columns(field, super::discussion::Thread::columns_for))
}

/// The columns of `post` the nodes of a `posts` field read.
fn post_columns(field: &SelectionField<'_>) -> Vec<&'static str> {
    column_names(&super::connection::node_columns(field, super::discussion::Post::columns_for))
}

/// Adds one loader of each kind to a request: loaders batch only when shared.
pub fn register(request: async_graphql::Request, app: &App, caller: &Caller) -> async_graphql::Request {
    fn by_id<T: ById>(app: &App, caller: &Caller) -> DataLoader<IdLoader<T>> {
        DataLoader::new(IdLoader { app: app.clone(), caller: caller.clone(), _kind: PhantomData }, tokio::spawn)
    }
    fn pages<T: ChildList>(app: &App, caller: &Caller) -> DataLoader<PageLoader<T>> {
        DataLoader::new(PageLoader { app: app.clone(), caller: caller.clone(), _kind: PhantomData }, tokio::spawn)
    }
    fn counts<T: ChildList>(app: &App, caller: &Caller) -> DataLoader<CountLoader<T>> {
        DataLoader::new(CountLoader { app: app.clone(), caller: caller.clone(), _kind: PhantomData }, tokio::spawn)
    }
    macro_rules! lists {
        ($request:expr, $($kind:ty),+) => {
            $request$(.data(pages::<$kind>(app, caller)).data(counts::<$kind>(app, caller)))+
        };
    }
    let request = request
        .data(by_id::<OrganizationById>(app, caller))
        .data(DataLoader::new(PersonById { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(ProfileStandings { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(PersonExpertise { app: app.clone() }, tokio::spawn))
        .data(DataLoader::new(EventOrganizers { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(EventPermissionsLoader { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(RsvpCountsLoader { app: app.clone() }, tokio::spawn))
        .data(DataLoader::new(AttendanceLoader { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(VisibleCommunityById { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(by_id::<ThreadById>(app, caller))
        .data(by_id::<SubgroupById>(app, caller))
        .data(by_id::<PostById>(app, caller))
        .data(by_id::<DocumentById>(app, caller))
        .data(DataLoader::new(DerivedExpertise { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(PostReactions { app: app.clone() }, tokio::spawn))
        .data(DataLoader::new(Translations { app: app.clone() }, tokio::spawn))
        .data(DataLoader::new(PostRevisions { app: app.clone() }, tokio::spawn))
        .data(DataLoader::new(ThreadUnreadCounts { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(ThreadReaders { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(ViewerTiesLoader { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(CurrentVersions { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(DocumentAuthors { app: app.clone() }, tokio::spawn))
        .data(DataLoader::new(DocumentThemes { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(SubgroupPosting { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(super::time::TimeBudgetLoader { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(DataLoader::new(super::time::TimeRightsLoader { app: app.clone(), caller: caller.clone() }, tokio::spawn))
        .data(ReadAhead::<CommunityThreads>::new(thread_columns))
        .data(ReadAhead::<ThreadPosts>::new(post_columns))
        .data(ReadAheadValues::<ThreadUnreadCounts>::default())
        .data(ReadAheadValues::<PostReactions>::default())
        .data(ReadAheadRows::<PostById>::default());
    lists!(
        request,
        CommunityOrganizations,
        CommunityMembers,
        CommunitySubgroups,
        CommunityThreads,
        ThreadPosts,
        PersonMembershipsShared,
        PersonMembershipsAll,
        PersonSharedMemberships,
        OrganizationCommunities,
        DocumentVersions,
        WikiPageRevisions
    )
}

/// The request's loader of kind `L`.
pub fn loader<'a, L: Loader<K>, K: Send + Sync + std::hash::Hash + Eq + Clone + 'static>(
    ctx: &'a async_graphql::Context<'_>,
) -> &'a DataLoader<L> {
    ctx.data_unchecked::<DataLoader<L>>()
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn a_page_read_ahead_goes_only_to_a_field_reading_no_other_column() {
        let all = || vec![];
        // Rows carrying every column serve any field.
        assert!(covers(&[], all));
        assert!(covers(&[], || vec!["body"]));
        // Pruned rows serve a field reading those columns, or fewer.
        assert!(covers(&["title", "body"], || vec!["title"]));
        assert!(covers(&["title", "body"], || vec!["body", "title"]));
        // Not a field reading another column (it would read a default: an empty title,
        // community 0, no subgroup), nor one reading them all.
        assert!(!covers(&["title"], || vec!["title", "subgroup_id"]));
        assert!(!covers(&["community_id"], || vec!["community_id", "subgroup_id"]));
        assert!(!covers(&["title"], all));
    }
}
