//! GraphQL mirrors of the stored enums (the entity crate knows nothing of GraphQL).

use async_graphql::Enum;
use entity::enums as db;

macro_rules! mirror {
    ($(#[$meta:meta])* $name:ident = $db:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl From<db::$db> for $name {
            fn from(value: db::$db) -> Self {
                match value { $(db::$db::$variant => Self::$variant,)+ }
            }
        }

        impl From<$name> for db::$db {
            fn from(value: $name) -> Self {
                match value { $($name::$variant => Self::$variant,)+ }
            }
        }
    };
}

mirror!(
    /// A role in an organization.
    OrganizationRole = OrganizationRoleKind {
        /// Manages the organization in Maillage (providers, roles, sponsors…).
        Admin,
        /// A manager (gestionnaire); may sponsor communities.
        Manager,
        /// A person of the organization with no management role.
        Member,
    }
);

mirror!(
    /// What kind of institution an organization is.
    OrganizationKind = OrganizationKind {
        /// A public-health institute (e.g. INSPQ).
        PublicHealthInstitute,
        /// A health and social-services centre (CISSS, CIUSSS).
        HealthAndSocialServicesCentre,
        /// A university-affiliated centre.
        UniversityCentre,
        /// A community organization or alliance.
        CommunityOrganization,
        /// A ministry or government agency.
        Government,
        /// Any other kind of institution.
        Other,
    }
);

mirror!(
    /// Whether an organization or a person takes part in the network.
    RecordStatus = RecordStatus {
        /// Takes part: can log in (a person) or back communities (an organization).
        Active,
        /// Suspended by a network administrator: a suspended person cannot log in or act.
        Suspended,
    }
);

mirror!(
    /// Who may see a field of a person's profile (the person always sees it).
    FieldVisibility = FieldVisibility {
        /// Any logged-in person of the network.
        Network,
        /// People who share an active community or an organization with the person.
        Communities,
        /// The person themselves only.
        Private,
    }
);

mirror!(
    /// Who can see that a community exists.
    Visibility = Visibility {
        /// Anyone, even anonymous visitors, sees the community's profile.
        Public,
        /// Any logged-in person of the network sees its profile.
        Network,
        /// Secret: only its members know it exists.
        Members,
    }
);

mirror!(
    /// How people join a community.
    MembershipPolicy = MembershipPolicy {
        /// Open (*ouverte*): join at once.
        Open,
        /// Closed (*fermée*), on request approved by an animator (and sponsor if required).
        Approval,
        /// Closed (*fermée*), by invitation only.
        Invitation,
    }
);

mirror!(
    /// How a community came to be.
    CreationMode = CreationMode {
        /// Born of its members' own initiative.
        Spontaneous,
        /// Created by an organization for a purpose.
        Intentional,
    }
);

mirror!(
    /// How a community's members meet.
    InteractionMode = InteractionMode {
        /// Online only (video calls, the forum).
        Virtual,
        /// Face to face only.
        InPerson,
        /// Both online and face to face.
        Hybrid,
    }
);

mirror!(
    /// Development stage of a community of practice.
    Stage = Stage {
        /// *Potentiel*: people with a shared concern find each other; the community is being formed.
        Potential,
        /// *Unification*: members come together, build trust and start activities.
        Coalescing,
        /// *Maturité*: the community defines its domain and organizes its shared knowledge.
        Maturing,
        /// *Momentum* (*élan*): established and active; it sustains its practice over time.
        Momentum,
        /// *Transformation*: the community is changing deeply, merging or winding down.
        Transformation,
    }
);

mirror!(
    /// Whether a participating organization still backs a community.
    ParticipationStatus = ParticipationStatus {
        /// The organization takes part in the community.
        Active,
        /// The organization withdrew from the community (its history is kept).
        Withdrawn,
    }
);

mirror!(
    /// Where a membership stands.
    MembershipStatus = MembershipStatus {
        /// Requested, awaiting approval.
        Pending,
        /// Invited, awaiting the person's answer.
        Invited,
        /// A member of the community.
        Active,
        /// The person left the community (`leaveCommunity`); they may join (or ask to) again.
        Left,
        /// Removed (`removeMember`) or banned (`banMember`); a removed person may join (or ask to)
        /// again, a banned one may not.
        Removed,
        /// Request refused.
        Denied,
    }
);

mirror!(
    /// Roles a person can hold in a community of practice.
    CommunityRole = CommunityRole {
        /// *Fondateur*.
        Founder,
        /// *Animateur*: facilitates, approves requests, invites, moderates.
        Animator,
        /// *Administrateur*: manages the community's settings, roles and organizations.
        Administrator,
        /// An ordinary member: reads and takes part in discussions.
        Member,
        /// *Expert de contenu*.
        ContentExpert,
        /// *Veilleur*.
        Watcher,
        /// *Personne-ressource TI*.
        ItResource,
        /// *Mentor*: guides newer members.
        Mentor,
        /// *Rapporteur*.
        Reporter,
    }
);

mirror!(
    /// The kind of a subgroup.
    SubgroupKind = SubgroupKind {
        /// A working group (*groupe de travail*) with a task to deliver.
        WorkingGroup,
        /// An interest group (*groupe d'intérêt*) on a shared topic.
        InterestGroup,
    }
);

mirror!(
    /// Who can see a subgroup and its threads.
    SubgroupVisibility = SubgroupVisibility {
        /// Every active member of the community.
        Community,
        /// Only the subgroup's own members.
        Members,
    }
);

