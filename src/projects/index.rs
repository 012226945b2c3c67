//! What the blueprint tiles need of each project, in memory: its name, stage, whether it is
//! published, and its sites. Written at once by this server's writes and by the change log
//! for others' ([`crate::apply`]).

use std::collections::HashMap;
use std::sync::Arc;

use super::Stage;
use super::api::Project;
use crate::units::UnitCode;
use crate::visibility::Visibility;

/// A project as a tile draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectTile {
    /// Its id.
    pub id: i64,
    /// Its version.
    pub version: i64,
    /// Its name.
    pub name: String,
    /// Its element type.
    pub element_type: String,
    /// Its stage.
    pub stage: Stage,
    /// On the public blueprint.
    pub published: bool,
    /// Its sub-district.
    pub subdistrict: Vec<UnitCode>,
    /// Its sites.
    pub sites: Vec<i64>,
}

impl ProjectTile {
    /// What the tiles need of `project`.
    pub fn of(project: &Project) -> Self {
        Self {
            id: project.id,
            version: project.version,
            name: project.name.clone(),
            element_type: project.element_type.clone(),
            stage: project.stage,
            published: project.published,
            subdistrict: UnitCode::parse(&project.subdistrict).into_iter().collect(),
            sites: project.sites.clone(),
        }
    }

    /// Whether `visibility` sees it: published projects everyone, the rest their
    /// sub-district's planners (the draft rule).
    pub fn seen_by(&self, visibility: &Visibility) -> bool {
        visibility.sees_project_in(self.published, &self.subdistrict)
    }
}

/// Every project's tile record, and the projects of each site.
#[derive(Default)]
pub struct ProjectIndex {
    projects: HashMap<i64, Arc<ProjectTile>>,
    by_site: HashMap<i64, Vec<i64>>,
}

impl ProjectIndex {
    /// Puts `project` in, unless a newer version is held; the sites whose tiles change.
    pub fn put(&mut self, project: ProjectTile) -> Vec<i64> {
        let mut touched = Vec::new();
        if let Some(old) = self.projects.get(&project.id) {
            if old.version >= project.version {
                return touched;
            }
            for site in &old.sites {
                if let Some(list) = self.by_site.get_mut(site) {
                    list.retain(|p| *p != project.id);
                }
                touched.push(*site);
            }
        }
        for site in &project.sites {
            self.by_site.entry(*site).or_default().push(project.id);
            touched.push(*site);
        }
        self.projects.insert(project.id, Arc::new(project));
        touched.sort_unstable();
        touched.dedup();
        touched
    }

    /// Whether `visibility` sees project `id`.
    pub fn visible(&self, id: i64, visibility: &Visibility) -> bool {
        self.projects
            .get(&id)
            .is_some_and(|p| p.seen_by(visibility))
    }

    /// The projects on site `site` that `visibility` sees.
    pub fn on_site(&self, site: i64, visibility: &Visibility) -> Vec<Arc<ProjectTile>> {
        self.by_site
            .get(&site)
            .into_iter()
            .flatten()
            .filter_map(|id| self.projects.get(id))
            .filter(|p| p.seen_by(visibility))
            .cloned()
            .collect()
    }
}
