//! A browser login in progress. `state` is stored hashed; the attempt is single-use,
//! expires within minutes and is bound to the browser that started it by a cookie.

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "login_attempt")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    #[sea_orm(unique)]
    pub state_hash: String,
    /// SHA-256 of the browser-binding cookie.
    pub browser_hash: String,
    pub provider_id: i32,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    /// Set when a logged-in person links this provider's identity to their account.
    pub link_person_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub consumed_at: Option<DateTimeUtc>,
    /// The network address the login was started from (pending attempts are capped
    /// per address).
    pub client_address: Option<String>,
}

impl std::fmt::Debug for Model {
    /// Leaves the nonce and the PKCE verifier out of debug output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("login_attempt::Model")
            .field("id", &self.id)
            .field("provider_id", &self.provider_id)
            .field("link_person_id", &self.link_person_id)
            .field("expires_at", &self.expires_at)
            .field("consumed_at", &self.consumed_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
