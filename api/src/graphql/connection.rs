//! Relay cursor connections: argument checks, and building a connection from a page.

use crate::i18n::Message;
use async_graphql::{
    Context, OutputType, SelectionField, SimpleObject, Value,
    connection::{Connection, CursorType, Edge, EmptyFields},
};

use super::{
    ids::ListCursor,
    order::{OrderInput, list_order},
};
use crate::{
    error::ServiceError,
    service::page::{Keyed, ListOrder, Page, PageRequest, Position},
};

/// The most items one page may hold.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// What a connection field costs when a query is checked: its page size (`first` or
/// `last`, the default page size when neither is given) times what each item selects.
pub fn cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first.or(last).unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
    usize::try_from(size).unwrap_or(1).saturating_mul(child_complexity).saturating_add(1)
}

/// How many items an unpaginated list of objects (roles, rules, sessions…) is assumed to
/// hold when a query is costed.
pub const LIST_COST_FACTOR: usize = 20;

/// What an unpaginated list of objects costs: [`LIST_COST_FACTOR`] times what each item
/// selects.
pub fn list_cost(child_complexity: usize) -> usize {
    LIST_COST_FACTOR.saturating_mul(child_complexity).saturating_add(1)
}

/// Fields every connection has beside its edges.
#[derive(SimpleObject, Debug, Clone, Copy)]
pub struct ListInfo {
    /// How many items the whole list holds, whatever page is fetched.
    pub total_count: i64,
}

/// A connection of `N` nodes.
pub type Conn<N> = Connection<ListCursor, N, ListInfo, EmptyFields>;

/// Checks Relay arguments and turns them into a page request for a list in `order`. A
/// cursor made for another order (another `orderBy`, or none) is `BAD_USER_INPUT` on
/// its argument: its position means nothing in this order.
pub fn page_request(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
    order: ListOrder,
) -> Result<PageRequest, ServiceError> {
    let size = |field: &str, n: i32| {
        if (0..=MAX_PAGE_SIZE).contains(&n) {
            Ok(u64::try_from(n).unwrap_or(0))
        } else {
            Err(ServiceError::bad_input(field, Message::new("page-size").arg("max", MAX_PAGE_SIZE)))
        }
    };
    let cursor = |field: &str, c: Option<String>| -> Result<Option<Position>, ServiceError> {
        c.map(|c| {
            let c = ListCursor::decode_cursor(&c)
                .map_err(|_| ServiceError::bad_input(field, Message::new("bad-cursor")))?;
            if c.order != order {
                return Err(ServiceError::bad_input(field, Message::new("cursor-other-order")));
            }
            Ok(c.place)
        })
        .transpose()
    };
    let (limit, from_end) = match (first, last) {
        (Some(_), Some(_)) => return Err(ServiceError::bad_input("last", Message::new("first-and-last"))),
        (Some(n), None) => (size("first", n)?, false),
        (None, Some(n)) => (size("last", n)?, true),
        (None, None) => (size("first", DEFAULT_PAGE_SIZE)?, false),
    };
    Ok(PageRequest { after: cursor("after", after)?, before: cursor("before", before)?, limit, from_end, order })
}

/// The page a connection field of the query asks for, from its arguments (variables
/// resolved; `O` its `orderBy` input), when they are valid; `None` otherwise (the field
/// then reports the error itself when it resolves).
pub fn page_request_of<O: OrderInput + async_graphql::InputType>(field: &SelectionField<'_>) -> Option<PageRequest> {
    let args = field.arguments().ok()?;
    let mut first = None;
    let mut last = None;
    let mut after = None;
    let mut before = None;
    let mut order = None;
    for (name, value) in args {
        let size = |value: &Value| match value {
            Value::Null => Some(None),
            Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()).map(Some),
            _ => None,
        };
        let cursor = |value: Value| match value {
            Value::Null => Some(None),
            Value::String(s) => Some(Some(s)),
            _ => None,
        };
        match name.as_str() {
            "first" => first = size(&value)?,
            "last" => last = size(&value)?,
            "after" => after = cursor(value)?,
            "before" => before = cursor(value)?,
            "orderBy" => order = <Option<O> as async_graphql::InputType>::parse(Some(value)).ok()?,
            _ => return None,
        }
    }
    page_request(first, after, last, before, list_order(order.as_ref())).ok()
}

/// The only field named `name` among the nodes of connection field `field` (through
/// `edges { node }` and `nodes`, fragments included); `None` when there is none or more
/// than one (aliases asking for different pages).
pub fn only_node_field<'a>(field: &SelectionField<'a>, name: &str) -> Option<SelectionField<'a>> {
    let mut found = Vec::new();
    for child in field.selection_set() {
        match child.name() {
            "edges" => {
                for node in child.selection_set().filter(|f| f.name() == "node") {
                    found.extend(node.selection_set().filter(|f| f.name() == name));
                }
            }
            "nodes" => found.extend(child.selection_set().filter(|f| f.name() == name)),
            _ => {}
        }
    }
    (found.len() == 1).then(|| found.pop()).flatten()
}

/// The columns the nodes of connection field `field` read, by `columns_for` of their
/// type's fields (see [`super::discussion::Thread::columns_for`]); empty (meaning every
/// column) as soon as one field is not known to `columns_for`.
pub fn node_columns<C: sea_orm::IdenStatic + Copy + 'static>(
    field: &SelectionField<'_>,
    columns_for: impl Fn(&str) -> Option<&'static [C]>,
) -> Vec<C> {
    let mut columns = Vec::new();
    for child in field.selection_set() {
        let nodes: Vec<SelectionField<'_>> = match child.name() {
            "edges" => child.selection_set().filter(|f| f.name() == "node").collect(),
            "nodes" => vec![child],
            _ => continue,
        };
        for node in nodes {
            for used in node.selection_set() {
                let Some(read) = columns_for(used.name()) else { return Vec::new() };
                for column in read {
                    if !columns.iter().any(|c: &C| c.as_str() == column.as_str()) {
                        columns.push(*column);
                    }
                }
            }
        }
    }
    columns
}

