//! French and English: the two languages of every message a person sees.

use serde::{Deserialize, Serialize};

/// A user interface language. French is the default: the union works in French.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// French (the default).
    #[default]
    Fr,
    /// English.
    En,
}

impl Lang {
    /// Both languages, French first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The language of a BCP 47 tag such as `"en-CA"`, `"fr"` or `"EN_us"`.
    ///
    /// Anything that is not English falls back to French.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::Fr
        }
    }

    /// The two-letter code: `"fr"` or `"en"`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A text in French and in English.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// The French text.
    pub fr: String,
    /// The English text.
    pub en: String,
}

impl Localized {
    /// A text from its French and English versions.
    pub fn new(fr: impl Into<String>, en: impl Into<String>) -> Localized {
        Localized {
            fr: fr.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Fr => &self.fr,
            Lang::En => &self.en,
        }
    }

    /// Whether either version is empty or only whitespace.
    pub fn has_blank(&self) -> bool {
        self.fr.trim().is_empty() || self.en.trim().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_map_to_languages() {
        let cases = [
            ("en", Lang::En),
            ("en-CA", Lang::En),
            ("EN_us", Lang::En),
            (" en ", Lang::En),
            ("fr", Lang::Fr),
            ("fr-CA", Lang::Fr),
            ("de-DE", Lang::Fr),
            ("", Lang::Fr),
            ("english", Lang::Fr),
        ];
        for (tag, expected) in cases {
            assert_eq!(Lang::from_tag(tag), expected, "tag {tag:?}");
        }
    }

    #[test]
    fn lang_serde_is_lowercase_and_defaults_to_french() {
        assert_eq!(serde_json::to_string(&Lang::En).unwrap(), "\"en\"");
        assert_eq!(serde_json::from_str::<Lang>("\"fr\"").unwrap(), Lang::Fr);
        assert!(serde_json::from_str::<Lang>("\"FR\"").is_err());
        assert_eq!(Lang::default(), Lang::Fr);
        assert_eq!(Lang::En.to_string(), "en");
    }

    #[test]
    fn localized_picks_the_language() {
        let text = Localized::new("Bonjour", "Hello");
        assert_eq!(text.get(Lang::Fr), "Bonjour");
        assert_eq!(text.get(Lang::En), "Hello");
        assert!(!text.has_blank());
        assert!(Localized::new(" ", "x").has_blank());
        let json = serde_json::to_string(&text).unwrap();
        assert_eq!(json, r#"{"fr":"Bonjour","en":"Hello"}"#);
        assert!(serde_json::from_str::<Localized>(r#"{"fr":"a","en":"b","de":"c"}"#).is_err());
    }
}
