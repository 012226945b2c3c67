//! Polygon validation at 10⁵ and 10⁶ vertices: lantu's sweep (`spatial::valid`) beside geo's
//! `Validation` (what lantu used before) on the same shapes, valid and with one crossing.
//! With `--wkt DIR` it also writes every shape as `DIR/shapes.tsv` (name, WKT) so that
//! `bench/validation.sh` can time PostGIS's `ST_IsValid` (GEOS) on exactly the same rings.
//!
//! `cargo bench --bench validation -- [--wkt DIR] [--geo-max N]`: geo runs up to `--geo-max`
//! vertices (default 20,000; at 100,000 one check takes about a minute).

use std::f64::consts::TAU;
use std::io::Write;
use std::time::Instant;

use geo::{LineString, Polygon, Validation};
use lantu::spatial::valid::check_polygon;

fn circle(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let a = i as f64 * TAU / n as f64;
            (a.cos() * 1e3, a.sin() * 1e3)
        })
        .collect()
}

/// A spine at x = 0 and n/4 horizontal teeth from x = 1 to x = 1000: every tooth spans the
/// sweep, the case an x-overlap sweep (geo's `sweep`) handles in O(n²).
fn comb(n: usize) -> Vec<(f64, f64)> {
    let teeth = n / 4;
    let mut v = vec![(0., 0.)];
    for i in 0..teeth {
        let y = 2. * i as f64;
        if i > 0 {
            v.push((1., y));
        }
        v.extend([(1000., y), (1000., y + 1.)]);
        if i + 1 < teeth {
            v.push((1., y + 1.));
        }
    }
    v.push((0., 2. * teeth as f64 - 1.));
    v
}

/// A band of width 5 winding out √n/6 turns, then back along its outer side.
fn spiral(n: usize) -> Vec<(f64, f64)> {
    let (half, turns) = (n / 2, (n as f64).sqrt() / 6.);
    let at = |t: f64, off: f64| {
        let (a, r) = (t * turns * TAU, 10. + 10. * t * turns + off);
        (r * a.cos(), r * a.sin())
    };
    (0..half)
        .map(|i| at(i as f64 / half as f64, 0.))
        .chain((0..half).rev().map(|i| at(i as f64 / half as f64, 5.)))
        .collect()
}

/// The same shape with one crossing near the end of the ring.
fn crossed(name: &str, mut v: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    let n = v.len();
    match name {
        "circle" => v.swap(n - 20, n - 19),
        "comb" => v[n - 10] = (500., v[n - 10].1 + 3.5),
        _ => {
            let k = n / 2 - 100;
            v[k] = (v[k].0 * 0.9, v[k].1 * 0.9);
        }
    }
    v
}

/// Best of `runs`, in ms (the machine is shared: the minimum is the signal).
fn best_ms(runs: usize, f: impl Fn() -> bool) -> (f64, bool) {
    let mut best = (f64::INFINITY, false);
    for _ in 0..runs {
        let t = Instant::now();
        let ok = f();
        best = (best.0.min(t.elapsed().as_secs_f64() * 1e3), ok);
    }
    best
}

fn wkt(points: &[(f64, f64)]) -> String {
    let mut s = String::from("POLYGON((");
    for (x, y) in points.iter().chain(points.first()) {
        s.push_str(&format!("{x} {y},"));
    }
    s.pop();
    s.push_str("))");
    s
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let geo_max: usize = flag("--geo-max")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let mut tsv = flag("--wkt").map(|dir| {
        std::fs::create_dir_all(&dir).expect("the --wkt folder");
        std::fs::File::create(format!("{dir}/shapes.tsv")).expect("shapes.tsv")
    });
    println!("| vertices | shape | valid | lantu ms | geo 0.33 ms |");
    println!("|---:|---|---|---:|---:|");
    for n in [20_000, 100_000, 1_000_000] {
        for name in ["circle", "comb", "spiral"] {
            let shape = match name {
                "circle" => circle(n),
                "comb" => comb(n),
                _ => spiral(n),
            };
            for (label, points) in [
                (name.to_string(), shape.clone()),
                (format!("{name}, one crossing"), crossed(name, shape)),
            ] {
                let polygon = Polygon::new(LineString::from(points.clone()), vec![]);
                let (ours, ok) = best_ms(3, || check_polygon(&polygon).is_ok());
                // geo checks every pair of segments: only the smaller sizes, and only once.
                let theirs = if n <= geo_max {
                    let (ms, geo_ok) = best_ms(1, || polygon.is_valid());
                    assert_eq!(ok, geo_ok, "{label}: lantu and geo disagree");
                    format!("{ms:.0}")
                } else {
                    "(not run: O(n²))".to_string()
                };
                println!("| {n} | {label} | {ok} | {ours:.1} | {theirs} |");
                if let Some(file) = tsv.as_mut() {
                    writeln!(file, "{n} {label}\t{}", wkt(&points)).expect("write shapes.tsv");
                }
            }
        }
    }
}
