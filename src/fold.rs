//! Accent-insensitive text folding, so "Thủ tục hành chính", "THU TUC HANH CHINH"
//! and the slug `thu-tuc-hanh-chinh` all compare equal.
//!
//! Folded text is lower case, has its diacritics stripped (đ becomes d), keeps
//! only letters and digits, and separates words with single spaces. It is padded
//! with one space on each side, so a plain substring search for a folded needle
//! (also padded) only ever matches whole words.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Folds `text` for matching: NFD, diacritics dropped, `đ`→`d`, lower case,
/// punctuation turned into word breaks, and one space of padding at each end.
#[must_use]
pub fn fold(text: &str) -> String {
    fold_with(text, 'd')
}

/// Like [`fold`], but drops `đ` entirely instead of mapping it to `d`.
///
/// Real portals publish slugs such as `lanh-ao` for "lãnh đạo"; matching a URL
/// against both foldings of a label catches them.
#[must_use]
pub fn fold_dropping_d_stroke(text: &str) -> String {
    fold_with(text, '\0')
}

fn fold_with(text: &str, d_stroke: char) -> String {
    let table = &*FOLD_TABLE;
    let mut out = Folded {
        text: Vec::with_capacity(text.len() + 2),
        at_space: true,
        pending_space: false,
    };
    out.text.push(b' ');
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        // ASCII needs no decomposition, and a Vietnamese letter with marks
        // is two or three bytes that a table folds: the fast paths for
        // nearly all of a page. `text` is valid UTF-8, so the sequences are
        // decoded by hand.
        if let Some(&action) = ASCII_FOLD.get(usize::from(byte)) {
            if action == BREAK {
                out.pending_space = true;
            } else {
                out.ascii(action);
            }
            i += 1;
            continue;
        }
        let cont = |k: usize| usize::from(bytes.get(i + k).copied().unwrap_or(0x80) & 0x3F);
        let (action, width) = match byte {
            0xC0..=0xDF => (
                table.two_bytes[(usize::from(byte & 0x1F) << 6) | cont(1)],
                2,
            ),
            0xE1 if matches!(bytes.get(i + 1), Some(0xB8..=0xBB)) => (
                table.latin_additional[((usize::from(bytes[i + 1]) & 0x03) << 6) | cont(2)],
                3,
            ),
            0xE0..=0xEF => (SLOW, 3),
            _ => (SLOW, 4),
        };
        match action {
            BREAK => out.pending_space = true,
            D_STROKE => {
                if d_stroke != '\0' {
                    out.letter(d_stroke);
                }
            }
            SLOW => {
                let Some(c) = text.get(i..i + width).and_then(|s| s.chars().next()) else {
                    break;
                };
                // Canonical decomposition, marks dropped: their order does not matter.
                decompose_canonical(c, |d| {
                    if is_combining_mark(d) {
                    } else if d.is_alphanumeric() {
                        for lower in d.to_lowercase() {
                            out.letter(lower);
                        }
                    } else {
                        out.pending_space = true;
                    }
                });
            }
            letter => out.ascii(letter),
        }
        i += width;
    }
    if !out.at_space {
        out.text.push(b' ');
    }
    // Only whole characters were written; the check is a fast ASCII scan.
    String::from_utf8(out.text)
        .unwrap_or_else(|invalid| String::from_utf8_lossy(invalid.as_bytes()).into_owned())
}

/// Folded text being written: words separated by single spaces.
struct Folded {
    text: Vec<u8>,
    /// The text ends with a space.
    at_space: bool,
    /// A word break was seen since the last letter.
    pending_space: bool,
}

impl Folded {
    /// Starts a letter: the pending word break, if any, is written first.
    #[inline]
    fn begin_letter(&mut self) {
        if self.pending_space && !self.at_space {
            self.text.push(b' ');
        }
        self.pending_space = false;
        self.at_space = false;
    }

    #[inline]
    fn ascii(&mut self, letter: u8) {
        self.begin_letter();
        self.text.push(letter);
    }

    fn letter(&mut self, c: char) {
        self.begin_letter();
        let mut buffer = [0; 4];
        self.text
            .extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
    }
}

/// Table actions: fold by decomposition, a word break, `đ`; anything else is
/// the ASCII letter or digit the character folds to.
const SLOW: u8 = 0;
const BREAK: u8 = 1;
const D_STROKE: u8 = 2;

