//! Parsing a chunk of whole lines fast: the common line, `digits,digits` with
//! optional blanks and a `\n` or `\r\n` ending, is read eight bytes at a time (SWAR);
//! any other line goes to the exact rules of `line.rs`, so the result, and for a bad
//! line its number and reason, are what the line-by-line reference gives.

use super::line::parse_line_at;
use crate::error::FormatReason;
use crate::point::Point;

/// `b'0'` in every byte: XOR turns an ASCII digit into its value, 0 to 9.
const ZEROS: u64 = 0x3030_3030_3030_3030;
const LOW_SEVEN: u64 = 0x7f7f_7f7f_7f7f_7f7f;
/// `0x80 - 10` in every byte: adding it sets a byte's high bit when the byte is 10 or more.
const TEN_AND_UP: u64 = 0x7676_7676_7676_7676;
const HIGH: u64 = 0x8080_8080_8080_8080;

const POWERS_OF_TEN: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// A bad line of a chunk: its number within the chunk (1-based) and what is wrong.
pub type ChunkError = (u64, FormatReason);

/// The eight bytes at `at`, the first one lowest; `None` near the end of `data`.
#[inline(always)]
fn word_at(data: &[u8], at: usize) -> Option<u64> {
    data.get(at..)?
        .first_chunk::<8>()
        .map(|bytes| u64::from_le_bytes(*bytes))
}

/// How many of the bytes of `values` (a word XORed with `ZEROS`), from the first,
/// were ASCII digits: 0 to 8.
#[inline(always)]
fn leading_digits(values: u64) -> usize {
    // A byte is a digit when it is at most 9 now; masking to seven bits first keeps
    // the addition from carrying into the next byte, and `| values` catches 0x80 and up.
    let not_digits = (((values & LOW_SEVEN) + TEN_AND_UP) | values) & HIGH;
    (not_digits.trailing_zeros() / 8) as usize
}

