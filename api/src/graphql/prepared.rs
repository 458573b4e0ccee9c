//! Prepared documents: partner front ends send the same few operations again and again,
//! so the server keeps what parsing and validating them produced instead of doing it at
//! every request.
//!
//! - A parsed document is kept by its exact query text (only one that passed every
//!   check of [`super::limits`]: nesting, shape, directives, introspection budget).
//! - A validation result is kept by the exact query text, operation name and variables
//!   (costs depend on page sizes, which variables may give): only a successful one, that
//!   the cost and depth limits accepted.
//!
//! Both are bounded in entries and in the size of what they key on; a query or its
//! variables larger than [`MAX_KEY_BYTES`] is simply not kept. Nothing here depends on
//! who asks: the viewer is applied at execution, never at parsing or validation.

use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

use async_graphql::{
    Request, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextValidation},
    parser::types::ExecutableDocument,
};
use lru::LruCache;

/// Documents kept (most recently used first out of the cache when full).
pub const MAX_DOCUMENTS: usize = 512;
/// Validation results kept.
pub const MAX_VALIDATIONS: usize = 2048;
/// The longest query text (plus operation name and variables, for validations) kept.
pub const MAX_KEY_BYTES: usize = 16 * 1024;

/// What one validation depends on besides the schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ValidationKey {
    query: Arc<str>,
    operation_name: Option<String>,
    variables: String,
}

/// The caches, shared by every request of a schema.
pub struct PreparedDocuments {
    documents: Arc<Mutex<LruCache<Arc<str>, ExecutableDocument>>>,
    validations: Arc<Mutex<LruCache<ValidationKey, ValidationResult>>>,
}

impl Default for PreparedDocuments {
    fn default() -> Self {
        let size = |n: usize| NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN);
        Self {
            documents: Arc::new(Mutex::new(LruCache::new(size(MAX_DOCUMENTS)))),
            validations: Arc::new(Mutex::new(LruCache::new(size(MAX_VALIDATIONS)))),
        }
    }
}

impl ExtensionFactory for PreparedDocuments {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PerRequest {
            documents: self.documents.clone(),
            validations: self.validations.clone(),
            operation_name: Mutex::new(None),
            validation_key: Mutex::new(None),
        })
    }
}

/// One request's view of the caches.
struct PerRequest {
    documents: Arc<Mutex<LruCache<Arc<str>, ExecutableDocument>>>,
    validations: Arc<Mutex<LruCache<ValidationKey, ValidationResult>>>,
    operation_name: Mutex<Option<String>>,
    validation_key: Mutex<Option<ValidationKey>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for PerRequest {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let request = next.run(ctx, request).await?;
        if let Ok(mut name) = self.operation_name.lock() {
            name.clone_from(&request.operation_name);
        }
        Ok(request)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if query.len() > MAX_KEY_BYTES {
            return next.run(ctx, query, variables).await;
        }
        let key: Arc<str> = Arc::from(query);
        let cached = self.documents.lock().ok().and_then(|mut docs| docs.get(&key).cloned());
        let document = match cached {
            Some(document) => document,
            None => {
                let document = next.run(ctx, query, variables).await?;
                if let Ok(mut docs) = self.documents.lock() {
                    docs.put(key.clone(), document.clone());
                }
                document
            }
        };
        let operation_name = self.operation_name.lock().ok().and_then(|name| name.clone());
        let variables = serde_json::to_string(variables).unwrap_or_default();
        if query.len() + variables.len() + operation_name.as_ref().map_or(0, String::len) <= MAX_KEY_BYTES
            && let Ok(mut slot) = self.validation_key.lock()
        {
            *slot = Some(ValidationKey { query: key, operation_name, variables });
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let key = self.validation_key.lock().ok().and_then(|mut slot| slot.take());
        let Some(key) = key else { return next.run(ctx).await };
        if let Some(result) = self.validations.lock().ok().and_then(|mut results| results.get(&key).copied()) {
            return Ok(result);
        }
        let result = next.run(ctx).await?;
        if let Ok(mut results) = self.validations.lock() {
            results.put(key, result);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};

    use super::*;

    struct Query;

    #[Object]
    impl Query {
        async fn echo(&self, n: i32) -> i32 {
            n
        }
    }

    /// Counts the parses and validations that reach past the cache.
    #[derive(Default, Clone)]
    struct Counts {
        parses: Arc<AtomicUsize>,
        validations: Arc<AtomicUsize>,
    }

    impl ExtensionFactory for Counts {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(self.clone())
        }
    }

    #[async_graphql::async_trait::async_trait]
    impl Extension for Counts {
        async fn parse_query(
            &self,
            ctx: &ExtensionContext<'_>,
            query: &str,
            variables: &Variables,
            next: NextParseQuery<'_>,
        ) -> ServerResult<ExecutableDocument> {
            self.parses.fetch_add(1, Ordering::SeqCst);
            next.run(ctx, query, variables).await
        }

        async fn validation(
            &self,
            ctx: &ExtensionContext<'_>,
            next: NextValidation<'_>,
        ) -> Result<ValidationResult, Vec<ServerError>> {
            self.validations.fetch_add(1, Ordering::SeqCst);
            next.run(ctx).await
        }
    }

    fn schema(counts: &Counts) -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(PreparedDocuments::default())
            .extension(counts.clone())
            .limit_complexity(5)
            .finish()
    }

