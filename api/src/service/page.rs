//! Keyset pagination, for one list or for many small lists at once.
//!
//! A list is read in id order by default; a [`ListOrder`] sorts it by one column
//! ([`SortKey`]), ascending or descending, the id breaking ties in the same direction.
//! A position in a list ([`Position`]) is the id of a row and, for a sorted list, the
//! value of its sort key: the next page is the rows after `(key, id)` in that order
//! (`WHERE (key, id) > ($1, $2)`, a row-value comparison PostgreSQL answers from an
//! index on `(…, key, id)` and SQLite evaluates as well), so rows sharing a key are
//! neither skipped nor repeated, whatever was inserted in between. No sort key is a
//! nullable column, so NULLs never need ordering. The cursor is made and checked by the
//! GraphQL layer; here it is only a value. A page fetches one row more
//! than asked to know whether another page follows. Lists of children (the posts of
//! each of 20 threads) are fetched in one statement, so nested connections cost one
//! query: on PostgreSQL a `LATERAL (… LIMIT n + 1)` per parent, on SQLite a
//! `ROW_NUMBER() OVER (PARTITION BY parent)` window.

use std::collections::HashMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, IdenStatic, Iterable, Order, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Statement, Value,
    sea_query::{
        Asterisk, Expr, ExprTrait, PostgresQueryBuilder, Query, QueryStatementBuilder, UnionType, WindowStatement,
    },
};

use chrono::{DateTime, Utc};
use entity::{
    audit_event, community, community_organization, document, document_version, membership, organization, person, post,
    subgroup, thread, trusted_document, wiki_page, wiki_page_revision,
};
use sea_orm::IntoSimpleExpr;

use crate::error::ServiceResult;

/// A column a list may be sorted by (the id breaks ties). Each belongs to one entity;
/// none is nullable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    CommunityName,
    CommunitySlug,
    CommunityCreatedAt,
    MembershipCreatedAt,
    /// The member's display name: a column of `person`, not of `membership`.
    MemberName,
    ThreadCreatedAt,
    ThreadTitle,
    PostCreatedAt,
    AuditCreatedAt,
    // Library (documents).
    DocumentTitle,
    DocumentCreatedAt,
    DocumentUpdatedAt,
}

/// The kind of value a sort key holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Text,
    Time,
}

impl SortKey {
    /// Every key, for reading one back from its [`SortKey::tag`].
    const ALL: [SortKey; 12] = [
        Self::CommunityName,
        Self::CommunitySlug,
        Self::CommunityCreatedAt,
        Self::MembershipCreatedAt,
        Self::MemberName,
        Self::ThreadCreatedAt,
        Self::ThreadTitle,
        Self::PostCreatedAt,
        Self::AuditCreatedAt,
        Self::DocumentTitle,
        Self::DocumentCreatedAt,
        Self::DocumentUpdatedAt,
    ];