/// The number written by the first `count` (1 to 8) digit values of `values`.
#[inline(always)]
fn digits_value(values: u64, count: usize) -> u64 {
    // Push the digits to the top: the bytes below become leading zeros, the bytes
    // after the number fall off. Then sum pairs, quadruples, octets (Lemire's method).
    let shift = 8 * (8 - count.clamp(1, 8)) as u32;
    let v = values << shift;
    let v = ((v & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(2561)) >> 8;
    let v = ((v & 0x00ff_00ff_00ff_00ff).wrapping_mul(6_553_601)) >> 16;
    ((v & 0x0000_ffff_0000_ffff).wrapping_mul(42_949_672_960_001)) >> 32
}

#[inline(always)]
fn is_blank(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

#[inline(always)]
fn skip_blanks(data: &[u8], mut at: usize) -> usize {
    while data.get(at).is_some_and(|&byte| is_blank(byte)) {
        at += 1;
    }
    at
}

/// The byte at `at` or, if blanks start there, the first one after them; and where.
#[inline(always)]
fn after_blanks(data: &[u8], at: usize) -> Option<(u8, usize)> {
    let byte = *data.get(at)?;
    if !is_blank(byte) {
        return Some((byte, at));
    }
    let at = skip_blanks(data, at);
    Some((*data.get(at)?, at))
}

/// A number of 1 to 15 digits at `at`, after optional blanks, at most `u32::MAX`: its
/// value and where its digits end. `None` for anything else, left to the exact rules.
#[inline(always)]
fn fast_field(data: &[u8], mut at: usize) -> Option<(u32, usize)> {
    let mut first = word_at(data, at)? ^ ZEROS;
    let mut count = leading_digits(first);
    if count == 0 {
        // Blanks before a number are rare: looked for only when no digit starts here.
        let (_, digits) = after_blanks(data, at)?;
        if digits == at {
            return None;
        }
        at = digits;
        first = word_at(data, at)? ^ ZEROS;
        count = leading_digits(first);
        if count == 0 {
            return None;
        }
    }
    let (value, end) = if count < 8 {
        (digits_value(first, count), at + count)
    } else {
        let second = word_at(data, at + 8)? ^ ZEROS;
        let more = leading_digits(second);
        let high = digits_value(first, 8);
        // Nine and ten digits (most of the range of a u32) skip the general conversion.
        match more {
            0 => (high, at + 8),
            1 => (high * 10 + (second & 0xff), at + 9),
            2 => (
                high * 100 + (second & 0xff) * 10 + ((second >> 8) & 0xff),
                at + 10,
            ),
            // Sixteen digits or more: rare (zero padding), left to the exact rules.
            8 => return None,
            // 3 to 7: `leading_digits` counts 0 to 8 and the others are matched above.
            // Were it ever more, `None` declines the line to the exact rules, which
            // read it right: a fallback, not a wrong default (and an index here
            // measured PointSet.load slower).
            _ => {
                debug_assert!((3..=7).contains(&more), "{more} digits");
                (
                    high * POWERS_OF_TEN.get(more).copied()? + digits_value(second, more),
                    at + 8 + more,
                )
            }
        }
    };
    Some((u32::try_from(value).ok()?, end))
}

/// The point of a common line at `at` and where the next line starts.
#[inline(always)]
fn fast_line(data: &[u8], at: usize) -> Option<(Point, usize)> {
    let (x, end) = fast_field(data, at)?;
    let (comma, end) = after_blanks(data, end)?;
    if comma != b',' {
        return None;
    }
    let (y, end) = fast_field(data, end + 1)?;
    let next = match after_blanks(data, end)? {
        (b'\n', end) => end + 1,
        (b'\r', end) if *data.get(end + 1)? == b'\n' => end + 2,
        _ => return None,
    };
    Some((Point::new(x, y), next))
}

/// Parse `data`, whole lines (the last one may lack its newline at the end of the
/// file), pushing the points to `out`. `first`: `data` starts the file, so its first
/// line may carry the byte-order mark and be the `x,y` header. Returns the number of
/// lines, or the first bad line's number within `data` and what is wrong with it.
pub fn parse_chunk(data: &[u8], first: bool, out: &mut Vec<Point>) -> Result<u64, ChunkError> {
    let mut at = 0;
    let mut lines: u64 = 0;
    if first && !data.is_empty() {
        lines = 1;
        at = parse_line_at(data, 0, true, out).map_err(|reason| (1, reason))?;
    }
    while at < data.len() {
        lines += 1;
        // The test-only `ablate-swar` build sends every line to the exact rules, so that
        // the benchmarks can time what the fast path is worth (benchmarks/ablation.py).
        let fast = if cfg!(feature = "ablate-swar") {
            None
        } else {
            fast_line(data, at)
        };
        let next = match fast {
            Some((point, next)) => {
                out.push(point);
                next
            }
            None => parse_line_at(data, at, false, out).map_err(|reason| (lines, reason))?,
        };
        // Each line ends after its newline, or at the end of the data: never before
        // it starts, never beyond the data (the count of lines depends on it).
        debug_assert!(
            at < next && next <= data.len(),
            "{at} -> {next} of {}",
            data.len()
        );
        at = next;
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::points_file::line::parse_line;

    fn digits(text: &[u8]) -> Option<(u32, usize)> {
        // Padding after the text, as a chunk's following lines would give.
        let mut padded = text.to_vec();
        padded.extend_from_slice(b"\n,,,,,,,,,,,,,,,,,");
        fast_field(&padded, 0)
    }

    #[test]
    fn fields() {
        assert_eq!(digits(b"0"), Some((0, 1)));
        assert_eq!(digits(b"7"), Some((7, 1)));
        assert_eq!(digits(b"12345678"), Some((12_345_678, 8)));
        assert_eq!(digits(b"123456789"), Some((123_456_789, 9)));
        assert_eq!(digits(b"4294967295"), Some((u32::MAX, 10)));
        assert_eq!(digits(b"4294967296"), None);
        assert_eq!(digits(b"000000000000042"), Some((42, 15)));
        assert_eq!(digits(b"0000000000000042"), None);
        assert_eq!(digits(b" \t12 \t"), Some((12, 4)));
        assert_eq!(digits(b""), None);
        assert_eq!(digits(b"a"), None);
        assert_eq!(digits(b"\xb0"), None);
        for value in [
            1u64,
            9,
            10,
            99,
            100,
            65_535,
            99_999_999,
            100_000_000,
            999_999_999,
        ] {
            let text = value.to_string();
            assert_eq!(
                digits(text.as_bytes()),
                Some((value as u32, text.len())),
                "{text}"
            );
        }
    }

    #[test]
    fn every_byte_is_a_digit_or_not() {
        for byte in 0..=255u8 {
            let word = u64::from_le_bytes([b'1', b'2', byte, b'3', b'4', b'5', b'6', b'7']);
            let expected = if byte.is_ascii_digit() { 8 } else { 2 };
            assert_eq!(leading_digits(word ^ ZEROS), expected, "byte {byte:#x}");
        }
    }

    /// The fast path on one line either declines or agrees with the exact rules;
    /// `true` when it accepted the line.
    fn agrees(line: &[u8]) -> bool {
        let mut data = line.to_vec();
        data.extend_from_slice(b"9,9\n9,9\n");
        if let Some((point, next)) = fast_line(&data, 0) {
            let end = line.iter().position(|&b| b == b'\n');
            assert_eq!(Some(next), end.map(|k| k + 1), "{line:?}");
            let raw = &line[..end.expect("an accepted line ends with its newline")];
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            assert_eq!(parse_line(raw, false), Ok(Some(point)), "{line:?}");
            return true;
        }
        false
    }

    #[test]
    fn the_fast_path_never_disagrees() {
        // Mostly digits, so that many lines are common ones.
        let alphabet = b"01234567890123456789012345678901234567890 \t,,,\r\n\n-+x#\xff";
        let mut seed = 7u64;
        let mut accepted = 0;
        for _ in 0..300_000 {
            let length = crate::test_support::lcg(&mut seed) % 30;
            let line: Vec<u8> = (0..length)
                .map(|_| {
                    let k = crate::test_support::lcg(&mut seed) as usize % alphabet.len();
                    alphabet[k]
                })
                .collect();
            accepted += usize::from(agrees(&line));
        }
        assert!(accepted > 1000, "only {accepted} lines took the fast path");
        for line in [
            &b"1,2\n"[..],
            b"1,2\r\n",
            b" 1 ,\t2\t\r\n",
            b"4294967295,4294967295\n",
        ] {
            assert!(agrees(line), "{line:?}");
        }
    }

    #[test]
    fn chunks_count_lines_and_name_the_bad_one() {
        let mut out = Vec::new();
        assert_eq!(
            parse_chunk(b"\xef\xbb\xbfx,y\r\n1,2\n# c\n\n3,4", true, &mut out),
            Ok(5)
        );
        assert_eq!(out, vec![Point::new(1, 2), Point::new(3, 4)]);
        assert_eq!(
            parse_chunk(b"1,2\nx,y\n", false, &mut out),
            Err((2, FormatReason::NotANumber(crate::Field::X)))
        );
        assert_eq!(parse_chunk(b"", true, &mut out), Ok(0));
        for declined in [&b"1,2\r\r\n"[..], b"1,2\r \n", b"1,,2\n", b"1,2", b"1,2\r"] {
            assert_eq!(fast_line(declined, 0), None, "{declined:?}");
        }
    }
}
