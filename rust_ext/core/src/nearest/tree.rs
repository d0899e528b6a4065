//! All nearest neighbours on the bucket tree (`buckets.rs`), a leaf at a time: the
//! pairs within the leaf give every query a first candidate, then the search goes up
//! from the leaf, into the sibling of each ancestor (nearer child first), pruned by
//! the exact integer distance between boxes and by the lowest index under a node
//! (equal distance and no lower index: nothing to win), until every query's ball of
//! candidates lies in the key range searched so far (`buckets::ball_within`). A point
//! with twins has its answer at once: its lowest-indexed twin, at distance 0.

use crate::buckets::{ball_within, Buckets, Node, LEAF_SIZE};
use crate::chunks;
use crate::control::{Control, Stopped};
use crate::geometry::{better, squared, Best, NO_CANDIDATE};
use crate::zorder::Grouped;

use super::{answer_twins, Answers};

/// The search of one leaf's queries. `found` gets every point of the leaf.
pub(crate) fn answer_leaf<A: Answers>(
    tree: &Buckets,
    grouped: &Grouped,
    leaf: usize,
    stack: &mut Vec<(usize, u64)>,
    answers: &mut A,
) {
    let range = tree.leaf_range(leaf);
    let first = range.start;
    let here = &grouped.positions[range.clone()];
    let ids = &grouped.lowest[range.clone()];
    let count = here.len();
    debug_assert!(
        count <= LEAF_SIZE,
        "the tree's leaves hold LEAF_SIZE positions at most"
    );
    let mut best = [NO_CANDIDATE; LEAF_SIZE];
    // Queries still searching: positions held by one point (the others are answered
    // by their twins) whose answer may still lie beyond what was searched.
    let mut open = [false; LEAF_SIZE];
    for (p, open) in open.iter_mut().enumerate().take(count) {
        *open = !answer_twins(grouped.members(first + p), answers);
    }
    let single = open;
    if !open.iter().any(|&open| open) {
        return;
    }
    for j in 0..count {
        for k in j + 1..count {
            let d = squared(here[j], here[k]);
            if better!((d, ids[k]), best[j]) {
                best[j] = (d, ids[k]);
            }
            if better!((d, ids[j]), best[k]) {
                best[k] = (d, ids[j]);
            }
        }
    }
    // The largest best among the open queries: a node farther than that (or as far,
    // with no lower index) has nothing for any of them.
    let bound = |best: &[Best; LEAF_SIZE], open: &[bool; LEAF_SIZE]| {
        (0..count)
            .filter(|&j| open[j])
            .map(|j| best[j])
            .max()
            .expect("asked only while some query is open")
    };
    let leaves = tree.leaves();
    let own = tree.node(leaves + leaf).rect;
    // Bottom-up: while some query may have its answer outside the subtree searched so
    // far, search the sibling of the next ancestor (depth-first, nearer child on top).
    let mut ancestor = leaves + leaf;
    let mut height = 0;
    loop {
        let keys = tree.subtree_keys(grouped, ancestor, height);
        let mut any_open = false;
        for j in 0..count {
            if open[j] {
                open[j] = !ball_within(grouped, here[j], best[j], keys);
                any_open |= open[j];
            }
        }
        if !any_open || ancestor <= 1 {
            break;
        }
        let mut radius = bound(&best, &open);
        let sibling = ancestor ^ 1;
        ancestor /= 2;
        height += 1;
        stack.clear();
        stack.push((sibling, own.squared_to_rect(&tree.node(sibling).rect)));
        while let Some((v, distance)) = stack.pop() {
            let node = tree.node(v);
            if (distance, node.lowest) > radius {
                continue;
            }
            if v >= leaves {
                let range = tree.leaf_range(v - leaves);
                let there = &grouped.positions[range.clone()];
                let their_ids = &grouped.lowest[range];
                for j in 0..count {
                    if !open[j]
                        || !better!((node.rect.squared_to_point(here[j]), node.lowest), best[j])
                    {
                        continue;
                    }
                    let q = here[j];
                    let mut b = best[j];
                    for (&p, &id) in there.iter().zip(their_ids) {
                        let candidate = (squared(q, p), id);
                        if better!(candidate, b) {
                            b = candidate;
                        }
                    }
                    best[j] = b;
                }
                radius = bound(&best, &open);
                continue;
            }
            let (left, right) = (tree.node(2 * v), tree.node(2 * v + 1));
            let (dl, dr) = (
                own.squared_to_rect(&left.rect),
                own.squared_to_rect(&right.rect),
            );
            let mut push = |child: usize, node: Node, d: u64| {
                if (d, node.lowest) <= radius {
                    stack.push((child, d));
                }
            };
            if dl <= dr {
                push(2 * v + 1, right, dr);
                push(2 * v, left, dl);
            } else {
                push(2 * v, left, dl);
                push(2 * v + 1, right, dr);
            }
        }
    }
    for j in 0..count {
        if single[j] {
            answers.found(ids[j], best[j].1, best[j].0);
        }
    }
}

/// Every point's nearest other point on the tree `buckets` of `grouped`, a chunk of
/// leaves at a time.
pub(crate) fn answer_all<A: Answers, R: Send>(
    grouped: &Grouped,
    buckets: &Buckets,
    control: &dyn Control,
    answers: impl Fn() -> A + Sync,
    done: impl Fn(A) -> R + Sync,
) -> Result<Vec<R>, Stopped> {
    let leaves = buckets.leaves();
    // Leaves per chunk: a few thousand points, well under a millisecond.
    let chunk = chunks::chunk_size(control, leaves, 64).min(1024);
    chunks::run(control, leaves, chunk, |_, range| {
        let mut collector = answers();
        let mut stack = Vec::with_capacity(64);
        for leaf in range.clone() {
            answer_leaf(buckets, grouped, leaf, &mut stack, &mut collector);
        }
        let first = buckets.leaf_range(range.start).start;
        let end = buckets.leaf_range(range.end - 1).end;
        let points_done = grouped.starts[end] - grouped.starts[first];
        control.tick(points_done as usize)?;
        Ok(done(collector))
    })
}
