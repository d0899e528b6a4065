//! A set of points asked many questions: the points, plus the spatial index built by
//! the first question that needs it and reused by every later one.
//!
//! The index is built at most once: threads that ask together wait for the one that
//! builds; a build that is stopped (Ctrl-C) leaves nothing behind, and the next
//! question builds again. A process forked while one of its threads was building
//! finds the index unbuilt and builds its own (the building thread was not copied).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::chunks;
use crate::closest::{self, CLOSEST_BRUTE_FORCE_MAX};
use crate::control::{Control, Stopped};
use crate::index::Index;
use crate::nearest::{self, Neighbours, BRUTE_FORCE_MAX};
use crate::point::Point;
use crate::route::{self, ROUTE_BRUTE_FORCE_MAX};
use crate::zorder;

/// How often a question waiting for another thread's build looks again (and lets its
/// caller check for Ctrl-C).
pub const WAIT_STEP: Duration = Duration::from_micros(500);

/// Up to this many points every question answers without an index (`BRUTE_FORCE_MAX`
/// is the smallest of the questions' direct limits).
pub const INDEX_MIN: usize = BRUTE_FORCE_MAX;

/// The points and what has been computed about them.
pub struct PointSet {
    points: Arc<Vec<Point>>,
    index: BuiltOnce<Index>,
    /// The closest pair, kept by the all-nearest search, which finds it anyway.
    closest: OnceLock<(usize, usize, f64)>,
    summary: OnceLock<Option<Summary>>,
}

/// The bounding box and the coordinate sums of a non-empty set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub low: Point,
    pub high: Point,
    pub sum_x: u128,
    pub sum_y: u128,
}

impl Summary {
    /// `(sum(xs) / n, sum(ys) / n)`, each rounded once, as Python divides ints.
    pub fn centroid(&self, count: usize) -> (f64, f64) {
        (
            divide(self.sum_x, count as u128),
            divide(self.sum_y, count as u128),
        )
    }
}

