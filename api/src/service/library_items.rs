//! A community's library as one list: its documents and its wiki pages together
//! (`Community.library`), sorted by title, creation or last change, read by keyset pages,
//! counted, and summed up in facets (counts per theme, kind, language and author).
//!
//! Documents are those [`library::documents_filtered`] gives for the community (the
//! visibility predicate of documents: its readers see them all; people who may only see
//! the community's profile see those published to the network or the public); pages are
//! those [`wiki::pages_visible`] gives (readers of the community only). Every list,
//! count and facet is computed in SQL over these two selects, so nothing the viewer may
//! not read is ever counted.
//!
//! Filters that say nothing about wiki pages (kinds, languages, statuses, themes, tags)
//! keep to documents: a page has no kind, language, status, theme nor tag, so it never
//! matches one. The authors of a page are the people who saved one of its revisions.

use std::collections::HashMap;

use entity::{document, document_author, document_theme, enums::DocumentKind, theme, wiki_page, wiki_page_revision};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select,
    sea_query::{Asterisk, Expr, ExprTrait, Query, QueryStatementBuilder, SelectStatement, UnionType},
};

use super::{
    App,
    library::{self, DocumentFilter},
    page::KeyValue,
    wiki,
};
use crate::{auth::Caller, error::ServiceResult};

/// The most values a facet lists (the most frequent first).
pub const FACET_MAX: u64 = 100;

/// What the library may be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LibrarySort {
    Title,
    CreatedAt,
    UpdatedAt,
}

/// The order of the library: by `sort`, then documents before pages, then id; every
/// part ascending unless `desc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LibraryOrder {
    pub sort: LibrarySort,
    pub desc: bool,
}

impl Default for LibraryOrder {
    /// The last changed first.
    fn default() -> Self {
        Self { sort: LibrarySort::UpdatedAt, desc: true }
    }
}

/// The two kinds of item in the library (their order breaks ties of the sort value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ItemKind {
    Document,
    WikiPage,
}

impl ItemKind {
    /// Its number in SQL and in cursors.
    pub fn number(self) -> i32 {
        match self {
            Self::Document => 0,
            Self::WikiPage => 1,
        }
    }

    /// The kind numbered `n`.
    pub fn from_number(n: i32) -> Option<Self> {
        match n {
            0 => Some(Self::Document),
            1 => Some(Self::WikiPage),
            _ => None,
        }
    }
}

/// An item's place in the library: its sort value, kind and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryPlace {
    pub key: KeyValue,
    pub kind: ItemKind,
    pub id: i32,
}

/// An item of the library.
#[derive(Debug, Clone)]
pub enum LibraryItem {
    Document(document::Model),
    WikiPage(wiki_page::Model),
}

impl LibraryItem {
    /// Its place in a library sorted by `sort`.
    pub fn place(&self, sort: LibrarySort) -> LibraryPlace {
        let (kind, id, title, created, updated) = match self {
            Self::Document(d) => (ItemKind::Document, d.id, &d.title, d.created_at, d.updated_at),
            Self::WikiPage(p) => (ItemKind::WikiPage, p.id, &p.title, p.created_at, p.updated_at),
        };
        let key = match sort {
            LibrarySort::Title => KeyValue::Text(title.clone()),
            LibrarySort::CreatedAt => KeyValue::Time(created),
            LibrarySort::UpdatedAt => KeyValue::Time(updated),
        };
        LibraryPlace { key, kind, id }
    }
}

/// A page of the library.
#[derive(Debug, Clone)]
pub struct LibraryPage {
    pub items: Vec<LibraryItem>,
    pub has_next: bool,
    pub has_previous: bool,
}

/// The library of one community as a caller sees it, narrowed by a filter.
pub struct Library<'a> {
    app: &'a App,
    caller: &'a Caller,
    filter: DocumentFilter,
}

