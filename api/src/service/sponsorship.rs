//! Participating organizations of a community and their sponsors (*parrains*).

use crate::i18n::Message;
use chrono::Utc;
use entity::{
    community_organization,
    enums::{MembershipStatus, OrganizationRoleKind, ParticipationStatus},
    membership, organization, organization_role, person,
};
use policy::{Action, Scope};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community as communities, organization as organizations,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
};

fn snapshot(p: &community_organization::Model) -> serde_json::Value {
    json!({
        "communityId": p.community_id, "organizationId": p.organization_id,
        "sponsorId": p.sponsor_id, "status": p.status.as_str(),
    })
}

async fn participation<C: sea_orm::ConnectionTrait>(
    db: &C,
    community_id: i32,
    organization_id: i32,
) -> ServiceResult<Option<community_organization::Model>> {
    Ok(community_organization::Entity::find()
        .filter(community_organization::Column::CommunityId.eq(community_id))
        .filter(community_organization::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?)
}

async fn record<C: sea_orm::ConnectionTrait>(
    db: &C,
    caller: &Caller,
    action: &str,
    before: Option<&community_organization::Model>,
    after: &community_organization::Model,
) -> ServiceResult<()> {
    audit::record(
        db,
        AuditRecord {
            scope: AuditScope::Community(after.community_id),
            actor_id: caller.person_id(),
            action,
            target_type: "CommunityOrganization",
            target_id: Some(after.id),
            before: before.map(snapshot),
            after: Some(snapshot(after)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await
}

/// Brings an organization into a community (its administrators, as the policy says).
pub async fn add_organization(
    app: &App,
    caller: &Caller,
    community_id: i32,
    organization_id: i32,
) -> ServiceResult<community_organization::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    communities::authorized(app, &txn, caller, community_id, Action::ManageOrganizations).await?;
    organization::Entity::find_by_id(organization_id)
        .one(&txn)
        .await?
        .ok_or(ServiceError::not_found("organization"))?;
    let existing = participation(&txn, community_id, organization_id).await?;
    let now = Utc::now();
    let saved = match &existing {
        Some(p) if p.status == ParticipationStatus::Active => {
            return Err(ServiceError::Conflict {
                field: "organizationId".into(),
                message: Message::new("already-participating"),
            });
        }
        Some(p) => {
            let mut model: community_organization::ActiveModel = p.clone().into();
            model.status = Set(ParticipationStatus::Active);
            model.updated_at = Set(now);
            model.update(&txn).await?
        }
        None => {
            community_organization::ActiveModel {
                community_id: Set(community_id),
                organization_id: Set(organization_id),
                sponsor_id: Set(None),
                status: Set(ParticipationStatus::Active),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    record(&txn, caller, "community.add_organization", existing.as_ref(), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Withdraws an organization from a community (its sponsor goes with it).
pub async fn remove_organization(
    app: &App,
    caller: &Caller,
    community_id: i32,
    organization_id: i32,
) -> ServiceResult<community_organization::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    communities::authorized(app, &txn, caller, community_id, Action::ManageOrganizations).await?;
    let current = participation(&txn, community_id, organization_id)
        .await?
        .filter(|p| p.status == ParticipationStatus::Active)
        .ok_or(ServiceError::not_found("participating organization"))?;
    let mut model: community_organization::ActiveModel = current.clone().into();
    model.status = Set(ParticipationStatus::Withdrawn);
    model.sponsor_id = Set(None);
    model.updated_at = Set(Utc::now());
    let saved = model.update(&txn).await?;
    record(&txn, caller, "community.remove_organization", Some(&current), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Names the sponsor who backs the community for an organization: a person of that
/// organization who manages it, named by its administrators (or a network
/// administrator); never someone the community banned or removed.
pub async fn set_sponsor(
    app: &App,
    caller: &Caller,
    community_id: i32,
    organization_id: i32,
    person_id: i32,
) -> ServiceResult<community_organization::Model> {
    caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    communities::find_by_id(app, &txn, caller, community_id).await?.ok_or(ServiceError::not_found("community"))?;
    let current = participation(&txn, community_id, organization_id)
        .await?
        .filter(|p| p.status == ParticipationStatus::Active)
        .ok_or(ServiceError::not_found("participating organization"))?;
    let roles = organizations::roles_in(&txn, caller, organization_id).await?;
    access::ensure_in(&app.auth, &roles, Scope::Organization(organization_id), Action::NameSponsor)?;
    let sponsor = person::Entity::find_by_id(person_id).one(&txn).await?.ok_or(ServiceError::not_found("person"))?;
    if sponsor.organization_id != Some(organization_id) {
        return Err(ServiceError::bad_input("personId", Message::new("sponsor-of-organization")));
    }
    let manager = organization_role::Entity::find()
        .filter(organization_role::Column::PersonId.eq(person_id))
        .filter(organization_role::Column::OrganizationId.eq(organization_id))
        .filter(organization_role::Column::Role.is_in([OrganizationRoleKind::Manager, OrganizationRoleKind::Admin]))
        .one(&txn)
        .await?;
    if manager.is_none() {
        return Err(ServiceError::bad_input("personId", Message::new("sponsor-manager")));
    }
    // A community's ban or removal is not undone by an organization naming the person
    // sponsor.
    let banned = membership::Entity::find()
        .filter(membership::Column::CommunityId.eq(community_id))
        .filter(membership::Column::PersonId.eq(person_id))
        .filter(
            Condition::any()
                .add(membership::Column::Banned.eq(true))
                .add(membership::Column::Status.eq(MembershipStatus::Removed)),
        )
        .one(&txn)
        .await?;
    if banned.is_some() {
        return Err(ServiceError::Conflict { field: "personId".into(), message: Message::new("cannot-sponsor") });
    }
    let mut model: community_organization::ActiveModel = current.clone().into();
    model.sponsor_id = Set(Some(person_id));
    model.updated_at = Set(Utc::now());
    let saved = model.update(&txn).await?;
    record(&txn, caller, "community.set_sponsor", Some(&current), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}
