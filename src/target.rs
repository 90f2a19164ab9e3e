//! The sites to audit, read from a targets CSV (`id,name,kind,url`), with every
//! problem reported against the file and line a user can fix.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{InputError, echo};
use crate::limits::{
    MAX_CELL_CHARS, MAX_ID_CHARS, MAX_INPUT_FILE_BYTES, MAX_NAME_CHARS, MAX_TARGET_COLUMNS,
    check_length, read_input_file,
};

/// What kind of government body runs a site; checklist items apply per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// Provincial People's Committee portal (cổng tỉnh).
    Province,
    /// A provincial department, board or sector (sở, ban, ngành).
    Department,
    /// A district People's Committee (huyện, thị xã, thành phố thuộc tỉnh);
    /// a legacy tier since the 2025 reorganisation.
    District,
    /// A commune or ward People's Committee (xã, phường).
    Commune,
}

impl SiteKind {
    /// Every kind, in display order.
    pub const ALL: [SiteKind; 4] = [
        SiteKind::Province,
        SiteKind::Department,
        SiteKind::District,
        SiteKind::Commune,
    ];

    /// The canonical name used in files.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Province => "province",
            SiteKind::Department => "department",
            SiteKind::District => "district",
            SiteKind::Commune => "commune",
        }
    }
}

impl fmt::Display for SiteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SiteKind {
    type Err = String;

    /// Accepts the English names and the names Vietnamese officers write,
    /// with or without accents and case: `tinh`, `UBND tỉnh`; `Sở`, `ban`,
    /// `ngành`, `Sở, ban, ngành`; `huyện`, `quận`, `thị xã`, `thành phố`;
    /// `xã`, `phường`, `thị trấn`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let folded: String = crate::fold::fold(s)
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let words: Vec<&str> = folded.split_whitespace().collect();
        let name = match words.as_slice() {
            ["ubnd", rest @ ..] | ["uy", "ban", "nhan", "dan", rest @ ..] => rest.join(" "),
            _ => words.join(" "),
        };
        match name.as_str() {
            "province" | "tinh" => Ok(SiteKind::Province),
            "department" | "so" | "ban" | "nganh" | "so ban nganh" | "so nganh" => {
                Ok(SiteKind::Department)
            }
            "district" | "huyen" | "district legacy" | "quan" | "thi xa" | "thanh pho" => {
                Ok(SiteKind::District)
            }
            "commune" | "xa" | "phuong" | "ward" | "thi tran" => Ok(SiteKind::Commune),
            _ => Err(format!(
                "unknown kind `{}`: write one of province, department, district, commune, \
                 or as officers do: tỉnh, UBND tỉnh; Sở, ban, ngành; huyện, quận, thị xã, \
                 thành phố, UBND huyện; xã, phường, thị trấn, UBND xã (accents and case optional)",
                echo(s)
            )),
        }
    }
}

/// One site to audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Stable identifier from the targets file; keys history and CI gates.
    pub id: String,
    /// Human name of the agency.
    pub name: String,
    /// What kind of body runs it.
    pub kind: SiteKind,
    /// Where the crawl starts.
    pub url: Url,
    /// A checklist named for this target alone (the `checklist` column).
    pub checklist: Option<String>,
    /// Columns beyond the known ones, kept in file order for the scorecard.
    pub extra: Vec<(String, String)>,
}

const REQUIRED_COLUMNS: [&str; 4] = ["id", "name", "kind", "url"];
const OPTIONAL_COLUMNS: [&str; 1] = ["checklist"];

/// Reads and validates a targets file. Every error names the file and line.
pub fn load_targets(path: &Path) -> Result<Vec<Target>, InputError> {
    let bytes = read_input_file(path)
        .map_err(|e| InputError::in_file(path, format!("cannot read targets file: {e}")))?;
    parse_targets(path, &bytes)
}

