//! Which OpenStreetMap ways people walk on (步行可达).
//!
//! Streets of every class a pedestrian may use (with or without a mapped sidewalk, as in most
//! of Shanghai), footways, paths, steps and pedestrian streets; not motorways, not ways under
//! construction, not ways closed to the public or to pedestrians. Cycleways and bridleways only
//! where pedestrians are allowed. One-way restrictions are for vehicles: walking goes both ways.
//! The rules follow OSM's tagging (wiki `Key:highway`, `Key:access`, `Key:foot`) and what
//! walking-network tools such as OSMnx keep.

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

/// Whether a way with these tags is part of the walking network.
pub fn is_walkable<'a>(tags: impl Fn(&str) -> Option<&'a str>) -> bool {
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
