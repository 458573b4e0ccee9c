//! Membership flows: joining, requests, invitations, two-key approval, leaving, removal,
//! bans and role assignment. Each change is audited in its own transaction.

use chrono::Utc;
use entity::{
    community, community_organization,
    enums::{CommunityRole, CommunityRoles, MembershipStatus, ParticipationStatus},
    membership, organization, person,
};
use policy::{Action, Role, rank};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, TryIntoModel,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use super::{
    App, access,
    audit::{self, AuditRecord, AuditScope},
    community::{self as communities, Eligibility},
    validate,
};
use crate::{
    auth::Caller,
    error::{ServiceError, ServiceResult},
    i18n::Message,
};

/// An approval a pending membership still waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalKey {
    /// An animator or administrator of the community.
    Animator,
    /// The sponsor of the person's own organization.
    Sponsor,
}

/// The approvals a membership still needs before it becomes active.
pub fn pending_approvals(m: &membership::Model, sponsor_required: bool) -> Vec<ApprovalKey> {
    if !matches!(m.status, MembershipStatus::Pending | MembershipStatus::Invited) {
        return Vec::new();
    }
    let mut keys = Vec::new();
    if !m.animator_approved {
        keys.push(ApprovalKey::Animator);
    }
    if sponsor_required && !m.sponsor_approved {
        keys.push(ApprovalKey::Sponsor);
    }
    keys
}

fn snapshot(m: &membership::Model) -> serde_json::Value {
    json!({
        "communityId": m.community_id, "personId": m.person_id,
        "roles": m.role_set().iter().map(CommunityRole::as_str).collect::<Vec<_>>(),
        "status": m.status.as_str(), "banned": m.banned,
        "animatorApproved": m.animator_approved, "sponsorApproved": m.sponsor_approved,
        "animatorApprovedBy": m.animator_approved_by, "sponsorApprovedBy": m.sponsor_approved_by,
        "reason": m.reason,
    })
}

async fn record(
    txn: &DatabaseTransaction,
    caller: &Caller,
    action: &str,
    before: Option<&membership::Model>,
    after: &membership::Model,
) -> ServiceResult<()> {
    audit::record(
        txn,
        AuditRecord {
            scope: AuditScope::Community(after.community_id),
            actor_id: caller.person_id(),
            action,
            target_type: "Membership",
            target_id: Some(after.id),
            before: before.map(snapshot),
            after: Some(snapshot(after)),
            request_id: caller.request_id.as_deref(),
        },
    )
    .await
}

fn default_roles() -> i64 {
    CommunityRoles::default().with(CommunityRole::Member).0
}

/// Refuses unless the caller could assign `granted` directly (through
/// `assignCommunityRoles`): any role beyond the default MEMBER needs the policy's
/// `assign_roles`, and none may outrank the caller (see [`policy::rank`]). Every path that
/// sets roles (invitations, role assignment, approvals) goes through here.
fn ensure_may_grant(app: &App, roles: &[Role], c: &community::Model, granted: i64) -> ServiceResult<()> {
    if granted != default_roles() && !access::allowed(&app.auth, roles, c, Action::AssignRoles) {
        return Err(ServiceError::forbidden(Message::new("grant-role-forbidden")));
    }
    if !rank::may_grant(rank::of_actor(roles), CommunityRoles(granted)) {
        return Err(ServiceError::forbidden(Message::new("grant-role-above")));
    }
    Ok(())
}

/// Refuses to act on (remove, ban, change the roles of) someone who outranks the caller.
/// Roles count while the membership is active, invited or pending; a former member's old
/// roles give them no rank.
fn ensure_may_act_on(roles: &[Role], target: &membership::Model) -> ServiceResult<()> {
    let held = match target.status {
        MembershipStatus::Active | MembershipStatus::Invited | MembershipStatus::Pending => target.role_set(),
        _ => CommunityRoles::default(),
    };
    if rank::may_act_on(rank::of_actor(roles), held) {
        Ok(())
    } else {
        Err(ServiceError::forbidden(Message::new("member-outranks")))
    }
}

