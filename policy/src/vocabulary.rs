//! The words of the policy, typed: scopes, roles, objects, actions and the attributes
//! rules can test. Services speak these enums; only this module knows their strings.

use std::fmt;

use entity::enums::{
    CommunityRole, MembershipPolicy, NetworkRoleKind, OrganizationRoleKind, SubgroupRole, SubgroupVisibility,
    Visibility,
};

/// Where a question is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Network,
    Organization(i32),
    Community(i32),
    Subgroup(i32),
}

/// The kind of a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    Network,
    Organization,
    Community,
    Subgroup,
}

impl ScopeKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Organization => "organization",
            Self::Community => "community",
            Self::Subgroup => "subgroup",
        }
    }

    /// The domain that rules for every scope of this kind name (`community:*`).
    pub fn pattern(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Organization => "organization:*",
            Self::Community => "community:*",
            Self::Subgroup => "subgroup:*",
        }
    }

    /// Role kinds whose roles count in scopes of this kind (a role guarded by its scope:
    /// an organization MEMBER is not a community MEMBER).
    pub fn admits(self, role: ScopeKind) -> bool {
        match self {
            Self::Network => role == Self::Network,
            Self::Organization => matches!(role, Self::Network | Self::Organization),
            Self::Community => matches!(role, Self::Network | Self::Community),
            Self::Subgroup => matches!(role, Self::Network | Self::Community | Self::Subgroup),
        }
    }
}

impl Scope {
    pub fn kind(self) -> ScopeKind {
        match self {
            Self::Network => ScopeKind::Network,
            Self::Organization(_) => ScopeKind::Organization,
            Self::Community(_) => ScopeKind::Community,
            Self::Subgroup(_) => ScopeKind::Subgroup,
        }
    }

    /// The scope's own domain (`community:42`).
    pub fn domain(self) -> String {
        match self {
            Self::Network => "network".to_owned(),
            Self::Organization(id) => format!("organization:{id}"),
            Self::Community(id) => format!("community:{id}"),
            Self::Subgroup(id) => format!("subgroup:{id}"),
        }
    }

    /// Reads a domain: `network`, `community:*` (all communities: `None` id) or
    /// `community:42`.
    pub fn parse_domain(domain: &str) -> Option<(ScopeKind, Option<i32>)> {
        if domain == "network" {
            return Some((ScopeKind::Network, None));
        }
        let (prefix, id) = domain.split_once(':')?;
        let kind = [ScopeKind::Organization, ScopeKind::Community, ScopeKind::Subgroup]
            .into_iter()
            .find(|k| k.prefix() == prefix)?;
        if id == "*" {
            return Some((kind, None));
        }
        let id: i32 = id.parse().ok().filter(|n: &i32| *n > 0)?;
        Some((kind, Some(id)))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.domain())
    }
}

/// Declares an enum of policy words with their strings.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant,)+ }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$(Self::$variant,)+];

            /// The word used in policies.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)+ }
            }

            /// Reads a word used in policies.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some(Self::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

words!(
    /// What a rule protects.
    Object {
        Network = "network",
        Organization = "organization",
        Community = "community",
        Subgroup = "subgroup",
        // Hours a person logged in a community (issue 13), decided in the community scope.
        TimeEntry = "time_entry",
    }
);

words!(
    /// What a person tries to do.
    Action {
        View = "view",
        Read = "read",
        Post = "post",
        Join = "join",
        Request = "request",
        RespondInvitation = "respond_invitation",
        ListMembers = "list_members",
        Invite = "invite",
        Approve = "approve",
        SponsorApprove = "sponsor_approve",
        Moderate = "moderate",
        ManageMembers = "manage_members",
        AssignRoles = "assign_roles",
        CreateSubgroup = "create_subgroup",
        Update = "update",
        Archive = "archive",
        ManageOrganizations = "manage_organizations",
        ManagePolicy = "manage_policy",
        ReadAudit = "read_audit",
        Manage = "manage",
        CreateOrganization = "create_organization",
        CreateCommunity = "create_community",
        ManageRoles = "manage_roles",
        NameSponsor = "name_sponsor",
        Suspend = "suspend",
        ManageIdentity = "manage_identity",
        // Events (issue 13).
        CreateEvent = "create_event",
        PublishEvent = "publish_event",
        ManageEvents = "manage_events",
        // Library (documents).
        UploadDocument = "upload_document",
        PublishDocument = "publish_document",
        ValidateDocument = "validate_document",
        ManageLibrary = "manage_library",
        PurgeDocument = "purge_document",
        EditWiki = "edit_wiki",
        // Discussions (issue 14).
        AcceptAnswer = "accept_answer",
        Announce = "announce",
        // Time budget (issue 13).
        ReadTotals = "read_totals",
        Decide = "decide",
        SetAllowance = "set_allowance",
        ManageParticipation = "manage_participation",
        ReadTimeReport = "read_time_report",
    }
);

