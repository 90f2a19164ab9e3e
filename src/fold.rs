//! Accent-insensitive text folding, so "Thủ tục hành chính", "THU TUC HANH CHINH"
//! and the slug `thu-tuc-hanh-chinh` all compare equal.
//!
//! Folded text is lower case, has its diacritics stripped (đ becomes d), keeps
//! only letters and digits, and separates words with single spaces. It is padded
//! with one space on each side, so a plain substring search for a folded needle
//! (also padded) only ever matches whole words.

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
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_alphanumeric() {
            if pending_space && !out.ends_with(' ') {
                out.push(' ');
            }
            pending_space = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            pending_space = true;
        }
    };
    for c in text.chars() {
        // ASCII needs no decomposition: the fast path for most of a page.
        if c.is_ascii() {
            push(c, &mut out);
            continue;
        }
        if c == 'đ' || c == 'Đ' {
            if d_stroke != '\0' {
                push(d_stroke, &mut out);
            }
            continue;
        }
        // Canonical decomposition, marks dropped: their order does not matter.
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                push(d, &mut out);
            }
        });
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
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
    let text = text.trim();
    let plain = !text.contains("  ")
        && !text
            .bytes()
            .any(|b| matches!(b, b'\n' | b'\t' | b'\r' | 0x0c));
    if plain {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Shortens `text` to at most `max` characters, adding an ellipsis when cut.
#[must_use]
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
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
