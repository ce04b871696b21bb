//! Screenshots: those the tests save under `target/screenshots/` for a person to look at,
//! and the checks of screenshots taken as evidence.

use std::path::PathBuf;

use anyhow::{Context, Result, bail, ensure};

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

/// The report-target fixture page's background, #e4007c.
pub const REPORT_TARGET_COLOR: [u8; 3] = [0xe4, 0x00, 0x7c];

/// A decoded PNG: size and pixels (RGB or RGBA, 8 bits per channel).
#[derive(Debug)]
pub struct Pixels {
    pub width: u32,
    pub height: u32,
    data: Vec<u8>,
    channels: usize,
}

impl Pixels {
    /// Decodes `png`.
    pub fn decode(png: &[u8]) -> Result<Pixels> {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info()?;
        let size = reader.output_buffer_size().context("PNG too large")?;
        let mut data = vec![0; size];
        let frame = reader.next_frame(&mut data)?;
        data.truncate(frame.buffer_size());
        Ok(Pixels {
            width: frame.width,
            height: frame.height,
            data,
            channels: frame.color_type.samples(),
        })
    }

    /// The colour at (`x`, `y`), without alpha.
    pub fn at(&self, x: u32, y: u32) -> Result<[u8; 3]> {
        let at = (y as usize * self.width as usize + x as usize) * self.channels;
        match self.data.get(at..at + 3) {
            Some(&[r, g, b]) => Ok([r, g, b]),
            _ => bail!(
                "({x}, {y}) is outside the {}x{} image",
                self.width,
                self.height
            ),
        }
    }
}

/// Checks a screenshot of the report-target fixture taken as evidence: the whole 1280-wide
/// viewport, showing the page, and neither Balise's report button nor its card (bottom
/// right), which must be hidden during the capture.
pub fn check_report_target_evidence(png: &[u8]) -> Result<()> {
    let pixels = Pixels::decode(png)?;
    ensure!(pixels.width == 1280, "width {}", pixels.width);
    ensure!(pixels.height >= 700, "height {}", pixels.height);
    let (width, height) = (pixels.width, pixels.height);
    ensure!(
        pixels.at(width / 2, height / 2)? == REPORT_TARGET_COLOR,
        "the screenshot does not show the page"
    );
    // The area of the button and of the card above it, bottom right: every pixel is the
    // page's.
    for y in (height - 260..height - 8).step_by(4) {
        for x in (width - 340..width - 8).step_by(4) {
            ensure!(
                pixels.at(x, y)? == REPORT_TARGET_COLOR,
                "Balise's report button shows in the evidence at ({x}, {y})"
            );
        }
    }
    Ok(())
}