    /// A short, stable name (written into cursors: never change one).
    pub fn tag(self) -> &'static str {
        match self {
            Self::CommunityName => "cn",
            Self::CommunitySlug => "cs",
            Self::CommunityCreatedAt => "cc",
            Self::MembershipCreatedAt => "mc",
            Self::MemberName => "mn",
            Self::ThreadCreatedAt => "tc",
            Self::ThreadTitle => "tt",
            Self::PostCreatedAt => "pc",
            Self::AuditCreatedAt => "ac",
            Self::DocumentTitle => "dt",
            Self::DocumentCreatedAt => "dc",
            Self::DocumentUpdatedAt => "du",
        }
    }

    /// The key named `tag`.
    pub fn from_tag(tag: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.tag() == tag)
    }

    /// What its values are.
    pub fn kind(self) -> KeyKind {
        match self {
            Self::CommunityName | Self::CommunitySlug | Self::MemberName | Self::ThreadTitle | Self::DocumentTitle => {
                KeyKind::Text
            }
            _ => KeyKind::Time,
        }
    }

    /// Its column's name in the list's own table; `None` for a key read from another
    /// table (its value then rides on each row as [`PAGE_KEY`]).
    pub fn column_name(self) -> Option<&'static str> {
        Some(match self {
            Self::CommunityName => community::Column::Name.as_str(),
            Self::CommunitySlug => community::Column::Slug.as_str(),
            Self::ThreadTitle => thread::Column::Title.as_str(),
            Self::DocumentTitle => document::Column::Title.as_str(),
            Self::DocumentUpdatedAt => document::Column::UpdatedAt.as_str(),
            Self::MemberName => return None,
            _ => "created_at",
        })
    }

    /// Its column, qualified by its table.
    fn expr(self) -> Expr {
        match self {
            Self::CommunityName => community::Column::Name.into_simple_expr(),
            Self::CommunitySlug => community::Column::Slug.into_simple_expr(),
            Self::CommunityCreatedAt => community::Column::CreatedAt.into_simple_expr(),
            Self::MembershipCreatedAt => membership::Column::CreatedAt.into_simple_expr(),
            // A scalar sub-query rather than a join: the list's select stays a select of
            // memberships, and the person is found by primary key.
            Self::MemberName => Expr::SubQuery(
                None,
                Box::new(
                    Query::select()
                        .column((person::Entity, person::Column::DisplayName))
                        .from(person::Entity)
                        .and_where(
                            Expr::col((person::Entity, person::Column::Id))
                                .equals((membership::Entity, membership::Column::PersonId)),
                        )
                        .to_owned()
                        .into_sub_query_statement(),
                ),
            ),
            Self::ThreadCreatedAt => thread::Column::CreatedAt.into_simple_expr(),
            Self::ThreadTitle => thread::Column::Title.into_simple_expr(),
            Self::PostCreatedAt => post::Column::CreatedAt.into_simple_expr(),
            Self::AuditCreatedAt => audit_event::Column::CreatedAt.into_simple_expr(),
            Self::DocumentTitle => document::Column::Title.into_simple_expr(),
            Self::DocumentCreatedAt => document::Column::CreatedAt.into_simple_expr(),
            Self::DocumentUpdatedAt => document::Column::UpdatedAt.into_simple_expr(),
        }
    }
}

/// The order of a list: by `key` then id (by id alone when `key` is `None`, the
/// default), ascending unless `desc`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ListOrder {
    pub key: Option<SortKey>,
    pub desc: bool,
}

/// The value of a row's sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyValue {
    Text(String),
    Time(DateTime<Utc>),
}

impl KeyValue {
    /// Its kind.
    pub fn kind(&self) -> KeyKind {
        match self {
            Self::Text(_) => KeyKind::Text,
            Self::Time(_) => KeyKind::Time,
        }
    }

    fn into_value(self) -> Value {
        match self {
            Self::Text(text) => Value::from(text),
            Self::Time(time) => Value::from(time),
        }
    }
}

/// A row's place in a list: its id and, when the list is sorted by a key, the value
/// of that key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Position {
    pub id: i32,
    pub key: Option<KeyValue>,
}

impl Position {
    /// The place of a row in id order.
    pub fn id(id: i32) -> Self {
        Self { id, key: None }
    }
}

/// Rows that know the value of their sort keys (to make cursors).
pub trait Keyed {
    /// The value of `key` in this row; `None` when `key` is not one of its columns.
    fn key_value(&self, key: SortKey) -> Option<KeyValue>;
}

impl Keyed for community::Model {
    fn key_value(&self, key: SortKey) -> Option<KeyValue> {
        match key {
            SortKey::CommunityName => Some(KeyValue::Text(self.name.clone())),
            SortKey::CommunitySlug => Some(KeyValue::Text(self.slug.clone())),
            SortKey::CommunityCreatedAt => Some(KeyValue::Time(self.created_at)),
            _ => None,
        }
    }
}

