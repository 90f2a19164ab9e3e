//! One running Chromium: launched with the network closed off (no DNS, no
//! background traffic, every frame in one process so that request
//! interception sees all of it), counted, and killed when dropped.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::target::CreateBrowserContextParams;
use futures::StreamExt as _;
use tokio::task::JoinHandle;

use super::RenderConfig;
use super::memory::tree_memory_bytes;

/// Chromium switches on top of chromiumoxide's defaults. The browser gets
/// no name resolution at all (every request it makes is answered by the
/// crawler through interception, so it never needs one), no background
/// services, and no out-of-process frames (whose requests interception on
/// the page would not see).
const SWITCHES: [(&str, &str); 5] = [
    ("host-resolver-rules", "MAP * ~NOTFOUND"),
    (
        "disable-features",
        "TranslateUI,IsolateOrigins,site-per-process,HttpsUpgrades,MediaRouter,OptimizationHints",
    ),
    ("blink-settings", "imagesEnabled=false"),
    // Anything interception missed goes to a port where nothing listens,
    // loopback included, instead of out.
    ("proxy-server", "http://127.0.0.1:1"),
    ("proxy-bypass-list", "<-loopback>"),
];
const FLAGS: [&str; 8] = [
    "disable-site-isolation-trials",
    "disable-component-update",
    "disable-domain-reliability",
    "no-pings",
    "dns-prefetch-disable",
    "disable-gpu",
    "mute-audio",
    "no-default-browser-check",
];

/// Pages rendered between two reads of the browser's memory.
const MEMORY_CHECK_EVERY: usize = 5;

/// A running browser and what is known of its wear.
#[derive(Debug)]
pub(in crate::crawl) struct Live {
    browser: Browser,
    handler: JoinHandle<()>,
    version: String,
    pid: Option<u32>,
    /// Pages rendered so far.
    pages: AtomicUsize,
    /// Tabs open (one per site with a page rendered, until it is done).
    tabs: AtomicUsize,
    /// Pages rendered when the memory was last read.
    memory_checked_at: AtomicUsize,
    /// Crashed or stopped answering: replaced at the next render.
    broken: AtomicBool,
    /// The browser's profile folder, removed with it.
    profile: tempfile::TempDir,
}

impl Live {
    /// Starts Chromium at `executable`, sandboxed unless running as root
    /// (where Chromium refuses its sandbox).
    pub(super) async fn launch(executable: &Path, config: &RenderConfig) -> anyhow::Result<Self> {
        let profile = tempfile::Builder::new()
            .prefix("portal-audit-chromium-")
            .tempdir()
            .context("cannot create the browser's profile folder")?;
        let mut builder = BrowserConfig::builder()
            .chrome_executable(executable)
            .user_data_dir(profile.path())
            // Chromium keeps its crash reports under the user's
            // configuration folder, and its singleton socket in TMPDIR: both
            // in the profile instead, so that all it writes goes with it.
            .env(
                "XDG_CONFIG_HOME",
                profile.path().join("config").to_string_lossy(),
            )
            .env("TMPDIR", profile.path().to_string_lossy())
            .enable_request_intercept()
            .disable_cache()
            .request_timeout(config.timeout)
            .launch_timeout(Duration::from_secs(20));
        for (key, value) in SWITCHES {
            builder = builder.arg((key, value));
        }
        for flag in FLAGS {
            builder = builder.arg(flag);
        }
        if rustix::process::geteuid().is_root() {
            builder = builder.no_sandbox();
        }
        let browser_config = builder.build().map_err(anyhow::Error::msg)?;
        let (mut browser, mut events) = Browser::launch(browser_config)
            .await
            .context("cannot start the browser")?;
        let handler = tokio::spawn(async move {
            // The connection ends when the browser exits or is killed.
            while events.next().await.is_some() {}
        });
        let pid = browser
            .get_mut_child()
            .and_then(|child| child.as_mut_inner().id());
        let version = match browser.version().await {
            Ok(v) => v.product,
            Err(_) => executable.display().to_string(),
        };
        tracing::info!(%version, "browser started");
        Ok(Self {
            browser,
            handler,
            version,
            pid,
            pages: AtomicUsize::new(0),
            tabs: AtomicUsize::new(0),
            memory_checked_at: AtomicUsize::new(0),
            broken: AtomicBool::new(false),
            profile,
        })
    }