impl Action {
    /// Actions by which network administrators keep the network governable: rules
    /// written for one organization, community or subgroup never deny them these
    /// (see [`crate::Authorizer`]), so no scope administrator can lock them out.
    pub fn is_administrative(self) -> bool {
        matches!(
            self,
            Self::ManagePolicy
                | Self::ReadAudit
                | Self::Suspend
                | Self::ManageIdentity
                | Self::ManageRoles
                | Self::ManageMembers
                | Self::AssignRoles
                | Self::ManageOrganizations
                | Self::NameSponsor
                | Self::Update
                | Self::Archive
                | Self::Manage
                | Self::CreateOrganization
                | Self::PurgeDocument
        )
    }

    /// The action in words (`manage policy`).
    pub fn words(self) -> String {
        self.as_str().replace('_', " ")
    }
}

/// A role, as policies name it (`community:ANIMATOR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Nobody logged in.
    Anonymous,
    /// Anyone logged in.
    Person,
    Network(NetworkRoleKind),
    Organization(OrganizationRoleKind),
    Community(CommunityRole),
    /// Held by every active member of a community, whatever their roles.
    CommunityParticipant,
    /// Held by the sponsor of a participating organization.
    CommunitySponsor,
    /// Held by a person invited to a community.
    CommunityInvitee,
    /// Held by a person whose request to join is pending.
    CommunityApplicant,
    Subgroup(SubgroupRole),
    /// Held, on a time entry or budget, by the person whose time it is.
    TimeOwner,
    /// Held, on a person's time in a community, by the sponsor their own organization
    /// names for that community, or (where it names none) by that organization's managers.
    TimeApprover,
    /// Held, on a person's time, by the managers and sponsors of their own organization.
    TimeOrgManager,
}

impl Role {
    /// Every role.
    pub fn all() -> Vec<Role> {
        let mut all = vec![Self::Anonymous, Self::Person];
        all.extend([NetworkRoleKind::Admin, NetworkRoleKind::Auditor].map(Self::Network));
        all.extend(
            [OrganizationRoleKind::Admin, OrganizationRoleKind::Manager, OrganizationRoleKind::Member]
                .map(Self::Organization),
        );
        all.extend(CommunityRole::ALL.map(Self::Community));
        all.extend([
            Self::CommunityParticipant,
            Self::CommunitySponsor,
            Self::CommunityInvitee,
            Self::CommunityApplicant,
        ]);
        all.extend([SubgroupRole::Lead, SubgroupRole::Member].map(Self::Subgroup));
        all.extend([Self::TimeOwner, Self::TimeApprover, Self::TimeOrgManager]);
        all
    }

    /// The role's name in policies.
    pub fn name(self) -> String {
        match self {
            Self::Anonymous => "anonymous".into(),
            Self::Person => "person".into(),
            Self::Network(r) => format!("network:{}", r.as_str()),
            Self::Organization(r) => format!("organization:{}", r.as_str()),
            Self::Community(r) => format!("community:{}", r.as_str()),
            Self::CommunityParticipant => "community:PARTICIPANT".into(),
            Self::CommunitySponsor => "community:SPONSOR".into(),
            Self::CommunityInvitee => "community:INVITEE".into(),
            Self::CommunityApplicant => "community:APPLICANT".into(),
            Self::Subgroup(r) => format!("subgroup:{}", r.as_str()),
            Self::TimeOwner => "community:TIME_OWNER".into(),
            Self::TimeApprover => "community:TIME_APPROVER".into(),
            Self::TimeOrgManager => "community:TIME_ORG_MANAGER".into(),
        }
    }

    /// Reads a role name.
    pub fn parse(name: &str) -> Option<Role> {
        Self::all().into_iter().find(|r| r.name() == name)
    }

