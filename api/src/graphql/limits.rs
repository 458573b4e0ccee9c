//! What one GraphQL request may ask for, checked before anything runs.
//!
//! - **Nesting of the text** (`[[[…]]]`, `{a:{a:…}}`, selection sets): the parser
//!   recurses on argument values without bound, so the query text is scanned before it
//!   is parsed, linearly, skipping strings, block strings and comments.
//! - **Shape**: fragments, root fields, mutation fields, aliases, field selections,
//!   directives per document, and arguments per field or directive; field selections once
//!   fragment spreads are replaced by their fragments. async-graphql's own walks (its
//!   fragment recursion check, validation, complexity, depth, execution) follow every
//!   spread, and its comparison of fields answering under one name compares their
//!   arguments pairwise: without these bounds a query of a kilobyte holds a worker thread
//!   for hours, which no timeout stops (it never awaits).
//! - **Cost**: connections cost their page size times what they select (see
//!   [`super::connection::cost`]); introspection is costed with the schema's real sizes
//!   and may cost at most what the standard introspection query of graphql-js costs.
//! - **Depth** of fields.
//!
//! Every refusal is cheap (a scan or a walk of the parsed document, no resolver runs)
//! and carries a code: `BAD_USER_INPUT` (field `query`) for text nested too deep,
//! `COST_LIMIT_EXCEEDED` for the others.

use crate::i18n::Message;
use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    Positioned, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation},
    parser::types::{Directive, ExecutableDocument, OperationType, Selection, SelectionSet},
    registry::{MetaType, Registry},
};

/// Deepest nesting of brackets, braces and parentheses in the query text.
pub const MAX_NESTING: usize = 64;
/// Deepest field nesting (the standard introspection query needs 15).
pub const MAX_DEPTH: usize = 15;
/// Highest cost of the non-introspection part of an operation: about the fields of a
/// few thousand rows (a front end's page of 50 communities with their organizations,
/// 10 members, 20 threads and 5 posts each costs about 49,000).
pub const MAX_COMPLEXITY: usize = 50_000;
/// Most fields at the root of one operation.
pub const MAX_ROOT_FIELDS: usize = 100;
/// Most fields at the root of one mutation (each one is a write).
pub const MAX_MUTATION_FIELDS: usize = 10;
/// Most aliased fields in one document.
pub const MAX_ALIASES: usize = 100;
/// Most field selections in one document.
pub const MAX_SELECTIONS: usize = 2_000;
/// Most field selections in a document once every fragment spread is replaced by its
/// fragment (a fragment spread in many places counts in each).
pub const MAX_EXPANDED_SELECTIONS: usize = 10_000;
/// Most arguments of one field or directive (no field of the schema takes more than a
/// handful).
pub const MAX_ARGUMENTS: usize = 20;
/// Most directives (`@include`, `@skip`…) in one document.
pub const MAX_DIRECTIVES: usize = 200;
/// Most fragment definitions in one document: the walks below follow spreads, so a
/// long chain of fragments must be refused before them.
pub const MAX_FRAGMENTS: usize = 100;
/// Most values (each scalar, list and object, at any depth) in a request's variables. A
/// variable is read again by every field it is given to: a list of 100,000 entries given
/// to 100 aliases is ten million values to read, in work no timeout stops. The largest
/// lists an input takes hold 100 entries; a long text (a policy) is one value.
pub const MAX_VARIABLE_VALUES: usize = 10_000;
/// Most errors returned in one response; the rest are summed up in one last error.
pub const MAX_ERRORS: usize = 50;

/// The `extensions.code` of refusals for cost.
pub const COST_LIMIT_EXCEEDED: &str = "COST_LIMIT_EXCEEDED";

/// The introspection query graphql-js 16 `getIntrospectionQuery` builds with every
/// option on: the most that partner tooling asks, and the introspection budget.
pub const STANDARD_INTROSPECTION_QUERY: &str = include_str!("introspection.graphql");

fn cost_error(message: impl Into<String>) -> ServerError {
    let mut error = ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", COST_LIMIT_EXCEEDED);
    error
}

