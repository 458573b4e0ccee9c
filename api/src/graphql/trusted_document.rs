//! Trusted documents in the schema (see [`crate::service::trusted_document`]):
//! registering them, restricting an API client to them, requiring them from an
//! organization's front-end origins.

use crate::i18n::Message;
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::trusted_document;

use super::{
    GqlResult,
    api_client::ApiClient,
    app, caller,
    connection::{self, Conn},
    ids::{NodeKind, from_global},
    organization::Organization,
};
use crate::{
    error::ServiceError,
    service::{
        page::ListOrder,
        trusted_document::{self as service, NewDocument},
    },
};

/// An operation its organization registered. Where trusted documents are enforced (an
/// API client restricted to them, a front-end origin that requires them), a request runs
/// only an operation registered so: sent as its hash alone
/// (`extensions.persistedQuery { version: 1, sha256Hash }`) or in full.
#[derive(SimpleObject)]
pub struct TrustedDocument {
    /// Lower-case hexadecimal SHA-256 of `query`.
    pub hash: String,
    /// The operation's text.
    pub query: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

impl From<trusted_document::Model> for TrustedDocument {
    fn from(m: trusted_document::Model) -> Self {
        Self { hash: m.hash, query: m.query, created_at: m.created_at }
    }
}

/// One operation to register.
#[derive(InputObject)]
pub struct TrustedDocumentInput {
    /// Lower-case hexadecimal SHA-256 of `query` (what clients send as `sha256Hash`).
    pub hash: String,
    /// The operation's text (at most 64 KiB), exactly as clients send it.
    pub query: String,
}

/// Input of `registerTrustedDocuments`.
#[derive(InputObject)]
pub struct RegisterTrustedDocumentsInput {
    /// The organization registering them.
    pub organization_id: ID,
    /// From 1 to 100 operations. Those already registered stay as they are.
    pub documents: Vec<TrustedDocumentInput>,
}

/// Result of `registerTrustedDocuments`.
#[derive(SimpleObject)]
pub struct RegisterTrustedDocumentsPayload {
    /// Every document named, in the order given.
    pub documents: Vec<TrustedDocument>,
}

/// Input of `updateApiClient`.
#[derive(InputObject)]
pub struct UpdateApiClientInput {
    /// Which client.
    pub id: ID,
    /// Whether it may run only its organization's trusted documents.
    pub trusted_documents_only: bool,
}

/// Result of `updateApiClient`.
#[derive(SimpleObject)]
pub struct UpdateApiClientPayload {
    /// The client as it is now.
    pub client: ApiClient,
}

/// Input of `requireTrustedDocuments`.
#[derive(InputObject)]
pub struct RequireTrustedDocumentsInput {
    /// The organization whose front ends (the origins of its `allowedReturnUrls`) it is about.
    pub organization_id: ID,
    /// Whether requests from those origins may run only the organization's trusted documents.
    pub required: bool,
}

/// Result of `requireTrustedDocuments`.
#[derive(SimpleObject)]
pub struct RequireTrustedDocumentsPayload {
    /// The organization as it is now.
    pub organization: Organization,
}

#[derive(Default)]
pub struct TrustedDocumentMutation;

/// Trusted documents.
#[Object]
impl TrustedDocumentMutation {
    /// Registers operations for an organization (who may administer its identity). At
    /// most 2,000 per organization. Each text must parse as a GraphQL document and `hash`
    /// must be its SHA-256 (`BAD_USER_INPUT` naming `documents[i].query` or `.hash`).
    async fn register_trusted_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization and the operations.")] input: RegisterTrustedDocumentsInput,
    ) -> async_graphql::Result<RegisterTrustedDocumentsPayload> {
        let organization_id = from_global("organizationId", NodeKind::Organization, &input.organization_id).gql()?;
        for (i, document) in input.documents.iter().enumerate() {
            if document.query.len() <= service::MAX_QUERY_BYTES
                && async_graphql::parser::parse_query(&document.query).is_err()
            {
                return Err(ServiceError::bad_input(format!("documents[{i}].query"), Message::new("not-a-document")))
                    .gql();
            }
        }
        let documents =
            input.documents.into_iter().map(|d| NewDocument { hash: d.hash, query: d.query }).collect::<Vec<_>>();
        let registered = service::register(app(ctx), caller(ctx), organization_id, documents).await.gql()?;
        Ok(RegisterTrustedDocumentsPayload { documents: registered.into_iter().map(Into::into).collect() })
    }

    /// Restricts an API client to its organization's trusted documents, or lifts the
    /// restriction (who may manage the client; `NOT_FOUND` for anyone else). Takes effect
    /// at once.
    async fn update_api_client(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which client, and what changes.")] input: UpdateApiClientInput,
    ) -> async_graphql::Result<UpdateApiClientPayload> {
        let id = from_global("id", NodeKind::ApiClient, &input.id).gql()?;
        let model = service::restrict_client(app(ctx), caller(ctx), id, input.trusted_documents_only).await.gql()?;
        Ok(UpdateApiClientPayload { client: ApiClient(model) })
    }

    /// Requires requests from an organization's front-end origins (those of its
    /// `allowedReturnUrls`) to run only its trusted documents, or lifts it (network
    /// administrators only: those origins call the API for everyone).
    async fn require_trusted_documents(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization, and whether it is required.")] input: RequireTrustedDocumentsInput,
    ) -> async_graphql::Result<RequireTrustedDocumentsPayload> {
        let id = from_global("organizationId", NodeKind::Organization, &input.organization_id).gql()?;
        let model = service::require_for_front_ends(app(ctx), caller(ctx), id, input.required).await.gql()?;
        Ok(RequireTrustedDocumentsPayload { organization: Organization(model) })
    }
}

/// `Organization.trustedDocuments`.
pub async fn of_organization(
    ctx: &Context<'_>,
    organization_id: i32,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<Conn<TrustedDocument>> {
    let order = ListOrder::default();
    let request = connection::page_request(first, after, last, before, order).gql()?;
    let (page, total) = service::list(app(ctx), caller(ctx), organization_id, &request).await.gql()?;
    Ok(connection::build(page, total, order, |m| m.id, TrustedDocument::from))
}
