//! Everything a run's outputs are made from, kept in the history (gzipped
//! JSON) so any run's outputs can be written again: after a full disk, a
//! kill, or for a leader who lost the folder.

use std::fs::File;
use std::io::{BufWriter, Seek as _, Write};
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
        self.write_to(Vec::new())
    }

    /// Writes the snapshot, gzipped JSON, into `out` as it is serialised;
    /// gives `out` back.
    ///
    /// # Errors
    /// When serialisation or `out` fails.
    pub fn write_to<W: Write>(&self, out: W) -> anyhow::Result<W> {
        let mut encoder = GzEncoder::new(out, Compression::fast());
        serde_json::to_writer(&mut encoder, self)?;
        Ok(encoder.finish()?)
    }

    /// The snapshot, gzipped, in an unnamed temporary file in `dir`, rewound
    /// to its start, with its length: for 10,000 sites it weighs about
    /// 16 MB, which need not be held while the history copies it.
    ///
    /// # Errors
    /// When the file cannot be made or written.
    pub fn spool(&self, dir: &Path) -> anyhow::Result<(File, u64)> {
        let file = tempfile::tempfile_in(dir)
            .with_context(|| format!("cannot make a temporary file in {}", dir.display()))?;
        let mut file = self
            .write_to(BufWriter::new(file))?
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        let length = file.stream_position()?;
        file.rewind()?;
        Ok((file, length))
    }

    /// Reads a snapshot back.
    ///
    /// # Errors
    /// When the bytes are not a snapshot.
    pub fn decode(bytes: &[u8]) -> anyhow::Result<Self> {
        // Parsed as it is unzipped: the JSON of 10,000 sites weighs
        // hundreds of megabytes, which need not be held.
        let json = std::io::BufReader::new(GzDecoder::new(bytes));
        serde_json::from_reader(json).map_err(|e| {
            let what = if e.is_io() {
                "the saved run is damaged"
            } else {
                "the saved run cannot be read"
            };
            anyhow::Error::new(e).context(what)
        })
    }

    /// Writes the snapshot to a recovery file at `path` (when the history
    /// itself cannot take the run).
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let file =
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let written = self.write_to(BufWriter::new(file)).and_then(|buffered| {
            let file = buffered
                .into_inner()
                .map_err(std::io::IntoInnerError::into_error)?;
            Ok(file.sync_all()?)
        });
        written.with_context(|| format!("cannot write {}", path.display()))
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
