//! Maillage's schema migrations, one per table, reversible, run on SQLite and PostgreSQL
//! alike. Every foreign key has an index; enums are stored as short strings.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m0001_organization;
mod m0002_person;
mod m0003_network_role;
mod m0004_organization_role;
mod m0005_community;
mod m0006_community_organization;
mod m0007_membership;
mod m0008_subgroup;
mod m0009_thread;
mod m0010_post;
mod m0011_audit_event;
mod m0012_session;
mod m0013_casbin_rule;
mod m0014_subgroup_member;
mod m0015_membership_approval;
mod m0016_community_visibility_index;
mod m0017_identity_provider;
mod m0018_person_identity;
mod m0019_login_attempt;
mod m0020_login_code;
mod m0021_sso_columns;
mod m0022_audit_scope;
mod m0023_audit_client_request_id;
mod m0024_membership_key_holders;
mod m0025_login_binding;
mod m0026_change_notifications;
mod m0027_personal_access_token;
mod m0028_api_client;
mod m0029_list_order_indexes;
mod m0030_blob;
mod m0031_document;
mod m0032_document_version;
mod m0033_wiki_page;
mod m0034_theme;
mod m0040_event;
mod m0041_event_organizer;
mod m0042_event_occurrence;
mod m0043_event_rsvp;
mod m0044_calendar_feed;
mod m0060_trusted_document;
mod m0061_organization_time_settings;
mod m0062_time_allowance;
mod m0063_time_entry;
// Discussions (issue 14).
mod m0035_document_published_version;
mod m0050_discussion_kinds;
mod m0051_post_revision;
mod m0052_post_reaction;
mod m0053_moderation;
mod m0054_post_report;
mod m0055_thread_reader;
// Library list (issue 12, item 4).
mod m0065_library_order_indexes;
// Directory and mentions (issue 14).
mod m0070_person_profile;
mod m0071_mention;
mod m0072_translation;
mod m0073_translated_into;

/// Every migration, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_organization::Migration),
            Box::new(m0002_person::Migration),
            Box::new(m0003_network_role::Migration),
            Box::new(m0004_organization_role::Migration),
            Box::new(m0005_community::Migration),
            Box::new(m0006_community_organization::Migration),
            Box::new(m0007_membership::Migration),
            Box::new(m0008_subgroup::Migration),
            Box::new(m0009_thread::Migration),
            Box::new(m0010_post::Migration),
            Box::new(m0011_audit_event::Migration),
            Box::new(m0012_session::Migration),
            Box::new(m0013_casbin_rule::Migration),
            Box::new(m0014_subgroup_member::Migration),
            Box::new(m0015_membership_approval::Migration),
            Box::new(m0016_community_visibility_index::Migration),
            Box::new(m0017_identity_provider::Migration),
            Box::new(m0018_person_identity::Migration),
            Box::new(m0019_login_attempt::Migration),
            Box::new(m0020_login_code::Migration),
            Box::new(m0021_sso_columns::Migration),
            Box::new(m0022_audit_scope::Migration),
            Box::new(m0023_audit_client_request_id::Migration),
            Box::new(m0024_membership_key_holders::Migration),
            Box::new(m0025_login_binding::Migration),
            Box::new(m0026_change_notifications::Migration),
            Box::new(m0027_personal_access_token::Migration),
            Box::new(m0028_api_client::Migration),
            Box::new(m0029_list_order_indexes::Migration),
            Box::new(m0060_trusted_document::Migration),
            Box::new(m0040_event::Migration),
            Box::new(m0041_event_organizer::Migration),
            Box::new(m0042_event_occurrence::Migration),
            Box::new(m0043_event_rsvp::Migration),
            Box::new(m0044_calendar_feed::Migration),
            Box::new(m0030_blob::Migration),
            Box::new(m0031_document::Migration),
            Box::new(m0032_document_version::Migration),
            Box::new(m0033_wiki_page::Migration),
            Box::new(m0034_theme::Migration),
            Box::new(m0050_discussion_kinds::Migration),
            Box::new(m0051_post_revision::Migration),
            Box::new(m0052_post_reaction::Migration),
            Box::new(m0053_moderation::Migration),
            Box::new(m0054_post_report::Migration),
            Box::new(m0035_document_published_version::Migration),
            Box::new(m0055_thread_reader::Migration),
            Box::new(m0061_organization_time_settings::Migration),
            Box::new(m0062_time_allowance::Migration),
            Box::new(m0063_time_entry::Migration),
            Box::new(m0065_library_order_indexes::Migration),
            Box::new(m0070_person_profile::Migration),
            Box::new(m0071_mention::Migration),
            Box::new(m0072_translation::Migration),
            Box::new(m0073_translated_into::Migration),
        ]
    }
}
