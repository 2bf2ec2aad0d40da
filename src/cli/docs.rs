//! `dbtls completions SHELL` and `dbtls man [--out DIR]`: rendered here from the clap
//! definition itself (so they can never disagree with `--help`), written or printed by
//! [`crate::app::docs`].

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::app::docs::{DocsRequest, Page};
use crate::cli::Cli;
use crate::cli::common::OutputArgs;

/// Arguments of `dbtls completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `dbtls man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write one page per command here (dbtls.1, dbtls-setup.1, dbtls-key-new.1, ...);
    /// without it, print the dbtls(1) page.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace existing pages.
    #[arg(long, requires = "out")]
    pub force: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl From<CompletionsArgs> for DocsRequest {
    fn from(a: CompletionsArgs) -> DocsRequest {
        let mut script = Vec::new();
        clap_complete::generate(a.shell, &mut Cli::command(), "dbtls", &mut script);
        DocsRequest::Print(script)
    }
}

impl TryFrom<ManArgs> for DocsRequest {
    type Error = anyhow::Error;

    fn try_from(a: ManArgs) -> Result<DocsRequest> {
        let mut root = Cli::command().disable_help_subcommand(true);
        root.build();
        let mut pages = Vec::new();
        render(&root, &mut pages)?;
        Ok(match a.out {
            None => DocsRequest::Print(pages.swap_remove(0).roff),
            Some(dir) => DocsRequest::Write {
                dir,
                pages,
                force: a.force,
            },
        })
    }
}

/// The page of `cmd` (its display name, e.g. `dbtls-key-new`, is set by `build`), then those of
/// its subcommands, depth first.
fn render(cmd: &clap::Command, pages: &mut Vec<Page>) -> Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    let mut roff = Vec::new();
    man.render(&mut roff)
        .with_context(|| format!("rendering {}", man.get_filename()))?;
    pages.push(Page {
        name: man.get_filename(),
        roff,
    });
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        render(sub, pages)?;
    }
    Ok(())
}
