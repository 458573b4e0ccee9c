//! The origins of partner front ends (from every organization's `allowedReturnUrls`),
//! which browsers may call the API from (CORS), kept in memory: loaded at start,
//! reloaded after a change here and every few seconds for changes made on replicas.

use std::{collections::HashSet, sync::RwLock};

use entity::organization;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use url::Url;

/// The allowed origins (`https://portail.cisss.example`).
#[derive(Debug, Default)]
pub struct FrontEnds {
    origins: RwLock<HashSet<String>>,
}

impl FrontEnds {
    /// Whether a browser on `origin` may call the API.
    pub fn allows(&self, origin: &[u8]) -> bool {
        let Ok(origin) = std::str::from_utf8(origin) else { return false };
        self.origins.read().map(|set| set.contains(origin)).unwrap_or(false)
    }

    /// Reads every organization's front ends again.
    pub async fn reload<C: ConnectionTrait>(&self, db: &C) -> Result<(), sea_orm::DbErr> {
        let lists: Vec<Option<serde_json::Value>> = organization::Entity::find()
            .select_only()
            .column(organization::Column::AllowedReturnUrls)
            .filter(organization::Column::AllowedReturnUrls.is_not_null())
            .into_tuple()
            .all(db)
            .await?;
        let origins: HashSet<String> = lists
            .iter()
            .flatten()
            .filter_map(|v| v.as_array())
            .flatten()
            .filter_map(|v| v.as_str())
            .filter_map(|s| Url::parse(s).ok())
            .map(|url| url.origin().ascii_serialization())
            .collect();
        if let Ok(mut set) = self.origins.write() {
            *set = origins;
        }
        Ok(())
    }
}
