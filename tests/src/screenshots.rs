//! Screenshots the tests save under `target/screenshots/`, to be looked at by a person.

use std::path::PathBuf;

use anyhow::Result;

use crate::browser::Browser;
use crate::target_dir;

/// Saves what the browser shows now as `target/screenshots/{name}.png`; returns the path.
pub async fn save(browser: &Browser, name: &str) -> Result<PathBuf> {
    let dir = target_dir().join("screenshots");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, browser.client().screenshot().await?)?;
    Ok(path)
}