fn nesting_error() -> ServerError {
    let mut error = ServerError::new(Message::new("nesting").arg("max", MAX_NESTING).to_string(), None);
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", "BAD_USER_INPUT");
    extensions.set("field", "query");
    error
}

/// The deepest nesting of `(`, `[` and `{` in GraphQL text, outside strings, block
/// strings and comments; stops counting once `limit` is exceeded. Linear, no recursion.
pub fn nesting_exceeds(text: &str, limit: usize) -> bool {
    let bytes = text.as_bytes();
    let mut depth: usize = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped delimiter inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

/// Counts over a parsed document, each fragment walked once.
#[derive(Default)]
struct Shape {
    selections: usize,
    aliases: usize,
    directives: usize,
    /// The most arguments of one field or directive.
    widest: usize,
}

impl Shape {
    fn directives(&mut self, directives: &[Positioned<Directive>]) {
        self.directives = self.directives.saturating_add(directives.len());
        for directive in directives {
            self.widest = self.widest.max(directive.node.arguments.len());
        }
    }
}

fn shape(doc: &ExecutableDocument) -> Shape {
    fn walk(set: &SelectionSet, shape: &mut Shape) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    shape.selections += 1;
                    shape.widest = shape.widest.max(field.node.arguments.len());
                    shape.directives(&field.node.directives);
                    if field.node.alias.as_ref().is_some_and(|a| a.node != field.node.name.node) {
                        shape.aliases += 1;
                    }
                    walk(&field.node.selection_set.node, shape);
                }
                Selection::InlineFragment(fragment) => {
                    shape.directives(&fragment.node.directives);
                    walk(&fragment.node.selection_set.node, shape);
                }
                Selection::FragmentSpread(spread) => shape.directives(&spread.node.directives),
            }
        }
    }
    let mut shape = Shape::default();
    for (_, operation) in doc.operations.iter() {
        shape.directives(&operation.node.directives);
        for variable in &operation.node.variable_definitions {
            shape.directives(&variable.node.directives);
        }
        walk(&operation.node.selection_set.node, &mut shape);
    }
    for fragment in doc.fragments.values() {
        shape.directives(&fragment.node.directives);
        walk(&fragment.node.selection_set.node, &mut shape);
    }
    shape
}

/// The field selections of a document's operations once every fragment spread is
/// replaced by its fragment, each fragment's count computed once (linear in the text
/// however often fragments spread each other). A spread counts one besides its
/// fragment's fields; a spread into a cycle or of an unknown fragment counts one
/// (validation refuses them later).
pub(crate) fn expanded_selections(doc: &ExecutableDocument) -> usize {
    struct Walk<'a> {
        doc: &'a ExecutableDocument,
        /// Fragment counts by name; `None` while being counted.
        memo: HashMap<&'a str, Option<usize>>,
    }
    impl<'a> Walk<'a> {
        fn set(&mut self, set: &'a SelectionSet) -> usize {
            let mut count = 0usize;
            for item in &set.items {
                let add = match &item.node {
                    Selection::Field(field) => self.set(&field.node.selection_set.node).saturating_add(1),
                    Selection::InlineFragment(fragment) => self.set(&fragment.node.selection_set.node),
                    Selection::FragmentSpread(spread) => {
                        let name = spread.node.fragment_name.node.as_str();
                        let inner = match self.memo.get(name) {
                            Some(known) => known.unwrap_or(0),
                            None => match self.doc.fragments.get(name) {
                                Some(fragment) => {
                                    self.memo.insert(name, None);
                                    let count = self.set(&fragment.node.selection_set.node);
                                    self.memo.insert(name, Some(count));
                                    count
                                }
                                None => 0,
                            },
                        };
                        inner.saturating_add(1)
                    }
                };
                count = count.saturating_add(add);
            }
            count
        }
    }
    let mut walk = Walk { doc, memo: HashMap::new() };
    let mut count = 0usize;
    for (_, operation) in doc.operations.iter() {
        count = count.saturating_add(walk.set(&operation.node.selection_set.node));
    }
    count
}

