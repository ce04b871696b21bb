//! Tests of the adapters and of the site patterns.

use super::adapters::{CTRL_ENTER, ENTER};
use super::*;

#[test]
fn generic_selectors_need_a_label_and_specific_ones_do_not() {
    assert!(is_generic_selector("button"));
    assert!(is_generic_selector("div[role=\"button\"]"));
    assert!(is_generic_selector("input[type=\"submit\"]"));
    assert!(!is_generic_selector("[data-testid=\"tweetButton\"]"));
    assert!(!is_generic_selector(
        "form.compose-form button[type=\"submit\"]"
    ));
    assert!(!is_generic_selector("button.share-actions__primary-action"));

    let facebook = by_id("facebook").expect("facebook adapter");
    assert!(facebook.is_publish_control("div[role=\"button\"]", "  Publier "));
    assert!(facebook.is_publish_control("div[role=\"button\"]", "PUBLIER"));
    assert!(facebook.is_publish_control("div[role=\"button\"]", "Repondre"));
    assert!(!facebook.is_publish_control("div[role=\"button\"]", "J'aime"));
    assert!(!facebook.is_publish_control("div[role=\"button\"]", ""));
    let x = by_id("x").expect("x adapter");
    assert!(x.is_publish_control("[data-testid=\"tweetButtonInline\"]", ""));
}

#[test]
fn shortcuts_match_their_modifiers_only() {
    let plain = Modifiers::default();
    let ctrl = Modifiers {
        ctrl: true,
        ..Modifiers::default()
    };
    let meta = Modifiers {
        meta: true,
        ..Modifiers::default()
    };
    let shift = Modifiers {
        shift: true,
        ..Modifiers::default()
    };
    assert!(CTRL_ENTER.matches("Enter", ctrl));
    assert!(CTRL_ENTER.matches("Enter", meta));
    assert!(!CTRL_ENTER.matches("Enter", plain));
    assert!(!CTRL_ENTER.matches("a", ctrl));
    assert!(ENTER.matches("Enter", plain));
    assert!(!ENTER.matches("Enter", shift));
    assert!(!ENTER.matches("Enter", ctrl));
}

#[test]
fn hosts_map_to_adapters() {
    let cases = [
        ("facebook.com", "facebook"),
        ("www.facebook.com", "facebook"),
        ("m.facebook.com", "facebook"),
        ("WWW.FACEBOOK.COM.", "facebook"),
        ("www.facebook.com:443", "facebook"),
        ("notfacebook.com", "generic"),
        ("facebook.com.evil.example", "generic"),
        ("www.instagram.com", "instagram"),
        ("www.threads.net", "threads"),
        ("www.threads.com", "threads"),
        ("x.com", "x"),
        ("twitter.com", "x"),
        ("mobile.twitter.com", "x"),
        ("box.com", "generic"),
        ("www.linkedin.com", "linkedin"),
        ("bsky.app", "bluesky"),
        ("mastodon.social", "mastodon"),
        ("mstdn.example", "generic"),
        ("www.reddit.com", "reddit"),
        ("old.reddit.com", "reddit"),
        ("www.youtube.com", "youtube"),
        ("m.youtube.com", "youtube"),
        ("www.tiktok.com", "tiktok"),
        ("lacsq.org", "generic"),
        ("", "generic"),
        (".facebook.com", "generic"),
    ];
    for (host, id) in cases {
        assert_eq!(adapter_for_host(host).id, id, "{host}");
    }
}

