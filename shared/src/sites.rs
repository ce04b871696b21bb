//! Site adapters as data: how to find compose boxes and publish controls on each social
//! network, and which adapter a page uses.
//!
//! A page's adapter comes from its host ([`adapter_for_host`]). Sites that run on any host
//! (Mastodon instances) have a DOM signature ([`dom_signature_adapters`]): on a host the
//! person enabled, a page showing it uses that site's adapter ([`adapter_for_page`]); on
//! any other host the signature only marks the page as a look-alike, which gets nothing
//! until the person confirms it in the popup. [`match_pattern`] turns host patterns into
//! the browsers' match patterns, for the manifest's and the registered content scripts.
//! Selectors are CSS; `shadow_hosts` name the
//! elements whose open shadow roots must be searched too. Submit controls are found by
//! selector, then by label (text or `aria-label`, compared ignoring case) among
//! `submit_labels`, since Meta's buttons are `div[role=button]` with translated labels.

use serde::Serialize;

/// The editor library a compose box is built with; it decides how text is read and how
/// the page reacts to changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EditorKind {
    /// Meta's Lexical (Facebook, Threads, Instagram captions, Reddit).
    Lexical,
    /// Draft.js (X, TikTok).
    DraftJs,
    /// ProseMirror, often through TipTap (Bluesky, LinkedIn comments).
    ProseMirror,
    /// Quill (LinkedIn posts).
    Quill,
    /// A plain `textarea`.
    Textarea,
    /// Any other `contenteditable` element.
    ContentEditable,
}

/// A keyboard shortcut that publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shortcut {
    /// `KeyboardEvent.key`, e.g. `"Enter"`.
    pub key: &'static str,
    /// Whether Ctrl (or Cmd on macOS) must be held.
    pub ctrl_or_meta: bool,
    /// A selector of containers where the key does not publish (Facebook's post dialog,
    /// where Enter starts a new line while it publishes a comment).
    pub not_inside: Option<&'static str>,
}

/// The modifier keys held with a key press.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Modifiers {
    pub ctrl: bool,
    pub meta: bool,
    pub shift: bool,
    pub alt: bool,
}

impl Shortcut {
    /// Whether a press of `key` with `modifiers` is this shortcut. Shift or Alt never
    /// publish (Shift+Enter is a new line everywhere).
    pub fn matches(&self, key: &str, modifiers: Modifiers) -> bool {
        key == self.key
            && !modifiers.shift
            && !modifiers.alt
            && (modifiers.ctrl || modifiers.meta) == self.ctrl_or_meta
    }
}

/// How Balise finds the compose boxes and publish controls of one site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteAdapter {
    /// Stable id, e.g. `"facebook"`.
    pub id: &'static str,
    /// Name shown to people.
    pub name: &'static str,
    /// Hosts: `example.com` matches exactly, `*.example.com` any subdomain.
    pub host_patterns: &'static [&'static str],
    /// Selectors whose presence marks a page on an unknown host as looking like this site
    /// (empty: by host only). Such a page gets nothing until the person confirms it once
    /// in the popup; its host then becomes one of the enabled sites.
    pub dom_signatures: &'static [&'static str],
    /// Whether the site's compose boxes can sit in a subframe of its pages: the content
    /// script then runs in every frame of the site's hosts (`all_frames`), else in the
    /// top frame only.
    pub subframes: bool,
    /// Selectors of compose boxes.
    pub compose_selectors: &'static [&'static str],
    /// Selectors of elements whose open shadow roots hold compose boxes or buttons.
    pub shadow_hosts: &'static [&'static str],
    /// Selectors of publish controls (narrowed by `submit_labels` when they are generic).
    pub submit_selectors: &'static [&'static str],
    /// Labels of publish controls, in English and French.
    pub submit_labels: &'static [&'static str],
    /// Keyboard shortcuts that publish from the compose box.
    pub submit_shortcuts: &'static [Shortcut],
    /// The editor.
    pub editor: EditorKind,
}

const CTRL_ENTER: Shortcut = Shortcut {
    key: "Enter",
    ctrl_or_meta: true,
    not_inside: None,
};
const ENTER: Shortcut = Shortcut {
    key: "Enter",
    ctrl_or_meta: false,
    not_inside: None,
};
/// Enter publishes Facebook's comments, but starts a new line in its post dialog.
const ENTER_OUTSIDE_DIALOG: Shortcut = Shortcut {
    key: "Enter",
    ctrl_or_meta: false,
    not_inside: Some("div[role=\"dialog\"]"),
};