/// Fields at the root of a selection set, through fragments (each spread fragment once,
/// cycles ignored: validation refuses them later).
fn root_fields(doc: &ExecutableDocument, set: &SelectionSet) -> usize {
    fn walk<'a>(doc: &'a ExecutableDocument, set: &'a SelectionSet, seen: &mut Vec<&'a str>) -> usize {
        let mut count = 0usize;
        for item in &set.items {
            count = count.saturating_add(match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(fragment) => walk(doc, &fragment.node.selection_set.node, seen),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match doc.fragments.get(name) {
                        Some(fragment) if !seen.contains(&name) => {
                            seen.push(name);
                            walk(doc, &fragment.node.selection_set.node, seen)
                        }
                        _ => 0,
                    }
                }
            });
        }
        count
    }
    walk(doc, set, &mut Vec::new())
}

/// How many items each introspection list may hold in this schema, at most.
#[derive(Debug, Clone, Copy)]
struct IntrospectionSizes {
    types: usize,
    fields: usize,
    input_fields: usize,
    enum_values: usize,
    possible_types: usize,
    interfaces: usize,
    args: usize,
    directives: usize,
}

impl IntrospectionSizes {
    fn of(registry: &Registry) -> Self {
        let mut sizes = Self {
            types: registry.types.len(),
            fields: 1,
            input_fields: 1,
            enum_values: 1,
            possible_types: 1,
            interfaces: registry.implements.values().map(|set| set.len()).max().unwrap_or(1).max(1),
            args: 1,
            directives: registry.directives.len().max(1),
        };
        for ty in registry.types.values() {
            match ty {
                MetaType::Object { fields, .. } | MetaType::Interface { fields, .. } => {
                    sizes.fields = sizes.fields.max(fields.len());
                    for field in fields.values() {
                        sizes.args = sizes.args.max(field.args.len());
                    }
                    if let MetaType::Interface { possible_types, .. } = ty {
                        sizes.possible_types = sizes.possible_types.max(possible_types.len());
                    }
                }
                MetaType::Union { possible_types, .. } => {
                    sizes.possible_types = sizes.possible_types.max(possible_types.len());
                }
                MetaType::Enum { enum_values, .. } => sizes.enum_values = sizes.enum_values.max(enum_values.len()),
                MetaType::InputObject { input_fields, .. } => {
                    sizes.input_fields = sizes.input_fields.max(input_fields.len());
                }
                MetaType::Scalar { .. } => {}
            }
        }
        for directive in registry.directives.values() {
            sizes.args = sizes.args.max(directive.args.len());
        }
        sizes
    }

    /// How many items the introspection field `name` returns at most.
    fn factor(&self, name: &str) -> usize {
        match name {
            "types" => self.types,
            "fields" => self.fields,
            "inputFields" => self.input_fields,
            "enumValues" => self.enum_values,
            "interfaces" => self.interfaces,
            "possibleTypes" => self.possible_types,
            "args" => self.args,
            "directives" => self.directives,
            _ => 1,
        }
    }
}

/// The worst-case size of the introspection answer a document asks for: each
/// introspection list counts as many times as it can have items.
fn introspection_cost(doc: &ExecutableDocument, sizes: &IntrospectionSizes) -> usize {
    struct Walk<'a> {
        doc: &'a ExecutableDocument,
        sizes: &'a IntrospectionSizes,
        /// Fragment costs by (name, inside introspection); `None` while being computed.
        memo: HashMap<(&'a str, bool), Option<usize>>,
    }
    impl<'a> Walk<'a> {
        fn set(&mut self, set: &'a SelectionSet, inside: bool) -> usize {
            let mut cost = 0usize;
            for item in &set.items {
                let add = match &item.node {
                    Selection::Field(field) => {
                        let name = field.node.name.node.as_str();
                        if inside {
                            let children = self.set(&field.node.selection_set.node, true);
                            self.sizes.factor(name).saturating_mul(children).saturating_add(1)
                        } else if name == "__schema" || name == "__type" {
                            self.set(&field.node.selection_set.node, true).saturating_add(1)
                        } else {
                            self.set(&field.node.selection_set.node, false)
                        }
                    }
                    Selection::InlineFragment(fragment) => self.set(&fragment.node.selection_set.node, inside),
                    Selection::FragmentSpread(spread) => {
                        let name = spread.node.fragment_name.node.as_str();
                        match self.memo.get(&(name, inside)) {
                            Some(Some(cost)) => *cost,
                            Some(None) => 0,
                            None => match self.doc.fragments.get(name) {
                                Some(fragment) => {
                                    self.memo.insert((name, inside), None);
                                    let cost = self.set(&fragment.node.selection_set.node, inside);
                                    self.memo.insert((name, inside), Some(cost));
                                    cost
                                }
                                None => 0,
                            },
                        }
                    }
                };
                cost = cost.saturating_add(add);
            }
            cost
        }
    }
    let mut walk = Walk { doc, sizes, memo: HashMap::new() };
    let mut worst = 0usize;
    for (_, operation) in doc.operations.iter() {
        worst = worst.max(walk.set(&operation.node.selection_set.node, false));
    }
    worst
}

