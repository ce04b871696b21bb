//! `cargo xtask run`: builds the extension and starts the companion, saying how to use both.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::{extension, manifest, shell};

/// Builds everything, prints where to load the extension and how to pair it, then becomes the companion.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut companion_args = vec!["serve".to_owned()];
    let mut port = "7878".to_owned();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--data-dir" | "--port" => {
                let value = rest
                    .next()
                    .with_context(|| format!("`{arg}` needs a value"))?;
                if arg == "--port" {
                    port.clone_from(value);
                }
                companion_args.push(arg.clone());
                companion_args.push(value.clone());
            }
            other => bail!(
                "unknown option `{other}` for `cargo xtask run` (use --data-dir DIR, --port PORT)"
            ),
        }
    }

    let built = extension::build(root)?;
    let cargo = shell::cargo();
    shell::run(
        root,
        &cargo,
        &["build", "--release", "--package", "balise-companion"],
    )?;
    let binary = shell::target_dir(root)
        .join("release")
        .join("balise-companion");

    println!();
    println!("Balise is ready / Balise est prêt");
    println!("  1. Chromium: open chrome://extensions, turn on developer mode, \"Load unpacked\":");
    println!("       {}", built.chromium_dir.display());
    println!("     (extension ID {})", manifest::chromium_extension_id());
    println!("     Firefox: about:debugging > This Firefox > Load Temporary Add-on:");
    println!(
        "       {}",
        built.firefox_dir.join("manifest.json").display()
    );
    println!(
        "  2. Sign in: in that browser open the \"Tableau de bord / Dashboard\" link the companion prints below"
    );
    println!("     (once, within 15 minutes; later: balise-companion open).");
    println!("  3. Pair: open http://127.0.0.1:{port}/pair there,");
    println!(
        "     click \"Jumeler ce navigateur / Pair this browser\", then approve the request marked as this browser's."
    );
    if let Some(out_dir) = built.chromium_dir.parent() {
        println!("  Zip files to distribute: {}", out_dir.display());
    }
    println!();

    exec(&binary, &companion_args)
}

#[cfg(unix)]
fn exec(binary: &Path, args: &[String]) -> Result<()> {
    use std::os::unix::process::CommandExt;
    // Replace this process so Ctrl+C and SIGTERM reach the companion directly.
    let error = std::process::Command::new(binary).args(args).exec();
    Err(error).with_context(|| format!("starting {}", binary.display()))
}

#[cfg(not(unix))]
fn exec(binary: &Path, args: &[String]) -> Result<()> {
    let status = std::process::Command::new(binary).args(args).status()?;
    if !status.success() {
        bail!("the companion exited with {status}");
    }
    Ok(())
}
