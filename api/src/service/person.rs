//! People: look-ups, the memberships shown on a profile, and bootstrap creation.
//!
//! People are for logged-in people only: anonymous callers read nobody (security
//! review 2026-12-01, M4). Who sees which field of a profile (e-mail address included)
//! is the directory's rule: see [`super::directory`].

use chrono::Utc;
use entity::{
    enums::{NetworkRoleKind, OrganizationRoleKind, RecordStatus},
    membership, network_role, organization_role, person,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

use super::{App, access, validate};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    i18n::Message,
};

/// The person with this id, for the logged-in caller themselves (`me`, token issuing).
pub async fn find_by_id<C: ConnectionTrait>(db: &C, id: i32) -> ServiceResult<Option<person::Model>> {
    Ok(person::Entity::find_by_id(id).one(db).await?)
}

/// The person with this id as the caller may see them: nobody for anonymous callers.
pub async fn find_visible<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<Option<person::Model>> {
    Ok(find_by_ids(db, caller, &[id]).await?.pop())
}

/// The people with these ids as the caller may see them: nobody for anonymous callers.
pub async fn find_by_ids<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    ids: &[i32],
) -> ServiceResult<Vec<person::Model>> {
    if caller.viewer.is_none() || ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(person::Entity::find().filter(person::Column::Id.is_in(ids.iter().copied())).all(db).await?)
}

/// Memberships of a person that the caller may see.
pub fn memberships_select(app: &App, caller: &Caller, person_id: i32) -> sea_orm::Select<membership::Entity> {
    membership::Entity::find().filter(access::visible_memberships_of(
        &app.auth,
        app.db.get_database_backend(),
        caller,
        Some(person_id),
    ))
}

/// What `maillage token` may be asked to set up for a person.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// The person's e-mail address (ignored when `person_id` names them).
    pub email: String,
    /// An existing person, named by id (when several people share an address).
    pub person_id: Option<i32>,
    pub display_name: Option<String>,
    pub organization_id: Option<i32>,
    pub network_admin: bool,
}

/// Finds the person with this e-mail address, or creates them; sets their organization
/// (as a MEMBER of it) and network administrator role when asked. Runs in `db`'s
/// transaction if it is one.
pub async fn bootstrap<C: ConnectionTrait>(db: &C, input: &Bootstrap) -> ServiceResult<person::Model> {
    let display_name = match &input.display_name {
        Some(name) => Some(validate::required_text("name", name, validate::NAME_MAX)?),
        None => None,
    };
    let mut found = match input.person_id {
        Some(id) => vec![person::Entity::find_by_id(id).one(db).await?.ok_or_else(|| {
            ServiceError::bad_input("person-id", Message::verbatim(format!("no person has the id {id}")))
        })?],
        None => {
            let email = validate::email("email", &input.email)?;
            let found = person::Entity::find().filter(person::Column::Email.eq(&email)).limit(2).all(db).await?;
            if found.len() > 1 {
                return Err(ServiceError::Conflict {
                    field: "email".into(),
                    message: Message::verbatim(
                        "several people have this e-mail address; name the person with --person-id",
                    ),
                });
            }
            found
        }
    };
    let now = Utc::now();
    let person = match found.pop() {
        Some(existing) => {
            let mut model: person::ActiveModel = existing.clone().into();
            if let Some(name) = display_name {
                model.display_name = Set(name);
            }
            if input.organization_id.is_some() {
                model.organization_id = Set(input.organization_id);
            }
            model.updated_at = Set(now);
            model.update(db).await?
        }
        None => {
            let email = validate::email("email", &input.email)?;
            let name = display_name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            person::ActiveModel {
                display_name: Set(name),
                email: Set(email),
                organization_id: Set(input.organization_id),
                status: Set(RecordStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    if let Some(organization_id) = input.organization_id {
        let has = organization_role::Entity::find()
            .filter(organization_role::Column::PersonId.eq(person.id))
            .filter(organization_role::Column::OrganizationId.eq(organization_id))
            .filter(organization_role::Column::Role.eq(OrganizationRoleKind::Member))
            .one(db)
            .await?;
        if has.is_none() {
            organization_role::ActiveModel {
                person_id: Set(person.id),
                organization_id: Set(organization_id),
                role: Set(OrganizationRoleKind::Member),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    if input.network_admin {
        let has = network_role::Entity::find()
            .filter(network_role::Column::PersonId.eq(person.id))
            .filter(network_role::Column::Role.eq(NetworkRoleKind::Admin))
            .one(db)
            .await?;
        if has.is_none() {
            network_role::ActiveModel {
                person_id: Set(person.id),
                role: Set(NetworkRoleKind::Admin),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(person)
}
