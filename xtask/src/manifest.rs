//! The extension's `manifest.json` for each browser, and the extension ID that follows from its key.
//! Its content scripts come from `balise_core::sites`: the checklist's loader on each compose
//! site's hosts (every frame only where the site puts compose boxes in subframes) and on a
//! companion's loopback pairing page, and the look-alike detector (`detect.js`, also made
//! here) in the top frame of every other page.

use balise_core::sites;
use base64_free::decode_base64;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The browsers the extension is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    Chromium,
    Firefox,
}

impl Browser {
    pub const ALL: [Browser; 2] = [Browser::Chromium, Browser::Firefox];

    /// Directory and file-name part for this browser's build.
    pub fn dir_name(self) -> &'static str {
        match self {
            Browser::Chromium => "chromium",
            Browser::Firefox => "firefox",
        }
    }
}

/// Public half of the key that fixes the Chromium extension ID, so a pairing survives
/// reinstalls from another folder. The private half is not needed to load the unpacked
/// extension and is not kept.
pub const CHROMIUM_PUBLIC_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsM+Jwqtn+uFgzas1t/AijTu1eaW1cRgZYtUCZL8eGYaYt0Fha1wcjC/5+voHNjHjpfQg1IitZAck+SBYKftEnnbcSd9p8Wa4umsJB+i6/i9t6YLQwo8xOIPgvkEk+Lf0ydohTsh++TmmWnMDUZSbyA6d57+PeGz1xIn1rt5BmBveXu/U8Y+UuYQwig0/XgnS5SbyJdn2aBSyjr5odEnflbMA7TSm8Cu32ydoWHRblq9T9i11IS7X8dzoXIBYkG2hzSaLrRo7lCL3Pw8qQLy6c+0If9vxFMe7/rRbMjoMmWLBDySNNTeEIEeLHYnc0I8AH41tro4bqlUOXODPWeniGwIDAQAB";

/// Firefox add-on ID (Firefox gives each install a random UUID origin on top of it).
pub const FIREFOX_ADDON_ID: &str = "balise@sec-csq.example";

/// The Chromium extension ID: the first 128 bits of SHA-256 of the public key, as letters a to p.
pub fn chromium_extension_id() -> String {
    let der = decode_base64(CHROMIUM_PUBLIC_KEY);
    Sha256::digest(&der)
        .iter()
        .take(16)
        .flat_map(|byte| [byte >> 4, byte & 0x0f])
        .map(|nibble| char::from(b'a' + nibble))
        .collect()
}

/// The manifest for `browser`.
pub fn manifest(browser: Browser, version: &str) -> Value {
    let icons = json!({
        "16": "icons/icon-16.png",
        "32": "icons/icon-32.png",
        "48": "icons/icon-48.png",
        "128": "icons/icon-128.png"
    });
    let mut manifest = json!({
        "manifest_version": 3,
        "name": "__MSG_extName__",
        "short_name": "Balise",
        "description": "__MSG_extDescription__",
        "version": version,
        "default_locale": "fr",
        "icons": icons,
        "action": {
            "default_title": "__MSG_actionTitle__",
            "default_icon": icons,
            "default_popup": "popup.html"
        },
        "commands": {
            "_execute_action": {
                "suggested_key": { "default": "Alt+Shift+S" },
                "description": "__MSG_actionTitle__"
            }
        },
        "options_ui": { "page": "options.html", "open_in_tab": true },
        "permissions": ["storage", "alarms", "contextMenus", "activeTab", "scripting"],
        "host_permissions": ["<all_urls>"],
        "content_scripts": content_scripts(),
        // No `web_accessible_resources`: the content script carries its wasm module and
        // glue in `content.js` itself (`content_script`), the pure-JS build (`pkg-js/`, for
        // pages whose CSP forbids WebAssembly) is run in the content script's frame by the
        // service worker with `scripting.executeScript`, and content scripts read the
        // default policy from the worker's copy in `storage.local`: no page can probe a
        // `chrome-extension://` or `moz-extension://` address to learn that its visitor
        // runs Balise.
        "content_security_policy": {
            "extension_pages": "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'"
        }
    });
    let background = match browser {
        Browser::Chromium => json!({ "service_worker": "sw.js", "type": "module" }),
        Browser::Firefox => json!({ "scripts": ["sw.js"], "type": "module" }),
    };
    if let Value::Object(fields) = &mut manifest {
        fields.insert("background".to_owned(), background);

        match browser {
            Browser::Chromium => {
                fields.insert("key".to_owned(), json!(CHROMIUM_PUBLIC_KEY));
                fields.insert("minimum_chrome_version".to_owned(), json!("121"));
            }
            Browser::Firefox => {
                fields.insert(
                    "browser_specific_settings".to_owned(),
                    json!({ "gecko": { "id": FIREFOX_ADDON_ID, "strict_min_version": "128.0" } }),
                );
            }
        }
    }
    manifest
}

