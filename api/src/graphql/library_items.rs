//! `Community.library` in the schema: the community's documents and wiki pages in one
//! connection (`LibraryItem`), its filter, order, cursors and facets. The rules are in
//! [`crate::service::library_items`].

use async_graphql::{
    Context, Enum, ID, InputObject, Object, SimpleObject, Union,
    connection::{Connection, CursorType, Edge, EmptyFields},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, SecondsFormat, Utc};

use super::{
    GqlResult, app, caller, connection,
    enums::{DocumentKind, DocumentStatus},
    ids::NodeKind,
    library::{Document, Theme, ids_of},
    loaders::{PersonById, loader},
    order::OrderDirection,
    person::Person,
    wiki::WikiPage,
};
use crate::{
    error::ServiceError,
    service::{
        library::{DocumentFilter, validate_filter},
        library_items::{ItemKind, Library, LibraryItem as Item, LibraryOrder as Order, LibraryPlace, LibrarySort},
        page::KeyValue,
    },
};

/// What `Community.library` costs beyond its page: the statements it runs whatever the
/// page size (the page, the items it holds, the count).
pub const LIBRARY_COST: usize = 10;
/// What each facet costs beyond what it lists: a `GROUP BY` over the whole filtered
/// library, whatever the page size.
pub const FACET_COST: usize = 25;

/// What a facet costs when a query is checked.
pub fn facet_cost(child_complexity: usize) -> usize {
    FACET_COST.saturating_add(connection::list_cost(child_complexity))
}

/// An item of a community's library.
#[derive(Union, Clone)]
pub enum LibraryItem {
    /// A document (with its versions).
    Document(Document),
    /// A wiki page.
    WikiPage(WikiPage),
}

/// Narrows `Community.library`; every filter given must match. Wiki pages have no kind,
/// language, status, theme nor tag: a filter on any of these keeps to documents.
#[derive(InputObject, Default)]
pub struct LibraryFilterInput {
    /// Only documents with one of these themes (global ids, at most 100; themes the
    /// viewer may not see match nothing). Wiki pages never match.
    pub theme_ids: Option<Vec<ID>>,
    /// Only documents with one of these free tags (case aside; at most 100). Wiki pages
    /// never match.
    pub tags: Option<Vec<String>>,
    /// Only documents of these kinds. Wiki pages never match.
    pub kinds: Option<Vec<DocumentKind>>,
    /// Only documents in these languages (BCP 47 tags). Wiki pages never match.
    pub languages: Option<Vec<String>>,
    /// Only items one of these people wrote (global ids, at most 100): a document's
    /// credited authors, a wiki page's people who saved one of its revisions. Matches
    /// nothing for anonymous viewers (who see no person).
    pub author_ids: Option<Vec<ID>>,
    /// Only documents with these statuses. Wiki pages never match.
    pub statuses: Option<Vec<DocumentStatus>>,
    /// Only items whose title holds these words (case aside), at most 300 characters.
    pub text: Option<String>,
    /// Only items last changed at or after this instant.
    pub updated_after: Option<DateTime<Utc>>,
    /// Only items last changed before this instant (not before `updatedAfter`:
    /// `BAD_USER_INPUT` naming `filter.updatedBefore` otherwise).
    pub updated_before: Option<DateTime<Utc>>,
}

/// A field `Community.library` may be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryOrderField {
    /// The title (in the database's collation).
    Title,
    /// When the document or page was created.
    CreatedAt,
    /// When the document or page last changed.
    UpdatedAt,
}

/// How `Community.library` is sorted.
#[derive(InputObject, Debug, Clone, Copy)]
pub struct LibraryOrder {
    /// The field to sort by; items with the same value come documents first, then wiki
    /// pages, each in id order (all in the same direction), so pages never skip nor
    /// repeat one.
    pub field: LibraryOrderField,
    /// Ascending (the default) or descending.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl LibraryOrder {
    fn order(self) -> Order {
        let sort = match self.field {
            LibraryOrderField::Title => LibrarySort::Title,
            LibraryOrderField::CreatedAt => LibrarySort::CreatedAt,
            LibraryOrderField::UpdatedAt => LibrarySort::UpdatedAt,
        };
        Order { sort, desc: self.direction == OrderDirection::Desc }
    }
}

/// A position in the library and the order it was made for: the sort value, the kind of
/// item and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryCursor {
    pub order: Order,
    pub place: LibraryPlace,
}

/// The longest cursor read (a title is at most 300 characters).
const MAX_CURSOR_LEN: usize = 2048;

fn sort_tag(sort: LibrarySort) -> &'static str {
    match sort {
        LibrarySort::Title => "t",
        LibrarySort::CreatedAt => "c",
        LibrarySort::UpdatedAt => "u",
    }
}

