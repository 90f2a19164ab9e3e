//! Tells a section's label from an article's or a document's title, and a
//! page's language from its address and text. A menu entry, a page heading
//! or a breadcrumb that names a section is short and carries no document
//! number and no date; "Kế hoạch số 123/KH-UBND về việc …" and "Hội nghị
//! hướng dẫn lập dự toán ngân sách năm 2027 cho các đơn vị …" are titles of
//! things a section lists, never the section itself.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use crate::dates::dates_in;

/// Labels longer than this many words are article or document titles.
pub const MAX_LABEL_WORDS: usize = 8;

/// A document number as Vietnamese agencies write them: `15/2026/QĐ-UBND`,
/// `123/KH-UBND`, `42/2022/NĐ-CP`, `104/2016/QH13`.
static DOCUMENT_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\d{1,5}\s?/\s?(?:\d{4}\s?/\s?)?(?:[A-ZĐ][A-ZĐ0-9&]*-[A-ZĐ0-9&-]+|QH\d+)")
        .expect("static regex")
});

/// Whether `text` carries a document number.
#[must_use]
pub fn has_document_number(text: &str) -> bool {
    text.contains('/') && DOCUMENT_NUMBER.is_match(text)
}

/// Whether `text` carries a document number or a date: a row of a listing
/// of documents or news, not a section's own text.
#[must_use]
pub fn is_listing_text(text: &str) -> bool {
    has_document_number(text) || !dates_in(text).is_empty()
}

/// Whether `text` can be a section's label: at most [`MAX_LABEL_WORDS`]
/// words, no document number, no date.
#[must_use]
pub fn is_short_label(text: &str) -> bool {
    let words = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    words > 0 && words <= MAX_LABEL_WORDS && !is_listing_text(text)
}

/// The primary language subtag of a `lang` attribute (`vi-VN` → `vi`),
/// lower-cased; `None` when empty.
#[must_use]
pub fn primary_language(lang: &str) -> Option<String> {
    let primary = lang.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let primary = if primary == "vn" {
        "vi".to_owned()
    } else {
        primary
    };
    (primary.len() >= 2 && primary.chars().all(|c| c.is_ascii_alphabetic())).then_some(primary)
}

/// The language a URL's path or query names, if any: a path segment that is
/// a language code or name (`/en/`, `/english/`, `/vi/`, `/en-us/`), or ends
/// with one (`/so-ngoai-vu-english/`, `/gioi-thieu-eng/`), among the first
/// three; or a `lang`, `language`, `locale` or `hl` query value.
#[must_use]
pub fn path_language(url: &Url) -> Option<&'static str> {
    let from_path = url
        .path_segments()
        .into_iter()
        .flatten()
        .take(3)
        .find_map(segment_language);
    from_path.or_else(|| {
        url.query_pairs()
            .find(|(k, _)| matches!(&**k, "lang" | "language" | "locale" | "hl"))
            .and_then(|(_, v)| segment_language(&v))
    })
}

fn segment_language(segment: &str) -> Option<&'static str> {
    const NAMES: &[(&str, &str)] = &[
        ("en", "en"),
        ("eng", "en"),
        ("english", "en"),
        ("en-us", "en"),
        ("en-gb", "en"),
        ("vi", "vi"),
        ("vn", "vi"),
        ("vi-vn", "vi"),
        ("tieng-viet", "vi"),
        ("vietnamese", "vi"),
        ("fr", "fr"),
        ("francais", "fr"),
        ("zh", "zh"),
        ("zh-cn", "zh"),
        ("cn", "zh"),
        ("chinese", "zh"),
        ("es", "es"),
        ("espanol", "es"),
        ("ja", "ja"),
        ("ko", "ko"),
        ("lo", "lo"),
        ("km", "km"),
        ("ru", "ru"),
        ("de", "de"),
    ];
    let segment = segment.to_ascii_lowercase();
    let segment = segment
        .rsplit_once('.')
        .map_or(segment.as_str(), |(stem, _)| stem);
    if let Some((_, code)) = NAMES.iter().find(|(name, _)| *name == segment) {
        return Some(code);
    }
    // A suffix names a language only when it is unambiguous: `-english`,
    // `-eng`, `_en` (not `-en`, which ends many Vietnamese slugs: "chien").
    ["-english", "_english", "-eng", "_eng", "_en"]
        .iter()
        .any(|suffix| segment.ends_with(suffix))
        .then_some("en")
}

