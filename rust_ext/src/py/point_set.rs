//! `PointSet` as a Python class over `legacy_core::point_set::PointSet`: the points as
//! plain `u32` pairs (8 bytes a point, no Python object a point), immutable, with the
//! spatial index built by the first question and reused by the next.
//!
//! The class is `frozen` (no borrow flag: any number of threads may ask at once) and
//! registered as a `collections.abc.Sequence` of `Point`.

use std::sync::Arc;

use legacy_core::point_set::PointSet as CorePointSet;
use legacy_core::Point as CorePoint;
use numpy::ndarray::Array2;
use numpy::{PyArray2, PyArrayMethods};
use pyo3::basic::CompareOp;
use pyo3::exceptions::{PyImportError, PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PySlice, PyTuple, PyType};
use pyo3::IntoPyObjectExt;

use crate::py::arguments::type_name;
use crate::py::batch::{self, StartArgument};
use crate::py::errors::Result;
use crate::py::numpy_api;
use crate::py::point::Point;
use crate::py::points_file;
use crate::py::points_input::{self, Form};
use crate::py::workers;

/// What an index out of range says, as a list's does.
const OUT_OF_RANGE: &str = "PointSet index out of range";

/// Points held as two columns of ``u32``, immutable, asked questions.
///
/// ``PointSet(points)`` copies a sequence of ``Point``, an ``(n, 2)`` NumPy array of
/// non-negative ints or another ``PointSet``, with the batch functions' checks;
/// ``PointSet.load(path)`` reads a points file. A read-only sequence of ``Point``. The
/// spatial index is built by the first question that needs it and reused by the next.
/// Answers are NumPy arrays and scalars when NumPy is installed, else lists and numbers.
// module = "legacy_app": pickles name the public place, so they load under either backend.
// `subclass` and `weakref`, as for the reference's class.
#[pyclass(
    module = "legacy_app",
    name = "PointSet",
    frozen,
    subclass,
    weakref,
    sequence
)]
pub struct PointSet {
    set: Arc<CorePointSet>,
}

impl PointSet {
    fn from_points(points: Vec<CorePoint>) -> Result<PointSet> {
        Ok(PointSet {
            set: Arc::new(points_input::point_set("PointSet", points)?),
        })
    }

    /// `set` as an instance of `class` (this class or a subclass of it).
    fn of_class<'py>(class: &Bound<'py, PyType>, set: PointSet) -> PyResult<Bound<'py, PyAny>> {
        let py = class.py();
        let made = Bound::new(py, set)?.into_any();
        if class.is(py.get_type::<PointSet>()) {
            return Ok(made);
        }
        // A subclass: its own __new__ makes the object, sharing these points.
        class.call_method1(pyo3::intern!(py, "__new__"), (class, made))
    }

    /// A subclass instance's attributes (its `__dict__`), when it has any.
    fn state<'py>(slf: &Bound<'py, Self>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match slf.getattr(pyo3::intern!(slf.py(), "__dict__")) {
            Ok(state) if state.is_truthy()? => Ok(Some(state)),
            _ => Ok(None),
        }
    }

    /// The core set, shared: the batch functions ask it their question directly.
    pub fn core(&self) -> Arc<CorePointSet> {
        Arc::clone(&self.set)
    }

    fn points(&self) -> &[CorePoint] {
        self.set.points()
    }

    /// `index` as a position within the set (negative counts from the end), or the
    /// `IndexError` a list gives.
    fn position(&self, index: &Bound<'_, PyAny>, what: &str) -> Result<usize> {
        let int = match crate::py::arguments::index(index, "index") {
            Ok(int) => int,
            Err(error) if error.is_instance_of::<PyTypeError>(index.py()) => {
                return Err(PyTypeError::new_err(format!(
                    "PointSet indices must be {what}, not {}",
                    type_name(index)
                ))
                .into())
            }
            Err(error) => return Err(error.into()),
        };
        let len = self.points().len() as i128;
        // An int beyond i128 is out of range all the same.
        let k = int.extract::<i128>().unwrap_or(i128::MAX);
        let k = if k < 0 { k + len } else { k };
        if !(0..len).contains(&k) {
            return Err(PyIndexError::new_err(OUT_OF_RANGE).into());
        }
        Ok(k as usize)
    }

    /// The positions `order` names (a sequence of ints or an integer array).
    fn positions(&self, order: &Bound<'_, PyAny>) -> Result<Vec<usize>> {
        // A route from `greedy_route`: an int64 array, read without a Python int each.
        if let Some(array) = numpy_api::exact_array_of::<i64>(order) {
            if let Ok(readonly) = array.try_readonly() {
                if let Ok(values) = readonly.as_slice() {
                    let len = self.points().len() as i64;
                    return values
                        .iter()
                        .map(|&k| {
                            let k = if k < 0 { k + len } else { k };
                            (0..len)
                                .contains(&k)
                                .then_some(k as usize)
                                .ok_or_else(|| PyIndexError::new_err(OUT_OF_RANGE).into())
                        })
                        .collect();
                }
            }
        }
        let Ok(items) = order.try_iter() else {
            return Err(PyTypeError::new_err(format!(
                "order must be a sequence of integers, not {}",
                type_name(order)
            ))
            .into());
        };
        let mut positions = Vec::with_capacity(order.len().unwrap_or(0));
        for item in items {
            positions.push(self.position(&item?, "integers")?);
        }
        Ok(positions)
    }

    fn same_points(&self, other: &PointSet) -> bool {
        Arc::ptr_eq(&self.set, &other.set) || self.points() == other.points()
    }

    /// The positions in `range` where `value` is stored: by its stored coordinates if it
    /// is a `Point` (of any subclass, as `==` and the batch functions read a Point),
    /// nowhere for anything else (whose `__eq__` is not asked).
    fn positions_of(
        &self,
        value: &Bound<'_, PyAny>,
        range: std::ops::Range<usize>,
    ) -> Result<impl Iterator<Item = usize> + '_> {
        let wanted = match value.cast::<Point>() {
            Ok(point) => Some(Point::coordinates(point)?),
            Err(_) => None,
        };
        let points = &self.points()[range.clone()];
        Ok(points
            .iter()
            .zip(range)
            .filter(move |&(&point, _)| Some(point) == wanted)
            .map(|(_, k)| k))
    }
}

