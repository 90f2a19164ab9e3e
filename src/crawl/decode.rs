//! Turns response bytes into NFC UTF-8 text, whatever the page declared:
//! charset from the header, else a BOM, else `<meta charset>`, else UTF-8.
//! Invalid bytes become U+FFFD instead of failing the page.

use encoding_rs::{Encoding, UTF_8};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// How far into the document we look for a `<meta charset>` declaration.
const META_SNIFF_BYTES: usize = 4096;

/// Decodes `bytes`; `content_type` is the HTTP header, if any. Valid UTF-8
/// in NFC (nearly every page) is taken over as it is, without a copy.
#[must_use]
pub fn decode_html(bytes: Vec<u8>, content_type: Option<&str>) -> String {
    let declared = content_type.and_then(charset_from_content_type);
    let (encoding, bom_len) = match Encoding::for_bom(&bytes) {
        Some((enc, len)) if declared.is_none() => (enc, len),
        Some((enc, len)) => (declared.filter(|d| *d == enc).unwrap_or(enc), len),
        None => (
            declared
                .or_else(|| sniff_meta_charset(&bytes))
                .unwrap_or(UTF_8),
            0,
        ),
    };
    if encoding == UTF_8 {
        let mut bytes = bytes;
        bytes.drain(..bom_len);
        return match String::from_utf8(bytes) {
            Ok(text) => to_nfc(text),
            Err(invalid) => to_nfc(String::from_utf8_lossy(invalid.as_bytes()).into_owned()),
        };
    }
    let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
    to_nfc(text.into_owned())
}

/// NFC, skipping the work when the text is already normalised (the usual case).
fn to_nfc(text: String) -> String {
    if surely_nfc(&text) || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        text.nfc().collect()
    }
}

/// Whether `text` is NFC by a cheap test: every character lies where no
/// character combines or decomposes canonically (below U+0300, Vietnamese
/// precomposed letters, general punctuation, the đồng sign). Saves the
/// per-character table lookups of the full quick check on nearly every page.
fn surely_nfc(text: &str) -> bool {
    text.chars()
        .all(|c| matches!(u32::from(c), 0..0x300 | 0x1E00..0x1F00 | 0x2010..0x2030 | 0x20AB))
}

fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| Encoding::for_label(value.trim().trim_matches(['"', '\'']).as_bytes()))
            .flatten()
    })
}

fn sniff_meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_SNIFF_BYTES)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let start = from + pos + b"charset".len();
        let rest = &lower[start..];
        let rest = rest.strip_prefix(b" ").unwrap_or(rest);
        if let Some(rest) = rest.strip_prefix(b"=") {
            let rest: &[u8] = trim_start(rest);
            let rest = rest
                .strip_prefix(b"\"")
                .or_else(|| rest.strip_prefix(b"'"))
                .unwrap_or(rest);
            let end = rest
                .iter()
                .position(|b| matches!(b, b'"' | b'\'' | b';' | b'>' | b' ' | b'/'))
                .unwrap_or(rest.len());
            if let Some(enc) = Encoding::for_label(&rest[..end]) {
                // A page that says UTF-16 in ASCII is not UTF-16 (HTML spec).
                return Some(
                    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
                        UTF_8
                    } else {
                        enc
                    },
                );
            }
        }
        from = start;
    }
    None
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take_while(|b| b.is_ascii_whitespace()).count();
    &bytes[n..]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    /// Encodes Vietnamese as Windows-1258 does: base letters (with their
    /// circumflex, breve or horn) precomposed, tone marks as combining bytes.
    pub(crate) fn windows_1258(text: &str) -> Vec<u8> {
        const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];
        let mut out = Vec::new();
        for c in text.chars() {
            let mut buffer = [0; 4];
            let (bytes, _, unmappable) =
                encoding_rs::WINDOWS_1258.encode(c.encode_utf8(&mut buffer));
            if !unmappable {
                out.extend_from_slice(&bytes);
                continue;
            }
            let parts: Vec<char> = c.to_string().nfd().collect();
            let base: String = parts
                .iter()
                .filter(|p| !TONES.contains(p))
                .collect::<String>()
                .nfc()
                .collect();
            let tones: String = parts.iter().filter(|p| TONES.contains(p)).collect();
            out.extend_from_slice(&encoding_rs::WINDOWS_1258.encode(&base).0);
            out.extend_from_slice(&encoding_rs::WINDOWS_1258.encode(&tones).0);
        }
        out
    }

    #[test]
    fn the_cheap_nfc_test_only_passes_normalised_characters() {
        for c in (0..0x300)
            .chain(0x1E00..0x1F00)
            .chain(0x2010..0x2030)
            .chain([0x20AB])
        {
            let Some(c) = char::from_u32(c) else { continue };
            let text = format!("a{c}");
            assert!(surely_nfc(&text));
            assert_eq!(is_nfc_quick(text.chars()), IsNormalized::Yes, "{c:?}");
        }
        assert!(!surely_nfc("Thu\u{309}"));
    }

    #[test]
    fn header_charset_wins() {
        let bytes = windows_1258("Công khai ngân sách, Thủ tục");
        assert_eq!(
            decode_html(bytes.clone(), Some("text/html; charset=windows-1258")),
            "Công khai ngân sách, Thủ tục"
        );
    }

    #[test]
    fn meta_charset_is_sniffed_and_tone_marks_compose() {
        let body = windows_1258("Thủ tục hành chính");
        assert_ne!(
            body.len(),
            "Thủ tục hành chính".chars().count(),
            "tone marks are separate bytes"
        );
        let mut page = b"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1258\"></head><body>".to_vec();
        page.extend_from_slice(&body);
        let text = decode_html(page.clone(), Some("text/html"));
        assert!(text.contains("Thủ tục hành chính"), "{text}");
    }

    #[test]
    fn bom_and_invalid_utf8_are_handled() {
        assert_eq!(decode_html(b"\xEF\xBB\xBFabc".to_vec(), None), "abc");
        assert_eq!(decode_html(b"a\xFFb".to_vec(), None), "a\u{FFFD}b");
    }
}
