//! The facility catalogue (设施目录): categories with their walking thresholds, the standard
//! each comes from, and the OpenStreetMap tags that identify them. Data, not code: lantu ships
//! `catalogue/facility_categories.json` and reads it here.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The catalogue lantu ships.
pub const DEFAULT: &str = include_str!("../../catalogue/facility_categories.json");

/// One kind of facility.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Stable id (`kindergarten`).
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The life circle it belongs to (5, 10 or 15 minutes), if any.
    pub life_circle_minutes: Option<u32>,
    /// Walking threshold in metres along the network (in the file: `threshold_m`, or
    /// `threshold_minutes` at the default walking speed).
    #[serde(default)]
    pub threshold_m: f64,
    /// The threshold as the file gave it in minutes, if it did.
    #[serde(default)]
    pub threshold_minutes: Option<f64>,
    /// Where the threshold comes from (a standard's clause, or practice).
    pub source: String,
    /// Tag alternatives: a feature matches when every tag of one alternative matches.
    pub osm: Vec<Rule>,
}

/// One tag alternative, as the file gives it: a plain map of tags, or the tags with where the
/// rule comes from and the option that must be chosen for it to count.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Rule {
    /// Tags, with the rule's source and option.
    Full {
        /// The tags: a key ending in `~` matches a value containing the text; a key ending in
        /// `!` matches a feature without that key (its value is ignored).
        tags: BTreeMap<String, String>,
        /// Where the tagging comes from (the OSM wiki page, a national practice).
        #[serde(default)]
        source: Option<String>,
        /// The catalogue option that must be chosen for the rule to count (`options`).
        #[serde(default)]
        option: Option<String>,
    },
    /// Just the tags.
    Tags(BTreeMap<String, String>),
}

impl Rule {
    /// The rule's tags.
    pub fn tags(&self) -> &BTreeMap<String, String> {
        match self {
            Self::Full { tags, .. } | Self::Tags(tags) => tags,
        }
    }

    /// The option the rule needs, if any.
    pub fn option(&self) -> Option<&str> {
        match self {
            Self::Full { option, .. } => option.as_deref(),
            Self::Tags(_) => None,
        }
    }

    /// Whether a feature with these tags matches.
    fn matches<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>) -> bool {
        self.tags().iter().all(|(key, want)| {
            if let Some(key) = key.strip_suffix('~') {
                tag(key).is_some_and(|v| v.contains(want.as_str()))
            } else if let Some(key) = key.strip_suffix('!') {
                tag(key).is_none()
            } else {
                // OSM's value lists (`isced:level=1;2`, a school of both levels) match each
                // of their values.
                tag(key).is_some_and(|v| v == want || v.split(';').any(|one| one.trim() == want))
            }
        })
    }
}

impl Category {
    /// Whether an OSM feature with these tags is of this category, by a rule that needs no
    /// option or one of `chosen`.
    pub fn matches<'a>(&self, tag: impl Fn(&str) -> Option<&'a str>, chosen: &[String]) -> bool {
        self.osm.iter().any(|rule| {
            rule.option().is_none_or(|o| chosen.iter().any(|c| c == o)) && rule.matches(&tag)
        })
    }

    /// Whether only a rule whose option is not chosen would make it of this category.
    pub fn left_out<'a>(
        &self,
        tag: impl Fn(&str) -> Option<&'a str>,
        chosen: &[String],
    ) -> Option<&str> {
        if self.matches(&tag, chosen) {
            return None;
        }
        self.osm
            .iter()
            .find(|rule| rule.option().is_some() && rule.matches(&tag))
            .and_then(Rule::option)
    }
}

/// Walking speeds in metres per minute.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Speeds {
    /// The usual speed.
    pub default: f64,
    /// The elderly profile.
    pub elderly: f64,
    /// Where the values come from.
    pub note: String,
}

/// The whole catalogue.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// What the file is.
    pub about: String,
    /// Walking speeds.
    pub walking_speed_m_per_min: Speeds,
    /// Rules that count only when chosen (`lantu import osm --count OPTION`), by name, with
    /// what each means.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
    /// The options chosen for this import.
    #[serde(skip)]
    pub chosen: Vec<String>,
    /// The categories.
    pub categories: Vec<Category>,
}

