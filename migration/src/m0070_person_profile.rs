//! The profile fields a person controls for the directory (issue 14): region, languages,
//! declared expertise (tags in `person_expertise`, and a short text), and who may see
//! each field (NETWORK, COMMUNITIES, PRIVATE). Job title and profession already exist.
//! Expressions indexes on `lower(profession)` and `lower(region)` serve the directory's
//! filters, which match those fields without regard to case.

use crate::helpers::*;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Columns added to `person`, one statement each (SQLite alters one column at a time).
/// Job title, profession, region, languages and expertise are seen by the whole network
/// by default (as job title and profession were); e-mail addresses keep their rule:
/// people who share an active community or an organization.
fn person_columns() -> Vec<ColumnDef> {
    vec![
        string_len_null("region", 200),
        string_len_null("languages", 400),
        text_null("expertise_text"),
        enum_col("job_title_visibility").default("NETWORK").take(),
        enum_col("profession_visibility").default("NETWORK").take(),
        enum_col("region_visibility").default("NETWORK").take(),
        enum_col("languages_visibility").default("NETWORK").take(),
        enum_col("expertise_visibility").default("NETWORK").take(),
        enum_col("email_visibility").default("COMMUNITIES").take(),
    ]
}

const COLUMNS: [&str; 9] = [
    "region",
    "languages",
    "expertise_text",
    "job_title_visibility",
    "profession_visibility",
    "region_visibility",
    "languages_visibility",
    "expertise_visibility",
    "email_visibility",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in person_columns() {
            manager.alter_table(Table::alter().table("person").add_column(&mut column).take()).await?;
        }
        let mut t = table("person_expertise");
        t.col(integer("person_id"))
            .col(string_len("tag", 50))
            // The tag lower-cased: what filters compare.
            .col(string_len("tag_key", 50))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut foreign_key("person_expertise", "person_id", "person", ForeignKeyAction::Cascade));
        manager.create_table(t).await?;
        index(manager, "person_expertise", &["person_id", "tag_key"], true).await?;
        // `people(filter: { expertise })`: the people with a tag, one index range.
        index(manager, "person_expertise", &["tag_key", "person_id"], false).await?;
        let db = manager.get_connection();
        for column in ["profession", "region"] {
            db.execute_unprepared(&format!("CREATE INDEX ix_person_lower_{column} ON person (lower({column}))"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for column in ["profession", "region"] {
            db.execute_unprepared(&format!("DROP INDEX ix_person_lower_{column}")).await?;
        }
        drop_table(manager, "person_expertise").await?;
        for column in COLUMNS {
            manager.alter_table(Table::alter().table("person").drop_column(column).take()).await?;
        }
        Ok(())
    }
}
