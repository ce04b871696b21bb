//! The dashboard's *Vérifier un texte / Check a text* page against the real server: the
//! findings of a text with a shortener and a phone number, each item's state and the
//! required items that fail, in French and in English; refused without a session or the
//! form token; and markup in the text shown as text.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestServer, csrf_from, expect_error};

const TEXT: &str = "Inscrivez-vous au colloque : bit.ly/3FsE-csq?x=1&y=2 \
                    ou appelez Marie au 418-555-0199. <script>alert(\"x\")</script>\
                    <img src=x onerror=alert(1)>";

async fn post_check(
    server: &TestServer,
    csrf: Option<&str>,
    text: &str,
    lang: &str,
) -> reqwest::Response {
    let mut fields = vec![("text", text)];
    if let Some(csrf) = csrf {
        fields.push(("csrf", csrf));
    }
    server
        .client
        .post(server.url("/check"))
        .header("origin", server.own_origin())
        .header("accept-language", lang)
        .form(&fields)
        .send()
        .await
        .unwrap()
}

/// The `<li>` of item `id` in a results page.
fn item<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("<li data-item-id=\"{id}\""))
        .unwrap_or_else(|| panic!("item {id} in {page}"));
    let end = page[start..]
        .find("</li></ul></li>")
        .map_or_else(|| page[start..].find("</li>").unwrap() + 5, |end| end + 15);
    &page[start..start + end]
}

#[tokio::test]
async fn a_text_is_checked_against_the_policy_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;

    // The dashboard links to the page, which has the form and its token.
    assert!(server.page("/").await.contains("href=\"/check\""));
    let form = server.page("/check").await;
    assert!(
        form.contains("<textarea id=\"text\" name=\"text\""),
        "{form}"
    );
    let csrf = csrf_from(&form);

    let response = post_check(&server, Some(&csrf), TEXT, "fr-CA").await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("<html lang=\"fr\">"));

    // The shortener and the phone number, each with its excerpt and place.
    let shortener = item(&page, "liens-complets");
    assert!(shortener.contains("data-state=\"warn\""), "{shortener}");
    assert!(
        shortener.contains("<q data-excerpt>bit.ly/3FsE-csq?x=1&amp;y=2</q> <span class=\"small\">(caractères 30 à 52)</span> : Lien raccourci (bit.ly)"),
        "{shortener}"
    );
    let privacy = item(&page, "vie-privee");
    assert!(
        privacy.contains("<q data-excerpt>418-555-0199</q>"),
        "{privacy}"
    );
    assert!(privacy.contains("Numéro de téléphone"), "{privacy}");
    assert!(privacy.contains("data-severity=\"warning\""), "{privacy}");

    // Without a signature the required identification item fails, and the page says so.
    assert!(page.contains("data-required-failing=\"1\""), "{page}");
    assert!(page.contains("<li data-failing-item=\"identification\">"));
    assert!(item(&page, "identification").contains("data-state=\"fail\""));
    assert!(item(&page, "identification").contains("non conforme"));

    // The text's markup is shown as text, in the box and in the findings, and runs nothing.
    assert!(!page.contains("<script"), "{page}");
    assert!(!page.contains("<img src=x"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));

    // The same in English, one language at a time.
    let response = post_check(&server, Some(&csrf), TEXT, "en-CA,en;q=0.9").await;
    assert_eq!(response.status(), 200);
    let english = response.text().await.unwrap();
    assert!(english.contains("<html lang=\"en\">"));
    let shortener = item(&english, "liens-complets");
    assert!(
        shortener.contains("<q data-excerpt>bit.ly/3FsE-csq?x=1&amp;y=2</q> <span class=\"small\">(characters 30 to 52)</span>: Shortened link (bit.ly)"),
        "{shortener}"
    );
    assert!(item(&english, "vie-privee").contains("Phone number"));
    assert!(item(&english, "identification").contains("failing"));
    assert!(english.contains("1 required item(s) failing"));
    assert!(!english.contains("Lien raccourci"));
    assert!(!english.contains("non conforme"));

    // A clean, signed text: nothing required fails.
    let response = post_check(
        &server,
        Some(&csrf),
        "Assemblée générale le 12 mars à la salle du conseil.\n\n-- \nMarie Tremblay, membre du SEC-CSQ",
        "fr",
    )
    .await;
    let clean = response.text().await.unwrap();
    assert!(clean.contains("data-required-failing=\"0\""), "{clean}");

    // An empty text is asked for again.
    let response = post_check(&server, Some(&csrf), "  \n", "fr").await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Collez le texte à vérifier.")
    );

    server.stop().await;
}

#[tokio::test]
async fn the_page_needs_a_session_and_the_form_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;
    let anonymous = server.anonymous();

    let response = anonymous.get(server.url("/check")).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let csrf = csrf_from(&server.page("/check").await);
    let response = anonymous
        .post(server.url("/check"))
        .header("origin", server.own_origin())
        .form(&[("csrf", csrf.as_str()), ("text", TEXT)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);

    // Signed in, but without the form's token, or with another one.
    expect_error(post_check(&server, None, TEXT, "fr").await, 403, "bad_csrf").await;
    expect_error(
        post_check(&server, Some("not-the-token"), TEXT, "fr").await,
        403,
        "bad_csrf",
    )
    .await;
    // From another origin.
    let response = server
        .client
        .post(server.url("/check"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", csrf.as_str()), ("text", TEXT)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);

    server.stop().await;
}