impl Catalogue {
    /// Reads and checks a catalogue: unique ids, positive thresholds and speeds, a source for
    /// every threshold, at least one tag alternative per category.
    pub fn parse(json: &str) -> Result<Self, String> {
        let catalogue: Self = serde_json::from_str(json)
            .map_err(|e| format!("the facility catalogue is not valid: {e}"))?;
        let speeds = &catalogue.walking_speed_m_per_min;
        if !(speeds.default > 0.0 && speeds.elderly > 0.0) {
            return Err("walking speeds must be positive".into());
        }
        let mut catalogue = catalogue;
        let speed = catalogue.walking_speed_m_per_min.default;
        for c in &mut catalogue.categories {
            match (c.threshold_m > 0.0, c.threshold_minutes) {
                (true, Some(_)) => {
                    return Err(format!(
                        "category {}: give threshold_m or threshold_minutes, not both",
                        c.id
                    ));
                }
                (false, Some(minutes)) if minutes > 0.0 && minutes.is_finite() => {
                    c.threshold_m = minutes * speed;
                }
                _ => {}
            }
        }
        let mut seen = std::collections::HashSet::new();
        for c in &catalogue.categories {
            if !seen.insert(c.id.as_str()) {
                return Err(format!("category {} appears twice", c.id));
            }
            if !(c.threshold_m > 0.0 && c.threshold_m.is_finite()) {
                return Err(format!(
                    "category {}: give a positive threshold_m (metres) or threshold_minutes",
                    c.id
                ));
            }
            if c.source.trim().is_empty() {
                return Err(format!(
                    "category {}: say which standard or practice the threshold comes from",
                    c.id
                ));
            }
            if c.osm.is_empty() || c.osm.iter().any(|r| r.tags().is_empty()) {
                return Err(format!(
                    "category {}: give at least one non-empty OSM tag alternative",
                    c.id
                ));
            }
            if let Some(o) = c
                .osm
                .iter()
                .filter_map(Rule::option)
                .find(|o| !catalogue.options.contains_key(*o))
            {
                return Err(format!(
                    "category {}: option {o} is not described under options",
                    c.id
                ));
            }
        }
        Ok(catalogue)
    }

    /// The category with this id.
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// The catalogue with `options` chosen; an option it does not describe is refused, naming
    /// the ones it does.
    pub fn choosing(mut self, options: &[String]) -> Result<Self, String> {
        if let Some(o) = options.iter().find(|o| !self.options.contains_key(*o)) {
            return Err(format!(
                "no catalogue option {o}; the options are {}",
                self.options.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        self.chosen = options.to_vec();
        Ok(self)
    }

    /// The categories an OSM feature with these tags belongs to, by the rules chosen.
    pub fn classify<'s, 'a>(
        &'s self,
        tag: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> impl Iterator<Item = &'s Category> {
        self.categories
            .iter()
            .filter(move |c| c.matches(tag, &self.chosen))
    }

    /// The categories a feature would belong to by a rule whose option is not chosen, with
    /// that option: what an import leaves out, to say so.
    pub fn left_out<'s, 'a>(
        &'s self,
        tag: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> impl Iterator<Item = (&'s Category, &'s str)> {
        self.categories
            .iter()
            .filter_map(move |c| c.left_out(tag, &self.chosen).map(|o| (c, o)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<&'static str> + Copy {
        move |k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v)
    }

    #[test]
    fn the_shipped_catalogue_reads_and_keeps_the_standard_thresholds() {
        let c = Catalogue::parse(DEFAULT).unwrap();
        let threshold = |id: &str| c.category(id).unwrap().threshold_m;
        assert_eq!(
            (
                threshold("kindergarten"),
                threshold("primary_school"),
                threshold("community_health_centre")
            ),
            (300.0, 500.0, 1000.0)
        );
        assert!(
            c.categories
                .iter()
                .all(|x| x.source.contains("GB 50180") || !x.source.is_empty())
        );
    }

    #[test]
    fn a_threshold_in_minutes_is_walked_at_the_default_speed() {
        let mut doc: serde_json::Value = serde_json::from_str(DEFAULT).unwrap();
        let first = doc["categories"][0].as_object_mut().unwrap();
        first.remove("threshold_m");
        first.insert("threshold_minutes".into(), 5.into());
        let c = Catalogue::parse(&doc.to_string()).unwrap();
        assert_eq!(c.categories[0].threshold_m, 400.0, "5 min × 80 m/min");
    }

    #[test]
    fn osm_tags_find_their_categories_including_by_chinese_name() {
        let c = Catalogue::parse(DEFAULT).unwrap();
        let ids = |t| c.classify(t).map(|x| x.id.as_str()).collect::<Vec<_>>();
        assert_eq!(ids(tags(&[("amenity", "kindergarten")])), ["kindergarten"]);
        assert_eq!(
            ids(tags(&[("amenity", "school"), ("name", "曹杨第二中学")])),
            ["junior_high_school"]
        );
        assert_eq!(
            ids(tags(&[("amenity", "school"), ("name", "普陀区沙田学校")])),
            Vec::<&str>::new()
        );
        assert_eq!(ids(tags(&[("highway", "bus_stop")])), ["bus_stop"]);
        // A school of both levels, tagged as OSM lists values.
        assert_eq!(
            ids(tags(&[("amenity", "school"), ("isced:level", "1; 2")])),
            ["primary_school", "junior_high_school"]
        );
    }

    #[test]
    fn a_catalogue_with_a_duplicate_or_a_threshold_without_a_source_is_refused() {
        let mut doc: serde_json::Value = serde_json::from_str(DEFAULT).unwrap();
        doc["categories"][1]["id"] = doc["categories"][0]["id"].clone();
        assert!(
            Catalogue::parse(&doc.to_string())
                .unwrap_err()
                .contains("twice")
        );
        let mut doc: serde_json::Value = serde_json::from_str(DEFAULT).unwrap();
        doc["categories"][0]["threshold_minutes"] = 5.into();
        assert!(
            Catalogue::parse(&doc.to_string())
                .unwrap_err()
                .contains("not both")
        );
        let mut doc: serde_json::Value = serde_json::from_str(DEFAULT).unwrap();
        doc["categories"][0]["source"] = "".into();
        assert!(
            Catalogue::parse(&doc.to_string())
                .unwrap_err()
                .contains("standard")
        );
    }
}
