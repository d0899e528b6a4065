//! Reading points files, one `x,y` a line, streaming in bounded chunks: memory
//! follows the points, not the file.
//!
//! The calling thread reads chunks of whole lines with plain `read` calls; an
//! interrupted read (`EINTR`: a signal such as Ctrl-C arrived) asks the caller's
//! `Control` whether to go on, so that a pipe or FIFO that stays silent cannot hold
//! Ctrl-C back. Each chunk is parsed by `chunk.rs` (fast for common lines, by the exact
//! rules of `line.rs` for all others), on the calling thread or, with more than one
//! thread allowed, on a rayon pool's workers while the calling thread reads on. Chunks
//! are merged in file order, so the bad line reported is always the file's first.

mod chunk;
mod line;
mod reader;

use std::any::Any;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::mpsc;

use rayon::{Scope, ThreadPool};

use crate::control::{Control, Sequential, Stopped};
use crate::error::HelloError;
use crate::point::Point;
use reader::{Buffer, ChunkReadError, Chunks, Ticker};

pub use line::parse_line;

/// Bytes read at once: large enough that a read and the hand-over of a chunk cost
/// nothing next to its parsing, small enough to stay in the L2 cache.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Chunks read ahead of the merge at most, whatever the thread count.
const MAX_AHEAD: usize = 16;

/// Why reading ended without the points.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read, or has a bad line.
    File(HelloError),
    /// The caller's `Control` asked to stop.
    Stopped,
}

impl From<HelloError> for ReadError {
    fn from(error: HelloError) -> Self {
        ReadError::File(error)
    }
}

impl From<Stopped> for ReadError {
    fn from(_: Stopped) -> Self {
        ReadError::Stopped
    }
}

