//! Small builders shared by the migrations, so each one reads as its table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// `CREATE TABLE` with an auto-increment `id` primary key.
pub fn table(name: &'static str) -> TableCreateStatement {
    Table::create().table(name).if_not_exists().col(pk_auto("id")).take()
}

/// A foreign key from `table.column` to `target.id`.
pub fn foreign_key(
    table: &'static str,
    column: &'static str,
    target: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(on_delete)
        .on_update(ForeignKeyAction::Cascade)
        .take()
}

/// Creates a (possibly unique) index named after its table and columns.
pub async fn index(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(format!("ix_{table}_{}", columns.join("_"))).table(table);
    for column in columns {
        index.col(*column);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index).await
}

/// Drops a table (indexes go with it).
pub async fn drop_table(manager: &SchemaManager<'_>, table: &'static str) -> Result<(), DbErr> {
    manager.drop_table(Table::drop().table(table).take()).await
}

/// Creation and update timestamps.
pub fn with_timestamps(mut table: TableCreateStatement) -> TableCreateStatement {
    table.col(timestamp_with_time_zone("created_at")).col(timestamp_with_time_zone("updated_at"));
    table
}

/// A short string column holding an enum value.
pub fn enum_col(name: &'static str) -> ColumnDef {
    string_len(name, 64)
}
