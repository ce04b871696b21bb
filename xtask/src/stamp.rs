//! Skips a build step whose input has not changed since it last ran: a stamp file beside
//! the step's outputs holds the SHA-256 of its input and of what decides how the step runs.
//!
//! What decides how a step runs is its own source file (its flags, its post-processing),
//! the workspace's `Cargo.toml` (the wasm-bindgen version) and `package-lock.json`
//! (binaryen's), all compiled into xtask: a change to one of them reruns the step without
//! anyone having to remember to bump a version, and a change anywhere else in xtask or in
//! the crates it links (`balise-core`) does not.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use balise_core::digest::sha256_hex;

/// What every step's stamp depends on besides the step's own source.
const TOOL_VERSIONS: [&str; 2] = [
    include_str!("../../Cargo.toml"),
    include_str!("../../package-lock.json"),
];

/// A step's stamp: where it lives and what it must say for the outputs to be current.
#[derive(Debug)]
pub struct Stamp {
    path: PathBuf,
    digest: String,
}

impl Stamp {
    /// The stamp at `path` for a step reading `input`, whose code is `step_source` (the
    /// step's source file, `include_str!`).
    pub fn new(path: PathBuf, input: &Path, step_source: &str) -> Result<Self> {
        let input_bytes =
            fs::read(input).with_context(|| format!("reading {}", input.display()))?;
        let mut step = String::from(step_source);
        for text in TOOL_VERSIONS {
            step.push_str(text);
        }
        let digest = format!(
            "{} step {}",
            sha256_hex(&input_bytes),
            sha256_hex(step.as_bytes())
        );
        Ok(Self { path, digest })
    }

    /// The note recorded with the stamp when the step last ran on this very input with this
    /// very xtask and every output is still there; `None` when the step must run.
    pub fn fresh(&self, outputs: &[&Path]) -> Option<String> {
        let text = fs::read_to_string(&self.path).ok()?;
        let (digest, note) = text.split_once('\n').unwrap_or((text.as_str(), ""));
        (digest == self.digest && outputs.iter().all(|output| output.exists()))
            .then(|| note.trim_end().to_owned())
    }

    /// Forgets the stamp before the step runs, so that a step stopped halfway is redone.
    pub fn clear(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                Err(error).with_context(|| format!("removing {}", self.path.display()))
            }
            _ => Ok(()),
        }
    }

    /// Records that the step ran to the end, with a note to give back next time.
    pub fn record(&self, note: &str) -> Result<()> {
        fs::write(&self.path, format!("{}\n{note}\n", self.digest))
            .with_context(|| format!("writing {}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_fresh_only_for_the_same_input_with_its_outputs_and_after_it_finished() {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("input.wasm");
        let output = dir.path().join("out.js");
        let stamp_path = dir.path().join("step.stamp");
        fs::write(&input, b"first").expect("write");
        let stamp = Stamp::new(stamp_path.clone(), &input, "step").expect("stamp");
        assert_eq!(stamp.fresh(&[&output]), None, "never ran");
        fs::write(&output, b"built").expect("write");
        stamp.record("optimized").expect("record");
        assert_eq!(stamp.fresh(&[&output]).as_deref(), Some("optimized"));
        // Another input: stale.
        fs::write(&input, b"second").expect("write");
        let changed = Stamp::new(stamp_path.clone(), &input, "step").expect("stamp");
        assert_eq!(changed.fresh(&[&output]), None);
        // An output removed: stale.
        fs::write(&input, b"first").expect("write");
        let same = Stamp::new(stamp_path.clone(), &input, "step").expect("stamp");
        assert!(same.fresh(&[&output]).is_some());
        // Another step's code: stale.
        let other_code = Stamp::new(stamp_path.clone(), &input, "changed step").expect("stamp");
        assert_eq!(other_code.fresh(&[&output]), None);
        fs::remove_file(&output).expect("remove");
        assert_eq!(same.fresh(&[&output]), None);
        // Cleared before a run that stops halfway: stale.
        fs::write(&output, b"built").expect("write");
        same.clear().expect("clear");
        assert_eq!(same.fresh(&[&output]), None);
    }
}