/// Open `path` for reading points.
pub fn open(path: &Path) -> Result<File, HelloError> {
    File::open(path).map_err(|source| HelloError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Read the points of the file at `path`, on the calling thread.
pub fn load_points(path: &Path) -> Result<Vec<Point>, HelloError> {
    parse_points(open(path)?, path)
}

/// Parse the points of `reader`, naming `path` in errors, on the calling thread.
pub fn parse_points<R: Read>(reader: R, path: &Path) -> Result<Vec<Point>, HelloError> {
    match read_points(reader, path, &Sequential, None) {
        Ok(points) => Ok(points),
        Err(ReadError::File(error)) => Err(error),
        // `Sequential` never stops.
        Err(ReadError::Stopped) => Ok(Vec::new()),
    }
}

/// Read the points of `reader`, naming `path` in errors, reporting the lines done to
/// `control` every few milliseconds and on every interrupted read.
///
/// Reads happen on the calling thread: that is where the OS interrupts a read for a
/// signal sent to the process (on Linux the main thread is tried first), so do not
/// call this inside `pool.install`. With `control.threads() > 1`, chunks are parsed on
/// `pool`'s workers (rayon's global pool if `None`) while this thread reads on; with
/// one thread, nothing here touches rayon.
pub fn read_points<R: Read>(
    reader: R,
    path: &Path,
    control: &dyn Control,
    pool: Option<&ThreadPool>,
) -> Result<Vec<Point>, ReadError> {
    read_points_in_chunks(reader, path, control, pool, CHUNK_BYTES)
}

/// `read_points` with chunks of about `chunk_bytes` (a line longer than that makes
/// its chunk longer): tests use tiny chunks to put lines across every boundary.
pub fn read_points_in_chunks<R: Read>(
    reader: R,
    path: &Path,
    control: &dyn Control,
    pool: Option<&ThreadPool>,
    chunk_bytes: usize,
) -> Result<Vec<Point>, ReadError> {
    let mut reading = Reading {
        chunks: Chunks::new(reader, chunk_bytes.max(1)),
        path,
        ticker: Ticker::new(control),
    };
    let mut first = Buffer::default();
    if !reading.next_chunk(&mut first)? {
        return Ok(Vec::new());
    }
    // A file of one chunk is parsed at once: no thread is woken for it.
    if reading.chunks.at_end || control.threads() <= 1 {
        return reading.sequential(first);
    }
    // Enough chunks in flight to keep every worker busy, and few enough that the
    // buffers stay a small part of the memory the points take.
    let ahead = (2 * control.threads() + 2).min(MAX_AHEAD);
    let parallel = |scope: &Scope<'_>| reading.parallel(scope, first, ahead);
    match pool {
        Some(pool) => pool.in_place_scope(parallel),
        None => rayon::in_place_scope(parallel),
    }
}

/// The points of the chunks merged so far, and the lines they held.
struct Merged {
    points: Vec<Point>,
    lines: u64,
}

/// One chunk's parse, sent back from a worker with its buffers for reuse.
struct Parsed {
    index: usize,
    buffer: Buffer,
    points: Vec<Point>,
    outcome: Result<u64, chunk::ChunkError>,
}

/// What a worker sends back: its parse, or the payload of a panic in it.
type WorkerResult = Result<Parsed, Box<dyn Any + Send>>;

struct Reading<'a, R> {
    chunks: Chunks<R>,
    path: &'a Path,
    ticker: Ticker<'a>,
}

impl<R: Read> Reading<'_, R> {
    fn next_chunk(&mut self, buffer: &mut Buffer) -> Result<bool, ReadError> {
        self.chunks
            .next(buffer, &mut self.ticker)
            .map_err(|error| match error {
                ChunkReadError::Io(source) => ReadError::File(HelloError::Io {
                    path: self.path.to_path_buf(),
                    source,
                }),
                ChunkReadError::Stopped => ReadError::Stopped,
            })
    }

    /// Count one parsed chunk's lines, or return the error of its bad line, numbered
    /// in the file.
    fn merge(
        &mut self,
        merged: &mut Merged,
        outcome: Result<u64, chunk::ChunkError>,
    ) -> Result<(), ReadError> {
        match outcome {
            Ok(lines) => {
                merged.lines += lines;
                self.ticker.done(lines)?;
                Ok(())
            }
            Err((line, reason)) => Err(ReadError::File(HelloError::PointsFormat {
                path: self.path.to_path_buf(),
                line: merged.lines + line,
                reason,
            })),
        }
    }

    /// Read and parse each chunk in turn on this thread, into one vector.
    fn sequential(mut self, mut buffer: Buffer) -> Result<Vec<Point>, ReadError> {
        let mut merged = Merged {
            points: Vec::new(),
            lines: 0,
        };
        let mut first = true;
        loop {
            let outcome = chunk::parse_chunk(buffer.data(), first, &mut merged.points);
            self.merge(&mut merged, outcome)?;
            first = false;
            if !self.next_chunk(&mut buffer)? {
                break;
            }
        }
        self.ticker.flush()?;
        Ok(merged.points)
    }

    /// Read on this thread while `scope`'s workers parse, `ahead` chunks ahead at most,
    /// merging the parsed chunks in file order.
    fn parallel(
        mut self,
        scope: &Scope<'_>,
        first: Buffer,
        ahead: usize,
    ) -> Result<Vec<Point>, ReadError> {
        let (sender, receiver) = mpsc::channel::<WorkerResult>();
        let mut merged = Merged {
            points: Vec::new(),
            lines: 0,
        };
        // Parsed chunks that wait for an earlier one, by index.
        let mut waiting: BTreeMap<usize, Parsed> = BTreeMap::new();
        let mut spare_buffers: Vec<Buffer> = Vec::new();
        let mut spare_points: Vec<Vec<Point>> = Vec::new();
        let (mut sent, mut received, mut next_to_merge) = (0usize, 0usize, 0usize);
        let mut next = Some(first);
        loop {
            if let Some(buffer) = next.take() {
                let sender = sender.clone();
                let mut points = spare_points.pop().unwrap_or_default();
                let index = sent;
                scope.spawn(move |_| {
                    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
                        points.clear();
                        chunk::parse_chunk(buffer.data(), index == 0, &mut points)
                    }));
                    // The receiver is gone only once an error ended the read.
                    let _ = sender.send(outcome.map(|outcome| Parsed {
                        index,
                        buffer,
                        points,
                        outcome,
                    }));
                });
                sent += 1;
            }
            let reading = !self.chunks.at_end;
            // Merge what is parsed; wait only when far enough ahead, or done reading.
            while received < sent {
                let result = if !reading || sent - received >= ahead {
                    receiver.recv().ok()
                } else {
                    receiver.try_recv().ok()
                };
                let Some(result) = result else { break };
                received += 1;
                let parsed = result.unwrap_or_else(|payload| panic::resume_unwind(payload));
                waiting.insert(parsed.index, parsed);
                while let Some(parsed) = waiting.remove(&next_to_merge) {
                    self.merge(&mut merged, parsed.outcome)?;
                    merged.points.extend_from_slice(&parsed.points);
                    spare_points.push(parsed.points);
                    spare_buffers.push(parsed.buffer);
                    next_to_merge += 1;
                }
            }
            if !reading {
                break;
            }
            let mut buffer = spare_buffers.pop().unwrap_or_default();
            if self.next_chunk(&mut buffer)? {
                next = Some(buffer);
            }
        }
        self.ticker.flush()?;
        Ok(merged.points)
    }
}

#[cfg(test)]
mod tests;