impl Keyed for membership::Model {
    fn key_value(&self, key: SortKey) -> Option<KeyValue> {
        (key == SortKey::MembershipCreatedAt).then_some(KeyValue::Time(self.created_at))
    }
}

impl Keyed for thread::Model {
    fn key_value(&self, key: SortKey) -> Option<KeyValue> {
        match key {
            SortKey::ThreadCreatedAt => Some(KeyValue::Time(self.created_at)),
            SortKey::ThreadTitle => Some(KeyValue::Text(self.title.clone())),
            _ => None,
        }
    }
}

impl Keyed for post::Model {
    fn key_value(&self, key: SortKey) -> Option<KeyValue> {
        (key == SortKey::PostCreatedAt).then_some(KeyValue::Time(self.created_at))
    }
}

impl Keyed for entity::time_entry::Model {
    fn key_value(&self, _key: SortKey) -> Option<KeyValue> {
        // Time entries are listed in id order only.
        None
    }
}

impl Keyed for audit_event::Model {
    fn key_value(&self, key: SortKey) -> Option<KeyValue> {
        (key == SortKey::AuditCreatedAt).then_some(KeyValue::Time(self.created_at))
    }
}

impl Keyed for document::Model {
    fn key_value(&self, key: SortKey) -> Option<KeyValue> {
        match key {
            SortKey::DocumentTitle => Some(KeyValue::Text(self.title.clone())),
            SortKey::DocumentCreatedAt => Some(KeyValue::Time(self.created_at)),
            SortKey::DocumentUpdatedAt => Some(KeyValue::Time(self.updated_at)),
            _ => None,
        }
    }
}

/// Lists of these rows are read in id order only.
macro_rules! id_ordered {
    ($($model:ty),+) => {$(
        impl Keyed for $model {
            fn key_value(&self, _key: SortKey) -> Option<KeyValue> {
                None
            }
        }
    )+};
}
id_ordered!(
    organization::Model,
    community_organization::Model,
    subgroup::Model,
    document_version::Model,
    wiki_page::Model,
    wiki_page_revision::Model,
    trusted_document::Model,
    entity::post_report::Model,
    person::Model,
    // A community reached through a membership, listed by the membership's id.
    (i32, community::Model)
);

/// Which slice of a list to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Only items after this place.
    pub after: Option<Position>,
    /// Only items before this place.
    pub before: Option<Position>,
    /// How many items at most.
    pub limit: u64,
    /// Take the last `limit` items instead of the first.
    pub from_end: bool,
    /// The list's order.
    pub order: ListOrder,
}

/// A slice of a list, in the list's order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub has_previous: bool,
    /// The sort key of each item, when the list is sorted by a key its rows do not hold
    /// (see [`SortKey::column_name`]); empty otherwise.
    pub keys: Vec<Option<KeyValue>>,
}

impl<T> Page<T> {
    fn from_rows(mut rows: Vec<T>, req: &PageRequest) -> Self {
        let more = rows.len() as u64 > req.limit;
        rows.truncate(usize::try_from(req.limit).unwrap_or(usize::MAX));
        if req.from_end {
            rows.reverse();
            Page { items: rows, has_next: req.before.is_some(), has_previous: more, keys: Vec::new() }
        } else {
            Page { items: rows, has_next: more, has_previous: req.after.is_some(), keys: Vec::new() }
        }
    }

    /// [`Page::from_rows`] of rows read with their sort key's value.
    fn from_keyed_rows(rows: Vec<(T, Option<KeyValue>)>, req: &PageRequest) -> Self {
        let page = Page::from_rows(rows, req);
        let (items, keys) = page.items.into_iter().unzip();
        Page { items, has_next: page.has_next, has_previous: page.has_previous, keys }
    }

    /// An empty page (for a parent with no children).
    pub fn empty() -> Self {
        Page { items: Vec::new(), has_next: false, has_previous: false, keys: Vec::new() }
    }

