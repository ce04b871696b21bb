//! Server-rendered HTML helpers: escaping, the page shell and the stylesheet (no external assets).

use std::fmt::Write;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// An `href` value for a URL that came from a report or a trace: the escaped URL if it is
/// an absolute `http:` or `https:` URL, else `None` (a `javascript:` or `data:` URL never
/// becomes a link).
pub fn http_href(url: &str) -> Option<String> {
    balise_core::validate::is_http_url(url.trim()).then(|| escape(url.trim()))
}

/// An external link to `url` showing `label` (already HTML), or the label alone when the
/// URL is not http(s).
pub fn external_link(url: &str, label: &str) -> String {
    match http_href(url) {
        Some(href) => {
            format!("<a href=\"{href}\" rel=\"noopener noreferrer\" target=\"_blank\">{label}</a>")
        }
        None => label.to_owned(),
    }
}

/// A text in the page's language ([`crate::lang::current`]), escaped: `fr` or `en`.
pub fn bi(fr: &str, en: &str) -> String {
    escape(pick(fr, en))
}

/// A message written `"Français / English"` (such as a setting problem, which the command
/// line prints whole), escaped, in the page's language; any other text as is.
pub fn one_language(message: &str) -> String {
    escape(
        message
            .split_once(" / ")
            .map_or(message, |(fr, en)| pick(fr, en)),
    )
}

/// A text in the page's language, as is (for what escapes it later, such as a page's title).
pub fn pick<'a>(fr: &'a str, en: &'a str) -> &'a str {
    crate::lang::current().pick(fr, en)
}

/// Shortens text to `max` characters with an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// A stored UTC timestamp for people: `2026-11-28 03:55:12 UTC`.
pub fn display_time(stored: &str) -> String {
    let trimmed = stored.get(..19).unwrap_or(stored).replacen('T', " ", 1);
    format!("{trimmed} UTC")
}

/// Which navigation entry is current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    /// `/`
    Dashboard,
    /// `/pair`
    Pairing,
    /// `/settings`
    Settings,
    /// `/check`
    Check,
    /// A page outside the dashboard (signing in): no navigation.
    None,
}

