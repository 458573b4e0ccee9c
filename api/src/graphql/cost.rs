//! What an operation costs, made visible to its caller in `extensions.cost`
//! `{ requested actual limit }` and charged to its rate-limit budget
//! (`crate::server::rate_limit`).
//!
//! - **requested**: the static cost of the document with its variables, computed before
//!   anything runs, as async-graphql's complexity with this schema's weights: a field
//!   costs 1 plus what it selects; a connection its page size (`first` or `last`,
//!   [`super::connection::DEFAULT_PAGE_SIZE`] when neither is given) times what each
//!   item selects, plus 1; an unpaginated list [`super::connection::LIST_COST_FACTOR`]
//!   times what each item selects, plus 1. This is what is checked against `limit`.
//! - **actual**: the same count over what the answer holds: each field of `data` costs 1
//!   plus what its value holds, a list the sum of its items. A page that returned 3
//!   items counts its items' fields 3 times, and the connection's own wrapper fields
//!   once, so `actual` is usually far below `requested`.
//! - **charged** (to the rate-limit budget, not shown): `actual`, but at least the
//!   number of fields the document selects (an answer that came back empty still made
//!   the server look) and at most `requested`.
//! - **limit**: [`super::limits::MAX_COMPLEXITY`], the most `requested` may be.
//!
//! The requested cost is measured by a second schema, built once with a schema extension
//! that reads async-graphql's own validation result and stops there (nothing resolves):
//! the serving schema has no extension, since any extension wraps every field's
//! resolution (see [`super::limits::check_query`]). The measure walks the document once
//! more (fragment cycles and weights only, async-graphql's `Fast` validation).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use async_graphql::{
    EmptySubscription, Name, Schema, ServerError, ValidationMode, ValidationResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation},
    indexmap::IndexMap,
    parser::types::ExecutableDocument,
};

use super::{Mutation, Query, limits::MAX_COMPLEXITY};

/// The static cost and field depth of a document with its variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// async-graphql's complexity with this schema's weights.
    pub complexity: usize,
    /// The deepest field nesting.
    pub depth: usize,
    /// The fields the document selects once its fragments are spread: what it costs at
    /// the least, whatever its lists hold (each field asked for is work done, even when
    /// the answer comes back empty).
    pub selected: usize,
}

/// The cell the measuring extension fills.
#[derive(Default)]
struct Cell(Mutex<Option<Measure>>);

struct MeasureOnly;

impl ExtensionFactory for MeasureOnly {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(MeasureOnly)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for MeasureOnly {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(cell) = ctx.data_opt::<Arc<Cell>>() {
            *cell.0.lock().unwrap_or_else(PoisonError::into_inner) =
                Some(Measure { complexity: result.complexity, depth: result.depth, selected: 0 });
        }
        // Measured: stop before anything is resolved.
        Err(Vec::new())
    }
}

type Probe = Schema<Query, Mutation, EmptySubscription>;

static PROBE: OnceLock<Probe> = OnceLock::new();

fn probe() -> &'static Probe {
    PROBE.get_or_init(|| {
        Schema::build(Query::default(), Mutation::default(), EmptySubscription)
            .validation_mode(ValidationMode::Fast)
            .extension(MeasureOnly)
            .finish()
    })
}

/// Measures an already parsed and checked document with the variables and operation
/// name of `request`; `None` when the document cannot be measured (a fragment cycle, a
/// page size of the wrong type: validation then refuses it).
pub async fn measure(document: ExecutableDocument, request: &async_graphql::Request) -> Option<Measure> {
    let selected = super::limits::expanded_selections(&document);
    let cell = Arc::new(Cell::default());
    let mut probe_request = async_graphql::Request::new(String::new()).variables(request.variables.clone());
    probe_request.operation_name = request.operation_name.clone();
    probe_request.set_parsed_query(document);
    let _ = probe().execute(probe_request.data(cell.clone())).await;
    let measured = *cell.0.lock().unwrap_or_else(PoisonError::into_inner);
    measured.map(|m| Measure { selected, ..m })
}

