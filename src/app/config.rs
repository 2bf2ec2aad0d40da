//! `dbtls config`: the snippet with absolute paths to the setup files.

use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::render::{self, Snippet};

/// Renders `snippet` for `datadir`, made absolute (servers resolve relative paths against
/// their own datadir, not the directory the snippet was made in). A missing ca.pem is a warning.
pub fn run(snippet: Snippet, datadir: &Path) -> Result<String> {
    let abs = absolute(datadir);
    if !abs.join("ca.pem").exists() {
        crate::term::warn(&format!(
            "{} has no ca.pem yet: run `dbtls setup --datadir {}` first",
            abs.display(),
            datadir.display()
        ));
    }
    render::render(snippet, &abs)
}

/// `dir` made absolute, resolving symlinks when it exists.
pub fn absolute(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir)
        .unwrap_or_else(|_| std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf()))
}