/// What each ASCII byte folds to: itself lowered, or [`BREAK`].
const ASCII_FOLD: [u8; 128] = {
    let mut table = [BREAK; 128];
    let mut byte = 0u8;
    while byte < 128 {
        if byte.is_ascii_alphanumeric() {
            table[byte as usize] = byte.to_ascii_lowercase();
        }
        byte += 1;
    }
    table
};

/// What each two-byte character (U+0080–U+07FF) and each character of Latin
/// Extended Additional (U+1E00–U+1EFF, Vietnamese letters with two marks)
/// folds to, worked out once by canonical decomposition.
struct FoldTable {
    two_bytes: [u8; 0x800],
    latin_additional: [u8; 0x100],
}

static FOLD_TABLE: std::sync::LazyLock<FoldTable> = std::sync::LazyLock::new(|| {
    let action = |code: u32| match char::from_u32(code) {
        Some('đ' | 'Đ') => D_STROKE,
        Some(c) => fold_slowly(c),
        None => SLOW,
    };
    let mut table = FoldTable {
        two_bytes: [SLOW; 0x800],
        latin_additional: [SLOW; 0x100],
    };
    for (code, slot) in (0u32..).zip(table.two_bytes.iter_mut()).skip(0x80) {
        *slot = action(code);
    }
    for (code, slot) in (0x1E00u32..).zip(table.latin_additional.iter_mut()) {
        *slot = action(code);
    }
    table
});

/// What [`fold_with`] makes of one character by canonical decomposition:
/// the ASCII letter or digit, [`BREAK`], or [`SLOW`] when it is anything else.
fn fold_slowly(c: char) -> u8 {
    let mut letters = String::new();
    let mut breaks = false;
    decompose_canonical(c, |d| {
        if is_combining_mark(d) {
        } else if d.is_alphanumeric() {
            letters.extend(d.to_lowercase());
        } else {
            breaks = true;
        }
    });
    match (letters.as_bytes(), breaks) {
        ([], true) => BREAK,
        ([letter], false) if letter.is_ascii_alphanumeric() => *letter,
        _ => SLOW,
    }
}

/// Folds a URL into its words, one string per path segment and query value,
/// each padded like [`fold`]. File extensions are dropped (`lanh-ao-so.html`
/// gives " lanh ao so "). With `with_host`, the host's labels come first
/// (`dichvucong.gov.vn` gives " dichvucong ", " gov ", " vn "), for links that
/// leave the site. Percent escapes are decoded first.
#[must_use]
pub fn fold_url_segments(url: &url::Url, with_host: bool) -> Vec<String> {
    let mut out = Vec::new();
    if with_host && let Some(host) = url.host_str() {
        out.extend(host.split('.').map(fold));
    }
    for segment in url.path().split('/').filter(|s| !s.is_empty()) {
        let decoded = percent_decode(segment);
        let stem = match decoded.rsplit_once('.') {
            Some((stem, ext))
                if !stem.is_empty()
                    && ext.len() <= 5
                    && ext.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                stem.to_owned()
            }
            _ => decoded,
        };
        out.push(fold(&stem));
    }
    for (_, value) in url.query_pairs() {
        out.push(fold(&value));
    }
    out.retain(|s| s != " ");
    out
}

fn percent_decode(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned()
}

/// Collapses runs of white space into single spaces and trims the ends, for
/// evidence shown to people.
#[must_use]
pub fn squash_whitespace(text: &str) -> String {
    squashed(text).into_owned()
}

/// Like [`squash_whitespace`], but borrows `text` when it needs no change,
/// as most text runs of a page do.
#[must_use]
pub fn squashed(text: &str) -> Cow<'_, str> {
    let text = text.trim();
    // One pass without early exit, so the compiler can vectorise it: any
    // control character or double space sends the text the slow way.
    let mut previous = 0u8;
    let mut unusual = false;
    for &byte in text.as_bytes() {
        unusual |= byte < b' ' || (byte == b' ' && previous == b' ');
        previous = byte;
    }
    if !unusual {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    Cow::Owned(out)
}

/// Where `needle` first occurs in `haystack`, ASCII case-insensitively.
#[must_use]
pub fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let first = *needle.first()?;
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        haystack,
    )
    .find(|&at| {
        haystack
            .get(at..at + needle.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(needle))
    })
}

