//! Property tests of the checklist loader (#13): no file panics it, every
//! error names a line of the file (or is about the file as a whole), and
//! what loads can be searched.

use std::path::PathBuf;

use proptest::prelude::*;

use super::{Checklist, Origin};
use crate::error::InputError;
use crate::fuzz_support::{fuzz, text_of};

fn load(text: &str) -> Result<Checklist, InputError> {
    super::load_text(&Origin::File(PathBuf::from("c.toml")), text)
}

/// Whether `error` names a line within `text`, or is about the whole file.
fn names_a_line(error: &InputError, text: &str) -> bool {
    let lines = text.matches('\n').count() + 1;
    match error.line {
        Some(line) => (1..=lines).contains(&line),
        None => ["no items", "cannot be compiled"]
            .iter()
            .any(|m| error.message.contains(m)),
    }
}

/// Pieces of checklist files: tables, keys, values good and bad.
const FRAGMENTS: &[&str] = &[
    "[checklist]\n",
    "[[item]]\n",
    "[[override]]\n",
    "[[ruleset]]\n",
    "[checklist]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\n",
    "id = \"a\"\n",
    "id = \"b_2\"\n",
    "id = \"A-\"\n",
    "title = \"Tiêu đề\"\n",
    "title = \"\"\n",
    "weight = 1\n",
    "weight = 1e308\n",
    "weight = -0.0\n",
    "weight = nan\n",
    "weight = 100\n",
    "link_text = [\"liên hệ\", \"đ\"]\n",
    "url = [\"lien-he\"]\n",
    "heading = [\" \"]\n",
    "text = [\"a a a a a a a a\"]\n",
    "exclude = [\"liên hệ quảng cáo\"]\n",
    "selector = [\"a[href^=mailto:]\"]\n",
    "selector = [\"::\"]\n",
    "selector = [\"div > \"]\n",
    "pattern = [\"(?i)đường dây nóng\"]\n",
    "pattern = [\"(\"]\n",
    "pattern = [\"a{99999}\"]\n",
    "site = [\"https\", \"ipv6\"]\n",
    "site = [\"ftp\"]\n",
    "applies_to = [\"so\", \"xa\"]\n",
    "applies_to = [\"bộ\"]\n",
    "from = \"2026-07-01\"\n",
    "until = \"2020-01-01\"\n",
    "from = \"2026-13-40\"\n",
    "fresh_within_days = 4294967295\n",
    "fresh_within_days = -1\n",
    "language = \"en\"\n",
    "language = \"EN\"\n",
    "report_only = true\n",
    "all_link_text = [[\"a\", \"b\"], []]\n",
    "basis = [{ ref = \"NĐ 42\", from = \"2022-06-24\" }]\n",
    "extends = \"vn-gov-portal\"\n",
    "extends = \"nope.toml\"\n",
    "disable = [\"rss\"]\n",
    "placeholder_phrases = [\"đang cập nhật\"]\n",
    "description = \"\"\"\nx\n\"\"\"\n",
    "\n",
    "=",
    "\"",
    "[",
    "]",
    "{",
    "#",
    "'",
    "\\u0000",
    "\u{feff}",
    "\r",
];

fuzz!(
    any_text,
    proptest::collection::vec(any::<char>(), 0..300).prop_map(String::from_iter),
    |text: String| {
        if let Err(e) = load(&text) {
            prop_assert!(names_a_line(&e, &text), "{e}");
        }
        Ok(())
    }
);

fuzz!(
    checklist_like_text,
    text_of(FRAGMENTS, 30),
    |text: String| {
        match load(&text) {
            Err(e) => prop_assert!(names_a_line(&e, &text), "{e}"),
            Ok(checklist) => {
                let folded = crate::fold::fold(&text);
                let signals = &checklist.signals;
                for set in [
                    &signals.link_text,
                    &signals.url,
                    &signals.heading,
                    &signals.text,
                ] {
                    for hit in set.find(&folded) {
                        prop_assert!(hit.item < checklist.items.len());
                    }
                }
            }
        }
        Ok(())
    }
);

/// A valid header, then items of an id, a title and key lines picked from
/// the fragments (duplicates included): most files get past the TOML parser
/// and into item validation, many load.
fn items() -> impl Strategy<Value = String> {
    let lines = proptest::sample::select(&FRAGMENTS[10..40]);
    let item = (
        proptest::sample::select(
            &[
                "id = \"a\"\n",
                "id = \"b_2\"\n",
                "id = \"news\"\n",
                "id = \"A-\"\n",
            ][..],
        ),
        proptest::collection::vec(lines, 0..6),
    )
        .prop_map(|(id, body)| {
            let mut seen = std::collections::HashSet::new();
            let keys = body
                .into_iter()
                .filter(|line| seen.insert(line.split(' ').next()));
            format!(
                "\n[[item]]\n{id}title = \"T\"\n{}",
                keys.collect::<String>()
            )
        });
    let extends =
        proptest::sample::select(&["", "extends = \"vn-gov-portal\"\ndisable = [\"rss\"]\n"][..]);
    (extends, proptest::collection::vec(item, 1..5)).prop_map(|(extends, items)| {
        format!(
            "[checklist]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\n{extends}{}",
            items.concat()
        )
    })
}

fuzz!(items_of_fragments, items(), |text: String| {
    if let Err(e) = load(&text) {
        prop_assert!(names_a_line(&e, &text), "{e}");
    }
    Ok(())
});