impl CursorType for LibraryCursor {
    type Error = ServiceError;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bad = || ServiceError::bad_input("after", crate::i18n::Message::new("bad-cursor"));
        if s.len() > MAX_CURSOR_LEN {
            return Err(bad());
        }
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(s.as_bytes()).map_err(|_| bad())?).map_err(|_| bad())?;
        let mut parts = text.strip_prefix("l:").ok_or_else(bad)?.splitn(5, ':');
        let (Some(sort), Some(direction), Some(kind), Some(id), Some(value)) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let sort = [LibrarySort::Title, LibrarySort::CreatedAt, LibrarySort::UpdatedAt]
            .into_iter()
            .find(|s| sort_tag(*s) == sort)
            .ok_or_else(bad)?;
        let desc = match direction {
            "a" => false,
            "d" => true,
            _ => return Err(bad()),
        };
        let kind = kind.parse::<i32>().ok().and_then(ItemKind::from_number).ok_or_else(bad)?;
        let id = id.parse::<i32>().map_err(|_| bad())?;
        let key = match sort {
            // A title is one line of text: a control character (NUL, which PostgreSQL
            // refuses in text) is no value of one.
            LibrarySort::Title if value.chars().any(char::is_control) => return Err(bad()),
            LibrarySort::Title => KeyValue::Text(value.to_owned()),
            _ => KeyValue::Time(DateTime::parse_from_rfc3339(value).map_err(|_| bad())?.with_timezone(&Utc)),
        };
        Ok(Self { order: Order { sort, desc }, place: LibraryPlace { key, kind, id } })
    }

    fn encode_cursor(&self) -> String {
        let direction = if self.order.desc { "d" } else { "a" };
        let value = match &self.place.key {
            KeyValue::Text(text) => text.clone(),
            // Every digit kept: the next page compares with the stored value exactly.
            KeyValue::Time(time) => time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        };
        URL_SAFE_NO_PAD.encode(format!(
            "l:{}:{direction}:{}:{}:{value}",
            sort_tag(self.order.sort),
            self.place.kind.number(),
            self.place.id
        ))
    }
}

/// A connection over a community's library.
pub type LibraryConnection = Connection<LibraryCursor, LibraryItem, LibraryInfo, EmptyFields>;

/// Fields of `Community.library` beside its edges.
pub struct LibraryInfo {
    total: u64,
    community_id: i32,
    filter: DocumentFilter,
}

/// The whole filtered library, whatever page is fetched.
#[Object]
impl LibraryInfo {
    /// How many items (documents and wiki pages the viewer may read) match the filter.
    async fn total_count(&self) -> i64 {
        i64::try_from(self.total).unwrap_or(i64::MAX)
    }
    /// Counts of the items matching the filter per theme, kind, language and author:
    /// only what the viewer may read is counted.
    async fn facets(&self) -> LibraryFacets {
        LibraryFacets { community_id: self.community_id, filter: self.filter.clone() }
    }
}

/// Counts of a library's items per value, each list the most frequent first (at most
/// 100 values). Each list costs one grouped count over the whole filtered library.
pub struct LibraryFacets {
    community_id: i32,
    filter: DocumentFilter,
}

impl LibraryFacets {
    fn library<'a>(&self, ctx: &'a Context<'_>) -> Library<'a> {
        super::cost::surcharge(ctx, FACET_COST);
        Library::new(app(ctx), caller(ctx), self.community_id, self.filter.clone())
    }
}