impl<'a> Library<'a> {
    /// The library of `community_id` narrowed by `filter` (its `community_id` is
    /// replaced), as `caller` may see it. Check the filter with
    /// [`library::validate_filter`] first.
    pub fn new(app: &'a App, caller: &'a Caller, community_id: i32, filter: DocumentFilter) -> Self {
        Self { app, caller, filter: DocumentFilter { community_id: Some(community_id), ..filter } }
    }

    /// Its documents.
    fn documents(&self) -> Select<document::Entity> {
        library::documents_filtered(self.app, self.caller, &self.filter)
    }

    /// Its wiki pages; `None` when the filter names something only documents have.
    fn pages(&self) -> Option<Select<wiki_page::Entity>> {
        let f = &self.filter;
        if f.kinds.is_some()
            || f.languages.is_some()
            || f.statuses.is_some()
            || f.theme_ids.is_some()
            || f.tags.is_some()
        {
            return None;
        }
        let community_id = f.community_id?;
        let mut select =
            wiki::pages_select(self.app, self.caller).filter(wiki_page::Column::CommunityId.eq(community_id));
        if let Some(ids) = &f.author_ids {
            // Anonymous callers see no person: no one is anyone's author for them.
            let ids = if self.caller.viewer.is_some() { ids.clone() } else { Vec::new() };
            select = select.filter(
                wiki_page::Column::Id.in_subquery(
                    wiki_page_revision::Entity::find()
                        .select_only()
                        .column(wiki_page_revision::Column::PageId)
                        .filter(wiki_page_revision::Column::AuthorId.is_in(ids))
                        .into_query(),
                ),
            );
        }
        if let Some(after) = f.updated_after {
            select = select.filter(wiki_page::Column::UpdatedAt.gte(after));
        }
        if let Some(before) = f.updated_before {
            select = select.filter(wiki_page::Column::UpdatedAt.lt(before));
        }
        if let Some(condition) =
            library::title_condition((wiki_page::Entity, wiki_page::Column::Title), f.text.as_deref())
        {
            select = select.filter(condition);
        }
        Some(select)
    }

    /// `(item_kind, item_id, sort_key)` of every item, documents and pages together.
    fn items(&self, sort: LibrarySort) -> SelectStatement {
        let (doc_key, page_key) = match sort {
            LibrarySort::Title => (document::Column::Title, wiki_page::Column::Title),
            LibrarySort::CreatedAt => (document::Column::CreatedAt, wiki_page::Column::CreatedAt),
            LibrarySort::UpdatedAt => (document::Column::UpdatedAt, wiki_page::Column::UpdatedAt),
        };
        let mut items = self
            .documents()
            .select_only()
            .expr_as(Expr::cust("0"), "item_kind")
            .column_as(document::Column::Id, "item_id")
            .column_as(doc_key, "sort_key")
            .into_query();
        if let Some(pages) = self.pages() {
            let pages = pages
                .select_only()
                .expr_as(Expr::cust("1"), "item_kind")
                .column_as(wiki_page::Column::Id, "item_id")
                .column_as(page_key, "sort_key")
                .into_query();
            items.union(UnionType::All, pages);
        }
        items
    }

