//! Errors that mean the tool itself could not do its job. A website that is
//! down or an item that is missing is never an error: those are findings.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a file the user gave us (targets, checklist): names the file,
/// the line when known, and what is wrong. Maps to exit status 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file that holds the problem.
    pub path: PathBuf,
    /// 1-based line number, when the problem sits on one line.
    pub line: Option<usize>,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl InputError {
    /// A problem on one line of `path`.
    pub fn at_line(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line: Some(line),
            message: message.into(),
        }
    }

    /// A problem with `path` as a whole.
    pub fn in_file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line: None,
            message: message.into(),
        }
    }

    /// A problem at byte `offset` of `source`, the text of `path`.
    pub fn at_offset(path: &Path, source: &str, offset: usize, message: impl Into<String>) -> Self {
        Self::at_line(path, line_of_offset(source, offset), message)
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path.display(), line, self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for InputError {}

/// Most characters of a user's value that an error message repeats.
pub const ECHO_CHARS: usize = 80;

/// `value` as an error message may repeat it: at most [`ECHO_CHARS`]
/// characters, cut with `…`, so a 10 MB id does not make a 10 MB message.
#[must_use]
pub fn echo(value: &str) -> Cow<'_, str> {
    crate::fold::clipped(value, ECHO_CHARS)
}

/// The 1-based line on which byte `offset` of `source` falls.
#[must_use]
pub fn line_of_offset(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_file_and_line() {
        let e = InputError::at_line(Path::new("t.csv"), 3, "duplicate id `x`");
        assert_eq!(e.to_string(), "t.csv:3: duplicate id `x`");
    }

    #[test]
    fn echoed_values_are_clipped() {
        assert_eq!(echo("short"), "short");
        let long = "x".repeat(10_000);
        let echoed = echo(&long);
        assert_eq!(echoed.chars().count(), ECHO_CHARS);
        assert!(echoed.ends_with('…'));
    }

    #[test]
    fn offsets_map_to_lines() {
        assert_eq!(line_of_offset("a\nb\nc", 0), 1);
        assert_eq!(line_of_offset("a\nb\nc", 2), 2);
        assert_eq!(line_of_offset("a\nb\nc", 99), 3);
    }
}
