//! The language of the companion's pages: French by default, English when the browser
//! prefers it or the person chose it with the pages' switch (`?lang=en`, remembered in a
//! cookie).
//!
//! The choice is made once per request by [`negotiate`], a middleware, and is in scope for
//! everything the request's handler renders: [`crate::html::bi`] asks [`current`] which of
//! its two texts to write, so a page never doubles every sentence and no render function
//! has to carry the language around. Outside a request (a test calling a render function
//! directly), it is French.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// French, the default.
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The `lang` attribute and cookie value: `fr` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Fr => "fr",
            Self::En => "en",
        }
    }

    /// `fr` or `en` (case-insensitive), else `None`.
    pub fn parse(code: &str) -> Option<Self> {
        match code.trim().to_ascii_lowercase().as_str() {
            "fr" => Some(Self::Fr),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The other language (what the switch offers).
    pub fn other(self) -> Self {
        match self {
            Self::Fr => Self::En,
            Self::En => Self::Fr,
        }
    }

    /// Picks the text in this language.
    pub fn pick<'a>(self, fr: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Fr => fr,
            Self::En => en,
        }
    }
}

/// The cookie that remembers the person's choice.
pub const COOKIE: &str = "balise_lang";

tokio::task_local! {
    static CURRENT: Lang;
}

/// The language of the page being rendered (French outside a request).
pub fn current() -> Lang {
    CURRENT.try_with(|lang| *lang).unwrap_or(Lang::Fr)
}

/// Runs `future` with `lang` as the current language (tests of render functions use it).
pub async fn scope<F: Future>(lang: Lang, future: F) -> F::Output {
    CURRENT.scope(lang, future).await
}

/// The language a request asks for: `?lang=` (a choice made now), else the cookie, else
/// the first of French and English in `Accept-Language` by preference, else French.
/// Returns the language and whether it was chosen now (to remember it).
pub fn choose(query: Option<&str>, headers: &HeaderMap) -> (Lang, bool) {
    let asked = query.and_then(|query| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(name, _)| *name == "lang")
            .and_then(|(_, value)| Lang::parse(value))
    });
    if let Some(lang) = asked {
        return (lang, true);
    }
    if let Some(lang) = crate::session::cookie(headers, COOKIE).and_then(Lang::parse) {
        return (lang, false);
    }
    let accepted = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok())
        .and_then(from_accept_language);
    (accepted.unwrap_or(Lang::Fr), false)
}

/// The preferred of French and English in an `Accept-Language` value, by quality then order.
fn from_accept_language(value: &str) -> Option<Lang> {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let primary = tag.split('-').next().unwrap_or_default();
        let Some(lang) = Lang::parse(primary) else {
            continue;
        };
        let quality = parts
            .filter_map(|part| part.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map(|(_, lang)| lang)
}

/// Middleware: chooses the request's language, renders the response in it, and remembers
/// a choice made with `?lang=` in a cookie.
pub async fn negotiate(request: Request, next: Next) -> Response {
    let (lang, chosen) = choose(request.uri().query(), request.headers());
    let mut response = CURRENT.scope(lang, next.run(request)).await;
    if chosen
        && let Ok(cookie) = HeaderValue::from_str(&format!(
            "{COOKIE}={}; SameSite=Strict; Path=/; Max-Age=31536000",
            lang.code()
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn the_switch_beats_the_cookie_which_beats_the_browser() {
        let english_browser = headers(&[("accept-language", "en-US,en;q=0.9")]);
        assert_eq!(choose(None, &english_browser), (Lang::En, false));
        assert_eq!(choose(Some("lang=fr"), &english_browser), (Lang::Fr, true));
        assert_eq!(
            choose(Some("offset=50&lang=FR"), &english_browser),
            (Lang::Fr, true)
        );
        let remembered = headers(&[
            ("accept-language", "en-US,en;q=0.9"),
            ("cookie", "balise_lang=fr"),
        ]);
        assert_eq!(choose(None, &remembered), (Lang::Fr, false));
        assert_eq!(choose(Some("lang=de"), &remembered), (Lang::Fr, false));
        assert_eq!(choose(None, &HeaderMap::new()), (Lang::Fr, false));
    }

    #[test]
    fn accept_language_is_read_by_quality() {
        assert_eq!(
            from_accept_language("fr-CA,fr;q=0.9,en;q=0.8"),
            Some(Lang::Fr)
        );
        assert_eq!(
            from_accept_language("de-DE,en;q=0.5,fr;q=0.4"),
            Some(Lang::En)
        );
        assert_eq!(from_accept_language("en;q=0.3, fr;q=0.7"), Some(Lang::Fr));
        assert_eq!(from_accept_language("de, es"), None);
        assert_eq!(from_accept_language("fr;q=0, en"), Some(Lang::En));
    }

    #[tokio::test]
    async fn the_current_language_is_the_scopes() {
        assert_eq!(current(), Lang::Fr);
        assert_eq!(scope(Lang::En, async { current() }).await, Lang::En);
    }
}
