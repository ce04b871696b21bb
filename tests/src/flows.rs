//! What a person does in the browser, as steps the end-to-end tests share.

use anyhow::{Context, Result, bail};
use fantoccini::Locator;

use crate::browser::{Browser, WELCOME_PAGE};
use crate::companion::CompanionProcess;
use crate::{WAIT, eventually};

/// Fills the options form (companion address, reporter name and email) and saves it.
pub async fn save_options(
    browser: &Browser,
    companion_url: &str,
    name: &str,
    email: &str,
) -> Result<()> {
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    fill_fields(
        browser,
        &[
            ("#companion-url", companion_url),
            ("#reporter-name", name),
            ("#reporter-email", email),
        ],
    )
    .await?;
    browser.click("#settings button[type=submit]").await?;
    eventually(WAIT, "the options to be saved", || async {
        let text = browser.text("#save-status").await?;
        Ok((!text.is_empty()).then_some(()))
    })
    .await
}

/// Pairs the extension as a person would: "Pair" in the options, then "Approve" on the
/// companion's pairing page after checking the code is the same on both sides. A pairing
/// that does not complete fails the test: it is never tried a second time.
pub async fn pair(browser: &Browser, companion: &CompanionProcess) -> Result<()> {
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    let code = ask_to_pair(browser).await?;
    approve_on_pairing_page(browser, companion, &code).await?;
    browser.open_extension_page("options.html").await?;
    eventually(PAIRING_WAIT, "the options page to say paired", || async {
        Ok((pairing_state(browser).await?.as_deref() == Some("paired")).then_some(()))
    })
    .await
}

/// Clicks "Pair" on the extension's page in the current tab (options or welcome page) and
/// returns the code of the request it shows.
async fn ask_to_pair(browser: &Browser) -> Result<String> {
    browser.click("#pair-button").await?;
    browser
        .wait_for_attribute("#pairing-status", "data-state", "pending")
        .await?;
    let status = browser.text("#pairing-status").await?;
    Ok(status
        .rsplit(' ')
        .next()
        .context("no pairing code shown")?
        .to_owned())
}