/// Refuses a change that would leave the community without an active founder or
/// administrator: `current` is the membership before the change, `after_roles` and
/// `after_active` what it becomes.
async fn ensure_still_governed<C: ConnectionTrait>(
    db: &C,
    current: &membership::Model,
    after_roles: i64,
    after_active: bool,
    field: &str,
) -> ServiceResult<()> {
    let governed_before = current.status == MembershipStatus::Active && rank::governs(current.role_set());
    let governed_after = after_active && rank::governs(CommunityRoles(after_roles));
    if !governed_before || governed_after {
        return Ok(());
    }
    // Two administrators demoting each other at once must not both see the other stay:
    // on PostgreSQL the community row is locked until commit, so such changes take turns
    // (SQLite already lets one writer at a time).
    if db.get_database_backend() == DbBackend::Postgres {
        community::Entity::find_by_id(current.community_id).lock_exclusive().one(db).await?;
    }
    let others = membership::Entity::find()
        .filter(membership::Column::CommunityId.eq(current.community_id))
        .filter(membership::Column::Status.eq(MembershipStatus::Active))
        .filter(membership::Column::Id.ne(current.id))
        .filter(Expr::col(membership::Column::Roles).bit_and(rank::governing_mask()).ne(0))
        .count(db)
        .await?;
    if others == 0 {
        return Err(ServiceError::Conflict { field: field.into(), message: Message::new("last-founder") });
    }
    Ok(())
}

/// Checks the community's eligibility criteria against the person; the refusal names the
/// criterion that failed.
async fn ensure_eligible<C: ConnectionTrait>(db: &C, c: &community::Model, p: &person::Model) -> ServiceResult<()> {
    let rules = Eligibility::from_json(&c.eligibility);
    let org = match p.organization_id {
        Some(id) => organization::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let fails = |criterion: &'static str, value: Option<&str>, allowed: &[String]| -> Option<Message> {
        if allowed.is_empty() {
            return None;
        }
        let ok = value.is_some_and(|v| allowed.iter().any(|a| a.eq_ignore_ascii_case(v.trim())));
        (!ok).then(|| {
            Message::new("not-eligible")
                .arg("criterion", criterion)
                .arg("allowed", allowed.join(", "))
                .arg("yours", value.unwrap_or("—"))
        })
    };
    let failure = fails("profession", p.profession.as_deref(), &rules.professions)
        .or_else(|| fails("job-title", p.job_title.as_deref(), &rules.job_titles))
        .or_else(|| fails("sector", org.as_ref().and_then(|o| o.sector.as_deref()), &rules.sectors))
        .or_else(|| fails("region", org.as_ref().and_then(|o| o.region.as_deref()), &rules.regions))
        .or_else(|| {
            (!rules.organization_ids.is_empty()
                && !p.organization_id.is_some_and(|id| rules.organization_ids.contains(&id)))
            .then(|| Message::new("not-eligible-organization"))
        });
    match failure {
        Some(message) => Err(ServiceError::Forbidden(message)),
        None => Ok(()),
    }
}

/// Unless the community accepts any organization of the network, only people of its
/// participating organizations may join.
async fn ensure_participating<C: ConnectionTrait>(
    db: &C,
    c: &community::Model,
    p: &person::Model,
) -> ServiceResult<()> {
    if c.open_to_all_organizations {
        return Ok(());
    }
    let participates = match p.organization_id {
        Some(org) => community_organization::Entity::find()
            .filter(community_organization::Column::CommunityId.eq(c.id))
            .filter(community_organization::Column::OrganizationId.eq(org))
            .filter(community_organization::Column::Status.eq(ParticipationStatus::Active))
            .one(db)
            .await?
            .is_some(),
        None => false,
    };
    if participates { Ok(()) } else { Err(ServiceError::forbidden(Message::new("join-not-participating"))) }
}

