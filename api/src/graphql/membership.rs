//! Membership flows in the schema: joining, invitations, two-key approval, leaving,
//! removal, bans and roles. Every mutation returns `{ membership { id status roles } }`.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};

use super::{
    GqlResult, app, caller,
    community::Membership,
    enums::CommunityRole,
    ids::{NodeKind, from_global},
};
use crate::service::membership::{self as service, ApprovalKey as Key};

/// An approval a pending membership still waits for.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalKey {
    /// An animator or administrator of the community.
    Animator,
    /// The sponsor (*parrain*) of the person's own organization.
    Sponsor,
}

impl From<ApprovalKey> for Key {
    fn from(key: ApprovalKey) -> Self {
        match key {
            ApprovalKey::Animator => Self::Animator,
            ApprovalKey::Sponsor => Self::Sponsor,
        }
    }
}

impl From<Key> for ApprovalKey {
    fn from(key: Key) -> Self {
        match key {
            Key::Animator => Self::Animator,
            Key::Sponsor => Self::Sponsor,
        }
    }
}

/// Declares a mutation payload holding the membership it changed.
macro_rules! payload {
    ($($(#[$doc:meta])* $name:ident),+ $(,)?) => {$(
        $(#[$doc])*
        #[derive(SimpleObject)]
        pub struct $name {
            /// The membership as it stands after the change.
            pub membership: Membership,
        }
    )+};
}

payload!(
    /// Result of `joinCommunity`.
    JoinCommunityPayload,
    /// Result of `inviteToCommunity`.
    InviteToCommunityPayload,
    /// Result of `acceptInvitation`.
    AcceptInvitationPayload,
    /// Result of `declineInvitation`.
    DeclineInvitationPayload,
    /// Result of `decideMembership`.
    DecideMembershipPayload,
    /// Result of `leaveCommunity`.
    LeaveCommunityPayload,
    /// Result of `removeMember`.
    RemoveMemberPayload,
    /// Result of `banMember`.
    BanMemberPayload,
    /// Result of `assignCommunityRoles`.
    AssignCommunityRolesPayload,
);

/// Input of `joinCommunity`.
#[derive(InputObject)]
pub struct JoinCommunityInput {
    /// Global id of the community.
    pub community_id: ID,
}

/// Input of `inviteToCommunity`.
#[derive(InputObject)]
pub struct InviteToCommunityInput {
    /// Global id of the community.
    pub community_id: ID,
    /// Global id of the person to invite.
    pub person_id: ID,
    /// Roles the person will hold (MEMBER by default).
    #[graphql(default_with = "vec![CommunityRole::Member]")]
    pub roles: Vec<CommunityRole>,
}

/// Input of `acceptInvitation`.
#[derive(InputObject)]
pub struct AcceptInvitationInput {
    /// Global id of the viewer's invited membership.
    pub membership_id: ID,
}

/// Input of `declineInvitation`.
#[derive(InputObject)]
pub struct DeclineInvitationInput {
    /// Global id of the viewer's invited membership.
    pub membership_id: ID,
}

/// Input of `decideMembership`.
#[derive(InputObject)]
pub struct DecideMembershipInput {
    /// Global id of the pending membership.
    pub membership_id: ID,
    /// `true` gives the caller's key; `false` refuses the request (status `DENIED`).
    pub approve: bool,
    /// Why (kept with the membership and in the audit trail): plain text, line breaks
    /// allowed, at most 2,000 characters.
    pub reason: Option<String>,
    /// The key this call gives (one call gives at most one key). Required when the
    /// caller could give either (an animator who is also the sponsor of the person's
    /// organization); the other key must then come from someone else.
    pub key: Option<ApprovalKey>,
}

/// Input of `leaveCommunity`.
#[derive(InputObject)]
pub struct LeaveCommunityInput {
    /// Global id of the community to leave.
    pub community_id: ID,
}

/// Input of `removeMember`.
#[derive(InputObject)]
pub struct RemoveMemberInput {
    /// Global id of the membership (active, invited or pending).
    pub membership_id: ID,
    /// Why: plain text, line breaks allowed, at most 2,000 characters; blank means none. Kept with the membership (`reason`) and in the audit trail.
    pub reason: Option<String>,
}

/// Input of `banMember`.
#[derive(InputObject)]
pub struct BanMemberInput {
    /// Global id of the membership (any status: a person who left can be banned too).
    pub membership_id: ID,
    /// Why: plain text, line breaks allowed, at most 2,000 characters; blank means none. Kept with the membership (`reason`) and in the audit trail.
    pub reason: Option<String>,
}

/// Input of `assignCommunityRoles`.
#[derive(InputObject)]
pub struct AssignCommunityRolesInput {
    /// Global id of the membership (active, invited or pending).
    pub membership_id: ID,
    /// The roles the member will hold, replacing the current ones: at least one. A caller
    /// may grant only roles they outrank, and the community must keep someone who governs it.
    pub roles: Vec<CommunityRole>,
}

fn membership_id(id: &ID) -> async_graphql::Result<i32> {
    from_global("membershipId", NodeKind::Membership, id).gql()
}

fn community_id(id: &ID) -> async_graphql::Result<i32> {
    from_global("communityId", NodeKind::Community, id).gql()
}

fn roles(roles: &[CommunityRole]) -> Vec<entity::enums::CommunityRole> {
    roles.iter().copied().map(Into::into).collect()
}

/// Membership mutations.
#[derive(Default)]
pub struct MembershipMutation;

#[Object]
impl MembershipMutation {
    /// Joins an open community at once, or asks to join one that approves requests.
    /// Eligibility criteria are checked first; an invitation-only community answers
    /// `FORBIDDEN`.
    async fn join_community(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community to join.")] input: JoinCommunityInput,
    ) -> async_graphql::Result<JoinCommunityPayload> {
        let m = service::join(app(ctx), caller(ctx), community_id(&input.community_id)?).await.gql()?;
        Ok(JoinCommunityPayload { membership: Membership(m) })
    }

    /// Invites a person (animators and administrators).
    async fn invite_to_community(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community, the person and the roles they will hold.")] input: InviteToCommunityInput,
    ) -> async_graphql::Result<InviteToCommunityPayload> {
        let person = from_global("personId", NodeKind::Person, &input.person_id).gql()?;
        let m =
            service::invite(app(ctx), caller(ctx), community_id(&input.community_id)?, person, &roles(&input.roles))
                .await
                .gql()?;
        Ok(InviteToCommunityPayload { membership: Membership(m) })
    }

    /// Accepts an invitation (active at once, or pending the sponsor's approval).
    async fn accept_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation to accept.")] input: AcceptInvitationInput,
    ) -> async_graphql::Result<AcceptInvitationPayload> {
        let m = service::accept_invitation(app(ctx), caller(ctx), membership_id(&input.membership_id)?).await.gql()?;
        Ok(AcceptInvitationPayload { membership: Membership(m) })
    }

    /// Declines an invitation.
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invitation to decline.")] input: DeclineInvitationInput,
    ) -> async_graphql::Result<DeclineInvitationPayload> {
        let m = service::decline_invitation(app(ctx), caller(ctx), membership_id(&input.membership_id)?).await.gql()?;
        Ok(DeclineInvitationPayload { membership: Membership(m) })
    }

    /// Approves or refuses a pending membership. It becomes active when every required
    /// key is given: an animator's, and the sponsor's of the person's own organization
    /// when the community requires it. One call gives at most one key (`key`), the two
    /// keys come from two different people, and nobody decides on their own membership
    /// (`FORBIDDEN`). Either key holder can refuse.
    async fn decide_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The pending membership, the decision, and which key it gives.")] input: DecideMembershipInput,
    ) -> async_graphql::Result<DecideMembershipPayload> {
        let id = membership_id(&input.membership_id)?;
        let m = service::decide(
            app(ctx),
            caller(ctx),
            id,
            input.approve,
            input.reason.as_deref(),
            input.key.map(Into::into),
        )
        .await
        .gql()?;
        Ok(DecideMembershipPayload { membership: Membership(m) })
    }

    /// Leaves a community (or withdraws a pending request).
    async fn leave_community(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The community to leave.")] input: LeaveCommunityInput,
    ) -> async_graphql::Result<LeaveCommunityPayload> {
        let m = service::leave(app(ctx), caller(ctx), community_id(&input.community_id)?).await.gql()?;
        Ok(LeaveCommunityPayload { membership: Membership(m) })
    }

    /// Removes a member (or cancels an invitation or a request).
    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to end, and why.")] input: RemoveMemberInput,
    ) -> async_graphql::Result<RemoveMemberPayload> {
        let id = membership_id(&input.membership_id)?;
        let m = service::remove(app(ctx), caller(ctx), id, input.reason.as_deref(), false).await.gql()?;
        Ok(RemoveMemberPayload { membership: Membership(m) })
    }

    /// Removes a member for good: a banned person cannot ask to join again.
    async fn ban_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to end for good, and why.")] input: BanMemberInput,
    ) -> async_graphql::Result<BanMemberPayload> {
        let id = membership_id(&input.membership_id)?;
        let m = service::remove(app(ctx), caller(ctx), id, input.reason.as_deref(), true).await.gql()?;
        Ok(BanMemberPayload { membership: Membership(m) })
    }

    /// Sets a member's community roles (administrators).
    async fn assign_community_roles(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership and its new roles.")] input: AssignCommunityRolesInput,
    ) -> async_graphql::Result<AssignCommunityRolesPayload> {
        let id = membership_id(&input.membership_id)?;
        let m = service::assign_roles(app(ctx), caller(ctx), id, &roles(&input.roles)).await.gql()?;
        Ok(AssignCommunityRolesPayload { membership: Membership(m) })
    }
}
