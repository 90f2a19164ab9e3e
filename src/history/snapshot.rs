//! Everything a run's outputs are made from, kept in the history (gzipped
//! JSON) so any run's outputs can be written again: after a full disk, a
//! kill, or for a leader who lost the folder.

use std::io::{Read as _, Write as _};
use std::path::Path;

use anyhow::Context;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

use crate::report::ReportOptions;
use crate::run::{AuditRun, RunChanges};

/// A run as its outputs need it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// The run.
    pub run: AuditRun,
    /// What changed since the run before it.
    pub changes: RunChanges,
    /// The language and CSV settings it was written with.
    pub report: ReportOptions,
}

impl Snapshot {
    /// The snapshot, gzipped JSON.
    ///
    /// # Errors
    /// Only if serialisation fails.
    pub fn encode(&self) -> anyhow::Result<Vec<u8>> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        serde_json::to_writer(&mut encoder, self)?;
        Ok(encoder.finish()?)
    }

    /// Reads a snapshot back.
    ///
    /// # Errors
    /// When the bytes are not a snapshot.
    pub fn decode(bytes: &[u8]) -> anyhow::Result<Self> {
        let mut json = Vec::new();
        GzDecoder::new(bytes)
            .read_to_end(&mut json)
            .context("the saved run is damaged")?;
        serde_json::from_slice(&json).context("the saved run cannot be read")
    }

    /// Writes the snapshot to a recovery file at `path` (when the history
    /// itself cannot take the run).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let bytes = self.encode()?;
        let mut file = std::fs::File::create(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(&bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Reads a recovery file.
    ///
    /// # Errors
    /// When it cannot be read or is not a saved run.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        Self::decode(&bytes).with_context(|| format!("{} is not a saved run", path.display()))
    }
}
