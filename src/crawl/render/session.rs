//! Rendering one page: a fresh browser context, the page's own HTML served
//! from what the crawler fetched, every other request judged by
//! [`judge`](super::judge) and, when allowed, fetched by the crawler; then a
//! wait until the page is settled (loaded, no request outstanding, no short
//! timer pending, the DOM quiet), and the DOM read back as HTML.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chromiumoxide::Page as Tab;
use chromiumoxide::cdp::browser_protocol::browser::BrowserContextId;
use chromiumoxide::cdp::browser_protocol::fetch::{
    EventRequestPaused, FailRequestParams, FulfillRequestParams, HeaderEntry, RequestId,
};
use chromiumoxide::cdp::browser_protocol::network::{ErrorReason, ResourceType};
use chromiumoxide::cdp::browser_protocol::target::CreateTargetParams;
use futures::StreamExt as _;
use tokio::task::JoinSet;
use tokio::time::Instant;
use url::Url;

use super::Live;
use super::requests::{Blocked, Decision, PageRules, RequestKind, host_allowed, judge};
use crate::crawl::politeness::{Pace, Permit};
use crate::crawl::{Body, Expect, Fetched, Fetcher};
use crate::page::{FailureKind, FetchFailure};

/// Installed before the page's own scripts: counts the short timers set
/// while the page loads (a menu filled "after 500 ms") and the requests its
/// scripts have open (the menu's JSON), and notes when the page loaded and
/// when the DOM last changed. Timers set after the first 5 s (a slider's
/// endless loop) are not waited for.
const SETTLE_SCRIPT: &str = r"(() => {
  const w = window, pending = new Set(), setT = w.setTimeout, clearT = w.clearTimeout;
  const pa = w.__portalAudit = { timers: 0, requests: 0, loaded: 0, last: 0 };
  w.setTimeout = function (fn, ms, ...rest) {
    if (typeof fn !== 'function' || (ms | 0) > 3000 || performance.now() > 5000) {
      return setT.call(w, fn, ms, ...rest);
    }
    let id;
    id = setT.call(w, function () {
      if (pending.delete(id)) pa.timers--;
      return fn.apply(this, arguments);
    }, ms, ...rest);
    pending.add(id);
    pa.timers++;
    return id;
  };
  w.clearTimeout = function (id) {
    if (pending.delete(id)) pa.timers--;
    return clearT.call(w, id);
  };
  const fetchFn = w.fetch;
  if (fetchFn) {
    w.fetch = function (...args) {
      pa.requests++;
      return fetchFn.apply(this, args).finally(() => { pa.requests--; });
    };
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    pa.requests++;
    this.addEventListener('loadend', () => { pa.requests--; }, { once: true });
    return send.apply(this, args);
  };
  w.addEventListener('load', () => { pa.loaded = performance.now(); });
  new MutationObserver(() => { pa.last = performance.now(); })
    .observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();";

/// Asked every [`POLL`]: `[readyState, short timers and script requests
/// pending, ms since the page loaded or its DOM last changed, whichever
/// is later]`.
const SETTLE_PROBE: &str = "(() => { const pa = window.__portalAudit || { timers: 0, requests: 0, loaded: 0, last: 0 }; \
    return [document.readyState, pa.timers + pa.requests, performance.now() - Math.max(pa.last, pa.loaded)]; })()";
/// Tabs kept open between a site's renders, across the run, at most.
const KEPT_TABS: usize = 4;
const POLL: Duration = Duration::from_millis(50);
/// How long the DOM must stay unchanged for the page to count as settled.
const QUIET: f64 = 250.0;

/// One page to render, and the site's rules for what it may load.
pub(in crate::crawl) struct RenderJob<'a> {
    /// The page's address (after redirects).
    pub page: &'a Url,
    /// The HTML the crawler fetched for it.
    pub html: &'a str,
    pub permit: &'a Permit,
    pub fetcher: &'a Fetcher,
    pub pace: &'a mut Pace,
    pub allow_hosts: &'a Arc<[String]>,
    /// Pages the site's budget still allows (frames count as pages).
    pub pages_left: usize,
    /// When the render gives up.
    pub deadline: Instant,
}

