//! An organization's OpenID Connect identity provider.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "identity_provider")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The organization whose people log in here; claims only grant roles in it.
    pub organization_id: i32,
    /// Issuer URL, exactly as the provider's discovery document states it.
    pub issuer: String,
    pub client_id: String,
    /// `v1:` + base64(nonce ‖ AES-256-GCM ciphertext). Never returned, never logged.
    pub client_secret_encrypted: String,
    /// Scopes asked for besides `openid` (JSON list of strings).
    pub scopes: Json,
    /// E-mail domains whose people may be provisioned (JSON list; empty: any).
    pub allowed_email_domains: Json,
    /// Claim mapping rules (JSON list, see `maillage_api::service::sso::mapping`).
    pub claim_mappings: Json,
    pub display_name: String,
    pub enabled: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    /// Leaves the encrypted secret out of debug output, so that it never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("identity_provider::Model")
            .field("id", &self.id)
            .field("organization_id", &self.organization_id)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("display_name", &self.display_name)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
