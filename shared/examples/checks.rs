//! `cargo run -p balise-core --example checks`: prints each automatic check's precision and
//! recall on the corpora of `shared/tests/corpus/` and on the public shortener list.

#[path = "../tests/corpus/score.rs"]
mod score;

fn main() {
    let mut scores = vec![(
        "public shortener list".to_owned(),
        score::score_public_list(),
    )];
    for (name, source) in score::CORPORA {
        scores.push(((*name).to_owned(), score::score_corpus(source)));
    }
    println!(
        "{:<24} {:<15} {:>5} {:>4} {:>4} {:>4} {:>9} {:>7}",
        "corpus", "kind", "cases", "TP", "FP", "FN", "precision", "recall"
    );
    for (name, score) in &scores {
        for (kind, counts) in &score.by_kind {
            if counts.true_positives + counts.false_positives + counts.false_negatives == 0 {
                continue;
            }
            println!(
                "{:<24} {:<15} {:>5} {:>4} {:>4} {:>4} {:>8.1}% {:>6.1}%",
                name,
                kind,
                score.cases,
                counts.true_positives,
                counts.false_positives,
                counts.false_negatives,
                counts.precision() * 100.0,
                counts.recall() * 100.0
            );
        }
    }
    for (name, score) in &scores {
        for (line, what, kind, excerpt) in &score.mistakes {
            println!("{name}:{line}: {what} {kind} {excerpt:?}");
        }
    }
}
