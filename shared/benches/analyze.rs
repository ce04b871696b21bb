//! Benchmarks `analyze` on a realistic 5,000-character French post with the built-in policy.

use std::hint::black_box;

use balise_core::analysis::{AnalysisCache, Analyzer, analyze};
use balise_core::policy::Policy;
use balise_core::sample::realistic_french_draft;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench_analyze(c: &mut Criterion) {
    let policy = Policy::sec_csq_default();
    let draft = realistic_french_draft();
    let analyzer = Analyzer::new(&policy);
    c.bench_function("analyze/realistic-french-post", |b| {
        b.iter(|| analyze(black_box(&policy), black_box(&draft)));
    });
    c.bench_function("analyzer/realistic-french-post", |b| {
        b.iter(|| analyzer.analyze(black_box(&draft)));
    });
    // One keystroke at the end of the post: the cache rescans only the last paragraph
    // (two drafts in turn, differing in their last character).
    c.bench_function("analyzer-cached/keystroke-at-the-end", |b| {
        let mut cache = AnalysisCache::default();
        let mut drafts = [draft.clone(), draft.clone()];
        drafts[0].text.push('a');
        drafts[1].text.push('b');
        let mut turn = 0;
        b.iter(|| {
            turn ^= 1;
            analyzer.analyze_cached(black_box(&drafts[turn]), &mut cache)
        });
    });
    // The same in the middle of the post.
    c.bench_function("analyzer-cached/keystroke-in-the-middle", |b| {
        let mut cache = AnalysisCache::default();
        let middle = draft.text.len() / 2;
        let middle = (middle..draft.text.len())
            .find(|at| draft.text.is_char_boundary(*at))
            .unwrap_or(0);
        let mut drafts = [draft.clone(), draft.clone()];
        drafts[0].text.insert(middle, 'a');
        drafts[1].text.insert(middle, 'b');
        let mut turn = 0;
        b.iter(|| {
            turn ^= 1;
            analyzer.analyze_cached(black_box(&drafts[turn]), &mut cache)
        });
    });
    // Links whose hosts are not ASCII or are punycode: the look-alike check's skeletons,
    // script classes and identifier status (its Unicode tables) on each.
    c.bench_function("analyzer/lookalike-hosts", |b| {
        let mut text = String::from("Liens à vérifier :\n");
        for host in [
            "lаpresse.ca",
            "xn--lapress-8nf.ca",
            "lаcsq.org",
            "éducation.gouv.qc.ca",
            "аррӏе.com",
            "курс.рф",
            "例え.jp",
            "faceboοk.com",
        ] {
            text.push_str(&format!("https://{host}/nouvelles\n"));
        }
        let draft = balise_core::analysis::Draft {
            text,
            links: Vec::new(),
        };
        b.iter(|| analyzer.analyze(black_box(&draft)));
    });
    c.bench_function("analyzer-new/sec-csq-policy", |b| {
        b.iter(|| Analyzer::new(black_box(&policy)));
    });
    c.bench_function("analysis-to-json/realistic-french-post", |b| {
        let analysis = analyzer.analyze(&draft);
        b.iter(|| {
            serde_json::to_string(black_box(&analysis))
                .map(|json| json.len())
                .unwrap_or(0)
        });
    });
}

criterion_group!(benches, bench_analyze);
criterion_main!(benches);
