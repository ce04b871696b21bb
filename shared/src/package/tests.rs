//! The packages' tests: built, opened, and every kind of tampering refused.

use std::io::{Cursor, Write};

use super::build::zip_time;
use super::open::{parse_manifest, plain_name, read_files};
use super::*;
use crate::digest::sha256_hex;

use crate::sample::SAMPLE_PNG as PNG;

/// The sample package's contents, forwarded to the board, with a summary page.
fn contents() -> PackageContents {
    let mut contents = crate::sample::package_contents(true).expect("sample contents");
    contents.summary_html = Some("<p>Résumé / Summary</p>".into());
    contents
}

fn rewrite(package: &[u8], name: &str, content: &[u8], fix_manifest: bool) -> Vec<u8> {
    let mut files = read_files(package).expect("read");
    let old_sha = files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, c)| sha256_hex(c))
        .expect("file");
    for (n, c) in &mut files {
        if n == name {
            *c = content.to_vec();
        }
    }
    if fix_manifest {
        for (n, c) in &mut files {
            if n == MANIFEST_FILE {
                let text = String::from_utf8(c.clone()).expect("utf8");
                *c = text.replace(&old_sha, &sha256_hex(content)).into_bytes();
            }
        }
    }
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (n, c) in files {
        writer.start_file(n, options).expect("start");
        writer.write_all(&c).expect("write");
    }
    writer.finish().expect("finish").into_inner()
}

#[test]
fn a_selection_holds_each_package_unchanged_with_a_manifest_over_them() {
    let first = build(&contents()).expect("build");
    let mut other = contents();
    other.summary_html = Some("<p>Autre / Other</p>".into());
    let second = build(&other).expect("build");
    let packages = vec![
        (
            "aaaaaaaa-0000-4000-8000-000000000001".to_owned(),
            first.clone(),
        ),
        (
            "aaaaaaaa-0000-4000-8000-000000000002".to_owned(),
            second.clone(),
        ),
    ];
    let bytes = build_selection(&packages, "<h1>Sélection</h1>", "2026-12-06T20:00:00Z")
        .expect("selection");
    let files = read_files(&bytes).expect("read");
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "aaaaaaaa-0000-4000-8000-000000000001.zip",
            "aaaaaaaa-0000-4000-8000-000000000002.zip",
            README_FILE,
            SUMMARY_FILE,
            MANIFEST_FILE
        ]
    );
    assert_eq!(files[0].1, first, "each package byte for byte");
    assert!(
        open(&files[1].1).is_ok(),
        "and it still verifies on its own"
    );
    let manifest = String::from_utf8(files[4].1.clone()).expect("utf8");
    assert_eq!(
        parse_manifest(&manifest).expect("manifest"),
        files[..4]
            .iter()
            .map(|(name, content)| (sha256_hex(content), name.clone()))
            .collect::<Vec<_>>()
    );
    assert!(
        String::from_utf8(files[2].1.clone())
            .expect("utf8")
            .contains("sha256sum -c manifest.sha256")
    );
}

#[test]
fn a_selection_opens_into_its_packages_each_verified_and_named_after_its_report() {
    let single = build(&contents()).expect("build");
    let id = "0b9e2f9c-1f43-4f5e-9f61-6f3d6a4f2e11".to_owned();
    assert_eq!(open_any(&single).expect("a package alone").len(), 1);
    let selection = build_selection(
        &[(id.clone(), single.clone())],
        "<h1>Sélection</h1>",
        "2026-12-06T20:00:00Z",
    )
    .expect("selection");
    let opened = open_any(&selection).expect("the selection");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].report.id, id);
    assert_eq!(opened[0].package_sha256, sha256_hex(&single));
    // A package filed under another report's name is refused.
    let misnamed = build_selection(
        &[("aaaaaaaa-0000-4000-8000-000000000001".to_owned(), single)],
        "<h1>Sélection</h1>",
        "2026-12-06T20:00:00Z",
    )
    .expect("selection");
    assert!(matches!(
        open_any(&misnamed),
        Err(PackageError::BadName(name)) if name.starts_with("aaaaaaaa")
    ));
    // So is a selection without any package.
    let empty = build_selection(&[], "<h1>Vide</h1>", "2026-12-06T20:00:00Z").expect("empty");
    assert!(matches!(
        open_any(&empty),
        Err(PackageError::Missing(REPORT_FILE))
    ));
}

#[test]
fn a_built_package_opens_and_verifies() {
    let contents = contents();
    let bytes = build(&contents).expect("build");
    let package = open(&bytes).expect("open");
    assert_eq!(package.report_json, contents.report_json);
    assert_eq!(package.screenshot, PNG);
    assert_eq!(package.annotations, contents.annotations);
    assert_eq!(package.evidence, contents.evidence);
    assert_eq!(
        package.forward.as_ref().map(|f| f.manager_name.as_str()),
        Some("Julie Gagnon")
    );
    assert_eq!(package.package_sha256, sha256_hex(&bytes));
}

