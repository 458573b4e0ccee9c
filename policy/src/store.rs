//! The policy in the database: `casbin_rule` lines and the `policy_state` generation.
//!
//! Every write takes the caller's connection, so a domain change and its policy change
//! commit (or roll back) together, and bumps the generation in the same transaction.
//! On PostgreSQL a trigger on `policy_state` (migration `m0026`) then notifies
//! `maillage_policy` at commit, and every server reloads at once; servers also compare
//! the generation now and then, and on SQLite that is how they learn of changes.

use chrono::Utc;
use entity::{casbin_rule, policy_state};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use crate::{error::PolicyError, rules::Rule};

const STATE_ROW: i32 = 1;

fn row(rule: &Rule) -> casbin_rule::ActiveModel {
    let mut values = rule.values();
    values.resize(8, String::new());
    casbin_rule::ActiveModel {
        ptype: Set(rule.ptype().to_owned()),
        v0: Set(values[0].clone()),
        v1: Set(values[1].clone()),
        v2: Set(values[2].clone()),
        v3: Set(values[3].clone()),
        v4: Set(values[4].clone()),
        v5: Set(values[5].clone()),
        v6: Set(values[6].clone()),
        v7: Set(values[7].clone()),
        ..Default::default()
    }
}

fn values_of(m: &casbin_rule::Model) -> Vec<String> {
    let all = [&m.v0, &m.v1, &m.v2, &m.v3, &m.v4, &m.v5, &m.v6, &m.v7];
    let n = if m.ptype == "g" { 2 } else { crate::rules::P_FIELDS };
    all.into_iter().take(n).cloned().collect()
}

/// Every stored rule, in insertion order. Rows that no longer validate are skipped and
/// logged (they can only come from edits outside Maillage).
pub async fn load<C: ConnectionTrait>(db: &C) -> Result<Vec<Rule>, PolicyError> {
    let rows = casbin_rule::Entity::find().order_by_asc(casbin_rule::Column::Id).all(db).await?;
    let mut rules = Vec::with_capacity(rows.len());
    for m in rows {
        match Rule::from_parts(&m.ptype, &values_of(&m)) {
            Ok(rule) => rules.push(rule),
            Err(err) => tracing::warn!(id = m.id, %err, "skipping an invalid stored policy rule"),
        }
    }
    Ok(rules)
}

fn matching(rule: &Rule) -> sea_orm::Select<casbin_rule::Entity> {
    let mut values = rule.values();
    values.resize(8, String::new());
    let columns = [
        casbin_rule::Column::V0,
        casbin_rule::Column::V1,
        casbin_rule::Column::V2,
        casbin_rule::Column::V3,
        casbin_rule::Column::V4,
        casbin_rule::Column::V5,
        casbin_rule::Column::V6,
        casbin_rule::Column::V7,
    ];
    let mut select = casbin_rule::Entity::find().filter(casbin_rule::Column::Ptype.eq(rule.ptype()));
    for (column, value) in columns.into_iter().zip(values) {
        select = select.filter(column.eq(value));
    }
    select
}

/// Whether the rule is stored.
pub async fn contains<C: ConnectionTrait>(db: &C, rule: &Rule) -> Result<bool, PolicyError> {
    Ok(matching(rule).count(db).await? > 0)
}

/// Adds a rule (validated) unless present; returns whether it was added.
pub async fn add<C: ConnectionTrait>(db: &C, rule: &Rule) -> Result<bool, PolicyError> {
    rule.validate()?;
    if contains(db, rule).await? {
        return Ok(false);
    }
    row(rule).insert(db).await?;
    bump_generation(db).await?;
    Ok(true)
}

/// Removes a rule; returns whether it was there.
pub async fn remove<C: ConnectionTrait>(db: &C, rule: &Rule) -> Result<bool, PolicyError> {
    let ids: Vec<i32> = matching(rule).all(db).await?.into_iter().map(|m| m.id).collect();
    if ids.is_empty() {
        return Ok(false);
    }
    casbin_rule::Entity::delete_many().filter(casbin_rule::Column::Id.is_in(ids)).exec(db).await?;
    bump_generation(db).await?;
    Ok(true)
}

/// Replaces the whole policy (validated beforehand by the caller).
pub async fn replace_all<C: ConnectionTrait>(db: &C, rules: &[Rule]) -> Result<(), PolicyError> {
    for rule in rules {
        rule.validate()?;
    }
    casbin_rule::Entity::delete_many().exec(db).await?;
    if !rules.is_empty() {
        casbin_rule::Entity::insert_many(rules.iter().map(row)).exec(db).await?;
    }
    bump_generation(db).await
}

/// Seeds the default policy into an empty table; returns whether it did.
pub async fn seed_if_empty<C: ConnectionTrait>(db: &C) -> Result<bool, PolicyError> {
    if casbin_rule::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let rules = Rule::parse_csv(crate::rules::DEFAULT_POLICY)?;
    replace_all(db, &rules).await?;
    Ok(true)
}

/// The current policy generation (0 before any policy was written).
pub async fn generation<C: ConnectionTrait>(db: &C) -> Result<i64, PolicyError> {
    Ok(policy_state::Entity::find_by_id(STATE_ROW).one(db).await?.map_or(0, |s| s.generation))
}

/// Increments the generation, so every server reloads its rules.
pub async fn bump_generation<C: ConnectionTrait>(db: &C) -> Result<(), PolicyError> {
    let now = Utc::now();
    match policy_state::Entity::find_by_id(STATE_ROW).one(db).await? {
        Some(state) => {
            let mut model: policy_state::ActiveModel = state.clone().into();
            model.generation = Set(state.generation + 1);
            model.updated_at = Set(now);
            model.update(db).await?;
        }
        None => {
            policy_state::ActiveModel { id: Set(STATE_ROW), generation: Set(1), updated_at: Set(now) }
                .insert(db)
                .await?;
        }
    }
    Ok(())
}