const POST_LABELS: &[&str] = &[
    "Post",
    "Publier",
    "Publish",
    "Share",
    "Partager",
    "Reply",
    "Répondre",
    "Comment",
    "Commenter",
];

static ADAPTERS: [SiteAdapter; 11] = [
    SiteAdapter {
        id: "facebook",
        name: "Facebook",
        host_patterns: &["facebook.com", "*.facebook.com"],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            "div[role=\"textbox\"][contenteditable=\"true\"][data-lexical-editor=\"true\"]",
            "div[role=\"dialog\"] div[role=\"textbox\"][contenteditable=\"true\"]",
        ],
        shadow_hosts: &[],
        submit_selectors: &["div[role=\"button\"]", "button", "input[type=\"submit\"]"],
        submit_labels: &[
            "Post",
            "Publier",
            "Share",
            "Partager",
            "Share now",
            "Partager maintenant",
            "Reply",
            "Répondre",
            "Comment",
            "Commenter",
            "Save",
            "Enregistrer",
        ],
        submit_shortcuts: &[ENTER_OUTSIDE_DIALOG, CTRL_ENTER],
        editor: EditorKind::Lexical,
    },
    SiteAdapter {
        id: "instagram",
        name: "Instagram",
        host_patterns: &["instagram.com", "*.instagram.com"],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            "[aria-label^=\"Write a caption\"][contenteditable=\"true\"]",
            "[aria-label^=\"Écrivez une légende\"][contenteditable=\"true\"]",
            "textarea[aria-label^=\"Add a comment\"]",
            "textarea[aria-label^=\"Ajoutez un commentaire\"]",
            "textarea[aria-label^=\"Ajouter un commentaire\"]",
            "form textarea",
        ],
        shadow_hosts: &[],
        submit_selectors: &["div[role=\"button\"]", "button", "button[type=\"submit\"]"],
        submit_labels: &["Post", "Publier", "Share", "Partager", "Reply", "Répondre"],
        submit_shortcuts: &[ENTER],
        editor: EditorKind::Lexical,
    },
    SiteAdapter {
        id: "threads",
        name: "Threads",
        host_patterns: &[
            "threads.net",
            "*.threads.net",
            "threads.com",
            "*.threads.com",
        ],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            "div[role=\"textbox\"][contenteditable=\"true\"][data-lexical-editor=\"true\"]",
            "div[role=\"textbox\"][contenteditable=\"true\"]",
        ],
        shadow_hosts: &[],
        submit_selectors: &["div[role=\"button\"]", "button"],
        submit_labels: &["Post", "Publier", "Reply", "Répondre", "Share", "Partager"],
        submit_shortcuts: &[CTRL_ENTER],
        editor: EditorKind::Lexical,
    },
    SiteAdapter {
        id: "x",
        name: "X (Twitter)",
        host_patterns: &["x.com", "*.x.com", "twitter.com", "*.twitter.com"],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            "[data-testid^=\"tweetTextarea_\"][contenteditable=\"true\"]",
            "[data-testid^=\"tweetTextarea_\"] .public-DraftEditor-content",
            ".public-DraftEditor-content[contenteditable=\"true\"]",
        ],
        shadow_hosts: &[],
        submit_selectors: &[
            "[data-testid=\"tweetButton\"]",
            "[data-testid=\"tweetButtonInline\"]",
        ],
        submit_labels: &[
            "Post",
            "Poster",
            "Publier",
            "Reply",
            "Répondre",
            "Tweet",
            "Tweeter",
            "Post all",
            "Tout poster",
        ],
        submit_shortcuts: &[CTRL_ENTER],
        editor: EditorKind::DraftJs,
    },
    SiteAdapter {
        id: "linkedin",
        name: "LinkedIn",
        host_patterns: &["linkedin.com", "*.linkedin.com"],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            ".ql-editor[contenteditable=\"true\"]",
            ".ProseMirror[contenteditable=\"true\"]",
        ],
        shadow_hosts: &["#interop-outlet"],
        submit_selectors: &["button.share-actions__primary-action", "button"],
        submit_labels: &[
            "Post",
            "Publier",
            "Comment",
            "Commenter",
            "Reply",
            "Répondre",
            "Repost",
            "Republier",
        ],
        submit_shortcuts: &[CTRL_ENTER],
        editor: EditorKind::Quill,
    },
    SiteAdapter {
        id: "bluesky",
        name: "Bluesky",
        host_patterns: &["bsky.app", "*.bsky.app"],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            ".ProseMirror[contenteditable=\"true\"][role=\"textbox\"]",
            "div[role=\"textbox\"].ProseMirror",
        ],
        shadow_hosts: &[],
        submit_selectors: &["[data-testid=\"composerPublishBtn\"]"],
        submit_labels: &[
            "Post",
            "Publier",
            "Publish",
            "Reply",
            "Répondre",
            "Post all",
            "Tout publier",
        ],
        submit_shortcuts: &[CTRL_ENTER],
        editor: EditorKind::ProseMirror,
    },
    SiteAdapter {
        id: "mastodon",
        name: "Mastodon",
        host_patterns: &["mastodon.social", "mastodon.online"],
        subframes: false,
        dom_signatures: &["form.compose-form textarea", "#mastodon"],
        compose_selectors: &["form.compose-form textarea"],
        shadow_hosts: &[],
        submit_selectors: &[
            "form.compose-form button[type=\"submit\"]",
            "form.compose-form .compose-form__publish button",
        ],
        submit_labels: &[
            "Post",
            "Publish!",
            "Publish",
            "Publier",
            "Publier !",
            "Toot!",
            "Pouet",
            "Reply",
            "Répondre",
            "Save",
            "Enregistrer",
        ],
        submit_shortcuts: &[CTRL_ENTER],
        editor: EditorKind::Textarea,
    },
    SiteAdapter {
        id: "reddit",
        name: "Reddit",
        host_patterns: &["reddit.com", "*.reddit.com"],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            "shreddit-composer div[role=\"textbox\"][contenteditable=\"true\"]",
            "div[role=\"textbox\"][contenteditable=\"true\"][data-lexical-editor=\"true\"]",
            "div[role=\"textbox\"][contenteditable=\"true\"]",
            "textarea[name=\"text\"]",
        ],
        shadow_hosts: &["shreddit-composer"],
        submit_selectors: &[
            "shreddit-composer button[slot=\"submit-button\"]",
            "button[slot=\"submit-button\"]",
            "button[type=\"submit\"]",
        ],
        submit_labels: &[
            "Comment",
            "Commenter",
            "Post",
            "Publier",
            "Reply",
            "Répondre",
            "Save",
            "Enregistrer",
        ],
        submit_shortcuts: &[CTRL_ENTER],
        editor: EditorKind::Lexical,
    },
    SiteAdapter {
        id: "youtube",
        name: "YouTube",
        host_patterns: &["youtube.com", "*.youtube.com"],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            "ytd-commentbox #contenteditable-root",
            "#contenteditable-root[contenteditable=\"true\"]",
        ],
        shadow_hosts: &[],
        submit_selectors: &[
            "ytd-commentbox #submit-button button",
            "#submit-button button",
        ],
        submit_labels: &[
            "Comment",
            "Commenter",
            "Reply",
            "Répondre",
            "Ajouter un commentaire",
        ],
        submit_shortcuts: &[CTRL_ENTER],
        editor: EditorKind::ContentEditable,
    },
    SiteAdapter {
        id: "tiktok",
        name: "TikTok",
        host_patterns: &["tiktok.com", "*.tiktok.com"],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            "[data-e2e=\"comment-input\"] .public-DraftEditor-content",
            "[data-e2e=\"comment-input\"] [contenteditable=\"true\"]",
        ],
        shadow_hosts: &[],
        submit_selectors: &["[data-e2e=\"comment-post\"]"],
        submit_labels: &["Post", "Publier", "Reply", "Répondre"],
        submit_shortcuts: &[ENTER],
        editor: EditorKind::DraftJs,
    },
    // Last: the fallback for every other site.
    SiteAdapter {
        id: "generic",
        name: "Generic",
        host_patterns: &[],
        subframes: false,
        dom_signatures: &[],
        compose_selectors: &[
            "textarea",
            "[contenteditable=\"true\"]",
            "[contenteditable=\"\"]",
            "[contenteditable=\"plaintext-only\"]",
            "[role=\"textbox\"]",
        ],
        shadow_hosts: &[],
        submit_selectors: &[
            "button[type=\"submit\"]",
            "input[type=\"submit\"]",
            "button",
            "[role=\"button\"]",
        ],
        submit_labels: POST_LABELS,
        submit_shortcuts: &[CTRL_ENTER],
        editor: EditorKind::ContentEditable,
    },
];