/// Parses the bytes of a targets file; `path` is used in messages only.
pub fn parse_targets(path: &Path, bytes: &[u8]) -> Result<Vec<Target>, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.len() as u64 > MAX_INPUT_FILE_BYTES {
        return Err(InputError::in_file(
            path,
            format!(
                "the targets file is larger than {} MiB, the most portal-audit reads",
                MAX_INPUT_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::in_file(
            path,
            "the targets file is empty: expected a header `id,name,kind,url` and one row per site",
        ));
    }
    let delimiter = sniff_delimiter(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(bytes);
    let header = reader.headers().map_err(|e| csv_error(path, &e))?;
    let columns = Columns::of(path, header, delimiter)?;
    let mut targets = Vec::new();
    let mut first_line_of: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        if record.iter().all(str::is_empty) {
            continue;
        }
        let at_line = |m: String| InputError::at_line(path, line, m);
        columns.check_lengths(&record).map_err(at_line)?;
        let id = columns.id(&record).map_err(at_line)?;
        if let Some(first) = first_line_of.get(&id) {
            return Err(at_line(format!(
                "duplicate id `{}` (first used on line {first})",
                echo(&id)
            )));
        }
        first_line_of.insert(id.clone(), line);
        targets.push(columns.target(id, &record).map_err(at_line)?);
    }
    if targets.is_empty() {
        return Err(InputError::in_file(
            path,
            "the targets file has a header but no sites",
        ));
    }
    Ok(targets)
}

/// Where each column of a targets file is, from its header.
struct Columns {
    /// Every header, lower-cased.
    headers: Vec<String>,
    id: usize,
    name: usize,
    kind: usize,
    url: usize,
    checklist: Option<usize>,
}

impl Columns {
    fn of(path: &Path, header: &csv::StringRecord, delimiter: u8) -> Result<Self, InputError> {
        if header.len() > MAX_TARGET_COLUMNS {
            return Err(InputError::at_line(
                path,
                1,
                format!(
                    "the header has {} columns; the most is {MAX_TARGET_COLUMNS}",
                    header.len()
                ),
            ));
        }
        for cell in header {
            check_length("column name", cell, MAX_NAME_CHARS)
                .map_err(|m| InputError::at_line(path, 1, m))?;
        }
        let headers: Vec<String> = header.iter().map(str::to_ascii_lowercase).collect();
        let column = |name: &str| headers.iter().position(|h| h == name);
        for required in REQUIRED_COLUMNS {
            if column(required).is_none() {
                return Err(InputError::at_line(
                    path,
                    1,
                    format!(
                        "the header has no `{required}` column (expected at least id,name,kind,url; \
                         read with the separator `{}`)",
                        char::from(delimiter)
                    ),
                ));
            }
        }
        let [id, name, kind, url] = REQUIRED_COLUMNS.map(|c| column(c).unwrap_or(0));
        let checklist = column("checklist");
        Ok(Self {
            headers,
            id,
            name,
            kind,
            url,
            checklist,
        })
    }

    /// Every cell of a row within its length limit: the id, the name, and
    /// any other cell.
    fn check_lengths(&self, record: &csv::StringRecord) -> Result<(), String> {
        for (i, cell) in record.iter().enumerate() {
            let (what, max) = if i == self.id {
                ("id", MAX_ID_CHARS)
            } else if i == self.name {
                ("name", MAX_NAME_CHARS)
            } else {
                let column = self.headers.get(i).map_or("", String::as_str);
                check_length(
                    &format!("the `{}` cell", echo(column)),
                    cell,
                    MAX_CELL_CHARS,
                )?;
                continue;
            };
            check_length(what, cell, max)?;
        }
        Ok(())
    }

    /// The id on one row.
    fn id(&self, record: &csv::StringRecord) -> Result<String, String> {
        match record.get(self.id).unwrap_or("") {
            "" => Err("empty `id`".into()),
            id => Ok(id.to_owned()),
        }
    }

    /// The target `id` on one row, or what is wrong with the row.
    fn target(&self, id: String, record: &csv::StringRecord) -> Result<Target, String> {
        let field = |i: usize| record.get(i).unwrap_or("").to_owned();
        let kind = field(self.kind).parse::<SiteKind>()?;
        let url = parse_start_url(&field(self.url))?;
        let name = match field(self.name) {
            n if n.is_empty() => id.clone(),
            n => n,
        };
        let checklist = self.checklist.map(field).filter(|c| !c.is_empty());
        let extra = self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                !REQUIRED_COLUMNS.contains(&h.as_str()) && !OPTIONAL_COLUMNS.contains(&h.as_str())
            })
            .map(|(i, h)| (h.clone(), field(i)))
            .collect();
        Ok(Target {
            id,
            name,
            kind,
            url,
            checklist,
            extra,
        })
    }
}

