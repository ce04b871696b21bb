//! Tests of the policy's JSON form: validation, defaults, refusals.

use super::*;

fn minimal_json() -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "organization": {"name": "Syndicat", "short_name": "SYN"},
        "manager": {
            "name": "Gestionnaire",
            "email": "g@example.org",
            "mandate_start": "2026-07-01",
            "mandate_end": "2027-06-30"
        },
        "items": [{
            "id": "vie-privee",
            "label": {"fr": "Vie privée", "en": "Privacy"},
            "clause": "préserver la vie privée",
            "check": "personal-info"
        }]
    })
}

#[test]
fn the_checklist_shows_on_known_and_extra_sites_for_the_manager_and_allowed_members() {
    let mut policy = Policy::sec_csq_default();
    let extra = vec!["forum.example.org".to_owned()];
    policy.members_see_checklist = true;
    for manager in [true, false] {
        assert!(policy.shows_checklist(manager, "www.facebook.com", &[]));
        assert!(policy.shows_checklist(manager, "forum.example.org", &extra));
        assert!(!policy.shows_checklist(manager, "forum.example.org", &[]));
        assert!(!policy.shows_checklist(manager, "www.example.com", &extra));
    }
    policy.members_see_checklist = false;
    assert!(policy.shows_checklist(true, "x.com", &[]));
    assert!(policy.shows_checklist(true, "forum.example.org", &extra));
    assert!(!policy.shows_checklist(false, "x.com", &[]));
    assert!(!policy.shows_checklist(false, "forum.example.org", &extra));
}