    /// Keeps the page shape while converting its items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
            keys: self.keys,
        }
    }
}

/// `select` narrowed to the rows after `req.after` and before `req.before` in the
/// list's order. The caller's filters (the visibility predicate first) stay in the same
/// `WHERE`: a cursor only ever narrows what the caller may see.
fn with_cursor<E: EntityTrait>(select: Select<E>, id: E::Column, req: &PageRequest) -> Select<E> {
    let mut select = select;
    let desc = req.order.desc;
    for (place, later) in [(&req.after, true), (&req.before, false)] {
        let Some(place) = place else { continue };
        // Rows after the place in the list's order: greater when ascending.
        let greater = later != desc;
        select = match (req.order.key, &place.key) {
            (None, _) => select.filter(if greater { id.gt(place.id) } else { id.lt(place.id) }),
            (Some(key), Some(value)) if value.kind() == key.kind() => {
                let row = Expr::tuple([key.expr(), id.into_simple_expr()]);
                let at = Expr::tuple([Expr::val(value.clone().into_value()), Expr::val(place.id)]);
                select.filter(if greater { row.gt(at) } else { row.lt(at) })
            }
            // The GraphQL layer gives a sorted list only places of its own key: a
            // place without one matches nothing rather than the whole list.
            (Some(_), _) => select.filter(Expr::val(false)),
        };
    }
    select
}

/// The direction rows are fetched in: the list's, turned round for the last items.
fn order(req: &PageRequest) -> Order {
    if req.from_end != req.order.desc { Order::Desc } else { Order::Asc }
}

/// `select` in the order rows are fetched in (see [`order`]).
fn ordered<E: EntityTrait>(select: Select<E>, id: E::Column, req: &PageRequest) -> Select<E> {
    match req.order.key {
        Some(key) => select.order_by(key.expr(), order(req)).order_by(id, order(req)),
        None => select.order_by(id, order(req)),
    }
}

/// One page of `select`, ordered by `id`.
pub async fn fetch<E, C>(db: &C, select: Select<E>, id: E::Column, req: &PageRequest) -> ServiceResult<Page<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    fetch_into::<E, E::Model, C>(db, select, id, req).await
}

/// [`fetch`], reading each row as `M` (a select of some columns only, say).
pub async fn fetch_into<E, M, C>(db: &C, select: Select<E>, id: E::Column, req: &PageRequest) -> ServiceResult<Page<M>>
where
    E: EntityTrait,
    M: FromQueryResult,
    C: ConnectionTrait,
{
    let rows = ordered(with_cursor(select, id, req), id, req).limit(req.limit + 1).into_model::<M>().all(db).await?;
    Ok(Page::from_rows(rows, req))
}

/// The number of rows `select` matches, cursors ignored.
pub async fn count<E, C>(db: &C, select: Select<E>) -> ServiceResult<u64>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    Ok(select.count(db).await?)
}

/// The number of rows of disjoint selects together, in one statement (`UNION ALL` of
/// their counts, so that each keeps its own plan).
pub async fn count_parts<E, C>(db: &C, parts: Vec<Select<E>>) -> ServiceResult<u64>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let mut counts =
        parts.into_iter().map(|part| part.select_only().column_as(Expr::col(Asterisk).count(), "n").into_query());
    let Some(mut query) = counts.next() else { return Ok(0) };
    for more in counts {
        query.union(UnionType::All, more);
    }
    let mut total: u64 = 0;
    for row in db.query_all(&query).await? {
        total = total.saturating_add(u64::try_from(row.try_get::<i64>("", "n")?).unwrap_or(0));
    }
    Ok(total)
}