/// Every adapter, the generic one last.
pub fn all() -> &'static [SiteAdapter] {
    &ADAPTERS
}

/// The fallback adapter for sites without their own.
pub fn generic() -> &'static SiteAdapter {
    &ADAPTERS[ADAPTERS.len() - 1]
}

/// The adapter with this id.
pub fn by_id(id: &str) -> Option<&'static SiteAdapter> {
    ADAPTERS.iter().find(|adapter| adapter.id == id)
}

/// The adapters that can be recognized by their DOM on any host (Mastodon).
pub fn dom_signature_adapters() -> Vec<&'static SiteAdapter> {
    ADAPTERS
        .iter()
        .filter(|adapter| !adapter.dom_signatures.is_empty())
        .collect()
}

/// A host as compared: lowercase, without port or trailing dot.
fn normalize_host(host: &str) -> String {
    let host = host.trim();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.contains(':') => {
            name
        }
        _ => host,
    };
    host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase()
}

impl SiteAdapter {
    /// Whether `host` (any case, with or without port) matches one of the host patterns.
    pub fn matches_host(&self, host: &str) -> bool {
        let host = normalize_host(host);
        self.host_patterns
            .iter()
            .any(|pattern| normalized_host_matches(&host, pattern))
    }

    /// Whether this is the generic fallback.
    pub fn is_generic(&self) -> bool {
        self.id == "generic"
    }

