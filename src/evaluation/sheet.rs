//! An evaluation's sheet: every item of its template, computed items pre-filled from the
//! records ([`super::evidence`]) with how the points follow, the evaluator's scores and reasons
//! over them, the evidence beside each, the total and the result it reaches. Until confirmed the
//! sheet is built afresh on each read, so it fills as the planner logs; confirming keeps it as
//! it is.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::evidence::{Count, Evidence, Metric, Records, Scope, gather};
use super::records::RecordFile;
use super::store::{Evaluation, Score, Status};
use super::template::{Manual, Renewal, ResultLevel, Rule, Template};
use crate::planners::Appointment;

/// The evaluator's score over an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Adjustment {
    /// The points given.
    pub points: f64,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who.
    pub by: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// One metric shown beside an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ItemEvidence {
    /// The metric.
    pub metric: Metric,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
    /// Its value (how many, hours, percent; none without data).
    pub value: Option<f64>,
    /// The records behind it.
    pub records: Vec<Evidence>,
}

/// One item as filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SheetItem {
    /// Its id.
    pub id: String,
    /// What it asks, in Chinese.
    pub text_zh: String,
    /// What it asks, in English.
    pub text_en: String,
    /// Its maximum.
    pub max: f64,
    /// Its rule, for a computed item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// Its guide and bands, for a manual item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manual: Option<Manual>,
    /// The points the records give (computed items; none when they cannot be computed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub computed: Option<f64>,
    /// How the computed points follow, in Chinese and English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// The evaluator's score, over the computed points or for a manual item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted: Option<Adjustment>,
    /// The points that count: the evaluator's, else the computed; none while unscored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
    /// The records beside it.
    pub evidence: Vec<ItemEvidence>,
}

/// One group as filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SheetGroup {
    /// Its id.
    pub id: String,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its name in English.
    pub name_en: String,
    /// Its maximum.
    pub max: f64,
    /// Its points so far.
    pub points: f64,
    /// Its items.
    pub items: Vec<SheetItem>,
}

/// Who and what is evaluated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Evaluated {
    /// The appointment's id.
    pub appointment: i64,
    /// As what (`subdistrict`, …).
    pub kind: String,
    /// The holder: a team's name or a person's.
    pub holder: String,
    /// The units, with their names.
    pub units: Vec<String>,
    /// The term's first day.
    pub starts_on: NaiveDate,
    /// The term's last day.
    pub ends_on: NaiveDate,
    /// The appointing body.
    pub appointed_by: String,
    /// The agreement's on-site hours per month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub onsite_hours: Option<f64>,
}

/// An evaluation's sheet, as the API and the printable page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Sheet {
    /// The evaluation's id.
    pub id: i64,
    /// Its status.
    #[schema(value_type = String)]
    pub status: String,
    /// The template's id.
    pub template: String,
    /// The template's name in Chinese.
    pub template_zh: String,
    /// The template's name in English.
    pub template_en: String,
    /// Where the template comes from.
    pub source: String,
    /// Who and what.
    pub evaluated: Evaluated,
    /// The first day counted.
    pub from: NaiveDate,
    /// The last day counted.
    pub to: NaiveDate,
    /// The year, or none for the whole term.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The groups.
    pub groups: Vec<SheetGroup>,
    /// The points so far.
    pub total: f64,
    /// The most a sheet gives (100).
    pub max: f64,
    /// The result the total reaches (provisional until every item is scored).
    pub result: ResultLevel,
    /// Every item has points.
    pub complete: bool,
    /// The items still to be scored.
    pub missing: Vec<String>,
    /// Hours logged in the period.
    pub hours: f64,
    /// Hours the agreement asks for over the period (to today, for a period not over).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required_hours: Option<f64>,
    /// The annual summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<RecordFile>,
    /// Who started it.
    pub created_by: String,
    /// Who submitted it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
    /// Who confirmed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_by: Option<String>,
    /// When it was confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Points to one decimal.
fn tenth(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The days from `from` to `to`, both counted, in months of the average Gregorian length.
fn months(from: NaiveDate, to: NaiveDate) -> f64 {
    let days = (to - from).num_days() + 1;
    days.max(0) as f64 / (365.2425 / 12.0)
}

/// Everything the sheet is built from.
pub struct Inputs<'a> {
    /// The evaluation.
    pub evaluation: &'a Evaluation,
    /// Its template.
    pub template: &'a Template,
    /// Who and what (the appointment, named).
    pub evaluated: Evaluated,
    /// The appointment.
    pub appointment: &'a Appointment,
    /// What is recorded.
    pub records: Records<'a>,
    /// The evaluator's scores.
    pub scores: &'a [Score],
    /// The annual summary.
    pub summary: Option<RecordFile>,
    /// Today (China Standard Time).
    pub today: NaiveDate,
}

