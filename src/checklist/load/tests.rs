//! Unit tests of checklist loading: built-ins, extends, errors at their line.

use super::*;
use crate::target::SiteKind;

fn load_text(text: &str) -> Result<Checklist, InputError> {
    super::load_text(&Origin::File(PathBuf::from("my.toml")), text)
}

const HEADER: &str = "[checklist]\nid = \"t\"\nversion = \"1\"\ntitle = \"T\"\n";

#[test]
fn builtins_load() {
    for name in builtin_names() {
        let c = load_builtin(name).unwrap_or_else(|e| panic!("{e}"));
        assert!(!c.items.is_empty());
    }
}

#[test]
fn vn_gov_portal_switches_rules_on_2026_07_01() {
    use crate::checklist::Applicability;
    let c = load_builtin("vn-gov-portal").unwrap();
    let (before, after) = ("2026-06-30".parse().unwrap(), "2026-07-01".parse().unwrap());
    assert_eq!(c.rulesets_on(before), "nd42_2022");
    assert_eq!(c.rulesets_on(after), "nd224_2026");
    let item = |id: &str| c.item(id).unwrap();
    let kind = SiteKind::Department;
    assert_eq!(
        item("satisfaction_rating").applicability(kind, before),
        Applicability::NotInForce
    );
    assert_eq!(
        item("satisfaction_rating").applicability(kind, after),
        Applicability::Applies
    );
    assert_eq!(
        item("english_version").applicability(kind, before),
        Applicability::Applies
    );
    assert_eq!(
        item("english_version").applicability(kind, after),
        Applicability::NotInForce
    );
    assert!(item("org_functions").basis_on(before).contains("42/2022"));
    assert!(item("org_functions").basis_on(after).contains("224/2026"));
    assert!(!item("org_functions").basis_on(after).contains("42/2022"));
    assert_eq!(
        item("history").applicability(SiteKind::Commune, after),
        Applicability::OtherKind
    );
    assert_eq!(c.items.len(), 53);
}

#[test]
fn extends_disables_overrides_and_adds() {
    let text = "[checklist]\nid = \"tinh-mau\"\nversion = \"1\"\ntitle = \"T\"\n\
                extends = \"vn-gov-portal\"\ndisable = [\"rss\", \"licence_note\"]\n\n\
                [[override]]\nid = \"news\"\nweight = 5\n\n\
                [[item]]\nid = \"zalo_oa\"\ntitle = \"Zalo OA\"\nlink_text = [\"zalo\"]\n";
    let c = load_text(text).unwrap();
    assert_eq!(c.id, "tinh-mau");
    assert_eq!(c.items.len(), 53 - 2 + 1);
    assert!(c.item("rss").is_none());
    assert!((c.item("news").unwrap().weight - 5.0).abs() < f64::EPSILON);
    assert_eq!(c.rulesets.len(), 3, "rule sets are inherited");
    let bad = "[checklist]\nid = \"x\"\nversion = \"1\"\ntitle = \"T\"\nextends = \"vn-gov-portal\"\n\
               disable = [\"nope\"]\n";
    let e = load_text(bad).unwrap_err();
    assert_eq!(e.line, Some(6), "{e}");
}

#[test]
fn unknown_key_names_its_line() {
    let text = format!("{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_txt = [\"x\"]\n");
    let e = load_text(&text).unwrap_err();
    assert_eq!(e.line, Some(9), "{e}");
    assert!(e.message.contains("link_txt"), "{e}");
}

#[test]
fn bad_regex_and_selector_name_their_line() {
    let text =
        format!("{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\npattern = [\"(unclosed\"]\n");
    let e = load_text(&text).unwrap_err();
    assert_eq!(e.line, Some(9), "{e}");
    assert!(e.message.contains("regular expression"), "{e}");
    let text = format!("{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\n\nselector = [\"div[[\"]\n");
    let e = load_text(&text).unwrap_err();
    assert_eq!(e.line, Some(10), "{e}");
    assert!(e.message.contains("CSS selector"), "{e}");
}

#[test]
fn rejects_duplicates_bad_kinds_dates_and_empty_items() {
    let dup = format!(
        "{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\ntext=[\"x\"]\n[[item]]\nid = \"a\"\ntitle = \"B\"\ntext=[\"y\"]\n"
    );
    let e = load_text(&dup).unwrap_err();
    assert_eq!(e.line, Some(10), "{e}");
    let kind = format!(
        "{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\ntext=[\"x\"]\napplies_to = [\"ministry\"]\n"
    );
    assert!(
        load_text(&kind)
            .unwrap_err()
            .message
            .contains("unknown kind")
    );
    let date = format!(
        "{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\ntext=[\"x\"]\nfrom = \"2026-13-01\"\n"
    );
    assert!(load_text(&date).unwrap_err().message.contains("not a date"));
    let empty = format!("{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\n");
    assert!(load_text(&empty).unwrap_err().message.contains("no signal"));
}

