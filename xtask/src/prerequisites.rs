//! Finds, and where allowed installs, what the build and the tests need on a fresh machine:
//! the wasm32 target, the npm packages (wasm-opt, fixture editors), Chromium and ChromeDriver,
//! Firefox ESR and geckodriver, and a Python venv with aiosmtpd for the tests' SMTP server.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use crate::shell;

/// Adds the `wasm32-unknown-unknown` target with rustup when it is missing.
pub fn ensure_wasm_target() -> Result<()> {
    let installed = shell::output("rustup", &["target", "list", "--installed"]);
    match installed {
        Some(list)
            if list
                .lines()
                .any(|line| line.trim() == "wasm32-unknown-unknown") =>
        {
            Ok(())
        }
        Some(_) => shell::run(
            Path::new("."),
            "rustup",
            &["target", "add", "wasm32-unknown-unknown"],
        ),
        None => {
            // Without rustup, trust that the toolchain has the target; cargo says so if not.
            eprintln!(
                "xtask: warning: rustup not found; assuming the wasm32-unknown-unknown target is installed"
            );
            Ok(())
        }
    }
}

/// The `wasm-opt` from the npm package `binaryen`, installing the npm packages when needed.
/// `None` when Node.js/npm are missing.
pub fn wasm_opt(root: &Path) -> Result<Option<PathBuf>> {
    let path = root.join("node_modules").join(".bin").join("wasm-opt");
    if !path.exists() {
        if shell::output("npm", &["--version"]).is_none() {
            return Ok(None);
        }
        ensure_npm_packages(root)?;
    }
    Ok(path.exists().then_some(path))
}

/// Installs the npm packages from the committed lock file when they are missing or stale.
pub fn ensure_npm_packages(root: &Path) -> Result<()> {
    let lock = root.join("package-lock.json");
    let installed_lock = root.join("node_modules").join(".package-lock.json");
    let up_to_date = match (std::fs::metadata(&lock), std::fs::metadata(&installed_lock)) {
        (Ok(lock), Ok(installed)) => match (lock.modified(), installed.modified()) {
            (Ok(lock), Ok(installed)) => installed >= lock,
            _ => false,
        },
        _ => false,
    };
    if up_to_date {
        return Ok(());
    }
    if shell::output("npm", &["--version"]).is_none() {
        bail!(
            "npm is missing: install Node.js 20 or later with npm (Debian: `apt-get install nodejs npm`), then run `npm ci` in {}",
            root.display()
        );
    }
    shell::run(root, "npm", &["ci", "--no-audit", "--no-fund"])
}

/// Whether this process runs as root (and so may install Debian packages).
fn is_root() -> bool {
    shell::output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

/// Whether Debian packages can be installed here: as root, with apt-get.
fn can_apt_install() -> bool {
    is_root() && Path::new("/usr/bin/apt-get").exists()
}

/// Installs Debian `packages` (without their recommendations), after refreshing the lists.
fn apt_install(packages: &[&str]) -> Result<()> {
    shell::run(Path::new("/"), "apt-get", &["update", "-q"])?;
    let mut args = vec!["install", "-y", "-q", "--no-install-recommends"];
    args.extend_from_slice(packages);
    shell::run(Path::new("/"), "apt-get", &args)
}

/// Paths of the Chromium binary and ChromeDriver, installing Debian's packages as root.
pub fn ensure_chromium(install: bool) -> Result<(PathBuf, PathBuf)> {
    if let Some(found) = find_chromium() {
        return Ok(found);
    }
    if install && can_apt_install() {
        println!("==> installing Chromium and ChromeDriver from Debian's packages");
        apt_install(&["chromium", "chromium-driver"])?;
        if let Some(found) = find_chromium() {
            return Ok(found);
        }
    }
    bail!(
        "Chromium and ChromeDriver are needed for the end-to-end tests and were not found.\n\
         Install them (Debian: `sudo apt-get install chromium chromium-driver`), or set \
         BALISE_CHROMIUM and BALISE_CHROMEDRIVER to their paths."
    )
}

fn find_chromium() -> Option<(PathBuf, PathBuf)> {
    let from_env = |name: &str| std::env::var_os(name).map(PathBuf::from);
    let chromium = from_env("BALISE_CHROMIUM").or_else(|| {
        ["/usr/lib/chromium/chromium", "/usr/bin/chromium"]
            .iter()
            .map(PathBuf::from)
            .find(|path| path.exists())
    })?;
    let driver = from_env("BALISE_CHROMEDRIVER").or_else(|| {
        ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .iter()
            .map(PathBuf::from)
            .find(|path| path.exists())
    })?;
    Some((chromium, driver))
}

/// The geckodriver release installed from crates.io when none is found (pinned so every
/// machine tests with the same driver).
pub const GECKODRIVER_VERSION: &str = "0.37.1";

/// Paths of the Firefox binary and geckodriver, installing what is missing: Debian's
/// `firefox-esr` as root, and geckodriver (which Debian does not package) with
/// `cargo install` into `<target dir>/tools`, so a kept target directory reuses it.
pub fn ensure_firefox(root: &Path, install: bool) -> Result<(PathBuf, PathBuf)> {
    let tools = shell::target_dir(root).join("tools");
    let mut firefox = find_firefox();
    if firefox.is_none() && install && can_apt_install() {
        println!("==> installing Firefox ESR from Debian's packages");
        apt_install(&["firefox-esr"])?;
        firefox = find_firefox();
    }
    let Some(firefox) = firefox else {
        bail!(
            "Firefox is needed for the end-to-end tests and was not found.\n\
             Install Firefox ESR (Debian: `sudo apt-get install firefox-esr`), or set \
             BALISE_FIREFOX to the path of a Firefox binary."
        )
    };
    let mut driver = find_geckodriver(&tools);
    if driver.is_none() && install {
        install_geckodriver(&tools)?;
        driver = find_geckodriver(&tools);
    }
    let Some(driver) = driver else {
        bail!(
            "geckodriver is needed for the Firefox end-to-end tests and was not found.\n\
             Install it with `cargo install --locked geckodriver --version {GECKODRIVER_VERSION} \
             --root {}` (about two minutes; `cargo xtask test` does it without `--no-install`), \
             put it on PATH, or set BALISE_GECKODRIVER to its path.",
            tools.display()
        )
    };
    Ok((firefox, driver))
}

fn find_firefox() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BALISE_FIREFOX") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/firefox-esr", "/usr/lib/firefox-esr/firefox-esr"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
}

