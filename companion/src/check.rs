//! `balise-companion check [--policy FILE] [--json]`: checks any text (a newsletter, a press
//! release, an email to members) read on standard input against the policy's checklist.
//!
//! Prints the checklist's findings, in French then English for a person, or as JSON with
//! `--json`: `{"findings": [{"kind", "severity", "excerpt", "start", "end", "message",
//! "item"}], "items": [{"id", "label", "state", "required", "manual", "findings"}],
//! "requiredFailing", "requiredRemaining"}`, where `kind` is the wire name of the finding
//! kind (`shortener`, `phone`, `email`, `sin`, `postalCode`, `birthDate`, …), `start` and
//! `end` are UTF-16 code units of the text (as every span in Balise; `null` when the
//! finding has no place) and `message` is `{"fr", "en"}`.
//!
//! Exit code: 0 when no required item fails, 1 when one does, 2 on bad input (text that is
//! not UTF-8, a policy file that cannot be read or is invalid).
//!
//! [`check_text`] is the one check behind this command and the dashboard's *Vérifier un
//! texte / Check a text* page (`handlers::check_page`): both show its [`Checked`] result.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use balise_core::analysis::{Analysis, Draft, ItemStateKind, analyze};
use balise_core::checklist::{ChecklistView, state_label};
use balise_core::i18n::Lang;
use balise_core::policy::Policy;
use clap::Args;
use serde_json::{Value, json};

/// The arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The policy to check against, TOML (or JSON when the name ends in `.json`)
    /// [default: the built-in SEC-CSQ policy].
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// Print JSON instead of text for a person.
    #[arg(long)]
    json: bool,
}

/// Exit code when a required item fails.
const FAILING: u8 = 1;
/// Exit code on bad input.
const BAD_INPUT: u8 = 2;

