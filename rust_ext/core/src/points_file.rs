//! Reading points files, one `x,y` a line, streaming in bounded chunks: memory
//! follows the points, not the file.
//!
//! The calling thread reads chunks of whole lines with plain `read` calls; an
//! interrupted read (`EINTR`: a signal such as Ctrl-C arrived) asks the caller's
//! `Control` whether to go on, so that a pipe or FIFO that stays silent cannot hold
//! Ctrl-C back. Each chunk is parsed by `chunk.rs`: fast for common lines, by the exact
//! rules of `line.rs` for all others, so the result and the first bad line's number and
//! reason are the line-by-line reference's.
//!
//! `parse_ahead` turns this around for sources that never wait (regular files): a
//! `ReadAhead`, run on another thread that the caller provides, reads and parses while
//! the calling thread consumes the chunks, so that a caller with slower work per point
//! (making Python objects) hides the parsing. Parsing is about three times faster than
//! making the objects, so one thread ahead is all a second core can give; a source
//! that may wait is read on the calling thread only.

mod chunk;
mod line;
mod reader;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use crate::control::{Control, Sequential, Stopped};
use crate::error::{Error, HelloError};
use crate::point::Point;
use reader::{Buffer, ChunkReadError, Chunks, Ticker};

pub use line::parse_line;

/// Bytes read at once: large enough that a read and the hand-over of a chunk cost
/// nothing next to its parsing, small enough to stay in the L2 cache.
pub const CHUNK_BYTES: usize = 1 << 20;

/// Chunks that a `ReadAhead` parses ahead of its consumer at most.
const AHEAD: usize = 4;

