//! OGC API Features Part 3 (Filtering) and Part 1's `datetime`: a CQL2 expression (text or
//! JSON, parsed by the `cql2` crate) checked against a collection's queryables, compiled once,
//! then evaluated on the in-memory records a query visits.
//!
//! What is implemented, as `/api/conformance` declares it: basic CQL2 (comparisons, `AND`,
//! `OR`, `NOT`, `IS NULL`), the advanced comparison operators (`LIKE`, `BETWEEN`, `IN`), and
//! the spatial functions (`S_INTERSECTS` and the other DE-9IM predicates on a literal
//! geometry or `BBOX`). A text literal compared with a time property is read as a time, as
//! GDAL and QGIS write them (`updated_at > '2020-01-01'`).

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use cql2::Expr;
use geo::BoundingRect;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::AppError;
use crate::spatial::read::{Accept, GeometryReader};
use crate::spatial::target::Target;
use crate::spatial::{Geometry, Rect};

/// What kind of value a queryable holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (names, codes, element types).
    Text,
    /// A number (measures, counts).
    Number,
    /// A moment (`created_at`, `updated_at`).
    Time,
    /// Several texts (the units a site falls in): `=` and `IN` ask whether one of them matches.
    TextList,
}

/// One property a filter may name.
#[derive(Debug, Clone, Copy)]
pub struct Queryable {
    /// Its name, as in the features' properties.
    pub name: &'static str,
    /// Its kind.
    pub kind: Kind,
    /// What it is.
    pub description: &'static str,
    /// The values it takes, when they are a fixed list.
    pub values: Option<&'static [&'static str]>,
    /// Lantu derives it: a client that sends it back has it ignored.
    pub read_only: bool,
}

/// A collection's queryables, and which of them `datetime` applies to.
#[derive(Debug, Clone, Copy)]
pub struct Queryables {
    /// Every property a filter may name, besides `geometry`.
    pub properties: &'static [Queryable],
    /// The temporal property `datetime` filters on.
    pub temporal: &'static str,
    /// The geometry types the collection holds (`Point`, `MultiPoint`, …).
    pub geometry: &'static [&'static str],
}

impl Queryables {
    fn get(&self, name: &str) -> Option<&Queryable> {
        self.properties.iter().find(|q| q.name == name)
    }

    /// `/collections/{id}/queryables`: a JSON Schema (Part 3, /req/queryables).
    pub fn schema(&self, id: &str, href: &str) -> Value {
        let mut properties = serde_json::Map::new();
        properties.insert(
            "geometry".into(),
            json!({"title": "geometry", "description": format!("Its geometry: {}", self.geometry.join(", ")),
                   "format": geometry_format(self.geometry)}),
        );
        for q in self.properties {
            properties.insert(q.name.into(), q.schema());
        }
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": href,
            "type": "object",
            "title": id,
            "properties": properties,
            "additionalProperties": false,
        })
    }
}

fn geometry_format(types: &[&str]) -> &'static str {
    match types {
        ["Point", "MultiPoint"] => "geometry-point-or-multipoint",
        ["LineString", "MultiLineString"] => "geometry-linestring-or-multilinestring",
        ["Polygon", "MultiPolygon"] => "geometry-polygon-or-multipolygon",
        _ => "geometry-any",
    }
}

impl Queryable {
    fn schema(&self) -> Value {
        let mut schema = match self.kind {
            Kind::Text => json!({"type": "string"}),
            Kind::Number => json!({"type": "number"}),
            Kind::Time => json!({"type": "string", "format": "date-time"}),
            Kind::TextList => json!({"type": "array", "items": {"type": "string"}}),
        };
        schema["title"] = self.name.into();
        schema["description"] = self.description.into();
        if let Some(values) = self.values {
            schema["enum"] = json!(values);
        }
        if self.read_only {
            schema["readOnly"] = true.into();
        }
        schema
    }
}

/// A value of a record's property, as a filter reads it.
#[derive(Debug, Clone)]
pub enum Val<'a> {
    /// No value.
    Null,
    /// Text.
    Text(&'a str),
    /// A number.
    Number(f64),
    /// A moment.
    Time(DateTime<Utc>),
    /// Several texts.
    List(Vec<&'a str>),
}

/// What a filter can be evaluated on.
pub trait Record {
    /// The value of queryable `name`.
    fn value(&self, name: &str) -> Val<'_>;
    /// How its geometry relates to `other` (DE-9IM); none without a geometry.
    fn relate(&self, other: &Geometry) -> Option<geo::relate::IntersectionMatrix>;
}

#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Null,
    Bool(bool),
    Text(String),
    Number(f64),
    Time(DateTime<Utc>),
}

