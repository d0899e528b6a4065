//! The input cut into chunks of whole lines, read on the calling thread with plain
//! `read` calls, and the reports to the caller's `Control` that reading makes.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use crate::control::{Control, Stopped};

/// How often the work reports to its `Control` at most (and on every `EINTR`): a
/// report may have to wait for the GIL, which a busy Python thread holds for its
/// 5 ms switch interval, so reporting per read call could cost more than the read.
const TICK_EVERY: Duration = Duration::from_millis(4);

/// A chunk's bytes. The vector keeps its length (zeroed once, when it grows) and
/// `len` says how much of it is data, so reusing a buffer writes nothing twice:
/// `len <= bytes.len()` always.
#[derive(Default)]
pub struct Buffer {
    bytes: Vec<u8>,
    len: usize,
}

impl Buffer {
    pub fn data(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Why a chunk could not be read.
pub enum ChunkReadError {
    Io(io::Error),
    Stopped,
}

/// The input, cut into chunks of whole lines.
pub struct Chunks<R> {
    reader: R,
    chunk_bytes: usize,
    /// The start of a line that the previous chunk cut off: it begins the next one.
    carry: Vec<u8>,
    pub at_end: bool,
}

impl<R: Read> Chunks<R> {
    pub fn new(reader: R, chunk_bytes: usize) -> Self {
        Chunks {
            reader,
            chunk_bytes,
            carry: Vec::new(),
            at_end: false,
        }
    }

    /// Fill `buffer` with the next chunk: whole lines, the last of which lacks its
    /// newline only at the end of the input. `false` once the input is over.
    pub fn next(
        &mut self,
        buffer: &mut Buffer,
        ticker: &mut Ticker<'_>,
    ) -> Result<bool, ChunkReadError> {
        // The end was seen: never read again. A terminal gives one end of input per
        // Ctrl-D, so another read would wait for a second one.
        if self.at_end {
            return Ok(false);
        }
        let carried = self.carry.len();
        let mut target = self.chunk_bytes.max(carried + 1);
        if buffer.bytes.len() < target {
            buffer.bytes.resize(target, 0);
        }
        buffer.len = carried;
        // `target > carried`, and the buffer was just grown to `target`.
        buffer.bytes[..carried].copy_from_slice(&self.carry);
        self.carry.clear();
        // The bytes before `scanned` hold no newline: a line longer than a chunk.
        let mut scanned = 0;
        loop {
            self.fill(buffer, target, ticker)?;
            if self.at_end {
                return Ok(buffer.len > 0);
            }
            // `scanned` is an earlier `buffer.len`, and the data only grows.
            debug_assert!(scanned <= buffer.len);
            if let Some(last) = buffer.data()[scanned..].iter().rposition(|&b| b == b'\n') {
                let end = scanned + last + 1;
                self.carry.extend_from_slice(&buffer.data()[end..]);
                buffer.len = end;
                debug_assert!(!self.carry.contains(&b'\n'), "a whole line was carried");
                debug_assert_eq!(buffer.data().last(), Some(&b'\n'));
                return Ok(true);
            }
            scanned = buffer.len;
            target = target.saturating_mul(2);
        }
    }

    /// Read into `buffer` until it holds `target` bytes or the input ends.
    fn fill(
        &mut self,
        buffer: &mut Buffer,
        target: usize,
        ticker: &mut Ticker<'_>,
    ) -> Result<(), ChunkReadError> {
        if buffer.bytes.len() < target {
            buffer.bytes.resize(target, 0);
        }
        while buffer.len < target {
            // Grown to `target` above, and `len < target`: the room is never empty.
            let room = &mut buffer.bytes[buffer.len..target];
            let room_len = room.len();
            match self.reader.read(room) {
                Ok(0) => {
                    self.at_end = true;
                    break;
                }
                Ok(read) => {
                    debug_assert!(
                        read <= room_len,
                        "a reader returned more than it had room for"
                    );
                    buffer.len += read;
                    // A producer that writes now and then may never interrupt a read:
                    // a signal that came between two reads is seen here.
                    ticker.done(0).map_err(|Stopped| ChunkReadError::Stopped)?;
                }
                // A signal arrived while the read waited, where std would just retry.
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {
                    ticker.now().map_err(|Stopped| ChunkReadError::Stopped)?;
                }
                Err(error) => return Err(ChunkReadError::Io(error)),
            }
        }
        Ok(())
    }
}

/// Reports to a `Control`, at most every `TICK_EVERY` unless told to report now.
pub struct Ticker<'a> {
    control: &'a dyn Control,
    last: Instant,
    pending: u64,
}

impl<'a> Ticker<'a> {
    pub fn new(control: &'a dyn Control) -> Self {
        Ticker {
            control,
            last: Instant::now(),
            pending: 0,
        }
    }

    /// `lines` more are done; report if it is time.
    pub fn done(&mut self, lines: u64) -> Result<(), Stopped> {
        self.pending += lines;
        if self.last.elapsed() >= TICK_EVERY {
            self.now()
        } else {
            Ok(())
        }
    }

    /// Report what is done, now.
    pub fn now(&mut self) -> Result<(), Stopped> {
        // Saturating on a 32-bit target: a count for progress, where "at least
        // usize::MAX more" is the honest report of more than it can hold.
        let done = usize::try_from(std::mem::take(&mut self.pending)).unwrap_or(usize::MAX);
        self.last = Instant::now();
        self.control.tick(done)
    }

    /// Report what is left to report, if anything.
    pub fn flush(&mut self) -> Result<(), Stopped> {
        if self.pending > 0 {
            self.now()
        } else {
            Ok(())
        }
    }
}
