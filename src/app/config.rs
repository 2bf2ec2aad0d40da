//! `dbtls config`: which snippet, for which directory (made absolute). The snippet itself is
//! rendered by [`crate::report::snippet`].

use std::path::PathBuf;

use crate::report::snippet::Snippet;

/// `dbtls config`, typed.
#[derive(Debug, Clone)]
pub struct ConfigRequest {
    /// The snippet to print.
    pub snippet: Snippet,
    /// The directory `dbtls setup` wrote into, as typed.
    pub datadir: PathBuf,
}

/// The snippet to render and the warnings about it.
#[derive(Debug, Clone)]
pub struct ConfigOutcome {
    /// The snippet.
    pub snippet: Snippet,
    /// The datadir, absolute: servers resolve relative paths against their own datadir, not
    /// the directory the snippet was made in.
    pub datadir: PathBuf,
    /// Warnings (no ca.pem yet).
    pub warnings: Vec<String>,
}

/// Resolves the datadir; a missing ca.pem is a warning, not an error.
pub fn run(req: &ConfigRequest) -> ConfigOutcome {
    let abs = crate::io::absolute(&req.datadir);
    let mut warnings = Vec::new();
    if !abs.join("ca.pem").exists() {
        warnings.push(format!(
            "{} has no ca.pem yet: run `dbtls setup --datadir {}` first",
            abs.display(),
            req.datadir.display()
        ));
    }
    ConfigOutcome {
        snippet: req.snippet,
        datadir: abs,
        warnings,
    }
}
