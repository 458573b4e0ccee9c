//! Maillage's data model: sea-orm 2 entities and the enums stored in their columns.
//!
//! Nothing here knows about HTTP, GraphQL or casbin. Enums are stored as short upper-case
//! strings so that a database dump reads like the API.

pub mod api_client;
pub mod audit_event;
pub mod blob;
pub mod blob_chunk;
pub mod calendar_feed;
pub mod casbin_rule;
pub mod community;
pub mod community_organization;
pub mod document;
pub mod document_author;
pub mod document_theme;
pub mod document_version;
pub mod enums;
pub mod event;
pub mod event_attendance;
pub mod event_occurrence;
pub mod event_organizer;
pub mod event_rsvp;
pub mod identity_provider;
pub mod login_attempt;
pub mod login_code;
pub mod membership;
pub mod mention;
pub mod network_role;
pub mod organization;
pub mod organization_role;
pub mod organization_time_settings;
pub mod person;
pub mod person_expertise;
pub mod person_identity;
pub mod policy_state;
pub mod post;
pub mod post_reaction;
pub mod post_report;
pub mod post_revision;
pub mod session;
pub mod subgroup;
pub mod subgroup_member;
pub mod theme;
pub mod thread;
pub mod thread_reader;
pub mod time_allowance;
pub mod time_entry;
pub mod trusted_document;
pub mod wiki_page;
pub mod wiki_page_revision;

pub mod prelude {
    //! The entities under short names, for `use entity::prelude::*`.
    pub use crate::api_client::Entity as ApiClient;
    pub use crate::audit_event::Entity as AuditEvent;
    pub use crate::calendar_feed::Entity as CalendarFeed;
    pub use crate::casbin_rule::Entity as CasbinRule;
    pub use crate::community::Entity as Community;
    pub use crate::community_organization::Entity as CommunityOrganization;
    pub use crate::document::Entity as Document;
    pub use crate::document_version::Entity as DocumentVersion;
    pub use crate::event::Entity as Event;
    pub use crate::event_attendance::Entity as EventAttendance;
    pub use crate::event_occurrence::Entity as EventOccurrence;
    pub use crate::event_organizer::Entity as EventOrganizer;
    pub use crate::event_rsvp::Entity as EventRsvp;
    pub use crate::identity_provider::Entity as IdentityProvider;
    pub use crate::login_attempt::Entity as LoginAttempt;
    pub use crate::login_code::Entity as LoginCode;
    pub use crate::membership::Entity as Membership;
    pub use crate::network_role::Entity as NetworkRole;
    pub use crate::organization::Entity as Organization;
    pub use crate::organization_role::Entity as OrganizationRole;
    pub use crate::person::Entity as Person;
    pub use crate::person_expertise::Entity as PersonExpertise;
    pub use crate::person_identity::Entity as PersonIdentity;
    pub use crate::policy_state::Entity as PolicyState;
    pub use crate::post::Entity as Post;
    pub use crate::post_reaction::Entity as PostReaction;
    pub use crate::post_report::Entity as PostReport;
    pub use crate::post_revision::Entity as PostRevision;
    pub use crate::session::Entity as Session;
    pub use crate::subgroup::Entity as Subgroup;
    pub use crate::subgroup_member::Entity as SubgroupMember;
    pub use crate::theme::Entity as Theme;
    pub use crate::thread::Entity as Thread;
    pub use crate::thread_reader::Entity as ThreadReader;
    pub use crate::wiki_page::Entity as WikiPage;
    pub use crate::wiki_page_revision::Entity as WikiPageRevision;
}
