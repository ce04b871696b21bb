//! Tests of the draft analysis: each rule through the policy, spans, item states, strict
//! mode, and the paragraph cache against a full analysis.

use super::analyzer::paragraphs;
use super::*;
use crate::policy::{Check, Placement, SignatureRule};
use crate::rules;
use crate::text::fold;

fn policy() -> Policy {
    Policy::sec_csq_default()
}

fn run(text: &str) -> Analysis {
    analyze(&policy(), &Draft::from_text(text))
}

/// The text a UTF-16 span covers, as the browser would slice it.
fn slice(text: &str, span: Span) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    String::from_utf16(&units[span.start as usize..span.end as usize]).expect("a whole span")
}

fn state(analysis: &Analysis, id: &str) -> ItemStateKind {
    analysis.item(id).expect("the item exists").state
}

/// (kind, excerpt) of the findings of one item.
fn kinds(analysis: &Analysis, id: &str) -> Vec<(FindingKind, String)> {
    analysis
        .findings_for(id)
        .map(|f| (f.kind, f.excerpt.clone()))
        .collect()
}

/// Every located finding's span covers exactly its excerpt.
fn assert_spans_match(text: &str, analysis: &Analysis) {
    for finding in &analysis.findings {
        if let Some(span) = finding.span {
            assert_eq!(slice(text, span), finding.excerpt, "{finding:?}");
        }
    }
}

#[test]
fn an_empty_draft_leaves_everything_to_do() {
    let policy = policy();
    let required = policy.items.iter().filter(|item| item.required).count() as u32;
    for text in ["", "  \n\u{a0}\t"] {
        let analysis = analyze(&policy, &Draft::from_text(text));
        assert!(analysis.findings.is_empty());
        assert!(
            analysis
                .items
                .iter()
                .all(|item| item.state == ItemStateKind::Todo)
        );
        assert_eq!(analysis.items.len(), policy.items.len());
        assert_eq!(analysis.required_remaining, required);
    }
}

#[test]
fn shorteners_from_the_public_list_and_random_tokens_on_tiny_domains() {
    let text = "Voir youtu.be/dQw4w9WgXcQ, nyti.ms/3xYz, spoti.fi/abc, forms.gle/x et \
                https://zqx.ca/3xYz9Ab, mais pas https://cbc.ca/nouvelles ni ici.ca/Contact.";
    let analysis = run(text);
    assert_spans_match(text, &analysis);
    let shorteners: Vec<(String, String)> = analysis
        .findings_for("liens-complets")
        .filter(|f| f.kind == FindingKind::Shortener)
        .map(|f| (f.excerpt.clone(), f.message.en.clone()))
        .collect();
    let hidden = |host: &str| {
        format!("Shortened link ({host}): its destination is hidden. Use the full link instead.")
    };
    assert_eq!(
        shorteners,
        [
            ("youtu.be/dQw4w9WgXcQ".to_owned(), hidden("youtu.be")),
            ("nyti.ms/3xYz".to_owned(), hidden("nyti.ms")),
            ("spoti.fi/abc".to_owned(), hidden("spoti.fi")),
            ("forms.gle/x".to_owned(), hidden("forms.gle")),
            (
                "https://zqx.ca/3xYz9Ab".to_owned(),
                "Possibly a shortened link (zqx.ca): the domain is very short and the path \
                 \"3xYz9Ab\" looks like a random code. Check where it leads and use the full link."
                    .to_owned()
            ),
        ]
    );
    let possible = analysis
        .findings_for("liens-complets")
        .find(|f| f.excerpt == "https://zqx.ca/3xYz9Ab")
        .expect("the possible shortener");
    assert_eq!(possible.severity, Severity::Warning);
    assert!(
        possible
            .message
            .fr
            .starts_with("Lien peut-être raccourci (zqx.ca) :")
    );

    // The policy adds and removes domains.
    let mut policy = policy();
    policy.sources.not_shorteners = vec!["youtu.be".into(), "forms.gle".into()];
    policy.sources.shorteners = vec!["ici.ca".into()];
    let analysis = analyze(&policy, &Draft::from_text(text));
    let excerpts: Vec<&str> = analysis
        .findings_for("liens-complets")
        .filter(|f| f.kind == FindingKind::Shortener)
        .map(|f| f.excerpt.as_str())
        .collect();
    assert_eq!(
        excerpts,
        [
            "nyti.ms/3xYz",
            "spoti.fi/abc",
            "https://zqx.ca/3xYz9Ab",
            "ici.ca/Contact"
        ]
    );
}

