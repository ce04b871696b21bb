//! The extension's `manifest.json` for each browser, and the extension ID that follows from its key.

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
        "permissions": ["storage", "alarms", "contextMenus", "activeTab"],
        "host_permissions": ["<all_urls>"],
        "content_scripts": [{
            "matches": ["http://*/*", "https://*/*"],
            "js": ["content.js"],
            "run_at": "document_idle",
            "all_frames": true
        }],
        "web_accessible_resources": [{
            "resources": ["pkg/content/*", "pkg-js/*", "default-policy.json"],
            "matches": ["http://*/*", "https://*/*"]
        }],
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

/// A standard-alphabet base64 decoder for the one constant above (no dependency needed).
mod base64_free {
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
