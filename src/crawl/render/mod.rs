//! Headless Chromium for pages whose menus or content are built by
//! JavaScript: a visitor sees them, the HTML the server sends does not hold
//! them. One browser process serves the whole run (started on the first page
//! that needs it, restarted after [`RenderConfig::restart_after`] pages or
//! when its memory passes a cap); each site gets a browser context and tab
//! of its own, closed when the site is done, so no cookie, cache or storage
//! passes from one site to another. The
//! browser itself never touches the network: every request a page makes is
//! paused and answered by the crawler, under the same scope, robots.txt and
//! budgets as any page (see [`requests`]).

mod browser;
mod memory;
mod requests;
mod session;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, Semaphore};

pub use crate::site::NotRendered;

pub(super) use self::browser::Live;
pub(super) use self::requests::Blocked;
pub(super) use self::session::{RenderJob, SiteTab, render_page};

/// Default limit for rendering one page, in seconds.
pub const DEFAULT_RENDER_TIMEOUT_SECS: u64 = 15;
/// Default cap on pages rendered per site.
pub const DEFAULT_MAX_RENDERS: usize = 20;
/// Pages one browser process renders before it is replaced by a fresh one.
pub const RESTART_AFTER_PAGES: usize = 100;
/// Default memory of the browser's processes, together, past which it is
/// replaced by a fresh one, in MiB.
pub const DEFAULT_RENDER_MEMORY_MIB: u64 = 1024;
/// Renders in progress across the whole run at most: each holds a renderer
/// process of some 50–100 MB.
const RENDERS_AT_ONCE: usize = 2;

/// When pages are rendered in a browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum RenderMode {
    /// Never: judge every page from the HTML the server sends.
    Never,
    /// Pages whose HTML shows the signs of being built by JavaScript (an
    /// empty shell with scripts, a `<noscript>` asking for JavaScript, a
    /// menu or footer with no links).
    #[default]
    Auto,
    /// Every HTML page (up to `--max-renders` a site).
    Always,
}

impl RenderMode {
    /// The word used on the command line and in `run.json`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RenderMode::Never => "never",
            RenderMode::Auto => "auto",
            RenderMode::Always => "always",
        }
    }
}

/// Rendering settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderConfig {
    /// When to render.
    pub mode: RenderMode,
    /// The browser to run; else the first of `chromium`, `chromium-browser`,
    /// `google-chrome`… on `PATH`.
    pub chromium: Option<PathBuf>,
    /// Hosts other than the site's that rendered pages may load from
    /// (`cdn.example.vn`, or with a port).
    pub allow_hosts: Vec<String>,
    /// Limit for rendering one page.
    pub timeout: Duration,
    /// Pages rendered per site at most.
    pub max_renders: usize,
    /// Pages one browser renders before it is restarted.
    pub restart_after: usize,
    /// Memory of the browser's processes past which it is restarted.
    pub memory_cap_bytes: u64,
}

impl Default for RenderConfig {
    fn default() -> Self {
        Self {
            mode: RenderMode::Auto,
            chromium: None,
            allow_hosts: Vec::new(),
            timeout: Duration::from_secs(DEFAULT_RENDER_TIMEOUT_SECS),
            max_renders: DEFAULT_MAX_RENDERS,
            restart_after: RESTART_AFTER_PAGES,
            memory_cap_bytes: DEFAULT_RENDER_MEMORY_MIB * 1024 * 1024,
        }
    }
}

/// The browser of a run, started when a page first needs it.
#[derive(Debug)]
pub struct Renderer {
    config: RenderConfig,
    state: Mutex<State>,
    /// Renders in progress across the run.
    slots: Semaphore,
}

#[derive(Debug)]
enum State {
    NotStarted,
    Unavailable(NotRendered),
    Running(Arc<Live>),
}

/// What the run's rendering came to, for `run.json` and the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderSummary {
    /// `never`, `auto` or `always`.
    pub mode: RenderMode,
    /// The browser used (its version), when one was started.
    pub browser: Option<String>,
    /// Why no page could be rendered, when rendering was needed and
    /// impossible.
    pub unavailable: Option<NotRendered>,
}

impl Renderer {
    /// A renderer that starts no browser until a page needs one.
    #[must_use]
    pub fn new(config: RenderConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::NotStarted),
            slots: Semaphore::new(RENDERS_AT_ONCE),
        }
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &RenderConfig {
        &self.config
    }

    /// Waits for a free render slot, then gives the running browser
    /// (starting or restarting it as needed).
    pub(super) async fn browser(
        &self,
    ) -> Result<(tokio::sync::SemaphorePermit<'_>, Arc<Live>), NotRendered> {
        let slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| NotRendered::BrowserFailed)?;
        let mut state = self.state.lock().await;
        match &*state {
            State::Unavailable(why) => return Err(*why),
            State::Running(live) if !live.worn_out(&self.config) => {
                return Ok((slot, Arc::clone(live)));
            }
            State::Running(_) | State::NotStarted => {}
        }
        let Some(executable) = self.executable() else {
            match &self.config.chromium {
                Some(path) => tracing::warn!(
                    "pages need rendering, but --chromium {} is not a file",
                    path.display()
                ),
                None => tracing::warn!("pages need rendering, but no Chromium was found on PATH"),
            }
            *state = State::Unavailable(NotRendered::NoChromium);
            return Err(NotRendered::NoChromium);
        };
        match Live::launch(&executable, &self.config).await {
            Ok(live) => {
                let live = Arc::new(live);
                *state = State::Running(Arc::clone(&live));
                Ok((slot, live))
            }
            Err(e) => {
                tracing::warn!(
                    "Chromium at {} could not be started: {e:#}",
                    executable.display()
                );
                *state = State::Unavailable(NotRendered::BrowserFailed);
                Err(NotRendered::BrowserFailed)
            }
        }
    }

    /// The browser to run: `--chromium`, else the first known name on
    /// `PATH`.
    fn executable(&self) -> Option<PathBuf> {
        if let Some(path) = &self.config.chromium {
            return path.is_file().then(|| path.clone());
        }
        find_on_path(std::env::var_os("PATH")?.as_os_str())
    }

    /// What the run's rendering came to.
    pub async fn summary(&self) -> RenderSummary {
        let state = self.state.lock().await;
        RenderSummary {
            mode: self.config.mode,
            browser: match &*state {
                State::Running(live) => Some(live.version().to_owned()),
                _ => None,
            },
            unavailable: match &*state {
                State::Unavailable(why) => Some(*why),
                _ => None,
            },
        }
    }
}

/// Names Chromium goes by on Linux distributions and in containers.
const CHROMIUM_NAMES: [&str; 6] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "headless_shell",
];

/// The first Chromium found in the folders of `path` (a `PATH` value).
fn find_on_path(path: &std::ffi::OsStr) -> Option<PathBuf> {
    std::env::split_paths(path).find_map(|dir| {
        CHROMIUM_NAMES
            .iter()
            .map(|name| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chromium_is_found_on_path_only() {
        let dir = tempfile::tempdir().unwrap();
        let empty = std::ffi::OsString::from(dir.path());
        assert_eq!(find_on_path(&empty), None);
        let browser = dir.path().join("chromium-browser");
        std::fs::write(&browser, "#!/bin/sh\n").unwrap();
        assert_eq!(find_on_path(&empty), None, "not executable");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(find_on_path(&empty), Some(browser));
    }
}