impl PointSet {
    /// A set of `points`, which must number fewer than `u32::MAX` (callers check).
    pub fn new(points: Arc<Vec<Point>>) -> PointSet {
        PointSet {
            points,
            index: BuiltOnce::default(),
            closest: OnceLock::new(),
            summary: OnceLock::new(),
        }
    }

    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The points, shared (a new set of the same points need not copy them).
    pub fn shared_points(&self) -> Arc<Vec<Point>> {
        Arc::clone(&self.points)
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Whether the index must still be built, and by whom: a caller that runs
    /// questions on a thread pool claims on a thread of its own first, and waits there
    /// while another thread builds (a pool thread that sleeps waiting may be the one the
    /// build's own parallel work needs).
    pub fn claim_index(self: &Arc<Self>) -> IndexClaim {
        if self.len() <= INDEX_MIN {
            return IndexClaim::Built;
        }
        match self.index.claim() {
            Claimed::Built(_) => IndexClaim::Built,
            Claimed::Mine => IndexClaim::Mine(IndexBuild {
                set: Arc::clone(self),
            }),
            Claimed::Busy => IndexClaim::Busy,
        }
    }

    /// The index, built now if no question built it before (waiting meanwhile for
    /// another thread's build: see `claim_index`).
    pub fn index(&self, control: &dyn Control) -> Result<&Index, Stopped> {
        self.index
            .get_or_build(control, || Index::build(Arc::clone(&self.points), control))
    }

    /// The bounding box and coordinate sums; `None` for an empty set.
    pub fn summary(&self, control: &dyn Control) -> Result<Option<Summary>, Stopped> {
        if let Some(summary) = self.summary.get() {
            return Ok(*summary);
        }
        let summary = summarise(&self.points, control)?;
        Ok(*self.summary.get_or_init(|| summary))
    }

    /// For each point, its nearest other point and the distance; ties: lowest index.
    /// Fewer than two points: every index is -1 (callers raise before that).
    pub fn nearest_neighbours(&self, control: &dyn Control) -> Result<Neighbours, Stopped> {
        let n = self.len();
        if n < 2 {
            return Ok(Neighbours {
                indices: vec![-1; n],
                distances: vec![0.0; n],
            });
        }
        if n <= BRUTE_FORCE_MAX {
            return Ok(nearest::nearest_directly(&self.points));
        }
        let (neighbours, closest) = nearest::nearest_on(self.index(control)?, control)?;
        let _ = self.closest.set(closest);
        Ok(neighbours)
    }

    /// The closest pair `(i, j, distance)`, `i < j`, smallest `(i, j)` on ties; kept
    /// from the nearest neighbours if they were asked first. Fewer than two points:
    /// `(0, 0, 0.0)` (callers raise before that).
    pub fn closest_pair(&self, control: &dyn Control) -> Result<(usize, usize, f64), Stopped> {
        let n = self.len();
        if n < 2 {
            return Ok((0, 0, 0.0));
        }
        if let Some(&closest) = self.closest.get() {
            return Ok(closest);
        }
        let closest = if n <= CLOSEST_BRUTE_FORCE_MAX {
            closest::closest_directly(&self.points)
        } else {
            closest::closest_on(self.index(control)?, control)?
        };
        Ok(*self.closest.get_or_init(|| closest))
    }

    /// The greedy nearest-neighbour tour from `start`; ties: lowest index. `start` out
    /// of range: an empty route (callers raise before that).
    pub fn greedy_route(&self, start: usize, control: &dyn Control) -> Result<Vec<i64>, Stopped> {
        let n = self.len();
        if start >= n {
            return Ok(Vec::new());
        }
        if n <= ROUTE_BRUTE_FORCE_MAX {
            return Ok(route::greedy_route_directly(&self.points, start));
        }
        route::route_on(self.index(control)?, start, control)
    }

    /// The length of the path through the points in stored order, correctly rounded.
    pub fn path_length(&self, control: &dyn Control) -> Result<f64, Stopped> {
        route::path_length_by(self.len(), |k| self.points[k], control)
    }

    /// The length of the path through the points at `order` (each below `len()`),
    /// correctly rounded, without making the reordered points.
    pub fn path_length_of(&self, order: &[usize], control: &dyn Control) -> Result<f64, Stopped> {
        route::path_length_by(order.len(), |k| self.points[order[k]], control)
    }
}

/// The bounding box and coordinate sums of `points`, in chunks.
fn summarise(points: &[Point], control: &dyn Control) -> Result<Option<Summary>, Stopped> {
    if points.is_empty() {
        return Ok(None);
    }
    let (low, high) = zorder::bounds(points, control)?;
    let chunk = chunks::chunk_size(control, points.len(), 1 << 16);
    let sums = chunks::run(control, points.len(), chunk, |_, range| {
        let (mut x, mut y) = (0u128, 0u128);
        for p in &points[range] {
            x += u128::from(p.x);
            y += u128::from(p.y);
        }
        control.tick(0)?;
        Ok((x, y))
    })?;
    let (sum_x, sum_y) = sums
        .into_iter()
        .fold((0, 0), |(x, y), (a, b)| (x + a, y + b));
    Ok(Some(Summary {
        low,
        high,
        sum_x,
        sum_y,
    }))
}

/// `a / b` rounded once to the nearest `f64` (ties to even), as Python's `int / int`;
/// `0 < b < 2^32` and `a < 2^64` (sums of fewer than 2^32 coordinates below 2^32).
fn divide(a: u128, b: u128) -> f64 {
    assert!(
        b > 0 && b < 1 << 32 && a < 1 << 64,
        "a set's sums and count"
    );
    const EXACT: u128 = 1 << f64::MANTISSA_DIGITS;
    if a < EXACT {
        // Both exact as f64; IEEE division rounds the quotient once.
        return a as f64 / b as f64;
    }
    // a >= 2^53 and b < 2^32: scaled by 2^62 the quotient has over 80 significant bits.
    // Rounding it once, with a sticky bit below the last for a non-zero remainder, is
    // rounding the exact quotient (the sticky bit only breaks what would be a tie).
    let scaled = a << 62;
    let (quotient, remainder) = (scaled / b, scaled % b);
    let sticky = (quotient << 1) | u128::from(remainder != 0);
    // `u128 as f64` rounds to nearest, ties to even; the power of two is exact.
    (sticky as f64) * 2f64.powi(-63)
}

/// A value built at most once, by whichever thread asks first (see the module
/// documentation).
struct BuiltOnce<T> {
    value: OnceLock<T>,
    /// The id of the process one of whose threads is building the value, or 0. Any
    /// other process's id here was copied by `fork` from a parent's build in flight.
    builder: AtomicU32,
}

impl<T> Default for BuiltOnce<T> {
    fn default() -> Self {
        BuiltOnce {
            value: OnceLock::new(),
            builder: AtomicU32::new(0),
        }
    }
}

/// What `BuiltOnce::claim` found.
enum Claimed<'a, T> {
    Built(&'a T),
    /// This thread must build now; the claim is given back with `release`.
    Mine,
    /// Another thread of this process is building.
    Busy,
}

impl<T> BuiltOnce<T> {
    fn claim(&self) -> Claimed<'_, T> {
        let me = std::process::id();
        loop {
            if let Some(value) = self.value.get() {
                return Claimed::Built(value);
            }
            let builder = self.builder.load(Ordering::Acquire);
            if builder == me {
                return Claimed::Busy;
            }
            if self
                .builder
                .compare_exchange(builder, me, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                continue;
            }
            // A thread that finished building between our look and our claim.
            if let Some(value) = self.value.get() {
                self.release();
                return Claimed::Built(value);
            }
            return Claimed::Mine;
        }
    }