/// What a render did.
#[derive(Debug, Default)]
pub(in crate::crawl) struct Rendered {
    /// The rendered DOM as HTML; `None` when the render failed.
    pub html: Option<String>,
    /// Frames fetched, counted as pages.
    pub frames: usize,
    /// Requests fetched for the page (scripts, data, frames).
    pub fetched: usize,
    /// Requests refused, with the host each was for.
    pub blocked: Vec<(Blocked, String)>,
}

/// A site's own browser context and tab: its pages are rendered one after
/// another in it (a tab costs a renderer process, a few hundred
/// milliseconds to start), and no other site shares its cookies or cache.
/// Closed when the site is done.
#[derive(Debug)]
pub(in crate::crawl) struct SiteTab {
    live: Arc<Live>,
    context: BrowserContextId,
    tab: Tab,
}

impl SiteTab {
    /// A fresh context in `live`, with one tab that counts the page's short
    /// timers and DOM changes.
    async fn open(live: Arc<Live>) -> anyhow::Result<Self> {
        let context = live.new_context().await?;
        let params = CreateTargetParams::builder()
            .url("about:blank")
            .browser_context_id(context.clone())
            .build()
            .map_err(anyhow::Error::msg)?;
        let tab = match live.browser().new_page(params).await {
            Ok(tab) => tab,
            Err(e) => {
                let _ = live.browser().dispose_browser_context(context).await;
                anyhow::bail!("cannot open a tab: {e}");
            }
        };
        live.count_tab(true);
        let opened = Self { live, context, tab };
        if let Err(e) = opened.tab.evaluate_on_new_document(SETTLE_SCRIPT).await {
            opened.close();
            anyhow::bail!("cannot prepare the tab: {e}");
        }
        Ok(opened)
    }

    /// Closes the tab and its context, in the background.
    pub(in crate::crawl) fn close(self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let Self { live, context, tab } = self;
            let _ = tab.close().await;
            let _ = live.browser().dispose_browser_context(context).await;
            live.count_tab(false);
        });
    }
}

/// Renders `job`'s page in the site's tab (opened in `live`, or replaced
/// when `live` is a newer browser than the one it was opened in), within
/// the job's deadline. A failure costs the tab (and, when the browser
/// itself failed, the browser) and leaves `html` empty: the page is then
/// judged from the HTML it was fetched with.
pub(in crate::crawl) async fn render_page(
    site_tab: &mut Option<SiteTab>,
    live: Arc<Live>,
    mut job: RenderJob<'_>,
) -> Rendered {
    let mut rendered = Rendered::default();
    // A tab opened in a browser since replaced is closed with it.
    if let Some(old) = site_tab.take_if(|t| !Arc::ptr_eq(&t.live, &live)) {
        old.close();
    }
    let outcome = tokio::time::timeout_at(job.deadline, async {
        if site_tab.is_none() {
            *site_tab = Some(SiteTab::open(Arc::clone(&live)).await?);
        }
        let tab = &site_tab.as_ref().expect("opened above").tab;
        drive(tab, &mut job, &mut rendered).await
    })
    .await;
    match outcome {
        Ok(Ok(html)) => {
            live.count_page();
            rendered.html = Some(html);
            // An idle tab holds a renderer process: only a few sites keep
            // theirs between pages.
            if live.tabs() > KEPT_TABS
                && let Some(tab) = site_tab.take()
            {
                tab.close();
            }
        }
        Ok(Err(e)) => {
            tracing::info!(page = %job.page, "render failed: {e:#}");
            if let Some(tab) = site_tab.take() {
                tab.close();
            }
            if live.crashed() {
                live.mark_broken();
            }
        }
        Err(_) => {
            tracing::info!(page = %job.page, "render timed out");
            // The page may still be busy in the tab: the next gets a new one.
            if let Some(tab) = site_tab.take() {
                tab.close();
            }
        }
    }
    rendered
}

