//! The needs catalogue (需求类别), kept as data (`catalogue/need_categories.json`): each
//! category in zh and en, and the life-circle facility categories it concerns.

use serde::{Deserialize, Serialize};

/// The catalogue lantu ships.
pub const DEFAULT: &str = include_str!("../../catalogue/need_categories.json");

/// One category of need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedCategory {
    /// Its id, stored with each need.
    pub id: String,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
    /// The facility categories (`GET /api/coverage/categories`) a need of this kind concerns:
    /// each need shows how far it is to walk to the nearest of them.
    pub facilities: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    about: String,
    categories: Vec<NeedCategory>,
}

/// Every category.
#[derive(Debug, Clone)]
pub struct NeedCatalogue {
    /// In the file's order.
    pub categories: Vec<NeedCategory>,
}

impl NeedCatalogue {
    /// Reads `text`; every facility category it names must be one of `facilities`.
    pub fn parse(text: &str, facilities: &[&str]) -> Result<Self, String> {
        let file: File =
            serde_json::from_str(text).map_err(|e| format!("the needs catalogue: {e}"))?;
        for c in &file.categories {
            if let Some(f) = c
                .facilities
                .iter()
                .find(|f| !facilities.contains(&f.as_str()))
            {
                return Err(format!(
                    "the needs catalogue's category {} names facility category {f}, which the facility catalogue lacks",
                    c.id
                ));
            }
        }
        let mut ids: Vec<&str> = file.categories.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err("the needs catalogue names a category twice".into());
        }
        Ok(Self {
            categories: file.categories,
        })
    }

    /// The category `id`.
    pub fn get(&self, id: &str) -> Option<&NeedCategory> {
        self.categories.iter().find(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogue_names_only_facility_categories_that_exist() {
        let facilities =
            crate::coverage::Catalogue::parse(crate::coverage::catalogue::DEFAULT).unwrap();
        let ids: Vec<&str> = facilities
            .categories
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        let needs = NeedCatalogue::parse(DEFAULT, &ids).unwrap();
        assert!(needs.get("elderly_care").is_some());
        assert!(NeedCatalogue::parse(DEFAULT, &["park"]).is_err());
    }
}