/// Open `path` for reading points. Opening a FIFO waits for a writer: a signal that
/// interrupts the wait (`EINTR`) asks `control` whether to go on, as a read does.
pub fn open(path: &Path, control: &dyn Control) -> Result<File, Error> {
    let failed = |source: io::Error| {
        Error::from(HelloError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    #[cfg(unix)]
    loop {
        use rustix::fs::{Mode, OFlags};
        // std's File::open would retry EINTR itself, and hold Ctrl-C back.
        match rustix::fs::open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()) {
            Ok(fd) => {
                let file = File::from(fd);
                // Python's open() refuses a directory at once, where a read would fail
                // only later: so does this, before a caller reports any progress.
                if file.metadata().is_ok_and(|metadata| metadata.is_dir()) {
                    return Err(failed(rustix::io::Errno::ISDIR.into()));
                }
                return Ok(file);
            }
            Err(rustix::io::Errno::INTR) => control.tick(0)?,
            Err(errno) => return Err(failed(errno.into())),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = control;
        File::open(path).map_err(failed)
    }
}

/// Read the points of the file at `path`, on the calling thread.
pub fn load_points(path: &Path) -> Result<Vec<Point>, Error> {
    parse_points(open(path, &Sequential)?, path)
}

/// Parse the points of `reader`, naming `path` in errors, on the calling thread.
pub fn parse_points<R: Read>(reader: R, path: &Path) -> Result<Vec<Point>, Error> {
    read_points(reader, path, &Sequential)
}

/// Read the points of `reader`, naming `path` in errors, reporting the bytes parsed to
/// `control` every few milliseconds and on every interrupted read. Everything happens
/// on the calling thread: that is where the OS interrupts a read for a signal sent to
/// the process (on Linux the main thread is tried first).
pub fn read_points<R: Read>(
    reader: R,
    path: &Path,
    control: &dyn Control,
) -> Result<Vec<Point>, Error> {
    read_points_sized(reader, path, control, None)
}

/// `read_points` for an input of about `size` bytes, when known (a regular file): the
/// result is allocated once, for as many points as the first chunk's lines promise,
/// instead of growing by doubling (which, for the last doubling, holds the points
/// twice, and leaves up to as much again unused).
pub fn read_points_sized<R: Read>(
    reader: R,
    path: &Path,
    control: &dyn Control,
    size: Option<u64>,
) -> Result<Vec<Point>, Error> {
    let mut points = Vec::new();
    for_each_chunk(
        reader,
        path,
        control,
        CHUNK_BYTES,
        &mut sized_sink(&mut points, size),
    )?;
    Ok(points)
}

/// A `ChunkSink` appending to `points`, which it first allocates, for an input of
/// `size` bytes, for as many points as the first chunk's lines promise.
fn sized_sink(
    points: &mut Vec<Point>,
    size: Option<u64>,
) -> impl FnMut(&mut Vec<Point>, usize) -> Result<(), Stopped> + '_ {
    let mut bytes_seen = 0u64;
    move |chunk, bytes| {
        if bytes_seen == 0 {
            if let (Some(size), false) = (size, chunk.is_empty()) {
                // Lines alike in length in the rest of the file, with a margin: a
                // shorter average only costs one doubling at the end.
                let per_point = bytes as f64 / chunk.len() as f64;
                let expected = (size as f64 / per_point * 1.02) as usize + 16;
                points.reserve_exact(expected);
            }
        }
        bytes_seen += bytes as u64;
        points.append(chunk);
        Ok(())
    }
}

/// `read_points_sized` on two cores: every other chunk is parsed by the
/// `SecondParser` at the other end of `link`, on a thread the caller provides, while
/// the calling thread reads every chunk and parses the rest. Reads stay on the calling
/// thread (an interrupted one asks `control`), and the chunks are handed over in file
/// order, so the points, the first bad line and the progress are `read_points_sized`'s.
/// For a source whose reads are quick next to parsing (a regular file): about 70% of
/// loading a file is parsing.
pub fn read_points_sized_with<R: Read>(
    reader: R,
    path: &Path,
    control: &dyn Control,
    size: Option<u64>,
    link: ParserLink,
) -> Result<Vec<Point>, Error> {
    read_in_chunks_with(reader, path, control, size, CHUNK_BYTES, link)
}

fn read_in_chunks_with<R: Read>(
    reader: R,
    path: &Path,
    control: &dyn Control,
    size: Option<u64>,
    chunk_bytes: usize,
    link: ParserLink,
) -> Result<Vec<Point>, Error> {
    let mut reading = Reading::new(reader, path, control, chunk_bytes);
    let mut points = Vec::new();
    let mut sink = sized_sink(&mut points, size);
    let (mut mine, mut spare) = (Buffer::default(), Some((Buffer::default(), Vec::new())));
    let mut parsed = Vec::new();
    let mut first = true;
    while reading.next_chunk(&mut mine)? {
        // The next chunk goes to the second parser while this one is parsed here.
        let (mut theirs, their_points) = spare
            .take()
            .expect("the second parser's buffer is back before the next is read");
        let sent = reading.next_chunk(&mut theirs)?;
        if sent {
            link.work
                .send((theirs, their_points))
                .expect("the second parser runs while its link lives");
        }
        let outcome = chunk::parse_chunk(mine.data(), first, &mut parsed);
        first = false;
        reading.hand_over(outcome, mine.data().len(), &mut parsed, &mut sink)?;
        if !sent {
            break;
        }
        let Parsed {
            buffer,
            mut points,
            outcome,
        } = link
            .done
            .recv()
            .expect("the second parser answers every chunk it is sent");
        reading.hand_over(outcome, buffer.data().len(), &mut points, &mut sink)?;
        // The buffer and the emptied vector go back with the next chunk, so that the
        // second parser allocates nothing after its first chunk.
        spare = Some((buffer, points));
    }
    drop(sink);
    reading.ticker.flush()?;
    Ok(points)
}

/// A chunk parsed by the `SecondParser`, with its buffer, to hand back.
struct Parsed {
    buffer: Buffer,
    points: Vec<Point>,
    outcome: Result<u64, chunk::ChunkError>,
}

/// The calling thread's end of a `SecondParser`.
pub struct ParserLink {
    work: mpsc::SyncSender<(Buffer, Vec<Point>)>,
    done: mpsc::Receiver<Parsed>,
}

/// Parses the chunks `read_points_sized_with` sends it: work for another thread, which
/// the caller provides (this crate starts none of its own).
#[must_use = "the chunks sent to it are parsed only once it runs"]
pub struct SecondParser {
    work: mpsc::Receiver<(Buffer, Vec<Point>)>,
    done: mpsc::SyncSender<Parsed>,
}

impl SecondParser {
    /// Parse each chunk as it comes, until the `ParserLink` is dropped (the load ended,
    /// early or not).
    pub fn run(self) {
        for (buffer, mut points) in &self.work {
            // Never the first chunk: the calling thread parses that one.
            let outcome = chunk::parse_chunk(buffer.data(), false, &mut points);
            let parsed = Parsed {
                buffer,
                points,
                outcome,
            };
            if self.done.send(parsed).is_err() {
                return;
            }
        }
    }
}

/// A `SecondParser` and its link, for `read_points_sized_with`.
pub fn second_parser() -> (SecondParser, ParserLink) {
    let (work, to_parse) = mpsc::sync_channel(1);
    let (parsed, done) = mpsc::sync_channel(1);
    (
        SecondParser {
            work: to_parse,
            done: parsed,
        },
        ParserLink { work, done },
    )
}

/// `read_points` with chunks of about `chunk_bytes` (a line longer than that makes
/// its chunk longer): tests use tiny chunks to put lines across every boundary.
pub fn read_points_in_chunks<R: Read>(
    reader: R,
    path: &Path,
    control: &dyn Control,
    chunk_bytes: usize,
) -> Result<Vec<Point>, Error> {
    let mut points = Vec::new();
    for_each_chunk(reader, path, control, chunk_bytes, &mut |chunk, _| {
        points.append(chunk);
        Ok(())
    })?;
    Ok(points)
}

/// What takes the points of each chunk, in file order, with the chunk's length in
/// bytes: it may keep the vector's contents (`append`, `mem::swap`); whatever it
/// leaves there is dropped.
pub type ChunkSink<'s> = dyn FnMut(&mut Vec<Point>, usize) -> Result<(), Stopped> + 's;

/// Read and parse `reader` as `read_points_in_chunks` does, handing the points of
/// each chunk to `sink` in file order instead of keeping them.
pub fn for_each_chunk<R: Read>(
    reader: R,
    path: &Path,
    control: &dyn Control,
    chunk_bytes: usize,
    sink: &mut ChunkSink<'_>,
) -> Result<(), Error> {
    let mut reading = Reading::new(reader, path, control, chunk_bytes);
    let mut buffer = Buffer::default();
    let mut points = Vec::new();
    let mut first = true;
    while reading.next_chunk(&mut buffer)? {
        let outcome = chunk::parse_chunk(buffer.data(), first, &mut points);
        reading.hand_over(outcome, buffer.data().len(), &mut points, sink)?;
        first = false;
    }
    Ok(reading.ticker.flush()?)
}

struct Reading<'a, R> {
    chunks: Chunks<R>,
    path: &'a Path,
    ticker: Ticker<'a>,
    /// The lines of the chunks handed over so far.
    lines: u64,
}

