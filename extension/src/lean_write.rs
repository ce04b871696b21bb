//! A small JSON writer for every value the content script sends (its requests to the
//! service worker, its answers to the worker's tab messages, `analyze_json`'s analysis),
//! in place of the derived `Serialize` and `serde_wasm_bindgen`'s serializer with its
//! string cache (about 1.8 KB gzipped of the content module). The text is turned into a
//! JavaScript object by the browser's `JSON.parse` ([`crate::browser::parse_json`]).
//! The field names, their order and the values are those of the serde forms: unit tests
//! compare the writer's output with `serde_json`'s serialization of each type. Numbers
//! are integers or values already rounded to two decimals, written without Rust's float
//! formatting.

use balise_core::analysis::{Analysis, Finding, FindingKind, ItemState, ItemStateKind, Severity};
use balise_core::report::{AttestationV1, Viewport};

use crate::content::ContentState;
use crate::messages::{PageSnapshot, Request};

/// JSON text being written: values, arrays and objects, commas put where they go.
#[derive(Debug, Default)]
pub(crate) struct Json {
    out: String,
    /// Whether a value was just written (the next value or key needs a comma first).
    comma: bool,
}

impl Json {
    /// The text written.
    pub(crate) fn finish(self) -> String {
        self.out
    }

    fn separate(&mut self) {
        if self.comma {
            self.out.push(',');
        }
        self.comma = false;
    }

    /// Opens an object (`{`) or an array (`[`).
    fn open(&mut self, bracket: char) {
        self.separate();
        self.out.push(bracket);
    }

