//! Which OpenStreetMap ways people walk on (步行可达).
//!
//! Streets of every class a pedestrian may use (with or without a mapped sidewalk, as in most
//! of Shanghai), footways, paths, steps and pedestrian streets; not motorways, not ways under
//! construction, not ways closed to the public or to pedestrians. Cycleways and bridleways only
//! where pedestrians are allowed. One-way restrictions are for vehicles: walking goes both ways.
//! The rules follow OSM's tagging (wiki `Key:highway`, `Key:access`, `Key:foot`) and what
//! walking-network tools such as OSMnx keep.
//!
//! Crossings: streets are walked along their centre lines, so a street is crossed wherever two
//! walked ways meet; a mapped crossing way (`footway=crossing`) is a footway like any other, and
//! a crossing node (`highway=crossing`) adds nothing. Pedestrian areas (squares) are walked
//! round their edge, as their outline is a way, unless `across_squares` is chosen.

/// Highway values that are walkable unless tagged otherwise.
const WALKABLE: &[&str] = &[
    "footway",
    "pedestrian",
    "path",
    "steps",
    "living_street",
    "residential",
    "service",
    "unclassified",
    "road",
    "track",
    "corridor",
    "crossing",
    "tertiary",
    "tertiary_link",
    "secondary",
    "secondary_link",
    "primary",
    "primary_link",
    "trunk",
    "trunk_link",
];

/// Highway values walkable only when pedestrians are explicitly allowed.
const WALKABLE_IF_ALLOWED: &[&str] = &["cycleway", "bridleway"];

/// `foot=*` values that allow pedestrians.
const FOOT_ALLOWED: &[&str] = &["yes", "designated", "permissive", "official"];

/// `access=*` values that close a way to the public.
const ACCESS_CLOSED: &[&str] = &["private", "no", "military"];

/// Rules a user chooses for what is walked, beyond the defaults (`lantu import osm --walk R`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WalkRules {
    /// `cycleways`: cycleways (and bridleways) without a `foot` tag are walked, as in countries
    /// where pedestrians may use them unless signed otherwise.
    pub cycleways: bool,
    /// `trails`: `highway=trail` (a regional value for a footpath) is walked.
    pub trails: bool,
    /// `step_free`: for wheelchairs and prams: no steps, and no way tagged `wheelchair=no`.
    pub step_free: bool,
    /// `across_squares`: a pedestrian area (a closed `highway=pedestrian` or `footway` way with
    /// `area=yes`, a square) is walked straight across between the ways that enter it, where the
    /// straight line stays inside it, not only round its edge.
    pub across_squares: bool,
}

impl WalkRules {
    /// The rules' names and what each does.
    pub const NAMES: [(&'static str, &'static str); 4] = [
        (
            "cycleways",
            "cycleways and bridleways without a foot tag are walked",
        ),
        ("trails", "highway=trail is walked"),
        (
            "step_free",
            "no steps, nor ways tagged wheelchair=no (wheelchairs, prams)",
        ),
        (
            "across_squares",
            "pedestrian areas are walked straight across between the ways that enter them",
        ),
    ];

    /// The rules named; an unknown name is refused, naming the known ones.
    pub fn choosing(names: &[String]) -> Result<Self, String> {
        let mut rules = Self::default();
        for name in names {
            match name.as_str() {
                "cycleways" => rules.cycleways = true,
                "trails" => rules.trails = true,
                "step_free" => rules.step_free = true,
                "across_squares" => rules.across_squares = true,
                other => {
                    return Err(format!(
                        "no walking rule {other}; the rules are {}",
                        Self::NAMES.map(|(n, _)| n).join(", ")
                    ));
                }
            }
        }
        Ok(rules)
    }
}

/// Whether a way with these tags is part of the walking network, by the default rules.
pub fn is_walkable<'a>(tags: impl Fn(&str) -> Option<&'a str>) -> bool {
    walk_decision(tags, &WalkRules::default()).0
}