/// One page of `select` and the number of rows the disjoint `parts` match together, in
/// one statement: the total rides on each row of the page as the sum of one scalar
/// `COUNT(*)` sub-query per part (each keeps its own plan, as in [`count_parts`]). An
/// empty page carries no row, so its total is counted apart.
pub async fn fetch_with_count<E, M, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    req: &PageRequest,
    parts: Vec<Select<E>>,
) -> ServiceResult<(Page<M>, u64)>
where
    E: EntityTrait,
    M: FromQueryResult,
    C: ConnectionTrait,
{
    let total = parts
        .iter()
        .map(|part| {
            let count = part.clone().select_only().column_as(Expr::col(Asterisk).count(), "n").into_query();
            Expr::SubQuery(None, Box::new(count.into_sub_query_statement()))
        })
        .reduce(|sum, next| sum.add(next));
    let Some(total) = total else { return Ok((fetch_into(db, select, id, req).await?, 0)) };
    let query = ordered(with_cursor(select, id, req), id, req)
        .limit(req.limit + 1)
        .into_query()
        .expr_as(total, PAGE_TOTAL)
        .to_owned();
    let rows = db.query_all(&query).await?;
    let Some(first) = rows.first() else {
        return Ok((Page::from_rows(Vec::new(), req), count_parts(db, parts).await?));
    };
    let total = u64::try_from(first.try_get::<i64>("", PAGE_TOTAL)?).unwrap_or(0);
    let models = rows.iter().map(|row| M::from_query_result(row, "")).collect::<Result<Vec<_>, _>>()?;
    Ok((Page::from_rows(models, req), total))
}

/// Result column of [`fetch_with_count`]'s total.
const PAGE_TOTAL: &str = "page_total";

/// One page of children for each parent, in one statement.
pub async fn fetch_per_parent<E, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    parent: E::Column,
    parents: &[i32],
    parent_of: impl Fn(&E::Model) -> i32,
    req: &PageRequest,
) -> ServiceResult<HashMap<i32, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    C: ConnectionTrait,
{
    if db.get_database_backend() == DbBackend::Postgres {
        return fetch_per_parent_lateral(db, select, id, parent, parents, parent_of, req).await;
    }
    let mut inner = with_cursor(select, id, req).filter(parent.is_in(parents.iter().copied())).into_query();
    let mut window = WindowStatement::partition_by(parent);
    if let Some(key) = req.order.key {
        window.order_by_expr(key.expr(), order(req));
        if key.column_name().is_none() {
            inner.expr_as(key.expr(), PAGE_KEY);
        }
    }
    window.order_by(id, order(req));
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, "page_row");
    let mut outer = Query::select();
    outer.column(Asterisk).from_subquery(inner, "paged").and_where(Expr::col("page_row").lte(req.limit + 1));
    // Each parent's rows in page order: by id for the default order (as before), by
    // their rank in the window for a sorted list.
    if req.order.key.is_some() {
        outer.order_by("page_row", Order::Asc);
    } else {
        outer.order_by("id", order(req));
    }
    let statement = db.get_database_backend().build(&outer);
    if let Some(key) = req.order.key.filter(|key| key.column_name().is_none()) {
        let rows = read_keyed::<E, C>(db, statement, key).await?;
        return Ok(group_keyed_pages(rows, parent_of, req));
    }
    let rows = E::find().from_raw_sql(statement).all(db).await?;
    Ok(group_pages(rows, parent_of, req))
}

/// Result column of a sort key read from another table (see [`SortKey::column_name`]).
const PAGE_KEY: &str = "page_key";

/// Rows of `statement`, each with its [`PAGE_KEY`] value.
async fn read_keyed<E, C>(
    db: &C,
    statement: Statement,
    key: SortKey,
) -> ServiceResult<Vec<(E::Model, Option<KeyValue>)>>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    C: ConnectionTrait,
{
    let mut rows = Vec::new();
    for row in db.query_all_raw(statement).await? {
        let value = match key.kind() {
            KeyKind::Text => row.try_get::<Option<String>>("", PAGE_KEY)?.map(KeyValue::Text),
            KeyKind::Time => row.try_get::<Option<DateTime<Utc>>>("", PAGE_KEY)?.map(KeyValue::Time),
        };
        rows.push((E::Model::from_query_result(&row, "")?, value));
    }
    Ok(rows)
}

