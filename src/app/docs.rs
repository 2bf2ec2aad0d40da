//! `dbtls completions` and `dbtls man`: print the rendered text, or write the man pages
//! through one transaction (all pages or none).

use std::path::PathBuf;

use anyhow::Result;

use crate::app::written::{WrittenFile, describe};
use crate::io::Transaction;

/// One rendered man page.
#[derive(Debug, Clone)]
pub struct Page {
    /// Its file name (`dbtls-key-new.1`).
    pub name: String,
    /// Its roff source.
    pub roff: Vec<u8>,
}

/// What to do with the rendered documentation.
#[derive(Debug, Clone)]
pub enum DocsRequest {
    /// Print this (a completion script, or the dbtls(1) page).
    Print(Vec<u8>),
    /// Write the pages into `dir`.
    Write {
        /// The directory (created if missing).
        dir: PathBuf,
        /// The pages.
        pages: Vec<Page>,
        /// Replace existing pages.
        force: bool,
    },
}

/// What was done.
#[derive(Debug)]
pub enum DocsOutcome {
    /// The text to print.
    Print(Vec<u8>),
    /// The pages written.
    Written(Vec<WrittenFile>),
}

/// Runs the request.
pub fn run(req: &DocsRequest) -> Result<DocsOutcome> {
    match req {
        DocsRequest::Print(text) => Ok(DocsOutcome::Print(text.clone())),
        DocsRequest::Write { dir, pages, force } => {
            let mut tx = Transaction::new(*force);
            tx.ensure_dir(dir)?;
            let mut labels = Vec::new();
            for page in pages {
                let path = dir.join(&page.name);
                tx.stage_public(&path, &page.roff)?;
                labels.push((path, "manual page".to_string()));
            }
            let committed = tx.commit_files()?;
            let mut files = describe(&committed, &labels);
            for f in &mut files {
                f.kind = "man-page";
            }
            Ok(DocsOutcome::Written(files))
        }
    }
}
