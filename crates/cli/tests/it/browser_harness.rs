//! The browser the dashboard tests drive: Debian's headless Chromium through chromedriver, with
//! the checks every page gets (contrast, words broken inside, sideways scrolling) and
//! screenshots in `target/screenshots/`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A browser and a new keyward for it, with keyward's URL; `None` without a browser here.
    pub async fn with_app() -> Option<(Self, crate::helpers::TestApp, String)> {
        let b = Self::start().await?;
        let app = crate::helpers::TestApp::spawn().await;
        let url = app.url.clone();
        Some((b, app, url))
    }

    pub async fn start() -> Option<Self> {
        let here = std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
        let missing =
            "no Chromium/chromedriver (apt-get install chromium chromium-driver): browser tests NOT run";
        if !crate::helpers::prerequisite(here, missing) {
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run",
                    "--window-size=1280,1000", format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Some(Self {
                        client,
                        driver,
                        _profile: profile,
                    });
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("cannot start a browser session: {last:?}");
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let e = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css}"));
        e.clear().await.ok();
        e.send_keys(value).await.expect("type");
    }

    /// Sets a control's value as a user's choice would (a select, a textarea, a hidden input),
    /// then fires its `change` event.
    pub async fn set(&self, css: &str, value: &str) {
        let script = "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                      e.dispatchEvent(new Event('change'));";
        let args = vec![Value::from(css), Value::from(value)];
        self.client.execute(script, args).await.expect("script");
    }

    /// Fills and sends the login form at `{url}/login` (the session's cookies as they are).
    pub async fn sign_in(&self, url: &str, email: &str, password: &str) {
        self.goto(&format!("{url}/login")).await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("button[type=submit]").await;
    }

    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("no {css}"))
            .click()
            .await
            .expect("click");
    }

    /// The text of an element, waiting for it to appear (a submitted form's answer may still be
    /// on its way).
    pub async fn text(&self, css: &str) -> String {
        for _ in 0..100 {
            if let Ok(e) = self.client.find(Locator::Css(css)).await
                && let Ok(t) = e.text().await
            {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no {css}");
    }

    pub async fn body(&self) -> String {
        self.text("body").await
    }

    /// The value of a form field.
    pub async fn value(&self, css: &str) -> Option<String> {
        let field = self.client.find(Locator::Css(css)).await.expect("field");
        field.prop("value").await.expect("value")
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.expect("script")
    }

    /// Waits for a CSS selector to appear.
    pub async fn wait(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|_| panic!("{css} never appeared"));
    }

    /// Waits until an element's text holds `needle` (pages being replaced meanwhile is fine).
    /// Waits until the browser has navigated to an address containing `needle`.
    pub async fn wait_url(&self, needle: &str) {
        for _ in 0..100 {
            if self.client.current_url().await.unwrap().as_str().contains(needle) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the browser never reached an address with {needle}");
    }

    pub async fn wait_text(&self, css: &str, needle: &str) {
        for _ in 0..100 {
            if let Ok(e) = self.client.find(Locator::Css(css)).await
                && e.text().await.is_ok_and(|t| t.contains(needle))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never said {needle:?}");
    }

    /// Text whose contrast with its background is below WCAG AA (4.5:1, or 3:1 for large
    /// text), computed from the rendered styles.
    pub async fn low_contrast(&self) -> Vec<String> {
        let found = self
            .js(r#"
            const lum = (c) => {
              const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
              return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const rgba = (s) => (s.match(/[\d.]+/g) || []).map(Number);
            const background = (el) => {
              for (let e = el; e; e = e.parentElement) {
                const c = rgba(getComputedStyle(e).backgroundColor);
                if (c.length === 3 || (c.length >= 4 && c[3] > 0.5)) return c.slice(0, 3);
              }
              return [255, 255, 255];
            };
            const bad = [];
            for (const el of document.querySelectorAll("body *")) {
              const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
              if (!own || el.closest("svg, dialog:not([open]), [hidden]") || !el.getClientRects().length) continue;
              const st = getComputedStyle(el);
              const fg = rgba(st.color).slice(0, 3);
              const [l1, l2] = [lum(fg), lum(background(el))].sort((a, b) => b - a);
              const ratio = (l1 + 0.05) / (l2 + 0.05);
              const size = parseFloat(st.fontSize);
              const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
              if (ratio < (large ? 3 : 4.5)) bad.push(el.tagName + " '" + el.textContent.trim().slice(0, 40) + "' " + ratio.toFixed(2));
            }
            return bad;"#)
            .await;
        serde_json::from_value(found).unwrap_or_default()
    }

    /// Words of header cells, buttons, links, actions and path segments that the layout broke
    /// inside (a word whose letters lie on more than one line).
    pub async fn words_broken_inside(&self) -> Vec<String> {
        let found = self
            .js(r#"const bad = [];
            for (const el of document.querySelectorAll('th, button, .button, summary, nav a, code.path, code.nowrap')) {
              // A path may wrap after a slash or a hyphen, never inside a word.
              const words = el.matches('code.path') ? /[^\s\/-]+/g : /\S+/g;
              const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
              let node;
              while ((node = walker.nextNode())) {
                if (node.parentElement.closest('.sr-only')) continue; // read aloud, not shown
                const re = new RegExp(words.source, 'g'); let m;
                while ((m = re.exec(node.textContent))) {
                  const r = document.createRange();
                  r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
                  const tops = new Set(Array.from(r.getClientRects()).filter(q => q.width > 0).map(q => Math.round(q.top)));
                  if (tops.size > 1) bad.push(el.tagName + ' ' + m[0]);
                }
              }
            }
            return bad.slice(0, 10);"#)
            .await;
        serde_json::from_value(found).unwrap_or_default()
    }

    /// Checks the page for WCAG AA contrast, for words broken inside in its headers and buttons,
    /// and for sideways scrolling at the current width.
    pub async fn check_page(&self, name: &str) {
        let bad = self.low_contrast().await;
        assert!(bad.is_empty(), "{name}: text below WCAG AA contrast: {bad:?}");
        let broken = self.words_broken_inside().await;
        assert!(broken.is_empty(), "{name}: words broken inside: {broken:?}");
        let overflow = self
            .js("return document.documentElement.scrollWidth > window.innerWidth + 1")
            .await;
        if overflow == Value::Bool(true) {
            let wide = self
                .js("return Array.from(document.querySelectorAll('body *')).filter(e => (e.getBoundingClientRect().right > window.innerWidth + 1 || (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === 'visible')) && !e.parentElement.closest('.scroll')).slice(0, 8).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + e.scrollWidth + '/' + e.clientWidth + ' ' + e.textContent.trim().slice(0, 40))")
                .await;
            let widest = self
                .js("return Array.from(document.querySelectorAll('body *')).map(e => [Math.round(e.getBoundingClientRect().right), e.tagName + '#' + e.id + '.' + e.className + ' ' + e.textContent.trim().slice(0, 30)]).sort((a, b) => b[0] - a[0]).slice(0, 5)")
                .await;
            panic!("{name} scrolls sideways: {wide} (widest: {widest})");
        }
    }

    pub async fn screenshot(&self, name: &str) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    pub async fn finish(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }

    /// Confirms the dialog a destructive button opened.
    pub async fn confirm_dialog(&self) {
        self.wait("dialog[open] #confirm-ok").await;
        self.click("#confirm-ok").await;
    }
}