#[derive(Debug, Clone)]
enum Operand {
    Property(&'static str, Kind),
    Literal(Lit),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spatial {
    Intersects,
    Disjoint,
    Within,
    Contains,
    Equals,
    Touches,
    Crosses,
    Overlaps,
}

#[derive(Debug, Clone)]
enum Node {
    Const(bool),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Compare(Cmp, Operand, Operand),
    Like(Operand, Vec<char>),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    IsNull(Operand),
    Spatial(Spatial, Geometry),
    During(&'static str, Option<DateTime<Utc>>, Option<DateTime<Utc>>),
}

/// A compiled filter: what `filter` and `datetime` ask, checked against the queryables.
#[derive(Debug, Clone)]
pub struct Filter {
    node: Node,
    /// A box every match lies in, when the filter says (`S_INTERSECTS` under `AND`): the
    /// query visits only the index entries in it.
    pub bbox: Option<Rect>,
}

impl Filter {
    /// Whether `record` matches.
    pub fn matches(&self, record: &dyn Record) -> bool {
        eval(&self.node, record)
    }

    /// Both `a` and `b`.
    pub fn and(a: Option<Filter>, b: Option<Filter>) -> Option<Filter> {
        match (a, b) {
            (Some(a), Some(b)) => Some(Filter {
                bbox: match (a.bbox, b.bbox) {
                    (Some(x), Some(y)) => Some(overlap(x, y)),
                    (x, y) => x.or(y),
                },
                node: Node::And(vec![a.node, b.node]),
            }),
            (a, b) => a.or(b),
        }
    }
}

/// Where two boxes overlap (an empty box far from everything, if they do not).
pub fn overlap(a: Rect, b: Rect) -> Rect {
    let min = geo::coord! {x: a.min().x.max(b.min().x), y: a.min().y.max(b.min().y)};
    let max = geo::coord! {x: a.max().x.min(b.max().x), y: a.max().y.min(b.max().y)};
    // Boxes that do not meet: an empty box far from everything.
    if min.x > max.x || min.y > max.y {
        return Rect::new(
            geo::coord! {x: 1000.0, y: 1000.0},
            geo::coord! {x: 1000.0, y: 1000.0},
        );
    }
    Rect::new(min, max)
}

/// The filter languages `filter-lang` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// `cql2-text` (the default); GDAL's `cql-text` (the draft's name) reads the same.
    Text,
    /// `cql2-json`.
    Json,
}

impl Lang {
    /// The language `filter-lang` names.
    pub fn parse(value: &str) -> Result<Self, AppError> {
        match value {
            "cql2-text" | "cql-text" => Ok(Self::Text),
            "cql2-json" => Ok(Self::Json),
            other => Err(bad(
                "filter-lang",
                format!("filter-lang must be cql2-text or cql2-json, not \"{other}\""),
            )),
        }
    }
}

fn bad(name: &str, detail: impl Into<String>) -> AppError {
    AppError::bad_request("Invalid filter", format!("?{name}"), detail)
}

/// Compiles `filter` in `lang` against `queryables`, its geometries in CRS84; a 400 names what
/// is wrong.
pub fn compile(text: &str, lang: Lang, queryables: &Queryables) -> Result<Filter, AppError> {
    compile_in(text, lang, queryables, &Target::crs84())
}

/// [`compile`] with the filter's geometries and BBOXes in `crs` (`filter-crs`, Part 3), in
/// that CRS's axis order.
pub fn compile_in(
    text: &str,
    lang: Lang,
    queryables: &Queryables,
    crs: &Target,
) -> Result<Filter, AppError> {
    let expr = match lang {
        Lang::Text => cql2::parse_text(text).map_err(|e| {
            bad(
                "filter",
                format!("the filter is not CQL2 text: {e}; e.g. filter=element_type = 'greening' AND area_m2 > 100"),
            )
        })?,
        Lang::Json => cql2::parse_json(text)
            .map_err(|e| bad("filter", format!("the filter is not CQL2 JSON: {e}")))?,
    };
    let compiler = Compiler { queryables, crs };
    let node = cheap_first(compiler.node(&expr)?);
    Ok(Filter {
        bbox: bbox_of(&node),
        node,
    })
}

/// The same filter with each `AND` and `OR` testing its cheap conditions (attributes) before
/// its dear ones (geometry relations), so that most records are settled without a DE-9IM.
fn cheap_first(node: Node) -> Node {
    let cost = |n: &Node| match n {
        Node::Spatial(..) => 2,
        Node::And(_) | Node::Or(_) | Node::Not(_) => 1,
        _ => 0,
    };
    let sorted = |nodes: Vec<Node>| {
        let mut nodes: Vec<Node> = nodes.into_iter().map(cheap_first).collect();
        nodes.sort_by_key(cost);
        nodes
    };
    match node {
        Node::And(nodes) => Node::And(sorted(nodes)),
        Node::Or(nodes) => Node::Or(sorted(nodes)),
        Node::Not(inner) => Node::Not(Box::new(cheap_first(*inner))),
        other => other,
    }
}

/// Equality on one queryable, as a Part 1 query parameter (`element_type=greening`).
pub fn equals(name: &str, value: &str, queryables: &Queryables) -> Result<Filter, AppError> {
    let q = queryables
        .get(name)
        .ok_or_else(|| bad(name, format!("\"{name}\" is not a queryable")))?;
    let literal = Compiler {
        queryables,
        crs: &Target::crs84(),
    }
    .coerce(Lit::Text(value.into()), q.kind)
    .map_err(|d| bad(name, d))?;
    if let (Some(values), Lit::Text(t)) = (q.values, &literal)
        && !values.contains(&t.as_str())
    {
        return Err(bad(
            name,
            format!("\"{t}\" is not a {name}; use one of {}", values.join(", ")),
        ));
    }
    Ok(Filter {
        node: Node::Compare(
            Cmp::Eq,
            Operand::Property(q.name, q.kind),
            Operand::Literal(literal),
        ),
        bbox: None,
    })
}

/// Part 1's `datetime` on the collection's temporal property: an instant, or an interval
/// `start/end` with `..` (or nothing) for an open end. A date stands for its whole day (UTC);
/// GDAL's `2020-01-01T` for that date.
pub fn datetime(value: &str, queryables: &Queryables) -> Result<Filter, AppError> {
    let bad = |d: String| AppError::bad_request("Invalid query parameter", "?datetime", d);
    let example = "e.g. 2026-01-01T00:00:00Z, 2026-01-01/2026-06-30 or 2026-01-01T00:00:00Z/..";
    let (start, end) = match value.split_once('/') {
        None => {
            let (start, end) = instant(value)
                .ok_or_else(|| bad(format!("\"{value}\" is not a date or time; {example}")))?;
            (Some(start), Some(end))
        }
        Some((a, b)) => {
            let end_of = |s: &str, first: bool| -> Result<Option<DateTime<Utc>>, AppError> {
                match s.trim() {
                    "" | ".." => Ok(None),
                    s => instant(s)
                        .map(|(from, to)| Some(if first { from } else { to }))
                        .ok_or_else(|| bad(format!("\"{s}\" is not a date or time; {example}"))),
                }
            };
            let (start, end) = (end_of(a, true)?, end_of(b, false)?);
            if let (Some(s), Some(e)) = (start, end)
                && s > e
            {
                return Err(bad(format!("the interval {value} ends before it starts")));
            }
            (start, end)
        }
    };
    Ok(Filter {
        node: Node::During(queryables.temporal, start, end),
        bbox: None,
    })
}

/// A moment as a query parameter gives it (`as_of`, `from`, `to`): RFC 3339, or a date (its
/// first moment, UTC); a 400 naming `name` otherwise.
pub fn moment(value: &str, name: &str) -> Result<DateTime<Utc>, AppError> {
    instant(value).map(|(start, _)| start).ok_or_else(|| {
        AppError::bad_request(
            "Invalid query parameter",
            format!("?{name}"),
            format!(
                "\"{value}\" is not a moment; give e.g. 2026-11-30T08:00:00+08:00 or 2026-11-30"
            ),
        )
    })
}

/// A moment as written by people and clients: RFC 3339, a date (its whole day), or GDAL's
/// date with a bare `T`. The first and last moment it covers.
fn instant(s: &str) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        let t = t.with_timezone(&Utc);
        return Some((t, t));
    }
    // QGIS sends a `+` offset unencoded, which arrives as a space.
    if let Some((head, offset)) = s.rsplit_once(' ')
        && let Ok(t) = DateTime::parse_from_rfc3339(&format!("{head}+{offset}"))
    {
        let t = t.with_timezone(&Utc);
        return Some((t, t));
    }
    let date = NaiveDate::parse_from_str(s.trim_end_matches('T'), "%Y-%m-%d").ok()?;
    let start = date.and_hms_opt(0, 0, 0)?.and_utc();
    Some((
        start,
        start + chrono::Duration::days(1) - chrono::Duration::nanoseconds(1),
    ))
}

