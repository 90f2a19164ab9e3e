//! Dates as Vietnamese portals write them ("15/06/2026", "15-06-2026",
//! "ngày 11 tháng 9 năm 2014", "Cập nhật lúc 08:30 15/06/2026") and as
//! machines do (`<time datetime>`, `article:published_time`, `DC.date`), so
//! that freshness can be judged on the newest date a section shows.

use std::sync::LazyLock;

use jiff::civil::Date;
use regex::Regex;

/// Earliest year we believe a portal date to be (older numbers are more
/// likely document numbers than dates).
const MIN_YEAR: i16 = 1990;

static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    // A date may end a sentence ("trước ngày 20/12/2026."), but not run on
    // into more digits (a document number like 12.5.2026.1).
    // ASCII digits, not `\d`: Unicode digits make a much larger automaton,
    // and a year in Devanagari digits would not parse anyway.
    Regex::new(r"(?:^|[^0-9/.\-])([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{4})(?:$|[^0-9/.\-]|\.(?:$|[^0-9]))")
        .expect("static regex")
});
static SPELLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)ngày\s+([0-9]{1,2})\s+tháng\s+([0-9]{1,2})\s+năm\s+([0-9]{4})")
        .expect("static regex")
});
static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9])([0-9]{4})-([0-9]{2})-([0-9]{2})(?:$|[^0-9])").expect("static regex")
});

/// Every plausible date written in `text`.
pub fn dates_in(text: &str) -> Vec<Date> {
    let mut out = Vec::new();
    if text.bytes().filter(u8::is_ascii_digit).count() < 6 {
        return out;
    }
    // Day-month-year needs a separator, ISO a hyphen: most runs have neither.
    let separated = memchr::memchr3(b'/', b'.', b'-', text.as_bytes()).is_some();
    let hyphen = memchr::memchr(b'-', text.as_bytes()).is_some();
    let day_first = [(separated, &*DAY_MONTH_YEAR), (true, &*SPELLED)];
    for re in day_first
        .iter()
        .filter(|(worth, _)| *worth)
        .map(|(_, re)| re)
    {
        for c in re.captures_iter(text) {
            if let Some(d) = date(&c[3], &c[2], &c[1]) {
                out.push(d);
            }
        }
    }
    if hyphen {
        for c in ISO.captures_iter(text) {
            if let Some(d) = date(&c[1], &c[2], &c[3]) {
                out.push(d);
            }
        }
    }
    out
}

/// A machine-readable date (`2026-11-20`, `2026-11-20T08:00:00+07:00`).
#[must_use]
pub fn parse_structured(value: &str) -> Option<Date> {
    let value = value.trim();
    let head = value.get(..10)?;
    let mut parts = head.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    date(y, m, d)
}

fn date(year: &str, month: &str, day: &str) -> Option<Date> {
    let year: i16 = year.parse().ok()?;
    if year < MIN_YEAR {
        return None;
    }
    Date::new(year, month.parse().ok()?, day.parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn reads_vietnamese_forms() {
        assert_eq!(dates_in("Ngày đăng: 15/06/2026"), vec![d("2026-06-15")]);
        assert_eq!(
            dates_in("15-06-2026 | 1.7.2026"),
            vec![d("2026-06-15"), d("2026-07-01")]
        );
        assert_eq!(
            dates_in("Hà Nội, ngày 11 tháng 9 năm 2014"),
            vec![d("2014-09-11")]
        );
        assert_eq!(
            dates_in("Cập nhật lúc 08:30 15/06/2026"),
            vec![d("2026-06-15")]
        );
        assert_eq!(dates_in("2026-11-20"), vec![d("2026-11-20")]);
        assert_eq!(
            dates_in("Góp ý trước ngày 20/12/2026."),
            vec![d("2026-12-20")]
        );
        assert!(dates_in("Số 12.5.2026.1").is_empty());
    }

    #[test]
    fn ignores_numbers_that_are_not_dates() {
        assert!(dates_in("Quyết định số 25/2026/QĐ-UBND").is_empty());
        assert!(dates_in("31/02/2026, 12/13/2026, 01/01/1975").is_empty());
        assert!(dates_in("Điện thoại: 0208.3855.724").is_empty());
    }

    #[test]
    fn structured_dates() {
        assert_eq!(
            parse_structured("2026-11-20T08:00:00+07:00"),
            Some(d("2026-11-20"))
        );
        assert_eq!(parse_structured("2026-11-20"), Some(d("2026-11-20")));
        assert_eq!(parse_structured("hôm qua"), None);
    }
}

/// Property tests (#13): no text panics the date readers, every date read
/// is plausible, and a date written as portals write it is read back.
#[cfg(test)]
mod fuzz_tests {
    use proptest::prelude::*;

    use super::{Date, MIN_YEAR, dates_in, parse_structured};
    use crate::fuzz_support::{fuzz, text_of};

    const PIECES: &[&str] = &[
        "15/06/2026",
        "1/1/1990",
        "31-12-1989",
        "29.02.2024",
        "29.02.2023",
        "99/99/9999",
        "ngày 11 tháng 9 năm 2014",
        "Ngày  1  tháng  13  năm 2026",
        "2026-11-20",
        "2026-11-20T08:00",
        "12.5.2026.1",
        "/",
        ".",
        "-",
        " ",
        "0",
        "9",
        "năm",
        "tháng",
        "ngày",
        "\u{0}",
        "٣",
        "đ",
    ];

    fuzz!(any_text, text_of(PIECES, 30), |text: String| {
        for date in dates_in(&text) {
            prop_assert!(date.year() >= MIN_YEAR);
        }
        let _ = parse_structured(&text);
        Ok(())
    });

    fuzz!(
        written_dates_are_read_back,
        (
            1990i16..=2100,
            1i8..=12,
            1i8..=31,
            "[a-z ]{0,8}",
            "[a-z ]{0,8}"
        ),
        |(year, month, day, before, after): (i16, i8, i8, String, String)| {
            let Ok(date) = Date::new(year, month, day) else {
                return Ok(());
            };
            let slashed = format!("{before} {day:02}/{month:02}/{year} {after}");
            prop_assert_eq!(dates_in(&slashed), vec![date]);
            let spelled = format!("{before} ngày {day} tháng {month} năm {year}{after}");
            prop_assert!(dates_in(&spelled).contains(&date));
            prop_assert_eq!(parse_structured(&date.to_string()), Some(date));
            Ok(())
        }
    );
}
