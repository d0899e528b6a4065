//! The picture's route thinning (`legacy_app.picture`), a private helper: NumPy decides
//! the rest of what is drawn, but this rule runs along the route, vertex after vertex.

use std::num::{NonZeroU64, NonZeroUsize};

use legacy_core::picture::thin_route as thin;
use numpy::{PyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// The indices of the route's ``vertices`` (an ``(m, 2)`` ``int32`` array of grid
/// positions, in route order) that the picture draws, and the merge length they were
/// thinned at: steps shorter than ``merge`` from the last vertex kept are merged, the
/// last vertex stays, and ``merge`` doubles while more than ``limit`` would be drawn.
#[pyfunction]
#[pyo3(name = "_thin_route")]
pub fn thin_route<'py>(
    py: Python<'py>,
    vertices: PyReadonlyArray2<'py, i32>,
    merge: NonZeroU64,
    limit: NonZeroUsize,
) -> PyResult<(Bound<'py, PyArray1<i64>>, u64)> {
    let view = vertices.as_array();
    if view.ncols() != 2 {
        return Err(PyValueError::new_err(format!(
            "vertices must be an (m, 2) array, not of shape {:?}",
            view.shape()
        )));
    }
    // Copied while the GIL is held: released, another thread could write the array.
    // A strided array is made contiguous first (NumPy's own arrays rarely are not).
    let standard = view.as_standard_layout();
    let flat = standard
        .as_slice()
        .expect("an array in standard layout is one slice");
    let rows: Vec<[i32; 2]> = flat
        .chunks_exact(2)
        .map(|pair| [pair[0], pair[1]])
        .collect();
    let (kept, merge) = py.detach(move || thin(&rows, merge, limit));
    let kept = kept
        .into_iter()
        .map(|index| i64::try_from(index).expect("an index into a Vec fits in i64"));
    Ok((PyArray1::from_iter(py, kept), merge.get()))
}
