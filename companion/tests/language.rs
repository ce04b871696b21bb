//! The pages speak one language at a time: French by default, English when the browser
//! prefers it, and the switch (`?lang=`) wins and is remembered.

#![allow(clippy::unwrap_used)]

mod common;

use common::TestServer;

async fn home(server: &TestServer, extra: &[(&str, &str)]) -> (String, Option<String>) {
    let mut request = server.client.get(server.url("/"));
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("balise_lang="))
        .map(str::to_owned);
    (response.text().await.unwrap(), cookie)
}

#[tokio::test]
async fn french_by_default_english_for_an_english_browser_and_the_switch_is_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start(dir.path()).await;

    let (french, cookie) = home(&server, &[]).await;
    assert!(french.contains("<html lang=\"fr\">"));
    assert!(french.contains("Tableau de bord"));
    assert!(french.contains("Chaîne de preuves"));
    assert!(!french.contains("Evidence chain"), "one language at a time");
    assert!(
        french.contains("href=\"?lang=en\""),
        "the switch to English"
    );
    assert_eq!(cookie, None);

    let (english, _) = home(&server, &[("accept-language", "en-CA,en;q=0.9,fr;q=0.5")]).await;
    assert!(english.contains("<html lang=\"en\">"));
    assert!(english.contains("Evidence chain"));
    assert!(!english.contains("Chaîne de preuves"));
    assert!(english.contains("href=\"?lang=fr\""));

    let (quebec, _) = home(&server, &[("accept-language", "fr-CA,en;q=0.8")]).await;
    assert!(quebec.contains("<html lang=\"fr\">"));

    // The switch: English now, remembered for the next pages, even for a French browser.
    let response = server
        .client
        .get(server.url("/pair?lang=en"))
        .header("accept-language", "fr-CA")
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("balise_lang="))
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("balise_lang=en;"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"));
    let page = response.text().await.unwrap();
    assert!(page.contains("Pairing extensions"), "{page}");
    // (The client keeps cookies, as a browser does.)
    let (remembered, _) = home(&server, &[("accept-language", "fr-CA")]).await;
    assert!(remembered.contains("<html lang=\"en\">"));

    // The sign-in page too, before any session.
    let signin = server
        .anonymous()
        .get(server.url("/"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(signin.status(), 401);
    let text = signin.text().await.unwrap();
    assert!(text.contains("Sign-in required"), "{text}");
    assert!(!text.contains("Connexion requise"));
    server.stop().await;
}