/// The columns the fields of object field `field` read, by `columns_for` of its type's
/// fields; `None` as soon as one field is not known to `columns_for`.
pub fn object_columns<C: sea_orm::IdenStatic + Copy + 'static>(
    field: &SelectionField<'_>,
    columns_for: impl Fn(&str) -> Option<&'static [C]>,
) -> Option<Vec<C>> {
    let mut columns: Vec<C> = Vec::new();
    for used in field.selection_set() {
        for column in columns_for(used.name())? {
            if !columns.iter().any(|c| c.as_str() == column.as_str()) {
                columns.push(*column);
            }
        }
    }
    Some(columns)
}

/// Whether the query asks for `totalCount` on this field (counting costs a query).
pub fn wants_count(ctx: &Context<'_>) -> bool {
    ctx.look_ahead().field("totalCount").exists()
}

/// Builds a connection from a page of models of a list in `order` (each edge's cursor
/// holds the row's id and, for a sorted list, its sort key's value).
pub fn build<M: Keyed, N: OutputType>(
    page: Page<M>,
    total: u64,
    order: ListOrder,
    id_of: impl Fn(&M) -> i32,
    wrap: impl Fn(M) -> N,
) -> Conn<N> {
    let mut conn = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        ListInfo { total_count: i64::try_from(total).unwrap_or(i64::MAX) },
    );
    let mut keys = page.keys.into_iter();
    conn.edges.extend(page.items.into_iter().map(|m| {
        let read = keys.next().flatten();
        let key = order.key.and_then(|key| m.key_value(key)).or(read);
        Edge::new(ListCursor { order, place: Position { id: id_of(&m), key } }, wrap(m))
    }));
    conn
}

/// A nested connection (the posts of a thread…), batched across parents by DataLoader.
pub async fn children<T, N>(
    ctx: &Context<'_>,
    parent: i32,
    args: (Option<i32>, Option<String>, Option<i32>, Option<String>),
    order: ListOrder,
    id_of: impl Fn(&T::Model) -> i32,
    wrap: impl Fn(T::Model) -> N,
) -> async_graphql::Result<Conn<N>>
where
    T: super::loaders::ChildList,
    T::Model: Keyed,
    N: OutputType,
{
    use super::{
        GqlResult,
        loaders::{CountLoader, PageLoader, ReadAhead, loader},
    };
    let req = page_request(args.0, args.1, args.2, args.3, order).gql()?;
    let read_ahead = ctx.data_opt::<ReadAhead<T>>().and_then(|pages| pages.take(parent, &req, &ctx.field()));
    let page = match read_ahead {
        Some(page) => page,
        None => loader::<PageLoader<T>, _>(ctx).load_one((parent, req)).await.gql()?.unwrap_or_else(Page::empty),
    };
    let total =
        if wants_count(ctx) { loader::<CountLoader<T>, _>(ctx).load_one(parent).await.gql()?.unwrap_or(0) } else { 0 };
    Ok(build(page, total, order, id_of, wrap))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::service::page::{KeyValue, SortKey};

    #[test]
    fn page_arguments_are_checked() {
        let id = ListOrder::default();
        assert_eq!(page_request(None, None, None, None, id).ok().map(|r| r.limit), Some(20));
        assert_eq!(
            page_request(Some(101), None, None, None, id).err().and_then(|e| e.field().map(str::to_owned)).as_deref(),
            Some("first")
        );
        assert!(page_request(Some(-1), None, None, None, id).is_err());
        assert!(page_request(Some(1), None, Some(1), None, id).is_err());
        assert!(page_request(Some(1), Some("garbage".into()), None, None, id).is_err());
        let r = page_request(None, None, Some(5), Some(ListCursor::id(9).encode_cursor()), id).ok();
        assert_eq!(r.map(|r| (r.limit, r.from_end, r.before)), Some((5, true, Some(Position::id(9)))));
    }

    #[test]
    fn a_cursor_serves_only_the_order_it_was_made_for() {
        let by_name = ListOrder { key: Some(SortKey::CommunityName), desc: false };
        let by_name_desc = ListOrder { desc: true, ..by_name };
        let by_slug = ListOrder { key: Some(SortKey::CommunitySlug), desc: false };
        let place = Position { id: 3, key: Some(KeyValue::Text("b".into())) };
        let named = ListCursor { order: by_name, place: place.clone() }.encode_cursor();
        let field = |r: Result<PageRequest, ServiceError>| r.err().and_then(|e| e.field().map(str::to_owned));
        assert_eq!(
            page_request(None, Some(named.clone()), None, None, by_name).ok().and_then(|r| r.after),
            Some(place)
        );
        for other in [ListOrder::default(), by_name_desc, by_slug] {
            assert_eq!(field(page_request(None, Some(named.clone()), None, None, other)).as_deref(), Some("after"));
            assert_eq!(field(page_request(None, None, Some(1), Some(named.clone()), other)).as_deref(), Some("before"));
        }
        let by_id = ListCursor::id(3).encode_cursor();
        assert_eq!(field(page_request(None, Some(by_id), None, None, by_name)).as_deref(), Some("after"));
    }
}
