//! Turns response bytes into UTF-8 text with Vietnamese letters composed
//! (NFC), whatever the page declared: charset from the header, else a BOM,
//! else `<meta charset>`, else UTF-8. Invalid bytes become U+FFFD instead of
//! failing the page.

use encoding_rs::{Encoding, UTF_8};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// How far into the document we look for a `<meta charset>` declaration.
const META_SNIFF_BYTES: usize = 4096;

/// Decodes `bytes`; `content_type` is the HTTP header, if any.
#[must_use]
pub fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    let declared = content_type.and_then(charset_from_content_type);
    let (encoding, bom_len) = match Encoding::for_bom(bytes) {
        Some((enc, len)) if declared.is_none() => (enc, len),
        Some((enc, len)) => (declared.filter(|d| *d == enc).unwrap_or(enc), len),
        None => (
            declared
                .or_else(|| sniff_meta_charset(bytes))
                .unwrap_or(UTF_8),
            0,
        ),
    };
    if encoding == UTF_8 {
        let body = &bytes[bom_len..];
        // SIMD validation and one copy cost a tenth of the standard library's
        // validation on Vietnamese text, where most characters take 2-3 bytes.
        return to_nfc(match simdutf8::basic::from_utf8(body) {
            Ok(text) => text.to_owned(),
            Err(_) => String::from_utf8_lossy(body).into_owned(),
        });
    }
    let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
    to_nfc(text.into_owned())
}

/// NFC when the text has combining diacritics, else the text as it is.
///
/// Decomposed Vietnamese (typed with a "tổ hợp" keyboard, or decoded from
/// Windows-1258) always carries marks from U+0300–U+036F, whose UTF-8 lead
/// bytes are 0xCC and 0xCD; text without those bytes has every Vietnamese
/// letter composed already. One SIMD byte search instead of a table lookup
/// per character, on every page. Other non-NFC sequences (Greek tonos, CJK
/// compatibility ideographs) are left alone: nothing a checklist matches
/// depends on them, and folding decomposes them anyway.
fn to_nfc(text: String) -> String {
    if memchr::memchr2(0xCC, 0xCD, text.as_bytes()).is_none()
        || is_nfc_quick(text.chars()) == IsNormalized::Yes
    {
        text
    } else {
        text.nfc().collect()
    }
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
    fn decomposed_vietnamese_in_utf8_is_composed() {
        let decomposed: String = "Thủ tục hành chính".nfd().collect();
        assert_ne!(decomposed, "Thủ tục hành chính");
        assert_eq!(
            decode_html(decomposed.as_bytes(), Some("text/html; charset=utf-8")),
            "Thủ tục hành chính"
        );
    }

    #[test]
    fn header_charset_wins() {
        let bytes = windows_1258("Công khai ngân sách, Thủ tục");
        assert_eq!(
            decode_html(&bytes, Some("text/html; charset=windows-1258")),
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
        let text = decode_html(&page, Some("text/html"));
        assert!(text.contains("Thủ tục hành chính"), "{text}");
    }

    #[test]
    fn bom_and_invalid_utf8_are_handled() {
        assert_eq!(decode_html(b"\xEF\xBB\xBFabc", None), "abc");
        assert_eq!(decode_html(b"a\xFFb", None), "a\u{FFFD}b");
    }
}
