//! The plain-text body: French then English, the summary rows, the evidence's limits.

use std::fmt::Write;

use super::{HONEST_EN, HONEST_FR, LetterInput, Row, VERIFY_EN, VERIFY_FR, category_label, intro};
use crate::store::mail::MailKind;

pub(super) fn text_body(input: &LetterInput, rows: &[Row]) -> String {
    let (intro_fr, intro_en) = intro(input);
    let mut text = String::new();
    let facts = input.forward.as_ref();
    for french in [true, false] {
        if !french {
            text.push_str("\n----------------------------------------------------------------\n");
            text.push_str("English follows the French / Le français précède l'anglais\n\n");
        }
        text.push_str(if french { &intro_fr } else { &intro_en });
        text.push_str("\n\n");
        if let Some(forward) = facts {
            let _ = writeln!(
                text,
                "{}\n{}\n",
                if french {
                    format!("Faits vérifiés par {} :", forward.manager_name)
                } else {
                    format!("Facts verified by {}:", forward.manager_name)
                },
                indent(&forward.facts)
            );
        }
        // French typography puts a space before the colon.
        let colon = if french { " :" } else { ":" };
        if input.kind == MailKind::FollowUp {
            for annotation in &input.annotations {
                if let Some(category) = annotation.annotation.category {
                    let (fr, en) = category_label(category);
                    let _ = writeln!(
                        text,
                        "{}{colon} {}",
                        if french { "Catégorie" } else { "Category" },
                        if french { fr } else { en }
                    );
                }
                if let Some(note) = &annotation.annotation.note {
                    let _ = writeln!(text, "Note{colon} {note}");
                }
            }
            text.push('\n');
        }
        for row in rows {
            let label = if french { row.fr } else { row.en };
            let value = if french { &row.value_fr } else { &row.value_en };
            if value.contains('\n') {
                let _ = writeln!(text, "{label}{colon}\n{}", indent(value));
            } else {
                let _ = writeln!(text, "{label}{colon} {value}");
            }
        }
        if input.kind != MailKind::FollowUp {
            text.push('\n');
            text.push_str(if french { VERIFY_FR } else { VERIFY_EN });
            text.push_str("\n\n");
            text.push_str(if french { HONEST_FR } else { HONEST_EN });
        }
        text.push('\n');
    }
    text.push_str("\n-- \nBalise — compagnon local / local companion\n");
    text
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("    {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
