//! Enumerations stored in columns (as strings), shared by every layer above.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a string-backed active enum with `UPPER_SNAKE` values.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(64))")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// The value stored in the database (and used in the API).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $value,)+ }
            }

            /// Reads a stored (or API) value.
            pub fn parse(value: &str) -> Option<Self> {
                match value { $($value => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}

string_enum!(
    /// What kind of institution an organization is.
    OrganizationKind {
        PublicHealthInstitute = "PUBLIC_HEALTH_INSTITUTE",
        HealthAndSocialServicesCentre = "HEALTH_AND_SOCIAL_SERVICES_CENTRE",
        UniversityCentre = "UNIVERSITY_CENTRE",
        CommunityOrganization = "COMMUNITY_ORGANIZATION",
        Government = "GOVERNMENT",
        Other = "OTHER",
    }
);

string_enum!(
    /// Whether an organization or a person takes part in the network.
    RecordStatus {
        Active = "ACTIVE",
        Suspended = "SUSPENDED",
    }
);

string_enum!(
    /// Network-wide roles.
    NetworkRoleKind {
        Admin = "ADMIN",
        Auditor = "AUDITOR",
    }
);

string_enum!(
    /// Roles a person holds in an organization.
    OrganizationRoleKind {
        Admin = "ADMIN",
        Manager = "MANAGER",
        Member = "MEMBER",
    }
);

string_enum!(
    /// Who may see a field of a person's profile (besides the person themselves).
    FieldVisibility {
        /// Any logged-in person of the network.
        Network = "NETWORK",
        /// People who share an active community or an organization with them.
        Communities = "COMMUNITIES",
        /// The person themselves only.
        Private = "PRIVATE",
    }
);

string_enum!(
    /// Who can see that a community exists.
    Visibility {
        /// Anyone, even anonymous visitors, sees the community's profile.
        Public = "PUBLIC",
        /// Any logged-in person of the network.
        Network = "NETWORK",
        /// Only its members: to anyone else it does not exist.
        Members = "MEMBERS",
    }
);

string_enum!(
    /// How people join a community.
    MembershipPolicy {
        /// Join at once.
        Open = "OPEN",
        /// Closed: on request, approved by an animator (and a sponsor if required).
        Approval = "APPROVAL",
        /// Closed: by invitation only.
        Invitation = "INVITATION",
    }
);

string_enum!(
    /// How a community came to be.
    CreationMode {
        Spontaneous = "SPONTANEOUS",
        Intentional = "INTENTIONAL",
    }
);

string_enum!(
    /// How a community's members meet.
    InteractionMode {
        Virtual = "VIRTUAL",
        InPerson = "IN_PERSON",
        Hybrid = "HYBRID",
    }
);

string_enum!(
    /// Development stage of a community of practice.
    Stage {
        Potential = "POTENTIAL",
        Coalescing = "COALESCING",
        Maturing = "MATURING",
        Momentum = "MOMENTUM",
        Transformation = "TRANSFORMATION",
    }
);

string_enum!(
    /// Whether a participating organization still backs a community.
    ParticipationStatus {
        Active = "ACTIVE",
        Withdrawn = "WITHDRAWN",
    }
);

string_enum!(
    /// Where a membership stands.
    MembershipStatus {
        Pending = "PENDING",
        Invited = "INVITED",
        Active = "ACTIVE",
        Left = "LEFT",
        Removed = "REMOVED",
        Denied = "DENIED",
    }
);

string_enum!(
    /// The kind of a subgroup.
    SubgroupKind {
        WorkingGroup = "WORKING_GROUP",
        InterestGroup = "INTEREST_GROUP",
    }
);

string_enum!(
    /// Who can see a subgroup and its threads.
    SubgroupVisibility {
        /// Every active member of the community.
        Community = "COMMUNITY",
        /// Only the subgroup's own members.
        Members = "MEMBERS",
    }
);

string_enum!(
    /// Roles a person holds in a subgroup.
    SubgroupRole {
        Lead = "LEAD",
        Member = "MEMBER",
    }
);

/// Roles a person can hold in a community of practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CommunityRole {
    Founder,
    Animator,
    Administrator,
    Member,
    ContentExpert,
    Watcher,
    ItResource,
    Mentor,
    Reporter,
}

impl CommunityRole {
    /// Every role, in the order of their bits.
    pub const ALL: [CommunityRole; 9] = [
        Self::Founder,
        Self::Animator,
        Self::Administrator,
        Self::Member,
        Self::ContentExpert,
        Self::Watcher,
        Self::ItResource,
        Self::Mentor,
        Self::Reporter,
    ];

    fn bit(self) -> i64 {
        1 << (self as u32)
    }

    /// The role's name in policies and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Founder => "FOUNDER",
            Self::Animator => "ANIMATOR",
            Self::Administrator => "ADMINISTRATOR",
            Self::Member => "MEMBER",
            Self::ContentExpert => "CONTENT_EXPERT",
            Self::Watcher => "WATCHER",
            Self::ItResource => "IT_RESOURCE",
            Self::Mentor => "MENTOR",
            Self::Reporter => "REPORTER",
        }
    }
}

/// A set of community roles, stored as a bit mask so SQL can filter on a role
/// (`roles & bit <> 0`) the same way on SQLite and PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CommunityRoles(pub i64);

impl CommunityRoles {
    pub fn contains(self, role: CommunityRole) -> bool {
        self.0 & role.bit() != 0
    }