/// Letters only Vietnamese uses among the languages of portals: ă â đ ê ô
/// ơ ư and the vowels with a dot below or a hook above.
fn is_vietnamese_letter(c: char) -> bool {
    let lower = if c.is_lowercase() {
        c
    } else {
        c.to_lowercase().next().unwrap_or(c)
    };
    matches!(
        lower,
        'ă' | 'â'
            | 'đ'
            | 'ê'
            | 'ô'
            | 'ơ'
            | 'ư'
            | 'ạ'
            | 'ả'
            | 'ấ'
            | 'ầ'
            | 'ẩ'
            | 'ẫ'
            | 'ậ'
            | 'ắ'
            | 'ằ'
            | 'ẳ'
            | 'ẵ'
            | 'ặ'
            | 'ẹ'
            | 'ẻ'
            | 'ẽ'
            | 'ế'
            | 'ề'
            | 'ể'
            | 'ễ'
            | 'ệ'
            | 'ỉ'
            | 'ị'
            | 'ọ'
            | 'ỏ'
            | 'ố'
            | 'ồ'
            | 'ổ'
            | 'ỗ'
            | 'ộ'
            | 'ớ'
            | 'ờ'
            | 'ở'
            | 'ỡ'
            | 'ợ'
            | 'ụ'
            | 'ủ'
            | 'ứ'
            | 'ừ'
            | 'ử'
            | 'ữ'
            | 'ự'
            | 'ỳ'
            | 'ỵ'
            | 'ỷ'
            | 'ỹ'
    )
}

/// Whether `text` reads as Vietnamese: at least one letter in twenty is one
/// only Vietnamese uses (about one in four is, in running Vietnamese text;
/// an English page that names a "Sở" or a "Đắk Lắk" stays far below).
#[must_use]
pub fn looks_vietnamese<'a>(runs: impl IntoIterator<Item = &'a str>) -> Option<bool> {
    let (mut letters, mut vietnamese) = (0usize, 0usize);
    for run in runs {
        for c in run.chars() {
            if c.is_ascii() {
                letters += usize::from(c.is_ascii_alphabetic());
            } else if ('\u{300}'..='\u{323}').contains(&c) {
                // A combining tone or vowel mark: Vietnamese typed in
                // decomposed form ("Unicode tổ hợp").
                vietnamese += 1;
            } else if c.is_alphabetic() {
                letters += 1;
                vietnamese += usize::from(is_vietnamese_letter(c));
            }
        }
        if letters >= 1_000 {
            break;
        }
    }
    (letters >= 40).then_some(vietnamese * 20 >= letters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_titles_and_document_numbers() {
        assert!(is_short_label("Công khai ngân sách"));
        assert!(is_short_label("Chức năng, nhiệm vụ, quyền hạn"));
        assert!(is_short_label(
            "Quy hoạch – Kế hoạch – Chiến lược – Chương trình"
        ));
        assert!(!is_short_label(
            "Hội nghị hướng dẫn lập dự toán ngân sách năm 2027 cho các đơn vị"
        ));
        assert!(!is_short_label("Kế hoạch số 123/KH-UBND về việc"));
        assert!(!is_short_label("Thông báo (12/03/2022)"));
        assert!(has_document_number("Quyết định 15/2026/QĐ-UBND"));
        assert!(has_document_number("Nghị định 42/2022/NĐ-CP"));
        assert!(has_document_number("Luật 104/2016/QH13"));
        assert!(!has_document_number("Điện thoại 0218/3852 123"));
        assert!(!has_document_number("Trang 1/12"));
    }

    #[test]
    fn languages_of_paths_and_texts() {
        let lang = |u: &str| path_language(&Url::parse(u).unwrap());
        assert_eq!(lang("http://a.vn/en/news/1.html"), Some("en"));
        assert_eq!(lang("http://a.vn/english/"), Some("en"));
        assert_eq!(
            lang("http://a.vn/portal/web/so-ngoai-vu-english/x"),
            Some("en")
        );
        assert_eq!(lang("http://a.vn/vi/news/"), Some("vi"));
        assert_eq!(lang("http://a.vn/index.php?lang=en"), Some("en"));
        assert_eq!(lang("http://a.vn/tin-tuc/chien-dich-tiem-chung"), None);
        assert_eq!(lang("http://a.vn/gioi-thieu/"), None);
        assert_eq!(primary_language("vi-VN").as_deref(), Some("vi"));
        assert_eq!(primary_language(" "), None);
        assert_eq!(primary_language("vn").as_deref(), Some("vi"));
        let decomposed = "So\u{31b}\u{309} Tu\u{31b} pha\u{301}p ti\u{309}nh Ho\u{300}a Bi\u{300}nh thông báo lịch tiếp công dân";
        assert_eq!(looks_vietnamese([decomposed]), Some(true));
        let vi = "Sở Tư pháp tỉnh Hòa Bình thông báo lịch tiếp công dân định kỳ của lãnh đạo Sở";
        let en =
            "The Department of Justice of Hoa Binh province announces the schedule of Sở leaders";
        assert_eq!(looks_vietnamese([vi]), Some(true));
        assert_eq!(looks_vietnamese([en]), Some(false));
        assert_eq!(looks_vietnamese(["Hà Nội"]), None);
    }
}
