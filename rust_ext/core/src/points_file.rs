//! Reading points files (SPEC.md, "Points file"), streaming: memory follows the
//! points, not the file, since only one line is held at a time.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use crate::error::{Field, FormatReason, HelloError};
use crate::point::Point;

const BOM: &[u8] = b"\xef\xbb\xbf";
const READ_BUFFER: usize = 1 << 20;

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn parse_field(field: Field, text: &str) -> Result<u32, FormatReason> {
    let text = text.trim_matches(is_blank);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(text) {
        let significant = text.trim_start_matches('0');
        // More digits than the maximum has cannot fit; fewer always fit in a u64.
        if significant.len() > 10 {
            return Err(FormatReason::AboveMax(field));
        }
        let value: u64 = significant.parse().unwrap_or(0);
        // Coordinates are u32, so "fits a u32" is "at most MAX_COORDINATE".
        return u32::try_from(value).map_err(|_| FormatReason::AboveMax(field));
    }
    match text.strip_prefix('-') {
        Some(rest) if digits(rest) => Err(FormatReason::Negative(field)),
        _ => Err(FormatReason::NotANumber(field)),
    }
}

/// The point on one line without its line ending; `None` for a blank, comment or header line.
fn parse_line(raw: &[u8], number: u64) -> Result<Option<Point>, FormatReason> {
    let text = std::str::from_utf8(raw).map_err(|_| FormatReason::NotUtf8)?;
    let stripped = text.trim_matches(is_blank);
    if stripped.is_empty() || stripped.starts_with('#') {
        return Ok(None);
    }
    let count = text.split(',').count();
    if count != 2 {
        return Err(FormatReason::FieldCount(count));
    }
    let (x, y) = text.split_once(',').unwrap_or((text, ""));
    if number == 1 && x.trim_matches(is_blank) == "x" && y.trim_matches(is_blank) == "y" {
        return Ok(None);
    }
    let x = parse_field(Field::X, x)?;
    let y = parse_field(Field::Y, y)?;
    Ok(Some(Point::new(x, y)))
}

/// Parse the points of `reader`, naming `path` in errors.
pub fn parse_points<R: BufRead>(mut reader: R, path: &Path) -> Result<Vec<Point>, HelloError> {
    parse_points_with(&mut reader, path, &mut |_| Ok(()))
}

/// Parse the points of `reader`, calling `tick` with the bytes consumed every so often,
/// so that a caller can report progress or stop (its error is returned as is).
pub fn parse_points_with<R: BufRead, E: From<HelloError>>(
    reader: &mut R,
    path: &Path,
    tick: &mut dyn FnMut(u64) -> Result<(), E>,
) -> Result<Vec<Point>, E> {
    let io_error = |source: io::Error| HelloError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut points = Vec::new();
    let mut line = Vec::with_capacity(64);
    let mut number: u64 = 0;
    let mut consumed: u64 = 0;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(io_error)?;
        if read == 0 {
            break;
        }
        number += 1;
        consumed += read as u64;
        if number.is_multiple_of(65_536) {
            tick(consumed)?;
        }
        let mut raw = line.as_slice();
        if number == 1 {
            raw = raw.strip_prefix(BOM).unwrap_or(raw);
        }
        raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match parse_line(raw, number) {
            Ok(Some(point)) => points.push(point),
            Ok(None) => {}
            Err(reason) => {
                return Err(HelloError::PointsFormat {
                    path: path.to_path_buf(),
                    line: number,
                    reason,
                }
                .into())
            }
        }
    }
    tick(consumed)?;
    Ok(points)
}

/// Open `path` for reading points.
pub fn open(path: &Path) -> Result<BufReader<File>, HelloError> {
    let file = File::open(path).map_err(|source| HelloError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(BufReader::with_capacity(READ_BUFFER, file))
}

/// Read the points of the file at `path`.
pub fn load_points(path: &Path) -> Result<Vec<Point>, HelloError> {
    parse_points(open(path)?, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> Result<Vec<Point>, HelloError> {
        parse_points(text, Path::new("t.csv"))
    }

    fn reason(text: &[u8]) -> (u64, String) {
        match parse(text) {
            Err(HelloError::PointsFormat { line, reason, .. }) => (line, reason.to_string()),
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
    }
}
