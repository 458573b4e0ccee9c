//! Personal access tokens in the schema (see [`crate::service::access_token`]).

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::session;
use secrecy::ExposeSecret;

use super::{
    GqlResult, app, caller,
    enums::TokenScope,
    ids::{NodeKind, from_global, to_global},
};
use crate::{
    auth::parse_scopes,
    service::access_token::{self as service, NewToken},
};

pub struct PersonalAccessToken(pub session::Model);

/// A personal access token: a bearer token its person created for their own scripts and
/// integrations, limited to its scopes. Its secret is shown once, when it is created.
#[Object]
impl PersonalAccessToken {
    /// Global id.
    async fn id(&self) -> ID {
        to_global(NodeKind::PersonalAccessToken, self.0.id)
    }
    /// The name its person gave it.
    async fn name(&self) -> &str {
        self.0.name.as_deref().unwrap_or_default()
    }
    /// What it may be used for.
    async fn scopes(&self) -> Vec<TokenScope> {
        parse_scopes(self.0.scopes.as_deref().unwrap_or_default()).into_iter().map(Into::into).collect()
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it stops working.
    async fn expires_at(&self) -> DateTime<Utc> {
        self.0.expires_at
    }
    /// Its last use (to the minute); `null` if it was never used.
    async fn last_used_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_seen_at
    }
    /// When it was revoked, if it was.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

/// Input of `createPersonalAccessToken`.
#[derive(InputObject)]
pub struct CreatePersonalAccessTokenInput {
    /// What it is for (1 to 100 characters, one line), to recognise it later.
    pub name: String,
    /// What it may be used for (at least one).
    pub scopes: Vec<TokenScope>,
    /// When it stops working: in the future, within 366 days.
    pub expires_at: DateTime<Utc>,
}

/// Result of `createPersonalAccessToken`.
#[derive(SimpleObject)]
pub struct CreatePersonalAccessTokenPayload {
    /// The token, as it will be listed.
    pub token: PersonalAccessToken,
    /// The bearer token to send (`Authorization: Bearer …`). Shown this once only: it is
    /// stored hashed.
    pub secret: String,
}

/// Input of `revokePersonalAccessToken`.
#[derive(InputObject)]
pub struct RevokePersonalAccessTokenInput {
    /// The token's global id.
    pub id: ID,
}

/// Result of `revokePersonalAccessToken`.
#[derive(SimpleObject)]
pub struct RevokePersonalAccessTokenPayload {
    /// The token, now revoked.
    pub token: PersonalAccessToken,
}

#[derive(Default)]
pub struct AccessTokenMutation;

/// Personal access tokens.
#[Object]
impl AccessTokenMutation {
    /// Creates a personal access token for the caller (from a login session only: a
    /// token does not create tokens). At most 50 live tokens per person.
    async fn create_personal_access_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The token's name, scopes and expiry.")] input: CreatePersonalAccessTokenInput,
    ) -> async_graphql::Result<CreatePersonalAccessTokenPayload> {
        let new = NewToken {
            name: input.name,
            scopes: input.scopes.into_iter().map(Into::into).collect(),
            expires_at: input.expires_at,
        };
        let (model, secret) = service::create(app(ctx), caller(ctx), new).await.gql()?;
        Ok(CreatePersonalAccessTokenPayload {
            token: PersonalAccessToken(model),
            secret: secret.expose_secret().to_owned(),
        })
    }

    /// Revokes one of the caller's personal access tokens at once (from a login session
    /// only); `NOT_FOUND` for anyone else's.
    async fn revoke_personal_access_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which of the caller's tokens to revoke.")] input: RevokePersonalAccessTokenInput,
    ) -> async_graphql::Result<RevokePersonalAccessTokenPayload> {
        let id = from_global("id", NodeKind::PersonalAccessToken, &input.id).gql()?;
        let model = service::revoke(app(ctx), caller(ctx), id).await.gql()?;
        Ok(RevokePersonalAccessTokenPayload { token: PersonalAccessToken(model) })
    }
}

/// The caller's live personal access tokens, newest first.
pub async fn mine(ctx: &Context<'_>) -> async_graphql::Result<Vec<PersonalAccessToken>> {
    Ok(service::list_mine(app(ctx), caller(ctx)).await.gql()?.into_iter().map(PersonalAccessToken).collect())
}
