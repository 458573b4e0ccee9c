//! Business rules. Each function takes the viewer and a connection, checks who may do
//! what, validates input, and writes in one transaction. Nothing here knows HTTP or
//! GraphQL, so the same rules serve the API, the CLI and the tests.

use std::sync::Arc;

use policy::Authorizer;
use sea_orm::DatabaseConnection;

use crate::auth::cache::SessionCache;

pub mod access;
pub mod access_token;
pub mod api_client;
pub mod audit;
pub mod calendar;
pub mod community;
pub mod directory;
pub mod discussion;
pub mod event;
pub mod expertise;
pub mod library;
pub mod library_items;
pub mod membership;
pub mod node;
pub mod organization;
pub mod page;
pub mod person;
pub mod policy_admin;
pub mod rich_text;
pub mod sponsorship;
pub mod sso;
pub mod subgroup;
pub mod thread_reading;
pub mod time;
pub mod token;
pub mod translation;
pub mod trusted_document;
pub mod validate;
pub mod wiki;

/// What every service needs: the database, the Authorizer, the single sign-on context
/// and the sessions cache.
#[derive(Clone, Debug)]
pub struct App {
    pub db: DatabaseConnection,
    pub auth: Arc<Authorizer>,
    pub sso: Arc<sso::Sso>,
    /// Sessions resolved lately: a service that changes what authentication answers calls
    /// `sessions.forget_all()` after its commit.
    pub sessions: Arc<SessionCache>,
    /// The library's blob store and limits.
    pub library: Arc<library::Library>,
}

impl App {
    /// Loads the policy (seeding the default one into an empty database).
    pub async fn load(db: DatabaseConnection, sso: sso::Sso) -> Result<Self, policy::PolicyError> {
        let auth = Arc::new(Authorizer::load(db.clone()).await?);
        sso.front_ends.reload(&db).await.map_err(policy::PolicyError::from)?;
        let sessions = Arc::new(SessionCache::new(db.get_database_backend()));
        let store = Arc::new(crate::storage::database::DatabaseStore::new(db.clone()));
        let library = Arc::new(library::Library::new(
            store,
            sso.cipher.derive_key(b"maillage download links"),
            library::DEFAULT_MAX_UPLOAD_MB,
            library::DEFAULT_UPLOAD_TYPES.iter().map(|t| (*t).to_owned()).collect(),
        ));
        Ok(Self { db, auth, sso: Arc::new(sso), sessions, library })
    }

    /// The same services with the library's limits from the configuration.
    pub fn with_library_limits(mut self, max_upload_mb: u64, upload_types: Vec<String>) -> Self {
        self.library = Arc::new(self.library.with_limits(max_upload_mb, upload_types));
        self
    }

    /// The same services with the library's contents kept in `store`.
    pub fn with_blob_store(mut self, store: Arc<dyn crate::storage::BlobStore>) -> Self {
        self.library = Arc::new(self.library.with_store(store));
        self
    }

    /// How long a login session may go unused.
    pub fn session_idle(&self) -> chrono::Duration {
        self.sso.settings.session_idle
    }
}