/// On the companion's pairing page (in the current tab), "Approve" on the request whose
/// code is `code`, after checking the page shows it.
async fn approve_on_pairing_page(
    browser: &Browser,
    companion: &CompanionProcess,
    code: &str,
) -> Result<()> {
    let what = format!("the code {code} on the companion's pairing page");
    eventually(WAIT, &what, || async {
        open_dashboard(browser, companion, "/pair").await?;
        let text = browser
            .eval(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await?;
        let text = text.as_str().unwrap_or_default();
        if text.contains(code) {
            return Ok(Some(()));
        }
        bail!(
            "the pairing page shows: {}",
            text.chars().take(600).collect::<String>()
        )
    })
    .await?;
    // The extension's content script updates the page's pairing section and marks this
    // browser's request, which moves the table: click only once the page has settled, or
    // the click lands where the button was.
    let state =
        pairing_section_state(browser, &["ready", "pending", "paired", "paired-elsewhere"]).await?;
    if state == "pending" {
        eventually(WAIT, "this browser's request to be marked", || async {
            Ok(browser
                .client()
                .find(Locator::Css("tr[data-balise-this-browser]"))
                .await
                .ok()
                .map(|_| ()))
        })
        .await?;
    }
    let approve = browser
        .client()
        .find(Locator::Css(&format!(
            "tr[data-code='{code}'] button.approve"
        )))
        .await
        .with_context(|| format!("no Approve button for the request {code}"))?;
    approve_and_wait(browser, approve).await
}

/// Opens the welcome page in the current tab and waits until it shows where the person
/// stands (`#welcome-progress` has its `data-state`); returns that state.
pub async fn open_welcome_page(browser: &Browser) -> Result<String> {
    browser.open_extension_page(WELCOME_PAGE).await?;
    welcome_state(browser).await
}

/// The welcome page's state in the current tab (`ready` or `incomplete`), once shown.
pub async fn welcome_state(browser: &Browser) -> Result<String> {
    eventually(WAIT, "the welcome page's summary", || async {
        let Ok(section) = browser
            .client()
            .find(Locator::Css("#welcome-progress"))
            .await
        else {
            return Ok(None);
        };
        Ok(section.attr("data-state").await?)
    })
    .await
}

/// On the welcome page in the current tab: types the name and email, picks the role
/// (`member` or `manager`) and the companion's address, then "Save".
pub async fn fill_welcome_page(
    browser: &Browser,
    companion_url: &str,
    name: &str,
    email: &str,
    role: &str,
) -> Result<()> {
    fill_fields(
        browser,
        &[
            ("#reporter-name", name),
            ("#reporter-email", email),
            ("#companion-url", companion_url),
        ],
    )
    .await?;
    browser
        .client()
        .find(Locator::Css(&format!("#role option[value='{role}']")))
        .await
        .with_context(|| format!("no role {role:?} to pick"))?
        .click()
        .await?;
    browser.click("#settings button[type=submit]").await?;
    browser
        .wait_for_attribute("#save-status", "data-state", "saved")
        .await
}

/// Pairs from the welcome page in the current tab: "Pair" there, "Approve" on the
/// companion's pairing page (in this tab), then back to the welcome page until it says
/// paired. Returns the welcome page's state then (`ready` once the identity is saved too).
pub async fn pair_from_welcome_page(
    browser: &Browser,
    companion: &CompanionProcess,
) -> Result<String> {
    let code = ask_to_pair(browser).await?;
    approve_on_pairing_page(browser, companion, &code).await?;
    open_welcome_page(browser).await?;
    browser
        .wait_for_attribute_within(PAIRING_WAIT, "#pairing-status", "data-state", "paired")
        .await?;
    welcome_state(browser).await
}

/// Clicks a request's "Approve" button on the companion's pairing page and waits for the
/// companion's answer: navigating away at once can cancel the approval's form post.
async fn approve_and_wait(browser: &Browser, approve: fantoccini::elements::Element) -> Result<()> {
    approve.click().await?;
    let confirmed = eventually(WAIT, "the companion to confirm the approval", || async {
        let url = browser.client().current_url().await?;
        Ok(url.as_str().contains("done=approved").then_some(()))
    })
    .await;
    if let Err(error) = confirmed {
        // Say where the browser stands, for whoever reads the failure.
        let url = browser.client().current_url().await?;
        let text = browser
            .eval(
                "return document.body ? document.body.innerText : ''",
                vec![],
            )
            .await?;
        let text: String = text
            .as_str()
            .unwrap_or_default()
            .chars()
            .take(600)
            .collect();
        bail!("{error}; the browser is at {url}: {text}");
    }
    Ok(())
}

/// Pairs from the companion's own pairing page: "Pair this browser" there (the button the
/// content script enables); when the options name another companion (the default
/// address, for one), the change confirmed in the options page, which shows both
/// addresses; then "Approve" on the pending request the content script marks as this
/// browser's, after checking its code. Returns the code.
pub async fn pair_from_companion_page(
    browser: &Browser,
    companion: &CompanionProcess,
) -> Result<String> {
    open_dashboard(browser, companion, "/pair").await?;
    let state = pairing_section_state(browser, &["ready", "paired-elsewhere"]).await?;
    browser.click("#balise-pair-start").await?;
    let asked = pairing_section_state(browser, &["pending", "confirm"])
        .await
        .with_context(|| format!("after the click (the section said {state})"))?;
    if asked == "confirm" {
        close_opened_options_tab(browser).await?;
        confirm_companion_change(browser, &companion.base_url).await?;
        open_dashboard(browser, companion, "/pair").await?;
        pairing_section_state(browser, &["pending"])
            .await
            .context("after the change of companion was confirmed")?;
    }
    let code = browser.text("[data-balise-pair-detail]").await?;
    let row = browser
        .client()
        .find(Locator::Css("tr[data-balise-this-browser]"))
        .await
        .context("no pending request is marked as this browser's")?;
    let row_code = row.attr("data-code").await?;
    if row_code.as_deref() != Some(code.trim()) {
        bail!("the marked request has code {row_code:?}, the extension shows {code:?}");
    }
    approve_and_wait(browser, row.find(Locator::Css("button.approve")).await?).await?;
    pairing_section_state(browser, &["paired"]).await?;
    Ok(code.trim().to_owned())
}

/// Closes the options tab the extension opened (beside the current one) for a change of
/// companion, which became the browser's active tab: the test confirms in its own tab, and
/// reports capture the active tab.
pub async fn close_opened_options_tab(browser: &Browser) -> Result<()> {
    let tab = eventually(WAIT, "the options page the extension opened", || async {
        Ok(browser
            .extension_tabs("options.html")
            .await?
            .into_iter()
            .next())
    })
    .await?;
    browser.close_welcome_tab(tab).await
}

/// In the options page, checks that the change of companion waiting for confirmation is to
/// `proposed`, and confirms it (which asks that companion to pair).
pub async fn confirm_companion_change(browser: &Browser, proposed: &str) -> Result<()> {
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#companion-change", "data-state", "asked")
        .await?;
    let shown = browser.text("#companion-change-proposed").await?;
    if shown != proposed {
        bail!("the options page proposes {shown:?}, not {proposed:?}");
    }
    browser.click("#companion-change-confirm").await?;
    browser
        .wait_for_attribute("#companion-change", "data-state", "none")
        .await?;
    browser
        .wait_for_attribute("#pairing-status", "data-state", "pending")
        .await
}

/// Waits until the companion page's pairing section (`#balise-pair`) is in one of `states`;
/// returns it.
pub async fn pairing_section_state(browser: &Browser, states: &[&str]) -> Result<String> {
    eventually(
        PAIRING_WAIT,
        &format!("the pairing section to say {states:?}"),
        || async {
            let Ok(section) = browser.client().find(Locator::Css("#balise-pair")).await else {
                return Ok(None);
            };
            let state = section.attr("data-state").await?;
            if state.as_deref() == Some("error") {
                bail!(
                    "the pairing section shows an error: {}",
                    section.text().await?
                );
            }
            Ok(state.filter(|state| states.contains(&state.as_str())))
        },
    )
    .await
}

/// The options page's pairing state: `unpaired`, `pending` or `paired` (absent until shown).
async fn pairing_state(browser: &Browser) -> Result<Option<String>> {
    Ok(browser
        .client()
        .find(Locator::Css("#pairing-status"))
        .await?
        .attr("data-state")
        .await?)
}

/// Pairing completes at the extension's next look at the companion (every 2 s while the
/// options page is open); allow for a slow one.
const PAIRING_WAIT: std::time::Duration = std::time::Duration::from_secs(40);

/// Clicks the page's "Signaler" button (a real, trusted click).
pub async fn click_report_button(browser: &Browser) -> Result<()> {
    // The content script adds the button once its wasm has started.
    eventually(WAIT, "the report button", || async {
        Ok(browser
            .click_in_shadow("balise-report", "button.report")
            .await
            .ok())
    })
    .await
}

/// Waits until the content script has added the page's report button.
pub async fn wait_for_report_button(browser: &Browser) -> Result<()> {
    report_button(browser).await.map(|_| ())
}

/// The page's report button (inside its host's shadow root), once the content script has
/// added it.
pub async fn report_button(browser: &Browser) -> Result<fantoccini::elements::Element> {
    eventually(WAIT, "the report button", || async {
        let Ok(host) = browser.client().find(Locator::Css("balise-report")).await else {
            return Ok(None);
        };
        Ok(host
            .shadow_root()
            .await?
            .find(Locator::Css("button.report"))
            .await
            .ok())
    })
    .await
}

/// Waits until the page's report status says `state` (`stored`, `waiting`, `error`).
pub async fn wait_report_status(browser: &Browser, state: &str) -> Result<()> {
    browser
        .wait_for_shadow_attribute("balise-report", ".status", "data-state", state)
        .await
}

/// Reads one attribute of the page's report card (`data-report-id`, `data-elapsed-ms`…).
pub async fn report_card_attribute(browser: &Browser, name: &str) -> Result<Option<String>> {
    let host = browser.client().find(Locator::Css("balise-report")).await?;
    let card = host
        .shadow_root()
        .await?
        .find(Locator::Css(".card"))
        .await?;
    Ok(card.attr(name).await?)
}

/// How a benchmark presses the report button.
#[derive(Debug, Clone, Copy)]
pub enum Press {
    /// WebDriver's element click: pointer down and up at once.
    Click,
    /// The pointer held down this long before it is released, as a person's click is
    /// (typically 50 to 150 ms).
    Held(std::time::Duration),
}

/// Presses the in-page report button as `press` says.
pub async fn press_report_button(browser: &Browser, press: Press) -> Result<()> {
    let Press::Held(hold) = press else {
        return click_report_button(browser).await;
    };
    use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
    let button = report_button(browser).await?;
    let actions = MouseActions::new("report-press".to_owned())
        .then(PointerAction::MoveToElement {
            element: button,
            duration: None,
            x: 0.0,
            y: 0.0,
        })
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Pause { duration: hold })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    browser.client().perform_actions(actions).await?;
    Ok(())
}

