//! The exact rules for one line of a points file: the reference that every faster
//! path falls back to, so that what is accepted and why a line is rejected never
//! depend on how the file was read.

use crate::error::{Field, FormatReason};
use crate::point::Point;

/// The UTF-8 byte-order mark, ignored at the very start of a file only.
pub const BOM: &[u8] = b"\xef\xbb\xbf";

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
        // All zeros leave nothing significant: the value 0.
        let value: u64 = if significant.is_empty() {
            0
        } else {
            significant
                .parse()
                .expect("one to ten ASCII digits always fit a u64")
        };
        // Coordinates are u32, so "fits a u32" is "at most MAX_COORDINATE".
        return u32::try_from(value).map_err(|_| FormatReason::AboveMax(field));
    }
    match text.strip_prefix('-') {
        Some(rest) if digits(rest) => Err(FormatReason::Negative(field)),
        _ => Err(FormatReason::NotANumber(field)),
    }
}

/// The point on one line, given without its line ending (and, on the file's first
/// line, without the byte-order mark); `None` for a blank, comment or header line.
/// `first`: this is line 1, the only one where `x,y` is a header.
pub fn parse_line(raw: &[u8], first: bool) -> Result<Option<Point>, FormatReason> {
    let text = std::str::from_utf8(raw).map_err(|_| FormatReason::NotUtf8)?;
    let stripped = text.trim_matches(is_blank);
    if stripped.is_empty() || stripped.starts_with('#') {
        return Ok(None);
    }
    // Exactly one comma: two fields.
    let Some((x, y)) = text.split_once(',').filter(|(_, y)| !y.contains(',')) else {
        return Err(FormatReason::FieldCount(text.split(',').count()));
    };
    if first && x.trim_matches(is_blank) == "x" && y.trim_matches(is_blank) == "y" {
        return Ok(None);
    }
    let x = parse_field(Field::X, x)?;
    let y = parse_field(Field::Y, y)?;
    Ok(Some(Point::new(x, y)))
}

/// Parse the line that starts at `at` in `data` by the exact rules, pushing its
/// point, if any, to `out`; returns where the next line starts.
pub fn parse_line_at(
    data: &[u8],
    at: usize,
    first: bool,
    out: &mut Vec<Point>,
) -> Result<usize, FormatReason> {
    // Callers start at a line's first byte: within the data, or at its very end.
    debug_assert!(at <= data.len());
    let rest = &data[at..];
    let (mut raw, next) = match rest.iter().position(|&b| b == b'\n') {
        Some(end) => (&rest[..end], at + end + 1),
        None => (rest, data.len()),
    };
    // A line without a byte-order mark, or without `\r`, is taken as it is.
    if first {
        raw = raw.strip_prefix(BOM).unwrap_or(raw);
    }
    raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    if let Some(point) = parse_line(raw, first)? {
        out.push(point);
    }
    Ok(next)
}
