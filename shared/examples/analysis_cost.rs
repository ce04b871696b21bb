//! Prints what one analysis of the 5,500-character sample post costs, in wall-clock time
//! and in this thread's CPU time (`/proc/thread-self/schedstat`, Linux): on a shared,
//! busy machine the CPU time is the figure that does not depend on the neighbours. Then
//! the same for one keystroke at the end of the post with the paragraph cache
//! (`Analyzer::analyze_cached`, as the content script runs it).
//!
//! `cargo run --release -p balise-core --example analysis_cost [ITERATIONS]`

use std::hint::black_box;
use std::time::Instant;

use balise_core::analysis::{AnalysisCache, Analyzer};
use balise_core::policy::Policy;
use balise_core::sample::realistic_french_draft;

/// Nanoseconds this thread has spent on a CPU, when the kernel says.
fn thread_cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

fn main() {
    let iterations: u32 = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(4000);
    let policy = Policy::sec_csq_default();
    let draft = realistic_french_draft();
    let analyzer = Analyzer::new(&policy);
    // Warm up: the lists are read at first use.
    black_box(analyzer.analyze(&draft));
    let cpu_start = thread_cpu_ns();
    let wall_start = Instant::now();
    for _ in 0..iterations {
        black_box(analyzer.analyze(black_box(&draft)));
    }
    let wall = wall_start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
    println!(
        "analysis of the {}-character sample post, {iterations} times:",
        draft.text.chars().count()
    );
    println!("  wall-clock: {wall:.1} µs per analysis");
    print_cpu(cpu_start, iterations);

    // One keystroke at the end: two drafts in turn, differing in their last character.
    let mut drafts = [draft.clone(), draft.clone()];
    drafts[0].text.push('a');
    drafts[1].text.push('b');
    let mut cache = AnalysisCache::default();
    black_box(analyzer.analyze_cached(&drafts[0], &mut cache));
    let cpu_start = thread_cpu_ns();
    let wall_start = Instant::now();
    for turn in 0..iterations {
        let draft = &drafts[(turn % 2) as usize];
        black_box(analyzer.analyze_cached(black_box(draft), &mut cache));
    }
    let wall = wall_start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations);
    println!("one keystroke at the end, paragraph cache (analyze_cached), {iterations} times:");
    println!("  wall-clock: {wall:.1} µs per analysis");
    print_cpu(cpu_start, iterations);
}

fn print_cpu(cpu_start: Option<u64>, iterations: u32) {
    match (cpu_start, thread_cpu_ns()) {
        (Some(start), Some(end)) => println!(
            "  CPU time:   {:.1} µs per analysis (this thread, on a CPU)",
            (end - start) as f64 / 1e3 / f64::from(iterations)
        ),
        _ => println!("  CPU time:   not available (no /proc/thread-self/schedstat)"),
    }
}
