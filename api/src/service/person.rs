//! People: look-ups, who may see whose e-mail address, the memberships shown on a
//! profile, and bootstrap creation.
//!
//! The directory is for logged-in people only: anonymous callers read nobody (security
//! review 2026-12-01, M4). An e-mail address is shown to the person themselves, to people
//! who share an active community or an organization with them, and to network
//! administrators; to anyone else it is null.

use std::collections::HashSet;

use chrono::Utc;
use entity::{
    enums::{MembershipStatus, NetworkRoleKind, OrganizationRoleKind, RecordStatus},
    membership, network_role, organization_role, person,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    QueryTrait,
};

use super::{App, access, validate};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
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

/// Among these people, those whose e-mail address the caller may see, in at most one
/// statement: themselves, network administrators see everyone's, and others see the
/// addresses of people who share an active community or an organization with them.
pub async fn emails_visible<C: ConnectionTrait>(db: &C, caller: &Caller, ids: &[i32]) -> ServiceResult<HashSet<i32>> {
    let Some(actor) = caller.viewer.as_ref() else { return Ok(HashSet::new()) };
    if actor.network_admin {
        return Ok(ids.iter().copied().collect());
    }
    let mut visible: HashSet<i32> = ids.iter().copied().filter(|id| *id == actor.person_id).collect();
    let others: Vec<i32> = ids.iter().copied().filter(|id| *id != actor.person_id).collect();
    if others.is_empty() {
        return Ok(visible);
    }
    let my_communities = membership::Entity::find()
        .select_only()
        .column(membership::Column::CommunityId)
        .filter(membership::Column::PersonId.eq(actor.person_id))
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .into_query();
    let co_members = membership::Entity::find()
        .select_only()
        .column(membership::Column::PersonId)
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .filter(membership::Column::CommunityId.in_subquery(my_communities))
        .into_query();
    let my_organizations = || {
        organization_role::Entity::find()
            .select_only()
            .column(organization_role::Column::OrganizationId)
            .filter(organization_role::Column::PersonId.eq(actor.person_id))
            .into_query()
    };
    let colleagues = organization_role::Entity::find()
        .select_only()
        .column(organization_role::Column::PersonId)
        .filter(organization_role::Column::OrganizationId.in_subquery(my_organizations()))
        .into_query();
    let mut shared = Condition::any()
        .add(person::Column::Id.in_subquery(co_members))
        .add(person::Column::Id.in_subquery(colleagues))
        .add(person::Column::OrganizationId.in_subquery(my_organizations()));
    if let Some(organization) = actor.organization_id {
        shared = shared.add(person::Column::OrganizationId.eq(organization));
    }
    let found: Vec<i32> = person::Entity::find()
        .select_only()
        .column(person::Column::Id)
        .filter(person::Column::Id.is_in(others))
        .filter(shared)
        .into_tuple()
        .all(db)
        .await?;
    visible.extend(found);
    Ok(visible)
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
        Some(id) => vec![
            person::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| ServiceError::bad_input("person-id", format!("no person has the id {id}")))?,
        ],
        None => {
            let email = validate::email("email", &input.email)?;
            let found = person::Entity::find().filter(person::Column::Email.eq(&email)).limit(2).all(db).await?;
            if found.len() > 1 {
                return Err(ServiceError::Conflict {
                    field: "email".into(),
                    message: "several people have this e-mail address; name the person with --person-id".into(),
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