#[test]
fn the_manifest_lists_every_other_file_in_sha256sum_format() {
    let bytes = build(&contents()).expect("build");
    let files = read_files(&bytes).expect("read");
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            REPORT_FILE,
            SCREENSHOT_FILE,
            ANNOTATIONS_FILE,
            EVIDENCE_FILE,
            FORWARD_FILE,
            README_FILE,
            SUMMARY_FILE,
            MANIFEST_FILE
        ]
    );
    let manifest = String::from_utf8(files[7].1.clone()).expect("utf8");
    let lines: Vec<&str> = manifest.lines().collect();
    assert_eq!(lines.len(), 7);
    for ((name, content), line) in files.iter().zip(&lines) {
        assert_eq!(*line, format!("{}  {name}", sha256_hex(content)));
    }
}

#[test]
fn a_changed_screenshot_byte_is_caught_by_the_manifest() {
    let bytes = build(&contents()).expect("build");
    let mut png = PNG.to_vec();
    png[20] ^= 1;
    let forged = rewrite(&bytes, SCREENSHOT_FILE, &png, false);
    assert_eq!(
        open(&forged).expect_err("forged").to_string(),
        PackageError::HashMismatch(SCREENSHOT_FILE.into()).to_string()
    );
}

#[test]
fn a_byte_changed_inside_the_archive_is_caught_by_its_checksum() {
    let mut bytes = build(&contents()).expect("build");
    let at = bytes
        .windows(PNG.len())
        .position(|w| w == PNG)
        .expect("the stored screenshot");
    bytes[at + 12] ^= 1;
    assert_eq!(
        open(&bytes).expect_err("damaged"),
        PackageError::Damaged(SCREENSHOT_FILE.into())
    );
}

#[test]
fn a_swapped_screenshot_with_its_manifest_line_is_caught_by_the_report() {
    let bytes = build(&contents()).expect("build");
    let other = b"\x89PNG\r\n\x1a\nanother picture";
    let forged = rewrite(&bytes, SCREENSHOT_FILE, other, true);
    assert!(matches!(
        open(&forged),
        Err(PackageError::ScreenshotMismatch { .. })
    ));
}

#[test]
fn an_edited_report_with_its_manifest_line_is_caught_by_the_log() {
    let contents = contents();
    let bytes = build(&contents).expect("build");
    let edited = contents
        .report_json
        .replace("Marie Tremblay", "Quelqu'un d'autre");
    let forged = rewrite(&bytes, REPORT_FILE, edited.as_bytes(), true);
    assert!(matches!(
        open(&forged),
        Err(PackageError::InvalidEvidence(detail)) if detail.contains("another report.json")
    ));
}

#[test]
fn an_edited_forward_is_caught() {
    let contents = contents();
    let bytes = build(&contents).expect("build");
    let edited = contents
        .forward_json
        .as_deref()
        .expect("forward")
        .replace("12 novembre", "13 novembre");
    let forged = rewrite(&bytes, FORWARD_FILE, edited.as_bytes(), true);
    assert!(matches!(
        open(&forged),
        Err(PackageError::InvalidEvidence(_))
    ));
}

#[test]
fn anything_not_a_package_is_refused_clearly() {
    assert!(matches!(
        open(b"From: x\r\n\r\nnot a zip"),
        Err(PackageError::Archive(_))
    ));
    assert!(matches!(open(&[]), Err(PackageError::Archive(_))));
}

#[test]
fn path_like_names_and_extra_files_are_refused() {
    for bad in ["../evil.txt", "dir/file", "/etc/passwd", "a\\b", ""] {
        assert!(!plain_name(bad), "{bad}");
    }
    let bytes = build(&contents()).expect("build");
    let mut files = read_files(&bytes).expect("read");
    files.push(("extra.txt".into(), b"unlisted".to_vec()));
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, c) in files {
        writer
            .start_file(n, zip::write::SimpleFileOptions::default())
            .expect("start");
        writer.write_all(&c).expect("write");
    }
    let extra = writer.finish().expect("finish").into_inner();
    assert_eq!(
        open(&extra).expect_err("extra"),
        PackageError::NotListed("extra.txt".into())
    );
}

#[test]
fn manifest_lines_parse_as_sha256sum_writes_them() {
    let hash = sha256_hex(b"x");
    let parsed = parse_manifest(&format!("{hash}  a.txt\n{hash} *b.png\n")).expect("parse");
    assert_eq!(parsed[1].1, "b.png");
    assert!(parse_manifest(&format!("{hash} a.txt\n")).is_err());
    assert!(parse_manifest("abc  a.txt\n").is_err());
}

#[test]
fn zip_times_come_from_the_stored_timestamp() {
    let at = zip_time("2026-12-02T08:09:10.000000Z");
    assert_eq!(
        (at.year(), at.month(), at.day(), at.hour(), at.minute()),
        (2026, 12, 2, 8, 9)
    );
    assert_eq!(zip_time("garbage"), zip::DateTime::default());
}
