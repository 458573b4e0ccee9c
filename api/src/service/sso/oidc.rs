//! The OpenID Connect relying party, on `openidconnect` 4, with what that crate leaves to
//! us: provider metadata and keys cached per provider, keys re-fetched once when an ID
//! token names an unknown key (rotation without restart), the RFC 9207 `iss` response
//! parameter, an asymmetric algorithm allowlist, and an HTTP client ([`ProviderHttp`])
//! that follows no redirects, connects to public addresses only (loopback too when
//! `allow_loopback_providers` is set, for development and tests), and reads at most
//! [`MAX_RESPONSE_BYTES`] of any answer.

use std::{
    collections::HashMap,
    future::Future,
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    pin::Pin,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use entity::identity_provider;
use openidconnect::{
    AccessToken, AccessTokenHash, AdditionalClaims, AdditionalProviderMetadata, AsyncHttpClient, AuthType,
    AuthorizationCode, Client, ClientId, ClientSecret, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, HttpRequest, HttpResponse, IdTokenFields, IssuerUrl, JsonWebKeySet, Nonce, OAuth2TokenResponse,
    PkceCodeVerifier, ProviderMetadata, RedirectUrl, StandardErrorResponse, StandardTokenResponse, SubjectIdentifier,
    TokenResponse, UserInfoClaims,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreErrorResponseType,
        CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
        CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreRevocableToken,
        CoreRevocationErrorResponse, CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
    },
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How long discovered metadata is trusted before it is fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// Timeout of every request to a provider.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// The most any answer of a provider (discovery, keys, token, userinfo) may weigh.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// ID-token signature algorithms accepted: asymmetric only (never `none`, never a MAC
/// keyed by the client secret).
pub const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 8] = [
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
    CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
    CoreJwsSigningAlgorithm::RsaSsaPssSha256,
    CoreJwsSigningAlgorithm::RsaSsaPssSha384,
    CoreJwsSigningAlgorithm::RsaSsaPssSha512,
    CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    CoreJwsSigningAlgorithm::EcdsaP384Sha384,
];

/// Discovery metadata that `openidconnect` does not model: RFC 9207.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IssMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}
impl AdditionalProviderMetadata for IssMetadata {}

/// Every claim of an ID token, for claim mappings (`groups`, `job_title`…).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct AllClaims {
    #[serde(flatten)]
    pub claims: Map<String, Value>,
}
impl AdditionalClaims for AllClaims {}

/// A provider's discovery document.
pub type Metadata = ProviderMetadata<
    IssMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type IdFields = IdTokenFields<
    AllClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResp = StandardTokenResponse<IdFields, CoreTokenType>;

/// A client of one provider, as built from its metadata.
pub type OidcClient = Client<
    AllClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResp,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What went wrong talking to a provider. Messages carry no secret.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("the issuer URL is not valid")]
    BadIssuer,
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("the code exchange failed: {0}")]
    Exchange(String),
    #[error("the provider returned no ID token")]
    NoIdToken,
    #[error("the ID token was refused: {0}")]
    IdToken(String),
    #[error("the provider's keys could not be fetched: {0}")]
    Keys(String),
}

/// What the callback received and the login attempt kept: the code, the PKCE verifier
/// and the nonce.
#[derive(Clone)]
pub struct Callback {
    pub code: String,
    pub verifier: String,
    pub nonce: String,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Callback(..)")
    }
}

/// The verified result of a login at a provider.
#[derive(Debug, Clone)]
pub struct VerifiedLogin {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub name: Option<String>,
    /// Every claim, for the claim mappings.
    pub claims: Map<String, Value>,
}

struct Cached {
    /// The provider row's `updated_at` when fetched: a change of the row invalidates it.
    stamp: DateTime<Utc>,
    fetched: Instant,
    metadata: Metadata,
}

/// Whether a provider may be reached at `ip`: a public unicast address, or loopback
/// when `allow_loopback` (development and tests). Private, link-local, unspecified,
/// carrier-grade NAT, unique-local, multicast, reserved and documentation ranges never,
/// nor IPv4 addresses in IPv6 clothing (mapped, compatible, NAT64, 6to4) that are.
pub fn permitted_address(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => permitted_v4(v4, allow_loopback),
        IpAddr::V6(v6) => permitted_v6(v6, allow_loopback),
    }
}

fn permitted_v4(ip: Ipv4Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    let [a, b, c, _] = ip.octets();
    let internal = a == 0
        || a == 10
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && (c == 0 || c == 2))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224;
    !internal
}

