//! The `portal-audit` binary: parses the command line, sets up logging and the
//! runtime, runs the app and turns the outcome into an exit status.

use std::process::ExitCode;

use clap::Parser;
use portal_audit::app::{self, Exit};
use portal_audit::cli::Cli;
use portal_audit::error::InputError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "portal_audit=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    raise_open_file_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("portal-audit: cannot start the runtime: {e}");
            return ExitCode::from(Exit::Internal as u8);
        }
    };
    let outcome = runtime.block_on(app::run(cli));
    match outcome {
        Ok(exit) => ExitCode::from(exit as u8),
        // The reader stopped reading (`portal-audit history | head`): a
        // normal end, as `head` expects.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            if let Some(input) = error.downcast_ref::<InputError>() {
                eprintln!("portal-audit: error: {input}");
                ExitCode::from(Exit::BadInput as u8)
            } else {
                eprintln!("portal-audit: internal failure: {error:#}");
                ExitCode::from(Exit::Internal as u8)
            }
        }
    }
}

/// Lifts the soft limit on open files to the hard one: a run over thousands
/// of sites keeps a few connections per site in flight, more than the usual
/// soft limit of 1,024.
fn raise_open_file_limit() {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, getrlimit, setrlimit};
        let mut limit = getrlimit(Resource::Nofile);
        if limit.current < limit.maximum {
            limit.current = limit.maximum;
            if let Err(e) = setrlimit(Resource::Nofile, limit) {
                tracing::debug!("cannot raise the open-file limit: {e}");
            }
        }
    }
}

/// Whether `error` comes from writing to a pipe whose reader has gone.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