/// PostgreSQL: `LATERAL (… LIMIT n + 1)` per parent, so each parent's page is read
/// from the (parent, id) index and no more rows than the page are fetched.
async fn fetch_per_parent_lateral<E, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    parent: E::Column,
    parents: &[i32],
    parent_of: impl Fn(&E::Model) -> i32,
    req: &PageRequest,
) -> ServiceResult<HashMap<i32, Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    C: ConnectionTrait,
{
    if parents.is_empty() {
        return Ok(HashMap::new());
    }
    let mut inner = ordered(with_cursor(select, id, req), id, req)
        .filter(Expr::col(parent).equals(("parents", "parent_id")))
        .limit(req.limit + 1)
        .into_query();
    let foreign = req.order.key.filter(|key| key.column_name().is_none());
    if let Some(key) = foreign {
        inner.expr_as(key.expr(), PAGE_KEY);
    }
    let (inner_sql, mut values) = inner.build(PostgresQueryBuilder);
    // The parents are one array parameter, so the statement's text is the same whatever
    // the parents: it is prepared and planned once per connection, not per request.
    values.0.push(Value::from(parents.to_vec()));
    let sql = format!(
        "SELECT paged.* FROM unnest(CAST(${} AS int4[])) AS parents (parent_id) CROSS JOIN LATERAL ({inner_sql}) AS paged",
        values.0.len()
    );
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    if let Some(key) = foreign {
        let rows = read_keyed::<E, C>(db, statement, key).await?;
        return Ok(group_keyed_pages(rows, parent_of, req));
    }
    let rows = E::find().from_raw_sql(statement).all(db).await?;
    Ok(group_pages(rows, parent_of, req))
}

/// PostgreSQL: a scalar sub-query that reads, for the row of the enclosing query whose
/// column `outer` it is correlated to, one page of `select` (the rows whose `parent`
/// equals `outer`) as one JSON array of `[row, nested]` pairs, `nested` being what
/// `nested` computes for that row (correlated to `alias`), or null.
///
/// This is how one statement reads a parent and the pages under it (a community, its
/// threads, their posts), as PostGraphile and Hasura do: the page is the same as the
/// one [`fetch_per_parent`] reads for that parent (same `select`, cursor, order and
/// `LIMIT n + 1`), so what is read ahead this way is exactly what the batched loader
/// would have read, and nothing else.
///
/// Each row is a JSON object of `columns` only (all of them when `columns` is empty, the
/// id always): turning a whole row into JSON, timestamps and long texts included, cost
/// PostgreSQL several times what reading it did (`bench/README.md`), so the caller names
/// the columns the query will use and the model takes its defaults for the others.
#[expect(clippy::too_many_arguments, reason = "the parts of one SQL sub-query, each named at the call")]
pub fn page_json<E: EntityTrait>(
    select: Select<E>,
    id: E::Column,
    parent: E::Column,
    outer: Expr,
    req: &PageRequest,
    alias: &str,
    columns: &[E::Column],
    nested: Option<Expr>,
) -> Expr {
    let mut keep: Vec<E::Column> = if columns.is_empty() { E::Column::iter().collect() } else { columns.to_vec() };
    if !keep.iter().any(|c| c.as_str() == id.as_str()) {
        keep.insert(0, id);
    }
    // The sort key makes the rows' cursors.
    if let Some(column) = req.order.key.and_then(SortKey::column_name)
        && !keep.iter().any(|c| c.as_str() == column)
    {
        keep.extend(E::Column::iter().filter(|c| c.as_str() == column));
    }
    let object = row_json(alias, &keep);
    let page = ordered(with_cursor(select, id, req), id, req)
        .filter(Expr::col(parent).eq(outer))
        .limit(req.limit + 1)
        .into_query();
    let nested = nested.unwrap_or_else(|| Expr::cust("NULL"));
    let item = Expr::cust_with_exprs(format!("json_build_array({object}, $1)"), [nested]);
    // A sorted page keeps its order in the array (text sorts by the database's
    // collation, which the reader cannot redo); the default one is sorted back by id.
    // (Lists read this way, threads and posts, are sorted by their own columns only.)
    let agg_order = match req.order.key.and_then(SortKey::column_name) {
        Some(column) => {
            let dir = if order(req) == Order::Desc { "DESC" } else { "ASC" };
            format!(" ORDER BY \"{alias}\".\"{column}\" {dir}, \"{alias}\".\"{}\" {dir}", id.as_str())
        }
        None => String::new(),
    };
    let aggregate = Query::select()
        .expr(Expr::cust_with_exprs(format!("COALESCE(json_agg($1{agg_order}), '[]'::json)"), [item]))
        .from_subquery(page, sea_orm::sea_query::Alias::new(alias))
        .to_owned();
    Expr::SubQuery(None, Box::new(aggregate.into_sub_query_statement()))
}

