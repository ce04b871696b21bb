//! What the checklist panel beside a compose box shows: the policy's items with their
//! live state, the findings behind each (with their place in the text), the badge, and
//! why a publication is held, in the person's language.
//!
//! The extension draws this view; keeping it here lets plain `cargo test` check every
//! word and number the person sees.

use crate::analysis::{Analysis, Finding, ItemStateKind, Severity};
use crate::i18n::Lang;
use crate::policy::Policy;

/// One checklist item as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemView {
    /// The policy item's id (`data-item-id`).
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its longer explanation (may be empty).
    pub help: String,
    /// Its state (`data-state`).
    pub state: ItemStateKind,
    /// Whether the policy requires it.
    pub required: bool,
    /// Whether the person ticks it.
    pub manual: bool,
    /// Whether the person ticked it (manual) or acknowledged it (a warning).
    pub confirmed: bool,
    /// What the automatic check found, in text order.
    pub findings: Vec<FindingView>,
}

/// One finding as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingView {
    /// What to tell the person.
    pub message: String,
    /// The text concerned (empty for an absence).
    pub excerpt: String,
    /// Where it is, in UTF-16 code units of the draft (`data-start`, `data-end`).
    pub start: Option<u32>,
    pub end: Option<u32>,
    /// Where it is, for people ("caractères 12 à 24").
    pub place: Option<String>,
    /// How serious (`data-severity`).
    pub severity: Severity,
}

/// The whole panel's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistView {
    /// The panel's heading.
    pub title: String,
    /// Required items still in the way.
    pub remaining: u32,
    /// The compact badge ("2 à régler", "Prêt").
    pub badge: String,
    /// The items, in the policy's order.
    pub items: Vec<ItemView>,
}

/// Builds the panel's content for `analysis` of a draft under `policy`.
pub fn view(policy: &Policy, analysis: &Analysis, lang: Lang) -> ChecklistView {
    let items = policy
        .items
        .iter()
        .filter_map(|item| {
            let state = analysis.item(&item.id)?;
            let findings = analysis
                .findings_for(&item.id)
                .map(|finding| finding_view(finding, lang))
                .collect();
            Some(ItemView {
                id: item.id.clone(),
                label: item.label.get(lang).to_owned(),
                help: item.help.get(lang).to_owned(),
                state: state.state,
                required: state.required,
                manual: state.manual,
                confirmed: state.confirmed,
                findings,
            })
        })
        .collect();
    ChecklistView {
        title: match lang {
            Lang::Fr => format!("Politique {}", policy.organization.short_name),
            Lang::En => format!("{} policy", policy.organization.short_name),
        },
        remaining: analysis.required_remaining,
        badge: badge(analysis.required_remaining, lang),
        items,
    }
}

fn finding_view(finding: &Finding, lang: Lang) -> FindingView {
    FindingView {
        message: finding.message.get(lang).to_owned(),
        excerpt: finding.excerpt.clone(),
        start: finding.span.map(|span| span.start),
        end: finding.span.map(|span| span.end),
        place: finding.span.map(|span| place(span.start, span.end, lang)),
        severity: finding.severity,
    }
}

/// Where a span is, for people, counting characters from 1.
pub fn place(start: u32, end: u32, lang: Lang) -> String {
    let first = start + 1;
    let last = end.max(first);
    match (lang, first == last) {
        (Lang::Fr, true) => format!("caractère {first}"),
        (Lang::Fr, false) => format!("caractères {first} à {last}"),
        (Lang::En, true) => format!("character {first}"),
        (Lang::En, false) => format!("characters {first} to {last}"),
    }
}

/// The compact badge: how many required items remain, or that the draft is ready.
pub fn badge(remaining: u32, lang: Lang) -> String {
    match (lang, remaining) {
        (Lang::Fr, 0) => "Prêt".to_owned(),
        (Lang::Fr, 1) => "1 point à régler".to_owned(),
        (Lang::Fr, n) => format!("{n} points à régler"),
        (Lang::En, 0) => "Ready".to_owned(),
        (Lang::En, 1) => "1 item to resolve".to_owned(),
        (Lang::En, n) => format!("{n} items to resolve"),
    }
}

