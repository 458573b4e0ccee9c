//! A person's identities at providers: listed to themselves (and network
//! administrators), and unlinked by themselves as long as one remains to log in with.

use crate::i18n::Message;
use entity::{identity_provider, person_identity};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;

use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    service::{
        App,
        audit::{self, AuditRecord, AuditScope},
    },
};

/// An identity with its provider.
pub type Linked = (person_identity::Model, identity_provider::Model);

/// The person's identities, or `None` when the caller may not see them.
pub async fn of_person(app: &App, caller: &Caller, person_id: i32) -> ServiceResult<Option<Vec<Linked>>> {
    let Some(actor) = caller.viewer.as_ref() else { return Ok(None) };
    if actor.person_id != person_id && !actor.network_admin {
        return Ok(None);
    }
    let rows = person_identity::Entity::find()
        .filter(person_identity::Column::PersonId.eq(person_id))
        .order_by_asc(person_identity::Column::Id)
        .find_also_related(identity_provider::Entity)
        .all(&app.db)
        .await?;
    Ok(Some(rows.into_iter().filter_map(|(identity, provider)| provider.map(|p| (identity, p))).collect()))
}

/// Unlinks one of the caller's identities; the last one stays.
pub async fn unlink(app: &App, caller: &Caller, identity_id: i32) -> ServiceResult<()> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let identities =
        person_identity::Entity::find().filter(person_identity::Column::PersonId.eq(actor.person_id)).all(&txn).await?;
    let identity = identities.iter().find(|i| i.id == identity_id).ok_or(ServiceError::not_found("identity"))?.clone();
    if identities.len() == 1 {
        return Err(ServiceError::Conflict { field: "identityId".into(), message: Message::new("only-identity") });
    }
    person_identity::Entity::delete_by_id(identity.id).exec(&txn).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::of_person(actor.organization_id),
            actor_id: Some(actor.person_id),
            action: "identity.unlink",
            target_type: "Person",
            target_id: Some(actor.person_id),
            before: Some(
                json!({ "issuer": identity.issuer, "subject": identity.subject, "providerId": identity.provider_id }),
            ),
            after: None,
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
