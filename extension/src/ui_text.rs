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
    SETTINGS => "Vos réglages", "Your settings";
    SW_CHECKING => "Service de l'extension : vérification…", "Extension service: checking…";
    SW_OK => "Service de l'extension : actif", "Extension service: running";
    SW_FAILED => "Service de l'extension : ne répond pas. Rechargez l'extension depuis chrome://extensions. Détail : ", "Extension service: not answering. Reload the extension from chrome://extensions. Detail: ";
    POLICY => "Politique : ", "Policy: ";
    ITEMS => "éléments de vérification", "checklist items";
    POLICY_FROM_COMPANION => "Politique du compagnon : ", "Companion's policy: ";
    POLICY_DEFAULT => "Politique par défaut intégrée : ", "Built-in default policy: ";
    EXTRA_SITES => "Autres sites où afficher la liste de vérification (un par ligne, par exemple forum.example.org ou *.example.org)", "Other sites where the checklist shows (one per line, for example forum.example.org or *.example.org)";
    EXTRA_SITES_LINE => "Ligne ", "Line ";
    EMAIL_INVALID => "Ce courriel ne semble pas valide : ", "This email does not look valid: ";
    COLON => " : ", ": ";
}

/// Resolves the language setting: an explicit choice wins, otherwise the browser's language.
pub fn resolve_language(setting: Option<Lang>, browser_tag: Option<&str>) -> Lang {
    setting.unwrap_or_else(|| browser_tag.map(Lang::from_tag).unwrap_or_default())
}

ui_texts! {
    REPORT_BUTTON => "Signaler", "Report";
    REPORT_TITLE => "Signaler cette page au gestionnaire de contenu", "Report this page to the content manager";
    REPORT_CONFIRMATION => "Signalement", "Report";
    REPORT_SENDING => "Capture et envoi…", "Capturing and sending…";
    REPORT_STORED => "Signalement reçu par le gestionnaire. Vous pouvez ajouter des précisions (facultatif).", "Report received by the manager. You may add details (optional).";
    REPORT_WAITING_PAIRING => "Signalement gardé en attente : l'extension n'est pas encore jumelée au compagnon Balise. Jumelez-la depuis la page « Jumelage » du compagnon ou les options de l'extension; il partira ensuite.", "Report kept waiting: the extension is not paired with the Balise companion yet. Pair it from the companion's Pairing page or the extension's options; it will go then.";
    REPORT_WAITING_IDENTITY => "Signalement gardé en attente : il partira dès que vous aurez indiqué votre nom et votre courriel.", "Report kept waiting: it will go as soon as you have entered your name and email.";
    OPEN_WELCOME_IDENTITY => "Indiquer mon nom et mon courriel", "Add my name and email";
    OPEN_WELCOME_PAIRING => "Jumeler ce navigateur", "Pair this browser";
    OPEN_WELCOME_FAILED => "La page de bienvenue n'a pas pu s'ouvrir : ", "The welcome page could not open: ";
    REPORT_WAITING_COMPANION => "Signalement gardé en attente : le compagnon Balise ne répond pas. Il sera envoyé dès son retour.", "Report kept waiting: the Balise companion does not answer. It will be sent as soon as it is back.";
    REPORT_FAILED => "Le signalement a échoué : ", "The report failed: ";
    CATEGORY => "Catégorie", "Category";
    REPORT_CHOICE => "Signalement à compléter", "Report to add details to";
    CATEGORY_NONE => "Catégorie (facultatif)", "Category (optional)";
    NOTE => "Note pour le gestionnaire (facultatif)", "Note for the manager (optional)";
    ADD_DETAILS => "Ajouter ces précisions", "Add these details";
    DETAILS_SAVED => "Précisions ajoutées au signalement.", "Details added to the report.";
}