fn permitted_v6(ip: Ipv6Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return permitted_v4(v4, allow_loopback);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return permitted_v4(embedded(s[6], s[7]), false);
    }
    if s[0] == 0x2002 {
        return permitted_v4(embedded(s[1], s[2]), false);
    }
    let internal = s[0..6] == [0, 0, 0, 0, 0, 0]
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        || (s[0] & 0xff00) == 0xff00
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0x2001 && s[1] == 0);
    !internal
}

/// Resolves names to the addresses a provider may have (see [`permitted_address`]), so
/// that a name pointing inside the network (or rebinding to it) is never connected to.
#[derive(Debug)]
struct PublicResolver {
    allow_loopback: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let found = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let addresses: Vec<SocketAddr> = found.filter(|a| permitted_address(a.ip(), allow_loopback)).collect();
            if addresses.is_empty() {
                return Err(format!("{} has no address a provider may have", name.as_str()).into());
            }
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// Why a request to a provider was not made or its answer not read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0} is not an address a provider may have")]
    Refused(String),
    #[error("the answer is larger than {MAX_RESPONSE_BYTES} bytes")]
    TooLarge,
    #[error("{0}")]
    Request(String),
}

/// The HTTP client every request to a provider goes through.
#[derive(Debug, Clone)]
pub struct ProviderHttp {
    client: reqwest::Client,
    allow_loopback: bool,
}

impl ProviderHttp {
    /// A client that follows no redirects (no SSRF through a provider's redirects),
    /// uses no proxy, resolves names to permitted addresses only, and gives up after
    /// 10 seconds.
    pub fn new(allow_loopback: bool) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PublicResolver { allow_loopback }))
            .timeout(HTTP_TIMEOUT)
            .connect_timeout(HTTP_TIMEOUT)
            .user_agent(concat!("maillage/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Self { client, allow_loopback })
    }

    /// Refuses URLs the resolver never sees: addresses written as IP literals, and
    /// plain `http` (allowed to loopback hosts only, with `allow_loopback`).
    fn check(&self, url: &url::Url) -> Result<(), FetchError> {
        let refused = || FetchError::Refused(url.host_str().unwrap_or_default().to_owned());
        let loopback = match url.host() {
            Some(url::Host::Ipv4(ip)) if !permitted_address(IpAddr::V4(ip), self.allow_loopback) => {
                return Err(refused());
            }
            Some(url::Host::Ipv6(ip)) if !permitted_address(IpAddr::V6(ip), self.allow_loopback) => {
                return Err(refused());
            }
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => return Err(refused()),
        };
        match url.scheme() {
            "https" => Ok(()),
            "http" if loopback && self.allow_loopback => Ok(()),
            _ => Err(refused()),
        }
    }

    async fn fetch(&self, request: HttpRequest) -> Result<HttpResponse, FetchError> {
        let url = url::Url::parse(&request.uri().to_string()).map_err(|e| FetchError::Request(e.to_string()))?;
        self.check(&url)?;
        let request: reqwest::Request =
            request.try_into().map_err(|e: reqwest::Error| FetchError::Request(describe(&e)))?;
        let mut response = self.client.execute(request).await.map_err(|e| FetchError::Request(describe(&e)))?;
        if response.content_length().is_some_and(|n| n > MAX_RESPONSE_BYTES as u64) {
            return Err(FetchError::TooLarge);
        }
        // Streamed: a provider that sends without end is cut off at the cap.
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| FetchError::Request(describe(&e)))? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(FetchError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let mut builder =
            openidconnect::http::Response::builder().status(response.status()).version(response.version());
        for (name, value) in response.headers() {
            builder = builder.header(name, value);
        }
        builder.body(body).map_err(|e| FetchError::Request(e.to_string()))
    }
}

impl<'c> AsyncHttpClient<'c> for ProviderHttp {
    type Error = FetchError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, FetchError>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.fetch(request))
    }
}

/// Talks to identity providers; caches their metadata and keys.
pub struct Oidc {
    http: ProviderHttp,
    cache: Mutex<HashMap<i32, Arc<Cached>>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc").finish_non_exhaustive()
    }
}

impl Oidc {
    /// A relying party talking through a [`ProviderHttp`].
    pub fn new(allow_loopback: bool) -> Result<Self, String> {
        Ok(Self { http: ProviderHttp::new(allow_loopback)?, cache: Mutex::new(HashMap::new()) })
    }