impl<'a, R: Read> Reading<'a, R> {
    fn new(reader: R, path: &'a Path, control: &'a dyn Control, chunk_bytes: usize) -> Self {
        Reading {
            chunks: Chunks::new(reader, chunk_bytes.max(1)),
            path,
            ticker: Ticker::new(control),
            lines: 0,
        }
    }

    fn next_chunk(&mut self, buffer: &mut Buffer) -> Result<bool, Error> {
        self.chunks
            .next(buffer, &mut self.ticker)
            .map_err(|error| match error {
                ChunkReadError::Io(source) => Error::Hello(HelloError::Io {
                    path: self.path.to_path_buf(),
                    source,
                }),
                ChunkReadError::Stopped => Error::Stopped,
            })
    }

    /// Hand one parsed chunk's points to `sink`, or return the error of its bad line,
    /// numbered in the file; the chunk's `bytes` are reported done.
    fn hand_over(
        &mut self,
        outcome: Result<u64, chunk::ChunkError>,
        bytes: usize,
        points: &mut Vec<Point>,
        sink: &mut ChunkSink<'_>,
    ) -> Result<(), Error> {
        match outcome {
            Ok(lines) => {
                self.lines += lines;
                sink(points, bytes)?;
                points.clear();
                self.ticker.done(bytes as u64)?;
                Ok(())
            }
            Err((line, reason)) => Err(Error::Hello(HelloError::PointsFormat {
                path: self.path.to_path_buf(),
                line: self.lines + line,
                reason,
            })),
        }
    }
}