/// geckodriver from `BALISE_GECKODRIVER`, else `<tools>/bin`, else PATH.
fn find_geckodriver(tools: &Path) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BALISE_GECKODRIVER") {
        return Some(PathBuf::from(path));
    }
    let installed = tools.join("bin").join("geckodriver");
    if installed.exists() {
        return Some(installed);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("geckodriver"))
            .find(|candidate| candidate.is_file())
    })
}

/// Builds geckodriver from crates.io into `<tools>/bin`.
fn install_geckodriver(tools: &Path) -> Result<()> {
    std::fs::create_dir_all(tools)?;
    let tools_arg = tools.to_string_lossy().into_owned();
    println!("==> installing geckodriver {GECKODRIVER_VERSION} from crates.io (about two minutes)");
    let args = [
        "install",
        "--locked",
        "geckodriver",
        "--version",
        GECKODRIVER_VERSION,
        "--root",
        tools_arg.as_str(),
    ];
    println!("==> cargo {}", args.join(" "));
    // Built in cargo's own temporary directory, not the workspace's target directory, and
    // from outside the workspace so its configuration does not apply.
    let status = std::process::Command::new(shell::cargo())
        .args(args)
        .current_dir(tools)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status();
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => bail!(
            "installing geckodriver failed ({status}): run `cargo install --locked geckodriver \
             --version {GECKODRIVER_VERSION} --root {tools_arg}` to see why, or set \
             BALISE_GECKODRIVER to an installed geckodriver"
        ),
        Err(error) => bail!("could not start cargo to install geckodriver: {error}"),
    }
}

/// The aiosmtpd release the tests' SMTP server (`tests/smtp/smtp_server.py`) runs on.
pub const AIOSMTPD_VERSION: &str = "1.4.6";

