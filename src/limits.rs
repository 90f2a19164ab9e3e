//! Limits on the files users give us (targets and checklists). Each one
//! bounds the memory and time an input can cost, so a wrong or hostile file
//! fails fast with a message instead of running for minutes or filling a
//! disk with a 10 MB id. The README's "Limits on input files" lists them.

use std::io::{self, Read};
use std::path::Path;

/// Largest targets or checklist file read: room for 100,000 rows or items.
pub const MAX_INPUT_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// Longest id (a target's, an item's, a checklist's or a rule set's).
pub const MAX_ID_CHARS: usize = 128;
/// Longest name or title.
pub const MAX_NAME_CHARS: usize = 512;
/// Longest of any other value: a targets cell, a URL, a description, a
/// selector, a pattern.
pub const MAX_CELL_CHARS: usize = 4096;
/// Most columns in a targets file.
pub const MAX_TARGET_COLUMNS: usize = 64;
/// Most needles one checklist item may have: link texts, URL words,
/// headings, texts, exclusions, selectors, patterns and the labels of its
/// `all_link_text` groups together.
pub const MAX_NEEDLES_PER_ITEM: usize = 256;
/// Most words in one needle (a link text, heading, text, URL word,
/// exclusion or placeholder phrase).
pub const MAX_WORDS_PER_NEEDLE: usize = 32;
/// Longest needle.
pub const MAX_NEEDLE_CHARS: usize = 512;

/// Reads the file at `path`, refusing one larger than
/// [`MAX_INPUT_FILE_BYTES`] without reading past the limit (a device or a
/// growing file cannot make it read forever).
pub fn read_input_file(path: &Path) -> io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_FILE_BYTES {
        return Err(io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "it is larger than {} MiB, the most portal-audit reads",
                MAX_INPUT_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    Ok(bytes)
}

/// `Err` with a message when `value`, the `what` of something (for example
/// "id"), is longer than `max` characters.
pub fn check_length(what: &str, value: &str, max: usize) -> Result<(), String> {
    // No more bytes than `max` means no more characters either.
    if value.len() <= max {
        return Ok(());
    }
    let chars = value.chars().count();
    if chars <= max {
        return Ok(());
    }
    Err(format!(
        "{what} `{}` is {chars} characters long; the most is {max}",
        crate::error::echo(value)
    ))
}

/// `Err` with a message when the needle `value` has more words or
/// characters than a needle may.
pub fn check_needle(value: &str) -> Result<(), String> {
    check_length("needle", value, MAX_NEEDLE_CHARS)?;
    let words = value.split_whitespace().count();
    if words > MAX_WORDS_PER_NEEDLE {
        return Err(format!(
            "needle `{}` has {words} words; the most is {MAX_WORDS_PER_NEEDLE}",
            crate::error::echo(value)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_characters_not_bytes() {
        assert!(check_length("id", &"đ".repeat(128), MAX_ID_CHARS).is_ok());
        let e = check_length("id", &"a".repeat(129), MAX_ID_CHARS).unwrap_err();
        assert!(e.contains("129 characters long; the most is 128"), "{e}");
        assert!(e.len() < 200, "the value is clipped: {e}");
    }

    #[test]
    fn needles_are_limited_in_words() {
        assert!(check_needle(&"tin ".repeat(32)).is_ok());
        let e = check_needle(&"tin ".repeat(33)).unwrap_err();
        assert!(e.contains("33 words"), "{e}");
    }

    #[test]
    fn oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.csv");
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_INPUT_FILE_BYTES + 1).unwrap();
        let e = read_input_file(&path).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        file.set_len(MAX_INPUT_FILE_BYTES).unwrap();
        assert!(read_input_file(&path).is_ok());
    }
}
