//! Every way of reading a file gives what the line-by-line reference gives.

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::line::BOM;
use super::*;
use crate::error::FormatReason;
use crate::test_support::lcg;

/// The reference: one line at a time by the exact rules, as the Python backend reads.
fn line_by_line(text: &[u8]) -> Result<Vec<Point>, (u64, FormatReason)> {
    let mut points = Vec::new();
    let mut lines = text.split_inclusive(|&b| b == b'\n');
    let mut number = 0;
    for mut raw in lines.by_ref() {
        number += 1;
        if number == 1 {
            raw = raw.strip_prefix(BOM).unwrap_or(raw);
        }
        raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match parse_line(raw, number == 1) {
            Ok(Some(point)) => points.push(point),
            Ok(None) => {}
            Err(reason) => return Err((number, reason)),
        }
    }
    Ok(points)
}

fn read(text: &[u8], chunk: usize) -> Result<Vec<Point>, (u64, FormatReason)> {
    match read_points_in_chunks(text, Path::new("t.csv"), &Sequential, chunk) {
        Ok(points) => Ok(points),
        Err(Error::Hello(HelloError::PointsFormat { line, reason, .. })) => Err((line, reason)),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

fn parse(text: &[u8]) -> Result<Vec<Point>, Error> {
    parse_points(text, Path::new("t.csv"))
}

fn reason(text: &[u8]) -> (u64, String) {
    match parse(text) {
        Err(Error::Hello(HelloError::PointsFormat { line, reason, .. })) => {
            (line, reason.to_string())
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}

#[test]
fn accepts_the_documented_forms() {
    let text = b"\xef\xbb\xbfx,y\r\n1,2\n\n# comment\n \t3 ,\t4 \r\n  \n5,6";
    let points = parse(text).unwrap();
    assert_eq!(
        points,
        vec![Point::new(1, 2), Point::new(3, 4), Point::new(5, 6)]
    );
    assert_eq!(parse(b"").unwrap(), vec![]);
    assert_eq!(
        parse(b"4294967295,0000000000001\n").unwrap(),
        vec![Point::new(u32::MAX, 1)]
    );
}

#[test]
fn rejects_with_line_numbers() {
    assert_eq!(
        reason(b"1,2\n3\n"),
        (2, "expected 2 fields, found 1".into())
    );
    assert_eq!(reason(b"1,2,3\n"), (1, "expected 2 fields, found 3".into()));
    assert_eq!(reason(b"a,1\n"), (1, "x is not a number".into()));
    assert_eq!(reason(b"1,+1\n"), (1, "y is not a number".into()));
    assert_eq!(reason(b"1,1_0\n"), (1, "y is not a number".into()));
    assert_eq!(
        reason("1,\u{663}\n".as_bytes()),
        (1, "y is not a number".into())
    );
    assert_eq!(reason(b"-1,1\n"), (1, "x is negative".into()));
    assert_eq!(
        reason(b"4294967296,1\n"),
        (1, "x is above 4294967295".into())
    );
    assert_eq!(
        reason(b"1,99999999999999999999999\n"),
        (1, "y is above 4294967295".into())
    );
    assert_eq!(reason(b"1,2\n\xff,1\n"), (2, "not valid UTF-8".into()));
    assert_eq!(reason(b"1,2\nx,y\n"), (2, "x is not a number".into()));
    assert_eq!(reason(b"1,2\r\r\n"), (1, "y is not a number".into()));
    assert_eq!(
        reason(b"1,2\n\xef\xbb\xbf3,4\n"),
        (2, "x is not a number".into())
    );
}

/// A file of common and unusual lines, mixed at random.
fn random_file(seed: &mut u64, lines: usize) -> Vec<u8> {
    let unusual: [&[u8]; 20] = [
        b"",
        b"# comment",
        b" \t",
        b"x,y",
        b" x , y ",
        b"\xef\xbb\xbf1,2",
        b"1,2\r",
        b"1,2\r\r",
        b"1 2,3",
        b"-1,2",
        b"1,-0",
        b"+1,2",
        b"1,",
        b",1",
        b"1,2,3",
        b"00000000000000000000042,7",
        b"4294967296,1",
        b"99999999999,1",
        b"\xff,1",
        b" 4294967295 ,\t0000000000000000 ",
    ];
    let mut text = Vec::new();
    if lcg(seed).is_multiple_of(4) {
        text.extend_from_slice(BOM);
    }
    for _ in 0..lines {
        let roll = lcg(seed) % 100;
        if roll < 3 {
            let k = lcg(seed) as usize % unusual.len();
            text.extend_from_slice(unusual[k]);
        } else {
            // Any number of digits, most of them short, some zero-padded.
            let x = u64::from(lcg(seed)) >> (lcg(seed) % 33);
            let y = u64::from(lcg(seed)) >> (lcg(seed) % 33);
            let pad = if roll < 6 { "000000000" } else { "" };
            let blank = if roll < 8 { " " } else { "" };
            text.extend_from_slice(format!("{blank}{x}{blank},{pad}{y}").as_bytes());
        }
        let end: &[u8] = if lcg(seed).is_multiple_of(5) {
            b"\r\n"
        } else {
            b"\n"
        };
        text.extend_from_slice(end);
    }
    if lcg(seed).is_multiple_of(2) {
        // No newline at the end.
        text.truncate(text.len().saturating_sub(1));
    }
    text
}

#[test]
fn chunks_of_any_size_read_here_or_beside_agree_with_line_by_line() {
    let mut seed = 11u64;
    for round in 0..400 {
        let text = random_file(&mut seed, 1 + round % 60);
        let expected = line_by_line(&text);
        for chunk in [1, 2, 3, 5, 8, 13, 21, 64, 1 << 20] {
            assert_eq!(read(&text, chunk), expected, "{text:?}");
            assert_eq!(read_beside(&text, chunk), expected, "{text:?}");
            assert_eq!(read_two_ways(&text, chunk), expected, "{text:?}");
        }
    }
}

#[test]
fn the_first_bad_line_is_reported_when_later_chunks_are_bad_too() {
    let mut text = Vec::new();
    for k in 0..20_000u32 {
        text.extend_from_slice(format!("{k},{k}\n").as_bytes());
    }
    for bad in [b"1,2,3\n", b"-1,2\n\n"] {
        text.extend_from_slice(bad);
        text.extend_from_slice(&text.clone());
    }
    let expected = Err((20_001, FormatReason::FieldCount(3)));
    assert_eq!(line_by_line(&text), expected);
    for chunk in [7, 100, 4096] {
        assert_eq!(read(&text, chunk), expected);
        assert_eq!(read_beside(&text, chunk), expected);
        assert_eq!(read_two_ways(&text, chunk), expected);
    }
}

#[test]
fn big_files_agree_with_line_by_line() {
    let mut seed = 5u64;
    let text = random_file(&mut seed, 300_000);
    let good: Vec<u8> = text
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| {
            let raw = line.strip_suffix(b"\n").unwrap_or(line);
            parse_line(raw.strip_suffix(b"\r").unwrap_or(raw), false).is_ok()
        })
        .flatten()
        .copied()
        .collect();
    let expected = line_by_line(&good);
    assert!(expected.as_ref().is_ok_and(|points| points.len() > 250_000));
    for chunk in [1000, 65_536, CHUNK_BYTES] {
        assert_eq!(read(&good, chunk), expected);
        assert_eq!(read_beside(&good, chunk), expected);
        assert_eq!(read_two_ways(&good, chunk), expected);
    }
    assert_eq!(read_beside(&text, 4096), line_by_line(&text));
    assert_eq!(read_two_ways(&text, 4096), line_by_line(&text));
}

/// A reader that is interrupted before each of its first reads, like a pipe
/// whose reader gets signals, and gives a few bytes at a time.
struct Interrupted<'a> {
    text: &'a [u8],
    interruptions: usize,
}

impl Read for Interrupted<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.interruptions > 0 {
            self.interruptions -= 1;
            return Err(io::ErrorKind::Interrupted.into());
        }
        let count = out.len().min(self.text.len()).min(3);
        let (now, later) = self.text.split_at(count);
        out.get_mut(..count).unwrap().copy_from_slice(now);
        self.text = later;
        Ok(count)
    }
}

