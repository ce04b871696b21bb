//! Messages exchanged between the extension's parts (content script, pages) and its service worker.

use serde::{Deserialize, Serialize};

/// A request sent with `chrome.runtime.sendMessage` to the service worker.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Request {
    /// Asks whether the service worker runs, and with which policy.
    Ping,
}

/// The service worker's answer to a [`Request`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Reply {
    /// The service worker runs this extension version with this policy.
    #[serde(rename_all = "camelCase")]
    Pong {
        version: String,
        organization: String,
        checklist_items: usize,
    },
    /// The request could not be handled.
    Error { message: String },
}