/// The separator of a targets file: `;` when its header line has more of
/// them than commas (Excel set to Vietnamese saves CSV so), else `,`.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |c: u8| header.iter().filter(|b| **b == c).count();
    if count(b';') > count(b',') {
        b';'
    } else {
        b','
    }
}

fn parse_start_url(raw: &str) -> Result<Url, String> {
    if raw.is_empty() {
        return Err("empty `url`".into());
    }
    let url = Url::parse(raw).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase
            if raw.contains('.') && !raw.contains(char::is_whitespace) =>
        {
            format!(
                "url `{}` has no scheme: add https:// (write https://{}/)",
                echo(raw),
                echo(raw.trim_end_matches('/'))
            )
        }
        e => format!("malformed url `{}`: {e}", echo(raw)),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "url `{}` must start with http:// or https://",
            echo(raw)
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("url `{}` has no host", echo(raw)));
    }
    Ok(url)
}

fn csv_error(path: &Path, error: &csv::Error) -> InputError {
    match error.position() {
        Some(pos) => InputError::at_line(
            path,
            usize::try_from(pos.line()).unwrap_or(0),
            format!("cannot read this row: {}", csv_error_kind(error)),
        ),
        None => InputError::in_file(path, format!("cannot read the file: {error}")),
    }
}