struct Compiler<'q> {
    queryables: &'q Queryables,
    /// The CRS of the filter's geometries.
    crs: &'q Target,
}

impl Compiler<'_> {
    fn unknown(&self, name: &str) -> AppError {
        let names: Vec<&str> = std::iter::once("geometry")
            .chain(self.queryables.properties.iter().map(|q| q.name))
            .collect();
        bad(
            "filter",
            format!(
                "\"{name}\" is not a queryable of this collection; its queryables are {}",
                names.join(", ")
            ),
        )
    }

    fn node(&self, expr: &Expr) -> Result<Node, AppError> {
        match expr {
            Expr::Bool(b) => Ok(Node::Const(*b)),
            Expr::Operation { op, args } => self.operation(op, args),
            other => Err(bad(
                "filter",
                format!("a filter must be a condition, not {}", describe(other)),
            )),
        }
    }

    fn operation(&self, op: &str, args: &[Box<Expr>]) -> Result<Node, AppError> {
        let arity = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(bad(
                    "filter",
                    format!("{op} takes {n} arguments, not {}", args.len()),
                ))
            }
        };
        let cmp = |c: Cmp| -> Result<Node, AppError> {
            arity(2)?;
            let (a, b) = self.comparable(&args[0], &args[1])?;
            Ok(Node::Compare(c, a, b))
        };
        match op {
            "and" => Ok(Node::And(self.nodes(args)?)),
            "or" => Ok(Node::Or(self.nodes(args)?)),
            "not" => {
                arity(1)?;
                Ok(Node::Not(Box::new(self.node(&args[0])?)))
            }
            "=" => cmp(Cmp::Eq),
            "<>" => cmp(Cmp::Ne),
            "<" => cmp(Cmp::Lt),
            "<=" => cmp(Cmp::Le),
            ">" => cmp(Cmp::Gt),
            ">=" => cmp(Cmp::Ge),
            "like" => {
                arity(2)?;
                let subject = self.operand(&args[0], None)?;
                match &*args[1] {
                    Expr::Literal(pattern) => Ok(Node::Like(subject, pattern.chars().collect())),
                    other => Err(bad(
                        "filter",
                        format!("LIKE takes a text pattern, not {}", describe(other)),
                    )),
                }
            }
            "between" => {
                arity(3)?;
                let subject = self.operand(&args[0], None)?;
                let kind = kind_of(&subject);
                Ok(Node::Between(
                    subject,
                    self.operand(&args[1], kind)?,
                    self.operand(&args[2], kind)?,
                ))
            }
            "in" => {
                arity(2)?;
                let subject = self.operand(&args[0], None)?;
                let kind = kind_of(&subject);
                let Expr::Array(items) = &*args[1] else {
                    return Err(bad("filter", "IN takes a list: x IN ('a', 'b')"));
                };
                let items = items
                    .iter()
                    .map(|i| self.operand(i, kind))
                    .collect::<Result<_, _>>()?;
                Ok(Node::In(subject, items))
            }
            "isNull" => {
                arity(1)?;
                Ok(Node::IsNull(self.operand(&args[0], None)?))
            }
            spatial if spatial.starts_with("s_") => {
                arity(2)?;
                let predicate = match spatial {
                    "s_intersects" => Spatial::Intersects,
                    "s_disjoint" => Spatial::Disjoint,
                    "s_within" => Spatial::Within,
                    "s_contains" => Spatial::Contains,
                    "s_equals" => Spatial::Equals,
                    "s_touches" => Spatial::Touches,
                    "s_crosses" => Spatial::Crosses,
                    "s_overlaps" => Spatial::Overlaps,
                    other => return Err(unsupported(other)),
                };
                // The geometry property first; a literal first swaps the roles.
                match (&*args[0], &*args[1]) {
                    (Expr::Property { property }, literal) if property == "geometry" => {
                        Ok(Node::Spatial(predicate, self.geometry(literal)?))
                    }
                    (literal, Expr::Property { property }) if property == "geometry" => {
                        let swapped = match predicate {
                            Spatial::Within => Spatial::Contains,
                            Spatial::Contains => Spatial::Within,
                            p => p,
                        };
                        Ok(Node::Spatial(swapped, self.geometry(literal)?))
                    }
                    _ => Err(bad(
                        "filter",
                        format!(
                            "{op} compares the property geometry with a literal geometry or BBOX"
                        ),
                    )),
                }
            }
            other => Err(unsupported(other)),
        }
    }

    fn nodes(&self, args: &[Box<Expr>]) -> Result<Vec<Node>, AppError> {
        args.iter().map(|a| self.node(a)).collect()
    }

    /// Two sides of a comparison: a literal takes the kind of the property beside it.
    fn comparable(&self, a: &Expr, b: &Expr) -> Result<(Operand, Operand), AppError> {
        let first = self.operand(a, None)?;
        let second = self.operand(b, kind_of(&first))?;
        match (&first, kind_of(&second)) {
            (Operand::Literal(lit), Some(kind)) => {
                let first = Operand::Literal(
                    self.coerce(lit.clone(), kind)
                        .map_err(|d| bad("filter", d))?,
                );
                Ok((first, second))
            }
            _ => Ok((first, second)),
        }
    }

    fn operand(&self, expr: &Expr, beside: Option<Kind>) -> Result<Operand, AppError> {
        let literal = match expr {
            Expr::Property { property } => {
                let q = self
                    .queryables
                    .get(property)
                    .ok_or_else(|| self.unknown(property))?;
                return Ok(Operand::Property(q.name, q.kind));
            }
            Expr::Literal(s) => Lit::Text(s.clone()),
            Expr::Float(f) => Lit::Number(*f),
            Expr::Bool(b) => Lit::Bool(*b),
            Expr::Null => Lit::Null,
            Expr::Timestamp { timestamp } | Expr::Date { date: timestamp } => match &**timestamp {
                Expr::Literal(s) => Lit::Time(
                    instant(s)
                        .ok_or_else(|| bad("filter", format!("\"{s}\" is not a date or time")))?
                        .0,
                ),
                other => return Err(bad("filter", format!("not a time: {}", describe(other)))),
            },
            other => {
                return Err(bad(
                    "filter",
                    format!("{} cannot be compared here", describe(other)),
                ));
            }
        };
        let literal = match beside {
            Some(kind) => self.coerce(literal, kind).map_err(|d| bad("filter", d))?,
            None => literal,
        };
        Ok(Operand::Literal(literal))
    }

    /// A literal read as the kind of the property it is compared with.
    fn coerce(&self, literal: Lit, kind: Kind) -> Result<Lit, String> {
        match (kind, literal) {
            (Kind::Time, Lit::Text(s)) => instant(&s)
                .map(|(start, _)| Lit::Time(start))
                .ok_or_else(|| format!("\"{s}\" is not a date or time (e.g. '2026-01-01' or TIMESTAMP('2026-01-01T08:00:00Z'))")),
            (Kind::Number, Lit::Text(s)) => s
                .trim()
                .parse()
                .map(Lit::Number)
                .map_err(|_| format!("\"{s}\" is not a number")),
            (_, literal) => Ok(literal),
        }
    }

    fn geometry(&self, expr: &Expr) -> Result<Geometry, AppError> {
        match expr {
            Expr::BBox { bbox } => {
                let numbers: Vec<f64> = bbox
                    .iter()
                    .map(|e| match &**e {
                        Expr::Float(f) => Ok(*f),
                        other => Err(bad(
                            "filter",
                            format!("BBOX takes numbers, not {}", describe(other)),
                        )),
                    })
                    .collect::<Result<_, _>>()?;
                if !self.crs.is_crs84() {
                    let corners = match numbers.as_slice() {
                        [a, b, c, d] | [a, b, _, c, d, _] => [*a, *b, *c, *d],
                        _ => return Err(bad("filter", "BBOX takes 4 (or 6) numbers")),
                    };
                    let rect = self
                        .crs
                        .bbox_to_wgs84(corners)
                        .map_err(|e| bad("filter", e))?;
                    return Ok(Geometry::Rect(rect));
                }
                let raw = numbers
                    .iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                let rect = crate::http::query::parse_bbox(&raw).map_err(|_| {
                    bad(
                        "filter",
                        format!("BBOX({raw}) must be minLon, minLat, maxLon, maxLat in CRS84"),
                    )
                })?;
                Ok(Geometry::Rect(rect))
            }
            Expr::Geometry(g) => {
                let mut value = serde_json::to_value(g).map_err(|e| {
                    bad(
                        "filter",
                        format!("the filter's geometry cannot be read: {e}"),
                    )
                })?;
                if self.crs.north_first() {
                    crate::spatial::target::swap_axes(&mut value);
                }
                let reader =
                    GeometryReader::new(&self.crs.source()).map_err(|d| bad("filter", d))?;
                reader
                    .read(&value, "?filter", Accept::Any)
                    .map_err(AppError::from)
            }
            other => Err(bad(
                "filter",
                format!(
                    "a spatial function takes a geometry or BBOX, not {}",
                    describe(other)
                ),
            )),
        }
    }
}

