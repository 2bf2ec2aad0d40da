//! `dbtls config`: the snippet with absolute paths to the setup files.

use std::path::Path;

use anyhow::Result;

use crate::render::{self, Snippet};

/// Renders `snippet` for `datadir`, made absolute (servers resolve relative paths against
/// their own datadir, not the directory the snippet was made in). A missing ca.pem is a warning.
pub fn run(snippet: Snippet, datadir: &Path) -> Result<String> {
    let abs = crate::io::absolute(datadir);
    if !abs.join("ca.pem").exists() {
        crate::term::warn(&format!(
            "{} has no ca.pem yet: run `dbtls setup --datadir {}` first",
            abs.display(),
            datadir.display()
        ));
    }
    render::render(snippet, &abs)
}