#[test]
fn a_signature_chooses_the_adapter_only_on_an_enabled_host() {
    let enabled = vec!["social.example.org".to_owned(), "*.example.net".to_owned()];
    let mastodon_page = |selector: &str| selector == "form.compose-form textarea";
    let plain_page = |_: &str| false;
    assert_eq!(
        adapter_for_page("social.example.org", &enabled, mastodon_page).id,
        "mastodon"
    );
    assert_eq!(
        adapter_for_page("a.example.net:8443", &enabled, mastodon_page).id,
        "mastodon"
    );
    assert_eq!(
        adapter_for_page("social.example.org", &enabled, plain_page).id,
        "generic"
    );
    // Not enabled: a look-alike, nothing chosen by its content.
    assert_eq!(
        adapter_for_page("evil.example.com", &enabled, mastodon_page).id,
        "generic"
    );
    assert_eq!(
        adapter_for_page("example.net", &enabled, mastodon_page).id,
        "generic"
    );
    // A known host keeps its own adapter whatever the page shows.
    assert_eq!(adapter_for_page("x.com", &enabled, mastodon_page).id, "x");
    assert_eq!(
        adapter_for_page("mastodon.social", &[], plain_page).id,
        "mastodon"
    );
}

#[test]
fn host_patterns_become_match_patterns() {
    assert_eq!(match_pattern("x.com"), "*://x.com/*");
    assert_eq!(match_pattern("*.x.com"), "*://*.x.com/*");
    assert_eq!(
        match_pattern(" Forum.Example.org "),
        "*://forum.example.org/*"
    );
    assert_eq!(match_pattern_exclusion("x.com"), None);
    assert_eq!(
        match_pattern_exclusion("*.example.org").as_deref(),
        Some("*://example.org/*")
    );
}

#[test]
fn mastodon_is_found_by_dom() {
    let ids: Vec<&str> = dom_signature_adapters().iter().map(|a| a.id).collect();
    assert_eq!(ids, ["mastodon"]);
    let mastodon = by_id("mastodon").unwrap();
    assert!(
        mastodon
            .dom_signatures
            .contains(&"form.compose-form textarea")
    );
    assert_eq!(mastodon.editor, EditorKind::Textarea);
}

#[test]
fn adapters_are_complete_and_unique() {
    let mut ids = std::collections::HashSet::new();
    for adapter in all() {
        assert!(ids.insert(adapter.id), "duplicate {}", adapter.id);
        assert!(!adapter.compose_selectors.is_empty(), "{}", adapter.id);
        assert!(!adapter.submit_selectors.is_empty(), "{}", adapter.id);
        assert!(
            adapter.submit_labels.contains(&"Publier")
                || adapter.submit_labels.contains(&"Commenter"),
            "{}",
            adapter.id
        );
        assert!(
            adapter.is_generic() == adapter.host_patterns.is_empty()
                || !adapter.dom_signatures.is_empty(),
            "{}",
            adapter.id
        );
        let selectors = adapter
            .compose_selectors
            .iter()
            .chain(adapter.submit_selectors)
            .chain(adapter.shadow_hosts)
            .chain(adapter.dom_signatures);
        for selector in selectors {
            assert_eq!(
                selector.matches('[').count(),
                selector.matches(']').count(),
                "{selector}"
            );
            assert_eq!(selector.matches('"').count() % 2, 0, "{selector}");
            assert_eq!(selector.trim(), *selector);
        }
        for pattern in adapter.host_patterns {
            assert_eq!(pattern.to_ascii_lowercase(), *pattern);
        }
    }
    assert!(generic().is_generic());
    assert_eq!(all().last().map(|a| a.id), Some("generic"));
    assert!(by_id("nope").is_none());
    assert_eq!(by_id("linkedin").unwrap().shadow_hosts, ["#interop-outlet"]);
    assert_eq!(by_id("reddit").unwrap().shadow_hosts, ["shreddit-composer"]);
}