#[pymethods]
impl PointSet {
    #[new]
    #[pyo3(signature = (points), text_signature = "(points)")]
    fn new(points: &Bound<'_, PyAny>) -> Result<Self> {
        if let Ok(other) = points.cast::<PointSet>() {
            // Immutable: the same points serve both; the new set builds its own index.
            return Ok(PointSet {
                set: Arc::new(CorePointSet::new(other.get().set.shared_points())),
            });
        }
        PointSet::from_points(points_input::read(points, "PointSet")?.points)
    }

    /// Read a points file (one ``x,y`` a line) as ``load_points`` does, keeping no
    /// Python object a point. ``progress(done, total)`` counts bytes.
    #[classmethod]
    #[pyo3(signature = (path, *, progress = None))]
    fn load<'py>(
        cls: &Bound<'py, PyType>,
        path: &Bound<'py, PyAny>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyAny>> {
        let set = PointSet::from_points(points_file::load_columns(path, progress)?)?;
        Ok(PointSet::of_class(cls, set)?)
    }

    /// The set whose columns are ``xs`` and ``ys``, little-endian ``u32`` each (pickles).
    #[classmethod]
    fn _from_columns<'py>(
        cls: &Bound<'py, PyType>,
        xs: &Bound<'py, PyAny>,
        ys: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyAny>> {
        let bytes = |column: &Bound<'py, PyAny>| -> PyResult<Vec<u8>> {
            match column.cast::<PyBytes>() {
                Ok(bytes) => Ok(bytes.as_bytes().to_vec()),
                Err(_) => Err(PyTypeError::new_err(format!(
                    "PointSet columns must be bytes, not {}",
                    type_name(column)
                ))),
            }
        };
        let (xs, ys) = (bytes(xs)?, bytes(ys)?);
        if !xs.len().is_multiple_of(4) || xs.len() != ys.len() {
            return Err(PyValueError::new_err(
                "PointSet columns must be little-endian u32 bytes of equal length",
            )
            .into());
        }
        let column = |bytes: &[u8]| {
            bytes
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect::<Vec<u32>>()
        };
        let points = column(&xs)
            .into_iter()
            .zip(column(&ys))
            .map(|(x, y)| CorePoint::new(x, y))
            .collect();
        Ok(PointSet::of_class(cls, PointSet::from_points(points)?)?)
    }

    fn __len__(&self) -> usize {
        self.points().len()
    }

    fn __getitem__<'py>(
        slf: &Bound<'py, Self>,
        index: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyAny>> {
        let py = index.py();
        let this = slf.get();
        if let Ok(slice) = index.cast::<PySlice>() {
            let indices = slice.indices(this.points().len() as isize)?;
            let picked = (0..indices.slicelength)
                .map(|k| this.points()[(indices.start + k as isize * indices.step) as usize])
                .collect();
            let set = PointSet::from_points(picked)?;
            return Ok(PointSet::of_class(&slf.get_type(), set)?);
        }
        let k = this.position(index, "integers or slices")?;
        Ok(Bound::new(py, Point::from(this.points()[k]))?.into_any())
    }

    fn __iter__(slf: Bound<'_, Self>) -> PointSetIterator {
        PointSetIterator::new(slf.get().core(), false)
    }

    fn __reversed__(slf: Bound<'_, Self>) -> PointSetIterator {
        PointSetIterator::new(slf.get().core(), true)
    }

    fn __contains__(&self, value: &Bound<'_, PyAny>) -> Result<bool> {
        Ok(self
            .positions_of(value, 0..self.points().len())?
            .next()
            .is_some())
    }

    /// The first position of ``value`` in ``[start:stop]``; ``ValueError`` if absent.
    #[pyo3(
        signature = (value, start = None, stop = None),
        text_signature = "($self, value, start=0, stop=9223372036854775807)"
    )]
    fn index(
        &self,
        value: &Bound<'_, PyAny>,
        start: Option<&Bound<'_, PyAny>>,
        stop: Option<&Bound<'_, PyAny>>,
    ) -> Result<usize> {
        let py = value.py();
        // As `slice(start, stop).indices(len)` reads them (negative from the end).
        let slice = py
            .import("builtins")?
            .getattr("slice")?
            .call1((start.map_or(0.into_bound_py_any(py)?, Bound::clone), stop))?;
        let (first, last, _): (usize, usize, isize) = slice
            .call_method1("indices", (self.points().len(),))?
            .extract()?;
        self.positions_of(value, first..last.max(first))?
            .next()
            .ok_or_else(|| PyValueError::new_err("PointSet.index(x): x not in PointSet").into())
    }

    /// How many times ``value`` is stored.
    fn count(&self, value: &Bound<'_, PyAny>) -> Result<usize> {
        Ok(self.positions_of(value, 0..self.points().len())?.count())
    }

    /// ``(min_x, min_y, max_x, max_y)``, or ``None`` for an empty set.
    #[getter]
    fn bounds(&self, py: Python<'_>) -> Result<Option<(u32, u32, u32, u32)>> {
        Ok(self
            .summary(py)?
            .map(|s| (s.low.x, s.low.y, s.high.x, s.high.y)))
    }

    /// ``(sum(xs) / n, sum(ys) / n)``, each rounded once, or ``None`` for an empty set.
    #[getter]
    fn centroid(&self, py: Python<'_>) -> Result<Option<(f64, f64)>> {
        let count = self.points().len();
        Ok(self.summary(py)?.map(|s| s.centroid(count)))
    }

    /// For each point, the index of its nearest other point and that distance; ties:
    /// the lowest index. NumPy arrays (``int64``, ``float64``) when NumPy is installed,
    /// else lists. ``progress(done, total)`` is called first with ``(0, n)`` and last
    /// with ``(n, n)``. ``ValueError`` for fewer than 2 points.
    #[pyo3(signature = (*, progress = None))]
    fn nearest_neighbors<'py>(
        &self,
        py: Python<'py>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyTuple>> {
        batch::nearest(py, &self.set, Form::of_point_sets(py)?, progress)
    }

    /// The closest pair ``(i, j, distance)`` with ``i < j``; ties: the smallest ``(i, j)``.
    /// NumPy scalars when NumPy is installed. ``progress(done, total)`` as for
    /// ``nearest_neighbors``. ``ValueError`` for fewer than 2 points.
    #[pyo3(signature = (*, progress = None))]
    fn closest_pair<'py>(
        &self,
        py: Python<'py>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyTuple>> {
        batch::closest(py, &self.set, Form::of_point_sets(py)?, progress)
    }

    /// A nearest-neighbour tour from ``start``; ties: the lowest index. A NumPy
    /// ``int64`` array when NumPy is installed, else a list. ``progress(done, total)`` as
    /// for ``nearest_neighbors``. ``IndexError`` for a ``start`` out of range,
    /// ``TypeError`` for one that is not an int.
    #[pyo3(
        signature = (start = StartArgument::Default, *, progress = None),
        text_signature = "($self, start=0, *, progress=None)"
    )]
    fn greedy_route<'py>(
        &self,
        py: Python<'py>,
        start: StartArgument<'py>,
        progress: Option<&Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyAny>> {
        batch::route(py, &self.set, start, Form::of_point_sets(py)?, progress)
    }

    /// The length of the path through the points at the positions ``order`` (default:
    /// all, as stored), correctly rounded (as ``math.fsum``); the path itself is never
    /// made. A NumPy ``float64`` when NumPy is installed. ``order`` is a sequence of ints
    /// or an integer array, read as a list reads indices: ``IndexError`` out of range,
    /// ``TypeError`` for an element that is not an int.
    #[pyo3(signature = (order = None))]
    fn path_length<'py>(
        &self,
        py: Python<'py>,
        order: Option<&Bound<'py, PyAny>>,
    ) -> Result<Bound<'py, PyAny>> {
        let order = order.map(|order| self.positions(order)).transpose()?;
        batch::length(py, &self.set, order, Form::of_point_sets(py)?)
    }

    /// A new ``(n, 2)`` ``uint32`` NumPy array of the points.
    fn to_numpy<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyArray2<u32>>> {
        // NumPy as the answers see it: installed, and its ndarray a type.
        if Form::of_point_sets(py)? == Form::Lists {
            return Err(PyImportError::new_err(
                "PointSet.to_numpy needs NumPy, which is not installed",
            )
            .into());
        }
        let flat: Vec<u32> = self.points().iter().flat_map(|p| [p.x, p.y]).collect();
        let array = Array2::from_shape_vec((self.points().len(), 2), flat)
            .expect("two coordinates a point make n rows of 2");
        Ok(PyArray2::from_owned_array(py, array))
    }

    fn __richcmp__<'py>(
        &self,
        other: &Bound<'py, PyAny>,
        op: CompareOp,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = other.py();
        let Ok(other) = other.cast::<PointSet>() else {
            return Ok(py.NotImplemented().into_bound(py));
        };
        let same = self.same_points(other.get());
        match op {
            CompareOp::Eq => same.into_bound_py_any(py),
            CompareOp::Ne => (!same).into_bound_py_any(py),
            _ => Ok(py.NotImplemented().into_bound(py)),
        }
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let count = slf.get().points().len();
        let noun = if count == 1 { "point" } else { "points" };
        Ok(format!("{}({count} {noun})", slf.get_type().name()?))
    }

    /// Pickled by reference to ``legacy_app.PointSet``, with the columns as
    /// little-endian ``u32`` bytes: loadable under either backend; a subclass's
    /// attributes travel as state.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        let points = slf.get().points();
        let column = |coordinate: fn(&CorePoint) -> u32| {
            PyBytes::new_with(py, 4 * points.len(), |bytes| {
                for (chunk, point) in bytes.chunks_exact_mut(4).zip(points) {
                    chunk.copy_from_slice(&coordinate(point).to_le_bytes());
                }
                Ok(())
            })
        };
        let rebuild = slf.get_type().getattr("_from_columns")?;
        let columns = (column(|p| p.x)?, column(|p| p.y)?);
        match PointSet::state(slf)? {
            Some(state) => (rebuild, columns, state).into_pyobject(py),
            None => (rebuild, columns).into_pyobject(py),
        }
    }

    /// An equal set (the points are shared, being immutable; the index is not copied).
    fn __copy__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let set = PointSet {
            set: Arc::new(CorePointSet::new(slf.get().set.shared_points())),
        };
        let copied = PointSet::of_class(&slf.get_type(), set)?;
        if let Some(state) = PointSet::state(slf)? {
            copied
                .getattr("__dict__")?
                .call_method1("update", (state,))?;
        }
        Ok(copied)
    }

    fn __deepcopy__<'py>(
        slf: &Bound<'py, Self>,
        memo: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let set = PointSet {
            set: Arc::new(CorePointSet::new(slf.get().set.shared_points())),
        };
        let copied = PointSet::of_class(&slf.get_type(), set)?;
        if let Some(state) = PointSet::state(slf)? {
            let state = py.import("copy")?.call_method1("deepcopy", (state, memo))?;
            copied
                .getattr("__dict__")?
                .call_method1("update", (state,))?;
        }
        Ok(copied)
    }
}