/// Navigates `tab` to the page, answers its requests until it settles, and
/// reads its DOM.
async fn drive(
    tab: &Tab,
    job: &mut RenderJob<'_>,
    rendered: &mut Rendered,
) -> anyhow::Result<String> {
    let main_frame = tab.mainframe().await?;
    let mut paused = tab.event_listener::<EventRequestPaused>().await?;
    let navigation = {
        let (tab, url) = (tab.clone(), job.page.to_string());
        tokio::spawn(async move { tab.goto(url).await.map(|_| ()) })
    };
    tokio::pin!(navigation);
    let mut loaded = false;
    let mut served = false;
    let mut loads = Loads::default();
    let mut poll = tokio::time::interval(POLL);
    loop {
        tokio::select! {
            Some(event) = paused.next() => {
                let main = main_frame.as_ref() == Some(&event.frame_id);
                served |= answer(tab, &event, main, served, job, rendered, &mut loads).await?;
            }
            Some(done) = loads.running.join_next(), if !loads.running.is_empty() => {
                let (id, result) = done?;
                fulfill(tab, id, result).await?;
                loads.start(job);
            }
            nav = &mut navigation, if !loaded => {
                nav??;
                loaded = true;
            }
            _ = poll.tick(), if loaded && loads.is_idle() => {
                if settled(tab).await? {
                    break;
                }
            }
        }
    }
    Ok(tab.content().await?)
}

/// Whether the page is loaded, waits on no short timer and no request of
/// its scripts, and has been quiet (loaded, its DOM unchanged) for a while.
/// The page's own count of requests closes the gap between a script
/// sending one and its interception reaching the crawler.
async fn settled(tab: &Tab) -> anyhow::Result<bool> {
    let (state, timers, quiet): (String, i64, f64) =
        tab.evaluate(SETTLE_PROBE).await?.into_value()?;
    Ok(state == "complete" && timers <= 0 && quiet >= QUIET)
}

/// Answers one paused request: the page itself (then `true`), a fetch by
/// the crawler (answered when it completes), or a refusal.
async fn answer(
    tab: &Tab,
    event: &EventRequestPaused,
    main_frame: bool,
    served: bool,
    job: &mut RenderJob<'_>,
    rendered: &mut Rendered,
    loads: &mut Loads,
) -> anyhow::Result<bool> {
    let id = event.request_id.clone();
    let Ok(url) = Url::parse(&event.request.url) else {
        return refuse(tab, id).await.map(|()| false);
    };
    let kind = match event.resource_type {
        ResourceType::Document if main_frame => RequestKind::MainDocument,
        ResourceType::Document => RequestKind::FrameDocument,
        ResourceType::Script
        | ResourceType::Xhr
        | ResourceType::Fetch
        | ResourceType::EventSource => RequestKind::Script,
        _ => RequestKind::Asset,
    };
    let rules = PageRules {
        page: job.page,
        permit: job.permit,
        allow_hosts: job.allow_hosts,
    };
    let decision = judge(
        &url,
        &event.request.method,
        kind,
        &rules,
        !served,
        job.pages_left > 0,
    );
    match decision {
        Decision::ThePage => {
            let html = job.html.as_bytes();
            fulfill_with(tab, id, 200, "text/html; charset=utf-8", html).await?;
            return Ok(true);
        }
        Decision::Fetch { .. } if rendered.fetched >= MAX_LOADS => {
            rendered.blocked.push((
                Blocked::TooMany,
                url.host_str().unwrap_or_default().to_owned(),
            ));
            refuse(tab, id).await?;
        }
        Decision::Fetch { as_page } => {
            if as_page {
                job.pages_left -= 1;
                rendered.frames += 1;
            }
            rendered.fetched += 1;
            loads.waiting.push_back((id, url));
            loads.start(job);
        }
        Decision::Skip => refuse(tab, id).await?,
        Decision::Block(why) => {
            rendered
                .blocked
                .push((why, url.host_str().unwrap_or_default().to_owned()));
            refuse(tab, id).await?;
        }
    }
    Ok(false)
}