    /// The `limit` items after `after` in `order` (one statement for the page, one for
    /// each kind of item it holds).
    pub async fn page<C: ConnectionTrait>(
        &self,
        db: &C,
        order: LibraryOrder,
        after: Option<&LibraryPlace>,
        limit: u64,
    ) -> ServiceResult<LibraryPage> {
        let direction = if order.desc { Order::Desc } else { Order::Asc };
        let mut query = Query::select();
        query.column("item_kind").column("item_id").from_subquery(self.items(order.sort), "items");
        if let Some(place) = after {
            let row = Expr::tuple([Expr::col("sort_key"), Expr::col("item_kind"), Expr::col("item_id")]);
            let key = match place.key.clone() {
                KeyValue::Text(text) => Expr::val(text),
                KeyValue::Time(time) => Expr::val(time),
            };
            let at = Expr::tuple([key, Expr::val(place.kind.number()), Expr::val(place.id)]);
            query.and_where(if order.desc { row.lt(at) } else { row.gt(at) });
        }
        query
            .order_by("sort_key", direction.clone())
            .order_by("item_kind", direction.clone())
            .order_by("item_id", direction)
            .limit(limit.saturating_add(1));
        let mut refs = Vec::new();
        for row in db.query_all(&query).await? {
            let kind = ItemKind::from_number(row.try_get::<i32>("", "item_kind")?);
            refs.extend(kind.map(|kind| Ok::<_, sea_orm::DbErr>((kind, row.try_get::<i32>("", "item_id")?))));
        }
        let refs = refs.into_iter().collect::<Result<Vec<_>, _>>()?;
        let has_next = refs.len() as u64 > limit;
        let refs: Vec<(ItemKind, i32)> = refs.into_iter().take(usize::try_from(limit).unwrap_or(usize::MAX)).collect();
        let ids_of = |kind: ItemKind| refs.iter().filter(|(k, _)| *k == kind).map(|(_, id)| *id).collect::<Vec<_>>();
        // Read again through the visibility predicates (the page was already narrowed by
        // them): an item hidden in between is left out rather than shown.
        let mut documents: HashMap<i32, document::Model> =
            library::readable_documents(self.app, db, self.caller, &ids_of(ItemKind::Document))
                .await?
                .into_iter()
                .map(|d| (d.id, d))
                .collect();
        let mut pages: HashMap<i32, wiki_page::Model> =
            wiki::readable_pages(self.app, db, self.caller, &ids_of(ItemKind::WikiPage))
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect();
        let items = refs
            .iter()
            .filter_map(|(kind, id)| match kind {
                ItemKind::Document => documents.remove(id).map(LibraryItem::Document),
                ItemKind::WikiPage => pages.remove(id).map(LibraryItem::WikiPage),
            })
            .collect();
        Ok(LibraryPage { items, has_next, has_previous: after.is_some() })
    }

