//! An organization's OAuth 2.0 API client (client-credentials grant) for a partner back
//! end. Only the SHA-256 of its secrets is stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_client")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The organization it acts for.
    pub organization_id: i32,
    /// Its service-account person: in its organization, with no roles of its own; its
    /// access tokens are that person's sessions (`origin = 'client'`).
    pub person_id: i32,
    pub name: String,
    /// Public, random (`mlc_…`).
    #[sea_orm(unique)]
    pub client_id: String,
    /// Hex SHA-256 of the current secret.
    pub secret_hash: String,
    /// Hex SHA-256 of the secret before the last rotation, valid until
    /// `previous_secret_expires_at`.
    pub previous_secret_hash: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    /// When the secret was last rotated.
    pub secret_rotated_at: Option<DateTimeUtc>,
    /// `READ`, `WRITE`, `ADMIN`, comma-separated.
    pub scopes: String,
    /// Who created it (null once that person is deleted).
    pub created_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// Its last token request.
    pub last_used_at: Option<DateTimeUtc>,
    /// Whether it may run only its organization's trusted documents.
    pub trusted_documents_only: bool,
}

impl std::fmt::Debug for Model {
    /// Leaves the secret hashes out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("api_client::Model")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("person_id", &self.person_id)
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
