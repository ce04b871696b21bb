//! What the content script decides about compose boxes without touching the page: the
//! draft's text as the person sees it, which candidate is closest to a box or a control,
//! when a publication is held, when a second publish event is the same publication, and
//! the keystroke samples kept for the benchmark.

use std::collections::VecDeque;

/// A second publish event for the same text within this delay is the same publication.
pub const SAME_PUBLICATION_MS: f64 = 2_000.0;

/// Keystroke-to-panel samples kept per box for the benchmark.
pub const SAMPLES_KEPT: usize = 2_000;

/// The draft's text as the person sees it: `raw` without the invisible characters editors
/// insert (zero-width space, byte-order mark), with no-break spaces read as spaces.
pub fn visible_text(raw: String) -> String {
    if raw
        .chars()
        .any(|ch| matches!(ch, '\u{a0}' | '\u{200b}' | '\u{feff}'))
    {
        raw.chars()
            .filter(|ch| !matches!(ch, '\u{200b}' | '\u{feff}'))
            .map(|ch| if ch == '\u{a0}' { ' ' } else { ch })
            .collect()
    } else {
        raw
    }
}

/// The closest of `candidates`, each with its depth (how many steps up from it to the
/// ancestor it shares with the target): the smallest depth wins; on a tie the first one
/// stays unless a later one is `preferred` (the box in use).
pub fn closest<T>(
    candidates: impl IntoIterator<Item = (usize, T)>,
    preferred: impl Fn(&T) -> bool,
) -> Option<T> {
    let mut best: Option<(usize, T)> = None;
    for (depth, candidate) in candidates {
        let better = match &best {
            None => true,
            Some((best_depth, best)) => {
                depth < *best_depth
                    || (depth == *best_depth && preferred(&candidate) && !preferred(best))
            }
        };
        if better {
            best = Some((depth, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// Whether a publication is held: the policy is strict, required items remain, and the
/// person has not written an override reason.
pub fn holds(strict_mode: bool, required_remaining: u32, overridden: bool) -> bool {
    strict_mode && required_remaining > 0 && !overridden
}

/// The last publication recorded from one box, to tell a repeated publish event (a click
/// then the key, or a site firing twice) from a new publication.
#[derive(Debug, Default, Clone)]
pub struct LastPublication {
    last: Option<(String, f64)>,
}

impl LastPublication {
    /// Whether a publication of the text with SHA-256 `digest` at `now` (milliseconds) is
    /// new: not the same text within [`SAME_PUBLICATION_MS`] of the last one. A new one
    /// becomes the last.
    pub fn is_new(&mut self, digest: &str, now: f64) -> bool {
        if let Some((last_digest, at)) = &self.last
            && last_digest == digest
            && now - at < SAME_PUBLICATION_MS
        {
            return false;
        }
        self.last = Some((digest.to_owned(), now));
        true
    }
}

/// Keystroke-to-panel times (milliseconds), the latest [`SAMPLES_KEPT`] only.
#[derive(Debug, Default, Clone)]
pub struct KeystrokeSamples {
    samples: VecDeque<f64>,
}

impl KeystrokeSamples {
    /// Adds one sample, dropping the oldest when full.
    pub fn push(&mut self, sample: f64) {
        if self.samples.len() == SAMPLES_KEPT {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
    }

    /// How many samples are kept.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether no sample is kept.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The samples as the benchmark reads them: milliseconds with three decimals, oldest
    /// first, separated by spaces.
    pub fn to_attribute(&self) -> String {
        let mut samples = String::new();
        for sample in &self.samples {
            crate::text::push_word(&mut samples, &crate::text::fixed_decimals(*sample, 3));
        }
        samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_text_drops_invisible_characters_and_reads_no_break_spaces() {
        assert_eq!(
            visible_text("a\u{a0}b\u{200b}c\u{feff}d".to_owned()),
            "a bcd"
        );
        assert_eq!(visible_text("plain text".to_owned()), "plain text");
        assert_eq!(visible_text(String::new()), "");
    }

    #[test]
    fn closest_takes_the_smallest_depth_then_the_preferred_on_a_tie() {
        assert_eq!(
            closest([(3, 'a'), (1, 'b'), (2, 'c')], |_| false),
            Some('b')
        );
        assert_eq!(closest([(1, 'a'), (1, 'b')], |_| false), Some('a'));
        assert_eq!(closest([(1, 'a'), (1, 'b')], |c| *c == 'b'), Some('b'));
        assert_eq!(closest([(1, 'b'), (1, 'a')], |c| *c == 'b'), Some('b'));
        assert_eq!(closest([(2, 'a'), (1, 'b')], |c| *c == 'a'), Some('b'));
        assert_eq!(closest(Vec::<(usize, char)>::new(), |_| true), None);
    }

    #[test]
    fn holds_only_strict_with_required_items_left_and_no_override() {
        assert!(holds(true, 1, false));
        assert!(!holds(false, 1, false));
        assert!(!holds(true, 0, false));
        assert!(!holds(true, 3, true));
    }

    #[test]
    fn same_text_within_the_delay_is_the_same_publication() {
        let mut last = LastPublication::default();
        assert!(last.is_new("abc", 1_000.0));
        assert!(!last.is_new("abc", 1_000.0 + SAME_PUBLICATION_MS - 1.0));
        assert!(last.is_new("abc", 1_000.0 + SAME_PUBLICATION_MS));
        assert!(last.is_new("def", 1_000.0 + SAME_PUBLICATION_MS + 1.0));
        assert!(last.is_new("abc", 1_000.0 + SAME_PUBLICATION_MS + 2.0));
    }

    #[test]
    fn samples_keep_the_latest_and_print_three_decimals() {
        let mut samples = KeystrokeSamples::default();
        assert!(samples.is_empty());
        assert_eq!(samples.to_attribute(), "");
        for index in 0..SAMPLES_KEPT + 5 {
            samples.push(index as f64);
        }
        assert_eq!(samples.len(), SAMPLES_KEPT);
        let printed = samples.to_attribute();
        assert!(printed.starts_with("5.000 6.000 "), "{}", &printed[..20]);
        assert!(printed.ends_with(&format!("{}.000", SAMPLES_KEPT + 4)));
        let mut one = KeystrokeSamples::default();
        one.push(1.23456);
        assert_eq!(one.to_attribute(), "1.235");
    }
}
