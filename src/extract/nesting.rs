//! A quick scan of a page's tags for where its nesting passes a limit, so a
//! hostile page nested 200,000 deep is cut before html5ever, whose tree
//! builder does work proportional to the depth for each element, sees it.

use crate::fold::find_ascii_ci;

/// Where a page's element nesting first passes `limit`, by a quick scan of its
/// tags (void elements, self-closing tags, comments and raw-text elements
/// handled), or `None` if it never does.
pub(super) fn overly_nested_at(html: &str, limit: usize) -> Option<usize> {
    const VOID: [&[u8]; 14] = [
        b"area", b"base", b"br", b"col", b"embed", b"hr", b"img", b"input", b"link", b"meta",
        b"param", b"source", b"track", b"wbr",
    ];
    let bytes = html.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(offset) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + offset;
        i = start + 1;
        if bytes[i..].starts_with(b"!--") {
            i = html[i..].find("-->").map_or(bytes.len(), |e| i + e + 3);
            continue;
        }
        let closing = bytes.get(i) == Some(&b'/');
        let name_start = if closing { i + 1 } else { i };
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 {
            continue;
        }
        let name = &html[name_start..name_start + name_len];
        // Lower-cased into a small buffer (longer names are none of ours),
        // so the tests below are a jump on length and a short compare.
        let mut lower = [0u8; 8];
        let short = name_len <= lower.len();
        if short {
            for (l, b) in lower.iter_mut().zip(name.bytes()) {
                *l = b.to_ascii_lowercase();
            }
        }
        let lower = &lower[..if short { name_len } else { 0 }];
        let tag_end =
            memchr::memchr(b'>', &bytes[name_start..]).map_or(bytes.len(), |e| name_start + e);
        let self_closing = tag_end > 0 && bytes.get(tag_end - 1) == Some(&b'/');
        i = tag_end.min(bytes.len());
        if closing {
            depth = depth.saturating_sub(1);
        } else if matches!(lower, b"script" | b"style" | b"textarea" | b"title") {
            let close = format!("</{name}");
            i = find_ascii_ci(&html[i..], &close).map_or(bytes.len(), |e| i + e);
        } else if !self_closing && !VOID.contains(&lower) {
            depth += 1;
            if depth > limit {
                return Some(start);
            }
        }
    }
    None
}
