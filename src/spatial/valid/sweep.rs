//! One Shamos–Hoey sweep over every segment of every ring of a (multi)polygon.
//!
//! The sweep runs left to right over the vertices in lexicographic (x, y) order, which
//! behaves like a sweep line tilted by an infinitesimal angle, so vertical segments need
//! no special case. At each event point it deletes the segments ending there, then
//! inserts those starting there, keeping the active segments in an AVL tree ordered along
//! the sweep line; only pairs that become neighbours are tested. Every predicate is an
//! exact `robust::orient2d` sign and every touch point is one of the input vertices, so
//! no result depends on rounding.
//!
//! Pairs that cross properly or overlap along a line are fatal. Touches (a vertex on
//! another segment) keep the status order consistent, so the sweep goes on past them and
//! settles each touch point when it gets there: the rings through it must not cross
//! there. Because the sweep stops at the first fatal pair, the classic argument holds:
//! the lexicographically first fatal point is found, at the latest, when the segments
//! ending there are deleted (crossings) or when the later segment is inserted (overlaps).
//! With no fatal pair up to a point, at most one active segment passes through it, which
//! a binary descent of the tree finds.
//!
//! On the way the sweep records, for each ring, the segment just below its lowest-leftmost
//! vertex; that yields the nesting of rings (which ring directly encloses which) in
//! O(number of rings) more work. Total: O(n log n) time and O(n) memory in the worst case.
use geo::Coord;
use robust::orient2d;
use std::cmp::Ordering;
use std::collections::HashMap;

const NIL: u32 = u32::MAX;

/// One cleaned ring: vertices `start..start + len` of [`Rings::pts`], without the closing
/// repeat and without consecutive repeats.
pub(crate) struct RingInfo {
    pub start: u32,
    pub len: u32,
}

/// All rings to sweep, flattened: vertex `v` starts segment `v`, which ends at `next(v)`.
#[derive(Default)]
pub(crate) struct Rings {
    pub pts: Vec<Coord>,
    pub ring_of: Vec<u32>,
    pub rings: Vec<RingInfo>,
}

/// The first disallowed meeting the sweep found; ring numbers index [`Rings::rings`].
pub(crate) enum Hit {
    /// A ring crosses or touches itself.
    SelfTouch { ring: u32, at: Coord },
    /// Two different rings cross, overlap along a line, or cross at a shared point.
    Cross { a: u32, b: u32, at: Coord },
}

/// For each ring, the ring that directly encloses it, and its lowest-leftmost vertex.
pub(crate) struct Nesting {
    pub parent: Vec<Option<u32>>,
    pub lexmin: Vec<u32>,
}

enum Meet {
    Apart,
    Touch(Coord),
    Fatal,
}

fn sgn(a: Coord, b: Coord, c: Coord) -> i8 {
    let rc = |p: Coord| robust::Coord { x: p.x, y: p.y };
    let o = orient2d(rc(a), rc(b), rc(c));
    (o > 0.0) as i8 - (o < 0.0) as i8
}

fn lex_lt(a: Coord, b: Coord) -> bool {
    a.x < b.x || (a.x == b.x && a.y < b.y)
}

/// The sweep order; agrees with `lex_lt` and `==` (so -0.0 equals 0.0), coordinates are finite.
fn lex(a: Coord, b: Coord) -> Ordering {
    (a.x, a.y)
        .partial_cmp(&(b.x, b.y))
        .unwrap_or(Ordering::Equal)
}

/// Orders directions from `p` (given by points `a`, `b` distinct from `p`) counterclockwise
/// starting at the positive x axis, exactly.
fn angle_cmp(p: Coord, a: Coord, b: Coord) -> Ordering {
    let half = |q: Coord| !(q.y > p.y || (q.y == p.y && q.x > p.x));
    half(a).cmp(&half(b)).then_with(|| 0.cmp(&sgn(p, a, b)))
}

/// Active segments in sweep-line order: an AVL tree in an arena, with parent links so a
/// segment's neighbours and its removal need no search; O(log n) per operation in the worst
/// case. Node `i` is allocated when segment `i` is inserted; removing a node with two
/// children moves its successor's segment into it, so `pos` says where each segment is.
struct Status {
    n: Vec<Node>,
    pos: Vec<u32>,
    root: u32,
}

#[derive(Clone, Copy)]
struct Node {
    /// Children: 0 below (left), 1 above (right); the code is written once for both sides.
    c: [u32; 2],
    p: u32,
    h: u32,
    seg: u32,
    /// The segment's (left, right) ends, kept here so a descent touches one cache line per node.
    ends: (Coord, Coord),
}