    /// The browser's version ("HeadlessChrome/156.0…").
    pub(super) fn version(&self) -> &str {
        &self.version
    }

    /// Whether the browser should be replaced before the next render: it
    /// broke, rendered its share of pages, or its processes together hold
    /// more memory than the cap.
    pub(super) fn worn_out(&self, config: &RenderConfig) -> bool {
        let pages = self.pages.load(Ordering::Relaxed);
        self.broken.load(Ordering::Relaxed)
            || self.handler.is_finished()
            || pages >= config.restart_after.max(1)
            || (self.memory_due(pages)
                && self
                    .pid
                    .and_then(tree_memory_bytes)
                    .is_some_and(|bytes| bytes > config.memory_cap_bytes))
    }

    /// Whether the browser's memory is due for a look, `pages` pages in:
    /// every [`MEMORY_CHECK_EVERY`] pages, since reading it walks `/proc`
    /// and each of Chromium's processes' page tables.
    fn memory_due(&self, pages: usize) -> bool {
        let last = self.memory_checked_at.load(Ordering::Relaxed);
        pages >= last + MEMORY_CHECK_EVERY
            && self
                .memory_checked_at
                .compare_exchange(last, pages, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
    }

    /// Counts a page rendered.
    pub(super) fn count_page(&self) {
        self.pages.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a tab opened (`+1`) or closed (`-1`); returns how many are
    /// open.
    pub(super) fn count_tab(&self, opened: bool) -> usize {
        if opened {
            self.tabs.fetch_add(1, Ordering::Relaxed) + 1
        } else {
            self.tabs.fetch_sub(1, Ordering::Relaxed).saturating_sub(1)
        }
    }

    /// Tabs open now.
    pub(super) fn tabs(&self) -> usize {
        self.tabs.load(Ordering::Relaxed)
    }

    /// Whether the browser is gone (crashed, killed): its connection ended.
    pub(super) fn crashed(&self) -> bool {
        self.handler.is_finished()
    }

    /// Marks the browser as broken: the next render starts a fresh one.
    pub(super) fn mark_broken(&self) {
        self.broken.store(true, Ordering::Relaxed);
    }

    /// The browser, to open pages in.
    pub(super) fn browser(&self) -> &Browser {
        &self.browser
    }

    /// A fresh context (no cookies, cache or storage shared with any other).
    pub(super) async fn new_context(
        &self,
    ) -> chromiumoxide::error::Result<chromiumoxide::cdp::browser_protocol::browser::BrowserContextId>
    {
        self.browser
            .create_browser_context(CreateBrowserContextParams::default())
            .await
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        // Killed, not closed: closing is a round trip we cannot await here,
        // and a browser being replaced may be the one that stopped answering.
        self.handler.abort();
        if let Some(child) = self.browser.get_mut_child() {
            let child = child.as_mut_inner();
            let _ = child.start_kill();
            // Reaped here rather than by the runtime later: the profile
            // folder can only go once the browser is gone.
            for _ in 0..40 {
                match child.try_wait() {
                    Ok(None) => std::thread::sleep(Duration::from_millis(25)),
                    Ok(Some(_)) | Err(_) => break,
                }
            }
        }
        // Its helper processes (renderers, the crash handler) may write a
        // moment longer than the browser lives: the folder is removed again
        // until it stays removed.
        let profile = self.profile.path();
        for _ in 0..20 {
            match std::fs::remove_dir_all(profile) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ if profile.exists() => std::thread::sleep(Duration::from_millis(50)),
                _ => break,
            }
        }
    }
}