/// Reports the current page `clicks` times with the in-page button, pressed as `press`
/// says, each once the last is stored (and 600 ms apart, under the browser's capture rate
/// limit, so each click measures one capture). Returns, per click, the card's `timings`
/// attributes in milliseconds, in order. Checks that the companion stored one report per
/// click and that no screenshot shows Balise's own button: faster must not mean worse
/// evidence.
pub async fn timed_report_clicks(
    browser: &Browser,
    api: &crate::companion::CompanionApi,
    clicks: usize,
    press: Press,
    timings: &[&str],
) -> Result<Vec<Vec<f64>>> {
    let stored_before = api.reports().await?.len();
    let mut measured = Vec::with_capacity(clicks);
    let mut previous_id = None;
    for _ in 0..clicks {
        press_report_button(browser, press).await?;
        let id = eventually(WAIT, "the report's receipt", || async {
            let id = report_card_attribute(browser, "data-report-id").await?;
            Ok(id.filter(|id| Some(id) != previous_id.as_ref()))
        })
        .await?;
        wait_report_status(browser, "stored").await?;
        let mut times = Vec::with_capacity(timings.len());
        for attribute in timings {
            times.push(
                report_card_attribute(browser, attribute)
                    .await?
                    .with_context(|| format!("no {attribute} on the report card"))?
                    .parse()?,
            );
        }
        measured.push(times);
        previous_id = Some(id);
        tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    }
    let reports = api.reports().await?;
    anyhow::ensure!(
        reports.len() == stored_before + clicks,
        "{} reports stored for {clicks} clicks ({stored_before} before them)",
        reports.len()
    );
    for report in &reports {
        let id = report["id"]
            .as_str()
            .context("a stored report without id")?;
        crate::screenshots::check_report_target_evidence(&api.screenshot(id).await?)
            .with_context(|| format!("report {id}"))?;
    }
    Ok(measured)
}