impl PointSet {
    fn summary(&self, py: Python<'_>) -> Result<Option<legacy_core::point_set::Summary>> {
        let asked = self.core();
        workers::run(
            py,
            self.points().len(),
            None,
            legacy_core::nearest::PARALLEL_MIN,
            move |control| asked.summary(control),
        )
    }
}

/// Iterates a `PointSet`, a new `Point` each step.
#[pyclass(module = "legacy_app", name = "PointSetIterator", frozen)]
pub struct PointSetIterator {
    set: Arc<CorePointSet>,
    reversed: bool,
    /// How many points were handed out; atomic, as threads may share the iterator.
    taken: std::sync::atomic::AtomicUsize,
}

impl PointSetIterator {
    fn new(set: Arc<CorePointSet>, reversed: bool) -> Self {
        PointSetIterator {
            set,
            reversed,
            taken: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

#[pymethods]
impl PointSetIterator {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self) -> Option<Point> {
        let points = self.set.points();
        let k = self
            .taken
            .fetch_update(
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
                |k| (k < points.len()).then_some(k + 1),
            )
            .ok()?;
        let at = if self.reversed {
            points.len() - 1 - k
        } else {
            k
        };
        Some(Point::from(points[at]))
    }

    fn __length_hint__(&self) -> usize {
        let taken = self.taken.load(std::sync::atomic::Ordering::Relaxed);
        self.set.points().len().saturating_sub(taken)
    }
}
