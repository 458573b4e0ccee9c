//! Subgroups: working and interest groups inside a community, with their own members.

use crate::i18n::Message;
use chrono::Utc;
use entity::{
    enums::{MembershipStatus, SubgroupKind, SubgroupRole, SubgroupVisibility},
    subgroup, subgroup_member,
};
use policy::Action;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community as communities,
    translation::{self, Owner, TranslationInput},
    validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

/// Input of [`create`].
#[derive(Debug, Clone)]
pub struct NewSubgroup {
    pub community_id: i32,
    pub name: String,
    pub description: String,
    pub kind: SubgroupKind,
    pub visibility: SubgroupVisibility,
    pub translations: Vec<TranslationInput>,
}

/// Creates a subgroup; its creator leads it.
pub async fn create(app: &App, caller: &Caller, input: NewSubgroup) -> ServiceResult<subgroup::Model> {
    let actor = caller.actor()?;
    let name = validate::required_text("name", &input.name, validate::NAME_MAX)?;
    let description = validate::multiline("description", &input.description, validate::DESCRIPTION_MAX)?;
    let translations = translation::validated(Owner::Subgroup, &input.translations)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (c, _) = communities::authorized(app, &txn, caller, input.community_id, Action::CreateSubgroup).await?;
    let now = Utc::now();
    let created = subgroup::ActiveModel {
        community_id: Set(c.id),
        name: Set(name),
        description: Set(description),
        kind: Set(input.kind),
        visibility: Set(input.visibility),
        created_at: Set(now),
        updated_at: Set(now),
        translated_into: Set(translation::languages_of(&translations)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    translation::replace(
        &txn,
        Owner::Subgroup,
        created.id,
        &translations,
        Some(translation::Audit { caller, scope: AuditScope::Community(created.community_id) }),
    )
    .await?;
    subgroup_member::ActiveModel {
        subgroup_id: Set(created.id),
        person_id: Set(actor.person_id),
        role: Set(SubgroupRole::Lead),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Community(created.community_id),
            actor_id: Some(actor.person_id),
            action: "subgroup.create",
            target_type: "Subgroup",
            target_id: Some(created.id),
            before: None,
            after: Some(
                json!({ "communityId": c.id, "name": created.name, "visibility": created.visibility.as_str() }),
            ),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes to a subgroup (see [`update`]): `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct SubgroupChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub kind: Option<SubgroupKind>,
    pub visibility: Option<SubgroupVisibility>,
    /// Replaces all its translations (an empty list removes them all).
    pub translations: Option<Vec<TranslationInput>>,
}

/// The subgroup, read under a row lock inside `txn`, if the caller may see it
/// ([`communities::readable_subgroups_select`]); `NOT_FOUND` otherwise, as for a
/// missing id.
async fn visible_for_update<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    caller: &Caller,
    id: i32,
) -> ServiceResult<subgroup::Model> {
    communities::readable_subgroups_select(app, caller)
        .filter(subgroup::Column::Id.eq(id))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(ServiceError::not_found("subgroup"))
}

fn snapshot(s: &subgroup::Model) -> serde_json::Value {
    json!({
        "name": s.name, "description": s.description, "kind": s.kind.as_str(),
        "visibility": s.visibility.as_str(), "translatedInto": s.translated_into,
    })
}

/// Changes a subgroup's name, description, kind, visibility or translations: whoever may
/// create subgroups in its community (its animators, by default). A subgroup the caller
/// may not see is `NOT_FOUND`; nothing changes unless everything is valid.
pub async fn update(app: &App, caller: &Caller, id: i32, changes: SubgroupChanges) -> ServiceResult<subgroup::Model> {
    caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let current = visible_for_update(app, &txn, caller, id).await?;
    let (community, ties) = communities::find_with_ties(app, &txn, caller, communities::Key::Id(current.community_id))
        .await?
        .ok_or(ServiceError::not_found("subgroup"))?;
    if !access::allowed(&app.auth, &ties.roles(caller), &community, Action::CreateSubgroup) {
        return Err(ServiceError::forbidden(Message::new("subgroup-update-forbidden")));
    }
    let mut model: subgroup::ActiveModel = current.clone().into();
    if let Some(v) = &changes.name {
        model.name = Set(validate::required_text("name", v, validate::NAME_MAX)?);
    }
    if let Some(v) = &changes.description {
        model.description = Set(validate::multiline("description", v, validate::DESCRIPTION_MAX)?);
    }
    if let Some(v) = changes.kind {
        model.kind = Set(v);
    }
    if let Some(v) = changes.visibility {
        model.visibility = Set(v);
    }
    if let Some(translations) = &changes.translations {
        let valid = translation::validated(Owner::Subgroup, translations)?;
        model.translated_into = Set(translation::replace(
            &txn,
            Owner::Subgroup,
            id,
            &valid,
            Some(translation::Audit { caller, scope: AuditScope::Community(current.community_id) }),
        )
        .await?);
    }
    model.updated_at = Set(Utc::now());
    let updated = model.update(&txn).await?;
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Community(updated.community_id),
            actor_id: caller.person_id(),
            action: "subgroup.update",
            target_type: "Subgroup",
            target_id: Some(updated.id),
            before: Some(snapshot(&current)),
            after: Some(snapshot(&updated)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Adds an active member of the community to a subgroup (its leads and the community's
/// animators, as the policy says).
pub async fn add_member(
    app: &App,
    caller: &Caller,
    subgroup_id: i32,
    person_id: i32,
    role: SubgroupRole,
) -> ServiceResult<subgroup::Model> {
    caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    let access = access::SubgroupAccess::load(&txn, caller, subgroup_id)
        .await?
        .filter(|a| a.can(&app.auth, Action::View))
        .ok_or(ServiceError::not_found("subgroup"))?;
    access.ensure(&app.auth, Action::Manage)?;
    let group =
        subgroup::Entity::find_by_id(subgroup_id).one(&txn).await?.ok_or(ServiceError::not_found("subgroup"))?;
    let member = communities::own_membership(&txn, person_id, group.community_id).await?;
    if member.is_none_or(|m| m.status != MembershipStatus::Active) {
        return Err(ServiceError::bad_input("personId", Message::new("subgroup-members-only")));
    }
    let existing = subgroup_member::Entity::find()
        .filter(subgroup_member::Column::SubgroupId.eq(subgroup_id))
        .filter(subgroup_member::Column::PersonId.eq(person_id))
        .one(&txn)
        .await?;
    match existing {
        Some(m) => {
            let mut model: subgroup_member::ActiveModel = m.into();
            model.role = Set(role);
            model.update(&txn).await?;
        }
        None => {
            subgroup_member::ActiveModel {
                subgroup_id: Set(subgroup_id),
                person_id: Set(person_id),
                role: Set(role),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    audit::record(
        &txn,
        AuditRecord {
            scope: AuditScope::Community(group.community_id),
            actor_id: caller.person_id(),
            action: "subgroup.add_member",
            target_type: "Subgroup",
            target_id: Some(subgroup_id),
            before: None,
            after: Some(json!({ "personId": person_id, "role": role.as_str() })),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(group)
}

/// Removes a person from every subgroup of a community (when they leave it).
pub async fn leave_all<C: ConnectionTrait>(db: &C, person_id: i32, community_id: i32) -> ServiceResult<()> {
    subgroup_member::Entity::delete_many()
        .filter(subgroup_member::Column::PersonId.eq(person_id))
        .filter(
            subgroup_member::Column::SubgroupId.in_subquery(
                subgroup::Entity::find()
                    .select_only()
                    .column(subgroup::Column::Id)
                    .filter(subgroup::Column::CommunityId.eq(community_id))
                    .into_query(),
            ),
        )
        .exec(db)
        .await?;
    Ok(())
}