fn unsupported(op: &str) -> AppError {
    bad(
        "filter",
        format!(
            "{op} is not supported; lantu filters with comparisons, AND, OR, NOT, LIKE, BETWEEN, IN, IS NULL and the S_ spatial functions"
        ),
    )
}

fn kind_of(operand: &Operand) -> Option<Kind> {
    match operand {
        Operand::Property(_, kind) => Some(*kind),
        Operand::Literal(_) => None,
    }
}

fn describe(expr: &Expr) -> String {
    expr.to_text().unwrap_or_else(|_| format!("{expr:?}"))
}

/// A box every match of `node` lies in, if the filter pins one down.
fn bbox_of(node: &Node) -> Option<Rect> {
    match node {
        Node::Spatial(Spatial::Intersects | Spatial::Within | Spatial::Equals, g) => {
            g.bounding_rect()
        }
        Node::And(nodes) => nodes.iter().filter_map(bbox_of).reduce(overlap),
        _ => None,
    }
}

fn eval(node: &Node, r: &dyn Record) -> bool {
    match node {
        Node::Const(b) => *b,
        Node::And(nodes) => nodes.iter().all(|n| eval(n, r)),
        Node::Or(nodes) => nodes.iter().any(|n| eval(n, r)),
        Node::Not(n) => !eval(n, r),
        Node::Compare(cmp, a, b) => compare(&resolve(a, r), &resolve(b, r), *cmp),
        Node::Like(subject, pattern) => match resolve(subject, r) {
            Resolved::Text(t) => like(&t.chars().collect::<Vec<_>>(), pattern),
            Resolved::List(items) => items
                .iter()
                .any(|t| like(&t.chars().collect::<Vec<_>>(), pattern)),
            _ => false,
        },
        Node::Between(subject, low, high) => {
            let v = resolve(subject, r);
            compare(&v, &resolve(low, r), Cmp::Ge) && compare(&v, &resolve(high, r), Cmp::Le)
        }
        Node::In(subject, items) => {
            let v = resolve(subject, r);
            items.iter().any(|i| compare(&v, &resolve(i, r), Cmp::Eq))
        }
        Node::IsNull(subject) => matches!(resolve(subject, r), Resolved::Null),
        Node::Spatial(predicate, g) => {
            let Some(m) = r.relate(g) else {
                return false;
            };
            match predicate {
                Spatial::Intersects => m.is_intersects(),
                Spatial::Disjoint => m.is_disjoint(),
                Spatial::Within => m.is_within(),
                Spatial::Contains => m.is_contains(),
                Spatial::Equals => m.is_equal_topo(),
                Spatial::Touches => m.is_touches(),
                Spatial::Crosses => m.is_crosses(),
                Spatial::Overlaps => m.is_overlaps(),
            }
        }
        Node::During(name, start, end) => match r.value(name) {
            Val::Time(t) => start.is_none_or(|s| t >= s) && end.is_none_or(|e| t <= e),
            _ => false,
        },
    }
}

