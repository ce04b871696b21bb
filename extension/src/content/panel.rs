//! The checklist panel drawn beside one compose box: a top-level element with a closed
//! shadow root (the page cannot reach its controls; this struct keeps the only
//! references), positioned over the page, never inside the site's editor.
//!
//! The item elements are built once per policy and then only their attributes and texts
//! change, so typing costs little and focus in the panel survives updates.

use std::cell::{Cell, RefCell};

use balise_core::analysis::ItemStateKind;
use balise_core::checklist::{self, ChecklistView, FindingView};
use balise_core::i18n::Lang;
use balise_core::placement::{self, Rect};
use balise_core::policy::Policy;
use balise_core::text::fixed_decimals;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element, HtmlElement, HtmlInputElement, HtmlTextAreaElement};

use crate::dom::{add, append, closed_shadow_root, set_attributes};
use crate::ui_text as t;

/// Tag of the panel's host element.
pub const PANEL_TAG: &str = "balise-checklist";
/// Width of the open panel, in CSS pixels.
const PANEL_WIDTH: f64 = 300.0;
/// Stacking of panels: the panel of the box in use above the others.
const Z_INDEX: &str = "2147483644";
const ACTIVE_Z_INDEX: &str = "2147483645";

const STYLE: &str = "
:host { all: initial; }
section { box-sizing: border-box; width: 300px; font: 13px/1.4 system-ui, sans-serif; color: #1d1d1f; background: #fff; border: 1px solid #b8bcc4; border-radius: 10px; box-shadow: 0 4px 14px rgba(0,0,0,.18); display: flex; flex-direction: column; overflow: hidden; }
section[data-collapsed=true] { width: auto; }
header { display: flex; align-items: center; gap: 6px; padding: 6px 8px; background: #f3f5f8; border-bottom: 1px solid #dde1e6; }
section[data-collapsed=true] header { border-bottom: 0; }
.title { font-weight: 600; flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
button { font: inherit; cursor: pointer; }
.toggle { border: 1px solid #8a8f98; background: #fff; border-radius: 999px; padding: 2px 10px; }
.toggle[data-remaining='0'] { background: #e5f4ea; border-color: #1b7a3a; color: #14532d; }
.toggle:not([data-remaining='0']) { background: #fff4e0; border-color: #a15c00; color: #6b3d00; }
button:focus-visible, input:focus-visible, textarea:focus-visible { outline: 3px solid #f0a500; outline-offset: 1px; }
.body { overflow-y: auto; padding: 4px 8px 8px; }
.body[hidden] { display: none; }
ul.items { list-style: none; margin: 0; padding: 0; }
li.item { display: grid; grid-template-columns: 20px 1fr; gap: 2px 6px; padding: 5px 0; border-bottom: 1px solid #eef0f3; }
li.item:last-child { border-bottom: 0; }
.mark { width: 18px; height: 18px; border-radius: 50%; display: inline-grid; place-items: center; font-size: 12px; font-weight: 700; color: #fff; margin-top: 1px; }
li[data-state=ok] .mark { background: #1b7a3a; }
li[data-state=warn] .mark { background: #a15c00; }
li[data-state=fail] .mark { background: #b3261e; }
li[data-state=todo] .mark { background: #6b7280; }
li[data-state=ok] .mark::after { content: '✓'; }
li[data-state=warn] .mark::after { content: '!'; }
li[data-state=fail] .mark::after { content: '✕'; }
li[data-state=todo] .mark::after { content: '?'; }
.label { display: flex; gap: 6px; align-items: flex-start; }
.label input { margin: 2px 0 0; }
.state { grid-column: 2; font-size: 12px; color: #4b5563; }
.required { color: #b3261e; }
ul.findings { grid-column: 2; margin: 2px 0 0; padding-left: 16px; font-size: 12px; }
ul.findings:empty { display: none; }
.excerpt { font-family: ui-monospace, monospace; background: #f3f4f6; padding: 0 3px; border-radius: 3px; word-break: break-all; }
.place { color: #4b5563; }
.hold { margin: 6px 0 0; padding: 8px; border-radius: 6px; background: #fdecea; color: #7f1d1d; display: grid; gap: 6px; }
.hold[hidden] { display: none; }
.hold textarea { font: inherit; min-height: 48px; resize: vertical; border: 1px solid #8a8f98; border-radius: 6px; padding: 4px; }
.hold button { border: 0; border-radius: 6px; padding: 5px 10px; background: #7f1d1d; color: #fff; justify-self: start; }
.status { font-size: 12px; color: #1b7a3a; margin: 4px 0 0; }
.status:empty { display: none; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
";

/// One checklist item's elements.
struct ItemElements {
    id: String,
    li: Element,
    state: Element,
    findings: Element,
    checkbox: Option<HtmlInputElement>,
    /// The state shown now (`data-state`, "todo" when built), to touch the DOM only when
    /// it changes.
    state_shown: Cell<Option<ItemStateKind>>,
    /// What the findings list shows now, and each row's elements: only the rows that
    /// changed are written.
    shown: RefCell<Vec<FindingView>>,
    rows: RefCell<Vec<FindingRow>>,
}

/// One finding's row in the panel.
struct FindingRow {
    li: Element,
    /// Where it is ("caractères 12 à 24"), when it has a place.
    place: Option<Element>,
}

/// The panel of one compose box.
pub struct Panel {
    host: HtmlElement,
    section: Element,
    toggle: HtmlElement,
    title: Element,
    /// The title shown now.
    title_shown: RefCell<String>,
    body: HtmlElement,
    items: Vec<ItemElements>,
    hold: HtmlElement,
    hold_message: Element,
    override_reason: HtmlTextAreaElement,
    override_button: HtmlElement,
    status: Element,
    announcer: Element,
    lang: Lang,
    collapsed: Cell<bool>,
    remaining: Cell<Option<u32>>,
    /// Where the panel was put last (left, top, body's max height; `None`: hidden, its
    /// box out of view), to write only a new place.
    placed: RefCell<Option<[String; 3]>>,
}

impl Panel {
    /// Builds the panel for `policy` in `lang` and appends it to `container`, shown at the
    /// viewport's corner until placed (which happens before the next frame is painted). `box_id` ties it to its compose box (`data-balise-box`).
    pub fn new(
        document: &Document,
        container: &Element,
        policy: &Policy,
        lang: Lang,
        box_id: u32,
    ) -> Result<Panel, JsValue> {
        let host: HtmlElement = document.create_element(PANEL_TAG)?.unchecked_into();
        set_attributes(
            &host,
            &[
                ("data-balise-overlay", ""),
                ("data-balise-box", &box_id.to_string()),
            ],
        )?;
        let style = host.style();
        style.set_property("position", "fixed")?;
        style.set_property("z-index", Z_INDEX)?;
        style.set_property("left", "0px")?;
        style.set_property("top", "0px")?;
        let root = host.attach_shadow(&closed_shadow_root()?)?;
        add(document, &root, "style", Some(STYLE), &[])?;

        let section = add(
            document,
            &root,
            "section",
            None,
            &[
                ("role", "region"),
                ("aria-label", t::CHECKLIST_REGION.get(lang)),
                ("lang", lang.code()),
            ],
        )?;

        let header = add(document, &section, "header", None, &[])?;
        let title = add(document, &header, "span", None, &[("class", "title")])?;
        let toggle: HtmlElement = add(
            document,
            &header,
            "button",
            None,
            &[
                ("class", "toggle"),
                ("type", "button"),
                ("aria-expanded", "true"),
                ("data-balise-badge", ""),
            ],
        )?
        .unchecked_into();

        let body: HtmlElement = add(
            document,
            &section,
            "div",
            None,
            &[("class", "body"), ("id", "balise-checklist-body")],
        )?
        .unchecked_into();
        toggle.set_attribute("aria-controls", "balise-checklist-body")?;
        let list = add(document, &body, "ul", None, &[("class", "items")])?;
        let mut items = Vec::with_capacity(policy.items.len());
        for item in &policy.items {
            let li = add(
                document,
                &list,
                "li",
                None,
                &[
                    ("class", "item"),
                    ("data-item-id", &item.id),
                    ("data-state", "todo"),
                ],
            )?;
            add(
                document,
                &li,
                "span",
                None,
                &[("class", "mark"), ("aria-hidden", "true")],
            )?;
            let label = add(document, &li, "label", None, &[("class", "label")])?;
            let checkbox = if item.rule().is_none() {
                let input: HtmlInputElement = add(
                    document,
                    &label,
                    "input",
                    None,
                    &[("type", "checkbox"), ("data-confirm", &item.id)],
                )?
                .unchecked_into();
                Some(input)
            } else {
                None
            };
            add(document, &label, "span", Some(item.label.get(lang)), &[])?;
            if !item.help.get(lang).is_empty() {
                label.set_attribute("title", item.help.get(lang))?;
            }
            if item.required {
                add(
                    document,
                    &label,
                    "span",
                    Some("*"),
                    &[("class", "required"), ("aria-label", t::REQUIRED.get(lang))],
                )?;
            }
            let state = add(document, &li, "span", None, &[("class", "state")])?;
            let findings = add(document, &li, "ul", None, &[("class", "findings")])?;
            items.push(ItemElements {
                id: item.id.clone(),
                li,
                state,
                findings,
                checkbox,
                state_shown: Cell::new(Some(ItemStateKind::Todo)),
                shown: RefCell::new(Vec::new()),
                rows: RefCell::new(Vec::new()),
            });
        }

        let hold: HtmlElement = add(
            document,
            &body,
            "div",
            None,
            &[("class", "hold"), ("hidden", ""), ("data-balise-hold", "")],
        )?
        .unchecked_into();
        let hold_message = add(document, &hold, "p", None, &[("role", "alert")])?;
        let reason_label = add(
            document,
            &hold,
            "label",
            Some(t::OVERRIDE_REASON.get(lang)),
            &[],
        )?;
        let override_reason: HtmlTextAreaElement = add(
            document,
            &reason_label,
            "textarea",
            None,
            &[
                ("data-balise-override-reason", ""),
                ("style", "display:block;width:100%;box-sizing:border-box"),
            ],
        )?
        .unchecked_into();
        let override_button: HtmlElement = add(
            document,
            &hold,
            "button",
            Some(t::OVERRIDE.get(lang)),
            &[("type", "button"), ("data-balise-override", "")],
        )?
        .unchecked_into();

        let status = add(
            document,
            &body,
            "p",
            None,
            &[("class", "status"), ("data-balise-status", "")],
        )?;
        let announcer = add(
            document,
            &section,
            "p",
            None,
            &[("class", "sr"), ("aria-live", "polite")],
        )?;

        container.append_child(&host)?;
        Ok(Panel {
            host,
            section,
            toggle,
            title,
            title_shown: RefCell::new(String::new()),
            body,
            items,
            hold,
            hold_message,
            override_reason,
            override_button,
            status,
            announcer,
            lang,
            collapsed: Cell::new(false),
            remaining: Cell::new(None),
            placed: RefCell::new(None),
        })
    }

    /// The host element (`data-balise-overlay`).
    pub fn host(&self) -> &HtmlElement {
        &self.host
    }

    /// The panel's content, where its controls' events bubble.
    pub fn section(&self) -> &Element {
        &self.section
    }

    /// The badge button that collapses and expands the panel.
    pub fn toggle_button(&self) -> &HtmlElement {
        &self.toggle
    }

    /// The button that allows publishing with a written reason.
    pub fn override_button(&self) -> &HtmlElement {
        &self.override_button
    }

    /// The override reason typed so far.
    pub fn override_reason(&self) -> String {
        self.override_reason.value()
    }

    /// Shows `view`: states, findings, badge. Only what changed is written to the DOM
    /// (each write costs the page a style and layout pass of the panel).
    pub fn render(&self, view: &ChecklistView) -> Result<(), JsValue> {
        let lang = self.lang;
        if *self.title_shown.borrow() != view.title {
            self.title.set_text_content(Some(&view.title));
            *self.title_shown.borrow_mut() = view.title.clone();
        }
        if self.remaining.get() != Some(view.remaining) {
            self.toggle.set_text_content(Some(&view.badge));
            self.toggle
                .set_attribute("data-remaining", &view.remaining.to_string())?;
            self.host
                .set_attribute("data-remaining", &view.remaining.to_string())?;
            self.announcer.set_text_content(Some(&view.badge));
            self.remaining.set(Some(view.remaining));
            if view.remaining == 0 {
                self.show_hold(None)?;
            }
        }
        for (elements, item) in self.items.iter().zip(&view.items) {
            debug_assert_eq!(elements.id, item.id);
            if elements.state_shown.get() != Some(item.state) {
                elements
                    .li
                    .set_attribute("data-state", state_code(item.state))?;
                elements
                    .state
                    .set_text_content(Some(checklist::state_label(item.state, lang)));
                elements.state_shown.set(Some(item.state));
            }
            if let Some(checkbox) = &elements.checkbox
                && checkbox.checked() != item.confirmed
            {
                checkbox.set_checked(item.confirmed);
            }
            if *elements.shown.borrow() != item.findings {
                update_findings(
                    &elements.findings,
                    &mut elements.rows.borrow_mut(),
                    &elements.shown.borrow(),
                    &item.findings,
                )?;
                *elements.shown.borrow_mut() = item.findings.clone();
            }
        }
        Ok(())
    }

    /// Shows why publishing is held (`Some`), or hides the notice (`None`).
    pub fn show_hold(&self, message: Option<&str>) -> Result<(), JsValue> {
        match message {
            Some(message) => {
                self.set_collapsed(false)?;
                self.hold_message.set_text_content(Some(message));
                self.hold.remove_attribute("hidden")?;
                self.host.set_attribute("data-held", "true")?;
            }
            None => {
                self.hold.set_attribute("hidden", "")?;
                self.host.remove_attribute("data-held")?;
            }
        }
        Ok(())
    }

    /// Shows a short status line (attestation recorded, override accepted).
    pub fn set_status(&self, text: &str) {
        self.status.set_text_content(Some(text));
    }

    /// Collapses the panel to its badge, or opens it.
    pub fn set_collapsed(&self, collapsed: bool) -> Result<(), JsValue> {
        self.collapsed.set(collapsed);
        self.section
            .set_attribute("data-collapsed", if collapsed { "true" } else { "false" })?;
        self.toggle
            .set_attribute("aria-expanded", if collapsed { "false" } else { "true" })?;
        self.body.set_hidden(collapsed);
        self.host
            .set_attribute("data-collapsed", if collapsed { "true" } else { "false" })
    }

    /// Whether only the badge shows.
    pub fn is_collapsed(&self) -> bool {
        self.collapsed.get()
    }

    /// Places the panel beside the compose `area` (see [`placement::place`]); hides it
    /// when the area is not visible.
    pub fn place_beside(&self, area: Rect, viewport: (f64, f64)) -> Result<(), JsValue> {
        let panel_width = if self.collapsed.get() {
            f64::from(self.section.client_width().max(120))
        } else {
            PANEL_WIDTH
        };
        let placed = placement::place(area, panel_width, viewport).map(|placed| {
            [placed.left, placed.top, placed.max_height].map(|value| fixed_decimals(value, 0))
        });
        // Each write makes the browser compute the panel's style and layout again: only
        // a new place is written.
        if *self.placed.borrow() == placed {
            return Ok(());
        }
        match &placed {
            None => self.host.set_hidden(true),
            Some([left, top, max_height]) => {
                let style = self.host.style();
                style.set_property("left", &format!("{left}px"))?;
                style.set_property("top", &format!("{top}px"))?;
                self.body
                    .style()
                    .set_property("max-height", &format!("{max_height}px"))?;
                self.host.set_hidden(false);
            }
        }
        *self.placed.borrow_mut() = placed;
        Ok(())
    }

    /// Marks the panel of the box in use (above the others, open) or of another box
    /// (collapsed to its badge, below).
    pub fn set_active(&self, active: bool) -> Result<(), JsValue> {
        self.host
            .style()
            .set_property("z-index", if active { ACTIVE_Z_INDEX } else { Z_INDEX })?;
        self.host
            .set_attribute("data-active", if active { "true" } else { "false" })?;
        self.set_collapsed(!active)
    }

    /// Removes the panel from the page.
    pub fn remove(&self) {
        self.host.remove();
    }
}

/// Brings the findings `list` from `shown` (its `rows`) to `findings`, writing only the
/// rows that changed: a finding that only moved (text typed before it) gets its new place,
/// a different one a new row; rows are added or removed at the end.
fn update_findings(
    list: &Element,
    rows: &mut Vec<FindingRow>,
    shown: &[FindingView],
    findings: &[FindingView],
) -> Result<(), JsValue> {
    for (index, finding) in findings.iter().enumerate() {
        let Some(old) = shown.get(index) else {
            let row = finding_row(list, finding)?;
            list.append_child(&row.li)?;
            rows.push(row);
            continue;
        };
        if old == finding {
            continue;
        }
        let moved = old.message == finding.message
            && old.excerpt == finding.excerpt
            && old.severity == finding.severity
            && old.place.is_some() == finding.place.is_some()
            && old.start.is_some() == finding.start.is_some();
        let row = &mut rows[index];
        if moved {
            if let (Some(start), Some(end)) = (finding.start, finding.end) {
                row.li.set_attribute("data-start", &start.to_string())?;
                row.li.set_attribute("data-end", &end.to_string())?;
            }
            if let (Some(element), Some(place)) = (&row.place, &finding.place) {
                element.set_text_content(Some(&format!("({place})")));
            }
        } else {
            let new_row = finding_row(list, finding)?;
            row.li.replace_with_with_node_1(&new_row.li)?;
            *row = new_row;
        }
    }
    for row in rows.drain(findings.len().min(rows.len())..) {
        row.li.remove();
    }
    Ok(())
}

/// A new row for `finding` (not yet in `list`).
fn finding_row(list: &Element, finding: &FindingView) -> Result<FindingRow, JsValue> {
    let document = list
        .owner_document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let li = document.create_element("li")?;
    li.set_attribute("data-finding", "")?;
    li.set_attribute(
        "data-severity",
        match finding.severity {
            balise_core::analysis::Severity::Info => "info",
            balise_core::analysis::Severity::Warning => "warning",
            balise_core::analysis::Severity::Error => "error",
        },
    )?;
    if let (Some(start), Some(end)) = (finding.start, finding.end) {
        li.set_attribute("data-start", &start.to_string())?;
        li.set_attribute("data-end", &end.to_string())?;
    }
    append(&li, "span", Some(&finding.message))?;
    if !finding.excerpt.is_empty() {
        li.append_with_str_1(" ")?;
        let excerpt = append(&li, "span", Some(&finding.excerpt))?;
        excerpt.set_attribute("class", "excerpt")?;
    }
    let place = match &finding.place {
        Some(place) => {
            li.append_with_str_1(" ")?;
            let element = append(&li, "span", Some(&format!("({place})")))?;
            element.set_attribute("class", "place")?;
            Some(element)
        }
        None => None,
    };
    Ok(FindingRow { li, place })
}

/// The `data-state` value of a state.
pub fn state_code(state: ItemStateKind) -> &'static str {
    match state {
        ItemStateKind::Ok => "ok",
        ItemStateKind::Warn => "warn",
        ItemStateKind::Fail => "fail",
        ItemStateKind::Todo => "todo",
    }
}
