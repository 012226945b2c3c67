//! Evaluation sheets (考核表) as data (`catalogue/evaluation_templates.json`): groups, items and
//! their maximum points, each item computed from records by a [`Rule`] or scored by the
//! evaluator within a range, with a guide and bands; the result thresholds and what each means
//! for renewal. Read and checked once at start-up, like the facility catalogue.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::evidence::Metric;

/// The templates lantu ships: Binjiang's term sheet (seed `003_…`) and Putuo's criteria
/// (seed `000_…`, 第七条).
pub const DEFAULT: &str = include_str!("../../catalogue/evaluation_templates.json");

/// How a computed item's points follow from the records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// `points` for each record `metric` counts, up to the item's maximum.
    PerRecord {
        /// What is counted.
        metric: Metric,
        /// Points for each.
        points: f64,
    },
    /// `points` once `metric` counts `count` or more.
    AtLeast {
        /// What is counted.
        metric: Metric,
        /// How many are needed.
        count: u32,
        /// Points then.
        points: f64,
    },
    /// The maximum times the share of the agreement's on-site hours logged (at most all).
    HoursShare,
}

impl Rule {
    /// The metric the rule reads.
    pub fn metric(&self) -> Metric {
        match self {
            Self::PerRecord { metric, .. } | Self::AtLeast { metric, .. } => *metric,
            Self::HoursShare => Metric::Hours,
        }
    }
}

/// A band of a manual score (满意 8–10).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lowest points of the band.
    pub from: f64,
    /// Highest points of the band.
    pub to: f64,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
}

/// How the evaluator scores a manual item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Manual {
    /// The guide, in Chinese.
    pub guide_zh: String,
    /// The guide, in English.
    pub guide_en: String,
    /// The bands, if the sheet names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
}

/// One item of a sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Its id (`3.1`).
    pub id: String,
    /// What it asks, in Chinese (the sheet's words).
    pub text_zh: String,
    /// What it asks, in English.
    pub text_en: String,
    /// Its maximum points (it scores from 0).
    pub max: f64,
    /// Computed from records.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// Scored by the evaluator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manual: Option<Manual>,
    /// Further records the evaluator sees beside it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Metric>,
}

impl Item {
    /// Every metric whose records the item shows: its rule's, then its evidence.
    pub fn metrics(&self) -> Vec<Metric> {
        let mut metrics: Vec<Metric> = self.rule.iter().map(Rule::metric).collect();
        for m in &self.evidence {
            if !metrics.contains(m) {
                metrics.push(*m);
            }
        }
        metrics
    }
}

/// A group of items (考核项目).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// Its id (`3`).
    pub id: String,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
    /// Its maximum: the sum of its items'.
    pub max: f64,
    /// Its items.
    pub items: Vec<Item>,
}

/// What a result means for renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Renewal {
    /// May be appointed again, and is recommended.
    Eligible,
    /// The appointing body decides.
    Allowed,
    /// May not be appointed again.
    Refused,
}

/// A result and its threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultLevel {
    /// Its id (`excellent`, `pass`, `fail`).
    pub id: String,
    /// The lowest total that reaches it.
    pub at_least: f64,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
    /// What it means for renewal.
    pub renewal: Renewal,
    /// Its consequences, in Chinese (the rules' words).
    pub consequence_zh: String,
    /// Its consequences, in English.
    pub consequence_en: String,
}

/// One evaluation sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Its id, stored with each evaluation.
    pub id: String,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
    /// Where it comes from.
    pub source: String,
    /// The total points: the sum of the groups' maxima.
    pub total: f64,
    /// The groups, in the sheet's order.
    pub groups: Vec<Group>,
    /// The results, highest threshold first; the last starts at 0.
    pub results: Vec<ResultLevel>,
}