const EMPTY: Node = Node {
    c: [NIL; 2],
    p: NIL,
    h: 0,
    seg: NIL,
    ends: (Coord { x: 0., y: 0. }, Coord { x: 0., y: 0. }),
};

impl Status {
    fn new(n: usize) -> Self {
        Status {
            n: vec![EMPTY; n],
            pos: vec![NIL; n],
            root: NIL,
        }
    }
    fn h(&self, x: u32) -> u32 {
        if x == NIL { 0 } else { self.n[x as usize].h }
    }
    fn update(&mut self, x: u32) {
        let [l, r] = self.n[x as usize].c;
        self.n[x as usize].h = 1 + self.h(l).max(self.h(r));
    }
    /// In-order neighbour of node `x`: `d` = 0 for the predecessor, 1 for the successor.
    fn step(&self, mut x: u32, d: usize) -> u32 {
        let c = |x: u32, d: usize| self.n[x as usize].c[d];
        if c(x, d) != NIL {
            x = c(x, d);
            while c(x, 1 - d) != NIL {
                x = c(x, 1 - d);
            }
            return x;
        }
        while self.n[x as usize].p != NIL && c(self.n[x as usize].p, d) == x {
            x = self.n[x as usize].p;
        }
        self.n[x as usize].p
    }
    /// Replaces `old` by `new` under `parent` (or as the root).
    fn relink(&mut self, old: u32, new: u32, parent: u32) {
        if new != NIL {
            self.n[new as usize].p = parent;
        }
        if parent == NIL {
            self.root = new;
        } else {
            let d = (self.n[parent as usize].c[1] == old) as usize;
            self.n[parent as usize].c[d] = new;
        }
    }
    /// Rotates `x` above its parent, keeping the in-order sequence.
    fn rotate_up(&mut self, x: u32) {
        let y = self.n[x as usize].p;
        let d = (self.n[y as usize].c[1] == x) as usize;
        let b = self.n[x as usize].c[1 - d];
        self.n[y as usize].c[d] = b;
        if b != NIL {
            self.n[b as usize].p = y;
        }
        self.n[x as usize].c[1 - d] = y;
        let g = self.n[y as usize].p;
        self.n[y as usize].p = x;
        self.relink(y, x, g);
        self.update(y);
        self.update(x);
    }
    /// Restores heights and balance from `x` up to the root.
    fn fix(&mut self, mut x: u32) {
        while x != NIL {
            self.update(x);
            let [l, r] = self.n[x as usize].c;
            if self.h(l).abs_diff(self.h(r)) > 1 {
                let d = (self.h(r) > self.h(l)) as usize;
                let heavy = self.n[x as usize].c[d];
                let [inner, outer] = [self.n[heavy as usize].c[1 - d], self.n[heavy as usize].c[d]];
                x = if self.h(inner) > self.h(outer) {
                    self.rotate_up(inner);
                    self.rotate_up(inner);
                    inner
                } else {
                    self.rotate_up(heavy);
                    heavy
                };
            }
            x = self.n[x as usize].p;
        }
    }
    /// Hangs segment `seg` as a new leaf on side `d` of `parent` and rebalances.
    fn attach(&mut self, seg: u32, ends: (Coord, Coord), parent: u32, d: usize) {
        self.n[seg as usize] = Node {
            p: parent,
            h: 1,
            seg,
            ends,
            ..EMPTY
        };
        self.pos[seg as usize] = seg;
        match parent {
            NIL => self.root = seg,
            _ => self.n[parent as usize].c[d] = seg,
        }
        self.fix(parent);
    }
    /// Unhooks segment `seg`: a node with two children takes its successor's segment and
    /// the successor's node (at most one child) is unhooked instead.
    fn detach(&mut self, seg: u32) {
        let mut x = self.pos[seg as usize];
        if !self.n[x as usize].c.contains(&NIL) {
            let y = self.step(x, 1);
            let Node { seg, ends, .. } = self.n[y as usize];
            (self.n[x as usize].seg, self.n[x as usize].ends) = (seg, ends);
            self.pos[seg as usize] = x;
            x = y;
        }
        let Node { c: [l, r], p, .. } = self.n[x as usize];
        self.relink(x, if l == NIL { r } else { l }, p);
        self.fix(p);
    }
    /// The segment next to segment `s` (`d` = 0: below it, 1: above it), or NIL.
    fn beside(&self, s: u32, d: usize) -> u32 {
        match self.step(self.pos[s as usize], d) {
            NIL => NIL,
            x => self.n[x as usize].seg,
        }
    }
}

