//! An organization's identity providers: registered, changed and disabled by its
//! administrators (or network administrators), each change audited. Saving runs
//! discovery, so a provider that cannot be reached or whose metadata names another
//! issuer is refused before anything is written. The client secret is write-only: it is
//! encrypted before it reaches the database and never returned or logged.

use crate::i18n::Message;
use chrono::Utc;
use entity::{enums::RecordStatus, identity_provider, organization};
use policy::{Action, Scope};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use super::mapping::{self, ClaimMapping};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    service::{
        App, access,
        audit::{self, AuditRecord, AuditScope},
        organization as organizations, validate,
    },
};

/// Most extra scopes a provider may ask for.
const SCOPES_MAX: usize = 20;
/// Longest client id or secret.
const CLIENT_TEXT_MAX: usize = 1_000;

/// A provider's settings; in an update, `None` leaves a setting as it is.
#[derive(Debug, Default, Clone)]
pub struct ProviderInput {
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    pub scopes: Option<Vec<String>>,
    pub allowed_email_domains: Option<Vec<String>>,
    pub claim_mappings: Option<Vec<ClaimMapping>>,
    pub display_name: Option<String>,
    pub enabled: Option<bool>,
}

/// The extra scopes a provider asks for.
pub fn scopes(provider: &identity_provider::Model) -> Vec<String> {
    strings(&provider.scopes)
}

/// The e-mail domains a provider may provision (empty: any).
pub fn email_domains(provider: &identity_provider::Model) -> Vec<String> {
    strings(&provider.allowed_email_domains)
}

/// The provider's claim mapping rules.
pub fn claim_mappings(provider: &identity_provider::Model) -> Vec<ClaimMapping> {
    mapping::from_json(&provider.claim_mappings)
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()).unwrap_or_default()
}

/// What the audit trail records of a provider: never its secret.
fn snapshot(p: &identity_provider::Model) -> Value {
    json!({
        "organizationId": p.organization_id, "issuer": p.issuer, "clientId": p.client_id,
        "scopes": p.scopes, "allowedEmailDomains": p.allowed_email_domains,
        "claimMappings": p.claim_mappings, "displayName": p.display_name, "enabled": p.enabled,
    })
}

/// The caller may manage identity (providers, return URLs, sessions) for this organization.
pub async fn ensure_manage<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    organization_id: i32,
) -> ServiceResult<()> {
    caller.actor()?;
    let roles = organizations::roles_in(db, caller, organization_id).await?;
    access::ensure_in(&app.auth, &roles, Scope::Organization(organization_id), Action::ManageIdentity)
}

/// The providers of an organization (or, for network administrators without an
/// organization, of every organization).
pub async fn list(
    app: &App,
    caller: &Caller,
    organization_id: Option<i32>,
) -> ServiceResult<Vec<identity_provider::Model>> {
    let actor = caller.actor()?;
    let mut select = identity_provider::Entity::find().order_by_asc(identity_provider::Column::Id);
    match organization_id.or(if actor.network_admin { None } else { actor.organization_id }) {
        Some(org) => {
            ensure_manage(app, &app.db, caller, org).await?;
            select = select.filter(identity_provider::Column::OrganizationId.eq(org));
        }
        None if actor.network_admin => {}
        None => {
            return Err(ServiceError::forbidden(Message::new("providers-admins")));
        }
    }
    Ok(select.all(&app.db).await?)
}

/// Finds a provider the caller may manage (`NOT_FOUND` otherwise, for those who may not
/// know it).
async fn find_managed<C: ConnectionTrait>(
    app: &App,
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<identity_provider::Model> {
    let provider =
        identity_provider::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::not_found("identity provider"))?;
    ensure_manage(app, db, caller, provider.organization_id).await?;
    Ok(provider)
}

struct Checked {
    issuer: Option<String>,
    client_id: Option<String>,
    scopes: Option<Vec<String>>,
    domains: Option<Vec<String>>,
    mappings: Option<Vec<ClaimMapping>>,
    display_name: Option<String>,
}