/// What an answer holds, counted as [`measure`] counts what a query asks for: each field
/// of an object 1 plus what its value holds, a list the sum of its items.
pub fn actual(data: &Value) -> usize {
    match data {
        Value::Object(fields) => {
            fields.values().fold(0usize, |sum, value| sum.saturating_add(1).saturating_add(actual(value)))
        }
        Value::List(items) => items.iter().fold(0usize, |sum, item| sum.saturating_add(actual(item))),
        _ => 0,
    }
}

/// Work a resolver does beyond what its answer holds (a wiki diff compares whole
/// revisions and answers one string), added to the operation's `actual` cost: the
/// field's complexity holds at least as much, so `requested` stays an upper bound. One
/// per operation, in its data.
#[derive(Debug, Default)]
pub struct Surcharge(std::sync::atomic::AtomicUsize);

impl Surcharge {
    /// Adds `points` to the operation's cost.
    pub fn add(&self, points: usize) {
        self.0.fetch_add(points, std::sync::atomic::Ordering::Relaxed);
    }

    /// The points added so far.
    pub fn points(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Charges the operation of `ctx` `points` beyond what its answer holds.
pub fn surcharge(ctx: &async_graphql::Context<'_>, points: usize) {
    if let Some(surcharge) = ctx.data_opt::<Arc<Surcharge>>() {
        surcharge.add(points);
    }
}

/// The `actual` cost of an answer: what [`Cost::attach`] set, or what its data holds.
pub fn actual_of(response: &async_graphql::Response) -> usize {
    let attached = match response.extensions.get("cost") {
        Some(Value::Object(cost)) => match cost.get("actual") {
            Some(Value::Number(n)) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
            _ => None,
        },
        _ => None,
    };
    attached.unwrap_or_else(|| actual(&response.data))
}

/// The `cost` entry of an answer's `extensions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    /// The static cost, before execution (0 when the query did not parse).
    pub requested: usize,
    /// What the answer held.
    pub actual: usize,
}

impl Cost {
    /// `{ requested actual limit }`.
    pub fn to_value(self) -> Value {
        let number = |n: usize| Value::Number(u64::try_from(n).unwrap_or(u64::MAX).into());
        let mut fields = IndexMap::new();
        fields.insert(Name::new("requested"), number(self.requested));
        fields.insert(Name::new("actual"), number(self.actual));
        fields.insert(Name::new("limit"), number(MAX_COMPLEXITY));
        Value::Object(fields)
    }

    /// Sets `extensions.cost` of a response.
    pub fn attach(self, response: &mut async_graphql::Response) {
        response.extensions.insert("cost".to_owned(), self.to_value());
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{Request, Variables, parser::parse_query, value};

    use super::*;

    async fn measured(query: &str, variables: serde_json::Value) -> Option<Measure> {
        let request = Request::new(query).variables(Variables::from_json(variables));
        measure(parse_query(query).ok()?, &request).await
    }

    #[tokio::test]
    async fn a_page_costs_its_size_times_what_it_selects() {
        let cheap = measured("{ me { id name } }", serde_json::json!({})).await;
        assert_eq!(cheap.map(|m| m.complexity), Some(3));
        let query = "query($n: Int) { communities(first: $n) { edges { node { id name } } } }";
        let ten = measured(query, serde_json::json!({ "n": 10 })).await.map(|m| m.complexity);
        let hundred = measured(query, serde_json::json!({ "n": 100 })).await.map(|m| m.complexity);
        // node: 1 + 2, edges: 1 + 3; ten of them, plus the connection itself.
        assert_eq!(ten, Some(10 * 4 + 1));
        assert_eq!(hundred, Some(100 * 4 + 1));
        // communities, edges, node, id, name: what even an empty page costs.
        let selected = measured(query, serde_json::json!({ "n": 100 })).await.map(|m| m.selected);
        assert_eq!(selected, Some(5));
    }

    #[tokio::test]
    async fn a_cycle_of_fragments_is_not_measured() {
        let query = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert_eq!(measured(query, serde_json::json!({})).await, None);
    }

    #[test]
    fn actual_counts_the_fields_returned() {
        let data = value!({
            "communities": { "edges": [{ "node": { "id": "1", "name": "a" } }, { "node": { "id": "2", "name": null } }] }
        });
        // communities 1 + edges 1 + 2 × (node 1 + 2).
        assert_eq!(actual(&data), 8);
        assert_eq!(actual(&Value::Null), 0);
    }
}