/// Stops at the `stop_at`th tick, counting ticks.
struct StopAt {
    ticks: AtomicUsize,
    stop_at: usize,
}

impl Control for StopAt {
    fn threads(&self) -> usize {
        1
    }
    fn tick(&self, _done: usize) -> Result<(), Stopped> {
        let ticks = self.ticks.fetch_add(1, Ordering::Relaxed) + 1;
        if ticks >= self.stop_at {
            Err(Stopped)
        } else {
            Ok(())
        }
    }
}

#[test]
fn an_interrupted_read_asks_the_control_then_retries() {
    let text = b"1,2\n3,4\n";
    let reader = Interrupted {
        text,
        interruptions: 3,
    };
    let control = StopAt {
        ticks: AtomicUsize::new(0),
        stop_at: usize::MAX,
    };
    let points = read_points(reader, Path::new("p"), &control).unwrap();
    assert_eq!(points, vec![Point::new(1, 2), Point::new(3, 4)]);
    assert!(control.ticks.load(Ordering::Relaxed) >= 3);

    let reader = Interrupted {
        text,
        interruptions: 3,
    };
    let control = StopAt {
        ticks: AtomicUsize::new(0),
        stop_at: 2,
    };
    let result = read_points(reader, Path::new("p"), &control);
    assert!(matches!(result, Err(Error::Stopped)));
    assert_eq!(control.ticks.load(Ordering::Relaxed), 2);
}