/// Checks a parsed document's shape and introspection cost.
fn check_document(
    doc: &ExecutableDocument,
    sizes: &IntrospectionSizes,
    introspection_budget: usize,
) -> ServerResult<()> {
    if doc.fragments.len() > MAX_FRAGMENTS {
        return Err(cost_error(Message::new("fragments-max").arg("max", MAX_FRAGMENTS).to_string()));
    }
    let shape = shape(doc);
    if shape.selections > MAX_SELECTIONS {
        return Err(cost_error(Message::new("selections-max").arg("max", MAX_SELECTIONS).to_string()));
    }
    if shape.directives > MAX_DIRECTIVES {
        return Err(cost_error(Message::new("directives-max").arg("max", MAX_DIRECTIVES).to_string()));
    }
    if shape.aliases > MAX_ALIASES {
        return Err(cost_error(Message::new("aliases-max").arg("max", MAX_ALIASES).to_string()));
    }
    if shape.widest > MAX_ARGUMENTS {
        return Err(cost_error(Message::new("arguments-max").arg("max", MAX_ARGUMENTS).to_string()));
    }
    if expanded_selections(doc) > MAX_EXPANDED_SELECTIONS {
        return Err(cost_error(
            Message::new("expanded-selections-max").arg("max", MAX_EXPANDED_SELECTIONS).to_string(),
        ));
    }
    for (_, operation) in doc.operations.iter() {
        let roots = root_fields(doc, &operation.node.selection_set.node);
        if operation.node.ty == OperationType::Mutation && roots > MAX_MUTATION_FIELDS {
            return Err(cost_error(Message::new("mutation-fields-max").arg("max", MAX_MUTATION_FIELDS).to_string()));
        }
        if roots > MAX_ROOT_FIELDS {
            return Err(cost_error(Message::new("root-fields-max").arg("max", MAX_ROOT_FIELDS).to_string()));
        }
    }
    if introspection_cost(doc, sizes) > introspection_budget {
        return Err(cost_error(Message::new("introspection-cost").to_string()));
    }
    Ok(())
}

/// The schema extension enforcing these bounds.
#[derive(Debug, Default)]
pub struct RequestLimits;

impl ExtensionFactory for RequestLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestLimitsExtension)
    }
}

struct RequestLimitsExtension;

/// The introspection sizes and budget of the schema, computed once.
static INTROSPECTION: std::sync::OnceLock<(IntrospectionSizes, usize)> = std::sync::OnceLock::new();

/// The introspection sizes and budget of a schema, computed once.
fn introspection_budget(registry: &Registry) -> (IntrospectionSizes, usize) {
    *INTROSPECTION.get_or_init(|| {
        let sizes = IntrospectionSizes::of(registry);
        let budget = async_graphql::parser::parse_query(STANDARD_INTROSPECTION_QUERY)
            .map(|doc| introspection_cost(&doc, &sizes))
            .unwrap_or(0);
        (sizes, budget)
    })
}

