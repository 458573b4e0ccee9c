//! The origins of partner front ends (from every organization's `allowedReturnUrls`),
//! which browsers may call the API from (CORS), kept in memory: loaded at start,
//! reloaded after a change here and every few seconds for changes made on replicas.
//! With each origin, the organizations that require requests from it to use their
//! trusted documents (`trusted_documents_required`).

use std::{
    collections::{HashMap, HashSet},
    sync::RwLock,
};

use entity::organization;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use url::Url;

/// The allowed origins (`https://portail.cisss.example`), each with the organizations
/// requiring their trusted documents from it (most often none).
#[derive(Debug, Default)]
pub struct FrontEnds {
    origins: RwLock<HashMap<String, Vec<i32>>>,
}

impl FrontEnds {
    /// Whether a browser on `origin` may call the API.
    pub fn allows(&self, origin: &[u8]) -> bool {
        let Ok(origin) = std::str::from_utf8(origin) else { return false };
        self.origins.read().map(|map| map.contains_key(origin)).unwrap_or(false)
    }

    /// The organizations whose trusted documents a request from `origin` must use (empty:
    /// any operation).
    pub fn requiring(&self, origin: &[u8]) -> Vec<i32> {
        let Ok(origin) = std::str::from_utf8(origin) else { return Vec::new() };
        self.origins.read().ok().and_then(|map| map.get(origin).cloned()).unwrap_or_default()
    }

    /// Reads every organization's front ends again.
    pub async fn reload<C: ConnectionTrait>(&self, db: &C) -> Result<(), sea_orm::DbErr> {
        let lists: Vec<(i32, Option<serde_json::Value>, bool)> = organization::Entity::find()
            .select_only()
            .column(organization::Column::Id)
            .column(organization::Column::AllowedReturnUrls)
            .column(organization::Column::TrustedDocumentsRequired)
            .filter(organization::Column::AllowedReturnUrls.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        let mut origins: HashMap<String, Vec<i32>> = HashMap::new();
        for (id, urls, required) in &lists {
            let of_this: HashSet<String> = urls
                .iter()
                .filter_map(|v| v.as_array())
                .flatten()
                .filter_map(|v| v.as_str())
                .filter_map(|s| Url::parse(s).ok())
                .map(|url| url.origin().ascii_serialization())
                .collect();
            for origin in of_this {
                let requiring = origins.entry(origin).or_default();
                if *required {
                    requiring.push(*id);
                }
            }
        }
        if let Ok(mut map) = self.origins.write() {
            *map = origins;
        }
        Ok(())
    }
}
