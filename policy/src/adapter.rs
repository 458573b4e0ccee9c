//! A casbin `Adapter` over sea-orm 2 (the public `sea-orm-adapter` crate targets sea-orm
//! 1). The enforcer loads through it; Maillage's own writes go through [`crate::store`]
//! inside the caller's transaction, and the enforcer is then reloaded.

use async_trait::async_trait;
use casbin::{Adapter, Filter, Model};
use sea_orm::{DatabaseConnection, SqliteTransactionMode, TransactionOptions, TransactionTrait};

use crate::{rules::Rule, store};

/// Loads and saves the policy in the `casbin_rule` table.
pub struct SeaOrmAdapter {
    db: DatabaseConnection,
}

impl SeaOrmAdapter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// Write transactions take SQLite's write lock up front: a deferred transaction that
/// reads before it writes fails with `SQLITE_BUSY_SNAPSHOT` when another writer commits
/// in between (review 2026-12-01, M6). PostgreSQL ignores the mode.
const WRITE: TransactionOptions = TransactionOptions {
    isolation_level: None,
    access_mode: None,
    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
};

fn storage(err: impl std::fmt::Display) -> casbin::Error {
    casbin::Error::from(casbin::error::AdapterError(Box::new(std::io::Error::other(err.to_string()))))
}

fn rule(ptype: &str, values: Vec<String>) -> casbin::Result<Rule> {
    Rule::from_parts(ptype, &values).map_err(storage)
}

#[async_trait]
impl Adapter for SeaOrmAdapter {
    async fn load_policy(&mut self, m: &mut dyn Model) -> casbin::Result<()> {
        for rule in store::load(&self.db).await.map_err(storage)? {
            let sec = if rule.ptype() == "p" { "p" } else { "g" };
            if let Some(assertion) = m.get_mut_model().get_mut(sec).and_then(|s| s.get_mut(rule.ptype())) {
                assertion.get_mut_policy().insert(rule.values());
            }
        }
        Ok(())
    }

    async fn load_filtered_policy<'a>(&mut self, m: &mut dyn Model, _f: Filter<'a>) -> casbin::Result<()> {
        // The policy is a small set of templates: it is always loaded whole.
        self.load_policy(m).await
    }

    async fn save_policy(&mut self, m: &mut dyn Model) -> casbin::Result<()> {
        let mut rules = Vec::new();
        for sec in ["p", "g"] {
            if let Some(assertion) = m.get_model().get(sec).and_then(|s| s.get(sec)) {
                for values in assertion.get_policy() {
                    rules.push(rule(sec, values.clone())?);
                }
            }
        }
        let txn = self.db.begin_with_options(WRITE).await.map_err(storage)?;
        store::replace_all(&txn, &rules).await.map_err(storage)?;
        txn.commit().await.map_err(storage)
    }

    async fn clear_policy(&mut self) -> casbin::Result<()> {
        let txn = self.db.begin_with_options(WRITE).await.map_err(storage)?;
        store::replace_all(&txn, &[]).await.map_err(storage)?;
        txn.commit().await.map_err(storage)
    }

    fn is_filtered(&self) -> bool {
        false
    }

    async fn add_policy(&mut self, _sec: &str, ptype: &str, values: Vec<String>) -> casbin::Result<bool> {
        store::add(&self.db, &rule(ptype, values)?).await.map_err(storage)
    }

    async fn add_policies(&mut self, _sec: &str, ptype: &str, rules: Vec<Vec<String>>) -> casbin::Result<bool> {
        let txn = self.db.begin_with_options(WRITE).await.map_err(storage)?;
        let mut added = false;
        for values in rules {
            added |= store::add(&txn, &rule(ptype, values)?).await.map_err(storage)?;
        }
        txn.commit().await.map_err(storage)?;
        Ok(added)
    }

    async fn remove_policy(&mut self, _sec: &str, ptype: &str, values: Vec<String>) -> casbin::Result<bool> {
        store::remove(&self.db, &rule(ptype, values)?).await.map_err(storage)
    }

    async fn remove_policies(&mut self, _sec: &str, ptype: &str, rules: Vec<Vec<String>>) -> casbin::Result<bool> {
        let txn = self.db.begin_with_options(WRITE).await.map_err(storage)?;
        let mut removed = false;
        for values in rules {
            removed |= store::remove(&txn, &rule(ptype, values)?).await.map_err(storage)?;
        }
        txn.commit().await.map_err(storage)?;
        Ok(removed)
    }

    async fn remove_filtered_policy(
        &mut self,
        _sec: &str,
        ptype: &str,
        field_index: usize,
        field_values: Vec<String>,
    ) -> casbin::Result<bool> {
        let txn = self.db.begin_with_options(WRITE).await.map_err(storage)?;
        let all = store::load(&txn).await.map_err(storage)?;
        let mut removed = false;
        for r in all.iter().filter(|r| r.ptype() == ptype) {
            let values = r.values();
            let matches = field_values
                .iter()
                .enumerate()
                .all(|(i, v)| v.is_empty() || values.get(field_index + i).is_some_and(|x| x == v));
            if matches {
                removed |= store::remove(&txn, r).await.map_err(storage)?;
            }
        }
        txn.commit().await.map_err(storage)?;
        Ok(removed)
    }
}