/// Adds `hosts` as the extra sites where the checklist shows, in the options, and saves.
pub async fn save_extra_sites(browser: &Browser, hosts: &[&str]) -> Result<()> {
    browser.open_extension_page("options.html").await?;
    browser
        .wait_for_attribute("#sw-status", "data-state", "ok")
        .await?;
    let field = browser.client().find(Locator::Css("#extra-sites")).await?;
    field.clear().await?;
    field.send_keys(&hosts.join("\n")).await?;
    browser.click("#settings button[type=submit]").await?;
    browser
        .wait_for_attribute("#save-status", "data-state", "saved")
        .await
}

/// Waits for a checklist panel with its first analysis drawn, and returns its host element
/// (the first one in the page).
pub async fn wait_for_panel(browser: &Browser) -> Result<fantoccini::elements::Element> {
    eventually(WAIT, "the checklist panel", || async {
        Ok(browser
            .client()
            .find(Locator::Css("balise-checklist[data-remaining]"))
            .await
            .ok())
    })
    .await
}

/// Writes `reason` in a held panel (its host element `panel`) and allows the publication.
pub async fn allow_with_reason(panel: &fantoccini::elements::Element, reason: &str) -> Result<()> {
    let shadow = panel.shadow_root().await?;
    let field = shadow
        .find(Locator::Css("[data-balise-override-reason]"))
        .await?;
    crate::browser::type_into(&field, reason).await?;
    shadow
        .find(Locator::Css("[data-balise-override]"))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Opens one of the companion's dashboard pages (`path`, such as `/` or `/reports/{id}`) in
/// the browser, as the manager: signed in first with a fresh one-time link if the page asks
/// for it.
pub async fn open_dashboard(
    browser: &Browser,
    companion: &CompanionProcess,
    path: &str,
) -> Result<()> {
    let url = format!("{}{path}", companion.base_url);
    browser.goto(&url).await?;
    if browser
        .client()
        .find(Locator::Css("[data-signin-help]"))
        .await
        .is_err()
    {
        return Ok(());
    }
    browser.goto(&companion.sign_in_url()?).await?;
    browser.goto(&url).await?;
    if browser
        .client()
        .find(Locator::Css("[data-signin-help]"))
        .await
        .is_ok()
    {
        bail!("the dashboard still asks to sign in after the sign-in link");
    }
    Ok(())
}

/// Replaces the text of each input (a CSS selector) in the current page with its value,
/// typed as a person would.
async fn fill_fields(browser: &Browser, fields: &[(&str, &str)]) -> Result<()> {
    for (field, value) in fields {
        let input = browser.client().find(Locator::Css(field)).await?;
        input.clear().await?;
        input.send_keys(value).await?;
    }
    Ok(())
}