/// Counts of a library's items per value.
#[Object]
impl LibraryFacets {
    /// Documents per theme (only the themes the viewer may see; wiki pages have none).
    #[graphql(complexity = "facet_cost(child_complexity)")]
    async fn themes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ThemeFacet>> {
        let found = self.library(ctx).themes(&app(ctx).db).await.gql()?;
        Ok(found.into_iter().map(|(theme, n)| ThemeFacet { theme: Theme(theme), count: count(n) }).collect())
    }
    /// Documents per kind (wiki pages have none).
    #[graphql(complexity = "facet_cost(child_complexity)")]
    async fn kinds(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<KindFacet>> {
        let found = self.library(ctx).kinds(&app(ctx).db).await.gql()?;
        Ok(found.into_iter().map(|(kind, n)| KindFacet { kind: kind.into(), count: count(n) }).collect())
    }
    /// Documents per language (wiki pages have none).
    #[graphql(complexity = "facet_cost(child_complexity)")]
    async fn languages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LanguageFacet>> {
        let found = self.library(ctx).languages(&app(ctx).db).await.gql()?;
        Ok(found.into_iter().map(|(language, n)| LanguageFacet { language, count: count(n) }).collect())
    }
    /// Items per author: a document's credited authors, a wiki page's people who saved
    /// one of its revisions. Empty for anonymous viewers (who see no person).
    #[graphql(complexity = "facet_cost(child_complexity)")]
    async fn authors(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AuthorFacet>> {
        let found = self.library(ctx).authors(&app(ctx).db).await.gql()?;
        let people = loader::<PersonById, _>(ctx).load_many(found.iter().map(|(id, _)| *id)).await.gql()?;
        Ok(found
            .into_iter()
            .filter_map(|(id, n)| people.get(&id).map(|p| AuthorFacet { person: Person(p.clone()), count: count(n) }))
            .collect())
    }
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// How many documents have a theme.
#[derive(SimpleObject)]
pub struct ThemeFacet {
    /// The theme.
    pub theme: Theme,
    /// How many documents matching the filter have it.
    pub count: i64,
}

/// How many documents are of a kind.
#[derive(SimpleObject)]
pub struct KindFacet {
    /// The kind.
    pub kind: DocumentKind,
    /// How many documents matching the filter are of it.
    pub count: i64,
}

/// How many documents are in a language.
#[derive(SimpleObject)]
pub struct LanguageFacet {
    /// The language (BCP 47 tag, lower case).
    pub language: String,
    /// How many documents matching the filter are in it.
    pub count: i64,
}

/// How many items a person wrote.
#[derive(SimpleObject)]
pub struct AuthorFacet {
    /// The person.
    pub person: Person,
    /// How many items matching the filter they wrote.
    pub count: i64,
}

/// `Community.library` of the community `community_id` (which the viewer may see).
pub async fn library(
    ctx: &Context<'_>,
    community_id: i32,
    filter: Option<LibraryFilterInput>,
    order_by: Option<LibraryOrder>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<LibraryConnection> {
    let order = order_by.map(LibraryOrder::order).unwrap_or_default();
    let limit = connection::page_request(first, None, None, None, Default::default()).gql()?.limit;
    let after = after
        .map(|after| {
            let cursor = LibraryCursor::decode_cursor(&after)?;
            if cursor.order != order {
                return Err(ServiceError::bad_input("after", crate::i18n::Message::new("cursor-other-order")));
            }
            Ok(cursor.place)
        })
        .transpose()
        .gql()?;
    let input = filter.unwrap_or_default();
    let theme_ids =
        input.theme_ids.as_deref().map(|ids| ids_of("filter.themeIds", NodeKind::Theme, ids)).transpose()?;
    let author_ids =
        input.author_ids.as_deref().map(|ids| ids_of("filter.authorIds", NodeKind::Person, ids)).transpose()?;
    let filter = DocumentFilter {
        community_id: Some(community_id),
        kinds: input.kinds.map(|v| v.into_iter().map(Into::into).collect()),
        languages: input.languages,
        statuses: input.statuses.map(|v| v.into_iter().map(Into::into).collect()),
        text: input.text,
        theme_ids,
        author_ids,
        tags: input.tags,
        updated_after: input.updated_after,
        updated_before: input.updated_before,
    };
    validate_filter(&filter).gql()?;
    let db = &app(ctx).db;
    let library = Library::new(app(ctx), caller(ctx), community_id, filter.clone());
    let total = if connection::wants_count(ctx) { library.count(db).await.gql()? } else { 0 };
    let page = library.page(db, order, after.as_ref(), limit).await.gql()?;
    let mut conn = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        LibraryInfo { total, community_id, filter },
    );
    conn.edges.extend(page.items.into_iter().map(|item| {
        let cursor = LibraryCursor { order, place: item.place(order.sort) };
        let node = match item {
            Item::Document(d) => LibraryItem::Document(Document(d)),
            Item::WikiPage(p) => LibraryItem::WikiPage(WikiPage(p)),
        };
        Edge::new(cursor, node)
    }));
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let time = DateTime::parse_from_rfc3339("2026-12-07T02:12:12.123456789Z").map(|t| t.with_timezone(&Utc));
        for (sort, key) in [
            (LibrarySort::Title, KeyValue::Text("Soins: palliatifs, été".into())),
            (LibrarySort::UpdatedAt, KeyValue::Time(time.unwrap_or_default())),
        ] {
            for (desc, kind) in [(false, ItemKind::Document), (true, ItemKind::WikiPage)] {
                let cursor = LibraryCursor {
                    order: Order { sort, desc },
                    place: LibraryPlace { key: key.clone(), kind, id: 42 },
                };
                assert_eq!(LibraryCursor::decode_cursor(&cursor.encode_cursor()).ok(), Some(cursor));
            }
        }
        for text in
            ["l:t:a:0:1", "l:x:a:0:1:x", "l:t:a:2:1:x", "l:c:a:0:1:yesterday", "l:t:a:0:1:nul\u{0}", "k:tt:a:1:x"]
        {
            assert!(LibraryCursor::decode_cursor(&URL_SAFE_NO_PAD.encode(text)).is_err(), "{text}");
        }
    }
}