fn csv_error_kind(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("it has {len} fields but the header has {expected_len}")
        }
        csv::ErrorKind::Utf8 { .. } => "it is not valid UTF-8 (save the file as UTF-8)".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod fuzz_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Target>, InputError> {
        parse_targets(Path::new("targets.csv"), text.as_bytes())
    }

    #[test]
    fn reads_targets_with_aliases_and_extra_columns() {
        let t = parse(
            "id,name,kind,url,region\n\
             stp,Sở Tư pháp,so,https://stp.example.gov.vn,Bắc\n\
             h1,Huyện A,huyện,http://huyena.example.gov.vn/,Nam\n",
        )
        .unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].kind, SiteKind::Department);
        assert_eq!(t[1].kind, SiteKind::District);
        assert_eq!(t[0].extra, vec![("region".to_owned(), "Bắc".to_owned())]);
    }

    #[test]
    fn duplicate_id_names_the_second_line() {
        let e = parse("id,name,kind,url\na,A,so,http://a.vn\na,B,so,http://b.vn\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("duplicate id `a`"), "{e}");
        assert!(e.message.contains("line 2"), "{e}");
    }

    #[test]
    fn rejects_empty_unknown_kind_and_bad_urls() {
        assert!(parse("").unwrap_err().message.contains("empty"));
        assert!(
            parse("id,name,kind,url\n")
                .unwrap_err()
                .message
                .contains("no sites")
        );
        let e = parse("id,name,kind,url\na,A,ministry,http://a.vn\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.contains("unknown kind")),
            (Some(2), true)
        );
        let e = parse("id,name,kind,url\na,A,so,not a url\n").unwrap_err();
        assert_eq!(
            (e.line, e.message.contains("malformed url")),
            (Some(2), true)
        );
        let e = parse("id,name,kind,url\na,A,so,ftp://a.vn\n").unwrap_err();
        assert!(e.message.contains("http://"), "{e}");
        let e = parse("id,name,url\na,A,http://a.vn\n").unwrap_err();
        assert_eq!((e.line, e.message.contains("`kind`")), (Some(1), true));
    }

    #[test]
    fn kinds_as_officers_write_them() {
        for (written, kind) in [
            ("UBND tỉnh", SiteKind::Province),
            ("Ủy ban nhân dân tỉnh", SiteKind::Province),
            ("Sở, ban, ngành", SiteKind::Department),
            ("sở", SiteKind::Department),
            ("UBND huyện", SiteKind::District),
            ("quận", SiteKind::District),
            ("Thị xã", SiteKind::District),
            ("thanh pho", SiteKind::District),
            ("thị trấn", SiteKind::Commune),
            ("Phường", SiteKind::Commune),
            ("UBND xã", SiteKind::Commune),
        ] {
            assert_eq!(written.parse::<SiteKind>(), Ok(kind), "{written}");
        }
        let e = "bộ".parse::<SiteKind>().unwrap_err();
        assert!(
            e.contains("thị trấn") && e.contains("Sở, ban, ngành"),
            "{e}"
        );
    }

    #[test]
    fn semicolon_files_from_vietnamese_excel_are_read() {
        let t = parse(
            "id;name;kind;url\nstp;Sở Tư pháp, tỉnh Hòa Bình;Sở;https://stp.example.gov.vn/\n",
        )
        .unwrap();
        assert_eq!(t[0].name, "Sở Tư pháp, tỉnh Hòa Bình");
        let e = parse("ma;ten;loai;dia chi\na;A;so;http://a.vn\n").unwrap_err();
        assert!(e.message.contains("separator `;`"), "{e}");
    }

    #[test]
    fn a_url_without_scheme_says_to_add_https() {
        let e = parse("id,name,kind,url\nstp,Sở Tư pháp,so,stp.hoabinh.gov.vn\n").unwrap_err();
        assert!(
            e.message
                .contains("add https:// (write https://stp.hoabinh.gov.vn/)"),
            "{e}"
        );
    }

    #[test]
    fn issue_13_long_values_and_many_columns_are_refused_with_clipped_echoes() {
        let long_id = "a".repeat(10_000_000);
        let e = parse(&format!(
            "id,name,kind,url\nok,A,so,http://a.vn\n{long_id},A,so,http://a.vn\n"
        ))
        .unwrap_err();
        assert_eq!(e.line, Some(3), "{e}");
        assert!(e.message.contains("id `aaa"), "{e}");
        assert!(
            e.message
                .contains("10000000 characters long; the most is 128"),
            "{e}"
        );
        assert!(
            e.to_string().len() < 200,
            "clipped: {}",
            e.to_string().len()
        );
        let long_name = "N".repeat(513);
        let e = parse(&format!("id,name,kind,url\na,{long_name},so,http://a.vn\n")).unwrap_err();
        assert!(e.message.contains("name `NNN"), "{e}");
        let long_cell = "x".repeat(4097);
        let e = parse(&format!(
            "id,name,kind,url,region\na,A,so,http://a.vn,{long_cell}\n"
        ))
        .unwrap_err();
        assert!(e.message.contains("the `region` cell"), "{e}");
        let long_url = format!("http://a.vn/{}", "p".repeat(5000));
        let e = parse(&format!("id,name,kind,url\na,A,so,{long_url}\n")).unwrap_err();
        assert!(e.to_string().len() < 200, "{e}");
        let columns: String = (0..100_000).map(|i| format!(",c{i}")).collect();
        let e = parse(&format!(
            "id,name,kind,url{columns}\na,A,so,http://a.vn{}\n",
            ",v".repeat(100_000)
        ))
        .unwrap_err();
        assert_eq!(e.line, Some(1), "{e}");
        assert!(e.message.contains("100004 columns; the most is 64"), "{e}");
        let e = parse(&format!(
            "id,name,kind,url\na,A,so,http://a.vn{}\n",
            ",v".repeat(100_000)
        ))
        .unwrap_err();
        assert_eq!(e.line, Some(2), "{e}");
    }

    #[test]
    fn ragged_rows_name_their_line() {
        let e = parse("id,name,kind,url\na,A,so\n").unwrap_err();
        assert_eq!(e.line, Some(2));
    }
}