/// PostgreSQL: `json_build_object(…)` of these columns of the row aliased `alias`, each
/// under its column name (what a model deserializes from, its other fields taking their
/// defaults).
pub fn row_json<C: IdenStatic>(alias: &str, columns: &[C]) -> String {
    let mut object = String::from("json_build_object(");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            object.push_str(", ");
        }
        object.push_str(&format!("'{0}', \"{alias}\".\"{0}\"", column.as_str()));
    }
    object.push(')');
    object
}

/// One item of [`page_json`]'s array: the row, and what was read under it.
pub type JsonItem<M, N> = (M, Option<N>);

/// Turns the items of a [`page_json`] array into a page (their order restored, whatever
/// order the aggregate kept) and what was read under each item, by the item's id.
pub fn page_from_json<M, N>(
    mut items: Vec<JsonItem<M, N>>,
    id_of: impl Fn(&M) -> i32,
    req: &PageRequest,
) -> (Page<M>, Vec<(i32, N)>) {
    // A sorted page comes in fetch order already (see `page_json`).
    if req.order.key.is_none() {
        items.sort_by_key(|(m, _)| id_of(m));
        if req.from_end != req.order.desc {
            items.reverse();
        }
    }
    let mut nested = Vec::new();
    let mut rows = Vec::with_capacity(items.len());
    for (model, under) in items {
        if let Some(under) = under {
            nested.push((id_of(&model), under));
        }
        rows.push(model);
    }
    // A parent without rows gets the empty page, as in `fetch_per_parent`'s callers.
    let page = if rows.is_empty() { Page::empty() } else { Page::from_rows(rows, req) };
    let kept: std::collections::HashSet<i32> = page.items.iter().map(&id_of).collect();
    nested.retain(|(id, _)| kept.contains(id));
    (page, nested)
}

/// Splits rows (each parent's in page order) into one page per parent.
fn group_pages<M>(rows: Vec<M>, parent_of: impl Fn(&M) -> i32, req: &PageRequest) -> HashMap<i32, Page<M>> {
    let mut grouped: HashMap<i32, Vec<M>> = HashMap::new();
    for row in rows {
        grouped.entry(parent_of(&row)).or_default().push(row);
    }
    grouped.into_iter().map(|(k, rows)| (k, Page::from_rows(rows, req))).collect()
}

/// [`group_pages`] of rows read with their sort key's value.
fn group_keyed_pages<M>(
    rows: Vec<(M, Option<KeyValue>)>,
    parent_of: impl Fn(&M) -> i32,
    req: &PageRequest,
) -> HashMap<i32, Page<M>> {
    let mut grouped: HashMap<i32, Vec<(M, Option<KeyValue>)>> = HashMap::new();
    for row in rows {
        grouped.entry(parent_of(&row.0)).or_default().push(row);
    }
    grouped.into_iter().map(|(k, rows)| (k, Page::from_keyed_rows(rows, req))).collect()
}