#[test]
fn the_realistic_post() {
    let text = crate::sample::realistic_french_post();
    let analysis = run(text);
    assert_spans_match(text, &analysis);
    let ids = |id: &str, kind: FindingKind| -> Vec<String> {
        analysis
            .findings_for(id)
            .filter(|f| f.kind == kind)
            .map(|f| f.excerpt.clone())
            .collect()
    };
    assert_eq!(
        ids("liens-complets", FindingKind::Shortener),
        ["bit.ly/negociation-fse-2026"]
    );
    assert_eq!(
        ids("credibilite-des-liens", FindingKind::UnknownSource),
        [
            "https://blogue-education-libre.example.net/2026/08/reforme-ou-recul",
            "bit.ly/negociation-fse-2026"
        ]
    );
    assert_eq!(
        ids("credibilite-des-liens", FindingKind::TrustedSource).len(),
        6
    );
    assert_eq!(ids("liens-publies", FindingKind::Link).len(), 8);
    assert_eq!(
        ids("vie-privee", FindingKind::Email),
        ["secretariat@sec-csq.example"]
    );
    assert_eq!(
        ids("vie-privee", FindingKind::Phone),
        [
            "418-555-0142",
            "(418) 555-0199 poste 221",
            "1-800-555-0175",
            "418 555 0163"
        ]
    );
    assert_eq!(ids("vie-privee", FindingKind::PostalCode), ["G5A 1B2"]);
    assert!(ids("vie-privee", FindingKind::Sin).is_empty());
    assert!(ids("vie-privee", FindingKind::BirthDate).is_empty());
    assert_eq!(
        ids("identification", FindingKind::SignatureFound),
        ["Personnel du SEC-CSQ"]
    );
    assert!(ids("mandat", FindingKind::MandateMatch).len() > 20);

    let expected = [
        ("identification", ItemStateKind::Ok),
        ("identite-reelle", ItemStateKind::Todo),
        ("liens-publies", ItemStateKind::Ok),
        ("liens-complets", ItemStateKind::Warn),
        ("texte-des-liens", ItemStateKind::Ok),
        ("domaines-trompeurs", ItemStateKind::Ok),
        ("mandat", ItemStateKind::Ok),
        ("credibilite-des-liens", ItemStateKind::Warn),
        ("vie-privee", ItemStateKind::Warn),
    ];
    for (id, expected) in expected {
        assert_eq!(state(&analysis, id), expected, "{id}");
    }
    // Findings are in text order.
    let starts: Vec<u32> = analysis
        .findings
        .iter()
        .filter_map(|f| f.span)
        .map(|s| s.start)
        .collect();
    assert!(starts.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[test]
fn spans_count_utf16_after_emoji_and_combining_characters() {
    // "🎉" is two UTF-16 units, "e\u{301}" two, "é" one.
    let text = "🎉👩‍🏫 Voir bit.ly/x à l'e\u{301}cole, écrivez à a.b@lacsq.org — G5A 1B2";
    let analysis = run(text);
    assert_spans_match(text, &analysis);
    let span_of = |kind: FindingKind| {
        analysis
            .findings
            .iter()
            .find(|f| f.kind == kind)
            .and_then(|f| f.span)
            .unwrap()
    };
    assert_eq!(span_of(FindingKind::Shortener), Span::new(13, 21));
    assert_eq!(span_of(FindingKind::MandateMatch), Span::new(26, 32));
    assert_eq!(span_of(FindingKind::Email), Span::new(44, 57));
    assert_eq!(span_of(FindingKind::PostalCode), Span::new(60, 67));
}

#[test]
fn misleading_link_text_fails() {
    let text = "Lisez l'article de lapresse.ca ici.";
    let start = text.find("lapresse.ca").unwrap() as u32;
    let draft = Draft {
        text: text.into(),
        links: vec![DraftLink {
            href: "https://lapresse-nouvelles.example/article".into(),
            text: "lapresse.ca".into(),
            span: Some(Span::new(start, start + 11)),
        }],
    };
    let analysis = analyze(&policy(), &draft);
    assert_eq!(state(&analysis, "texte-des-liens"), ItemStateKind::Fail);
    let mismatch = analysis.findings_for("texte-des-liens").next().unwrap();
    assert_eq!(mismatch.kind, FindingKind::LinkTextMismatch);
    assert_eq!(mismatch.severity, Severity::Error);
    assert_eq!(mismatch.span, Some(Span::new(start, start + 11)));
    assert!(mismatch.message.fr.contains("lapresse-nouvelles.example"));
    assert!(mismatch.message.en.contains("Misleading link"));
    // The hidden target is judged too.
    assert!(
        kinds(&analysis, "credibilite-des-liens")
            .contains(&(FindingKind::UnknownSource, "lapresse.ca".into()))
    );
    assert!(
        kinds(&analysis, "credibilite-des-liens")
            .contains(&(FindingKind::TrustedSource, "lapresse.ca".into()))
    );
}

#[test]
fn matching_link_text_is_fine_and_not_counted_twice() {
    let text = "Voir https://www.lacsq.org/a et le site de la FSE.";
    let draft = Draft {
        text: text.into(),
        links: vec![
            DraftLink {
                href: "https://www.lacsq.org/a".into(),
                text: "https://www.lacsq.org/a".into(),
                span: None,
            },
            DraftLink {
                href: "https://fse.lacsq.org/".into(),
                text: "le site de la FSE".into(),
                span: None,
            },
            DraftLink {
                href: "mailto:info@lacsq.org".into(),
                text: "écrivez-nous".into(),
                span: None,
            },
        ],
    };
    let analysis = analyze(&policy(), &draft);
    assert_eq!(state(&analysis, "texte-des-liens"), ItemStateKind::Ok);
    assert_eq!(
        kinds(&analysis, "liens-publies"),
        [
            (FindingKind::Link, "https://www.lacsq.org/a".to_owned()),
            (FindingKind::Link, "le site de la FSE".to_owned()),
        ]
    );
    let fse = analysis.findings_for("liens-publies").nth(1).unwrap();
    assert_eq!(fse.span, Some(Span::new(32, 49)));
    assert_eq!(state(&analysis, "credibilite-des-liens"), ItemStateKind::Ok);
}

#[test]
fn hidden_shortener_links_are_located_by_their_text() {
    let text = "Pour en savoir plus, cliquez ici.";
    let draft = Draft {
        text: text.into(),
        links: vec![DraftLink {
            href: "https://bit.ly/3abc".into(),
            text: "cliquez ici".into(),
            span: None,
        }],
    };
    let analysis = analyze(&policy(), &draft);
    let shortener = analysis.findings_for("liens-complets").next().unwrap();
    assert_eq!(shortener.kind, FindingKind::Shortener);
    assert_eq!(shortener.span, Some(Span::new(21, 32)));
    assert_eq!(state(&analysis, "liens-complets"), ItemStateKind::Warn);
}

#[test]
fn lookalike_domains() {
    let cases = [
        (
            "Voir https://xn--lpresse-7fg.ca/article",
            ItemStateKind::Fail,
        ),
        ("Voir lаpresse.ca/article", ItemStateKind::Fail),
        ("Voir https://lacsq.org@evil.example/x", ItemStateKind::Fail),
        ("Voir lapresee.ca/article", ItemStateKind::Warn),
        (
            "Voir https://lapresse.ca.nouvelles.example/",
            ItemStateKind::Warn,
        ),
        ("Voir evil-lapresse.ca/article", ItemStateKind::Ok),
        ("Voir https://www.lapresse.ca/article", ItemStateKind::Ok),
    ];
    for (text, expected) in cases {
        let analysis = run(text);
        assert_eq!(state(&analysis, "domaines-trompeurs"), expected, "{text}");
        assert_spans_match(text, &analysis);
    }
}

#[test]
fn source_credibility() {
    let cases = [
        (
            "https://www.ledevoir.com/societe",
            ItemStateKind::Ok,
            FindingKind::TrustedSource,
            Severity::Info,
        ),
        (
            "news.lapresse.ca/x",
            ItemStateKind::Ok,
            FindingKind::TrustedSource,
            Severity::Info,
        ),
        (
            "HTTPS://LAPRESSE.CA./x",
            ItemStateKind::Ok,
            FindingKind::TrustedSource,
            Severity::Info,
        ),
        (
            "evil-lapresse.ca",
            ItemStateKind::Warn,
            FindingKind::UnknownSource,
            Severity::Warning,
        ),
        (
            "https://fake-news.example/x",
            ItemStateKind::Fail,
            FindingKind::FlaggedSource,
            Severity::Error,
        ),
        (
            "www.nouvelles-virales.example",
            ItemStateKind::Fail,
            FindingKind::FlaggedSource,
            Severity::Error,
        ),
    ];
    for (text, expected, kind, severity) in cases {
        let analysis = run(&format!("À lire : {text}"));
        assert_eq!(
            state(&analysis, "credibilite-des-liens"),
            expected,
            "{text}"
        );
        let finding = analysis
            .findings_for("credibilite-des-liens")
            .next()
            .unwrap();
        assert_eq!((finding.kind, finding.severity), (kind, severity), "{text}");
    }
    let unknown = run("Voir https://exemple.org/");
    let finding = unknown
        .findings_for("credibilite-des-liens")
        .next()
        .unwrap();
    assert!(
        finding
            .message
            .fr
            .contains("Vérifiez manuellement la crédibilité")
    );
    // No link: nothing to judge.
    assert_eq!(
        state(&run("Bonne rentrée scolaire!"), "credibilite-des-liens"),
        ItemStateKind::Ok
    );
}

#[test]
fn personal_information_states() {
    let cases = [
        ("NAS de Jean : 046 454 286", ItemStateKind::Fail),
        ("Appelez Jean au 418-555-1234", ItemStateKind::Warn),
        ("Écrivez à jean@exemple.ca", ItemStateKind::Warn),
        ("Léa, née le 14 mars 2016", ItemStateKind::Warn),
        ("Le budget est de 418 555 $ pour 2026.", ItemStateKind::Ok),
    ];
    for (text, expected) in cases {
        let analysis = run(text);
        assert_eq!(state(&analysis, "vie-privee"), expected, "{text}");
        assert_spans_match(text, &analysis);
    }
    let sin = run("NAS : 046-454-286");
    let finding = sin.findings_for("vie-privee").next().unwrap();
    assert_eq!(
        (finding.kind, finding.severity),
        (FindingKind::Sin, Severity::Error)
    );
    assert_eq!(finding.span, Some(Span::new(6, 17)));
    assert!(finding.message.fr.contains("NAS"));
    assert!(finding.message.en.contains("SIN"));
}

#[test]
fn mandate_is_a_hint_never_a_block() {
    let mut policy = policy();
    policy.strict_mode = true;
    if let Some(item) = policy.items.iter_mut().find(|item| item.id == "mandat") {
        item.required = true;
    }
    let off_topic = analyze(
        &policy,
        &Draft::from_text("Superbe coucher de soleil ce soir!"),
    );
    let mandate = off_topic.item("mandat").unwrap();
    assert_eq!(mandate.state, ItemStateKind::Warn);
    assert_eq!(
        kinds(&off_topic, "mandat"),
        [(FindingKind::MandateMissing, String::new())]
    );
    assert!(off_topic.findings_for("mandat").all(|f| f.span.is_none()));
    let with_mandate = analyze(
        &policy,
        &Draft::from_text("Les ENSEIGNANTES et la négociation"),
    );
    assert_eq!(
        with_mandate.item("mandat").unwrap().state,
        ItemStateKind::Ok
    );
    assert_eq!(
        kinds(&with_mandate, "mandat"),
        [
            (FindingKind::MandateMatch, "ENSEIGNANTES".into()),
            (FindingKind::MandateMatch, "négociation".into())
        ]
    );
    // Even required and in strict mode, the mandate warning does not count.
    let remaining_without = off_topic.required_remaining;
    let confirmed = off_topic.with_confirmed(&["mandat"]);
    assert_eq!(confirmed.required_remaining, remaining_without);
}

#[test]
fn signature_rules() {
    let analysis = run("Bonne rentrée à toutes et à tous!");
    assert_eq!(state(&analysis, "identification"), ItemStateKind::Fail);
    let missing = analysis.findings_for("identification").next().unwrap();
    assert_eq!(
        (missing.kind, missing.severity),
        (FindingKind::SignatureMissing, Severity::Error)
    );
    assert!(missing.message.fr.contains("Personnel du SEC-CSQ"));

    let mut policy = policy();
    policy.signature = Some(SignatureRule {
        required_patterns: vec!["membre du SEC-CSQ".into()],
        placement: Placement::End,
    });
    let at_end = analyze(
        &policy,
        &Draft::from_text("Bonne rentrée!\nMarie, membre du SEC-CSQ 🍎"),
    );
    assert_eq!(
        at_end.item("identification").unwrap().state,
        ItemStateKind::Ok
    );
    let not_at_end = analyze(
        &policy,
        &Draft::from_text("Comme membre du SEC-CSQ, je vous salue."),
    );
    assert_eq!(
        not_at_end.item("identification").unwrap().state,
        ItemStateKind::Fail
    );

    policy.signature = None;
    let manual = analyze(&policy, &Draft::from_text("Bonne rentrée!"));
    let item = manual.item("identification").unwrap();
    assert_eq!(
        (item.state, item.manual, item.rule),
        (ItemStateKind::Todo, true, None)
    );
    assert_eq!(manual.findings_for("identification").count(), 0);
}

#[test]
fn confirming_manual_items() {
    let policy = policy();
    let analysis =
        run("Les élèves de Charlevoix vous saluent! https://bit.ly/x\n— Personnel du SEC-CSQ");
    let manual_required: Vec<String> = policy
        .items
        .iter()
        .filter(|item| item.required && item.check == Check::Manual)
        .map(|item| item.id.clone())
        .collect();
    assert_eq!(analysis.required_remaining, manual_required.len() as u32);
    assert!(!analysis.strict_mode);
    let confirmed = analysis.clone().with_confirmed(&manual_required);
    assert_eq!(confirmed.required_remaining, 0);
    assert!(confirmed.is_clear());
    for id in &manual_required {
        let item = confirmed.item(id).unwrap();
        assert_eq!((item.state, item.confirmed), (ItemStateKind::Ok, true));
    }
    // Confirming an automatic item that fails changes nothing.
    let failing = run("NAS : 046 454 286").with_confirmed(&["vie-privee"]);
    assert_eq!(
        failing.item("vie-privee").unwrap().state,
        ItemStateKind::Fail
    );
    assert!(!failing.item("vie-privee").unwrap().confirmed);
    // Unknown ids are ignored.
    let same = analysis.clone().with_confirmed(&["inconnu".to_owned()]);
    assert_eq!(same, analysis);
}

#[test]
fn strict_mode_counts_warnings_until_acknowledged() {
    let mut policy = policy();
    policy.strict_mode = true;
    let manual: Vec<&str> = policy
        .items
        .iter()
        .filter(|item| item.check == Check::Manual)
        .map(|item| item.id.as_str())
        .collect();
    let draft = Draft::from_text("Les élèves: https://bit.ly/x — Personnel du SEC-CSQ");
    let analysis = analyze(&policy, &draft).with_confirmed(&manual);
    assert!(analysis.strict_mode);
    // Shortener (required, warn) and credibility (required, warn).
    assert_eq!(analysis.required_remaining, 2);
    let acknowledged = analysis.with_confirmed(&["liens-complets", "credibilite-des-liens"]);
    assert_eq!(acknowledged.required_remaining, 0);
    assert_eq!(
        acknowledged.item("liens-complets").unwrap().state,
        ItemStateKind::Warn
    );
    assert!(acknowledged.item("liens-complets").unwrap().confirmed);
}

#[test]
fn a_rule_used_by_two_items_reports_to_both() {
    let mut policy = policy();
    let mut copy = policy.item("vie-privee").unwrap().clone();
    copy.id = "vie-privee-bis".into();
    policy.items.push(copy);
    let analysis = analyze(&policy, &Draft::from_text("Tél. : 418-555-1234"));
    assert_eq!(analysis.findings_for("vie-privee").count(), 1);
    assert_eq!(analysis.findings_for("vie-privee-bis").count(), 1);
    assert_eq!(analysis.item("vie-privee-bis").unwrap().finding_count, 1);
    assert_eq!(
        analysis.item("vie-privee-bis").unwrap().state,
        ItemStateKind::Warn
    );
}

#[test]
fn analyzer_and_analyze_agree() {
    let policy = policy();
    let analyzer = Analyzer::new(&policy);
    for text in ["", "Bonjour", crate::sample::realistic_french_post()] {
        let draft = Draft::from_text(text);
        assert_eq!(analyzer.analyze(&draft), analyze(&policy, &draft));
    }
}

#[test]
fn json_shapes_for_the_extension() {
    let analysis = run("Tél. : 418-555-1234");
    let json = serde_json::to_value(&analysis).unwrap();
    assert!(json["requiredRemaining"].is_u64());
    assert_eq!(json["strictMode"], false);
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "phone")
        .unwrap();
    assert_eq!(finding["itemId"], "vie-privee");
    assert_eq!(finding["rule"], "personal-info");
    assert_eq!(finding["severity"], "warning");
    assert_eq!(finding["span"], serde_json::json!({"start": 7, "end": 19}));
    assert_eq!(finding["excerpt"], "418-555-1234");
    assert!(finding["message"]["fr"].is_string() && finding["message"]["en"].is_string());
    let item = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "vie-privee")
        .unwrap();
    assert_eq!(item["state"], "warn");
    assert_eq!(item["findingCount"], 1);
    assert_eq!(item["rule"], "personal-info");
    let manual = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "identite-reelle")
        .unwrap();
    assert_eq!(manual["state"], "todo");
    assert_eq!(manual["rule"], serde_json::Value::Null);
    assert_eq!(serde_json::from_value::<Analysis>(json).unwrap(), analysis);
    assert_eq!(
        serde_json::to_string(&FindingKind::LinkTextMismatch).unwrap(),
        "\"linkTextMismatch\""
    );
}