    /// Whether an element matched by the publish selector `selector`, showing `label`
    /// (its text or `aria-label`), is a publish control. Specific selectors
    /// (`[data-testid="tweetButton"]`) are enough; generic ones (`button`,
    /// `div[role="button"]`) also need one of `submit_labels`, compared ignoring case,
    /// accents and surrounding spaces.
    pub fn is_publish_control(&self, selector: &str, label: &str) -> bool {
        if !is_generic_selector(selector) {
            return true;
        }
        let label = crate::text::fold_str(label.trim());
        !label.is_empty()
            && self
                .submit_labels
                .iter()
                .any(|candidate| crate::text::fold_str(candidate) == label)
    }
}

/// Whether a selector names only an element kind (`button`, `div[role="button"]`,
/// `input[type="submit"]`): such selectors match many controls that do not publish.
pub fn is_generic_selector(selector: &str) -> bool {
    let (tag, attributes) = match selector.find('[') {
        Some(index) => selector.split_at(index),
        None => (selector, ""),
    };
    let tag_is_plain = tag.chars().all(|ch| ch.is_ascii_alphabetic());
    let attributes_are_kind_only = attributes.is_empty()
        || ((attributes.starts_with("[role=") || attributes.starts_with("[type="))
            && attributes.matches('[').count() == 1
            && attributes.ends_with(']'));
    !selector.contains(' ') && tag_is_plain && attributes_are_kind_only
}

/// Whether `host` (already normalized) matches `pattern` (lowercase): `example.com`
/// exactly, `*.example.com` any subdomain of `example.com` (not `example.com` itself).
fn normalized_host_matches(host: &str, pattern: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(parent) => host
            .strip_suffix(parent)
            .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
        None => host == pattern,
    }
}

/// Whether a page's `host` (any case, with or without port) matches a site pattern the
/// person added (`forum.example.org`, or `*.example.org` for its subdomains).
pub fn host_matches_pattern(host: &str, pattern: &str) -> bool {
    normalized_host_matches(&normalize_host(host), &pattern.trim().to_ascii_lowercase())
}

/// Whether `host` is a social network Balise knows (an adapter other than the generic one)
/// or matches one of the `extra_sites` patterns the person added.
pub fn is_checklist_site(host: &str, extra_sites: &[String]) -> bool {
    !adapter_for_host(host).is_generic()
        || extra_sites
            .iter()
            .any(|pattern| host_matches_pattern(host, pattern))
}

/// Why a line typed as an extra site is not a site pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SitePatternError {
    /// A web address rather than a site name; `host` is the name to type instead, when
    /// one could be read from it.
    Url {
        /// The host name found in the address.
        host: Option<String>,
    },
    /// Not a host name: a character other than letters, digits, `-` and `.`, an empty
    /// label, a port, or `*` elsewhere than in a leading `*.`.
    NotAHost,
    /// `*.` followed by a single label (`*.org`) would cover a whole top-level domain.
    TooBroad,
}

impl SitePatternError {
    /// What went wrong and what to type instead, in French and English.
    pub fn message(&self, input: &str) -> crate::Localized {
        const EXAMPLE_FR: &str = "Indiquez seulement le nom du site, par exemple \
            forum.example.org, ou *.example.org pour tous ses sous-domaines.";
        const EXAMPLE_EN: &str = "Type only the site's name, for example \
            forum.example.org, or *.example.org for all its subdomains.";
        match self {
            SitePatternError::Url { host: Some(host) } => crate::Localized::new(
                format!(
                    "« {input} » est une adresse web, pas un nom de site : indiquez seulement « {host} »."
                ),
                format!("\"{input}\" is a web address, not a site name: type only \"{host}\"."),
            ),
            SitePatternError::Url { host: None } => crate::Localized::new(
                format!("« {input} » est une adresse web, pas un nom de site. {EXAMPLE_FR}"),
                format!("\"{input}\" is a web address, not a site name. {EXAMPLE_EN}"),
            ),
            SitePatternError::NotAHost => crate::Localized::new(
                format!("« {input} » n'est pas un nom de site. {EXAMPLE_FR}"),
                format!("\"{input}\" is not a site name. {EXAMPLE_EN}"),
            ),
            SitePatternError::TooBroad => crate::Localized::new(
                format!("« {input} » couvrirait des millions de sites. {EXAMPLE_FR}"),
                format!("\"{input}\" would cover millions of sites. {EXAMPLE_EN}"),
            ),
        }
    }
}