/// How many children each parent has, in one statement.
pub async fn count_per_parent<E, C>(
    db: &C,
    select: Select<E>,
    id: E::Column,
    parent: E::Column,
    parents: &[i32],
) -> ServiceResult<HashMap<i32, u64>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let rows: Vec<(i32, i64)> = select
        .select_only()
        .column(parent)
        .column_as(id.count(), "n")
        .filter(parent.is_in(parents.iter().copied()))
        .group_by(parent)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(k, n)| (k, u64::try_from(n).unwrap_or(0))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    fn sql(req: &PageRequest) -> String {
        let select = community::Entity::find().select_only().column(community::Column::Id);
        ordered(with_cursor(select, community::Column::Id, req), community::Column::Id, req)
            .limit(req.limit + 1)
            .build(DbBackend::Postgres)
            .to_string()
    }

    fn req(order: ListOrder, after: Option<Position>, before: Option<Position>, from_end: bool) -> PageRequest {
        PageRequest { after, before, limit: 2, from_end, order }
    }

    #[test]
    fn the_default_order_reads_by_id_as_before() {
        let plain = ListOrder::default();
        assert_eq!(
            sql(&req(plain, Some(Position::id(5)), None, false)),
            r#"SELECT "community"."id" FROM "community" WHERE "community"."id" > 5 ORDER BY "community"."id" ASC LIMIT 3"#
        );
        assert_eq!(
            sql(&req(plain, None, Some(Position::id(5)), true)),
            r#"SELECT "community"."id" FROM "community" WHERE "community"."id" < 5 ORDER BY "community"."id" DESC LIMIT 3"#
        );
    }

    #[test]
    fn a_sorted_order_compares_the_key_and_the_id_together() {
        let by_name = ListOrder { key: Some(SortKey::CommunityName), desc: false };
        let at = Some(Position { id: 5, key: Some(KeyValue::Text("Neil".into())) });
        assert_eq!(
            sql(&req(by_name, at.clone(), None, false)),
            r#"SELECT "community"."id" FROM "community" WHERE ("community"."name", "community"."id") > ('Neil', 5) ORDER BY "community"."name" ASC, "community"."id" ASC LIMIT 3"#
        );
        // Descending, the last page before a place: rows after it in the list's order,
        // fetched from the end (ascending), then turned round.
        let desc = ListOrder { desc: true, ..by_name };
        assert_eq!(
            sql(&req(desc, None, at.clone(), true)),
            r#"SELECT "community"."id" FROM "community" WHERE ("community"."name", "community"."id") > ('Neil', 5) ORDER BY "community"."name" ASC, "community"."id" ASC LIMIT 3"#
        );
        assert_eq!(
            sql(&req(desc, at, None, false)),
            r#"SELECT "community"."id" FROM "community" WHERE ("community"."name", "community"."id") < ('Neil', 5) ORDER BY "community"."name" DESC, "community"."id" DESC LIMIT 3"#
        );
    }

    #[test]
    fn a_place_without_the_lists_key_matches_nothing() {
        let by_name = ListOrder { key: Some(SortKey::CommunityName), desc: false };
        let time = KeyValue::Time(DateTime::<Utc>::UNIX_EPOCH);
        for place in [Position::id(5), Position { id: 5, key: Some(time) }] {
            let text = sql(&req(by_name, Some(place), None, false));
            assert!(text.contains("WHERE FALSE"), "{text}");
        }
    }

    #[test]
    fn tags_are_distinct_and_read_back() {
        for key in SortKey::ALL {
            assert_eq!(SortKey::from_tag(key.tag()), Some(key));
            assert_eq!(SortKey::ALL.iter().filter(|k| k.tag() == key.tag()).count(), 1);
        }
        assert_eq!(SortKey::from_tag("id"), None);
    }
}
