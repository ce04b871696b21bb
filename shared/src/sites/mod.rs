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

mod adapters;
mod hosts;
#[cfg(test)]
mod tests;

use adapters::ADAPTERS;
pub use hosts::{
    CONTENT_SCRIPT_RUN_AT, SitePatternError, host_matches_pattern, match_pattern,
    match_pattern_exclusion, parse_site_pattern,
};
use hosts::{normalize_host, normalized_host_matches};

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

/// Whether `host` is a social network Balise knows (an adapter other than the generic one)
/// or matches one of the `extra_sites` patterns the person added.
pub fn is_checklist_site(host: &str, extra_sites: &[String]) -> bool {
    !adapter_for_host(host).is_generic()
        || extra_sites
            .iter()
            .any(|pattern| host_matches_pattern(host, pattern))
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