/// A terminal: a line per read as it is typed, one end of input per Ctrl-D, and a
/// read after that end waits for the next Ctrl-D (here: fails the test).
struct Terminal<'a> {
    lines: std::slice::Iter<'a, &'a [u8]>,
    ended: bool,
}

impl Read for Terminal<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        assert!(!self.ended, "read again after the end of input");
        let Some(line) = self.lines.next() else {
            self.ended = true;
            return Ok(0);
        };
        out.get_mut(..line.len()).unwrap().copy_from_slice(line);
        Ok(line.len())
    }
}

#[test]
fn the_end_of_input_is_read_once() {
    for lines in [
        &[b"1,2\n".as_slice(), b"3,4\n"][..],
        &[b"1,2\n", b"3,4"],
        &[],
    ] {
        let reader = Terminal {
            lines: lines.iter(),
            ended: false,
        };
        let points = parse_points(reader, Path::new("/dev/stdin")).unwrap();
        assert_eq!(points.len(), lines.len());
    }
}

#[test]
fn read_errors_name_the_file() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::from_raw_os_error(5))
        }
    }
    match parse_points(Broken, Path::new("b.csv")) {
        Err(Error::Hello(HelloError::Io { path, source })) => {
            assert_eq!(path, Path::new("b.csv"));
            assert_eq!(source.raw_os_error(), Some(5));
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

/// `consume` of what `parse_ahead` hands over, its read-ahead on a thread of its own
/// (as the binding runs it), joined after `consume` returned and dropped the chunks.
fn beside<T>(text: &[u8], chunk: usize, consume: impl FnOnce(&ParsedChunks) -> T) -> T {
    let (read_ahead, chunks) = parse_ahead(text, Path::new("t.csv"), chunk);
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| read_ahead.run());
        let value = consume(&chunks);
        drop(chunks);
        helper.join().expect("the read-ahead does not panic");
        value
    })
}

/// What `parse_ahead` hands over, gathered as `read` gathers it.
fn read_beside(text: &[u8], chunk: usize) -> Result<Vec<Point>, (u64, FormatReason)> {
    beside(text, chunk, |chunks| {
        let mut points = Vec::new();
        loop {
            match chunks.next_within(Duration::from_secs(10)) {
                Ok(Some(Ok(chunk))) => {
                    points.extend_from_slice(&chunk);
                    chunks.give_back(chunk);
                }
                Ok(Some(Err(HelloError::PointsFormat { line, reason, .. }))) => {
                    return Err((line, reason))
                }
                Ok(None) => return Ok(points),
                other => panic!("unexpected {other:?}"),
            }
        }
    })
}

/// What `read_points_sized_with` reads, its second parser on a thread of its own (as
/// the binding runs it), joined after the read returned.
fn read_two_ways(text: &[u8], chunk: usize) -> Result<Vec<Point>, (u64, FormatReason)> {
    let (parser, link) = second_parser();
    let read = std::thread::scope(|scope| {
        let helper = scope.spawn(|| parser.run());
        let read = read_in_chunks_with(
            text,
            Path::new("t.csv"),
            &Sequential,
            Some(text.len() as u64),
            chunk,
            link,
        );
        helper.join().expect("the second parser does not panic");
        read
    });
    match read {
        Ok(points) => Ok(points),
        Err(Error::Hello(HelloError::PointsFormat { line, reason, .. })) => Err((line, reason)),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

#[test]
fn parsing_ahead_stops_when_the_consumer_does() {
    // Far more chunks than the channel holds: the read-ahead ends (and is joined) only
    // because the consumer's chunks were dropped.
    let text = b"1,2\n".repeat(100_000);
    let first = beside(&text[..], 64, |chunks| {
        chunks.next_within(Duration::from_secs(10))
    });
    assert!(matches!(first, Ok(Some(Ok(points))) if !points.is_empty()));
}