struct Sweep<'a> {
    g: &'a Rings,
    t: Status,
}

impl Sweep<'_> {
    fn next(&self, v: u32) -> u32 {
        let r = &self.g.rings[self.g.ring_of[v as usize] as usize];
        if v + 1 == r.start + r.len {
            r.start
        } else {
            v + 1
        }
    }
    fn prev(&self, v: u32) -> u32 {
        let r = &self.g.rings[self.g.ring_of[v as usize] as usize];
        if v == r.start {
            r.start + r.len - 1
        } else {
            v - 1
        }
    }
    fn pt(&self, v: u32) -> Coord {
        self.g.pts[v as usize]
    }
    fn ring(&self, s: u32) -> u32 {
        self.g.ring_of[s as usize]
    }
    /// Segment `s` as (left, right) in sweep order.
    fn lr(&self, s: u32) -> (Coord, Coord) {
        let (a, b) = (self.pt(s), self.pt(self.next(s)));
        if lex_lt(a, b) { (a, b) } else { (b, a) }
    }

    /// How two segments meet, from the four exact orientations.
    fn classify(&self, s: u32, t: u32) -> Meet {
        let ((a, b), (c, d)) = (self.lr(s), self.lr(t));
        let (o1, o2, o3, o4) = (sgn(a, b, c), sgn(a, b, d), sgn(c, d, a), sgn(c, d, b));
        if (o1 == o2 && o1 != 0) || (o3 == o4 && o3 != 0) {
            return Meet::Apart;
        }
        if o1 == 0 && o2 == 0 {
            // Collinear: compare the extents along the common line.
            let lo = if lex_lt(a, c) { c } else { a };
            let hi = if lex_lt(b, d) { b } else { d };
            return if lex_lt(lo, hi) {
                Meet::Fatal
            } else if lo == hi {
                Meet::Touch(lo)
            } else {
                Meet::Apart
            };
        }
        if o1 != 0 && o2 != 0 && o3 != 0 && o4 != 0 {
            return Meet::Fatal; // proper crossing
        }
        // Not parallel and one endpoint lies on the other line: that endpoint is the point.
        Meet::Touch(match (o1, o2, o3) {
            (0, _, _) => c,
            (_, 0, _) => d,
            (_, _, 0) => a,
            _ => b,
        })
    }

    fn hit(&self, s: u32, t: u32, at: Option<Coord>) -> Hit {
        let line = |s: u32| geo::Line::new(self.pt(s), self.pt(self.next(s)));
        use geo::line_intersection::{LineIntersection as L, line_intersection};
        let at = at.unwrap_or_else(|| match line_intersection(line(s), line(t)) {
            Some(L::SinglePoint { intersection, .. }) => intersection,
            Some(L::Collinear { intersection }) => intersection.start,
            None => self.pt(s),
        });
        let (a, b) = (self.ring(s), self.ring(t));
        if a == b {
            Hit::SelfTouch { ring: a, at }
        } else {
            Hit::Cross { a, b, at }
        }
    }

    /// Tests two segments that have just become neighbours.
    fn test(&self, s: u32, t: u32) -> Result<(), Hit> {
        if s == NIL || t == NIL {
            return Ok(());
        }
        match self.classify(s, t) {
            Meet::Apart => Ok(()),
            Meet::Fatal => Err(self.hit(s, t, None)),
            // Touches between rings are settled at the touch point; a ring may touch only
            // its neighbouring segments, and only at the vertex they share.
            Meet::Touch(x) if self.ring(s) == self.ring(t) => {
                let shared = (self.next(s) == t && x == self.pt(t))
                    || (self.next(t) == s && x == self.pt(s));
                if shared {
                    Ok(())
                } else {
                    Err(self.hit(s, t, Some(x)))
                }
            }
            Meet::Touch(_) => Ok(()),
        }
    }

    /// Inserts segment `s`, whose left end is the current event point, and tests it
    /// against its new neighbours. Its place is where its left end lies relative to each
    /// compared segment, or, if on it, where its right end lies; on both means overlap.
    /// Returns the segment met whose line holds the left end: for the first insertion at
    /// a point that is the one active segment through it (the descent is the one
    /// [`Sweep::locate`] would make, so it passes that segment).
    fn insert(&mut self, s: u32) -> Result<Option<u32>, Hit> {
        let (sl, sr) = self.lr(s);
        let (mut cur, mut parent, mut d, mut on) = (self.t.root, NIL, 0, None);
        while cur != NIL {
            let Node {
                ends: (tl, tr),
                seg,
                c,
                ..
            } = self.t.n[cur as usize];
            let o = match sgn(tl, tr, sl) {
                0 => {
                    on = Some(seg);
                    sgn(tl, tr, sr)
                }
                o => o,
            };
            if o == 0 {
                return Err(self.hit(s, seg, None));
            }
            (parent, d) = (cur, (o > 0) as usize);
            cur = c[d];
        }
        self.t.attach(s, (sl, sr), parent, d);
        self.test(self.t.beside(s, 0), s)?;
        self.test(s, self.t.beside(s, 1))?;
        Ok(on)
    }

    /// Removes segment `s` and tests the two segments that become neighbours.
    fn remove(&mut self, s: u32) -> Result<(), Hit> {
        let (below, above) = (self.t.beside(s, 0), self.t.beside(s, 1));
        self.t.detach(s);
        self.test(below, above)
    }

    /// The active segment passing through `p` in its interior, if any (called after the
    /// deletions at `p` when nothing starts there; at most one can exist).
    fn locate(&self, p: Coord) -> Option<u32> {
        let mut cur = self.t.root;
        while cur != NIL {
            let Node {
                ends: (tl, tr),
                seg,
                c,
                ..
            } = self.t.n[cur as usize];
            cur = match sgn(tl, tr, p) {
                0 => return Some(seg),
                o => c[(o > 0) as usize],
            };
        }
        None
    }

    /// At a point where several rings meet: no ring may pass twice, and the pairs of
    /// directions of different rings must not interleave around the point (else they
    /// cross there). Interleaving is found in O(k log k) by sorting the 2k directions and
    /// cancelling adjacent equal labels, as for balanced brackets.
    fn settle(&self, p: Coord, group: &[u32], through: Option<u32>) -> Result<(), Hit> {
        let mut rings: Vec<(u32, Coord, Coord)> = group
            .iter()
            .map(|&v| (self.ring(v), self.pt(self.prev(v)), self.pt(self.next(v))))
            .collect();
        if let Some(t) = through {
            rings.push((self.ring(t), self.pt(t), self.pt(self.next(t))));
        }
        rings.sort_unstable_by_key(|r| r.0);
        if let Some(w) = rings.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(Hit::SelfTouch {
                ring: w[0].0,
                at: p,
            });
        }
        let mut dirs: Vec<(u32, Coord)> = rings
            .iter()
            .flat_map(|r| [(r.0, r.1), (r.0, r.2)])
            .collect();
        dirs.sort_unstable_by(|a, b| angle_cmp(p, a.1, b.1));
        // Two rings leaving in one direction overlap (the sweep reports that first).
        if let Some(w) = dirs
            .windows(2)
            .find(|w| angle_cmp(p, w[0].1, w[1].1).is_eq())
        {
            return Err(Hit::Cross {
                a: w[0].0,
                b: w[1].0,
                at: p,
            });
        }
        let mut st: Vec<u32> = Vec::new();
        for (r, _) in dirs {
            if st.last() == Some(&r) {
                st.pop();
            } else {
                st.push(r);
            }
        }
        // Left over: the label whose two copies are closest encloses exactly one copy of
        // the label right after it, so those two interleave.
        let mut first: HashMap<u32, usize> = HashMap::new();
        let mut best: Option<(usize, usize)> = None;
        for (i, r) in st.iter().enumerate() {
            if let Some(&j) = first.get(r) {
                if best.is_none_or(|(d, _)| i - j < d) {
                    best = Some((i - j, j));
                }
            } else {
                first.insert(*r, i);
            }
        }
        match best {
            Some((_, j)) => Err(Hit::Cross {
                a: st[j],
                b: st[j + 1],
                at: p,
            }),
            None => Ok(()),
        }
    }
}

