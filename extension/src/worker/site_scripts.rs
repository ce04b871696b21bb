//! Where the content script runs beyond the manifest's compose sites: the sites the person
//! enabled (registered with `scripting.registerContentScripts`, kept in sync with the
//! settings), and the look-alike pages the detector marks until the person answers, and
//! the look-alike hosts the person refused (in a database of the extension's origin, which
//! content scripts cannot open), no longer marked until the refusal is forgotten.

use std::cell::RefCell;

use balise_core::sites;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::browser;
use crate::idb::Database;
use crate::settings;

/// Id of the registered content script for the enabled sites.
const ENABLED_SITES_SCRIPT: &str = "balise-enabled-sites";
/// The content script's loader, as in the manifest.
const CONTENT_SCRIPT: &str = "content.js";
/// `chrome.storage.session` key of the tabs marked as look-alikes.
const LOOKALIKES_KEY: &str = "lookalikeTabs";
/// The badge on a marked tab's toolbar button.
const LOOKALIKE_BADGE: &str = "?";
const LOOKALIKE_BADGE_COLOR: &str = "#8a5a00";

/// The extension origin's database of refused look-alike hosts. Its own database rather
/// than a store of the outbox's, so that its life does not touch the outbox's versions.
const REFUSALS_DB: &str = "balise-sites";
const REFUSALS_DB_VERSION: u32 = 1;
/// One record per refused host, keyed by the host (`id`).
const REFUSALS_STORE: &str = "refusedLookalikes";

