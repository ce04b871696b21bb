//! Reads the policy and the settings field by field from the JavaScript objects that
//! `chrome.storage` and the service worker hand over, without serde's derived
//! deserializers: these (and the float formatting their error texts reach) were about
//! 30 KB of the content script's wasm. The same reader runs on `serde_json::Value` in the
//! unit tests, which compare it with serde's reading of the same documents.
//!
//! It follows the typed definitions (`balise_core::policy::Policy`, `settings::Settings`):
//! the same field names, the same defaults, unknown fields refused where serde refuses
//! them. One leniency: a `null` where a defaulted field is expected reads as absent.

use balise_core::i18n::{Lang, Localized};
use balise_core::policy::{
    Check, ChecklistItem, ManagerAppointment, Organization, Placement, Policy, RuleId,
    SignatureRule, Sources,
};

use crate::settings::{Role, Settings};

/// A JSON-like value: a JavaScript value in the extension, a `serde_json::Value` in tests.
pub trait Source: Sized {
    /// The field `key` of an object; `None` when absent, `undefined` or `null`.
    fn get(&self, key: &str) -> Option<Self>;
    fn text(&self) -> Option<String>;
    fn boolean(&self) -> Option<bool>;
    fn number(&self) -> Option<f64>;
    /// The elements of an array.
    fn elements(&self) -> Option<Vec<Self>>;
    /// The keys of an object (`None` when it is not one).
    fn keys(&self) -> Option<Vec<String>>;
}

impl Source for wasm_bindgen::JsValue {
    fn get(&self, key: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        js_sys::Reflect::get(self, &wasm_bindgen::JsValue::from_str(key))
            .ok()
            .filter(|value| !value.is_undefined() && !value.is_null())
    }
    fn text(&self) -> Option<String> {
        self.as_string()
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn number(&self) -> Option<f64> {
        self.as_f64()
    }
    fn elements(&self) -> Option<Vec<Self>> {
        js_sys::Array::is_array(self).then(|| js_sys::Array::from(self).iter().collect())
    }
    fn keys(&self) -> Option<Vec<String>> {
        if !self.is_object() || js_sys::Array::is_array(self) {
            return None;
        }
        let object = js_sys::Object::from(self.clone());
        Some(
            js_sys::Object::keys(&object)
                .iter()
                .filter_map(|key| key.as_string())
                .collect(),
        )
    }
}

fn invalid(what: &str) -> String {
    format!("invalid policy or settings: `{what}`")
}

/// Refuses an object with a field not in `known` (serde's `deny_unknown_fields`).
fn only<S: Source>(value: &S, known: &[&str], what: &str) -> Result<(), String> {
    let keys = value.keys().ok_or_else(|| invalid(what))?;
    match keys.iter().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(invalid(key)),
        None => Ok(()),
    }
}

fn required<S: Source>(value: &S, key: &str) -> Result<S, String> {
    value.get(key).ok_or_else(|| invalid(key))
}

fn text<S: Source>(value: &S, key: &str) -> Result<String, String> {
    required(value, key)?.text().ok_or_else(|| invalid(key))
}

fn optional_text<S: Source>(value: &S, key: &str) -> Result<Option<String>, String> {
    value
        .get(key)
        .map(|field| field.text().ok_or_else(|| invalid(key)))
        .transpose()
}

fn text_or_default<S: Source>(value: &S, key: &str) -> Result<String, String> {
    Ok(optional_text(value, key)?.unwrap_or_default())
}

fn boolean_or<S: Source>(value: &S, key: &str, default: bool) -> Result<bool, String> {
    value.get(key).map_or(Ok(default), |field| {
        field.boolean().ok_or_else(|| invalid(key))
    })
}

fn texts<S: Source>(value: &S, key: &str) -> Result<Vec<String>, String> {
    let Some(field) = value.get(key) else {
        return Ok(Vec::new());
    };
    field
        .elements()
        .ok_or_else(|| invalid(key))?
        .iter()
        .map(|element| element.text().ok_or_else(|| invalid(key)))
        .collect()
}

fn localized<S: Source>(value: &S, what: &str) -> Result<Localized, String> {
    only(value, &["fr", "en"], what)?;
    Ok(Localized {
        fr: text(value, "fr")?,
        en: text(value, "en")?,
    })
}

fn check(name: &str) -> Result<Check, String> {
    if name == "manual" {
        return Ok(Check::Manual);
    }
    RuleId::from_name(name)
        .map(|rule| Check::Automatic { rule })
        .ok_or_else(|| invalid(name))
}