/// Chunks' points parsed ahead by a `ReadAhead`, handed over in file order.
pub struct ParsedChunks {
    receiver: mpsc::Receiver<Result<Vec<Point>, HelloError>>,
    give_back: mpsc::Sender<Vec<Point>>,
}

impl ParsedChunks {
    /// The next chunk's points, or the error that ended the file early; `None` at the
    /// end. Waits `timeout` at most for the read-ahead (`Err(Timeout)`).
    pub fn next_within(
        &self,
        timeout: Duration,
    ) -> Result<Option<Result<Vec<Point>, HelloError>>, mpsc::RecvTimeoutError> {
        match self.receiver.recv_timeout(timeout) {
            Ok(chunk) => Ok(Some(chunk)),
            Err(mpsc::RecvTimeoutError::Disconnected) => Ok(None),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(mpsc::RecvTimeoutError::Timeout),
        }
    }

    /// Return a chunk's vector, so that the read-ahead fills it again.
    pub fn give_back(&self, mut points: Vec<Point>) {
        points.clear();
        // The read-ahead is over once the file is read: the vector is dropped then.
        let _ = self.give_back.send(points);
    }
}

/// The reading and parsing of a source a few chunks ahead of its `ParsedChunks`: work
/// for another thread, which the caller provides (this crate starts none of its own).
#[must_use = "the chunks come only once the read-ahead runs"]
pub struct ReadAhead<R> {
    reader: R,
    path: PathBuf,
    chunk_bytes: usize,
    sender: mpsc::SyncSender<Result<Vec<Point>, HelloError>>,
    given_back: mpsc::Receiver<Vec<Point>>,
}

impl<R: Read> ReadAhead<R> {
    /// Read and parse to the end of the source, or until the `ParsedChunks` is
    /// dropped (the consumer stopped): the next hand-over then fails and ends this.
    /// Never waits for the consumer except for room in the channel, so the consumer
    /// may hold a lock (the GIL) while it waits for chunks.
    pub fn run(self) {
        let ReadAhead {
            reader,
            path,
            chunk_bytes,
            sender,
            given_back,
        } = self;
        let mut sink = |points: &mut Vec<Point>, _bytes: usize| {
            // A vector given back to fill again, or, until one comes back, a new one.
            let spare = given_back.try_recv().unwrap_or_default();
            sender
                .send(Ok(std::mem::replace(points, spare)))
                .map_err(|_| Stopped)
        };
        let read = for_each_chunk(reader, &path, &Sequential, chunk_bytes, &mut sink);
        if let Err(Error::Hello(error)) = read {
            let _ = sender.send(Err(error));
        }
    }
}

/// Read and parse `reader` a few chunks ahead of the consumer: the `ReadAhead` runs on
/// a thread of the caller's choosing while the calling thread takes the chunks' points
/// from the `ParsedChunks`, in file order.
///
/// For a source that does not block, such as a regular file: its reads then happen
/// where no signal interrupts them.
pub fn parse_ahead<R: Read>(
    reader: R,
    path: &Path,
    chunk_bytes: usize,
) -> (ReadAhead<R>, ParsedChunks) {
    let (sender, receiver) = mpsc::sync_channel(AHEAD);
    let (give_back, given_back) = mpsc::channel::<Vec<Point>>();
    let read_ahead = ReadAhead {
        reader,
        path: path.to_path_buf(),
        chunk_bytes,
        sender,
        given_back,
    };
    (
        read_ahead,
        ParsedChunks {
            receiver,
            give_back,
        },
    )
}

#[cfg(test)]
mod tests;
