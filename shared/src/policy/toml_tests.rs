//! Tests of the policy's TOML form: parsing, errors with line numbers, round trips.

use super::*;

const MINIMAL: &str = r#"version = 1
mandate_keywords = ["école"]

[organization]
name = "Syndicat"
short_name = "SYN"

[manager]
name = "Gestionnaire"
email = "g@example.org"
mandate_start = "2026-07-01"
mandate_end = "2027-06-30"

[[items]]
id = "vie-privee"
label.fr = "Vie privée"
label.en = "Privacy"
clause = "préserver la vie privée"
check = "personal-info"

[[items]]
id = "mandat"
label.fr = "Mandat"
label.en = "Mandate"
clause = "en lien avec le mandat"
check = "mandate"
required = false
"#;

fn error_for(edit: impl Fn(&str) -> String) -> PolicyError {
    Policy::from_toml(&edit(MINIMAL)).expect_err("the edit breaks the document")
}

#[test]
fn a_minimal_document_reads() {
    let policy = Policy::from_toml(MINIMAL).unwrap();
    assert_eq!(policy.items.len(), 2);
    assert!(!policy.items[1].required);
    assert_eq!(policy.mandate_keywords, ["école"]);
}

#[test]
fn syntax_errors_name_the_line() {
    let error = error_for(|s| s.replace("name = \"Syndicat\"", "name = \"Syndicat"));
    assert_eq!(error.kind, PolicyErrorKind::Syntax);
    assert_eq!(error.line, Some(5), "{error}");
    assert!(error.to_string().starts_with("line 5, column "), "{error}");
}

#[test]
fn unknown_fields_name_the_line_and_the_expected_ones() {
    let error = error_for(|s| {
        s.replace(
            "clause = \"en lien avec le mandat\"",
            "clause = \"en lien avec le mandat\"\n  lable = \"Mandat\"",
        )
    });
    assert_eq!(error.kind, PolicyErrorKind::Syntax);
    assert_eq!((error.line, error.column), (Some(26), Some(3)), "{error}");
    assert!(error.message.contains("unknown field `lable`"), "{error}");
    assert!(error.message.contains("expected one of"), "{error}");
    assert!(error.message.contains("`label`"), "{error}");
}

#[test]
fn wrong_types_and_unknown_rules_name_the_line() {
    let error = error_for(|s| s.replace("required = false", "required = \"non\""));
    assert_eq!(error.line, Some(27), "{error}");
    assert!(error.message.contains("invalid type"), "{error}");

    let error = error_for(|s| s.replace("check = \"mandate\"", "check = \"mandat\""));
    assert_eq!(error.line, Some(26), "{error}");
    assert!(
        error.message.contains("unknown variant `mandat`"),
        "{error}"
    );
    assert!(error.message.contains("`personal-info`"), "{error}");

    let error = error_for(|s| s.replace("version = 1", "version = \"1\""));
    assert_eq!(error.line, Some(1), "{error}");
}

#[test]
fn missing_fields_are_reported() {
    let error = error_for(|s| s.replace("clause = \"en lien avec le mandat\"\n", ""));
    assert!(error.message.contains("missing field `clause`"), "{error}");
    assert!(error.line.is_some(), "{error}");
}

#[test]
fn validation_errors_name_the_line() {
    let error = error_for(|s| s.replace("id = \"mandat\"", "id = \"vie-privee\""));
    assert_eq!(error.kind, PolicyErrorKind::Invalid);
    assert_eq!((error.line, error.column), (Some(22), Some(6)), "{error}");
    assert_eq!(
        error.to_string(),
        "line 22, column 6: items[1].id: duplicate item id `vie-privee` (already used by items[0])"
    );

    let error = error_for(|s| s.replace("id = \"mandat\"", "id = \"Mandat\""));
    assert_eq!(error.line, Some(22), "{error}");
    assert!(
        error.message.contains("invalid item id `Mandat`"),
        "{error}"
    );

    let error = error_for(|s| s.replace("g@example.org", "g-at-example.org"));
    assert_eq!((error.line, error.column), (Some(10), Some(9)), "{error}");

    let error = error_for(|s| s.replace("2027-06-30", "2026-06-30"));
    assert_eq!(error.line, Some(12), "{error}");
    assert!(error.message.contains("before mandate_start"), "{error}");

    let error = error_for(|s| s.replace("label.en = \"Privacy\"", "label.en = \"  \""));
    assert_eq!(error.line, Some(17), "{error}");

    let error =
        error_for(|s| format!("{s}\n[sources]\ntrusted = [\"lacsq.org\", \"http://x.ca\"]\n"));
    assert_eq!(error.path.as_deref(), Some("sources.trusted[1]"));
    assert_eq!((error.line, error.column), (Some(30), Some(25)), "{error}");

    // A field the document leaves out points at its enclosing value.
    let error = error_for(|s| s.replace("mandate_keywords = [\"école\"]", "mandate_keywords = []"));
    assert_eq!(error.line, Some(2), "{error}");
}

#[test]
fn toml_and_json_forms_agree() {
    let policy = Policy::from_toml(MINIMAL).unwrap();
    let json = serde_json::to_string(&policy).unwrap();
    assert_eq!(Policy::from_json(&json).unwrap(), policy);
}