thread_local! {
    /// The synchronization under way, if any: the next one waits for it, so two never
    /// interleave their reads and writes of the registration.
    static SYNC_CHAIN: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// The registered content script for `extra_sites`: their match patterns (known sites
/// left out, the manifest covers them), every frame of those hosts, at the manifest's
/// [`balise_core::sites::CONTENT_SCRIPT_RUN_AT`].
/// `None` when no site is left.
#[derive(Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
struct Registration {
    id: &'static str,
    js: [&'static str; 1],
    matches: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exclude_matches: Vec<String>,
    all_frames: bool,
    run_at: &'static str,
    persist_across_sessions: bool,
}

fn registration(extra_sites: &[String]) -> Option<Registration> {
    let mut matches = Vec::new();
    let mut exclude_matches = Vec::new();
    for site in extra_sites {
        let host = site.strip_prefix("*.").unwrap_or(site);
        if !sites::adapter_for_host(host).is_generic() {
            continue;
        }
        let pattern = sites::match_pattern(site);
        if !matches.contains(&pattern) {
            matches.push(pattern);
        }
        // `*.example.org` is its subdomains only: the browser's pattern also takes the
        // parent, unless it is enabled in its own right.
        if let Some(parent) = sites::match_pattern_exclusion(site)
            && !extra_sites.iter().any(|other| other == host)
        {
            exclude_matches.push(parent);
        }
    }
    (!matches.is_empty()).then_some(Registration {
        id: ENABLED_SITES_SCRIPT,
        js: [CONTENT_SCRIPT],
        matches,
        exclude_matches,
        all_frames: true,
        run_at: sites::CONTENT_SCRIPT_RUN_AT,
        persist_across_sessions: true,
    })
}

/// Registers the content script for the enabled sites in the settings as they are now
/// (or unregisters it when there are none). Runs after any other sync under way.
pub async fn sync() -> Result<(), JsValue> {
    let mut release = None;
    let mine = js_sys::Promise::new(&mut |resolve, _reject| release = Some(resolve));
    let previous = SYNC_CHAIN.with(|chain| chain.borrow_mut().replace(mine.clone()));
    if let Some(previous) = previous {
        let _ = JsFuture::from(previous).await;
    }
    let result = sync_now().await;
    if let Some(release) = release {
        let _ = release.call0(&JsValue::UNDEFINED);
    }
    SYNC_CHAIN.with(|chain| {
        let mut chain = chain.borrow_mut();
        if chain
            .as_ref()
            .is_some_and(|last| JsValue::from(last.clone()) == JsValue::from(mine.clone()))
        {
            *chain = None;
        }
    });
    result
}

async fn sync_now() -> Result<(), JsValue> {
    let settings = settings::load().await;
    let registered = browser::registered_content_scripts()
        .await?
        .iter()
        .any(|id| id == ENABLED_SITES_SCRIPT);
    match registration(&settings.extra_sites) {
        Some(script) => {
            let scripts: js_sys::Array = std::iter::once(browser::to_js(&script)?).collect();
            browser::register_content_scripts(&scripts, registered).await
        }
        None if registered => browser::unregister_content_scripts(&[ENABLED_SITES_SCRIPT]).await,
        None => Ok(()),
    }
}

/// A tab the detector marked: the host it saw the signature on, and the site's name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Lookalike {
    pub tab_id: i32,
    pub host: String,
    pub site: String,
}

async fn lookalikes() -> Vec<Lookalike> {
    browser::session_get::<Vec<Lookalike>>(LOOKALIKES_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The host part of `url` (lowercase, without port), if it is an http(s) address.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    let host = match authority.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => authority,
    };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// Marks tab `tab_id`, showing `url`, as looking like the site `site_id` — unless its
/// host is a known or enabled site (the content script runs there already) or one the
/// person refused.
pub async fn mark(tab_id: i32, url: &str, site_id: &str) -> Result<(), JsValue> {
    let Some(host) = host_of(url) else {
        return Ok(());
    };
    let Some(adapter) = sites::by_id(site_id).filter(|adapter| !adapter.dom_signatures.is_empty())
    else {
        return Err(JsValue::from_str("no such look-alike site"));
    };
    let settings = settings::load().await;
    if sites::is_checklist_site(&host, &settings.extra_sites) || is_refused(&host).await {
        return Ok(());
    }
    let mut marked = lookalikes().await;
    marked.retain(|entry| entry.tab_id != tab_id);
    marked.push(Lookalike {
        tab_id,
        host,
        site: adapter.name.to_owned(),
    });
    browser::session_set(LOOKALIKES_KEY, &marked).await?;
    browser::set_tab_badge(tab_id, LOOKALIKE_BADGE, LOOKALIKE_BADGE_COLOR).await
}

/// The look-alike mark of tab `tab_id` showing `url`, if it was marked on that same host
/// (a tab that went elsewhere since is no longer one).
pub async fn marked(tab_id: i32, url: &str) -> Option<Lookalike> {
    let host = host_of(url)?;
    lookalikes()
        .await
        .into_iter()
        .find(|entry| entry.tab_id == tab_id && entry.host == host)
}

/// A look-alike host the person refused: not marked, not asked about, nothing injected,
/// until the refusal is forgotten in the options.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RefusedSite {
    /// The host (the record's key in its store).
    #[serde(rename = "id")]
    pub host: String,
    /// The name of the site it looked like.
    pub site: String,
    /// When the person said no (milliseconds since the epoch).
    pub refused_at: f64,
}

async fn refusals() -> Result<Database, JsValue> {
    Database::open(REFUSALS_DB, REFUSALS_DB_VERSION, &[REFUSALS_STORE]).await
}

/// The refused look-alike hosts, oldest refusal first.
pub async fn refused_sites() -> Result<Vec<RefusedSite>, JsValue> {
    let mut sites: Vec<RefusedSite> = refusals()
        .await?
        .get_all(REFUSALS_STORE)
        .await?
        .into_iter()
        .filter_map(|value| serde_wasm_bindgen::from_value(value).ok())
        .collect();
    sites.sort_by(|a, b| a.refused_at.total_cmp(&b.refused_at));
    Ok(sites)
}

/// Whether the person refused look-alike host `host`. An unreadable database counts as no
/// refusal: the question is asked again rather than the checklist silently withheld.
async fn is_refused(host: &str) -> bool {
    match refusals().await {
        Ok(db) => matches!(db.get(REFUSALS_STORE, host).await, Ok(Some(_))),
        Err(_) => false,
    }
}

/// The person said no for tab `tab_id` showing `url`, a marked look-alike: its host is
/// remembered as refused, the mark and the badge go.
pub async fn decline(tab_id: i32, url: &str) -> Result<String, JsValue> {
    let entry = marked(tab_id, url)
        .await
        .ok_or_else(|| JsValue::from_str("this tab is not a look-alike waiting for an answer"))?;
    let refused = RefusedSite {
        host: entry.host.clone(),
        site: entry.site,
        refused_at: js_sys::Date::now(),
    };
    refusals()
        .await?
        .put(REFUSALS_STORE, &browser::to_js(&refused)?)
        .await?;
    unmark(tab_id).await?;
    Ok(entry.host)
}

/// Forgets the refusal of `host`: its next visit is marked and asked about again.
pub async fn forget_refusal(host: &str) -> Result<(), JsValue> {
    refusals().await?.delete(REFUSALS_STORE, host).await
}

/// Takes tab `tab_id`'s look-alike mark and badge away.
async fn unmark(tab_id: i32) -> Result<(), JsValue> {
    let mut marked = lookalikes().await;
    marked.retain(|entry| entry.tab_id != tab_id);
    browser::session_set(LOOKALIKES_KEY, &marked).await?;
    let _ = browser::set_tab_badge(tab_id, "", "").await;
    Ok(())
}

/// The person said yes for tab `tab_id` showing `url`: its host becomes an enabled site,
/// the registration follows, and the content script starts in the tab now.
pub async fn enable(tab_id: i32, url: &str) -> Result<String, JsValue> {
    let host = host_of(url).ok_or_else(|| JsValue::from_str("this tab shows no web page"))?;
    let host = sites::parse_site_pattern(&host)
        .map_err(|error| JsValue::from_str(&error.message(&host).en))?;
    let mut current = settings::load().await;
    if !current.extra_sites.contains(&host) {
        current.extra_sites.push(host.clone());
        settings::save(&current).await?;
    }
    sync().await?;
    unmark(tab_id).await?;
    browser::execute_script_file(tab_id, CONTENT_SCRIPT).await?;
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_sites_become_one_registration() {
        assert_eq!(registration(&[]), None);
        let sites = vec![
            "forum.example.org".to_owned(),
            "*.example.net".to_owned(),
            "x.com".to_owned(),
            "127.0.0.1".to_owned(),
        ];
        let script = registration(&sites).expect("a registration");
        assert_eq!(
            script.matches,
            [
                "*://forum.example.org/*",
                "*://*.example.net/*",
                "*://127.0.0.1/*"
            ]
        );
        assert_eq!(script.exclude_matches, ["*://example.net/*"]);
        assert!(script.all_frames);
        assert_eq!(script.js, ["content.js"]);
        // A known site alone: the manifest covers it.
        assert_eq!(registration(&["x.com".to_owned()]), None);
    }

    #[test]
    fn a_parent_enabled_in_its_own_right_is_not_excluded() {
        let sites = vec!["*.example.net".to_owned(), "example.net".to_owned()];
        let script = registration(&sites).expect("a registration");
        assert!(script.exclude_matches.is_empty());
    }

    #[test]
    fn hosts_of_addresses() {
        assert_eq!(
            host_of("https://Social.Example.org:8443/home?x#y").as_deref(),
            Some("social.example.org")
        );
        assert_eq!(
            host_of("http://127.0.0.1:7878/pair").as_deref(),
            Some("127.0.0.1")
        );
        assert_eq!(host_of("chrome-extension://abc/popup.html"), None);
        assert_eq!(host_of("https:///x"), None);
    }
}