    /// Closes an object (`}`) or an array (`]`).
    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.comma = true;
    }

    /// An object's key; its value comes next.
    fn key(&mut self, key: &str) {
        self.str(key);
        self.out.push(':');
        self.comma = false;
    }

    fn str(&mut self, text: &str) {
        self.separate();
        self.out.push('"');
        for c in text.chars() {
            match c {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                c if c < ' ' => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    let code = c as usize;
                    self.out.push_str("\\u00");
                    self.out.push(char::from(HEX[code >> 4]));
                    self.out.push(char::from(HEX[code & 15]));
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
        self.comma = true;
    }

    fn u32(&mut self, value: u32) {
        self.separate();
        balise_core::text::push_digits(&mut self.out, u64::from(value), 1);
        self.comma = true;
    }

    /// `value` rounded to two decimals and written with them (the content state's
    /// milliseconds are already rounded: `k / 100.0` and the text of `k/100` are the same
    /// `f64`). Values beyond
    /// ±2^53 hundredths, or not finite, are clamped as [`balise_core::text::fixed_decimals`]
    /// clamps them.
    fn hundredths(&mut self, value: f64) {
        self.separate();
        // `as` saturates; NaN becomes 0.
        let scaled = (value * 100.0).round() as i64;
        if scaled < 0 {
            self.out.push('-');
        }
        let magnitude = scaled.unsigned_abs();
        balise_core::text::push_digits(&mut self.out, magnitude / 100, 1);
        let fraction = magnitude % 100;
        self.out.push('.');
        self.out.push(char::from(b'0' + (fraction / 10) as u8));
        self.out.push(char::from(b'0' + (fraction % 10) as u8));
        self.comma = true;
    }

    fn bool(&mut self, value: bool) {
        self.separate();
        self.out.push_str(if value { "true" } else { "false" });
        self.comma = true;
    }

    fn null(&mut self) {
        self.separate();
        self.out.push_str("null");
        self.comma = true;
    }

    fn opt_str(&mut self, value: Option<&str>) {
        match value {
            Some(text) => self.str(text),
            None => self.null(),
        }
    }

    fn opt_u32(&mut self, value: Option<u32>) {
        match value {
            Some(number) => self.u32(number),
            None => self.null(),
        }
    }

    fn opt_hundredths(&mut self, value: Option<f64>) {
        match value {
            Some(number) => self.hundredths(number),
            None => self.null(),
        }
    }

    fn viewport(&mut self, viewport: Option<&Viewport>) {
        match viewport {
            Some(viewport) => {
                self.open('{');
                self.key("width");
                self.u32(viewport.width);
                self.key("height");
                self.u32(viewport.height);
                self.close('}');
            }
            None => self.null(),
        }
    }
}

/// A request the content script sends to the service worker, as JSON text; `None` for the
/// requests only the extension's pages send (the content script never builds them).
pub(crate) fn request(request: &Request) -> Option<String> {
    let mut json = Json::default();
    json.open('{');
    json.key("type");
    match request {
        Request::Ping => json.str("ping"),
        Request::ReportPage {
            selected_text,
            viewport,
            overlays_hidden,
            press,
        } => {
            json.str("report-page");
            json.key("selectedText");
            json.opt_str(selected_text.as_deref());
            json.key("viewport");
            json.viewport(viewport.as_ref());
            json.key("overlaysHidden");
            json.bool(*overlays_hidden);
            if let Some(press) = press {
                json.key("press");
                json.str(press);
            }
        }
        Request::CaptureAtPress { press } | Request::DiscardPress { press } => {
            json.str(if matches!(request, Request::CaptureAtPress { .. }) {
                "capture-at-press"
            } else {
                "discard-press"
            });
            json.key("press");
            json.str(press);
        }
        Request::Annotate { id, category, note } => {
            json.str("annotate");
            json.key("id");
            json.str(id);
            json.key("category");
            json.opt_str(category.map(|category| category.as_str()));
            json.key("note");
            json.opt_str(note.as_deref());
        }
        Request::StartPairing => json.str("start-pairing"),
        Request::GetPairing => json.str("get-pairing"),
        Request::OpenWelcome => json.str("open-welcome"),
        Request::GetPolicy => json.str("get-policy"),
        Request::RecordAttestation { attestation } => {
            json.str("record-attestation");
            json.key("attestation");
            write_attestation(&mut json, attestation);
        }
        _ => return None,
    }
    json.close('}');
    Some(json.finish())
}

fn write_attestation(json: &mut Json, attestation: &AttestationV1) {
    json.open('{');
    json.key("id");
    json.str(&attestation.id);
    json.key("recordedAt");
    json.str(&attestation.recorded_at);
    json.key("site");
    json.str(&attestation.site);
    json.key("pageUrl");
    json.str(&attestation.page_url);
    json.key("textSha256");
    json.str(&attestation.text_sha256);
    json.key("checklist");
    json.open('[');
    for item in &attestation.checklist {
        json.open('{');
        json.key("id");
        json.str(&item.id);
        json.key("state");
        json.str(item_state_name(item.state));
        json.close('}');
    }
    json.close(']');
    json.key("findings");
    json.open('[');
    for finding in &attestation.findings {
        json.open('{');
        json.key("itemId");
        json.str(&finding.item_id);
        json.key("kind");
        json.str(kind_name(finding.kind));
        json.key("severity");
        json.str(severity_name(finding.severity));
        json.key("excerpt");
        json.str(&finding.excerpt);
        json.close('}');
    }
    json.close(']');
    json.key("overrideReason");
    json.opt_str(attestation.override_reason.as_deref());
    json.key("policyVersion");
    json.opt_u32(attestation.policy_version);
    json.close('}');
}

/// The page's snapshot (the answer to the worker's `describe-page`).
pub(crate) fn page_snapshot(snapshot: &PageSnapshot) -> String {
    let mut json = Json::default();
    json.open('{');
    json.key("selectedText");
    json.opt_str(snapshot.selected_text.as_deref());
    json.key("viewport");
    json.viewport(snapshot.viewport.as_ref());
    json.close('}');
    json.finish()
}

/// The content script's state (the answer to the worker's `describe-content`).
pub(crate) fn content_state(state: &ContentState) -> String {
    let mut json = Json::default();
    json.open('{');
    json.key("version");
    json.str(&state.version);
    json.key("engine");
    json.str(&state.engine);
    json.key("loadMs");
    json.opt_hundredths(state.load_ms);
    json.key("startupMs");
    json.opt_hundredths(state.startup_ms);
    json.key("placedMs");
    json.opt_hundredths(state.placed_ms);
    json.key("readyAt");
    json.opt_hundredths(state.ready_at);
    json.key("steps");
    json.str(&state.steps);
    json.key("checklist");
    json.bool(state.checklist);
    json.key("reportButton");
    json.bool(state.report_button);
    json.close('}');
    json.finish()
}

/// A draft's analysis (`analyze_json`).
pub(crate) fn analysis(analysis: &Analysis) -> String {
    let mut json = Json::default();
    json.open('{');
    json.key("findings");
    json.open('[');
    for finding in &analysis.findings {
        write_finding(&mut json, finding);
    }
    json.close(']');
    json.key("items");
    json.open('[');
    for item in &analysis.items {
        write_item(&mut json, item);
    }
    json.close(']');
    json.key("requiredRemaining");
    json.u32(analysis.required_remaining);
    json.key("strictMode");
    json.bool(analysis.strict_mode);
    json.close('}');
    json.finish()
}

fn write_finding(json: &mut Json, finding: &Finding) {
    json.open('{');
    json.key("itemId");
    json.str(&finding.item_id);
    json.key("rule");
    json.str(finding.rule.as_str());
    json.key("kind");
    json.str(kind_name(finding.kind));
    json.key("severity");
    json.str(severity_name(finding.severity));
    json.key("message");
    json.open('{');
    json.key("fr");
    json.str(&finding.message.fr);
    json.key("en");
    json.str(&finding.message.en);
    json.close('}');
    json.key("span");
    match finding.span {
        Some(span) => {
            json.open('{');
            json.key("start");
            json.u32(span.start);
            json.key("end");
            json.u32(span.end);
            json.close('}');
        }
        None => json.null(),
    }
    json.key("excerpt");
    json.str(&finding.excerpt);
    json.close('}');
}

fn write_item(json: &mut Json, item: &ItemState) {
    json.open('{');
    json.key("id");
    json.str(&item.id);
    json.key("state");
    json.str(item_state_name(item.state));
    json.key("required");
    json.bool(item.required);
    json.key("manual");
    json.bool(item.manual);
    json.key("rule");
    json.opt_str(item.rule.map(|rule| rule.as_str()));
    json.key("findingCount");
    json.u32(item.finding_count);
    json.key("confirmed");
    json.bool(item.confirmed);
    json.close('}');
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

fn item_state_name(state: ItemStateKind) -> &'static str {
    match state {
        ItemStateKind::Ok => "ok",
        ItemStateKind::Warn => "warn",
        ItemStateKind::Fail => "fail",
        ItemStateKind::Todo => "todo",
    }
}

fn kind_name(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Link => "link",
        FindingKind::Shortener => "shortener",
        FindingKind::LinkTextMismatch => "linkTextMismatch",
        FindingKind::LookalikeDomain => "lookalikeDomain",
        FindingKind::DeceptiveUrl => "deceptiveUrl",
        FindingKind::TrustedSource => "trustedSource",
        FindingKind::FlaggedSource => "flaggedSource",
        FindingKind::UnknownSource => "unknownSource",
        FindingKind::Email => "email",
        FindingKind::Phone => "phone",
        FindingKind::Sin => "sin",
        FindingKind::PostalCode => "postalCode",
        FindingKind::BirthDate => "birthDate",
        FindingKind::MandateMatch => "mandateMatch",
        FindingKind::MandateMissing => "mandateMissing",
        FindingKind::SignatureFound => "signatureFound",
        FindingKind::SignatureMissing => "signatureMissing",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use balise_core::analysis::{Draft, DraftLink, analyze};
    use balise_core::i18n::Localized;
    use balise_core::policy::{Policy, RuleId};
    use balise_core::report::{AttestedFinding, AttestedItem, Publication, ReportCategory};
    use balise_core::text::Span;
    use serde_json::Value;

    /// The writer's text, parsed, against serde's serialization of the same value.
    fn same(written: &str, value: &impl serde::Serialize) {
        let parsed: Value = serde_json::from_str(written).expect("the writer writes JSON");
        let reference = serde_json::to_value(value).expect("serializes");
        assert_eq!(parsed, reference, "written: {written}");
    }

    const KINDS: [FindingKind; 17] = [
        FindingKind::Link,
        FindingKind::Shortener,
        FindingKind::LinkTextMismatch,
        FindingKind::LookalikeDomain,
        FindingKind::DeceptiveUrl,
        FindingKind::TrustedSource,
        FindingKind::FlaggedSource,
        FindingKind::UnknownSource,
        FindingKind::Email,
        FindingKind::Phone,
        FindingKind::Sin,
        FindingKind::PostalCode,
        FindingKind::BirthDate,
        FindingKind::MandateMatch,
        FindingKind::MandateMissing,
        FindingKind::SignatureFound,
        FindingKind::SignatureMissing,
    ];
    const SEVERITIES: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Error];
    const STATES: [ItemStateKind; 4] = [
        ItemStateKind::Ok,
        ItemStateKind::Warn,
        ItemStateKind::Fail,
        ItemStateKind::Todo,
    ];
    /// Texts that need escaping, and some that do not.
    const TEXTS: [&str; 6] = [
        "",
        "plain",
        "« guillemets » et accents : é, 𝔘, 👩‍👩‍👧",
        "quote \" backslash \\ slash / tab \t newline \n return \r",
        "\u{0}\u{1}\u{1f}\u{7f}\u{2028}\u{2029}",
        "</script><!--",
    ];

    /// Every kind, severity, rule and state, and the texts that need escaping.
    fn every_finding() -> Vec<Finding> {
        let mut findings = Vec::new();
        for (index, kind) in KINDS.into_iter().enumerate() {
            let text = TEXTS[index % TEXTS.len()];
            findings.push(Finding {
                item_id: format!("item-{index}{text}"),
                rule: RuleId::ALL[index % RuleId::ALL.len()],
                kind,
                severity: SEVERITIES[index % SEVERITIES.len()],
                message: Localized::new(text, TEXTS[(index + 1) % TEXTS.len()]),
                span: (index % 3 != 0).then(|| Span {
                    start: index as u32,
                    end: u32::MAX - index as u32,
                }),
                excerpt: TEXTS[(index + 2) % TEXTS.len()].to_owned(),
            });
        }
        findings
    }

    fn every_item() -> Vec<ItemState> {
        let mut items = Vec::new();
        for (index, state) in STATES.into_iter().cycle().take(12).enumerate() {
            items.push(ItemState {
                id: format!("{}{index}", TEXTS[index % TEXTS.len()]),
                state,
                required: index % 2 == 0,
                manual: index % 3 == 0,
                rule: (index % 4 != 0).then(|| RuleId::ALL[index % RuleId::ALL.len()]),
                finding_count: [0, 1, 9, 10, 4_294_967_295][index % 5],
                confirmed: index % 5 == 1,
            });
        }
        items
    }

    #[test]
    fn analyses_are_written_as_serde_writes_them() {
        let policy = Policy::sec_csq_default();
        let drafts = [
            Draft::from_text(""),
            Draft::from_text(balise_core::sample::realistic_french_post()),
            balise_core::sample::realistic_french_draft(),
            Draft::from_text(
                "Écrivez à marie@example.com ou au 514 555-1234, NAS 046 454 286, H2X 1Y4, \
                 née le 3 mars 1980. https://bit.ly/3xYz https://xn--lacq-ssa.org/ \
                 https://lacsq.org@evil.example/ « Solidarité » — syndicat, négociation.",
            ),
            Draft {
                text: "Voir le lien".to_owned(),
                links: vec![DraftLink {
                    href: "https://evil.example/".into(),
                    text: "lacsq.org".into(),
                    span: None,
                }],
            },
        ];
        for draft in &drafts {
            let analysis = analyze(&policy, draft);
            same(&analysis_text(&analysis), &analysis);
        }
        let analysis = Analysis {
            findings: every_finding(),
            items: every_item(),
            required_remaining: 4_294_967_295,
            strict_mode: true,
        };
        same(&analysis_text(&analysis), &analysis);
    }

    fn analysis_text(value: &Analysis) -> String {
        analysis(value)
    }

    fn attestation(override_reason: Option<String>, policy_version: Option<u32>) -> AttestationV1 {
        AttestationV1 {
            id: "8f0e3c1a-0000-4000-8000-000000000001".to_owned(),
            recorded_at: "2026-12-07T22:00:00Z".to_owned(),
            site: "facebook « é »".to_owned(),
            page_url: "https://www.facebook.com/?q=\"x\"\\".to_owned(),
            text_sha256: "ab".repeat(32),
            checklist: every_item().iter().map(AttestedItem::from).collect(),
            findings: every_finding().iter().map(AttestedFinding::from).collect(),
            override_reason,
            policy_version,
        }
    }

    #[test]
    fn every_request_of_the_content_script_is_written_as_serde_writes_it() {
        let analysis = analyze(
            &Policy::sec_csq_default(),
            &balise_core::sample::realistic_french_draft(),
        );
        let mut requests = vec![
            Request::Ping,
            Request::CaptureAtPress {
                press: "p-1 \"é\"".to_owned(),
            },
            Request::DiscardPress {
                press: "p-2".to_owned(),
            },
            Request::StartPairing,
            Request::GetPairing,
            Request::OpenWelcome,
            Request::GetPolicy,
            Request::RecordAttestation {
                attestation: AttestationV1::of_publication(
                    Publication {
                        id: "id",
                        recorded_at: "2026-12-07T22:00:00Z",
                        site: "x",
                        page_url: "https://x.com/",
                        text_sha256: "00",
                        policy_version: Some(1),
                    },
                    &analysis,
                    Some("parce que"),
                ),
            },
            Request::RecordAttestation {
                attestation: attestation(None, None),
            },
            Request::RecordAttestation {
                attestation: attestation(Some(TEXTS[3].to_owned()), Some(u32::MAX)),
            },
        ];
        for text in TEXTS {
            for (index, viewport) in [
                None,
                Some(Viewport {
                    width: 0,
                    height: u32::MAX,
                }),
            ]
            .into_iter()
            .enumerate()
            {
                requests.push(Request::ReportPage {
                    selected_text: (index == 0 || !text.is_empty()).then(|| text.to_owned()),
                    viewport,
                    overlays_hidden: index == 1,
                    press: (index == 1).then(|| text.to_owned()),
                });
            }
        }
        for category in ReportCategory::ALL.into_iter().map(Some).chain([None]) {
            for note in [None, Some(TEXTS[2].to_owned())] {
                requests.push(Request::Annotate {
                    id: "r-1".to_owned(),
                    category,
                    note,
                });
            }
        }
        for request in &requests {
            let written = request_text(request);
            same(&written, request);
        }
        // The pages' requests are not the content script's: none is written.
        assert_eq!(request(&Request::GetStatus), None);
        assert_eq!(request(&Request::Flush), None);
    }

    fn request_text(value: &Request) -> String {
        request(value).expect("a request of the content script")
    }

    #[test]
    fn page_snapshots_and_content_states_are_written_as_serde_writes_them() {
        for text in TEXTS {
            for viewport in [
                None,
                Some(Viewport {
                    width: 1280,
                    height: 720,
                }),
            ] {
                let snapshot = PageSnapshot {
                    selected_text: Some(text.to_owned()),
                    viewport,
                };
                same(&page_snapshot(&snapshot), &snapshot);
            }
        }
        let snapshot = PageSnapshot::default();
        same(&page_snapshot(&snapshot), &snapshot);

        // The content state's milliseconds are rounded to two decimals where they are set.
        let round2 = |value: f64| (value * 100.0).round() / 100.0;
        let mut state = ContentState::default();
        same(&content_state(&state), &state);
        let mut value = 0.0_f64;
        for step in 0..20_000_u32 {
            // Values from 0 to about 10^9 ms, with every pair of last decimals.
            value = value * 1.0007 + f64::from(step % 97) * 0.013 + 0.001;
            state = ContentState {
                version: "0.1.0".to_owned(),
                engine: if step % 2 == 0 { "wasm" } else { "js" }.to_owned(),
                load_ms: Some(round2(value)),
                startup_ms: (step % 3 != 0).then(|| round2(value * 1.5)),
                placed_ms: Some(round2(value / 7.0)),
                ready_at: Some(round2(value + 1234.5678)),
                steps: format!("load={value}"),
                checklist: step % 2 == 1,
                report_button: step % 4 == 1,
            };
            same(&content_state(&state), &state);
        }
    }
}