    fn release(&self) {
        self.builder.store(0, Ordering::Release);
    }

    /// The value, built now if need be, waiting meanwhile for another thread's build.
    /// The wait sleeps: never call this where the thread building may need this one
    /// (a rayon worker that the build's own parallel work may be waiting on); claim
    /// first on a thread of one's own instead (`PointSet::claim_index`).
    fn get_or_build(
        &self,
        control: &dyn Control,
        build: impl FnOnce() -> Result<T, Stopped>,
    ) -> Result<&T, Stopped> {
        loop {
            match self.claim() {
                Claimed::Built(value) => return Ok(value),
                Claimed::Busy => {
                    control.tick(0)?;
                    std::thread::sleep(WAIT_STEP);
                }
                Claimed::Mine => {
                    let _claim = Release(self);
                    let value = build()?;
                    return Ok(self.value.get_or_init(|| value));
                }
            }
        }
    }
}

/// Gives a claim back when the builder returns, is stopped, or unwinds.
struct Release<'a, T>(&'a BuiltOnce<T>);

impl<T> Drop for Release<'_, T> {
    fn drop(&mut self) {
        self.0.release();
    }
}

/// What `PointSet::claim_index` found.
pub enum IndexClaim {
    /// The index is there (or the set is too small to need one).
    Built,
    /// The caller must build it: `build` it, on whatever thread suits.
    Mine(IndexBuild),
    /// Another thread of this process is building it: ask again later.
    Busy,
}

/// The claim to build a set's index: built by `build`, given back when dropped.
pub struct IndexBuild {
    set: Arc<PointSet>,
}

impl IndexBuild {
    /// Build the index; stopped, it leaves nothing behind.
    pub fn build(self, control: &dyn Control) -> Result<(), Stopped> {
        let index = Index::build(self.set.shared_points(), control)?;
        let _ = self.set.index.value.set(index);
        Ok(())
    }
}