/// Joins an open community at once, or asks to join a community that approves requests.
pub async fn join(app: &App, caller: &Caller, community_id: i32) -> ServiceResult<membership::Model> {
    let actor = caller.actor()?;
    super::api_client::ensure_person(caller, "join a community")?;
    let txn = crate::db::begin_write(&app.db).await?;
    let c =
        communities::find_by_id(app, &txn, caller, community_id).await?.ok_or(ServiceError::not_found("community"))?;
    let me = person::Entity::find_by_id(actor.person_id).one(&txn).await?.ok_or(ServiceError::Unauthenticated)?;
    let existing = communities::own_membership(&txn, actor.person_id, c.id).await?;
    if let Some(m) = &existing {
        if m.banned {
            return Err(ServiceError::forbidden(Message::new("join-banned")));
        }
        let clash = match m.status {
            MembershipStatus::Active => Some(Message::new("join-already-member")),
            MembershipStatus::Pending => Some(Message::new("join-already-pending")),
            MembershipStatus::Invited => Some(Message::new("join-already-invited")),
            _ => None,
        };
        if let Some(message) = clash {
            return Err(ServiceError::Conflict { field: "communityId".into(), message });
        }
    }
    ensure_eligible(&txn, &c, &me).await?;
    ensure_participating(&txn, &c, &me).await?;
    let roles = caller.base_roles().to_vec();
    let (status, action) = if access::allowed(&app.auth, &roles, &c, Action::Join) {
        (MembershipStatus::Active, "membership.join")
    } else if access::allowed(&app.auth, &roles, &c, Action::Request) {
        (MembershipStatus::Pending, "membership.request")
    } else if c.membership_policy == entity::enums::MembershipPolicy::Invitation {
        return Err(ServiceError::forbidden(Message::new("join-invitation-only")));
    } else {
        access::ensure(&app.auth, &roles, &c, Action::Join)?;
        return Err(ServiceError::forbidden(Message::new("denied").arg("action", "join").arg("object", "community")));
    };
    let now = Utc::now();
    let mut model = match &existing {
        Some(m) => m.clone().into(),
        None => membership::ActiveModel {
            community_id: Set(c.id),
            person_id: Set(actor.person_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.roles = Set(default_roles());
    model.status = Set(status);
    model.banned = Set(false);
    model.animator_approved = Set(status == MembershipStatus::Active);
    model.sponsor_approved = Set(status == MembershipStatus::Active || !c.sponsor_approval_required);
    model.animator_approved_by = Set(None);
    model.sponsor_approved_by = Set(None);
    model.decided_by = Set(None);
    model.decided_at = Set((status == MembershipStatus::Active).then_some(now));
    model.reason = Set(None);
    model.updated_at = Set(now);
    let saved = model.save(&txn).await?.try_into_model()?;
    record(&txn, caller, action, existing.as_ref(), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

fn role_set(roles: &[CommunityRole]) -> ServiceResult<i64> {
    if roles.is_empty() {
        return Err(ServiceError::bad_input("roles", Message::new("roles-empty")));
    }
    Ok(roles.iter().copied().collect::<CommunityRoles>().0)
}

/// Invites a person (animators and administrators, as the policy says).
pub async fn invite(
    app: &App,
    caller: &Caller,
    community_id: i32,
    person_id: i32,
    roles: &[CommunityRole],
) -> ServiceResult<membership::Model> {
    let roles = role_set(roles)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (c, caller_roles) = communities::authorized(app, &txn, caller, community_id, Action::Invite).await?;
    ensure_may_grant(app, &caller_roles, &c, roles)?;
    let invitee = person::Entity::find_by_id(person_id).one(&txn).await?.ok_or(ServiceError::not_found("person"))?;
    super::api_client::ensure_not_service_account(&txn, person_id, "personId").await?;
    ensure_participating(&txn, &c, &invitee).await?;
    let existing = communities::own_membership(&txn, person_id, c.id).await?;
    if let Some(m) = &existing {
        if m.banned {
            return Err(ServiceError::forbidden(Message::new("invite-banned")));
        }
        if matches!(m.status, MembershipStatus::Active | MembershipStatus::Invited) {
            return Err(ServiceError::Conflict {
                field: "personId".into(),
                message: Message::new("invite-already").arg("status", m.status.as_str().to_lowercase()),
            });
        }
    }
    let now = Utc::now();
    let mut model = match &existing {
        Some(m) => m.clone().into(),
        None => membership::ActiveModel {
            community_id: Set(c.id),
            person_id: Set(person_id),
            created_at: Set(now),
            ..Default::default()
        },
    };
    model.roles = Set(roles);
    model.status = Set(MembershipStatus::Invited);
    model.animator_approved = Set(true);
    model.animator_approved_by = Set(caller.person_id());
    model.sponsor_approved = Set(!c.sponsor_approval_required);
    model.sponsor_approved_by = Set(None);
    model.decided_by = Set(caller.person_id());
    model.decided_at = Set(Some(now));
    model.reason = Set(None);
    model.updated_at = Set(now);
    let saved = model.save(&txn).await?.try_into_model()?;
    record(&txn, caller, "membership.invite", existing.as_ref(), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

/// The caller's own membership by id (`NOT_FOUND` for anyone else's).
async fn own_by_id<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    membership_id: i32,
) -> ServiceResult<membership::Model> {
    let actor = caller.actor()?;
    membership::Entity::find_by_id(membership_id)
        .one(db)
        .await?
        .filter(|m| m.person_id == actor.person_id)
        .ok_or(ServiceError::not_found("membership"))
}

/// Accepts an invitation: active at once, or pending the sponsor's approval when the
/// community requires it.
pub async fn accept_invitation(app: &App, caller: &Caller, membership_id: i32) -> ServiceResult<membership::Model> {
    respond(app, caller, membership_id, true).await
}

/// Declines an invitation.
pub async fn decline_invitation(app: &App, caller: &Caller, membership_id: i32) -> ServiceResult<membership::Model> {
    respond(app, caller, membership_id, false).await
}

async fn respond(app: &App, caller: &Caller, membership_id: i32, accept: bool) -> ServiceResult<membership::Model> {
    let txn = crate::db::begin_write(&app.db).await?;
    let current = own_by_id(&txn, caller, membership_id).await?;
    if current.status != MembershipStatus::Invited {
        return Err(ServiceError::Conflict {
            field: "membershipId".into(),
            message: Message::new("no-pending-invitation"),
        });
    }
    let (c, _) = communities::authorized(app, &txn, caller, current.community_id, Action::RespondInvitation).await?;
    let now = Utc::now();
    let mut model: membership::ActiveModel = current.clone().into();
    let action = if accept {
        let complete = current.sponsor_approved || !c.sponsor_approval_required;
        model.status = Set(if complete { MembershipStatus::Active } else { MembershipStatus::Pending });
        "membership.accept_invitation"
    } else {
        model.status = Set(MembershipStatus::Denied);
        model.reason = Set(Some("invitation declined".into()));
        "membership.decline_invitation"
    };
    model.updated_at = Set(now);
    let saved = model.update(&txn).await?;
    record(&txn, caller, action, Some(&current), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Whether the caller is the sponsor, in this community, of the organization `person`
/// belongs to.
async fn sponsors_for<C: ConnectionTrait>(
    db: &C,
    caller: &Caller,
    community_id: i32,
    person: &person::Model,
) -> ServiceResult<bool> {
    let (Some(me), Some(org)) = (caller.person_id(), person.organization_id) else { return Ok(false) };
    Ok(community_organization::Entity::find()
        .filter(community_organization::Column::CommunityId.eq(community_id))
        .filter(community_organization::Column::OrganizationId.eq(org))
        .filter(policy::resolve::live_sponsorships(me))
        .one(db)
        .await?
        .is_some())
}

/// Approves or refuses a pending request (or an invitation awaiting its sponsor). The
/// membership becomes active when every required key is given: an animator's, and, when
/// the community requires it, the sponsor's of the person's own organization. One call
/// gives at most one key (`key`, required when the caller could give either); the two
/// keys come from two different people; nobody decides on their own membership. Either
/// key holder can refuse.
pub async fn decide(
    app: &App,
    caller: &Caller,
    membership_id: i32,
    approve: bool,
    reason: Option<&str>,
    key: Option<ApprovalKey>,
) -> ServiceResult<membership::Model> {
    let actor = caller.actor()?;
    let reason = validate::optional_multiline("reason", reason, 2000)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let current =
        membership::Entity::find_by_id(membership_id).one(&txn).await?.ok_or(ServiceError::not_found("membership"))?;
    let (c, ties) = communities::find_with_ties(app, &txn, caller, communities::Key::Id(current.community_id))
        .await?
        .ok_or(ServiceError::not_found("membership"))?;
    let roles: Vec<Role> = ties.roles(caller);
    let requester =
        person::Entity::find_by_id(current.person_id).one(&txn).await?.ok_or(ServiceError::not_found("person"))?;
    let animator_key = access::allowed(&app.auth, &roles, &c, Action::Approve);
    let sponsor_key = c.sponsor_approval_required
        && sponsors_for(&txn, caller, c.id, &requester).await?
        && access::allowed(&app.auth, &roles, &c, Action::SponsorApprove);
    if !animator_key && !sponsor_key {
        return Err(ServiceError::forbidden(Message::new("decide-membership-forbidden")));
    }
    if current.person_id == actor.person_id {
        return Err(ServiceError::forbidden(Message::new("decide-own-membership")));
    }
    if !matches!(current.status, MembershipStatus::Pending | MembershipStatus::Invited) {
        return Err(ServiceError::Conflict {
            field: "membershipId".into(),
            message: Message::new("membership-not-pending"),
        });
    }
    let key = match (key, animator_key, sponsor_key) {
        (Some(ApprovalKey::Animator), false, _) => {
            return Err(ServiceError::forbidden(Message::new("animator-key-forbidden")));
        }
        (Some(ApprovalKey::Sponsor), _, false) => {
            return Err(ServiceError::forbidden(Message::new("sponsor-key-forbidden")));
        }
        (Some(key), ..) => key,
        (None, true, true) if approve => {
            return Err(ServiceError::bad_input("key", Message::new("key-which")));
        }
        (None, true, _) => ApprovalKey::Animator,
        (None, false, _) => ApprovalKey::Sponsor,
    };
    let now = Utc::now();
    let mut model: membership::ActiveModel = current.clone().into();
    let action = if approve {
        let (given, by_other) = match key {
            ApprovalKey::Animator => (current.animator_approved, current.sponsor_approved_by),
            ApprovalKey::Sponsor => {
                (current.sponsor_approved || !c.sponsor_approval_required, current.animator_approved_by)
            }
        };
        if given {
            return Err(ServiceError::Conflict { field: "key".into(), message: Message::new("key-already-given") });
        }
        if by_other == Some(actor.person_id) {
            return Err(ServiceError::forbidden(Message::new("key-two-people")));
        }
        let (mut animator_approved, mut sponsor_approved) = (current.animator_approved, current.sponsor_approved);
        match key {
            ApprovalKey::Animator => {
                ensure_may_grant(app, &roles, &c, current.roles)?;
                animator_approved = true;
                model.animator_approved_by = Set(Some(actor.person_id));
            }
            ApprovalKey::Sponsor => {
                sponsor_approved = true;
                model.sponsor_approved_by = Set(Some(actor.person_id));
            }
        }
        let sponsor_approved = sponsor_approved || !c.sponsor_approval_required;
        model.animator_approved = Set(animator_approved);
        model.sponsor_approved = Set(sponsor_approved);
        if current.status == MembershipStatus::Pending && animator_approved && sponsor_approved {
            model.status = Set(MembershipStatus::Active);
            if current.roles == 0 {
                model.roles = Set(default_roles());
            }
        }
        "membership.approve"
    } else {
        model.status = Set(MembershipStatus::Denied);
        "membership.deny"
    };
    model.decided_by = Set(Some(actor.person_id));
    model.decided_at = Set(Some(now));
    model.reason = Set(reason);
    model.updated_at = Set(now);
    let saved = model.update(&txn).await?;
    record(&txn, caller, action, Some(&current), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Leaves a community (or withdraws a pending request); the last founder or
/// administrator must name another one first.
pub async fn leave(app: &App, caller: &Caller, community_id: i32) -> ServiceResult<membership::Model> {
    let actor = caller.actor()?;
    let txn = crate::db::begin_write(&app.db).await?;
    communities::find_by_id(app, &txn, caller, community_id).await?.ok_or(ServiceError::not_found("community"))?;
    let current = communities::own_membership(&txn, actor.person_id, community_id)
        .await?
        .filter(|m| matches!(m.status, MembershipStatus::Active | MembershipStatus::Pending))
        .ok_or(ServiceError::not_found("membership"))?;
    ensure_still_governed(&txn, &current, current.roles, false, "communityId").await?;
    let mut model: membership::ActiveModel = current.clone().into();
    model.status = Set(MembershipStatus::Left);
    model.updated_at = Set(Utc::now());
    let saved = model.update(&txn).await?;
    super::subgroup::leave_all(&txn, actor.person_id, community_id).await?;
    super::thread_reading::stop_following_community(&txn, actor.person_id, community_id).await?;
    record(&txn, caller, "membership.leave", Some(&current), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A membership of a community the caller may do `action` in, held by someone who does
/// not outrank the caller; with the community and the caller's roles there.
async fn managed<C: ConnectionTrait>(
    app: &App,
    txn: &C,
    caller: &Caller,
    membership_id: i32,
    action: Action,
) -> ServiceResult<(membership::Model, community::Model, Vec<Role>)> {
    let current =
        membership::Entity::find_by_id(membership_id).one(txn).await?.ok_or(ServiceError::not_found("membership"))?;
    let (c, roles) =
        communities::authorized(app, txn, caller, current.community_id, action).await.map_err(|e| match e {
            ServiceError::NotFound { .. } => ServiceError::not_found("membership"),
            other => other,
        })?;
    ensure_may_act_on(&roles, &current)?;
    Ok((current, c, roles))
}

/// Removes a member (or cancels an invitation or a request); `ban` also keeps them from
/// asking again. Nobody removes someone who outranks them, nor the community's last
/// founder or administrator.
pub async fn remove(
    app: &App,
    caller: &Caller,
    membership_id: i32,
    reason: Option<&str>,
    ban: bool,
) -> ServiceResult<membership::Model> {
    let reason = validate::optional_multiline("reason", reason, 2000)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (current, ..) = managed(app, &txn, caller, membership_id, Action::ManageMembers).await?;
    if !ban && matches!(current.status, MembershipStatus::Removed | MembershipStatus::Left | MembershipStatus::Denied) {
        return Err(ServiceError::Conflict { field: "membershipId".into(), message: Message::new("not-a-member") });
    }
    ensure_still_governed(&txn, &current, current.roles, false, "membershipId").await?;
    let now = Utc::now();
    let mut model: membership::ActiveModel = current.clone().into();
    model.status = Set(MembershipStatus::Removed);
    model.banned = Set(current.banned || ban);
    model.decided_by = Set(caller.person_id());
    model.decided_at = Set(Some(now));
    model.reason = Set(reason);
    model.updated_at = Set(now);
    let saved = model.update(&txn).await?;
    super::subgroup::leave_all(&txn, current.person_id, current.community_id).await?;
    super::thread_reading::stop_following_community(&txn, current.person_id, current.community_id).await?;
    record(&txn, caller, if ban { "membership.ban" } else { "membership.remove" }, Some(&current), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Sets a member's community roles: only roles up to the caller's rank, on someone who
/// does not outrank them, never taking the last founder or administrator away.
pub async fn assign_roles(
    app: &App,
    caller: &Caller,
    membership_id: i32,
    roles: &[CommunityRole],
) -> ServiceResult<membership::Model> {
    let roles = role_set(roles)?;
    let txn = crate::db::begin_write(&app.db).await?;
    let (current, c, caller_roles) = managed(app, &txn, caller, membership_id, Action::AssignRoles).await?;
    if !matches!(current.status, MembershipStatus::Active | MembershipStatus::Invited | MembershipStatus::Pending) {
        return Err(ServiceError::Conflict { field: "membershipId".into(), message: Message::new("not-a-member") });
    }
    ensure_may_grant(app, &caller_roles, &c, roles)?;
    ensure_still_governed(&txn, &current, roles, true, "roles").await?;
    let mut model: membership::ActiveModel = current.clone().into();
    model.roles = Set(roles);
    model.updated_at = Set(Utc::now());
    let saved = model.update(&txn).await?;
    record(&txn, caller, "membership.assign_roles", Some(&current), &saved).await?;
    txn.commit().await?;
    Ok(saved)
}