/// The content script's loader, on compose sites, enabled sites and pairing pages.
pub const CONTENT_SCRIPT: &str = "content.js";
/// The look-alike detector, on every other page's top frame.
pub const DETECTOR_SCRIPT: &str = "detect.js";
/// The companion's pairing pages on loopback (any port: match patterns without a port
/// match every port), which need the content script's "pair this browser" button.
pub const PAIRING_PAGE_MATCHES: [&str; 2] = ["http://127.0.0.1/pair*", "http://localhost/pair*"];

/// Every compose site's hosts as match patterns.
fn compose_site_matches() -> Vec<String> {
    sites::all()
        .iter()
        .flat_map(|adapter| {
            adapter
                .host_patterns
                .iter()
                .map(|host| sites::match_pattern(host))
        })
        .collect()
}

/// The manifest's content scripts: one entry per compose site (`all_frames` where its
/// compose boxes can sit in subframes), the pairing pages, and the detector elsewhere.
/// Sites the person enabled get theirs from the service worker
/// (`scripting.registerContentScripts`).
fn content_scripts() -> Value {
    let mut entries: Vec<Value> = sites::all()
        .iter()
        .filter(|adapter| !adapter.host_patterns.is_empty())
        .map(|adapter| {
            let matches: Vec<String> = adapter
                .host_patterns
                .iter()
                .map(|host| sites::match_pattern(host))
                .collect();
            json!({
                "matches": matches,
                "js": [CONTENT_SCRIPT],
                "run_at": sites::CONTENT_SCRIPT_RUN_AT,
                "all_frames": adapter.subframes
            })
        })
        .collect();
    entries.push(json!({
        "matches": PAIRING_PAGE_MATCHES,
        "js": [CONTENT_SCRIPT],
        "run_at": sites::CONTENT_SCRIPT_RUN_AT,
        "all_frames": false
    }));
    entries.push(json!({
        "matches": ["http://*/*", "https://*/*"],
        "exclude_matches": compose_site_matches(),
        "js": [DETECTOR_SCRIPT],
        "run_at": "document_idle",
        "all_frames": false
    }));
    Value::Array(entries)
}

/// The look-alike detector, from the sites' DOM signatures: in a top frame, it looks for a
/// signature once when the page has loaded, then again each time focus moves in the page
/// (a web app that builds its compose form late is seen when the person clicks into it,
/// or when the form takes focus itself). It uses no timer, writes nothing anywhere, and
/// messages the service worker only when a signature shows, after which it stops
/// listening. Its whole cost on a page that matches nothing is the first look (issue 12:
/// timers re-entering the script cost more than the look itself).
pub fn detector_script() -> String {
    let signatures: Vec<Value> = sites::dom_signature_adapters()
        .iter()
        .map(|adapter| json!([adapter.id, adapter.dom_signatures.join(", ")]))
        .collect();
    let signatures = Value::Array(signatures).to_string();
    format!(
        "// Balise look-alike detector, generated by `cargo xtask build` from balise_core::sites.\n\
         // Reads the page, writes nothing; tells the extension only when a signature shows.\n\
         (() => {{\n\
         \x20 const signatures = {signatures};\n\
         \x20 const matched = () => {{\n\
         \x20   for (const [site, selector] of signatures) {{\n\
         \x20     if (document.querySelector(selector)) {{\n\
         \x20       try {{ chrome.runtime.sendMessage({{ type: \"looks-like\", site }}, () => void chrome.runtime.lastError); }} catch {{}}\n\
         \x20       return true;\n\
         \x20     }}\n\
         \x20   }}\n\
         \x20   return false;\n\
         \x20 }};\n\
         \x20 if (matched()) return;\n\
         \x20 const onFocus = () => {{\n\
         \x20   if (matched()) document.removeEventListener(\"focusin\", onFocus, true);\n\
         \x20 }};\n\
         \x20 document.addEventListener(\"focusin\", onFocus, true);\n\
         }})();\n"
    )
}

