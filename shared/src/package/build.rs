//! Writing packages: one report's ZIP, a selection of several, and the README each carries.

use std::io::{Cursor, Write};

use super::*;
use crate::digest::sha256_hex;

/// The date a ZIP entry carries: `YYYY-MM-DDTHH:MM:SS…` (the stored UTC format), else 1980-01-01.
pub(super) fn zip_time(stamp: &str) -> zip::DateTime {
    let number = |range: std::ops::Range<usize>| -> Option<u16> { stamp.get(range)?.parse().ok() };
    let parts = (|| {
        Some((
            number(0..4)?,
            u8::try_from(number(5..7)?).ok()?,
            u8::try_from(number(8..10)?).ok()?,
            u8::try_from(number(11..13)?).ok()?,
            u8::try_from(number(14..16)?).ok()?,
            u8::try_from(number(17..19)?).ok()?,
        ))
    })();
    parts
        .and_then(|(year, month, day, hour, minute, second)| {
            zip::DateTime::from_date_and_time(year, month, day, hour, minute, second).ok()
        })
        .unwrap_or_default()
}

/// The explanation inside every package.
fn readme(report_id: &str) -> String {
    format!(
        "\
Paquet de preuves Balise — signalement {report_id}
==================================================

Ce paquet contient un signalement fait avec Balise, l'outil du SEC-CSQ pour sa politique
d'utilisation des médias sociaux.

- report.json : le signalement tel que le compagnon Balise l'a reçu (page, date, personne
  qui signale, catégorie, note, empreinte SHA-256 de la capture).
- screenshot.png : la capture d'écran, octet pour octet.
- annotations.json : catégorie et note ajoutées ensuite.
- evidence.json : les entrées du journal de preuves enchaîné (chaque entrée contient
  l'empreinte de la précédente) et la tête de la chaîne au moment de l'envoi.
- forward.json (s'il est présent) : les faits vérifiés par la personne gestionnaire de
  contenu pour le conseil d'administration.
- manifest.sha256 : l'empreinte SHA-256 de chaque fichier.

Vérifier : décompressez le paquet, puis dans ce dossier : sha256sum -c manifest.sha256
(macOS : shasum -a 256 -c manifest.sha256). Chaque ligne doit dire « OK » (ou « Réussi »).
Le compagnon de la personne gestionnaire vérifie aussi tout cela à l'importation.

Ce que cela prouve : le fichier n'a pas changé depuis que le compagnon l'a reçu, et la
capture est bien celle que nomme le signalement. Ce que cela ne prouve pas : la capture
est faite sur l'ordinateur de la personne qui signale; une page peut avoir été modifiée
avant la capture. Vérifiez les faits à la source avant d'y répondre.


Balise evidence package — report {report_id}
=============================================

This package holds a report made with Balise, SEC-CSQ's tool for its social media policy.

- report.json: the report as the Balise companion received it (page, time, reporter,
  category, note, the screenshot's SHA-256).
- screenshot.png: the screenshot, byte for byte.
- annotations.json: category and note added afterwards.
- evidence.json: the entries of the chained evidence log (each entry holds the previous
  one's hash) and the chain head when this was sent.
- forward.json (when present): the facts the content manager verified for the board.
- manifest.sha256: the SHA-256 of every file.

To check: unzip the package, then in that folder: sha256sum -c manifest.sha256
(macOS: shasum -a 256 -c manifest.sha256). Every line must say \"OK\".
The manager's companion also checks all of this on import.

What this proves: the files have not changed since the companion received them, and the
screenshot is the one the report names. What it does not prove: the capture was made on
the reporter's own computer, and a page can be edited before it is captured. Check the
facts at their source before answering.
"
    )
}

/// Builds the ZIP: every file, then the manifest of their SHA-256.
pub fn build(contents: &PackageContents) -> Result<Vec<u8>, PackageError> {
    let annotations = serde_json::to_string_pretty(&contents.annotations)
        .map_err(|error| PackageError::InvalidEvidence(error.to_string()))?;
    let evidence = serde_json::to_string_pretty(&contents.evidence)
        .map_err(|error| PackageError::InvalidEvidence(error.to_string()))?;
    let mut files: Vec<(&str, &[u8])> = vec![
        (REPORT_FILE, contents.report_json.as_bytes()),
        (SCREENSHOT_FILE, &contents.screenshot),
        (ANNOTATIONS_FILE, annotations.as_bytes()),
        (EVIDENCE_FILE, evidence.as_bytes()),
    ];
    if let Some(forward) = &contents.forward_json {
        files.push((FORWARD_FILE, forward.as_bytes()));
    }
    let readme = readme(&contents.evidence.report_id);
    files.push((README_FILE, readme.as_bytes()));
    if let Some(summary) = &contents.summary_html {
        files.push((SUMMARY_FILE, summary.as_bytes()));
    }
    with_manifest(files, &contents.evidence.generated_at)
}

/// Stores `files`, then `manifest.sha256` listing their SHA-256, uncompressed, dated
/// `generated_at`.
fn with_manifest(files: Vec<(&str, &[u8])>, generated_at: &str) -> Result<Vec<u8>, PackageError> {
    let mut manifest = String::new();
    for (name, bytes) in &files {
        manifest.push_str(&sha256_hex(bytes));
        manifest.push_str("  ");
        manifest.push_str(name);
        manifest.push('\n');
    }
    let files = files
        .into_iter()
        .chain(std::iter::once((MANIFEST_FILE, manifest.as_bytes())));

    let archive = |error: zip::result::ZipError| PackageError::Archive(error.to_string());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip_time(generated_at))
        .unix_permissions(0o644);
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in files {
        writer.start_file(name, options).map_err(archive)?;
        writer
            .write_all(bytes)
            .map_err(|error| PackageError::Archive(error.to_string()))?;
    }
    Ok(writer.finish().map_err(archive)?.into_inner())
}

/// The file name of a report's package inside a selection: `<report id>.zip`.
pub fn selection_entry(report_id: &str) -> String {
    format!("{report_id}.zip")
}

/// Several reports' packages in one ZIP: each package as `<report id>.zip` (unchanged, so
/// each still opens and verifies on its own), a README saying how to check them, a
/// readable summary (`summary_html`) and `manifest.sha256` over all of them.
pub fn build_selection(
    packages: &[(String, Vec<u8>)],
    summary_html: &str,
    generated_at: &str,
) -> Result<Vec<u8>, PackageError> {
    let names: Vec<String> = packages.iter().map(|(id, _)| selection_entry(id)).collect();
    let mut files: Vec<(&str, &[u8])> = names
        .iter()
        .zip(packages)
        .map(|(name, (_, bytes))| (name.as_str(), bytes.as_slice()))
        .collect();
    let readme = selection_readme(packages.len());
    files.push((README_FILE, readme.as_bytes()));
    files.push((SUMMARY_FILE, summary_html.as_bytes()));
    with_manifest(files, generated_at)
}

fn selection_readme(count: usize) -> String {
    format!(
        "Sélection de {count} signalement(s) exportée par Balise / A selection of {count} report(s) exported by Balise\n\
         \n\
         Chaque fichier <identifiant>.zip est le paquet de preuves d'un signalement, tel qu'il serait exporté seul : \
         décompressez-le et vérifiez-le avec « sha256sum -c manifest.sha256 ». Le manifest.sha256 de cette archive \
         donne l'empreinte de chaque paquet.\n\
         Each <id>.zip file is one report's evidence package, as it would be exported alone: unzip it and check it \
         with \"sha256sum -c manifest.sha256\". This archive's manifest.sha256 gives each package's hash.\n\
         \n\
         Une capture faite sur l'ordinateur de la personne qui signale peut avoir été précédée d'une modification \
         de la page : les empreintes prouvent que rien n'a changé depuis la réception, pas l'authenticité de la page.\n\
         A capture made on the reporter's own computer could follow an edit of the page: the hashes prove nothing \
         changed since receipt, not that the page was authentic.\n"
    )
}