impl Template {
    /// Every item, in the sheet's order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.groups.iter().flat_map(|g| g.items.iter())
    }

    /// The item `id`.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items().find(|i| i.id == id)
    }

    /// The result a total reaches.
    pub fn result(&self, total: f64) -> &ResultLevel {
        self.results
            .iter()
            .find(|r| total >= r.at_least)
            .unwrap_or_else(|| &self.results[self.results.len() - 1])
    }

    fn check(&self) -> Result<(), String> {
        let at = |what: String| format!("evaluation template {}: {what}", self.id);
        let mut ids: Vec<&str> = self.items().map(|i| i.id.as_str()).collect();
        ids.sort_unstable();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(at(format!("item {} appears twice", w[0])));
        }
        for g in &self.groups {
            let sum: f64 = g.items.iter().map(|i| i.max).sum();
            if (sum - g.max).abs() > 1e-9 {
                return Err(at(format!(
                    "group {}'s items add up to {sum}, not its maximum {}",
                    g.id, g.max
                )));
            }
            for i in &g.items {
                if i.max <= 0.0 {
                    return Err(at(format!("item {} has no points", i.id)));
                }
                match (&i.rule, &i.manual) {
                    (Some(_), Some(_)) | (None, None) => {
                        return Err(at(format!(
                            "item {} needs exactly one of rule and manual",
                            i.id
                        )));
                    }
                    (Some(Rule::PerRecord { points, .. }), None) if *points <= 0.0 => {
                        return Err(at(format!("item {}'s rule gives no points", i.id)));
                    }
                    (Some(Rule::AtLeast { points, .. }), None)
                        if *points <= 0.0 || *points > i.max =>
                    {
                        return Err(at(format!(
                            "item {}'s rule gives {points} points, outside 0–{}",
                            i.id, i.max
                        )));
                    }
                    (None, Some(m)) => {
                        if let Some(b) = m
                            .bands
                            .iter()
                            .find(|b| b.from < 0.0 || b.to > i.max || b.from > b.to)
                        {
                            return Err(at(format!(
                                "item {}'s band {} ({}–{}) lies outside 0–{}",
                                i.id, b.name_en, b.from, b.to, i.max
                            )));
                        }
                    }
                    _ => {}
                }
            }
        }
        let sum: f64 = self.groups.iter().map(|g| g.max).sum();
        if (sum - self.total).abs() > 1e-9 {
            return Err(at(format!(
                "the groups add up to {sum}, not the total {}",
                self.total
            )));
        }
        let descending = self
            .results
            .windows(2)
            .all(|w| w[0].at_least > w[1].at_least);
        if !descending || self.results.last().is_none_or(|r| r.at_least != 0.0) {
            return Err(at(
                "results must run from the highest threshold down to one at 0".into(),
            ));
        }
        Ok(())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[allow(dead_code)]
    about: String,
    templates: Vec<Template>,
}

/// Every template.
#[derive(Debug, Clone)]
pub struct Templates {
    /// In the file's order.
    pub templates: Vec<Template>,
}

impl Templates {
    /// Reads and checks `text`: items add up to their groups, groups to the total, each item
    /// computed or manual, bands within range, results from the highest down to 0.
    pub fn parse(text: &str) -> Result<Self, String> {
        let file: File =
            serde_json::from_str(text).map_err(|e| format!("the evaluation templates: {e}"))?;
        let mut ids: Vec<&str> = file.templates.iter().map(|t| t.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) || ids.is_empty() {
            return Err("the evaluation templates name a template twice, or none".into());
        }
        for t in &file.templates {
            t.check()?;
        }
        Ok(Self {
            templates: file.templates,
        })
    }

    /// The template `id`.
    pub fn get(&self, id: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binjiangs_sheet_has_the_seeds_seven_groups_fourteen_items_and_a_hundred_points() {
        let templates = Templates::parse(DEFAULT).unwrap();
        let b = templates.get("binjiang").unwrap();
        let groups: Vec<(&str, f64)> = b
            .groups
            .iter()
            .map(|g| (g.name_zh.as_str(), g.max))
            .collect();
        assert_eq!(
            groups,
            [
                ("团队配备", 10.0),
                ("引领指导", 20.0),
                ("专业咨询", 15.0),
                ("设计把控", 10.0),
                ("实施协调", 10.0),
                ("公共参与", 25.0),
                ("综合满意度评价", 10.0)
            ]
        );
        assert_eq!(b.items().count(), 14);
        assert_eq!(b.total, 100.0);
        assert_eq!(b.result(90.0).id, "excellent");
        assert_eq!(b.result(89.5).id, "pass");
        assert_eq!(b.result(75.0).id, "pass");
        assert_eq!(b.result(74.0).id, "fail");
        assert_eq!(b.result(74.0).renewal, Renewal::Refused);
        let putuo = templates.get("putuo").unwrap();
        assert_eq!(putuo.groups.len(), 4);
        assert_eq!(putuo.total, 100.0);
    }

    #[test]
    fn a_sheet_whose_items_do_not_add_up_to_their_group_is_refused_naming_the_group() {
        let broken = DEFAULT.replacen(
            "\"max\": 15,\n     \"items\"",
            "\"max\": 16,\n     \"items\"",
            1,
        );
        assert_ne!(broken, DEFAULT, "the fixture text moved");
        let err = Templates::parse(&broken).unwrap_err();
        assert!(err.contains("group 3"), "{err}");
        let unknown = DEFAULT.replacen(
            "guidance_opinions\", \"points\"",
            "opinions\", \"points\"",
            1,
        );
        assert_ne!(unknown, DEFAULT);
        assert!(Templates::parse(&unknown).unwrap_err().contains("opinions"));
    }
}