/// Runs `check` on standard input.
pub fn run(args: &CheckArgs) -> ExitCode {
    let mut bytes = Vec::new();
    if let Err(error) = std::io::stdin().read_to_end(&mut bytes) {
        return bad_input(&format!("cannot read standard input: {error}"));
    }
    let policy = match &args.policy {
        Some(path) => match load_policy(path) {
            Ok(policy) => policy,
            Err(message) => return bad_input(&message),
        },
        None => Policy::sec_csq_default(),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return bad_input("the text on standard input is not UTF-8");
    };
    let checked = check_text(&policy, &text);
    let output = if args.json {
        let mut json = to_json(&policy, &checked).to_string();
        json.push('\n');
        json
    } else {
        to_text(&policy, &checked)
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
    {
        eprintln!("balise-companion: erreur / error: cannot write the result: {error}");
        return ExitCode::from(BAD_INPUT);
    }
    if checked.required_failing > 0 {
        ExitCode::from(FAILING)
    } else {
        ExitCode::SUCCESS
    }
}

fn bad_input(message: &str) -> ExitCode {
    eprintln!("balise-companion: entrée invalide / bad input: {message}");
    ExitCode::from(BAD_INPUT)
}

/// Reads and validates the policy at `path`.
fn load_policy(path: &Path) -> Result<Policy, String> {
    let source = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read the policy {}: {error}", path.display()))?;
    let json = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
    let policy = if json {
        Policy::from_json(&source)
    } else {
        Policy::from_toml(&source)
    };
    policy.map_err(|error| format!("invalid policy {}: {error}", path.display()))
}

/// A text checked against a policy: the analysis, and how many required items fail.
#[derive(Debug, Clone)]
pub struct Checked {
    /// Findings and item states.
    pub analysis: Analysis,
    /// How many required items fail.
    pub required_failing: usize,
}

impl Checked {
    /// The checklist as a person reads it in `lang`: each item with its state and findings
    /// (excerpt, place, message), and the badge.
    pub fn view(&self, policy: &Policy, lang: Lang) -> ChecklistView {
        balise_core::checklist::view(policy, &self.analysis, lang)
    }
}

/// Checks `text` against `policy`'s checklist.
pub fn check_text(policy: &Policy, text: &str) -> Checked {
    let analysis = analyze(policy, &Draft::from_text(text));
    let required_failing = analysis
        .items
        .iter()
        .filter(|item| item.required && item.state == ItemStateKind::Fail)
        .count();
    Checked {
        analysis,
        required_failing,
    }
}

/// The JSON form of the result.
pub fn to_json(policy: &Policy, checked: &Checked) -> Value {
    let analysis = &checked.analysis;
    let findings: Vec<Value> = analysis
        .findings
        .iter()
        .map(|finding| {
            json!({
                "kind": wire(&finding.kind),
                "severity": wire(&finding.severity),
                "excerpt": finding.excerpt,
                "start": finding.span.map(|span| span.start),
                "end": finding.span.map(|span| span.end),
                "message": finding.message,
                "item": finding.item_id,
            })
        })
        .collect();
    let items: Vec<Value> = analysis
        .items
        .iter()
        .map(|state| {
            let label = policy.item(&state.id).map(|item| &item.label);
            json!({
                "id": state.id,
                "label": label,
                "state": wire(&state.state),
                "required": state.required,
                "manual": state.manual,
                "findings": state.finding_count,
            })
        })
        .collect();
    json!({
        "findings": findings,
        "items": items,
        "requiredFailing": checked.required_failing,
        "requiredRemaining": analysis.required_remaining,
    })
}

/// Serde's name of a unit enum value (its wire name).
fn wire<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The result for a person: each item with its state, then its findings, French then
/// English.
pub fn to_text(policy: &Policy, checked: &Checked) -> String {
    let both = |fr: &str, en: &str| {
        if fr == en {
            fr.to_owned()
        } else {
            format!("{fr} / {en}")
        }
    };
    let (fr, en) = (
        checked.view(policy, Lang::Fr),
        checked.view(policy, Lang::En),
    );
    let mut out = format!(
        "{} : {}\n",
        both(&fr.title, &en.title),
        both(&fr.badge, &en.badge)
    );
    for (item_fr, item_en) in fr.items.iter().zip(&en.items) {
        let required = if item_fr.required {
            " (obligatoire / required)"
        } else {
            ""
        };
        out.push_str(&format!(
            "\n[{}] {}{required}\n",
            both(
                state_label(item_fr.state, Lang::Fr),
                state_label(item_fr.state, Lang::En)
            ),
            both(&item_fr.label, &item_en.label),
        ));
        for (finding_fr, finding_en) in item_fr.findings.iter().zip(&item_en.findings) {
            let at = match (&finding_fr.place, &finding_en.place) {
                (Some(place_fr), Some(place_en)) => format!(" ({})", both(place_fr, place_en)),
                _ => String::new(),
            };
            let excerpt = if finding_fr.excerpt.is_empty() {
                String::new()
            } else {
                format!("« {} »{at} : ", finding_fr.excerpt)
            };
            out.push_str(&format!(
                "  - {excerpt}{}\n",
                both(&finding_fr.message, &finding_en.message)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_names_kinds_and_spans_as_the_wire_does() {
        let policy = Policy::sec_csq_default();
        let checked = check_text(&policy, "Appelez au 4185550199.");
        let json = to_json(&policy, &checked);
        let phones: Vec<&Value> = json["findings"]
            .as_array()
            .map(|findings| {
                findings
                    .iter()
                    .filter(|finding| finding["kind"] == "phone")
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(phones.len(), 1);
        assert_eq!(phones[0]["excerpt"], "4185550199");
        assert_eq!(phones[0]["start"], 11);
        assert_eq!(phones[0]["end"], 21);
        assert_eq!(phones[0]["severity"], "warning");
        // Without a signature, the built-in policy's `identification` item fails.
        assert_eq!(json["requiredFailing"], 1);
        let failing: Vec<&Value> = json["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|item| item["state"] == "fail")
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(failing.len(), 1);
        assert_eq!(failing[0]["id"], "identification");
        let text = to_text(&policy, &checked);
        assert!(
            text.contains("  - « 4185550199 » (caractères 12 à 21 / characters 12 to 21) : Numéro de téléphone"),
            "{text}"
        );
    }
}
