//! Property tests of the targets reader (#13): no input panics it, every
//! error about a row names a line of the file, and targets written back as
//! CSV read back the same.

use std::path::Path;

use proptest::prelude::*;

use super::{Target, parse_targets};
use crate::error::InputError;
use crate::fuzz_support::{fuzz, text_of};

/// Pieces of targets files: headers, separators, quotes, kinds, URLs.
const FRAGMENTS: &[&str] = &[
    "id,name,kind,url",
    "id;name;kind;url",
    "ID,Name,Kind,URL",
    ",region",
    ",checklist",
    ";region",
    "\n",
    "\r\n",
    ",",
    ";",
    "\"",
    "\"\"",
    " ",
    "\u{feff}",
    "a",
    "stp",
    "b1",
    "Sở Tư pháp",
    "so",
    "tinh",
    "huyện",
    "xã",
    "ministry",
    "UBND tỉnh",
    "http://a.vn",
    "https://stp.example.gov.vn/",
    "stp.example.gov.vn",
    "ftp://a.vn",
    "http://",
    "http://[::1]/",
    "http://127.0.0.1:9/",
    "https://xn--d-5fa.vn/%zz",
    "\u{0}",
    "\u{fffd}",
    "ü",
    "đ",
    "\t",
];

/// A file whose first line is a valid header most of the time.
fn targets_file() -> impl Strategy<Value = String> {
    (
        proptest::sample::select(
            &[
                "id,name,kind,url",
                "id;name;kind;url",
                "id,name,kind,url,region,checklist",
                "",
            ][..],
        ),
        text_of(FRAGMENTS, 40),
    )
        .prop_map(|(header, rest)| format!("{header}{rest}"))
}

/// Whether `error` names a line within `text`, or is about the whole file.
fn names_a_line(error: &InputError, text: &[u8]) -> bool {
    let lines = text.iter().filter(|b| **b == b'\n').count() + 1;
    match error.line {
        Some(line) => (1..=lines).contains(&line),
        None => ["empty", "no sites", "cannot read the file", "larger than"]
            .iter()
            .any(|m| error.message.contains(m)),
    }
}

fn parse(bytes: &[u8]) -> Result<Vec<Target>, InputError> {
    parse_targets(Path::new("t.csv"), bytes)
}

/// The targets as a CSV file, written as a user's tool would.
fn written(targets: &[Target]) -> Vec<u8> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let extra: Vec<&str> = targets[0].extra.iter().map(|(h, _)| h.as_str()).collect();
    let header = ["id", "name", "kind", "url", "checklist"]
        .into_iter()
        .chain(extra);
    out.write_record(header).unwrap();
    for t in targets {
        let fixed = [
            t.id.as_str(),
            t.name.as_str(),
            t.kind.as_str(),
            t.url.as_str(),
            t.checklist.as_deref().unwrap_or(""),
        ];
        out.write_record(
            fixed
                .into_iter()
                .chain(t.extra.iter().map(|(_, v)| v.as_str())),
        )
        .unwrap();
    }
    out.into_inner().unwrap()
}

fuzz!(
    any_bytes,
    proptest::collection::vec(any::<u8>(), 0..512),
    |bytes: Vec<u8>| {
        if let Err(e) = parse(&bytes) {
            prop_assert!(names_a_line(&e, &bytes), "{e}");
        }
        Ok(())
    }
);

fuzz!(targets_like_text, targets_file(), |text: String| {
    match parse(text.as_bytes()) {
        Err(e) => prop_assert!(names_a_line(&e, text.as_bytes()), "{e}"),
        Ok(targets) => {
            let again = parse(&written(&targets));
            prop_assert_eq!(again.as_ref(), Ok(&targets), "written back: {:?}", again);
        }
    }
    Ok(())
});

/// Cells of rows that are often valid: ids, names, kinds and URLs, with
/// quotes, separators and odd characters mixed in.
const CELLS: &[&str] = &[
    "a",
    "b",
    "stp",
    "x y",
    "\"q,uoted\"",
    "\"a\"\"b\"",
    "Sở Tư pháp; tỉnh",
    "so",
    "tinh",
    "Phường",
    "thị trấn",
    "bộ",
    "http://a.vn",
    "https://b.vn/x?y=1#z",
    "HTTP://C.VN:80/",
    "http://a.vn/%",
    "c.vn",
    "",
    " ",
    "=cmd()",
    "vn-gov-portal",
    "other.toml",
    "đ",
    "\u{feff}x",
];

/// A header and up to eight rows of four to six cells, `,` or `;` apart.
fn rows() -> impl Strategy<Value = String> {
    let cell = proptest::sample::select(CELLS);
    let row = proptest::collection::vec(cell, 4..7);
    (
        proptest::sample::select(&[",", ";"][..]),
        proptest::sample::select(
            &[
                "id,name,kind,url",
                "id,name,kind,url,region",
                "url,kind,id,name,checklist,x",
            ][..],
        ),
        proptest::collection::vec(row, 0..8),
    )
        .prop_map(|(sep, header, rows)| {
            let mut text = header.replace(',', sep);
            for row in rows {
                text.push('\n');
                text.push_str(&row.join(sep));
            }
            text
        })
}

fuzz!(rows_of_cells, rows(), |text: String| {
    match parse(text.as_bytes()) {
        Err(e) => prop_assert!(names_a_line(&e, text.as_bytes()), "{e}"),
        Ok(targets) => {
            let again = parse(&written(&targets));
            prop_assert_eq!(again.as_ref(), Ok(&targets), "written back: {:?}", again);
        }
    }
    Ok(())
});