    fn seen(counts: &Counts) -> (usize, usize) {
        (counts.parses.load(Ordering::SeqCst), counts.validations.load(Ordering::SeqCst))
    }

    #[tokio::test]
    async fn a_known_operation_is_parsed_and_validated_once() {
        let counts = Counts::default();
        let schema = schema(&counts);
        for _ in 0..3 {
            let response = schema.execute("{ echo(n: 1) }").await;
            assert!(response.errors.is_empty(), "{:?}", response.errors);
            assert_eq!(response.data.to_string(), "{echo: 1}");
        }
        assert_eq!(seen(&counts), (1, 1));
    }

    #[tokio::test]
    async fn validation_is_kept_per_variables_and_operation_name() {
        let counts = Counts::default();
        let schema = schema(&counts);
        let query = "query A($n: Int!) { echo(n: $n) } query B { echo(n: 2) }";
        for (op, n) in [("A", 1), ("A", 2), ("B", 1), ("A", 1)] {
            let request =
                Request::new(query).operation_name(op).variables(Variables::from_json(serde_json::json!({ "n": n })));
            assert!(schema.execute(request).await.errors.is_empty());
        }
        assert_eq!(seen(&counts), (1, 3), "one parse; A with 1, A with 2, B: three validations");
        // A variable of the wrong type is refused every time: failures are not kept.
        for _ in 0..2 {
            let request = Request::new(query)
                .operation_name("A")
                .variables(Variables::from_json(serde_json::json!({ "n": "x" })));
            assert!(!schema.execute(request).await.errors.is_empty());
        }
    }

    #[tokio::test]
    async fn refused_queries_are_refused_again() {
        let counts = Counts::default();
        let schema = schema(&counts);
        let costly = "{ a: echo(n: 1) b: echo(n: 1) c: echo(n: 1) d: echo(n: 1) e: echo(n: 1) f: echo(n: 1) }";
        for _ in 0..2 {
            assert!(!schema.execute(costly).await.errors.is_empty(), "over the complexity limit");
            assert!(!schema.execute("{ echo(n: 1) ").await.errors.is_empty(), "syntax error");
        }
        assert_eq!(seen(&counts).1, 2, "the refused validation ran each time");
    }

    #[tokio::test]
    async fn the_caches_are_bounded() {
        let counts = Counts::default();
        let schema = schema(&counts);
        for n in 0..=MAX_DOCUMENTS {
            assert!(schema.execute(format!("{{ echo(n: {n}) }}")).await.errors.is_empty());
        }
        let parses = seen(&counts).0;
        assert_eq!(parses, MAX_DOCUMENTS + 1);
        // The oldest was dropped to keep MAX_DOCUMENTS: it is parsed again.
        assert!(schema.execute("{ echo(n: 0) }").await.errors.is_empty());
        assert_eq!(seen(&counts).0, parses + 1);
        // A query longer than MAX_KEY_BYTES is never kept.
        let long = format!("{{ echo(n: 1) }}{}", " ".repeat(MAX_KEY_BYTES));
        for _ in 0..2 {
            assert!(schema.execute(long.as_str()).await.errors.is_empty());
        }
        assert_eq!(seen(&counts).0, parses + 3);
    }
}