    /// How many items the library holds under the filter (one statement).
    pub async fn count<C: ConnectionTrait>(&self, db: &C) -> ServiceResult<u64> {
        let counted = |query: SelectStatement| {
            let mut count = Query::select();
            count.expr(Expr::col(Asterisk).count()).from_subquery(query, "counted");
            Expr::SubQuery(None, Box::new(count.into_sub_query_statement()))
        };
        let mut total = counted(self.documents().select_only().column(document::Column::Id).into_query());
        if let Some(pages) = self.pages() {
            total = total.add(counted(pages.select_only().column(wiki_page::Column::Id).into_query()));
        }
        let query = Query::select().expr_as(total, "n").to_owned();
        let n = match db.query_one(&query).await? {
            Some(row) => row.try_get::<i64>("", "n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The ids of its documents.
    fn document_ids(&self) -> SelectStatement {
        self.documents().select_only().column(document::Column::Id).into_query()
    }

    /// How many documents there are of each kind, the most frequent first (one statement).
    pub async fn kinds<C: ConnectionTrait>(&self, db: &C) -> ServiceResult<Vec<(DocumentKind, u64)>> {
        let rows = self
            .documents()
            .select_only()
            .column(document::Column::Kind)
            .column_as(Expr::col(Asterisk).count(), "n")
            .group_by(document::Column::Kind)
            .order_by_desc(Expr::col("n"))
            .order_by_asc(document::Column::Kind)
            .limit(FACET_MAX)
            .into_tuple::<(DocumentKind, i64)>()
            .all(db)
            .await?;
        Ok(rows.into_iter().map(|(kind, n)| (kind, u64::try_from(n).unwrap_or(0))).collect())
    }

    /// How many documents there are in each language, the most frequent first (one
    /// statement).
    pub async fn languages<C: ConnectionTrait>(&self, db: &C) -> ServiceResult<Vec<(String, u64)>> {
        let rows = self
            .documents()
            .select_only()
            .column(document::Column::Language)
            .column_as(Expr::col(Asterisk).count(), "n")
            .group_by(document::Column::Language)
            .order_by_desc(Expr::col("n"))
            .order_by_asc(document::Column::Language)
            .limit(FACET_MAX)
            .into_tuple::<(String, i64)>()
            .all(db)
            .await?;
        Ok(rows.into_iter().map(|(language, n)| (language, u64::try_from(n).unwrap_or(0))).collect())
    }

    /// How many documents have each theme the caller may see, the most frequent first
    /// (two statements: the counts, then the themes).
    pub async fn themes<C: ConnectionTrait>(&self, db: &C) -> ServiceResult<Vec<(theme::Model, u64)>> {
        let visible =
            library::themes_select(self.app, self.caller).select_only().column(theme::Column::Id).into_query();
        let counts = document_theme::Entity::find()
            .select_only()
            .column(document_theme::Column::ThemeId)
            .column_as(Expr::col(Asterisk).count(), "n")
            .filter(document_theme::Column::DocumentId.in_subquery(self.document_ids()))
            .filter(document_theme::Column::ThemeId.in_subquery(visible))
            .group_by(document_theme::Column::ThemeId)
            .order_by_desc(Expr::col("n"))
            .order_by_asc(document_theme::Column::ThemeId)
            .limit(FACET_MAX)
            .into_tuple::<(i32, i64)>()
            .all(db)
            .await?;
        let ids: Vec<i32> = counts.iter().map(|(id, _)| *id).collect();
        let mut themes: HashMap<i32, theme::Model> =
            library::readable_themes(self.app, db, self.caller, &ids).await?.into_iter().map(|t| (t.id, t)).collect();
        Ok(counts
            .into_iter()
            .filter_map(|(id, n)| themes.remove(&id).map(|t| (t, u64::try_from(n).unwrap_or(0))))
            .collect())
    }

    /// How many items each person wrote (a document's credited authors; a page's people
    /// who saved a revision of it), the most frequent first, by person id (one statement;
    /// none for an anonymous caller, who sees no person).
    pub async fn authors<C: ConnectionTrait>(&self, db: &C) -> ServiceResult<Vec<(i32, u64)>> {
        if self.caller.viewer.is_none() {
            return Ok(Vec::new());
        }
        let mut credits = document_author::Entity::find()
            .select_only()
            .column_as(document_author::Column::PersonId, "person_id")
            .column_as(document_author::Column::DocumentId, "item_id")
            .filter(document_author::Column::DocumentId.in_subquery(self.document_ids()))
            .into_query();
        if let Some(pages) = self.pages() {
            let page_ids = pages.select_only().column(wiki_page::Column::Id).into_query();
            let writers = wiki_page_revision::Entity::find()
                .select_only()
                .column_as(wiki_page_revision::Column::AuthorId, "person_id")
                .column_as(wiki_page_revision::Column::PageId, "item_id")
                .filter(wiki_page_revision::Column::PageId.in_subquery(page_ids))
                .group_by(wiki_page_revision::Column::AuthorId)
                .group_by(wiki_page_revision::Column::PageId)
                .into_query();
            credits.union(UnionType::All, writers);
        }
        let query = Query::select()
            .column("person_id")
            .expr_as(Expr::col(Asterisk).count(), "n")
            .from_subquery(credits, "credits")
            .group_by_col("person_id")
            .order_by("n", Order::Desc)
            .order_by("person_id", Order::Asc)
            .limit(FACET_MAX)
            .to_owned();
        let mut found = Vec::new();
        for row in db.query_all(&query).await? {
            let n = row.try_get::<i64>("", "n")?;
            found.push((row.try_get::<i32>("", "person_id")?, u64::try_from(n).unwrap_or(0)));
        }
        Ok(found)
    }
}