/// The Python that runs the tests' SMTP server: `BALISE_SMTP_PYTHON`, else the venv
/// `<target dir>/tools/smtp-venv`, made with `python3 -m venv` and given aiosmtpd from PyPI
/// with pip when it is missing (a few seconds, once per target directory). As root on
/// Debian, `python3` and `python3-venv` are installed first if the venv cannot be made.
pub fn ensure_smtp_server(root: &Path, install: bool) -> Result<PathBuf> {
    if let Some(python) = std::env::var_os("BALISE_SMTP_PYTHON").filter(|path| !path.is_empty()) {
        let python = PathBuf::from(python);
        if has_aiosmtpd(&python) {
            return Ok(python);
        }
        bail!(
            "BALISE_SMTP_PYTHON is {}, which cannot import aiosmtpd {AIOSMTPD_VERSION}: install it \
             there (`pip install aiosmtpd=={AIOSMTPD_VERSION}`) or unset BALISE_SMTP_PYTHON",
            python.display()
        );
    }
    let venv = shell::target_dir(root).join("tools").join("smtp-venv");
    let python = venv.join("bin").join("python");
    if has_aiosmtpd(&python) {
        return Ok(python);
    }
    if !install {
        bail!(
            "the end-to-end tests' SMTP server needs a Python venv with aiosmtpd \
             {AIOSMTPD_VERSION} at {venv}, which is missing.\n\
             Run `cargo xtask test` without `--no-install` to make it (a few seconds), or make \
             it yourself: `python3 -m venv {venv} && {venv}/bin/pip install \
             aiosmtpd=={AIOSMTPD_VERSION}`; or set BALISE_SMTP_PYTHON to a Python that has it.",
            venv = venv.display()
        );
    }
    println!(
        "==> installing aiosmtpd {AIOSMTPD_VERSION} for the tests' SMTP server in a Python venv at {}",
        venv.display()
    );
    if !python.exists() {
        make_venv(&venv)?;
    }
    let python_arg = python.to_string_lossy().into_owned();
    let requirement = format!("aiosmtpd=={AIOSMTPD_VERSION}");
    shell::run(
        root,
        &python_arg,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &requirement,
        ],
    )?;
    if !has_aiosmtpd(&python) {
        bail!(
            "{python_arg} still cannot import aiosmtpd {AIOSMTPD_VERSION} after pip installed it; \
             remove {} and run `cargo xtask test` again",
            venv.display()
        );
    }
    Ok(python)
}

/// The schemathesis version `cargo xtask api-fuzz` installs from PyPI.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";

/// The `schemathesis` program of a venv in `<target>/tools/schemathesis-venv`, made and
/// filled from PyPI when `install` (about a minute, once per target directory).
pub fn ensure_schemathesis(root: &Path, install: bool) -> Result<PathBuf> {
    let venv = shell::target_dir(root)
        .join("tools")
        .join("schemathesis-venv");
    let program = venv.join("bin").join("schemathesis");
    let installed = |program: &Path| {
        shell::output(&program.to_string_lossy(), &["--version"])
            .is_some_and(|version| version.contains(SCHEMATHESIS_VERSION))
    };
    if installed(&program) {
        return Ok(program);
    }
    if !install {
        bail!(
            "the API fuzzing run needs schemathesis {SCHEMATHESIS_VERSION} in a Python venv at \
             {venv}, which is missing. Run without `--no-install` to make it (about a minute), \
             or: `python3 -m venv {venv} && {venv}/bin/pip install \
             schemathesis=={SCHEMATHESIS_VERSION}`",
            venv = venv.display()
        );
    }
    println!(
        "==> installing schemathesis {SCHEMATHESIS_VERSION} for the API fuzzing run in a Python venv at {}",
        venv.display()
    );
    let python = venv.join("bin").join("python");
    if !python.exists() {
        make_venv(&venv)?;
    }
    let requirement = format!("schemathesis=={SCHEMATHESIS_VERSION}");
    shell::run(
        root,
        &python.to_string_lossy(),
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &requirement,
        ],
    )?;
    if !installed(&program) {
        bail!(
            "{} still does not run after pip installed it; remove {} and try again",
            program.display(),
            venv.display()
        );
    }
    Ok(program)
}

/// `python3 -m venv --clear VENV`, installing Debian's `python3` and `python3-venv` first
/// (as root) when that fails.
fn make_venv(venv: &Path) -> Result<()> {
    let venv_arg = venv.to_string_lossy().into_owned();
    let args = ["-m", "venv", "--clear", venv_arg.as_str()];
    if let Some(parent) = venv.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let first = shell::run(Path::new("."), "python3", &args);
    match first {
        Ok(()) => Ok(()),
        Err(_) if can_apt_install() => {
            println!("==> installing python3 and python3-venv from Debian's packages");
            apt_install(&["python3", "python3-venv"])?;
            shell::run(Path::new("."), "python3", &args)
        }
        Err(error) => Err(error.context(
            "could not make a Python venv for the tests' SMTP server: install Python 3 with its \
             venv module (Debian: `sudo apt-get install python3 python3-venv`)",
        )),
    }
}

/// Whether `python` runs and imports the pinned aiosmtpd.
fn has_aiosmtpd(python: &Path) -> bool {
    let check =
        format!("import sys, aiosmtpd; sys.exit(aiosmtpd.__version__ != {AIOSMTPD_VERSION:?})");
    python.exists()
        && std::process::Command::new(python)
            .args(["-c", &check])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
}
