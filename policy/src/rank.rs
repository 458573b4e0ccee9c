//! Ranks of community roles: which roles a person may hand out, and on whose membership
//! they may act (remove, ban, change roles).
//!
//! The policy's rules say *which actions* a role may take (`invite`, `manage_members`,
//! `assign_roles`); ranks say *on whom*. One table, here, that every path consults
//! (invitations, role assignment, removal, bans, approvals), so a role can never be
//! reached sideways through a path that forgot to compare:
//!
//! | rank | roles |
//! | --- | --- |
//! | 5 | `network:ADMIN` (outranks every community role) |
//! | 4 | FOUNDER |
//! | 3 | ADMINISTRATOR |
//! | 2 | ANIMATOR |
//! | 1 | MEMBER, CONTENT_EXPERT, MENTOR, REPORTER, IT_RESOURCE, WATCHER |
//! | 0 | no active membership |
//!
//! A person may grant only roles of at most their own rank, and act only on memberships
//! whose holder does not outrank them. FOUNDER and ADMINISTRATOR are the
//! [`GOVERNING`] roles: a community always keeps an active holder of one of them.

use entity::enums::{CommunityRole, CommunityRoles, NetworkRoleKind};

use crate::vocabulary::Role;

/// A position in the table above: higher outranks lower.
pub type Rank = u8;

/// The rank of a network administrator, above every community role.
pub const NETWORK_ADMIN: Rank = 5;

/// Roles that govern a community: the last active holder of one of them cannot leave,
/// be removed, banned or demoted.
pub const GOVERNING: [CommunityRole; 2] = [CommunityRole::Founder, CommunityRole::Administrator];

/// The rank of one community role.
pub fn of_role(role: CommunityRole) -> Rank {
    match role {
        CommunityRole::Founder => 4,
        CommunityRole::Administrator => 3,
        CommunityRole::Animator => 2,
        CommunityRole::Member
        | CommunityRole::ContentExpert
        | CommunityRole::Mentor
        | CommunityRole::Reporter
        | CommunityRole::ItResource
        | CommunityRole::Watcher => 1,
    }
}

/// The highest rank in a set of community roles (0 for none).
pub fn of_roles(roles: CommunityRoles) -> Rank {
    roles.iter().map(of_role).max().unwrap_or(0)
}

/// The rank a person acts with, from their effective roles in a community (see
/// [`crate::resolve::membership_roles`]: only an active membership gives community roles).
pub fn of_actor(roles: &[Role]) -> Rank {
    roles
        .iter()
        .map(|role| match role {
            Role::Network(NetworkRoleKind::Admin) => NETWORK_ADMIN,
            Role::Community(r) => of_role(*r),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// Whether a person of rank `actor` may grant this set of roles.
pub fn may_grant(actor: Rank, roles: CommunityRoles) -> bool {
    of_roles(roles) <= actor
}

/// Whether a person of rank `actor` may act on the membership of someone holding `target`.
pub fn may_act_on(actor: Rank, target: CommunityRoles) -> bool {
    of_roles(target) <= actor
}

/// Whether a set of roles includes a governing one.
pub fn governs(roles: CommunityRoles) -> bool {
    GOVERNING.iter().any(|r| roles.contains(*r))
}

/// The bit mask of the governing roles over `membership.roles`.
pub fn governing_mask() -> i64 {
    GOVERNING.iter().fold(0, |mask, r| mask | CommunityRoles::bit_of(*r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(roles: &[CommunityRole]) -> CommunityRoles {
        roles.iter().copied().collect()
    }

    #[test]
    fn an_animator_grants_and_acts_only_up_to_their_rank() {
        let animator = of_actor(&[Role::Person, Role::CommunityParticipant, Role::Community(CommunityRole::Animator)]);
        assert!(may_grant(animator, set(&[CommunityRole::Member, CommunityRole::ContentExpert])));
        assert!(!may_grant(animator, set(&[CommunityRole::Founder, CommunityRole::Administrator])));
        assert!(!may_act_on(animator, set(&[CommunityRole::Founder, CommunityRole::Animator])));
        assert!(may_act_on(animator, set(&[CommunityRole::Animator])));
    }

    #[test]
    fn network_administrators_outrank_founders_and_strangers_rank_nothing() {
        assert!(of_actor(&[Role::Person, Role::Network(NetworkRoleKind::Admin)]) > of_role(CommunityRole::Founder));
        assert_eq!(of_actor(&[Role::Person, Role::CommunitySponsor]), 0);
        assert!(governs(set(&[CommunityRole::Founder])) && !governs(set(&[CommunityRole::Animator])));
        assert_eq!(governing_mask().count_ones(), 2);
    }
}
