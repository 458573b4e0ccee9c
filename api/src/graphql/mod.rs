//! The GraphQL schema partner front ends code against. Resolvers are thin: they read
//! arguments, call a service, and wrap its models in GraphQL types (entities are never
//! GraphQL types, so internal columns cannot leak into the schema).

use std::sync::Arc;

use async_graphql::{Context, EmptySubscription, ErrorExtensions, MergedObject, Schema, SchemaBuilder};
use sea_orm::DatabaseConnection;

use crate::{auth::Caller, error::ServiceError, service::App};

pub mod access_token;
pub mod api_client;
pub mod community;
pub mod connection;
pub mod cost;
pub mod discussion;
pub mod enums;
pub mod event;
pub mod expertise;
pub mod ids;
pub mod library;
pub mod library_items;
pub mod limits;
pub mod loaders;
pub mod membership;
pub mod node;
pub mod order;
pub mod organization;
pub mod persisted;
pub mod person;
pub mod policy;
pub mod prepared;
pub mod scopes;
pub mod sponsorship;
pub mod sso;
pub mod subgroup;
pub mod time;
pub mod translation;
pub mod trusted_document;
pub mod wiki;

/// Every query.
#[derive(MergedObject, Default)]
pub struct Query(
    organization::OrganizationQuery,
    person::PersonQuery,
    community::CommunityQuery,
    node::NodeQuery,
    policy::PolicyQuery,
    sso::SsoQuery,
    api_client::ApiClientQuery,
    event::EventQuery,
    library::LibraryQuery,
    wiki::WikiQuery,
    library::ThemeQuery,
    time::TimeQuery,
);

/// Every mutation.
#[derive(MergedObject, Default)]
pub struct Mutation(
    organization::OrganizationMutation,
    community::CommunityMutation,
    discussion::DiscussionMutation,
    person::PersonMutation,
    membership::MembershipMutation,
    sponsorship::SponsorshipMutation,
    subgroup::SubgroupMutation,
    policy::PolicyMutation,
    sso::SsoMutation,
    access_token::AccessTokenMutation,
    api_client::ApiClientMutation,
    trusted_document::TrustedDocumentMutation,
    event::EventMutation,
    library::LibraryMutation,
    wiki::WikiMutation,
    library::ThemeMutation,
    time::TimeMutation,
);

/// The schema type.
pub type AppSchema = Schema<Query, Mutation, EmptySubscription>;

/// The schema's types with the descriptions the derives cannot give: the library's
/// generic connection types and its `DateTime` scalar.
fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    use connection::Conn;
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .override_output_type_description::<chrono::DateTime<chrono::Utc>>(
            "A date and time, as an RFC 3339 string. The server answers in UTC, with the fraction of a second \
             when there is one (`2026-12-01T14:05:00.123456+00:00`); inputs may use any offset.",
        )
        .override_output_type_description::<Conn<organization::Organization>>(CONNECTION)
        .override_output_type_description::<Conn<community::Community>>(CONNECTION)
        .override_output_type_description::<Conn<community::CommunityOrganization>>(CONNECTION)
        .override_output_type_description::<Conn<community::Membership>>(CONNECTION)
        .override_output_type_description::<Conn<community::Subgroup>>(CONNECTION)
        .override_output_type_description::<Conn<discussion::Thread>>(CONNECTION)
        .override_output_type_description::<Conn<discussion::Post>>(CONNECTION)
        .override_output_type_description::<Conn<policy::AuditEvent>>(CONNECTION)
        .override_output_type_description::<Conn<trusted_document::TrustedDocument>>(CONNECTION)
        .override_output_type_description::<event::OccurrenceConnection>(CONNECTION)
        .override_output_type_description::<Conn<library::Document>>(CONNECTION)
        .override_output_type_description::<Conn<library::DocumentVersion>>(CONNECTION)
        .override_output_type_description::<Conn<wiki::WikiPage>>(CONNECTION)
        .override_output_type_description::<Conn<wiki::WikiPageRevision>>(CONNECTION)
        .override_output_type_description::<Conn<discussion::Report>>(CONNECTION)
        .override_output_type_description::<library_items::LibraryConnection>(
            "One page of a community's library (a Relay cursor connection): its items as `edges` (each with a \
             `cursor`) or `nodes`, `pageInfo` to fetch the next page, `totalCount` and `facets` over the whole \
             filtered library. Pages hold 20 items unless `first` (at most 100) says otherwise.",
        )
        .override_output_type_description::<Conn<person::Person>>(CONNECTION)
        .override_output_type_description::<Conn<time::TimeEntry>>(CONNECTION)
        .override_output_type_description::<chrono::NaiveDate>("A calendar day, as an ISO 8601 date (`2026-04-01`).")
}

/// The description of every `…Connection` type.
const CONNECTION: &str = "One page of a list (a Relay cursor connection): its items as `edges` (each with a \
     `cursor`) or `nodes`, `pageInfo` to fetch the next or previous page, and `totalCount`. Pages hold 20 items \
     unless `first` or `last` (at most 100) says otherwise.";

/// Builds the schema over the services' context.
pub fn build_schema(app: App) -> AppSchema {
    builder()
        .data(app)
        // Nesting, shape and introspection cost are checked before execution, by the
        // server (`prepared`, `limits::check_query`); cost and depth here. No schema
        // extension: each one would wrap every field's resolution.
        .limit_complexity(limits::MAX_COMPLEXITY)
        .limit_depth(limits::MAX_DEPTH)
        .finish()
}

/// The schema in SDL, as committed in `api/schema.graphql`: as introspection shows it,
/// `@specifiedBy` of scalars included.
pub fn sdl() -> String {
    builder().finish().sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// The services' context (database and Authorizer).
pub fn app<'a>(ctx: &Context<'a>) -> &'a App {
    ctx.data_unchecked::<App>()
}

/// The database of the schema.
pub fn db<'a>(ctx: &Context<'a>) -> &'a DatabaseConnection {
    &app(ctx).db
}

/// Who is calling (anonymous when the request carries no valid token).
pub fn caller<'a>(ctx: &Context<'a>) -> &'a Caller {
    ctx.data_unchecked::<Caller>()
}

impl ErrorExtensions for ServiceError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, ext| {
            ext.set("code", self.code());
            if let Some(field) = self.field() {
                ext.set("field", field);
            }
        })
    }
}

/// Converts service results into GraphQL results with their error codes. Resolvers use
/// `.gql()` instead of `?` on service results, so no error loses its code.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, ServiceError> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.extend())
    }
}

impl<T> GqlResult<T> for Result<T, Arc<ServiceError>> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.extend())
    }
}