impl Drop for IndexBuild {
    fn drop(&mut self) {
        self.set.index.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::Sequential;
    use crate::test_support::Pool;

    #[test]
    fn division_rounds_once_as_python_does() {
        // Each right-hand side is what Python prints for `a / b`.
        for (a, b, python) in [
            (1u128 << 60, 3u128, 3.843_071_682_022_823e17),
            (u64::MAX.into(), 7, 2.635_249_153_387_078_7e18),
            // 2^53 + 1 is a tie between two doubles: to even.
            ((1 << 53) + 1, 1, 9_007_199_254_740_992.0),
            ((1 << 54) + 3, 2, 9_007_199_254_740_994.0),
            (7, 2, 3.5),
            (0, 5, 0.0),
            (
                10_508_965_330_920_255_989,
                3_639_700_192,
                2_887_316_200.938_414,
            ),
            (
                14_098_162_137_463_602_736,
                271_041_746,
                52_014_725_943.595_43,
            ),
            (
                2_184_223_319_036_539_964,
                2_127_877_500,
                1_026_479_822.751_328_5,
            ),
            (
                8_300_653_786_080_112_452,
                2_028_277_858,
                4_092_463_837.407_879,
            ),
            (
                7_011_672_059_278_183_451,
                3_387_541_015,
                2_069_841_229.443_589,
            ),
            (
                1_740_410_960_734_034_221,
                2_095_328_387,
                830_614_891.456_646_1,
            ),
        ] {
            assert_eq!(divide(a, b).to_bits(), f64::to_bits(python), "{a} / {b}");
        }
    }

    #[test]
    fn the_index_is_built_once_and_shared() {
        let points: Vec<Point> = (0..5000u32)
            .map(|k| Point::new(k * 7919 % 10_007, k * 31 % 9973))
            .collect();
        let set = PointSet::new(Arc::new(points.clone()));
        let first = set.index(&Sequential).unwrap() as *const Index;
        let again = set.index(&Sequential).unwrap() as *const Index;
        assert_eq!(first, again);
        let pool = Pool::new(2);
        let (a, b) = pool.install(|| {
            rayon::join(
                || set.nearest_neighbours(&pool).unwrap(),
                || set.nearest_neighbours(&pool).unwrap(),
            )
        });
        assert_eq!(a, b);
        assert_eq!(
            a,
            nearest::nearest_neighbours(&points, &Sequential).unwrap()
        );
    }

    #[test]
    fn a_stopped_build_leaves_nothing_behind() {
        let points: Vec<Point> = (0..50_000u32)
            .map(|k| Point::new(k.wrapping_mul(2_654_435_761), k))
            .collect();
        let set = PointSet::new(Arc::new(points));
        let stopping = Pool::stopping_after(1, 0);
        assert!(set.index(&stopping).is_err());
        assert!(set.index.value.get().is_none());
        assert_eq!(set.index.builder.load(Ordering::Relaxed), 0);
        assert!(set.index(&Sequential).is_ok());
    }

    #[test]
    fn the_closest_pair_is_kept_from_the_nearest_neighbours() {
        let points: Vec<Point> = (0..1000u32)
            .map(|k| Point::new(k * 17 % 1009, k * 13 % 997))
            .collect();
        let set = PointSet::new(Arc::new(points.clone()));
        set.nearest_neighbours(&Sequential).unwrap();
        assert!(set.closest.get().is_some());
        assert_eq!(
            set.closest_pair(&Sequential).unwrap(),
            closest::closest_directly(&points)
        );
    }

    #[test]
    fn path_length_of_an_order_reads_the_points_there() {
        let points = [Point::new(0, 0), Point::new(3, 4), Point::new(3, 0)];
        let set = PointSet::new(Arc::new(points.to_vec()));
        assert_eq!(set.path_length(&Sequential), Ok(9.0));
        assert_eq!(set.path_length_of(&[2, 0, 1], &Sequential), Ok(8.0));
        assert_eq!(set.path_length_of(&[1], &Sequential), Ok(0.0));
        assert_eq!(set.path_length_of(&[], &Sequential), Ok(0.0));
    }
}