/// Whether a way is walked under `rules`, and the chosen rule that decided it, if one did
/// (for the import's report).
pub fn walk_decision<'a>(
    tags: impl Fn(&str) -> Option<&'a str>,
    rules: &WalkRules,
) -> (bool, Option<&'static str>) {
    let by_default = default_walkable(&tags);
    let Some(highway) = tags("highway") else {
        return (false, None);
    };
    if rules.step_free && by_default && (highway == "steps" || tags("wheelchair") == Some("no")) {
        return (false, Some("step_free"));
    }
    if by_default {
        return (true, None);
    }
    let foot = tags("foot");
    let open = tags("access").is_none_or(|a| !ACCESS_CLOSED.contains(&a));
    if rules.cycleways && WALKABLE_IF_ALLOWED.contains(&highway) && foot.is_none() && open {
        return (true, Some("cycleways"));
    }
    let not_closed = foot != Some("no") && open;
    if rules.trails
        && highway == "trail"
        && not_closed
        && !(rules.step_free && tags("wheelchair") == Some("no"))
    {
        return (true, Some("trails"));
    }
    (false, None)
}

fn default_walkable<'a>(tags: &impl Fn(&str) -> Option<&'a str>) -> bool {
    let Some(highway) = tags("highway") else {
        return false;
    };
    let foot = tags("foot");
    if foot == Some("no") || foot == Some("use_sidepath") {
        return false;
    }
    let foot_allowed = foot.is_some_and(|f| FOOT_ALLOWED.contains(&f));
    if tags("access").is_some_and(|a| ACCESS_CLOSED.contains(&a)) && !foot_allowed {
        return false;
    }
    if WALKABLE_IF_ALLOWED.contains(&highway) {
        return foot_allowed;
    }
    WALKABLE.contains(&highway)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walkable(pairs: &[(&'static str, &'static str)]) -> bool {
        is_walkable(|k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v))
    }

    #[test]
    fn streets_footways_and_steps_are_walked_motorways_are_not() {
        assert!(walkable(&[("highway", "secondary")]));
        assert!(walkable(&[("highway", "steps")]));
        assert!(walkable(&[("highway", "residential"), ("oneway", "yes")]));
        assert!(!walkable(&[("highway", "motorway")]));
        assert!(!walkable(&[("highway", "construction")]));
        assert!(!walkable(&[("building", "yes")]));
    }

    #[test]
    fn chosen_rules_walk_cycleways_and_trails_or_leave_steps_out_and_say_so() {
        let with = |names: &[&str], pairs: &[(&'static str, &'static str)]| {
            let rules =
                WalkRules::choosing(&names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                    .unwrap();
            walk_decision(
                |k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| *v),
                &rules,
            )
        };
        assert_eq!(with(&[], &[("highway", "cycleway")]), (false, None));
        assert_eq!(
            with(&["cycleways"], &[("highway", "cycleway")]),
            (true, Some("cycleways"))
        );
        assert_eq!(
            with(&["cycleways"], &[("highway", "cycleway"), ("foot", "no")]),
            (false, None)
        );
        assert_eq!(with(&[], &[("highway", "trail")]), (false, None));
        assert_eq!(
            with(&["trails"], &[("highway", "trail")]),
            (true, Some("trails"))
        );
        assert_eq!(
            with(&["step_free"], &[("highway", "steps")]),
            (false, Some("step_free"))
        );
        assert_eq!(
            with(
                &["step_free"],
                &[("highway", "footway"), ("wheelchair", "no")]
            ),
            (false, Some("step_free"))
        );
        assert_eq!(
            with(&["step_free"], &[("highway", "footway")]),
            (true, None)
        );
        assert!(
            WalkRules::choosing(&["lifts".into()])
                .unwrap_err()
                .contains("step_free")
        );
    }

    #[test]
    fn foot_and_access_tags_close_or_open_a_way() {
        assert!(!walkable(&[("highway", "primary"), ("foot", "no")]));
        assert!(!walkable(&[("highway", "service"), ("access", "private")]));
        assert!(walkable(&[
            ("highway", "service"),
            ("access", "private"),
            ("foot", "yes")
        ]));
        assert!(!walkable(&[("highway", "cycleway")]));
        assert!(walkable(&[("highway", "cycleway"), ("foot", "designated")]));
    }
}