/// Fills the sheet in.
pub fn build(inputs: Inputs) -> Sheet {
    let e = inputs.evaluation;
    let scope = Scope {
        appointment: inputs.appointment,
        from: e.from,
        to: e.to,
    };
    let counts: BTreeMap<Metric, Count> = gather(&scope, &inputs.records);
    let hours = counts
        .get(&Metric::Hours)
        .and_then(|c| c.value)
        .unwrap_or(0.0);
    let required = inputs.appointment.terms.onsite_hours.map(|per_month| {
        let until = e.to.min(inputs.today);
        tenth(per_month * months(e.from, until))
    });
    let mut groups = Vec::new();
    let mut missing = Vec::new();
    for g in &inputs.template.groups {
        let mut items = Vec::new();
        for item in &g.items {
            let value = |m: Metric| counts.get(&m).and_then(|c| c.value).unwrap_or(0.0);
            let (computed, basis) = match &item.rule {
                None => (None, None),
                Some(Rule::PerRecord { metric, points }) => {
                    let n = value(*metric);
                    let raw = n * points;
                    let capped = raw.min(item.max);
                    let basis = if raw > item.max {
                        format!("{n} × {points} = {raw}，最多 {max} · at most {max}", max = item.max)
                    } else {
                        format!("{n} × {points} = {raw}")
                    };
                    (Some(tenth(capped)), Some(basis))
                }
                Some(Rule::AtLeast {
                    metric,
                    count,
                    points,
                }) => {
                    let n = value(*metric);
                    let reached = n >= f64::from(*count);
                    let basis = format!(
                        "{n} ≥ {count}: {} · {}",
                        if reached { "是" } else { "否" },
                        if reached { "yes" } else { "no" }
                    );
                    (Some(if reached { *points } else { 0.0 }), Some(basis))
                }
                Some(Rule::HoursShare) => match required {
                    Some(need) if need > 0.0 => {
                        let share = (hours / need).min(1.0);
                        let basis =
                            format!("{hours} h / {need} h = {:.0}% × {}", share * 100.0, item.max);
                        (Some(tenth(item.max * share)), Some(basis))
                    }
                    _ => (
                        None,
                        Some(
                            "协议未约定在岗时长，请人工评分 · the agreement sets no on-site hours: score by hand"
                                .into(),
                        ),
                    ),
                },
            };
            let adjusted = inputs
                .scores
                .iter()
                .find(|s| s.item == item.id)
                .map(|s| Adjustment {
                    points: s.points,
                    reason: s.reason.clone(),
                    by: s.actor.clone(),
                    at: s.at,
                });
            let points = adjusted.as_ref().map(|a| a.points).or(computed);
            if points.is_none() {
                missing.push(item.id.clone());
            }
            let evidence = item
                .metrics()
                .into_iter()
                .map(|m| {
                    let (zh, en) = m.label();
                    let c = counts.get(&m).cloned().unwrap_or_default();
                    ItemEvidence {
                        metric: m,
                        name_zh: zh.into(),
                        name_en: en.into(),
                        value: c.value,
                        records: c.evidence,
                    }
                })
                .collect();
            items.push(SheetItem {
                id: item.id.clone(),
                text_zh: item.text_zh.clone(),
                text_en: item.text_en.clone(),
                max: item.max,
                rule: item.rule.clone(),
                manual: item.manual.clone(),
                computed,
                basis,
                adjusted,
                points,
                evidence,
            });
        }
        let points = tenth(items.iter().fold(0.0, |s, i| s + i.points.unwrap_or(0.0)));
        groups.push(SheetGroup {
            id: g.id.clone(),
            name_zh: g.name_zh.clone(),
            name_en: g.name_en.clone(),
            max: g.max,
            points,
            items,
        });
    }
    let total = tenth(groups.iter().fold(0.0, |s, g| s + g.points));
    Sheet {
        id: e.id,
        status: e.status.as_str().into(),
        template: inputs.template.id.clone(),
        template_zh: inputs.template.name_zh.clone(),
        template_en: inputs.template.name_en.clone(),
        source: inputs.template.source.clone(),
        evaluated: inputs.evaluated,
        from: e.from,
        to: e.to,
        year: e.year,
        groups,
        total,
        max: inputs.template.total,
        result: inputs.template.result(total).clone(),
        complete: missing.is_empty(),
        missing,
        hours: tenth(hours),
        required_hours: required,
        summary: inputs.summary,
        created_by: e.created.0.clone(),
        submitted_by: e.submitted.as_ref().map(|s| s.0.clone()),
        confirmed_by: e.confirmed.as_ref().map(|s| s.0.clone()),
        confirmed_at: e.confirmed.as_ref().map(|s| s.1),
    }
}

impl Sheet {
    /// What the result means for renewal.
    pub fn renewal(&self) -> Renewal {
        self.result.renewal
    }

    /// The sheet as confirmed: its status and who confirmed it, when.
    pub fn confirmed(mut self, by: &str, at: chrono::DateTime<chrono::Utc>) -> Self {
        self.status = Status::Confirmed.as_str().into();
        self.confirmed_by = Some(by.into());
        self.confirmed_at = Some(at);
        self
    }
}

/// The stored name of a renewal consequence.
pub fn renewal_name(r: Renewal) -> &'static str {
    match r {
        Renewal::Eligible => "eligible",
        Renewal::Allowed => "allowed",
        Renewal::Refused => "refused",
    }
}