/// The name of a state, for people and screen readers.
pub fn state_label(state: ItemStateKind, lang: Lang) -> &'static str {
    match (state, lang) {
        (ItemStateKind::Ok, Lang::Fr) => "conforme",
        (ItemStateKind::Ok, Lang::En) => "satisfied",
        (ItemStateKind::Warn, Lang::Fr) => "à vérifier",
        (ItemStateKind::Warn, Lang::En) => "check this",
        (ItemStateKind::Fail, Lang::Fr) => "non conforme",
        (ItemStateKind::Fail, Lang::En) => "failing",
        (ItemStateKind::Todo, Lang::Fr) => "à cocher",
        (ItemStateKind::Todo, Lang::En) => "to tick",
    }
}

/// Why a publication was held, naming the items in the way.
pub fn hold_message(analysis: &Analysis, policy: &Policy, lang: Lang) -> String {
    let labels: Vec<&str> = analysis
        .items
        .iter()
        .filter(|state| state.required && state.state != ItemStateKind::Ok)
        .filter(|state| !(state.state == ItemStateKind::Warn && state.confirmed))
        .filter_map(|state| policy.items.iter().find(|item| item.id == state.id))
        .map(|item| item.label.get(lang))
        .take(3)
        .collect();
    let more = analysis.required_remaining as usize > labels.len();
    // Joined by hand: `[&str]::join` would be one more copy of the standard join in the wasm.
    let mut list = String::new();
    for (index, label) in labels.iter().enumerate() {
        if index > 0 {
            list.push_str(" ; ");
        }
        list.push_str(label);
    }
    let list = if more { format!("{list} ; …") } else { list };
    match lang {
        Lang::Fr => format!(
            "Publication retenue : {} point(s) obligatoire(s) à régler d'abord ({list}). Réglez-les, ou inscrivez ci-dessous la raison de publier quand même.",
            analysis.required_remaining
        ),
        Lang::En => format!(
            "Publication held: {} required item(s) to resolve first ({list}). Resolve them, or write below why you publish anyway.",
            analysis.required_remaining
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Draft, analyze};

    fn sec_csq() -> Policy {
        Policy::sec_csq_default()
    }

    #[test]
    fn places_count_characters_from_one() {
        assert_eq!(place(0, 12, Lang::Fr), "caractères 1 à 12");
        assert_eq!(place(4, 5, Lang::Fr), "caractère 5");
        assert_eq!(place(4, 9, Lang::En), "characters 5 to 9");
    }

    #[test]
    fn badge_counts_required_items_or_says_ready() {
        assert_eq!(badge(0, Lang::Fr), "Prêt");
        assert_eq!(badge(1, Lang::Fr), "1 point à régler");
        assert_eq!(badge(3, Lang::En), "3 items to resolve");
    }

    #[test]
    fn view_lists_every_item_in_policy_order_with_findings_and_places() {
        let policy = sec_csq();
        let text = "Appelez-moi au 418 555-0199 ou lisez https://bit.ly/abc123";
        let analysis = analyze(&policy, &Draft::from_text(text));
        let view = view(&policy, &analysis, Lang::Fr);
        let ids: Vec<&str> = view.items.iter().map(|item| item.id.as_str()).collect();
        let policy_ids: Vec<&str> = policy.items.iter().map(|item| item.id.as_str()).collect();
        assert_eq!(ids, policy_ids);
        assert_eq!(view.remaining, analysis.required_remaining);
        assert!(view.title.contains("SEC-CSQ"));

        let phone = view
            .items
            .iter()
            .flat_map(|item| item.findings.iter())
            .find(|finding| finding.excerpt == "418 555-0199")
            .expect("the phone number is shown");
        let start = text.find("418").expect("phone in text") as u32;
        assert_eq!(phone.start, Some(start));
        assert_eq!(phone.end, Some(start + 12));
        assert_eq!(
            phone.place.as_deref(),
            Some(format!("caractères {} à {}", start + 1, start + 12).as_str())
        );
        assert!(
            view.items
                .iter()
                .flat_map(|item| item.findings.iter())
                .any(|finding| finding.excerpt.contains("bit.ly"))
        );
    }

    #[test]
    fn hold_message_names_what_is_in_the_way() {
        let policy = sec_csq();
        let analysis = analyze(&policy, &Draft::from_text("Bonjour 418 555-0199"));
        assert!(analysis.required_remaining > 0);
        let message = hold_message(&analysis, &policy, Lang::Fr);
        assert!(message.starts_with("Publication retenue"));
        assert!(message.contains(&format!("{} point(s)", analysis.required_remaining)));
        assert!(
            policy
                .items
                .iter()
                .filter(|item| item.required)
                .any(|item| message.contains(&item.label.fr)),
            "{message}"
        );
        assert!(hold_message(&analysis, &policy, Lang::En).starts_with("Publication held"));
    }
}