ui_texts! {
    OUTBOX => "Signalements en attente", "Reports waiting";
    OUTBOX_EMPTY => "Aucun signalement en attente.", "No report waiting.";
    ATTESTATIONS_WAITING => "Attestations de publication en attente d'envoi au compagnon : ", "Publication attestations waiting to be sent to the companion: ";
    ATTESTATION_REJECTED => "Attestation refusée par le compagnon", "Attestation refused by the companion";
    NOT_PAIRED => "L'extension n'est pas jumelée au compagnon Balise : ouvrez la page « Jumelage » du compagnon (cliquez « Jumeler ce navigateur »), ou choisissez « Jumeler » dans les options.", "The extension is not paired with the Balise companion: open the companion's Pairing page (click \"Pair this browser\"), or choose \"Pair\" in the options.";
    IDENTITY_MISSING => "Les signalements attendent votre nom et votre courriel.", "Reports wait for your name and email.";
    STATE_WAITING => "en attente", "waiting";
    STATE_REJECTED => "refusé par le compagnon", "refused by the companion";
    PAIRING => "Jumelage avec le compagnon", "Pairing with the companion";
    PAIR => "Jumeler", "Pair";
    PAIRED => "Jumelée au compagnon ", "Paired with the companion ";
    PAIRING_PENDING => "Demande envoyée. Approuvez-la dans le compagnon (page /pair) ; code : ", "Request sent. Approve it in the companion (/pair page); code: ";
    PAIRING_FAILED => "Jumelage impossible : ", "Pairing failed: ";
    COMPANION_CHANGE => "Changer de compagnon ?", "Change companion?";
    LOOKALIKE_QUESTION => "Cette page ressemble à une instance Mastodon : utiliser la liste de vérification ici ?", "This page looks like a Mastodon instance: use the checklist here?";
    LOOKALIKE_QUESTION_OTHER => "Cette page ressemble à ce site : utiliser la liste de vérification ici ? ", "This page looks like this site: use the checklist here? ";
    LOOKALIKE_YES => "Oui, sur ce site", "Yes, on this site";
    LOOKALIKE_NO => "Non", "No";
    LOOKALIKE_ENABLED => "La liste de vérification est activée sur ce site.", "The checklist is on for this site.";
    LOOKALIKE_FAILED => "Échec de l'activation : ", "Could not turn it on: ";
    LOOKALIKE_DECLINED => "Balise ne vous le demandera plus pour ce site (les options permettent d'oublier ce refus).", "Balise will not ask again for this site (the options can forget this answer).";
    LOOKALIKE_DECLINE_FAILED => "Échec de l'enregistrement du refus : ", "Could not record the answer: ";
    REFUSED_SITES => "Sites refusés", "Refused sites";
    REFUSED_SITES_INTRO => "Ces pages ressemblaient à un réseau social ; vous avez répondu non à la liste de vérification. Oubliez un refus pour que la question revienne.", "These pages looked like a social network; you said no to the checklist there. Forget an answer to be asked again.";
    REFUSED_SITES_NONE => "Aucun site refusé.", "No refused site.";
    REFUSED_SITES_UNREADABLE => "La liste des sites refusés n'a pas pu être lue ; rechargez la page. Détail : ", "The list of refused sites could not be read; reload the page. Detail: ";
    REFUSED_SITE_LOOKED_LIKE => " — ressemblait à ", " — looked like ";
    FORGET_REFUSAL => "Oublier ce refus", "Forget this answer";
    FORGET_REFUSAL_FAILED => "Échec : ", "Failed: ";
    REPORT_THIS_PAGE => "Signaler cette page", "Report this page";
    REPORT_NOT_YET => "Rien n'a été signalé : cette page n'est signalée que si vous le demandez.", "Nothing was reported: this page is reported only if you ask.";
    COMPANION_CHANGE_WAITING => "Un changement de compagnon attend votre confirmation dans les options : ", "A change of companion waits for your confirmation in the options: ";
    OPEN_OPTIONS => "Ouvrir les options", "Open the options";
    COMPANION_CHANGE_INTRO => "La page de jumelage d'un autre compagnon demande que Balise y envoie désormais les signalements. Rien ne change tant que vous ne confirmez pas ici. Ne confirmez que si vous venez de cliquer « Jumeler ce navigateur » sur la page de votre compagnon.", "Another companion's pairing page asks that Balise send reports there from now on. Nothing changes unless you confirm here. Confirm only if you just clicked \"Pair this browser\" on your own companion's page.";
    COMPANION_CURRENT => "Compagnon actuel : ", "Current companion: ";
    COMPANION_PROPOSED => "Nouveau compagnon : ", "New companion: ";
    COMPANION_CHANGE_CONFIRM => "Utiliser le nouveau compagnon et demander le jumelage", "Use the new companion and ask to pair";
    COMPANION_CHANGE_CANCEL => "Garder le compagnon actuel", "Keep the current companion";
}

