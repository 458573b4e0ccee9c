//! Federated single sign-on: each organization logs its people in through its own
//! OpenID Connect provider, and Maillage issues its own opaque sessions.
//!
//! - [`providers`]: registering and changing an organization's providers (GraphQL).
//! - [`login`]: the browser login (authorization code + PKCE, `state`, `nonce`, one
//!   callback per organization), just-in-time provisioning and account linking.
//! - [`sessions`]: one-time codes exchanged for sessions, and sessions themselves.
//! - [`mapping`]: claim mappings, namespaced by issuer.

use std::path::Path;

use chrono::Duration;
use secrecy::SecretString;
use url::Url;

pub mod crypto;
pub mod front_ends;
pub mod identities;
pub mod login;
pub mod mapping;
pub mod oidc;
pub mod providers;
pub mod sessions;

use crypto::SecretCipher;
use oidc::Oidc;

/// How sessions and logins are run, from the configuration.
#[derive(Debug, Clone)]
pub struct SsoSettings {
    /// Where browsers reach this server; callback URLs are built from it.
    pub public_url: Url,
    /// Lifetime of a session.
    pub session_ttl: Duration,
    /// A session unused for this long ends.
    pub session_idle: Duration,
    /// Identity providers may be on loopback (plain `http` too): development and tests
    /// only. Private and link-local addresses are refused whatever this says.
    pub allow_loopback_providers: bool,
    /// Lifetime of an API client's access token (`POST /oauth/token`): kept here with the
    /// other credentials' lifetimes.
    pub api_client_token_ttl: Duration,
    /// How long an API client's previous secret works after a rotation.
    pub api_client_secret_grace: Duration,
}

/// What single sign-on needs at run time.
#[derive(Debug)]
pub struct Sso {
    pub settings: SsoSettings,
    pub cipher: SecretCipher,
    pub oidc: Oidc,
    /// Origins browsers may call the API from.
    pub front_ends: front_ends::FrontEnds,
    /// Refused logins recently audited, so that repeated ones make one row a minute.
    pub refusals: login::RefusalLog,
}

impl Sso {
    /// Builds the single sign-on context: the secret key (configured, or generated into
    /// `data_dir`) and the provider client.
    pub fn new(settings: SsoSettings, secret_key: Option<&SecretString>, data_dir: &Path) -> Result<Self, String> {
        let cipher = SecretCipher::load(secret_key, data_dir).map_err(|e| e.to_string())?;
        let oidc = Oidc::new(settings.allow_loopback_providers)?;
        Ok(Self {
            settings,
            cipher,
            oidc,
            front_ends: front_ends::FrontEnds::default(),
            refusals: login::RefusalLog::default(),
        })
    }

    /// The URL of this server for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.settings.public_url.as_str().trim_end_matches('/'))
    }

    /// The login URL of an organization.
    pub fn login_url(&self, organization_slug: &str) -> String {
        self.url(&format!("/auth/{organization_slug}/login"))
    }

    /// The callback (redirect URI) to register at an organization's provider.
    pub fn callback_url(&self, organization_slug: &str) -> String {
        self.url(&format!("/auth/{organization_slug}/callback"))
    }
}
