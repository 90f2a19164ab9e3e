//! The page's visible text as one string for patterns ([`PageFacts::all_text`](super::PageFacts::all_text)),
//! kept small on pages read against the home page's chrome.

use std::borrow::Cow;

/// Builds [`PageFacts::all_text`](super::PageFacts::all_text). Without a chrome every run goes in. With
/// one, the runs it lacks go in with the run just before and just after each,
/// so a label and its value written as two runs ("Điện thoại:", then the
/// number) still read as one; where runs were left out, a line holding only
/// [`GAP`] keeps patterns from matching across the hole.
#[derive(Default)]
pub(super) struct AllText<'d> {
    next: usize,
    last_new: Option<usize>,
    last_written: Option<usize>,
    held: Option<(usize, Cow<'d, str>)>,
}

/// Marks where `all_text` leaves runs out: neither white space nor a word.
const GAP: char = '\u{1f}';

impl<'d> AllText<'d> {
    // A `&Cow`, not a `&str`: a run held back is kept as borrowed from the DOM
    // when it can be, instead of always copied.
    #[allow(clippy::ptr_arg)]
    pub(super) fn add(&mut self, out: &mut String, run: &Cow<'d, str>, shared: bool) {
        let index = self.next;
        self.next += 1;
        if !shared {
            if let Some((held, text)) = self.held.take()
                && held + 1 == index
            {
                self.write(out, held, &text);
            }
            self.write(out, index, run);
            self.last_new = Some(index);
        } else if self.last_new.is_some_and(|new| new + 1 == index) {
            self.write(out, index, run);
        } else {
            self.held = Some((index, run.clone()));
        }
    }

    fn write(&mut self, out: &mut String, index: usize, run: &str) {
        if !out.is_empty() {
            if self.last_written.is_some_and(|last| last + 1 != index) {
                out.push('\n');
                out.push(GAP);
            }
            out.push('\n');
        }
        out.push_str(run);
        self.last_written = Some(index);
    }
}
