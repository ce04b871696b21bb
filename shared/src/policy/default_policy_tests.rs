//! Tests of the built-in SEC-CSQ policy.

use super::*;

#[test]
fn the_default_policy_is_valid_and_round_trips() {
    let policy = Policy::sec_csq_default();
    assert_eq!(policy.version, SCHEMA_VERSION);
    assert_eq!(policy.organization.short_name, "SEC-CSQ");
    assert_eq!(
        policy.manager.name,
        "À désigner par le conseil d'administration"
    );
    assert_eq!(policy.manager.email, "gestionnaire@sec-csq.example");
    assert_eq!(
        (
            policy.manager.mandate_start.as_str(),
            policy.manager.mandate_end.as_str()
        ),
        ("2026-07-01", "2027-06-30")
    );
    assert!(policy.members_see_checklist);
    assert!(!policy.strict_mode);
    assert!(policy.sources.shorteners.is_empty() && policy.sources.not_shorteners.is_empty());
    assert!(
        policy
            .signature
            .as_ref()
            .unwrap()
            .required_patterns
            .contains(&"— Personnel du SEC-CSQ".to_owned())
    );
    policy.validate().unwrap();
    assert!(policy.is_valid());
    let json = serde_json::to_string_pretty(&policy).unwrap();
    assert_eq!(Policy::from_json(&json).unwrap(), policy);
}

#[test]
fn the_default_policy_covers_every_principle() {
    let policy = Policy::sec_csq_default();
    // Each principle of the policy text, by a phrase its clause quotes.
    let principles = [
        "s'identifient en tant que membres ou personnels",
        "pseudonymes ou de fausses identités",
        "liens trompeurs",
        "contrôler une conversation",
        "en lien avec le mandat",
        "crédibilité des sources",
        "lois et tous les règlements",
        "vie privée",
        "l'intégrité des personnes",
        "droits d'auteurs",
        "traces des interactions",
        "propos négatifs",
        "faits vérifiés",
        "posée et intelligente",
    ];
    for principle in principles {
        assert!(
            policy
                .items
                .iter()
                .any(|item| item.clause.contains(principle)),
            "no item for « {principle} »"
        );
    }
    // Every rule is used, where the brief puts it.
    let rule_of = |id: &str| policy.item(id).and_then(ChecklistItem::rule);
    assert_eq!(rule_of("identification"), Some(RuleId::Signature));
    assert_eq!(rule_of("liens-publies"), Some(RuleId::Links));
    assert_eq!(rule_of("liens-complets"), Some(RuleId::Shorteners));
    assert_eq!(rule_of("texte-des-liens"), Some(RuleId::LinkText));
    assert_eq!(
        rule_of("domaines-trompeurs"),
        Some(RuleId::LookalikeDomains)
    );
    assert_eq!(
        rule_of("credibilite-des-liens"),
        Some(RuleId::SourceCredibility)
    );
    assert_eq!(rule_of("vie-privee"), Some(RuleId::PersonalInfo));
    assert_eq!(rule_of("mandat"), Some(RuleId::Mandate));
    for rule in RuleId::ALL {
        assert!(
            policy.items.iter().any(|item| item.rule() == Some(rule)),
            "{rule}"
        );
    }
    for id in ["liens-complets", "texte-des-liens", "domaines-trompeurs"] {
        assert!(
            policy.item(id).unwrap().clause.contains("manipulation"),
            "{id}"
        );
    }
    assert!(!policy.item("mandat").unwrap().required);
    for item in &policy.items {
        assert!(
            !item.label.has_blank() && !item.help.has_blank(),
            "{}",
            item.id
        );
    }
    for domain in [
        "lacsq.org",
        "fse.lacsq.org",
        "quebec.ca",
        "education.gouv.qc.ca",
        "canada.ca",
        "assnat.qc.ca",
        "ledevoir.com",
        "lapresse.ca",
        "radio-canada.ca",
    ] {
        assert!(
            policy.sources.trusted.iter().any(|d| d == domain),
            "{domain}"
        );
    }
    assert!(
        policy
            .sources
            .flagged
            .iter()
            .all(|d| d.ends_with(".example"))
    );
    assert!(policy.mandate_keywords.len() > 30);
}

#[test]
fn the_embedded_document_is_the_default() {
    assert_eq!(
        Policy::from_toml(SEC_CSQ_DEFAULT_TOML).unwrap(),
        Policy::sec_csq_default()
    );
}