    /// The kind of scope the role is held in; `None` for `anonymous` and `person`,
    /// which count everywhere.
    pub fn kind(self) -> Option<ScopeKind> {
        match self {
            Self::Anonymous | Self::Person => None,
            Self::Network(_) => Some(ScopeKind::Network),
            Self::Organization(_) => Some(ScopeKind::Organization),
            Self::Community(_)
            | Self::CommunityParticipant
            | Self::CommunitySponsor
            | Self::CommunityInvitee
            | Self::CommunityApplicant
            | Self::TimeOwner
            | Self::TimeApprover
            | Self::TimeOrgManager => Some(ScopeKind::Community),
            Self::Subgroup(_) => Some(ScopeKind::Subgroup),
        }
    }

    /// Whether the role counts in scopes of `kind`.
    pub fn counts_in(self, kind: ScopeKind) -> bool {
        self.kind().is_none_or(|k| kind.admits(k))
    }

    /// A small number unique to the role (for cache keys).
    pub fn index(self) -> u32 {
        match self {
            Self::Anonymous => 0,
            Self::Person => 1,
            Self::Network(r) => 2 + r as u32,
            Self::Organization(r) => 4 + r as u32,
            Self::Community(r) => 7 + r as u32,
            Self::CommunityParticipant => 16,
            Self::CommunitySponsor => 17,
            Self::CommunityInvitee => 18,
            Self::CommunityApplicant => 19,
            Self::Subgroup(r) => 20 + r as u32,
            Self::TimeOwner => 22,
            Self::TimeApprover => 23,
            Self::TimeOrgManager => 24,
        }
    }
}

/// What rules may test about the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Attrs {
    /// `PUBLIC`/`NETWORK`/`MEMBERS` for a community, `COMMUNITY`/`MEMBERS` for a subgroup.
    pub visibility: Option<&'static str>,
    /// The community's membership policy.
    pub policy: Option<MembershipPolicy>,
    pub archived: bool,
}

impl Attrs {
    /// No attributes (network and organization scopes).
    pub const NONE: Attrs = Attrs { visibility: None, policy: None, archived: false };

    /// The attributes of a community.
    pub fn community(visibility: Visibility, policy: MembershipPolicy, archived: bool) -> Self {
        Attrs { visibility: Some(visibility.as_str()), policy: Some(policy), archived }
    }

    /// The attributes of a subgroup of a community.
    pub fn subgroup(visibility: SubgroupVisibility, community_archived: bool) -> Self {
        Attrs { visibility: Some(visibility.as_str()), policy: None, archived: community_archived }
    }

    pub(crate) fn vis(&self) -> &'static str {
        self.visibility.unwrap_or("-")
    }

    pub(crate) fn pol(&self) -> &'static str {
        self.policy.map_or("-", MembershipPolicy::as_str)
    }

    pub(crate) fn arc(&self) -> &'static str {
        if self.archived { "archived" } else { "active" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip_and_indexes_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for role in Role::all() {
            assert_eq!(Role::parse(&role.name()), Some(role));
            assert!(role.index() < 32 && seen.insert(role.index()), "{role:?}");
        }
        assert_eq!(Role::parse("community:NOPE"), None);
    }

    #[test]
    fn roles_are_guarded_by_their_scope_kind() {
        let org_member = Role::Organization(OrganizationRoleKind::Member);
        assert!(!org_member.counts_in(ScopeKind::Community));
        assert!(Role::Community(CommunityRole::Animator).counts_in(ScopeKind::Subgroup));
        assert!(!Role::Subgroup(SubgroupRole::Lead).counts_in(ScopeKind::Community));
        assert!(Role::Person.counts_in(ScopeKind::Network));
    }

    #[test]
    fn domains_parse() {
        assert_eq!(Scope::parse_domain("community:*"), Some((ScopeKind::Community, None)));
        assert_eq!(Scope::parse_domain("subgroup:9"), Some((ScopeKind::Subgroup, Some(9))));
        assert_eq!(Scope::parse_domain("network"), Some((ScopeKind::Network, None)));
        for bad in ["community:", "community:-1", "galaxy:*", "", "network:*"] {
            assert_eq!(Scope::parse_domain(bad), None, "{bad}");
        }
    }
}