/// Sweeps all rings; on success returns their nesting. Rings must have at least three
/// vertices and no consecutive repeats.
pub(crate) fn sweep(g: &Rings) -> Result<Nesting, Hit> {
    let n = g.pts.len();
    let mut sw = Sweep {
        g,
        t: Status::new(n),
    };
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.sort_unstable_by(|&a, &b| lex(g.pts[a as usize], g.pts[b as usize]));
    let nr = g.rings.len();
    let (mut lexmin, mut below, mut ccw) = (vec![NIL; nr], vec![NIL; nr], vec![false; nr]);
    let mut i = 0;
    while i < n {
        let p = sw.pt(order[i]);
        let j = i + order[i..].iter().take_while(|&&v| sw.pt(v) == p).count();
        let group = &order[i..j];
        // Deletions before insertions: segments ending here never overlap those starting here.
        for &v in group {
            for (s, other) in [(v, sw.next(v)), (sw.prev(v), sw.prev(v))] {
                if lex_lt(sw.pt(other), p) {
                    sw.remove(s)?;
                }
            }
        }
        let mut through = None;
        let mut first = true;
        for &v in group {
            for (s, other) in [(v, sw.next(v)), (sw.prev(v), sw.prev(v))] {
                if lex_lt(p, sw.pt(other)) {
                    let on = sw.insert(s)?;
                    if first {
                        (through, first) = (on, false);
                    }
                }
            }
        }
        if first {
            through = sw.locate(p);
        }
        if group.len() > 1 || through.is_some() {
            sw.settle(p, group, through)?;
        }
        // A ring's first vertex in sweep order is its lowest-leftmost: both its edges start
        // there, its interior lies between them, and its turn gives its orientation.
        for &v in group {
            let r = sw.ring(v) as usize;
            if lexmin[r] != NIL {
                continue;
            }
            lexmin[r] = v;
            let (a, b) = (sw.pt(sw.prev(v)), sw.pt(sw.next(v)));
            ccw[r] = sgn(a, p, b) > 0;
            // The region just below the lower edge is outside this ring, and the segment
            // under it tells which rings enclose this one. It belongs to another ring: no
            // other segment of this ring is active yet below this, its leftmost point.
            below[r] =
                sw.t.beside(if sgn(p, a, b) > 0 { sw.prev(v) } else { v }, 0);
        }
        i = j;
    }
    // Resolve parents: the region above segment u is inside u's ring if that ring's interior
    // is on u's upper side (the ring is the parent), else it has the same enclosing rings as
    // u's ring. Every ring on such a chain gets the parent found at its end: O(rings).
    let (mut parent, mut done) = (vec![None; nr], vec![false; nr]);
    for x in 0..nr {
        let (mut chain, mut y) = (Vec::new(), x);
        let found = loop {
            if done[y] {
                break parent[y];
            }
            chain.push(y);
            let u = below[y];
            // (A chain longer than the ring count would be a cycle: impossible after a clean sweep.)
            if u == NIL || chain.len() > nr {
                break None;
            }
            let z = sw.ring(u) as usize;
            if ccw[z] == lex_lt(sw.pt(u), sw.pt(sw.next(u))) {
                break Some(z as u32);
            }
            y = z;
        };
        for c in chain {
            (parent[c], done[c]) = (found, true);
        }
    }
    Ok(Nesting { parent, lexmin })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks parent links, heights, the AVL balance and the order; returns the height.
    fn check(t: &Status, x: u32, parent: u32, out: &mut Vec<f64>) -> u32 {
        if x == NIL {
            return 0;
        }
        let Node {
            c: [l, r],
            p,
            h,
            ends,
            ..
        } = t.n[x as usize];
        assert_eq!(p, parent);
        let hl = check(t, l, x, out);
        out.push(ends.0.y);
        let hr = check(t, r, x, out);
        assert!(hl.abs_diff(hr) <= 1 && h == 1 + hl.max(hr));
        h
    }

    #[test]
    fn the_status_tree_stays_balanced_and_ordered_through_random_updates() {
        let n = 5_000u32;
        let mut t = Status::new(n as usize);
        let mut seed = 88172645463325252u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let key = |s: u32| (s as u64 * 2_654_435_761 % 10_007) as f64;
        let mut live = Vec::new();
        for s in 0..n {
            let (mut cur, mut parent, mut d) = (t.root, NIL, 0);
            while cur != NIL {
                (parent, d) = (cur, (key(s) >= t.n[cur as usize].ends.0.y) as usize);
                cur = t.n[cur as usize].c[d];
            }
            let y = key(s);
            t.attach(s, (Coord { x: 0., y }, Coord { x: 1., y }), parent, d);
            live.push(s);
            if rnd() % 3 == 0 {
                let k = (rnd() % live.len() as u64) as usize;
                t.detach(live.swap_remove(k));
            }
            if s % 97 == 0 {
                let mut out = Vec::new();
                let h = check(&t, t.root, NIL, &mut out);
                assert!(out.windows(2).all(|w| w[0] <= w[1]) && out.len() == live.len());
                assert!(h as f64 <= 1.45 * (live.len() as f64 + 2.).log2());
                for &s in &live {
                    assert_eq!(t.n[t.pos[s as usize] as usize].seg, s);
                }
            }
        }
    }
}