#[async_graphql::async_trait::async_trait]
impl Extension for RequestLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if nesting_exceeds(query, MAX_NESTING) {
            return Err(nesting_error());
        }
        let doc = next.run(ctx, query, variables).await?;
        let (sizes, budget) = introspection_budget(&ctx.schema_env.registry);
        check_document(&doc, &sizes, budget)?;
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if result.complexity > MAX_COMPLEXITY {
            return Err(vec![cost_error(
                Message::new("query-cost").arg("cost", result.complexity).arg("max", MAX_COMPLEXITY).to_string(),
            )]);
        }
        if result.depth > MAX_DEPTH {
            return Err(vec![cost_error(Message::new("depth-max").arg("max", MAX_DEPTH).to_string())]);
        }
        Ok(result)
    }
}

/// Checks a request's query text before execution, as [`RequestLimits`] does at parsing:
/// nesting, then the parsed document's shape and introspection cost. The server runs
/// this itself (see [`super::prepared`]) rather than as a schema extension: any
/// extension sends every field's resolution through its hooks (a boxed future and a
/// registry look-up per field and list item), about a tenth of the server's CPU under
/// load (`bench/README.md`). Complexity and depth are then checked by async-graphql's
/// own limits ([`cost_refusal`] gives them their code).
pub async fn check_query(query: &str) -> ServerResult<ExecutableDocument> {
    if nesting_exceeds(query, MAX_NESTING) {
        return Err(nesting_error());
    }
    let doc = async_graphql::parser::parse_query(query).map_err(ServerError::from)?;
    let (sizes, budget) = match INTROSPECTION.get() {
        Some(known) => *known,
        None => {
            // The registry is not public: a schema with the extension, asked once, reads it.
            let probe = async_graphql::Schema::build(
                super::Query::default(),
                super::Mutation::default(),
                async_graphql::EmptySubscription,
            )
            .extension(RequestLimits)
            .finish();
            let _ = probe.execute("{ __typename }").await;
            INTROSPECTION.get().copied().ok_or_else(|| ServerError::new("the schema's limits are unknown", None))?
        }
    };
    check_document(&doc, &sizes, budget)?;
    Ok(doc)
}

/// The refusal of a measured operation over [`MAX_COMPLEXITY`] or [`MAX_DEPTH`]
/// ([`super::cost::measure`]), if it is.
pub fn over_limits(complexity: usize, depth: usize) -> Option<ServerError> {
    if complexity > MAX_COMPLEXITY {
        return Some(cost_error(
            Message::new("query-cost").arg("cost", complexity).arg("max", MAX_COMPLEXITY).to_string(),
        ));
    }
    (depth > MAX_DEPTH).then(|| cost_error(Message::new("depth-max").arg("max", MAX_DEPTH).to_string()))
}

/// async-graphql's refusals of [`MAX_COMPLEXITY`] and [`MAX_DEPTH`] (set on the schema),
/// worded and coded as the rest of this module's: `None` for any other error.
pub fn cost_refusal(error: &ServerError) -> Option<ServerError> {
    match error.message.as_str() {
        "Query is too complex." => {
            Some(cost_error(Message::new("query-cost-over").arg("max", MAX_COMPLEXITY).to_string()))
        }
        "Query is nested too deep." => Some(cost_error(Message::new("depth-max").arg("max", MAX_DEPTH).to_string())),
        _ => None,
    }
}

/// Refuses variables holding more than [`MAX_VARIABLE_VALUES`] values
/// (`BAD_USER_INPUT`, field `variables`); counts without recursion and stops at the limit.
pub fn check_variables(variables: &Variables) -> ServerResult<()> {
    let mut pending: Vec<&async_graphql::Value> = variables.values().collect();
    let mut count = pending.len();
    while let Some(value) = pending.pop() {
        if count > MAX_VARIABLE_VALUES {
            let mut error =
                ServerError::new(Message::new("variables-max").arg("max", MAX_VARIABLE_VALUES).to_string(), None);
            let extensions = error.extensions.get_or_insert_with(Default::default);
            extensions.set("code", "BAD_USER_INPUT");
            extensions.set("field", "variables");
            return Err(error);
        }
        match value {
            async_graphql::Value::List(items) => {
                count = count.saturating_add(items.len());
                pending.extend(items);
            }
            async_graphql::Value::Object(fields) => {
                count = count.saturating_add(fields.len());
                pending.extend(fields.values());
            }
            _ => {}
        }
    }
    Ok(())
}