ui_texts! {
    CHECKLIST_REGION => "Liste de vérification Balise", "Balise checklist";
    REQUIRED => "obligatoire", "required";
    OVERRIDE_REASON => "Raison de publier quand même", "Why publish anyway";
    OVERRIDE => "Autoriser cette publication", "Allow this publication";
    OVERRIDE_NEEDS_REASON => "Écrivez d'abord la raison de publier quand même.", "First write why you publish anyway.";
    OVERRIDE_ACCEPTED => "Publication autorisée avec la raison inscrite : cliquez de nouveau sur Publier.", "Publication allowed with the reason written: click Publish again.";
    ATTESTATION_RECORDED => "Publication consignée pour le gestionnaire.", "Publication recorded for the manager.";
    ATTESTATION_FAILED => "La publication n'a pas pu être consignée : ", "The publication could not be recorded: ";
}

ui_texts! {
    WELCOME_TITLE => "Bienvenue dans Balise", "Welcome to Balise";
    WELCOME_INTRO => "Balise met la politique des médias sociaux du SEC-CSQ à côté de vos zones de rédaction et envoie une page au gestionnaire de contenu en un clic sur « Signaler ». Pour que vos signalements lui parviennent, indiquez ici qui vous êtes, puis jumelez ce navigateur au compagnon Balise.", "Balise puts the SEC-CSQ social media policy beside your compose boxes and sends a page to the content manager in one click on \"Report\". For your reports to reach them, say here who you are, then pair this browser with the Balise companion.";
    WELCOME_PROGRESS => "Où vous en êtes", "Where you stand";
    WELCOME_YOU => "Vous", "You";
    STEP_IDENTITY_DONE => "Fait : votre nom et votre courriel sont enregistrés; vos signalements les porteront.", "Done: your name and email are saved; your reports will carry them.";
    STEP_IDENTITY_TODO => "À faire : indiquer votre nom et votre courriel ci-dessous, puis « Enregistrer ».", "To do: enter your name and email below, then \"Save\".";
    STEP_PAIRING_DONE => "Fait : ce navigateur est jumelé au compagnon ", "Done: this browser is paired with the companion ";
    STEP_PAIRING_PENDING => "À faire : approuver la demande de jumelage dans le compagnon (page /pair) ; code : ", "To do: approve the pairing request in the companion (/pair page); code: ";
    STEP_PAIRING_TODO => "À faire : jumeler ce navigateur au compagnon (bouton « Jumeler » ci-dessous).", "To do: pair this browser with the companion (\"Pair\" button below).";
    WELCOME_READY => "Balise est prêt. Le bouton « Signaler », en bas à droite des pages web, envoie la page au gestionnaire de contenu. Vous pouvez fermer cet onglet.", "Balise is ready. The \"Report\" button at the bottom right of web pages sends the page to the content manager. You may close this tab.";
    WELCOME_NOT_READY => "Balise n'est pas encore prêt : il reste les étapes marquées « À faire ».", "Balise is not ready yet: the steps marked \"To do\" remain.";
    WELCOME_WAITING_REPORTS => "Signalements en attente d'envoi : ", "Reports waiting to be sent: ";
    PAIRING_HINT => "La page de jumelage du compagnon (son adresse suivie de /pair) demande d'être connecté : ouvrez le lien « Tableau de bord » que le compagnon affiche au démarrage, ou exécutez « balise-companion open » sur cet ordinateur. Vous pouvez aussi y cliquer « Jumeler ce navigateur ».", "The companion's pairing page (its address followed by /pair) asks you to be signed in: open the \"Dashboard\" link the companion prints when it starts, or run \"balise-companion open\" on this computer. You may also click \"Pair this browser\" there.";
    WELCOME_MORE_OPTIONS => "Les autres réglages (langue de l'interface, sites où afficher la liste de vérification) sont dans les ", "Other settings (interface language, sites where the checklist shows) are in the ";
    WELCOME_OPTIONS_LINK => "options de l'extension", "extension's options";
}
