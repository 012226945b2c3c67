//! Multi-source shortest paths over the walking network, bounded by a walking distance.
//!
//! One search from many sources at once (every facility of a category, each starting at its
//! snap distance) gives every node its distance to the nearest source. Buffers are reused from
//! search to search: a generation counter marks which distances belong to the current search,
//! so nothing is cleared between searches.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::graph::WalkGraph;

/// Reusable search state for one graph.
pub struct Search {
    distance: Vec<f32>,
    generation: Vec<u32>,
    current: u32,
    heap: BinaryHeap<Reverse<(u32, u32)>>,
    settled: Vec<u32>,
}

/// Non-negative floats order like their bit patterns, which makes the heap key an integer.
fn key(metres: f32) -> u32 {
    metres.to_bits()
}

impl Search {
    /// Buffers for a graph of `nodes` nodes.
    pub fn new(nodes: usize) -> Self {
        Self {
            distance: vec![f32::INFINITY; nodes],
            generation: vec![0; nodes],
            current: 0,
            heap: BinaryHeap::new(),
            settled: Vec::new(),
        }
    }

    /// Walks out from `sources` (node, metres already walked to reach it) and settles every node
    /// within `cutoff` metres; returns them in the order settled (nearest first).
    pub fn run(&mut self, graph: &WalkGraph, sources: &[(u32, f32)], cutoff: f32) -> &[u32] {
        self.current = self.current.wrapping_add(1);
        if self.current == 0 {
            self.generation.fill(0);
            self.current = 1;
        }
        self.heap.clear();
        self.settled.clear();
        for &(node, start) in sources {
            if start <= cutoff && start < self.get(node) {
                self.set(node, start);
                self.heap.push(Reverse((key(start), node)));
            }
        }
        while let Some(Reverse((k, node))) = self.heap.pop() {
            let here = f32::from_bits(k);
            if here > self.get(node) {
                continue; // a shorter way was found after this entry was queued
            }
            self.settled.push(node);
            for (next, metres) in graph.edges(node) {
                let there = here + metres;
                if there <= cutoff && there < self.get(next) {
                    self.set(next, there);
                    self.heap.push(Reverse((key(there), next)));
                }
            }
        }
        &self.settled
    }

    /// The nodes the last search settled, nearest first.
    pub fn settled(&self) -> &[u32] {
        &self.settled
    }

    /// The distance the last search found to `node` (infinity if beyond its cutoff).
    pub fn get(&self, node: u32) -> f32 {
        let i = node as usize;
        if self.generation[i] == self.current {
            self.distance[i]
        } else {
            f32::INFINITY
        }
    }

    fn set(&mut self, node: u32, metres: f32) {
        let i = node as usize;
        self.generation[i] = self.current;
        self.distance[i] = metres;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3 × 3 grid of 100 m blocks, nodes numbered row by row.
    fn grid() -> WalkGraph {
        let coords = (0..9)
            .map(|i| [f64::from(i % 3), f64::from(i / 3)])
            .collect();
        let mut segments = Vec::new();
        for i in 0..9u32 {
            if i % 3 < 2 {
                segments.push((i, i + 1, 100.0));
            }
            if i < 6 {
                segments.push((i, i + 3, 100.0));
            }
        }
        WalkGraph::from_segments(coords, (0..9).collect(), &segments)
    }

    #[test]
    fn distances_on_a_grid_are_manhattan_and_the_cutoff_bounds_the_search() {
        let g = grid();
        let mut search = Search::new(g.node_count());
        let settled = search.run(&g, &[(0, 0.0)], 250.0).to_vec();
        assert_eq!(
            search.get(8),
            f32::INFINITY,
            "400 m away, beyond the cutoff"
        );
        assert_eq!(
            (search.get(4), search.get(2), search.get(5)),
            (200.0, 200.0, f32::INFINITY)
        );
        assert_eq!(settled.len(), 6);
    }

    #[test]
    fn several_sources_give_the_distance_to_the_nearest_and_a_new_search_forgets_the_last() {
        let g = grid();
        let mut search = Search::new(g.node_count());
        search.run(&g, &[(0, 0.0), (8, 30.0)], 1000.0);
        assert_eq!(
            (search.get(4), search.get(5), search.get(6)),
            (200.0, 130.0, 200.0)
        );
        search.run(&g, &[(2, 0.0)], 100.0);
        assert_eq!((search.get(0), search.get(1)), (f32::INFINITY, 100.0));
    }
}