/// Requests one rendered page may have the crawler fetch: past them, a page
/// that keeps asking (a polling loop, a hostile script) is refused.
const MAX_LOADS: usize = 100;

/// The crawler's fetches for a rendered page: at most `--per-host` at once,
/// each in a slot of the site's pace, as any page of the site.
#[derive(Default)]
struct Loads {
    running: JoinSet<(RequestId, Result<Fetched, FetchFailure>)>,
    waiting: VecDeque<(RequestId, Url)>,
}

impl Loads {
    /// Nothing fetching or waiting.
    fn is_idle(&self) -> bool {
        self.running.is_empty() && self.waiting.is_empty()
    }

    /// Starts waiting fetches while the site's pace has room.
    fn start(&mut self, job: &mut RenderJob<'_>) {
        while job.pace.has_room(self.running.len()) {
            let Some((id, url)) = self.waiting.pop_front() else {
                return;
            };
            let slot = job.pace.book(Instant::now());
            let (fetcher, permit) = (job.fetcher.clone(), job.permit.clone());
            let allow = Arc::clone(job.allow_hosts);
            self.running.spawn(async move {
                tokio::time::sleep_until(slot).await;
                let outcome = fetcher
                    .fetch(&url, Expect::Raw, &|u: &Url| may_load(u, &permit, &allow))
                    .await;
                (id, outcome)
            });
        }
    }
}

/// A redirect of a fetch made for a rendered page stays where the first
/// request was allowed to go.
fn may_load(url: &Url, permit: &Permit, allow: &[String]) -> Result<(), FetchFailure> {
    if host_allowed(url, allow) {
        Ok(())
    } else {
        permit.check(url)
    }
}

/// Hands the browser what the crawler fetched (or the status it failed
/// with).
async fn fulfill(
    tab: &Tab,
    id: RequestId,
    result: Result<Fetched, FetchFailure>,
) -> anyhow::Result<()> {
    match result {
        Ok(fetched) => {
            let body = match fetched.body {
                Body::Raw(bytes) => bytes,
                Body::Html(text) => text.into_bytes(),
                Body::Skipped => Vec::new(),
            };
            let content_type = fetched
                .content_type
                .as_deref()
                .unwrap_or("application/octet-stream");
            fulfill_with(tab, id, fetched.status, content_type, &body).await
        }
        Err(FetchFailure {
            status: Some(status),
            ..
        }) => fulfill_with(tab, id, status, "text/plain", b"").await,
        Err(failure) => {
            tracing::debug!(%failure, "a rendered page's request failed");
            let reason = match failure.kind {
                FailureKind::Timeout => ErrorReason::TimedOut,
                _ => ErrorReason::Failed,
            };
            tab.execute(FailRequestParams::new(id, reason)).await?;
            Ok(())
        }
    }
}

async fn fulfill_with(
    tab: &Tab,
    id: RequestId,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> anyhow::Result<()> {
    let mut params = FulfillRequestParams::new(id, i64::from(status));
    params.response_headers = Some(vec![HeaderEntry::new("Content-Type", content_type)]);
    params.body = Some(
        base64::engine::general_purpose::STANDARD
            .encode(body)
            .into(),
    );
    tab.execute(params).await?;
    Ok(())
}

async fn refuse(tab: &Tab, id: RequestId) -> anyhow::Result<()> {
    tab.execute(FailRequestParams::new(id, ErrorReason::BlockedByClient))
        .await?;
    Ok(())
}