#[test]
fn site_patterns_are_checked_and_normalized() {
    for (input, expected) in [
        ("forum.example.org", "forum.example.org"),
        ("  Forum.Example.ORG. ", "forum.example.org"),
        ("*.example.org", "*.example.org"),
        ("intranet", "intranet"),
        ("xn--lve-6lad.example", "xn--lve-6lad.example"),
        ("a-b.c1.example", "a-b.c1.example"),
    ] {
        assert_eq!(
            parse_site_pattern(input).as_deref(),
            Ok(expected),
            "{input}"
        );
    }
    for (input, error) in [
        (
            "https://forum.example.org/t/123",
            SitePatternError::Url {
                host: Some("forum.example.org".into()),
            },
        ),
        (
            "http://user@Forum.Example.org:8080",
            SitePatternError::Url {
                host: Some("forum.example.org".into()),
            },
        ),
        (
            "forum.example.org/accueil",
            SitePatternError::Url {
                host: Some("forum.example.org".into()),
            },
        ),
        (
            "forum.example.org:8443",
            SitePatternError::Url {
                host: Some("forum.example.org".into()),
            },
        ),
        ("https://", SitePatternError::Url { host: None }),
        ("", SitePatternError::NotAHost),
        ("forum example.org", SitePatternError::NotAHost),
        ("forum..example.org", SitePatternError::NotAHost),
        ("-forum.example.org", SitePatternError::NotAHost),
        ("forum.*.example.org", SitePatternError::NotAHost),
        ("*example.org", SitePatternError::NotAHost),
        ("*", SitePatternError::NotAHost),
        ("forum.éducation.ca", SitePatternError::NotAHost),
        (&"a".repeat(64), SitePatternError::NotAHost),
        ("*.org", SitePatternError::TooBroad),
    ] {
        assert_eq!(parse_site_pattern(input), Err(error), "{input:?}");
    }
}

#[test]
fn site_pattern_errors_say_what_to_type() {
    let url = parse_site_pattern("https://forum.example.org/x").unwrap_err();
    let message = url.message("https://forum.example.org/x");
    assert!(
        message.fr.contains("« forum.example.org »"),
        "{}",
        message.fr
    );
    assert!(
        message.en.contains("\"forum.example.org\""),
        "{}",
        message.en
    );
    let other = SitePatternError::NotAHost.message("forum example");
    assert!(other.fr.contains("*.example.org"));
    assert!(other.en.contains("Type only the site's name"));
}

#[test]
fn hosts_match_site_patterns() {
    assert!(host_matches_pattern(
        "forum.example.org",
        "forum.example.org"
    ));
    assert!(host_matches_pattern(
        "FORUM.example.org:443",
        "forum.example.org"
    ));
    assert!(host_matches_pattern(
        "forum.example.org.",
        "Forum.Example.org"
    ));
    assert!(!host_matches_pattern(
        "www.forum.example.org",
        "forum.example.org"
    ));
    assert!(!host_matches_pattern(
        "evilforum.example.org",
        "forum.example.org"
    ));
    assert!(host_matches_pattern("a.example.org", "*.example.org"));
    assert!(host_matches_pattern("a.b.example.org", "*.example.org"));
    assert!(!host_matches_pattern("example.org", "*.example.org"));
    assert!(!host_matches_pattern("badexample.org", "*.example.org"));
    assert!(!host_matches_pattern(
        "example.org.evil.test",
        "*.example.org"
    ));
}

#[test]
fn checklist_sites_are_known_networks_or_extra_sites() {
    let extra = vec!["forum.example.org".to_owned(), "*.lacsq.org".to_owned()];
    assert!(is_checklist_site("www.facebook.com", &[]));
    assert!(is_checklist_site("x.com", &extra));
    assert!(!is_checklist_site("forum.example.org", &[]));
    assert!(is_checklist_site("forum.example.org", &extra));
    assert!(is_checklist_site("www.lacsq.org", &extra));
    assert!(!is_checklist_site("lacsq.org", &extra));
    assert!(!is_checklist_site("example.org", &extra));
}

#[test]
fn adapters_serialize_to_camel_case_json() {
    let json = serde_json::to_value(by_id("x").unwrap()).unwrap();
    assert_eq!(json["id"], "x");
    assert_eq!(json["editor"], "draftJs");
    assert_eq!(json["hostPatterns"][1], "*.x.com");
    assert_eq!(json["submitShortcuts"][0]["ctrlOrMeta"], true);
    assert_eq!(json["submitSelectors"][0], "[data-testid=\"tweetButton\"]");
    let all_json = serde_json::to_string(all()).unwrap();
    assert!(all_json.contains("\"shadowHosts\":[\"#interop-outlet\"]"));
    assert!(all_json.contains("\"editor\":\"proseMirror\""));
}