    /// Fetches and checks an issuer's discovery document (its `issuer` must be exactly
    /// the URL asked for).
    pub async fn discover(&self, issuer: &str) -> Result<Metadata, OidcError> {
        let issuer = IssuerUrl::new(issuer.to_owned()).map_err(|_| OidcError::BadIssuer)?;
        let metadata =
            Metadata::discover_async(issuer, &self.http).await.map_err(|e| OidcError::Discovery(describe(&e)))?;
        if metadata.token_endpoint().is_none() {
            return Err(OidcError::Discovery("the provider has no token endpoint".into()));
        }
        Ok(metadata)
    }

    /// The provider's metadata (with keys), from the cache while fresh.
    pub async fn metadata(&self, provider: &identity_provider::Model) -> Result<Metadata, OidcError> {
        if let Some(cached) = self.cached(provider.id)
            && cached.stamp == provider.updated_at
            && cached.fetched.elapsed() < METADATA_TTL
        {
            return Ok(cached.metadata.clone());
        }
        let metadata = self.discover(&provider.issuer).await?;
        self.store(provider, metadata.clone());
        Ok(metadata)
    }

    fn cached(&self, id: i32) -> Option<Arc<Cached>> {
        self.cache.lock().ok().and_then(|cache| cache.get(&id).cloned())
    }

    fn store(&self, provider: &identity_provider::Model, metadata: Metadata) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(
                provider.id,
                Arc::new(Cached { stamp: provider.updated_at, fetched: Instant::now(), metadata }),
            );
        }
    }

    /// Forgets a provider's metadata (after it was changed).
    pub fn forget(&self, provider_id: i32) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.remove(&provider_id);
        }
    }

    /// A client for this provider.
    /// A client for this provider. The secret goes in HTTP Basic authentication, or in
    /// the request body when the provider only accepts `client_secret_post`.
    pub fn client(metadata: &Metadata, client_id: &str, secret: Option<&str>, redirect: &RedirectUrl) -> OidcClient {
        let post_only = metadata.token_endpoint_auth_methods_supported().is_some_and(|methods| {
            methods.contains(&CoreClientAuthMethod::ClientSecretPost)
                && !methods.contains(&CoreClientAuthMethod::ClientSecretBasic)
        });
        let client = OidcClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(client_id.to_owned()),
            secret.map(|s| ClientSecret::new(s.to_owned())),
        )
        .set_redirect_uri(redirect.clone());
        if post_only { client.set_auth_type(AuthType::RequestBody) } else { client }
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token: signature
    /// against the provider's keys (re-fetched once on an unknown key), allowed
    /// algorithm, issuer, audience, `azp` (checked here: the crate does not), expiry and
    /// nonce.
    pub async fn complete(
        &self,
        provider: &identity_provider::Model,
        mut metadata: Metadata,
        client_secret: &str,
        redirect: &RedirectUrl,
        callback: Callback,
    ) -> Result<VerifiedLogin, OidcError> {
        let Callback { code, verifier, nonce } = callback;
        let client = Self::client(&metadata, &provider.client_id, Some(client_secret), redirect);
        let response = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| OidcError::Exchange(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::Exchange(describe_token_error(&e)))?;
        let nonce = Nonce::new(nonce);
        let (client, mut login) = match verify(&client, &response, &nonce) {
            Err(VerifyError::UnknownKey) => {
                // The provider may have rotated its keys: fetch them once and retry.
                let keys = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
                    .await
                    .map_err(|e| OidcError::Keys(describe(&e)))?;
                metadata = metadata.set_jwks(keys);
                self.store(provider, metadata.clone());
                tracing::info!(provider = provider.id, "re-fetched the provider's signing keys");
                let client = Self::client(&metadata, &provider.client_id, Some(client_secret), redirect);
                let login = verify(&client, &response, &nonce).map_err(VerifyError::into_oidc)?;
                (client, login)
            }
            other => (client, other.map_err(VerifyError::into_oidc)?),
        };
        self.add_userinfo(&client, response.access_token(), &mut login).await;
        Ok(login)
    }

    /// Completes the ID token's claims with the provider's userinfo endpoint, when it has
    /// one (many providers put only `sub` in ID tokens of the code flow). The ID token's
    /// claims win; a userinfo failure is logged and the login goes on with the ID token.
    async fn add_userinfo(&self, client: &OidcClient, access_token: &AccessToken, login: &mut VerifiedLogin) {
        let Ok(request) = client.user_info(access_token.clone(), Some(SubjectIdentifier::new(login.subject.clone())))
        else {
            return;
        };
        let info: UserInfoClaims<AllClaims, CoreGenderClaim> = match request.request_async(&self.http).await {
            Ok(info) => info,
            Err(err) => {
                tracing::warn!(error = %describe(&err), "userinfo request failed; using the ID token's claims only");
                return;
            }
        };
        for (name, value) in &info.additional_claims().claims {
            login.claims.entry(name.clone()).or_insert_with(|| value.clone());
        }
        if login.email.is_none() {
            login.email = info.email().map(|e| e.as_str().to_owned());
            login.email_verified = info.email_verified();
        }
        if login.name.is_none() {
            login.name = info.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned());
        }
    }
}