/// The page shell around `body`.
pub fn page(title: &str, nav: Nav, body: &str) -> Response {
    let lang = crate::lang::current();
    let mut html = String::with_capacity(body.len() + 1024);
    let current = |which: Nav| {
        if which == nav {
            " aria-current=\"page\""
        } else {
            ""
        }
    };
    let _ = write!(
        html,
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"same-origin\">\n\
         <title>{title} · Balise</title>\n<link rel=\"stylesheet\" href=\"/assets/balise.css\">\n\
         </head>\n<body>\n<header class=\"top\"><div class=\"wrap\">\
         <span class=\"brand\">Balise</span><span class=\"org\">SEC-CSQ</span>{nav}\
         <a class=\"lang-switch\" href=\"?lang={other}\" hreflang=\"{other}\" lang=\"{other}\">{other_name}</a>\
         </div></header>\n<main class=\"wrap\">\n{body}\n</main>\n\
         <footer class=\"wrap\">{footer} · v{version}</footer>\n</body>\n</html>\n",
        lang = lang.code(),
        other = lang.other().code(),
        other_name = lang.other().pick("Français", "English"),
        title = escape(title),
        nav = if nav == Nav::None {
            String::new()
        } else {
            format!(
                "<nav><a href=\"/\"{dash}>{dash_label}</a><a href=\"/check\"{check}>{check_label}</a>\
                 <a href=\"/pair\"{pair}>{pair_label}</a>\
                 <a href=\"/settings\"{settings}>{settings_label}</a>\
                 <a href=\"/signout\" class=\"signout\">{signout_label}</a></nav>",
                dash = current(Nav::Dashboard),
                pair = current(Nav::Pairing),
                settings = current(Nav::Settings),
                check = current(Nav::Check),
                check_label = bi("Vérifier un texte", "Check a text"),
                dash_label = bi("Tableau de bord", "Dashboard"),
                pair_label = bi("Jumelage", "Pairing"),
                settings_label = bi("Réglages", "Settings"),
                signout_label = bi("Se déconnecter", "Sign out"),
            )
        },
        footer = bi(
            "Compagnon local Balise — les données restent sur cet ordinateur",
            "Balise local companion — data stays on this computer"
        ),
        version = env!("CARGO_PKG_VERSION"),
    );
    let mut response = html.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The stylesheet served at `/assets/balise.css`.
pub const STYLESHEET: &str = r#"
:root { --ink:#1d2433; --muted:#5b6475; --line:#dde2ea; --bg:#f5f7fa; --card:#fff;
        --accent:#0b5cad; --ok:#1b7f3b; --bad:#b42318; --warn:#9a6700; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
       color:var(--ink); background:var(--bg); }
.wrap { max-width:1320px; margin:0 auto; padding:0 20px; }
header.top { background:#13294b; color:#fff; }
header.top .wrap { display:flex; align-items:center; gap:14px; height:56px; }
.brand { font-weight:700; font-size:20px; letter-spacing:.3px; }
.org { font-size:12px; padding:2px 8px; border:1px solid rgba(255,255,255,.4); border-radius:10px; }
header nav { margin-left:auto; display:flex; gap:18px; }
header nav a { color:#dbe6f7; text-decoration:none; padding:4px 0; }
header nav a[aria-current=page] { color:#fff; border-bottom:2px solid #fff; }
a.lang-switch { color:#fff; font-size:13px; border:1px solid rgba(255,255,255,.5); border-radius:10px;
                padding:1px 9px; text-decoration:none; margin-left:18px; }
header.top .wrap > a.lang-switch:first-of-type { margin-left:auto; }
header nav .en { color:#aebfd9; }
@media (max-width:640px) {
  .wrap { padding:0 12px; }
  header.top .wrap { flex-wrap:wrap; height:auto; padding-top:8px; padding-bottom:8px; gap:6px 12px; }
  header nav { order:3; width:100%; margin-left:0; flex-wrap:wrap; gap:4px 16px; }
  a.lang-switch { margin-left:auto; }
}
h1 { font-size:24px; margin:28px 0 4px; }
h2 { font-size:18px; margin:32px 0 10px; }
p.lead { color:var(--muted); margin:0 0 18px; }
.en { color:var(--muted); font-weight:normal; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(200px,1fr)); gap:14px; margin:18px 0; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
.card .label { font-size:13px; color:var(--muted); }
.card .value { font-size:22px; font-weight:650; margin-top:4px; }
.card .value .en { display:block; font-size:13px; font-weight:500; }
.card.ok { border-left:4px solid var(--ok); } .card.bad { border-left:4px solid var(--bad); }
.status-ok { color:var(--ok); } .status-bad { color:var(--bad); } .status-warn { color:var(--warn); }
.table-wrap { overflow-x:auto; }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line);
        border-radius:8px; overflow:hidden; }
th, td { text-align:left; vertical-align:top; padding:9px 10px; border-bottom:1px solid var(--line); }
th { font-size:12.5px; text-transform:none; color:var(--muted); background:#fafbfd; font-weight:600; }
tr:last-child td { border-bottom:none; }
td.small, .small { font-size:13px; }
td a { overflow-wrap:anywhere; }
.nowrap { white-space:nowrap; }
col.page { width:24%; } col.cat { width:14%; } col.note { width:20%; }
code, .hash { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:12px; }
.hash { word-break:break-all; color:#354052; }
a { color:var(--accent); }
img.thumb { width:104px; max-height:78px; object-fit:cover; object-position:top; border:1px solid var(--line);
            border-radius:4px; display:block; }
.empty { padding:22px; text-align:center; color:var(--muted); background:var(--card);
         border:1px dashed var(--line); border-radius:8px; }
.notice { padding:10px 14px; border-radius:6px; background:#e8f3ec; border:1px solid #b7dbc4; margin:14px 0; }
.code { font-family:ui-monospace,Menlo,Consolas,monospace; font-size:20px; font-weight:700; letter-spacing:2px; white-space:nowrap; }
form.inline { display:inline; margin:0 4px 0 0; }
button { font:inherit; font-size:14px; padding:6px 12px; border-radius:6px; border:1px solid var(--line);
         background:#fff; cursor:pointer; }
button.approve { background:var(--ok); border-color:var(--ok); color:#fff; }
button.approve .en { color:#d8f0df; }
button.reject { color:var(--bad); border-color:#e3b5b0; }
.pager { margin:10px 0; display:flex; gap:14px; }
ol.steps li { margin:4px 0; }
section.pair-here { background:var(--card); border:1px solid var(--line); border-left:4px solid var(--accent);
                    border-radius:8px; padding:4px 16px 14px; margin:18px 0; }
section.pair-here h2 { margin-top:14px; }
section.pair-here[data-state=paired] { border-left-color:var(--ok); }
section.pair-here[data-state=error] { border-left-color:var(--bad); }
button#balise-pair-start:not([disabled]) { background:var(--accent); border-color:var(--accent); color:#fff; }
button#balise-pair-start[disabled] { cursor:not-allowed; opacity:.6; }
button#balise-pair-start:not([disabled]) .en { color:#dbe6f7; }
tr[data-balise-this-browser] { outline:3px solid var(--accent); outline-offset:-3px; }
tr[data-balise-this-browser] td.code::after { content:" ← ce navigateur / this browser"; font-size:13px;
                    font-weight:600; letter-spacing:0; color:var(--accent); }
.notice.warn { background:#fff8e6; border-color:#f0d9a0; } .notice.bad { background:#fdecea; border-color:#f1b8b2; }
.notice ul { margin:6px 0 0; padding-left:20px; }
.report-grid { display:grid; grid-template-columns:minmax(0,1.1fr) minmax(0,1fr); gap:20px; align-items:start; }
@media (max-width:900px) { .report-grid { grid-template-columns:1fr; } }
table.fields th { width:32%; background:#fafbfd; }
ol.checked-items { padding-left:22px; } ol.checked-items > li { margin:8px 0; }
ul.findings { margin:4px 0 0; padding-left:20px; } ul.findings li { margin:3px 0; overflow-wrap:anywhere; }
img.shot { width:100%; border:1px solid var(--line); border-radius:6px; display:block; }
.pre { white-space:pre-wrap; }
ul.history { padding-left:20px; } ul.history li { margin:6px 0; }
a.button { display:inline-block; padding:6px 12px; border:1px solid var(--line); border-radius:6px; background:#fff;
           text-decoration:none; }
form.stack { display:flex; flex-direction:column; gap:6px; max-width:720px; background:var(--card);
             border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
form.stack label { font-weight:600; margin-top:8px; }
form.stack input, form.stack select, form.stack textarea { font:inherit; padding:7px 9px; border:1px solid #c5ccd8;
             border-radius:6px; width:100%; }
form.stack input[disabled], form.stack select[disabled] { background:#f0f2f5; color:var(--muted); }
form.import input[type=file] { padding:26px 12px; border:2px dashed #b9c3d3; border-radius:8px; background:#fafbfd; }
.cards .card.warn { border-left:4px solid var(--warn); }
pre { background:#f0f2f5; border:1px solid var(--line); border-radius:6px; padding:8px 12px; overflow-x:auto; }
form.filters { display:grid; grid-template-columns:repeat(auto-fit,minmax(170px,1fr)); gap:8px 12px; align-items:end;
             background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 14px; margin:10px 0; }
form.filters label { display:flex; flex-direction:column; font-size:13px; font-weight:600; gap:3px; }
form.filters input, form.filters select { font:inherit; font-size:14px; padding:6px 8px; border:1px solid #c5ccd8;
             border-radius:6px; width:100%; font-weight:normal; }
form.filters .actions { display:flex; gap:10px; align-items:center; }
.visually-hidden { position:absolute; width:1px; height:1px; overflow:hidden; clip:rect(0 0 0 0); white-space:nowrap; }
form.export-selection { display:block; margin:10px 0; }
.badge { display:inline-block; font-size:12.5px; padding:1px 8px; border-radius:10px; border:1px solid var(--line);
         background:#f0f2f5; }
table.reports { table-layout:fixed; min-width:1080px; }
table.reports td { overflow-wrap:anywhere; }
table.reports col.pick { width:3%; } table.reports col.received { width:11%; } table.reports col.page { width:20%; }
table.reports col.status { width:10%; } table.reports col.reporter { width:14%; }
table.reports col.cat { width:11%; } table.reports col.note { width:13%; }
table.reports col.sha { width:8%; } table.reports col.shot { width:10%; }
.badge[data-status=new] { background:#e8f0fb; border-color:#b8cdea; }
.badge[data-status=under_review] { background:#fff8e6; border-color:#f0d9a0; }
.badge[data-status=forwarded] { background:#e8f3ec; border-color:#b7dbc4; }
.badge[data-status=dismissed] { background:#f0f2f5; border-color:#c5ccd8; color:var(--muted); }
.badge[data-status=resolved] { background:#e6f4f1; border-color:#9fd3c7; }
ol.history { padding-left:22px; } ol.history li { margin:8px 0; }
ol.history .meta { font-size:12.5px; color:var(--muted); }
.muted { color:var(--muted); }
footer { color:var(--muted); font-size:12.5px; padding-top:36px; padding-bottom:40px; }
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(
            http_href("https://x.com/?a=1&b=\"2\"").as_deref(),
            Some("https://x.com/?a=1&amp;b=&quot;2&quot;")
        );
        assert_eq!(http_href("javascript:alert(1)"), None);
        assert_eq!(http_href("data:text/html,<script>"), None);
        assert_eq!(external_link("javascript:alert(1)", "x"), "x");
    }

    #[test]
    fn truncates_on_characters() {
        assert_eq!(truncate("éééé", 3), "éé…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