    pub fn with(self, role: CommunityRole) -> Self {
        Self(self.0 | role.bit())
    }

    /// The SQL bit of one role, for filters.
    pub fn bit_of(role: CommunityRole) -> i64 {
        role.bit()
    }

    pub fn iter(self) -> impl Iterator<Item = CommunityRole> {
        CommunityRole::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl FromIterator<CommunityRole> for CommunityRoles {
    fn from_iter<T: IntoIterator<Item = CommunityRole>>(iter: T) -> Self {
        iter.into_iter().fold(Self::default(), Self::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_set_round_trips_and_ignores_unknown_bits() {
        let set: CommunityRoles = [CommunityRole::Founder, CommunityRole::Reporter].into_iter().collect();
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![CommunityRole::Founder, CommunityRole::Reporter]);
        assert!(!set.contains(CommunityRole::Member));
        let with_junk = CommunityRoles(set.0 | (1 << 40));
        assert_eq!(with_junk.iter().count(), 2);
    }
}

string_enum!(
    /// What a personal access token may be used for, beyond what its person may do.
    TokenScope {
        /// Queries only.
        Read = "READ",
        /// Queries, and the mutations of community life (communities, discussions,
        /// memberships, subgroups).
        Write = "WRITE",
        /// Everything its person may do, administration included (organizations, access
        /// policy, identity providers, sessions and tokens).
        Admin = "ADMIN",
    }
);

string_enum!(
    /// Who may read a piece of content beyond its scope (documents, events…).
    Audience {
        Members = "MEMBERS",
        Network = "NETWORK",
        Public = "PUBLIC",
    }
);

// ---- Events (issue 13) ----------------------------------------------------------------

string_enum!(
    /// What kind of event (the forms the field documents list).
    EventKind {
        Meeting = "MEETING",
        Webinar = "WEBINAR",
        Workshop = "WORKSHOP",
        GuestTalk = "GUEST_TALK",
        CaseDiscussion = "CASE_DISCUSSION",
        ReadingClub = "READING_CLUB",
        Networking = "NETWORKING",
        Other = "OTHER",
    }
);

string_enum!(
    /// Where an event takes place.
    EventMode {
        InPerson = "IN_PERSON",
        Virtual = "VIRTUAL",
        Hybrid = "HYBRID",
    }
);

string_enum!(
    /// A person's answer to an occurrence.
    RsvpResponse {
        Going = "GOING",
        Maybe = "MAYBE",
        Declined = "DECLINED",
    }
);

string_enum!(
    /// Whether a person attended an occurrence.
    AttendanceStatus {
        Present = "PRESENT",
        Absent = "ABSENT",
        Excused = "EXCUSED",
    }
);

// ---- Library (documents) ----------------------------------------------------------------

string_enum!(
    /// What a library document is.
    DocumentKind {
        Guide = "GUIDE",
        Procedure = "PROCEDURE",
        Tool = "TOOL",
        Presentation = "PRESENTATION",
        Report = "REPORT",
        Article = "ARTICLE",
        Template = "TEMPLATE",
        Other = "OTHER",
    }
);

string_enum!(
    /// Where a library document stands.
    DocumentStatus {
        Draft = "DRAFT",
        Published = "PUBLISHED",
        Archived = "ARCHIVED",
    }
);

// ---- Discussions (issue 14) -------------------------------------------------------------

string_enum!(
    /// What a thread is for.
    ThreadKind {
        /// A conversation (the default).
        Discussion = "DISCUSSION",
        /// A question waiting for an accepted answer.
        Question = "QUESTION",
        /// A call to all (appel à tous).
        CallForInput = "CALL_FOR_INPUT",
        /// A case brought for discussion.
        CaseDiscussion = "CASE_DISCUSSION",
        /// An announcement for the community's bulletin board.
        Announcement = "ANNOUNCEMENT",
    }
);

#[expect(clippy::derivable_impls, reason = "the enum is declared by a macro shared with enums that have no default")]
impl Default for ThreadKind {
    fn default() -> Self {
        Self::Discussion
    }
}

string_enum!(
    /// The reactions a reply may get.
    Reaction {
        Useful = "USEFUL",
        Thanks = "THANKS",
        Agree = "AGREE",
    }
);

string_enum!(
    /// Where a report of a reply stands.
    ReportStatus {
        /// Waiting in the moderation queue.
        Open = "OPEN",
        /// A moderator found nothing to do.
        Dismissed = "DISMISSED",
        /// A moderator hid the reply.
        PostHidden = "POST_HIDDEN",
    }
);

// ---- Time budget (issue 13) -------------------------------------------------------------

string_enum!(
    /// What a person's logged time went to.
    TimeCategory {
        Preparation = "PREPARATION",
        Research = "RESEARCH",
        Meeting = "MEETING",
        Mentoring = "MENTORING",
        Production = "PRODUCTION",
        Animation = "ANIMATION",
    }
);

string_enum!(
    /// Where a time entry stands against the person's allowance.
    TimeEntryStatus {
        /// Within the allowance: it counts.
        Recorded = "RECORDED",
        /// Past the allowance: waits for the person's own organization's sponsor.
        PendingApproval = "PENDING_APPROVAL",
        /// Past the allowance, approved: it counts.
        Approved = "APPROVED",
        /// Past the allowance, refused (with a reason): kept, does not count.
        Refused = "REFUSED",
    }
);