/// Keeps at most [`MAX_ERRORS`] errors, summing up the rest in one last error.
pub fn cap_errors(errors: &mut Vec<ServerError>) {
    if errors.len() > MAX_ERRORS {
        let omitted = errors.len() - (MAX_ERRORS - 1);
        errors.truncate(MAX_ERRORS - 1);
        let mut summary = ServerError::new(Message::new("errors-omitted").arg("count", omitted).to_string(), None);
        summary.extensions.get_or_insert_with(Default::default).set("code", "TOO_MANY_ERRORS");
        errors.push(summary);
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::{EmptySubscription, Schema};

    use super::*;
    use crate::graphql::{Mutation, Query};

    #[test]
    fn nesting_ignores_strings_block_strings_and_comments() {
        let deep = format!("{{ a(x: {}1{}) }}", "[".repeat(100), "]".repeat(100));
        assert!(nesting_exceeds(&deep, MAX_NESTING));
        let quoted = format!("{{ a(x: \"{}\") }}", "[".repeat(100));
        assert!(!nesting_exceeds(&quoted, MAX_NESTING));
        let block = format!("{{ a(x: \"\"\"{} \\\"\"\" {}\"\"\") }}", "{".repeat(100), "(".repeat(100));
        assert!(!nesting_exceeds(&block, MAX_NESTING));
        let comment = format!("{{ a # {}\n }}", "[".repeat(100));
        assert!(!nesting_exceeds(&comment, MAX_NESTING));
        let escaped = format!("{{ a(x: \"\\\"{}\") }}", "[".repeat(100));
        assert!(!nesting_exceeds(&escaped, MAX_NESTING));
    }

    fn code(response: &async_graphql::Response) -> Option<String> {
        let error = response.errors.first()?;
        match error.extensions.as_ref()?.get("code")? {
            async_graphql::Value::String(code) => Some(code.clone()),
            _ => None,
        }
    }

    #[test]
    fn fragments_count_wherever_they_are_spread_each_counted_once() {
        let parse = |q: &str| async_graphql::parser::parse_query(q).unwrap();
        // Each spread of F counts its two fields and itself.
        let doc = parse("{ a: __typename ...F ...F } fragment F on Query { b: __typename c: __typename }");
        assert_eq!(expanded_selections(&doc), 1 + 3 + 3);
        // 2^60 once spread, counted without spreading anything (saturating).
        let mut fanned = String::from("{ ...F0 }");
        for n in 0..60 {
            fanned.push_str(&format!(" fragment F{n} on Query {{ ...F{m} ...F{m} }}", m = n + 1));
        }
        fanned.push_str(" fragment F60 on Query { __typename }");
        assert!(expanded_selections(&parse(&fanned)) > 1 << 60);
        // A cycle is left to validation.
        let cycle = parse("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }");
        assert_eq!(expanded_selections(&cycle), 3);
        // The standard introspection query is far below the bound.
        let standard = expanded_selections(&parse(STANDARD_INTROSPECTION_QUERY));
        assert!(standard < MAX_EXPANDED_SELECTIONS / 10, "{standard}");
    }

    #[tokio::test]
    async fn the_standard_introspection_query_fits_once_but_not_twice() {
        let schema =
            Schema::build(Query::default(), Mutation::default(), EmptySubscription).extension(RequestLimits).finish();
        let once = schema.execute(STANDARD_INTROSPECTION_QUERY).await;
        assert!(once.errors.is_empty(), "{:?}", once.errors);
        let twice =
            STANDARD_INTROSPECTION_QUERY.replacen("__schema {", "a: __schema { types { name } } b: __schema {", 1);
        let refused = schema.execute(twice.as_str()).await;
        assert_eq!(code(&refused).as_deref(), Some(COST_LIMIT_EXCEEDED), "{:?}", refused.errors);
        let deep =
            "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }";
        let refused = schema.execute(deep).await;
        assert_eq!(code(&refused).as_deref(), Some(COST_LIMIT_EXCEEDED), "{:?}", refused.errors);
    }
}