enum VerifyError {
    UnknownKey,
    Refused(OidcError),
}

impl VerifyError {
    fn into_oidc(self) -> OidcError {
        match self {
            Self::UnknownKey => OidcError::IdToken("signed with a key the provider does not publish".into()),
            Self::Refused(err) => err,
        }
    }
}

fn verify(client: &OidcClient, response: &TokenResp, nonce: &Nonce) -> Result<VerifiedLogin, VerifyError> {
    use openidconnect::{ClaimsVerificationError as C, SignatureVerificationError as S};
    let id_token = response.id_token().ok_or(VerifyError::Refused(OidcError::NoIdToken))?;
    let verifier = client.id_token_verifier().set_allowed_algs(ALLOWED_ALGS);
    let claims = match id_token.claims(&verifier, nonce) {
        Ok(claims) => claims,
        Err(C::SignatureVerification(S::NoMatchingKey)) => return Err(VerifyError::UnknownKey),
        Err(err) => return Err(VerifyError::Refused(OidcError::IdToken(describe_claims_error(&err)))),
    };
    // `openidconnect` leaves `azp` unchecked (OIDC Core 3.1.3.7, steps 4 and 5): when
    // present it must be this client, and several audiences require it.
    let refused = |what: &str| VerifyError::Refused(OidcError::IdToken(what.to_owned()));
    match claims.authorized_party() {
        Some(azp) if azp != client.client_id() => return Err(refused("the ID token's azp is another client")),
        None if claims.audiences().len() > 1 => return Err(refused("several audiences but no azp")),
        _ => {}
    }
    if let Some(expected) = claims.access_token_hash() {
        let alg = id_token.signing_alg().map_err(|_| refused("unknown signing algorithm"))?;
        let key = id_token.signing_key(&verifier).map_err(|_| refused("unknown signing key"))?;
        let actual = AccessTokenHash::from_token(response.access_token(), alg, key)
            .map_err(|_| refused("the access token hash cannot be computed"))?;
        if actual != *expected {
            return Err(refused("the access token does not match the ID token (at_hash)"));
        }
    }
    Ok(VerifiedLogin {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified(),
        name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned()),
        claims: claims.additional_claims().claims.clone(),
    })
}

/// An error chain in one line (no secret is ever part of these errors).
fn describe(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn describe_token_error<RE: std::error::Error + 'static>(
    err: &openidconnect::RequestTokenError<RE, StandardErrorResponse<CoreErrorResponseType>>,
) -> String {
    match err {
        openidconnect::RequestTokenError::ServerResponse(response) => {
            format!("the provider answered {}", response.error().as_ref())
        }
        other => describe(other),
    }
}

/// The verification failure, named without the values involved.
fn describe_claims_error(err: &openidconnect::ClaimsVerificationError) -> String {
    use openidconnect::ClaimsVerificationError as C;
    match err {
        C::Expired(_) => "the ID token has expired".into(),
        C::InvalidAudience(_) => "the ID token is for another audience".into(),
        C::InvalidIssuer(_) => "the ID token comes from another issuer".into(),
        C::InvalidNonce(_) => "the ID token's nonce does not match this login".into(),
        C::InvalidSubject(_) => "the ID token has no valid subject".into(),
        C::SignatureVerification(inner) => format!("bad signature: {inner}"),
        C::Unsupported(what) => format!("unsupported: {what}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_permitted_and_loopback_behind_the_flag() {
        let refused = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "::",
            "fd00::1",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "2002:a00:1::1",
            "2001:db8::1",
            "::1",
        ];
        for ip in refused {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(!permitted_address(ip, false), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(permitted_address(ip, false), "{ip}");
        }
        for ip in ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(permitted_address(ip, true), "{ip}");
        }
        for ip in ["10.0.0.1", "169.254.169.254", "fd00::1"] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(!permitted_address(ip, true), "loopback flag allows {ip}");
        }
    }
}