#[test]
fn json_defaults_and_round_trip() {
    let policy = Policy::from_json(&minimal_json().to_string()).unwrap();
    assert!(policy.members_see_checklist);
    assert!(!policy.strict_mode);
    assert!(policy.items[0].required);
    assert_eq!(policy.items[0].help, Localized::default());
    assert!(policy.sources.shorteners.is_empty() && policy.sources.not_shorteners.is_empty());
    assert_eq!(
        policy.items[0].check,
        Check::Automatic {
            rule: RuleId::PersonalInfo
        }
    );
    let json = serde_json::to_string(&policy).unwrap();
    assert!(json.contains(r#""check":"personal-info""#));
    assert_eq!(Policy::from_json(&json).unwrap(), policy);
}

#[test]
fn json_errors_name_the_line_or_the_field() {
    let mut value = minimal_json();
    value["items"][0]["lable"] = "x".into();
    let text = serde_json::to_string_pretty(&value).unwrap();
    let error = Policy::from_json(&text).unwrap_err();
    assert_eq!(error.kind, PolicyErrorKind::Syntax);
    assert!(error.line.is_some());
    assert!(
        error.message.starts_with("unknown field `lable`"),
        "{error}"
    );
    assert!(!error.message.contains(" at line "), "{error}");

    let mut value = minimal_json();
    value["manager"]["email"] = "nobody".into();
    let error = Policy::from_json(&value.to_string()).unwrap_err();
    assert_eq!(error.kind, PolicyErrorKind::Invalid);
    assert_eq!(
        error.to_string(),
        "manager.email: malformed email address `nobody`"
    );

    let error = Policy::from_json("{").unwrap_err();
    assert_eq!((error.line, error.column), (Some(1), Some(1)));
}

#[test]
fn check_names_round_trip() {
    for rule in RuleId::ALL {
        assert_eq!(RuleId::from_name(rule.as_str()), Some(rule));
        let check = Check::Automatic { rule };
        let json = serde_json::to_string(&check).unwrap();
        assert_eq!(json, format!("\"{rule}\""));
        assert_eq!(serde_json::from_str::<Check>(&json).unwrap(), check);
        assert!(CHECK_NAMES.contains(&rule.as_str()));
    }
    assert_eq!(
        serde_json::from_str::<Check>("\"manual\"").unwrap(),
        Check::Manual
    );
    let error = serde_json::from_str::<Check>("\"personal_info\"").unwrap_err();
    assert!(
        error
            .to_string()
            .contains("unknown variant `personal_info`")
    );
}

#[test]
fn item_ids() {
    for good in ["a", "vie-privee", "step-2", "x1-y2-z3"] {
        assert!(is_item_id(good), "{good}");
    }
    for bad in [
        "",
        "Vie-privee",
        "vie_privee",
        "vie--privee",
        "-vie",
        "vie-",
        "vie privée",
        &"a".repeat(65),
    ] {
        assert!(!is_item_id(bad), "{bad}");
    }
}

#[test]
fn validation_table() {
    type Edit = fn(&mut serde_json::Value);
    let cases: &[(Edit, &str, &str)] = &[
        (
            |v| v["version"] = 2.into(),
            "version",
            "unsupported schema version 2",
        ),
        (
            |v| v["organization"]["name"] = " ".into(),
            "organization.name",
            "must not be empty",
        ),
        (
            |v| v["manager"]["email"] = "a@b".into(),
            "manager.email",
            "malformed email",
        ),
        (
            |v| v["manager"]["mandate_start"] = "2026-02-30".into(),
            "manager.mandate_start",
            "is not a date",
        ),
        (
            |v| v["manager"]["mandate_end"] = "2026-06-30".into(),
            "manager.mandate_end",
            "is before mandate_start",
        ),
        (
            |v| v["board_email"] = "ca".into(),
            "board_email",
            "malformed email",
        ),
        (
            |v| v["signature"] = serde_json::json!({"required_patterns": []}),
            "signature.required_patterns",
            "at least one",
        ),
        (
            |v| v["signature"] = serde_json::json!({"required_patterns": ["ok", " — "]}),
            "signature.required_patterns[1]",
            "no letters",
        ),
        (
            |v| v["sources"] = serde_json::json!({"trusted": ["https://lacsq.org"]}),
            "sources.trusted[0]",
            "invalid domain",
        ),
        (
            |v| v["sources"] = serde_json::json!({"shorteners": ["bit.ly/"]}),
            "sources.shorteners[0]",
            "invalid domain",
        ),
        (
            |v| v["sources"] = serde_json::json!({"not_shorteners": ["ok.ca", "*.gl"]}),
            "sources.not_shorteners[1]",
            "invalid domain",
        ),
        (
            |v| v["sources"] = serde_json::json!({"trusted": ["x.ca"], "flagged": ["X.ca."]}),
            "sources.flagged[0]",
            "both trusted and flagged",
        ),
        (
            |v| {
                v["sources"] = serde_json::json!({
                    "shorteners": ["lien.example"],
                    "not_shorteners": ["forms.gle", "Lien.example"]
                })
            },
            "sources.not_shorteners[1]",
            "both in shorteners and in not_shorteners",
        ),
        (
            |v| v["mandate_keywords"] = serde_json::json!(["*"]),
            "mandate_keywords[0]",
            "letters",
        ),
        (
            |v| v["mandate_keywords"] = serde_json::json!(["en*seign"]),
            "mandate_keywords[0]",
            "only at the end",
        ),
        (
            |v| v["items"][0]["check"] = "mandate".into(),
            "mandate_keywords",
            "at least one keyword",
        ),
        (
            |v| v["items"] = serde_json::json!([]),
            "items",
            "at least one item",
        ),
        (
            |v| v["items"][0]["id"] = "Vie_Privee".into(),
            "items[0].id",
            "invalid item id",
        ),
        (
            |v| v["items"][0]["label"]["en"] = "".into(),
            "items[0].label.en",
            "must not be empty",
        ),
        (
            |v| v["items"][0]["clause"] = "".into(),
            "items[0].clause",
            "principle",
        ),
        (
            |v| {
                let item = v["items"][0].clone();
                v["items"].as_array_mut().unwrap().push(item);
            },
            "items[1].id",
            "duplicate item id `vie-privee` (already used by items[0])",
        ),
    ];
    for (edit, path, message) in cases {
        let mut value = minimal_json();
        edit(&mut value);
        let error = Policy::from_json(&value.to_string()).unwrap_err();
        // The same policy read without validation: `is_valid` refuses it too.
        let unchecked: Policy = serde_json::from_value(value.clone()).unwrap();
        assert!(!unchecked.is_valid(), "{error}");
        assert_eq!(error.kind, PolicyErrorKind::Invalid, "{error}");
        assert_eq!(error.path.as_deref(), Some(*path), "{error}");
        assert!(error.message.contains(message), "{error}");
    }
}

#[test]
fn signature_without_configuration_is_manual() {
    let mut value = minimal_json();
    value["items"][0]["check"] = "signature".into();
    let policy = Policy::from_json(&value.to_string()).unwrap();
    assert_eq!(policy.effective_check(&policy.items[0]), Check::Manual);
    value["signature"] = serde_json::json!({"required_patterns": ["membre"]});
    let policy = Policy::from_json(&value.to_string()).unwrap();
    assert_eq!(
        policy.signature.as_ref().unwrap().placement,
        Placement::Anywhere
    );
    assert_eq!(
        policy.effective_check(&policy.items[0]),
        Check::Automatic {
            rule: RuleId::Signature
        }
    );
    assert!(policy.item("vie-privee").is_some());
    assert!(policy.item("absent").is_none());
}

#[test]
#[cfg(feature = "toml")]
fn line_columns_count_characters() {
    let source = "a = 1\nété = \"x\"\n";
    assert_eq!(line_column(source, 0), (1, 1));
    assert_eq!(line_column(source, 6), (2, 1));
    let offset = source.find('=').unwrap();
    assert_eq!(line_column(source, offset), (1, 3));
    let offset = source.find("\"x").unwrap();
    assert_eq!(line_column(source, offset), (2, 7));
    assert_eq!(line_column(source, 999), (3, 1));
}