/// Shortens `text` to at most `max` characters, adding an ellipsis when cut.
#[must_use]
pub fn clip(text: &str, max: usize) -> String {
    clipped(text, max).into_owned()
}

/// Like [`clip`], but borrows `text` when it is short enough.
#[must_use]
pub fn clipped(text: &str, max: usize) -> Cow<'_, str> {
    // No more bytes than `max` means no more characters either.
    if text.len() <= max || text.chars().count() <= max {
        return Cow::Borrowed(text);
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_vietnamese_diacritics_and_maps_d_stroke() {
        assert_eq!(fold("Thủ tục hành chính"), " thu tuc hanh chinh ");
        assert_eq!(fold("LÃNH ĐẠO SỞ"), " lanh dao so ");
        assert_eq!(fold("Hỏi – Đáp"), " hoi dap ");
        assert_eq!(fold("  Tin tức - Sự kiện  "), " tin tuc su kien ");
    }

    #[test]
    fn latin_table_folds_as_decomposition_does() {
        // Decomposition, marks dropped, letters lowered, anything else a
        // word break: what the table must agree with.
        let reference = |c: char| {
            let mut out = String::new();
            decompose_canonical(c, |d| {
                if is_combining_mark(d) {
                } else if d.is_alphanumeric() {
                    out.extend(d.to_lowercase());
                } else if !out.ends_with(' ') {
                    out.push(' ');
                }
            });
            format!(" a{out}b ").replace("  ", " ")
        };
        for code in (0x80..0x800).chain(0x1E00..0x1F00) {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if c == 'đ' || c == 'Đ' {
                continue;
            }
            assert_eq!(fold(&format!("a{c}b")), reference(c), "{c:?}");
        }
        assert_eq!(fold("ỹ"), " y ");
        assert_eq!(fold("a©b"), " a b ");
    }

    #[test]
    fn byte_level_folding_matches_folding_by_characters() {
        // The plain definition: decompose, drop marks, lower, break on the rest.
        let reference = |text: &str| {
            let mut words = String::new();
            for c in text.chars() {
                if c == 'đ' || c == 'Đ' {
                    words.push('d');
                    continue;
                }
                decompose_canonical(c, |d| {
                    if is_combining_mark(d) {
                    } else if d.is_alphanumeric() {
                        words.extend(d.to_lowercase());
                    } else {
                        words.push(' ');
                    }
                });
            }
            let words: Vec<&str> = words.split_whitespace().collect();
            if words.is_empty() {
                " ".to_owned()
            } else {
                format!(" {} ", words.join(" "))
            }
        };
        for text in [
            "Thủ tục HÀNH CHÍNH, năm 2026!",
            "Đường dây nóng: 0208.3855.724 — ĐT/Fax",
            "Ångström 東京 🙂 Ωmega naïve\u{301}x",
            "x\u{10FFFF}y\u{80}z ß İ",
            "",
            "   ",
        ] {
            assert_eq!(fold(text), reference(text), "{text:?}");
        }
    }

    #[test]
    fn decomposed_and_composed_input_fold_alike() {
        let composed = "Công khai ngân sách";
        let decomposed: String =
            unicode_normalization::UnicodeNormalization::nfd(composed).collect();
        assert_eq!(fold(composed), fold(&decomposed));
    }

    #[test]
    fn slug_dropping_d_stroke_matches_second_folding() {
        assert_eq!(fold_dropping_d_stroke("lãnh đạo"), " lanh ao ");
        let url = url::Url::parse("http://x.vn/gioi-thieu/lanh-ao-so.html").unwrap();
        assert_eq!(
            fold_url_segments(&url, false),
            vec![" gioi thieu ", " lanh ao so "]
        );
    }

    #[test]
    fn folds_percent_encoded_urls_queries_and_hosts() {
        let url =
            url::Url::parse("http://dichvucong.gov.vn/Th%E1%BB%A7-t%E1%BB%A5c?cat=12&page=tin-tuc")
                .unwrap();
        assert_eq!(
            fold_url_segments(&url, false),
            vec![" thu tuc ", " 12 ", " tin tuc "]
        );
        assert_eq!(fold_url_segments(&url, true)[0], " dichvucong ");
    }

    #[test]
    fn empty_text_folds_to_single_space() {
        assert_eq!(fold(""), " ");
        assert_eq!(fold("—"), " ");
    }

    #[test]
    fn clip_adds_ellipsis() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