enum Resolved<'a> {
    Null,
    Bool(bool),
    Text(std::borrow::Cow<'a, str>),
    Number(f64),
    Time(DateTime<Utc>),
    List(Vec<&'a str>),
}

fn resolve<'a>(operand: &'a Operand, r: &'a dyn Record) -> Resolved<'a> {
    match operand {
        Operand::Property(name, _) => match r.value(name) {
            Val::Null => Resolved::Null,
            Val::Text(t) => Resolved::Text(t.into()),
            Val::Number(n) => Resolved::Number(n),
            Val::Time(t) => Resolved::Time(t),
            Val::List(l) => Resolved::List(l),
        },
        Operand::Literal(lit) => match lit {
            Lit::Null => Resolved::Null,
            Lit::Bool(b) => Resolved::Bool(*b),
            Lit::Text(t) => Resolved::Text(t.as_str().into()),
            Lit::Number(n) => Resolved::Number(*n),
            Lit::Time(t) => Resolved::Time(*t),
        },
    }
}

fn compare(a: &Resolved, b: &Resolved, cmp: Cmp) -> bool {
    let ordering = match (a, b) {
        (Resolved::Text(x), Resolved::Text(y)) => Some(x.cmp(y)),
        (Resolved::Number(x), Resolved::Number(y)) => x.partial_cmp(y),
        (Resolved::Time(x), Resolved::Time(y)) => Some(x.cmp(y)),
        (Resolved::Bool(x), Resolved::Bool(y)) => Some(x.cmp(y)),
        // A list equals a text when one of its items does.
        (Resolved::List(items), Resolved::Text(t)) | (Resolved::Text(t), Resolved::List(items)) => {
            let any = items.iter().any(|i| *i == t.as_ref());
            return match cmp {
                Cmp::Eq => any,
                Cmp::Ne => !any,
                _ => false,
            };
        }
        // Null compares with nothing (CQL2: unknown, so not a match).
        _ => None,
    };
    let Some(o) = ordering else {
        return false;
    };
    match cmp {
        Cmp::Eq => o == Ordering::Equal,
        Cmp::Ne => o != Ordering::Equal,
        Cmp::Lt => o == Ordering::Less,
        Cmp::Le => o != Ordering::Greater,
        Cmp::Gt => o == Ordering::Greater,
        Cmp::Ge => o != Ordering::Less,
    }
}

/// CQL2 `LIKE`: `%` any run of characters, `_` one, `\` escapes the next.
fn like(text: &[char], pattern: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('%', rest)) => (0..=text.len()).any(|i| like(&text[i..], rest)),
        Some(('_', rest)) => !text.is_empty() && like(&text[1..], rest),
        Some(('\\', rest)) if !rest.is_empty() => {
            text.first() == Some(&rest[0]) && like(&text[1..], &rest[1..])
        }
        Some((c, rest)) => text.first() == Some(c) && like(&text[1..], rest),
    }
}