fn item<S: Source>(value: &S) -> Result<ChecklistItem, String> {
    only(
        value,
        &["id", "label", "help", "required", "clause", "check"],
        "items",
    )?;
    Ok(ChecklistItem {
        id: text(value, "id")?,
        label: localized(&required(value, "label")?, "label")?,
        help: match value.get("help") {
            Some(help) => localized(&help, "help")?,
            None => Localized::default(),
        },
        required: boolean_or(value, "required", true)?,
        clause: text(value, "clause")?,
        check: check(&text(value, "check")?)?,
    })
}

/// Reads a policy written as `Policy`'s serde form (its JSON document).
pub fn policy<S: Source>(value: &S) -> Result<Policy, String> {
    only(
        value,
        &[
            "version",
            "organization",
            "manager",
            "board_email",
            "strict_mode",
            "members_see_checklist",
            "signature",
            "sources",
            "mandate_keywords",
            "items",
        ],
        "policy",
    )?;
    let version = required(value, "version")?
        .number()
        .filter(|number| number.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(number))
        .ok_or_else(|| invalid("version"))?;
    let organization = required(value, "organization")?;
    only(&organization, &["name", "short_name"], "organization")?;
    let manager = required(value, "manager")?;
    only(
        &manager,
        &["name", "email", "mandate_start", "mandate_end"],
        "manager",
    )?;
    let signature = match value.get("signature") {
        None => None,
        Some(signature) => {
            only(&signature, &["required_patterns", "placement"], "signature")?;
            Some(SignatureRule {
                required_patterns: match signature.get("required_patterns") {
                    Some(_) => texts(&signature, "required_patterns")?,
                    None => return Err(invalid("required_patterns")),
                },
                placement: match optional_text(&signature, "placement")?.as_deref() {
                    None | Some("anywhere") => Placement::Anywhere,
                    Some("end") => Placement::End,
                    Some(_) => return Err(invalid("placement")),
                },
            })
        }
    };
    let sources = match value.get("sources") {
        None => Sources::default(),
        Some(sources) => {
            only(
                &sources,
                &["trusted", "flagged", "shorteners", "not_shorteners"],
                "sources",
            )?;
            Sources {
                trusted: texts(&sources, "trusted")?,
                flagged: texts(&sources, "flagged")?,
                shorteners: texts(&sources, "shorteners")?,
                not_shorteners: texts(&sources, "not_shorteners")?,
            }
        }
    };
    Ok(Policy {
        // In range and whole, checked above.
        version: version as u32,
        organization: Organization {
            name: text(&organization, "name")?,
            short_name: text(&organization, "short_name")?,
        },
        manager: ManagerAppointment {
            name: text(&manager, "name")?,
            email: text(&manager, "email")?,
            mandate_start: text(&manager, "mandate_start")?,
            mandate_end: text(&manager, "mandate_end")?,
        },
        board_email: optional_text(value, "board_email")?,
        strict_mode: boolean_or(value, "strict_mode", false)?,
        members_see_checklist: boolean_or(value, "members_see_checklist", true)?,
        signature,
        sources,
        mandate_keywords: texts(value, "mandate_keywords")?,
        items: required(value, "items")?
            .elements()
            .ok_or_else(|| invalid("items"))?
            .iter()
            .map(item)
            .collect::<Result<_, _>>()?,
    })
}

/// Reads the settings as `Settings`' serde form writes them (every field defaulted).
pub fn settings<S: Source>(value: &S) -> Result<Settings, String> {
    value.keys().ok_or_else(|| invalid("settings"))?;
    let defaults = Settings::default();
    Ok(Settings {
        language: match optional_text(value, "language")?.as_deref() {
            None => None,
            Some("fr") => Some(Lang::Fr),
            Some("en") => Some(Lang::En),
            Some(_) => return Err(invalid("language")),
        },
        role: match optional_text(value, "role")?.as_deref() {
            None | Some("member") => Role::Member,
            Some("manager") => Role::Manager,
            Some(_) => return Err(invalid("role")),
        },
        reporter_name: text_or_default(value, "reporterName")?,
        reporter_email: text_or_default(value, "reporterEmail")?,
        companion_url: optional_text(value, "companionUrl")?.unwrap_or(defaults.companion_url),
        extra_sites: texts(value, "extraSites")?,
    })
}