/// A standard-alphabet base64 decoder for the one constant above (no dependency needed).
pub(crate) mod base64_free {
    pub fn decode_base64(text: &str) -> Vec<u8> {
        let value = |c: u8| -> Option<u32> {
            match c {
                b'A'..=b'Z' => Some(u32::from(c - b'A')),
                b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
                b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
                b'+' => Some(62),
                b'/' => Some(63),
                _ => None,
            }
        };
        let mut out = Vec::with_capacity(text.len() * 3 / 4);
        let mut buffer = 0u32;
        let mut bits = 0;
        for sextet in text.bytes().filter_map(value) {
            buffer = (buffer << 6) | sextet;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((buffer >> bits) as u8);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_id_matches_the_one_chromium_derives_from_the_key() {
        // Computed independently with openssl: sha256 of the DER key, first 32 hex digits mapped 0-f to a-p.
        assert_eq!(chromium_extension_id(), "kaniddlkjgbdhfciogjcpokgklcannmp");
    }

    #[test]
    fn firefox_manifest_uses_background_scripts_and_a_gecko_id() {
        let manifest = manifest(Browser::Firefox, "1.2.3");
        assert_eq!(manifest["background"]["scripts"][0], "sw.js");
        assert_eq!(
            manifest["browser_specific_settings"]["gecko"]["id"],
            FIREFOX_ADDON_ID
        );
        assert!(manifest.get("key").is_none());
        assert_eq!(manifest["version"], "1.2.3");
    }

    #[test]
    fn content_scripts_run_on_compose_sites_and_pairing_pages_only() {
        let manifest = manifest(Browser::Chromium, "0.1.0");
        let entries = manifest["content_scripts"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let loader: Vec<&Value> = entries
            .iter()
            .filter(|entry| entry["js"][0] == CONTENT_SCRIPT)
            .collect();
        let mut loader_matches = Vec::new();
        for entry in &loader {
            for pattern in entry["matches"].as_array().cloned().unwrap_or_default() {
                let pattern = pattern.as_str().unwrap_or_default().to_owned();
                assert!(!pattern.starts_with("http://*/") && !pattern.starts_with("https://*/"));
                assert_ne!(pattern, "<all_urls>");
                loader_matches.push(pattern);
            }
        }
        for expected in [
            "*://x.com/*",
            "*://*.facebook.com/*",
            "*://mastodon.social/*",
        ] {
            assert!(loader_matches.iter().any(|p| p == expected), "{expected}");
        }
        for expected in PAIRING_PAGE_MATCHES {
            assert!(loader_matches.iter().any(|p| p == expected), "{expected}");
        }
        // Every frame only for the sites that use subframes.
        for adapter in sites::all().iter().filter(|a| !a.host_patterns.is_empty()) {
            let first = sites::match_pattern(adapter.host_patterns[0]);
            let entry = loader
                .iter()
                .find(|entry| entry["matches"][0] == first.as_str())
                .unwrap_or_else(|| panic!("no entry for {}", adapter.id));
            assert_eq!(entry["all_frames"], adapter.subframes, "{}", adapter.id);
        }
        let detector: Vec<&Value> = entries
            .iter()
            .filter(|entry| entry["js"][0] == DETECTOR_SCRIPT)
            .collect();
        assert_eq!(detector.len(), 1);
        assert_eq!(detector[0]["all_frames"], false);
        assert!(
            detector[0]["exclude_matches"]
                .as_array()
                .is_some_and(|list| list.iter().any(|p| p == "*://mastodon.social/*"))
        );
        let permissions = manifest["permissions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(permissions.iter().any(|p| p == "scripting"));
    }

    #[test]
    fn nothing_is_web_accessible() {
        for browser in Browser::ALL {
            let manifest = manifest(browser, "0.1.0");
            assert!(
                manifest.get("web_accessible_resources").is_none(),
                "{browser:?}"
            );
        }
    }

    #[test]
    fn the_detector_carries_the_signatures_and_writes_nothing() {
        let script = detector_script();
        assert!(script.contains("form.compose-form textarea"));
        assert!(script.contains("\"mastodon\""));
        // No timer: a page that matches nothing pays for one look only.
        assert!(!script.contains("setTimeout") && !script.contains("setInterval"));
        assert!(script.contains("focusin"));
        for write in [
            "setAttribute",
            "appendChild",
            "innerHTML",
            "dataset",
            "append(",
            "insert",
        ] {
            assert!(!script.contains(write), "{write}");
        }
    }

    #[test]
    fn chromium_manifest_allows_wasm_in_extension_pages_only() {
        let manifest = manifest(Browser::Chromium, "0.1.0");
        assert_eq!(manifest["background"]["service_worker"], "sw.js");
        let csp = manifest["content_security_policy"]["extension_pages"]
            .as_str()
            .unwrap_or_default();
        assert!(csp.contains("'wasm-unsafe-eval'"));
        assert!(!csp.contains("'unsafe-eval'"));
    }
}
