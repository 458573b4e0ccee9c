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
        Other,
    }
);

mirror!(
    /// Whether an organization or a person takes part in the network.
    RecordStatus = RecordStatus { Active, Suspended }
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
    InteractionMode = InteractionMode { Virtual, InPerson, Hybrid }
);

mirror!(
    /// Development stage of a community of practice.
    Stage = Stage {
        Potential,
        /// *Unification*.
        Coalescing,
        Maturing,
        Momentum,
        Transformation,
    }
);

mirror!(
    /// Whether a participating organization still backs a community.
    ParticipationStatus = ParticipationStatus { Active, Withdrawn }
);

mirror!(
    /// Where a membership stands.
    MembershipStatus = MembershipStatus {
        /// Requested, awaiting approval.
        Pending,
        /// Invited, awaiting the person's answer.
        Invited,
        Active,
        Left,
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
        Administrator,
        Member,
        /// *Expert de contenu*.
        ContentExpert,
        /// *Veilleur*.
        Watcher,
        /// *Personne-ressource TI*.
        ItResource,
        Mentor,
        /// *Rapporteur*.
        Reporter,
    }
);

mirror!(
    /// The kind of a subgroup.
    SubgroupKind = SubgroupKind { WorkingGroup, InterestGroup }
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