#[test]
fn url_forms_include_dropped_d_stroke_and_joined_words() {
    let text = format!("{HEADER}[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_text = [\"Lãnh đạo\"]\n");
    let c = load_text(&text).unwrap();
    for url in [
        "/lanh-dao",
        "/lanh-ao-so.html",
        "/lanhdao/",
        "/gioi-thieu/lanhao",
        "/?page=lanh-dao",
    ] {
        let u = url::Url::parse(&format!("http://x.vn{url}")).unwrap();
        assert_eq!(c.signals.url_hits(&u, false).len(), 1, "{url}");
    }
    let article = url::Url::parse("http://x.vn/tin/hop-mat-cac-lanh-dao-nghi-huu.html").unwrap();
    assert!(c.signals.url_hits(&article, false).is_empty());
}

#[test]
fn weights_are_finite_and_at_most_100() {
    for (weight, ok) in [
        ("0", true),
        ("100", true),
        ("100.5", false),
        ("1e308", false),
    ] {
        let text = format!(
            "{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nweight = {weight}\nlink_text = [\"x\"]\n"
        );
        match load_text(&text) {
            Ok(_) => assert!(ok, "{weight} accepted"),
            Err(e) => {
                assert!(!ok, "{weight}: {e}");
                assert_eq!(e.line, Some(7), "{e}");
            }
        }
    }
    for weight in ["nan", "inf", "-1"] {
        let text = format!(
            "{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nweight = {weight}\nlink_text = [\"x\"]\n"
        );
        assert!(load_text(&text).is_err(), "{weight}");
    }
}

#[test]
fn issue_13_needles_are_limited_in_number_and_words() {
    let words = vec!["a"; 50_000].join(" ");
    let text =
        format!("{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_text = [\"{words}\"]\n");
    let e = load_text(&text).unwrap_err();
    assert_eq!(e.line, Some(7), "{e}");
    assert!(e.message.contains("the most is"), "{e}");
    assert!(e.to_string().len() < 300, "clipped: {e}");
    let many: Vec<String> = (0..300).map(|i| format!("\"n{i}\"")).collect();
    let text = format!(
        "{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_text = [{}]\n",
        many.join(", ")
    );
    let e = load_text(&text).unwrap_err();
    assert!(e.message.contains("300 needles"), "{e}");
    assert!(e.message.contains("the most is 256"), "{e}");
}

#[test]
fn issue_13_long_ids_and_titles_are_refused_with_clipped_echoes() {
    let id = "a".repeat(200_000);
    let text = format!("{HEADER}\n[[item]]\nid = \"{id}\"\ntitle = \"A\"\nlink_text = [\"x\"]\n");
    let e = load_text(&text).unwrap_err();
    assert_eq!(e.line, Some(7), "{e}");
    assert!(
        e.message
            .contains("200000 characters long; the most is 128"),
        "{e}"
    );
    assert!(e.to_string().len() < 200, "clipped: {e}");
    let title = "T".repeat(513);
    let text =
        format!("{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"{title}\"\nlink_text = [\"x\"]\n");
    assert!(load_text(&text).unwrap_err().message.contains("title"));
    let text = format!(
        "{HEADER}\n[[item]]\nid = \"a\"\ntitle = \"A\"\nweight = \"{}\"\n",
        "w".repeat(100_000)
    );
    let e = load_text(&text).unwrap_err();
    assert!(
        e.to_string().len() < 400,
        "a parser message is clipped too: {e}"
    );
}

#[test]
fn rulesets_disable_and_overrides_keep_their_meaning() {
    let text = "[checklist]\nid = \"x\"\nversion = \"1\"\ntitle = \"T\"\nextends = \"vn-gov-portal\"\n\
                disable = [\"rss\", \"rss\"]\n";
    let e = load_text(text).unwrap_err();
    assert_eq!(e.line, Some(6), "disabling twice is an error: {e}");
    let text = format!(
        "{HEADER}\n[[ruleset]]\nid = \"r1\"\ntitle = \"A\"\n\n[[ruleset]]\nid = \"r2\"\ntitle = \"B\"\n\n\
         [[ruleset]]\nid = \"r1\"\ntitle = \"C\"\n\n[[item]]\nid = \"a\"\ntitle = \"A\"\nlink_text = [\"x\"]\n"
    );
    let c = load_text(&text).unwrap();
    let rulesets: Vec<_> = c
        .rulesets
        .iter()
        .map(|r| (r.id.as_str(), r.title.as_str()))
        .collect();
    assert_eq!(rulesets, vec![("r2", "B"), ("r1", "C")]);
}
