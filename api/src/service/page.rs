//! Keyset pagination by id, for one list or for many small lists at once.
//!
//! Cursors are ids (the GraphQL layer makes them opaque). A page fetches one row more
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

use crate::error::ServiceResult;

/// Which slice of a list to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageRequest {
    /// Only items after this id.
    pub after: Option<i32>,
    /// Only items before this id.
    pub before: Option<i32>,
    /// How many items at most.
    pub limit: u64,
    /// Take the last `limit` items instead of the first.
    pub from_end: bool,
}

/// A slice of a list, in ascending id order.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub has_previous: bool,
}

impl<T> Page<T> {
    fn from_rows(mut rows: Vec<T>, req: &PageRequest) -> Self {
        let more = rows.len() as u64 > req.limit;
        rows.truncate(usize::try_from(req.limit).unwrap_or(usize::MAX));
        if req.from_end {
            rows.reverse();
            Page { items: rows, has_next: req.before.is_some(), has_previous: more }
        } else {
            Page { items: rows, has_next: more, has_previous: req.after.is_some() }
        }
    }

    /// An empty page (for a parent with no children).
    pub fn empty() -> Self {
        Page { items: Vec::new(), has_next: false, has_previous: false }
    }

    /// Keeps the page shape while converting its items.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            has_next: self.has_next,
            has_previous: self.has_previous,
        }
    }
}

fn with_cursor<E: EntityTrait>(select: Select<E>, id: E::Column, req: &PageRequest) -> Select<E> {
    let mut select = select;
    if let Some(after) = req.after {
        select = select.filter(id.gt(after));
    }
    if let Some(before) = req.before {
        select = select.filter(id.lt(before));
    }
    select
}

fn order(req: &PageRequest) -> Order {
    if req.from_end { Order::Desc } else { Order::Asc }
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
    let rows =
        with_cursor(select, id, req).order_by(id, order(req)).limit(req.limit + 1).into_model::<M>().all(db).await?;
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
    let query = with_cursor(select, id, req)
        .order_by(id, order(req))
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
    window.order_by(id, order(req));
    inner.expr_window_as(Expr::cust("ROW_NUMBER()"), window, "page_row");
    let outer = Query::select()
        .column(Asterisk)
        .from_subquery(inner, "paged")
        .and_where(Expr::col("page_row").lte(req.limit + 1))
        .order_by("id", order(req))
        .to_owned();
    let rows = E::find().from_raw_sql(db.get_database_backend().build(&outer)).all(db).await?;
    Ok(group_pages(rows, parent_of, req))
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
    let inner = with_cursor(select, id, req)
        .filter(Expr::col(parent).equals(("parents", "parent_id")))
        .order_by(id, order(req))
        .limit(req.limit + 1)
        .into_query();
    let (inner_sql, mut values) = inner.build(PostgresQueryBuilder);
    // The parents are one array parameter, so the statement's text is the same whatever
    // the parents: it is prepared and planned once per connection, not per request.
    values.0.push(Value::from(parents.to_vec()));
    let sql = format!(
        "SELECT paged.* FROM unnest(CAST(${} AS int4[])) AS parents (parent_id) CROSS JOIN LATERAL ({inner_sql}) AS paged",
        values.0.len()
    );
    let rows = E::find().from_raw_sql(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).all(db).await?;
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
    let mut object = String::from("json_build_object(");
    for (i, column) in keep.iter().enumerate() {
        if i > 0 {
            object.push_str(", ");
        }
        object.push_str(&format!("'{0}', \"{alias}\".\"{0}\"", column.as_str()));
    }
    object.push(')');
    let page = with_cursor(select, id, req)
        .filter(Expr::col(parent).eq(outer))
        .order_by(id, order(req))
        .limit(req.limit + 1)
        .into_query();
    let nested = nested.unwrap_or_else(|| Expr::cust("NULL"));
    let item = Expr::cust_with_exprs(format!("json_build_array({object}, $1)"), [nested]);
    let aggregate = Query::select()
        .expr(Expr::cust_with_exprs("COALESCE(json_agg($1), '[]'::json)", [item]))
        .from_subquery(page, sea_orm::sea_query::Alias::new(alias))
        .to_owned();
    Expr::SubQuery(None, Box::new(aggregate.into_sub_query_statement()))
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
    items.sort_by_key(|(m, _)| id_of(m));
    if req.from_end {
        items.reverse();
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