/// `sortby`: properties, each ascending or (with a leading `-`) descending (Part 8 style:
/// `sortby=-updated_at,name`; `+` or ` ASC`/` DESC` also read).
#[derive(Debug, Clone, Default, Serialize)]
pub struct SortBy(pub Vec<(&'static str, bool)>);

impl SortBy {
    /// Parses `sortby` against `queryables`.
    pub fn parse(value: &str, queryables: &Queryables) -> Result<Self, AppError> {
        let mut keys = Vec::new();
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, descending) = if let Some(n) = part.strip_prefix('-') {
                (n, true)
            } else if let Some(n) = part.strip_prefix('+') {
                (n, false)
            } else if let Some(n) = part.strip_suffix(" DESC").or(part.strip_suffix(" desc")) {
                (n.trim(), true)
            } else {
                (
                    part.strip_suffix(" ASC")
                        .or(part.strip_suffix(" asc"))
                        .unwrap_or(part)
                        .trim(),
                    false,
                )
            };
            let q = match name {
                "id" => "id",
                name => match queryables.get(name) {
                    Some(q) if q.kind != Kind::TextList => q.name,
                    _ => {
                        let names: Vec<&str> = std::iter::once("id")
                            .chain(
                                queryables
                                    .properties
                                    .iter()
                                    .filter(|q| q.kind != Kind::TextList)
                                    .map(|q| q.name),
                            )
                            .collect();
                        return Err(AppError::bad_request(
                            "Invalid query parameter",
                            "?sortby",
                            format!(
                                "cannot sort by \"{name}\"; sort by {} (a leading - for descending)",
                                names.join(", ")
                            ),
                        ));
                    }
                },
            };
            keys.push((q, descending));
        }
        Ok(Self(keys))
    }

    /// How `a` and `b` compare under these keys (`id` is each record's own key, compared by
    /// the caller last).
    pub fn compare(&self, a: &dyn Record, b: &dyn Record) -> Ordering {
        for (name, descending) in &self.0 {
            let (x, y) = (a.value(name), b.value(name));
            let o = match (&x, &y) {
                (Val::Text(x), Val::Text(y)) => x.cmp(y),
                (Val::Number(x), Val::Number(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
                (Val::Time(x), Val::Time(y)) => x.cmp(y),
                // Nulls last, either way.
                (Val::Null, Val::Null) => Ordering::Equal,
                (Val::Null, _) => return Ordering::Greater,
                (_, Val::Null) => return Ordering::Less,
                _ => Ordering::Equal,
            };
            let o = if *descending { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Relate;

    const QUERYABLES: Queryables = Queryables {
        properties: &[
            Queryable {
                name: "name",
                kind: Kind::Text,
                description: "",
                values: None,
                read_only: false,
            },
            Queryable {
                name: "area_m2",
                kind: Kind::Number,
                description: "",
                values: None,
                read_only: true,
            },
            Queryable {
                name: "updated_at",
                kind: Kind::Time,
                description: "",
                values: None,
                read_only: true,
            },
            Queryable {
                name: "units",
                kind: Kind::TextList,
                description: "",
                values: None,
                read_only: true,
            },
        ],
        temporal: "updated_at",
        geometry: &["Polygon"],
    };

    struct Site {
        name: &'static str,
        area: Option<f64>,
        at: &'static str,
        units: Vec<&'static str>,
        geometry: Geometry,
    }

    impl Record for Site {
        fn value(&self, name: &str) -> Val<'_> {
            match name {
                "name" => Val::Text(self.name),
                "area_m2" => self.area.map_or(Val::Null, Val::Number),
                "updated_at" => Val::Time(self.at.parse().unwrap()),
                "units" => Val::List(self.units.clone()),
                _ => Val::Null,
            }
        }
        fn relate(&self, other: &Geometry) -> Option<geo::relate::IntersectionMatrix> {
            Some(self.geometry.relate(other))
        }
    }

    fn garden() -> Site {
        Site {
            name: "口袋花园",
            area: Some(420.0),
            at: "2026-03-01T08:00:00Z",
            units: vec!["310107", "310107005"],
            geometry: Geometry::Point(geo::point!(x: 121.41, y: 31.24)),
        }
    }

    fn text(filter: &str) -> Result<bool, AppError> {
        compile(filter, Lang::Text, &QUERYABLES).map(|f| f.matches(&garden()))
    }

    #[test]
    fn comparisons_like_between_and_in_match_as_cql2_says() {
        for (filter, expected) in [
            ("name = '口袋花园'", true),
            ("name <> '口袋花园'", false),
            ("area_m2 > 400 AND area_m2 <= 420", true),
            ("area_m2 BETWEEN 100 AND 400", false),
            ("name LIKE '口袋%'", true),
            ("name LIKE '_袋花园'", true),
            ("name LIKE '花园'", false),
            ("name IN ('甲', '口袋花园')", true),
            ("NOT (name IN ('甲'))", true),
            ("units = '310107005'", true),
            ("units = '310107001'", false),
            ("area_m2 IS NULL", false),
            ("name = 'x' OR area_m2 >= 420", true),
        ] {
            assert_eq!(text(filter).unwrap(), expected, "{filter}");
        }
    }

    #[test]
    fn a_text_literal_beside_a_time_property_is_read_as_a_time_as_gdal_writes_it() {
        assert!(text("updated_at > '2020-01-01'").unwrap());
        assert!(!text("updated_at > '2026-03-01T08:00:00Z'").unwrap());
        assert!(text("updated_at >= TIMESTAMP('2026-03-01T08:00:00Z')").unwrap());
        assert!(text("updated_at < DATE('2027-01-01')").unwrap());
    }

    #[test]
    fn spatial_functions_relate_the_geometry_with_a_literal_and_give_the_index_a_box() {
        let inside = compile(
            "S_INTERSECTS(geometry, BBOX(121.4, 31.2, 121.5, 31.3))",
            Lang::Text,
            &QUERYABLES,
        )
        .unwrap();
        assert!(inside.matches(&garden()));
        assert!(inside.bbox.is_some(), "the query can use the R-tree");
        assert!(
            !text("S_INTERSECTS(geometry, POLYGON((121 31, 121.1 31, 121.1 31.1, 121 31)))")
                .unwrap()
        );
        assert!(
            text("S_WITHIN(geometry, POLYGON((121 31, 122 31, 122 32, 121 32, 121 31)))").unwrap()
        );
        assert!(text("S_DISJOINT(geometry, POINT(121 31))").unwrap());
    }

    #[test]
    fn attribute_conditions_are_tested_before_geometry_relations() {
        let filter = compile(
            "S_INTERSECTS(geometry, BBOX(121.4, 31.2, 121.5, 31.3)) AND name = '口袋花园'",
            Lang::Text,
            &QUERYABLES,
        )
        .unwrap();
        let Node::And(nodes) = &filter.node else {
            panic!("an AND: {:?}", filter.node);
        };
        assert!(matches!(nodes[0], Node::Compare(..)), "{nodes:?}");
        assert!(matches!(nodes[1], Node::Spatial(..)), "{nodes:?}");
        assert!(filter.matches(&garden()));
    }

    #[test]
    fn cql2_json_reads_the_same_as_text() {
        let json = r#"{"op": "and", "args": [{"op": "=", "args": [{"property": "name"}, "口袋花园"]},
                       {"op": ">", "args": [{"property": "area_m2"}, 100]}]}"#;
        assert!(
            compile(json, Lang::Json, &QUERYABLES)
                .unwrap()
                .matches(&garden())
        );
    }

    #[test]
    fn an_unknown_property_is_refused_with_the_queryables_listed() {
        let err = text("levle = 'x'").unwrap_err();
        let detail = err.problem()["detail"].as_str().unwrap().to_owned();
        assert!(
            detail.contains("levle") && detail.contains("area_m2"),
            "{detail}"
        );
        assert!(text("name = ").is_err(), "not CQL2");
        assert!(text("area_m2 > 'many'").is_err(), "not a number");
    }

    #[test]
    fn datetime_takes_instants_intervals_open_ends_and_gdals_bare_t() {
        let site = garden();
        for (value, expected) in [
            ("2026-03-01", true),
            ("2026-03-01T08:00:00Z", true),
            ("2026-03-02", false),
            ("2020-01-01T/..", true),
            ("../2026-02-28", false),
            ("2026-01-01/2026-03-01", true),
            ("0000-01-01T00:00:00Z/9999-12-31T00:00:00Z", true),
            ("2026-03-01T16:00:00 08:00/..", true),
        ] {
            assert_eq!(
                datetime(value, &QUERYABLES).unwrap().matches(&site),
                expected,
                "{value}"
            );
        }
        assert!(datetime("2026-06-01/2026-01-01", &QUERYABLES).is_err());
        assert!(datetime("soon", &QUERYABLES).is_err());
    }

    #[test]
    fn sortby_orders_by_several_keys_with_nulls_last() {
        let sort = SortBy::parse("-area_m2,name", &QUERYABLES).unwrap();
        let mut small = garden();
        small.area = Some(10.0);
        let mut none = garden();
        none.area = None;
        assert_eq!(sort.compare(&garden(), &small), Ordering::Less);
        assert_eq!(sort.compare(&none, &small), Ordering::Greater);
        assert!(SortBy::parse("units", &QUERYABLES).is_err());
    }
}