fn check(input: &ProviderInput) -> ServiceResult<Checked> {
    let issuer = match &input.issuer {
        Some(issuer) => {
            let url = validate::web_url("issuer", issuer)?;
            if url.query().is_some() {
                return Err(ServiceError::bad_input("issuer", Message::new("no-query-string")));
            }
            Some(issuer.trim().to_owned())
        }
        None => None,
    };
    let client_id =
        input.client_id.as_deref().map(|v| validate::required_text("clientId", v, CLIENT_TEXT_MAX)).transpose()?;
    if let Some(secret) = &input.client_secret {
        let secret = secret.expose_secret();
        if secret.trim().is_empty() || secret.len() > CLIENT_TEXT_MAX {
            return Err(ServiceError::bad_input(
                "clientSecret",
                Message::new("length-between").arg("min", 1).arg("max", 1000),
            ));
        }
        validate::single_line("clientSecret", secret)?;
    }
    let scopes = match &input.scopes {
        Some(list) => {
            if list.len() > SCOPES_MAX {
                return Err(ServiceError::bad_input("scopes", Message::new("scopes-max").arg("max", SCOPES_MAX)));
            }
            let mut out = Vec::new();
            for scope in list {
                let scope = scope.trim();
                let ok = !scope.is_empty()
                    && scope.len() <= 100
                    && scope.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
                if !ok {
                    return Err(ServiceError::bad_input(
                        "scopes",
                        Message::new("not-a-scope").arg("scope", format!("{scope:?}")),
                    ));
                }
                if scope != "openid" && !out.iter().any(|s| s == scope) {
                    out.push(scope.to_owned());
                }
            }
            Some(out)
        }
        None => None,
    };
    let domains = match &input.allowed_email_domains {
        Some(list) => {
            if list.len() > validate::LIST_MAX {
                return Err(ServiceError::bad_input("allowedEmailDomains", Message::new("too-many")));
            }
            let mut out: Vec<String> = Vec::new();
            for d in list {
                let d = validate::domain("allowedEmailDomains", d)?;
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            Some(out)
        }
        None => None,
    };
    if let Some(rules) = &input.claim_mappings {
        mapping::validate(rules)?;
    }
    let display_name = input
        .display_name
        .as_deref()
        .map(|v| validate::required_text("displayName", v, validate::NAME_MAX))
        .transpose()?;
    Ok(Checked { issuer, client_id, scopes, domains, mappings: input.claim_mappings.clone(), display_name })
}

/// Runs discovery on an issuer; `BAD_USER_INPUT` on `issuer` when it fails. The
/// caller learns only that it failed: what failed (a refused address, a closed port,
/// a status, a size) goes to the log, or providers would be a scanner of the network.
async fn discover(app: &App, issuer: &str) -> ServiceResult<()> {
    app.sso.oidc.discover(issuer).await.map(|_| ()).map_err(|err| {
        tracing::warn!(%issuer, error = %err, "identity provider discovery failed");
        ServiceError::bad_input("issuer", Message::new("not-an-openid-provider"))
    })
}

async fn ensure_unique<C: ConnectionTrait>(
    db: &C,
    organization_id: i32,
    issuer: &str,
    except: Option<i32>,
) -> ServiceResult<()> {
    let mut select = identity_provider::Entity::find()
        .filter(identity_provider::Column::OrganizationId.eq(organization_id))
        .filter(identity_provider::Column::Issuer.eq(issuer));
    if let Some(id) = except {
        select = select.filter(identity_provider::Column::Id.ne(id));
    }
    if select.one(db).await?.is_some() {
        return Err(ServiceError::Conflict { field: "issuer".into(), message: Message::new("provider-exists") });
    }
    Ok(())
}

/// Registers a provider for an organization.
pub async fn register(
    app: &App,
    caller: &Caller,
    organization_id: i32,
    input: ProviderInput,
) -> ServiceResult<identity_provider::Model> {
    let actor = caller.actor()?;
    let organization = organization::Entity::find_by_id(organization_id)
        .one(&app.db)
        .await?
        .ok_or(ServiceError::not_found("organization"))?;
    ensure_manage(app, &app.db, caller, organization.id).await?;
    let checked = check(&input)?;
    let issuer = checked.issuer.ok_or_else(|| ServiceError::bad_input("issuer", Message::new("required")))?;
    let client_id = checked.client_id.ok_or_else(|| ServiceError::bad_input("clientId", Message::new("required")))?;
    let secret =
        input.client_secret.ok_or_else(|| ServiceError::bad_input("clientSecret", Message::new("required")))?;
    let display_name = checked.display_name.unwrap_or_else(|| organization.name.clone());
    ensure_unique(&app.db, organization.id, &issuer, None).await?;
    discover(app, &issuer).await?;
    let encrypted = app.sso.cipher.encrypt(secret.expose_secret()).map_err(ServiceError::Internal)?;
    let now = Utc::now();
    let txn = crate::db::begin_write(&app.db).await?;
    ensure_unique(&txn, organization.id, &issuer, None).await?;
    let created = identity_provider::ActiveModel {
        organization_id: Set(organization.id),
        issuer: Set(issuer),
        client_id: Set(client_id),
        client_secret_encrypted: Set(encrypted),
        scopes: Set(json!(checked.scopes.unwrap_or_else(|| vec!["email".into(), "profile".into()]))),
        allowed_email_domains: Set(json!(checked.domains.unwrap_or_default())),
        claim_mappings: Set(json!(checked.mappings.unwrap_or_default())),
        display_name: Set(display_name),
        enabled: Set(input.enabled.unwrap_or(true)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(created.organization_id),
            actor_id: Some(actor.person_id),
            action: "identity_provider.register",
            target_type: "IdentityProvider",
            target_id: Some(created.id),
            before: None,
            after: Some(snapshot(&created)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a provider; a new issuer is discovered before it is saved, and a new secret
/// replaces the old one.
pub async fn update(
    app: &App,
    caller: &Caller,
    id: i32,
    input: ProviderInput,
) -> ServiceResult<identity_provider::Model> {
    let actor = caller.actor()?;
    let current = find_managed(app, &app.db, caller, id).await?;
    let checked = check(&input)?;
    if let Some(issuer) = checked.issuer.as_deref().filter(|i| *i != current.issuer) {
        ensure_unique(&app.db, current.organization_id, issuer, Some(id)).await?;
        discover(app, issuer).await?;
    }
    let encrypted = match &input.client_secret {
        Some(secret) => Some(app.sso.cipher.encrypt(secret.expose_secret()).map_err(ServiceError::Internal)?),
        None => None,
    };
    let txn = crate::db::begin_write(&app.db).await?;
    let current = find_managed(app, &txn, caller, id).await?;
    let mut model: identity_provider::ActiveModel = current.clone().into();
    if let Some(issuer) = checked.issuer {
        ensure_unique(&txn, current.organization_id, &issuer, Some(id)).await?;
        model.issuer = Set(issuer);
    }
    if let Some(client_id) = checked.client_id {
        model.client_id = Set(client_id);
    }
    if let Some(encrypted) = encrypted {
        model.client_secret_encrypted = Set(encrypted);
    }
    if let Some(scopes) = checked.scopes {
        model.scopes = Set(json!(scopes));
    }
    if let Some(domains) = checked.domains {
        model.allowed_email_domains = Set(json!(domains));
    }
    if let Some(mappings) = checked.mappings {
        model.claim_mappings = Set(json!(mappings));
    }
    if let Some(name) = checked.display_name {
        model.display_name = Set(name);
    }
    if let Some(enabled) = input.enabled {
        model.enabled = Set(enabled);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    let mut after = snapshot(&updated);
    after["clientSecretChanged"] = json!(input.client_secret.is_some());
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Organization(current.organization_id),
            actor_id: Some(actor.person_id),
            action: if input.enabled == Some(false) { "identity_provider.disable" } else { "identity_provider.update" },
            target_type: "IdentityProvider",
            target_id: Some(id),
            before: Some(snapshot(&current)),
            after: Some(after),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    app.sso.oidc.forget(id);
    Ok(updated)
}

/// Disables a provider: its people can no longer log in through it.
pub async fn disable(app: &App, caller: &Caller, id: i32) -> ServiceResult<identity_provider::Model> {
    update(app, caller, id, ProviderInput { enabled: Some(false), ..Default::default() }).await
}

/// The enabled providers of active organizations, with their organization.
pub async fn enabled_with_organizations<C: ConnectionTrait>(
    db: &C,
) -> ServiceResult<Vec<(identity_provider::Model, organization::Model)>> {
    let rows = identity_provider::Entity::find()
        .filter(identity_provider::Column::Enabled.eq(true))
        .order_by_asc(identity_provider::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i32> = rows.iter().map(|p| p.organization_id).collect();
    let orgs = organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids))
        .filter(organization::Column::Status.eq(RecordStatus::Active))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|p| orgs.iter().find(|o| o.id == p.organization_id).cloned().map(|o| (p, o)))
        .collect())
}