mirror!(
    /// What a personal access token may be used for, on top of what its person may do.
    TokenScope = TokenScope {
        /// Queries only.
        Read,
        /// Queries, and the mutations of community life (communities, discussions,
        /// memberships, subgroups).
        Write,
        /// Everything its person may do, administration included (organizations, access
        /// policy, identity providers, sessions and tokens).
        Admin,
    }
);

mirror!(
    /// Who may read a piece of content (a document, an event). Content starts at MEMBERS;
    /// reaching further is an authorised action (publishing), never a default.
    Audience = Audience {
        /// The people who may read the community's (or subgroup's) discussions.
        Members,
        /// Every logged-in person of the network, whether or not they may see the community.
        Network,
        /// Everyone, anonymous callers included.
        Public,
    }
);

// ---- Events (issue 13) ----------------------------------------------------------------

mirror!(
    /// What kind of event.
    EventKind = EventKind {
        /// A meeting of the community.
        Meeting,
        /// A webinar.
        Webinar,
        /// A workshop.
        Workshop,
        /// A talk by a guest speaker.
        GuestTalk,
        /// A discussion of cases.
        CaseDiscussion,
        /// A reading club.
        ReadingClub,
        /// A networking event.
        Networking,
        /// Anything else.
        Other,
    }
);

mirror!(
    /// Where an event takes place.
    EventMode = EventMode {
        /// At a place (`place`).
        InPerson,
        /// Online (`joinUrl`).
        Virtual,
        /// Both at a place and online.
        Hybrid,
    }
);

mirror!(
    /// A person's answer to an occurrence.
    RsvpResponse = RsvpResponse {
        /// Coming (given a place, or put on the waiting list when the event is full).
        Going,
        /// Perhaps coming (holds no place).
        Maybe,
        /// Not coming.
        Declined,
    }
);

mirror!(
    /// Whether a person attended an occurrence.
    AttendanceStatus = AttendanceStatus {
        /// Was there.
        Present,
        /// Was not there.
        Absent,
        /// Was not there, and had said so.
        Excused,
    }
);

/// Which occurrences of a recurring event an edit or a cancellation applies to (for an
/// event that does not recur, all three mean the event).
#[derive(async_graphql::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventEditScope {
    /// The occurrence named by `occurrenceId` only.
    This,
    /// The occurrence named by `occurrenceId` and every one after it (the series is split
    /// in two events from there).
    ThisAndFollowing,
    /// The whole event.
    All,
}

// ---- Library (documents) ----------------------------------------------------------------

mirror!(
    /// What a library document is.
    DocumentKind = DocumentKind {
        /// A practice guide.
        Guide,
        /// A procedure or protocol (an outbreak procedure…).
        Procedure,
        /// A decision-support or practice tool.
        Tool,
        /// Slides of a talk or meeting.
        Presentation,
        /// A report.
        Report,
        /// An article.
        Article,
        /// A template to fill in.
        Template,
        /// Anything else.
        Other,
    }
);

mirror!(
    /// Where a library document stands.
    DocumentStatus = DocumentStatus {
        /// Being written: read by the community's members only, whatever its audience.
        Draft,
        /// Published by a reporter, animator or administrator to its audience.
        Published,
        /// Kept but withdrawn (reversible: `unarchiveDocument`); read by members only.
        Archived,
    }
);

// ---- Discussions (issue 14) -------------------------------------------------------------

mirror!(
    /// What a thread is for.
    ThreadKind = ThreadKind {
        /// A conversation (the default).
        Discussion,
        /// A question: it waits for an answer, which the person who asked (or an animator
        /// or content expert) accepts.
        Question,
        /// A call to all (*appel à tous*): asking the community for experience or input.
        CallForInput,
        /// A case brought to the community for discussion.
        CaseDiscussion,
        /// An announcement (posted by the roles the policy allows: animators by default).
        Announcement,
    }
);

mirror!(
    /// The reactions a reply may get.
    Reaction = Reaction {
        /// The reply is useful.
        Useful,
        /// Thanks to its author.
        Thanks,
        /// Agreement with it.
        Agree,
    }
);

mirror!(
    /// Where a report of a reply stands.
    ReportStatus = ReportStatus {
        /// Waiting in the community's moderation queue.
        Open,
        /// A moderator found nothing to do.
        Dismissed,
        /// A moderator hid the reply.
        PostHidden,
    }
);

// ---- Time budget (issue 13) -------------------------------------------------------------

mirror!(
    /// What logged time went to.
    TimeCategory = TimeCategory {
        /// Preparing a meeting or an activity.
        Preparation,
        /// Reading and research for the community.
        Research,
        /// Taking part in a meeting (attendance creates these).
        Meeting,
        /// Mentoring a member.
        Mentoring,
        /// Producing the community's documents and tools.
        Production,
        /// Animating the community (may have its own allowance).
        Animation,
    }
);

mirror!(
    /// Where a time entry stands against the person's annual allowance.
    TimeEntryStatus = TimeEntryStatus {
        /// Within the allowance: it counts.
        Recorded,
        /// Past the allowance: waits for the sponsor of the person's own organization.
        PendingApproval,
        /// Past the allowance and approved: it counts.
        Approved,
        /// Past the allowance and refused (with a reason): kept, it does not count.
        Refused,
    }
);
