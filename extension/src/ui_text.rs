//! The extension's interface strings, French first, and the choice of language.

use balise_core::i18n::Lang;

/// One interface string in both languages.
#[derive(Debug, Clone, Copy)]
pub struct UiText {
    pub fr: &'static str,
    pub en: &'static str,
}

impl UiText {
    /// The string in `lang`.
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Fr => self.fr,
            Lang::En => self.en,
        }
    }
}

macro_rules! ui_texts {
    ($($name:ident => $fr:expr, $en:expr;)*) => {
        $(pub const $name: UiText = UiText { fr: $fr, en: $en };)*
    };
}

ui_texts! {
    OPTIONS_TITLE => "Balise : options", "Balise: options";
    LANGUAGE => "Langue de l'interface", "Interface language";
    LANGUAGE_AUTO => "Celle du navigateur", "The browser's";
    ROLE => "Rôle", "Role";
    ROLE_MEMBER => "Membre ou personnel", "Member or staff";
    ROLE_MANAGER => "Gestionnaire de contenu", "Content manager";
    REPORTER_NAME => "Votre nom (joint aux signalements)", "Your name (attached to reports)";
    REPORTER_EMAIL => "Votre courriel (joint aux signalements)", "Your email (attached to reports)";
    COMPANION_URL => "Adresse du compagnon Balise", "Balise companion address";
    SAVE => "Enregistrer", "Save";
    SAVED => "Options enregistrées.", "Options saved.";
    SAVE_FAILED => "Échec de l'enregistrement : ", "Could not save: ";
    STATUS => "État", "Status";
    SW_CHECKING => "Service de l'extension : vérification…", "Extension service: checking…";
    SW_OK => "Service de l'extension : actif", "Extension service: running";
    SW_FAILED => "Service de l'extension : ne répond pas. Rechargez l'extension depuis chrome://extensions. Détail : ", "Extension service: not answering. Reload the extension from chrome://extensions. Detail: ";
    POLICY => "Politique", "Policy";
    ITEMS => "éléments de vérification", "checklist items";
}

/// Resolves the language setting: an explicit choice wins, otherwise the browser's language.
pub fn resolve_language(setting: Option<Lang>, browser_tag: Option<&str>) -> Lang {
    setting.unwrap_or_else(|| browser_tag.map(Lang::from_tag).unwrap_or_default())
}