#[test]
fn drafts_from_json() {
    let draft: Draft = serde_json::from_str(
        r#"{"text":"Voir ici","links":[{"href":"https://x.ca","text":"ici","span":{"start":5,"end":8}}]}"#,
    )
    .unwrap();
    assert_eq!(draft.links[0].span, Some(Span::new(5, 8)));
    let plain: Draft = serde_json::from_str(r#"{"text":"Bonjour"}"#).unwrap();
    assert!(plain.links.is_empty());
    assert!(serde_json::from_str::<Draft>(r#"{"text":"a","html":"<b>a</b>"}"#).is_err());
    assert!(
        serde_json::from_str::<Draft>(r#"{"text":"a","links":[{"href":"x","target":"_blank"}]}"#)
            .is_err()
    );
}

#[test]
fn a_policy_without_link_rules_skips_them() {
    let mut policy = policy();
    policy
        .items
        .retain(|item| item.check == Check::Manual || item.id == "vie-privee");
    let analysis = analyze(&policy, &Draft::from_text("https://bit.ly/x 418-555-1234"));
    let kinds: Vec<FindingKind> = analysis.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FindingKind::Phone]);
}

/// Pseudo-random drafts from troublesome pieces: no panic, and every span covers its
/// excerpt exactly.
#[test]
fn random_drafts_never_panic_and_spans_hold() {
    const PIECES: &[&str] = &[
        " ",
        "\n",
        "\u{a0}",
        "\u{202f}",
        ".",
        ",",
        "(",
        ")",
        "«",
        "»",
        "-",
        "/",
        ":",
        "@",
        "+",
        "#",
        "'",
        "’",
        "1",
        "418",
        "555",
        "1234",
        "046",
        "454",
        "286",
        "1985",
        "14",
        "03",
        "G5A",
        "1B2",
        "é",
        "e\u{301}",
        "🎉",
        "👩‍🏫",
        "œ",
        "а",
        "xn--",
        "www",
        "https://",
        "http",
        "lacsq",
        "org",
        "ca",
        "bit",
        "ly",
        "née le",
        "mars",
        "DDN",
        "Marie",
        "Tremblay",
        "école",
        "enseign",
        "SEC-CSQ",
        "Personnel du SEC-CSQ",
        "poste",
        "x",
        "$",
        "\u{200b}",
        "\u{feff}",
        "\t",
    ];
    let policy = policy();
    let analyzer = Analyzer::new(&policy);
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for _ in 0..3000 {
        let length = next(40);
        let text: String = (0..length).map(|_| PIECES[next(PIECES.len())]).collect();
        let mut draft = Draft::from_text(text.clone());
        if next(3) == 0 {
            let shown: String = (0..next(4)).map(|_| PIECES[next(PIECES.len())]).collect();
            let host: String = (0..next(4)).map(|_| PIECES[next(PIECES.len())]).collect();
            draft.links.push(DraftLink {
                href: format!("https://{host}/"),
                text: shown,
                span: None,
            });
        }
        let analysis = analyzer.analyze(&draft);
        let folded = fold(&text);
        let words: Vec<_> = rules::Words::new(&folded.text).collect();
        assert_eq!(folded.words(), words.as_slice(), "{text:?}");
        let units = text.encode_utf16().count() as u32;
        for finding in &analysis.findings {
            if let Some(span) = finding.span {
                assert!(
                    span.start <= span.end && span.end <= units,
                    "{text:?} {finding:?}"
                );
                assert_eq!(slice(&text, span), finding.excerpt, "{text:?}");
            }
        }
    }
}

/// A small deterministic generator (xorshift64*), so that a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    /// A char boundary of `text`.
    fn boundary(&mut self, text: &str) -> usize {
        let mut at = self.below(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }
}

#[test]
fn reusing_paragraphs_finds_what_a_full_analysis_finds_on_random_edits() {
    let policy = policy();
    let mut end_policy = policy.clone();
    end_policy.signature = Some(SignatureRule {
        required_patterns: vec!["— Personnel du SEC-CSQ".into(), "membre du SEC-CSQ".into()],
        placement: Placement::End,
    });
    let snippets = [
        "\n\n",
        "\n",
        " ",
        "e",
        "é",
        "📣",
        "Né le 14 mars 1985",
        "418-555-1234",
        " 046 454 286 ",
        "G5A 1B2",
        "marie.tremblay@exemple.ca",
        "https://www.lacsq.org/nouvelles/",
        "bit.ly/3xYz ",
        "lacsq.org",
        "syndicat",
        "convention collective",
        "enseignantes",
        "\n\n— Personnel du SEC-CSQ",
        "membre du SEC-CSQ #rentree",
        " @lacsq",
        "xn--lcsq-9ra.org",
    ];
    let drafts = [
        crate::sample::realistic_french_post().to_owned(),
        "Bonjour!\n\nNé le 14 mars 1985, joignez-moi au 418-555-1234.\n\n— Personnel du SEC-CSQ"
            .to_owned(),
        String::new(),
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut checked = 0;
    for policy in [&policy, &end_policy] {
        let analyzer = Analyzer::new(policy);
        for draft in &drafts {
            let mut cache = AnalysisCache::default();
            let mut text = draft.clone();
            for step in 0..150 {
                match rng.below(4) {
                    // Typing: a few characters at one place.
                    0 | 1 => {
                        let at = rng.boundary(&text);
                        let snippet = snippets[rng.below(snippets.len())];
                        text.insert_str(at, snippet);
                    }
                    // Deleting a range, sometimes across paragraphs.
                    2 => {
                        let a = rng.boundary(&text);
                        let b = rng.boundary(&text);
                        let span = a.min(b)..a.max(b).min(a.min(b) + 1 + rng.below(400));
                        let mut end = span.end;
                        while !text.is_char_boundary(end) {
                            end -= 1;
                        }
                        text.replace_range(span.start..end, "");
                    }
                    // Replacing a range with a snippet.
                    _ => {
                        let a = rng.boundary(&text);
                        let mut b = (a + rng.below(30)).min(text.len());
                        while !text.is_char_boundary(b) {
                            b -= 1;
                        }
                        text.replace_range(a..b, snippets[rng.below(snippets.len())]);
                    }
                }
                let mut draft = Draft::from_text(text.clone());
                if step % 7 == 0 {
                    draft.links.push(DraftLink {
                        href: "https://www.lacsq.org/nouvelles/".into(),
                        text: "lacsq.org".into(),
                        span: None,
                    });
                }
                let incremental = analyzer.analyze_cached(&draft, &mut cache);
                let full = analyzer.analyze(&draft);
                assert_eq!(incremental, full, "step {step} of {:?}", draft.text);
                assert_spans_match(&draft.text, &full);
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 2 * 3 * 150);
}

#[test]
fn paragraphs_end_after_each_blank_line() {
    fn ranges(text: &str) -> Vec<&str> {
        paragraphs(text)
            .into_iter()
            .map(|range| &text[range])
            .collect()
    }
    assert_eq!(ranges(""), vec![""]);
    assert_eq!(ranges("a"), vec!["a"]);
    assert_eq!(ranges("a\nb\n\nc"), vec!["a\nb\n\n", "c"]);
    assert_eq!(ranges("a\n\n\nc\n\n"), vec!["a\n\n", "\nc\n\n"]);
}