/// Longest host name in DNS.
const MAX_HOST_LEN: usize = 253;
/// Longest label of a host name.
const MAX_LABEL_LEN: usize = 63;

fn is_host_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

fn is_host_name(host: &str) -> bool {
    host.len() <= MAX_HOST_LEN && host.split('.').all(is_host_label)
}

/// The host of something that looks like a web address (`https://forum.example.org/x`,
/// `forum.example.org/x`, `forum.example.org:8080`), if it has a valid one.
fn host_of_address(input: &str) -> Option<String> {
    let rest = match input.split_once("://") {
        Some((_, rest)) => rest,
        None => input,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    let host = normalize_host(authority);
    is_host_name(&host).then_some(host)
}

/// Checks one site the person typed (`forum.example.org`, `*.example.org`; any case,
/// surrounding spaces and a trailing dot ignored) and returns it normalized: lowercase,
/// trimmed. Web addresses are refused with the host name to type instead.
pub fn parse_site_pattern(input: &str) -> Result<String, SitePatternError> {
    let trimmed = input.trim();
    let lower = trimmed.to_ascii_lowercase();
    let lower = lower.strip_suffix('.').unwrap_or(&lower);
    if lower.contains("://") || lower.contains(['/', '?', '#', '@', ':']) {
        return Err(SitePatternError::Url {
            host: host_of_address(lower),
        });
    }
    let (wildcard, host) = match lower.strip_prefix("*.") {
        Some(parent) => (true, parent),
        None => (false, lower),
    };
    if !is_host_name(host) {
        return Err(SitePatternError::NotAHost);
    }
    if wildcard && !host.contains('.') {
        return Err(SitePatternError::TooBroad);
    }
    Ok(lower.to_owned())
}

/// The browsers' match pattern (`*://x.com/*`, `*://*.x.com/*`) for a host pattern of an
/// adapter or an enabled site (`x.com`, `*.x.com`). A browser's `*.x.com` also matches
/// `x.com` itself, which Balise's does not: [`match_pattern_exclusion`] names it.
pub fn match_pattern(host_pattern: &str) -> String {
    format!("*://{}/*", host_pattern.trim().to_ascii_lowercase())
}

/// For a wildcard host pattern (`*.example.org`), the match pattern of the parent host
/// (`*://example.org/*`) that the browser's pattern would include and Balise's does not.
pub fn match_pattern_exclusion(host_pattern: &str) -> Option<String> {
    host_pattern
        .trim()
        .to_ascii_lowercase()
        .strip_prefix("*.")
        .map(|parent| format!("*://{parent}/*"))
}

/// The adapter for a page on `host`: a known site's by its host; on a host the person
/// enabled (`extra_sites`), the adapter whose DOM signature the page shows
/// (`signature_found` tells whether a selector matches in the page), else the generic one.
/// A signature on a host that is neither known nor enabled chooses nothing: such a page
/// is only a look-alike until the person confirms it.
pub fn adapter_for_page(
    host: &str,
    extra_sites: &[String],
    signature_found: impl Fn(&str) -> bool,
) -> &'static SiteAdapter {
    let by_host = adapter_for_host(host);
    if !by_host.is_generic() || !is_checklist_site(host, extra_sites) {
        return by_host;
    }
    ADAPTERS
        .iter()
        .filter(|adapter| !adapter.dom_signatures.is_empty())
        .find(|adapter| adapter.dom_signatures.iter().any(|s| signature_found(s)))
        .unwrap_or(by_host)
}

/// The adapter for a page's host (`www.facebook.com`, `x.com:443`), or the generic one.
pub fn adapter_for_host(host: &str) -> &'static SiteAdapter {
    ADAPTERS
        .iter()
        .find(|adapter| adapter.matches_host(host))
        .unwrap_or_else(generic)
}

#[cfg(test)]
mod tests {
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

    use super::*;

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
}