/// The `companionUrl` text field of an object (a stored policy's or an older version's
/// pairing), which must also carry the text field `with` (its `token`, its `fetchedAt`).
pub fn companion_url<S: Source>(value: &S, with: &str) -> Result<String, String> {
    text(value, with)?;
    text(value, "companionUrl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    impl Source for Value {
        fn get(&self, key: &str) -> Option<Self> {
            self.as_object()?
                .get(key)
                .filter(|value| !value.is_null())
                .cloned()
        }
        fn text(&self) -> Option<String> {
            self.as_str().map(str::to_owned)
        }
        fn boolean(&self) -> Option<bool> {
            self.as_bool()
        }
        fn number(&self) -> Option<f64> {
            self.as_f64()
        }
        fn elements(&self) -> Option<Vec<Self>> {
            self.as_array().cloned()
        }
        fn keys(&self) -> Option<Vec<String>> {
            self.as_object()
                .map(|object| object.keys().cloned().collect())
        }
    }

    fn serde_policy(value: &Value) -> Option<Policy> {
        serde_json::from_value(value.clone()).ok()
    }

    #[test]
    fn reads_the_policies_serde_reads_and_refuses_the_others() {
        let builtin = Policy::sec_csq_default();
        let document = serde_json::to_value(&builtin).expect("serializes");
        assert_eq!(policy(&document).as_ref().ok(), Some(&builtin));

        let mut variants = Vec::new();
        let mut with = |path: &[&str], field: Value| {
            let mut changed = document.clone();
            let mut target = &mut changed;
            for key in &path[..path.len() - 1] {
                target = if let Ok(index) = key.parse::<usize>() {
                    &mut target[index]
                } else {
                    &mut target[*key]
                };
            }
            let last = path[path.len() - 1];
            if field == json!("<remove>") {
                target.as_object_mut().expect("object").remove(last);
            } else {
                target[last] = field;
            }
            variants.push(changed);
        };
        with(&["strict_mode"], json!(true));
        with(&["strict_mode"], json!("yes"));
        with(&["members_see_checklist"], json!("<remove>"));
        with(&["board_email"], json!("board@example.org"));
        with(&["board_email"], json!(3));
        with(
            &["signature"],
            json!({"required_patterns": ["-- SEC"], "placement": "end"}),
        );
        with(&["signature"], json!({"required_patterns": ["-- SEC"]}));
        with(&["signature"], json!({"placement": "end"}));
        with(
            &["signature"],
            json!({"required_patterns": [], "placement": "middle"}),
        );
        with(
            &["sources"],
            json!({"trusted": ["a.ca"], "not_shorteners": ["forms.gle"]}),
        );
        with(&["sources"], json!({"trusted": ["a.ca"], "other": []}));
        with(&["sources"], json!("<remove>"));
        with(&["mandate_keywords"], json!("<remove>"));
        with(&["mandate_keywords"], json!([1]));
        with(&["version"], json!(1.5));
        with(&["version"], json!(-1));
        with(&["version"], json!("<remove>"));
        with(&["organization", "short_name"], json!("<remove>"));
        with(&["organization", "extra"], json!("x"));
        with(&["manager", "mandate_end"], json!("<remove>"));
        with(&["unknown"], json!(1));
        with(&["items"], json!("<remove>"));
        with(&["items"], json!([]));
        with(&["items", "0", "check"], json!("manual"));
        with(&["items", "0", "check"], json!("mandate"));
        with(&["items", "0", "check"], json!("telepathy"));
        with(&["items", "0", "required"], json!("<remove>"));
        with(&["items", "0", "required"], json!(false));
        with(&["items", "0", "help"], json!("<remove>"));
        with(&["items", "0", "help"], json!({"fr": "a"}));
        with(
            &["items", "0", "label"],
            json!({"fr": "a", "en": "b", "de": "c"}),
        );
        with(&["items", "0", "clause"], json!("<remove>"));
        with(&["items", "0", "extra"], json!(true));
        for variant in &variants {
            assert_eq!(policy(variant).ok(), serde_policy(variant), "{variant}");
        }
        assert!(policy(&json!("policy")).is_err());
    }

    #[test]
    fn reads_the_settings_serde_reads() {
        let written = Settings {
            language: Some(Lang::En),
            role: Role::Manager,
            reporter_name: "A".into(),
            reporter_email: "a@example.org".into(),
            companion_url: "http://127.0.0.1:7979".into(),
            extra_sites: vec!["forum.example.org".into()],
        };
        for document in [
            serde_json::to_value(&written).expect("serializes"),
            serde_json::to_value(Settings::default()).expect("serializes"),
            json!({}),
            json!({"language": "fr", "role": "member", "extraSites": []}),
            json!({"language": null, "reporterName": "B", "other": 1}),
            json!({"language": "de"}),
            json!({"role": "admin"}),
            json!({"extraSites": "x"}),
            json!({"reporterEmail": 3}),
        ] {
            let serde: Option<Settings> = serde_json::from_value(document.clone()).ok();
            let lean = settings(&document).ok();
            assert_eq!(format!("{lean:?}"), format!("{serde:?}"), "{document}");
        }
    }

    #[test]
    fn reads_a_companion_url_beside_its_companion_field() {
        let pairing = json!({"companionUrl": "http://127.0.0.1:7878", "token": "t"});
        assert_eq!(
            companion_url(&pairing, "token").ok().as_deref(),
            Some("http://127.0.0.1:7878")
        );
        assert!(companion_url(&json!({"companionUrl": "x"}), "token").is_err());
    }
}
