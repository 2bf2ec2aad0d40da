//! The `mysql_ssl_rsa_setup` drop-in: that program's options, option files and log format,
//! running `dbtls setup` underneath.
//!
//! Behaviour follows MySQL 8.0's client/mysql_ssl_rsa_setup.cc (see shared notes §1):
//! - options `-d/--datadir`, `-s/--suffix`, `--uid`, `-v/--verbose`, `-V/--version`, `-?/--help`,
//!   as `--opt=value`, `--opt value` and `-dVALUE`/`-d VALUE`;
//! - `datadir` (and the other long options) may come from the `[mysqld]` and
//!   `[mysql_ssl_rsa_setup]` groups of the option files; the command line wins;
//! - unknown options are ignored (my_getopt_skip_unknown), so mysqld options in shared option
//!   files do not break it; on the command line we also warn;
//! - log lines `YYYY-MM-DD HH:MM:SS [NOTE]    message`: NOTE on stdout only with --verbose,
//!   ERROR always, on stderr; exit 0 on success or skip, 1 on error;
//! - one deliberate difference: a ca-key.pem, client-cert.pem or client-key.pem left without
//!   ca.pem, which the original overwrote or deleted, is moved aside to `NAME.bak-<UTC time>`
//!   (logged as a WARNING) rather than destroyed.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::app::setup::{self, SetupRequest};
use crate::pki::key::KeyType;
use crate::report::dropin::{log, print_quietly};

/// The name that selects drop-in mode.
pub const PROGRAM: &str = "mysql_ssl_rsa_setup";

/// The option-file groups the original read.
pub const GROUPS: [&str; 2] = ["mysqld", "mysql_ssl_rsa_setup"];

/// The global option files, in MySQL's order (then `~/.my.cnf`).
const GLOBAL_FILES: [&str; 2] = ["/etc/my.cnf", "/etc/mysql/my.cnf"];

/// How deep `!include` may nest before we assume a loop (MySQL stops at 10 too).
const MAX_INCLUDE_DEPTH: usize = 10;

/// What the command line said.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DropinArgs {
    /// `--datadir`.
    pub datadir: Option<String>,
    /// `--suffix`.
    pub suffix: Option<String>,
    /// `--uid`.
    pub uid: Option<String>,
    /// `--verbose`.
    pub verbose: bool,
    /// `--version`.
    pub version: bool,
    /// `--help`.
    pub help: bool,
    /// `--no-defaults`.
    pub no_defaults: bool,
    /// `--defaults-file`.
    pub defaults_file: Option<PathBuf>,
    /// `--defaults-extra-file`.
    pub defaults_extra_file: Option<PathBuf>,
    /// Options we do not know, ignored with a warning.
    pub unknown: Vec<String>,
}

/// Parses the original's command line (without argv[0]).
pub fn parse_args(args: &[String]) -> Result<DropinArgs> {
    let mut out = DropinArgs::default();
    let mut it = args.iter().peekable();
    while let Some(arg) = it.next() {
        let mut value_for = |name: &str, inline: Option<&str>| -> Result<String> {
            match inline {
                Some(v) => Ok(v.to_string()),
                None => match it.next() {
                    Some(v) => Ok(v.clone()),
                    None => bail!("option '{name}' requires an argument"),
                },
            }
        };
        if let Some(long) = arg.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            // my_getopt treats '-' and '_' alike and accepts a "loose-" prefix.
            let norm = name.replace('_', "-");
            let norm = norm.strip_prefix("loose-").unwrap_or(&norm);
            match norm {
                "datadir" => out.datadir = Some(value_for("--datadir", inline)?),
                "suffix" => out.suffix = Some(value_for("--suffix", inline)?),
                "uid" => out.uid = Some(value_for("--uid", inline)?),
                "verbose" => out.verbose = true,
                "version" => out.version = true,
                "help" => out.help = true,
                "no-defaults" => out.no_defaults = true,
                "defaults-file" => {
                    out.defaults_file = Some(value_for("--defaults-file", inline)?.into())
                }
                "defaults-extra-file" => {
                    out.defaults_extra_file =
                        Some(value_for("--defaults-extra-file", inline)?.into())
                }
                _ => out.unknown.push(arg.clone()),
            }
        } else if let Some(short) = arg.strip_prefix('-').filter(|s| !s.is_empty()) {
            for (i, c) in short.char_indices() {
                let rest = &short[i + c.len_utf8()..];
                let inline = (!rest.is_empty()).then_some(rest);
                match c {
                    'd' => {
                        out.datadir = Some(value_for("-d", inline)?);
                        break;
                    }
                    's' => {
                        out.suffix = Some(value_for("-s", inline)?);
                        break;
                    }
                    'v' => out.verbose = true,
                    'V' => out.version = true,
                    '?' => out.help = true,
                    _ => {
                        out.unknown.push(format!("-{c}"));
                    }
                }
            }
        } else {
            out.unknown.push(arg.clone());
        }
    }
    Ok(out)
}

/// Options read from option files: the last value of each key in our groups.
pub type FileOptions = BTreeMap<String, String>;

/// Reads one option file (and its `!include`/`!includedir`s) into `opts`: the options of the
/// `groups` named (lowercase), `-`/`_` and a `loose-` prefix normalized, the last value winning.
/// A missing top-level file is skipped, a missing `!include` is an error. `depth` is 0 for a
/// top-level file. Reusable by anything that reads my.cnf (`doctor`).
pub fn read_option_file(
    path: &Path,
    groups: &[&str],
    opts: &mut FileOptions,
    depth: usize,
) -> Result<()> {
    if depth > MAX_INCLUDE_DEPTH {
        bail!("{}: !include nested too deeply", path.display());
    }
    // A missing standard option file is skipped, as mysys does; a missing !include is an error.
    let text = match crate::io::read_if_exists(path)? {
        Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        None if depth == 0 => return Ok(()),
        None => bail!("{}: no such file or directory", path.display()),
    };
    let base = path.parent().unwrap_or(Path::new("."));
    parse_option_text(
        &text,
        groups,
        opts,
        &mut |directive, opts| match directive {
            Directive::IncludeDir(inc) => {
                let dir = base.join(inc);
                let mut files: Vec<PathBuf> = match crate::io::list_dir(&dir) {
                    Ok(files) => files,
                    Err(_) => return Ok(()), // MySQL ignores a missing !includedir
                };
                files.retain(|p| p.extension().is_some_and(|e| e == "cnf"));
                files.sort();
                for f in files {
                    read_option_file(&f, groups, opts, depth + 1)?;
                }
                Ok(())
            }
            Directive::Include(inc) => read_option_file(&base.join(inc), groups, opts, depth + 1),
        },
    )
}

/// An `!include FILE` or `!includedir DIR` line of an option file.
pub enum Directive<'a> {
    /// `!include FILE`.
    Include(&'a str),
    /// `!includedir DIR`.
    IncludeDir(&'a str),
}

/// Parses the text of one option file into `opts` (see [`read_option_file`]), handing each
/// include directive (with `opts`) to `include`. No file access of its own: this is what the fuzz target
/// reads.
pub fn parse_option_text(
    text: &str,
    groups: &[&str],
    opts: &mut FileOptions,
    include: &mut dyn FnMut(Directive<'_>, &mut FileOptions) -> Result<()>,
) -> Result<()> {
    let mut in_group = false;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(inc) = line.strip_prefix("!includedir") {
            include(Directive::IncludeDir(inc.trim()), opts)?;
            continue;
        }
        if let Some(inc) = line.strip_prefix("!include") {
            include(Directive::Include(inc.trim()), opts)?;
            continue;
        }
        if let Some(group) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            in_group = groups.contains(&group.trim().to_ascii_lowercase().as_str());
            continue;
        }
        if !in_group {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), strip_value(v)),
            None => (line, String::new()),
        };
        let key = key.replace('_', "-");
        let key = key.strip_prefix("loose-").unwrap_or(&key).to_string();
        opts.insert(key, value);
    }
    Ok(())
}

/// An option value: trailing comments removed, surrounding quotes removed.
fn strip_value(v: &str) -> String {
    let v = v.trim();
    if let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'')
        && let Some(end) = v[1..].find(q)
    {
        return v[1..1 + end].to_string();
    }
    v.split(" #").next().unwrap_or(v).trim().to_string()
}

/// The option files to read, in order, for these arguments.
pub fn option_files(args: &DropinArgs, home: Option<&Path>) -> Vec<PathBuf> {
    if args.no_defaults {
        return Vec::new();
    }
    if let Some(f) = &args.defaults_file {
        return vec![f.clone()];
    }
    let mut files: Vec<PathBuf> = GLOBAL_FILES.iter().map(PathBuf::from).collect();
    if let Some(extra) = &args.defaults_extra_file {
        files.push(extra.clone());
    }
    if let Some(home) = home {
        files.push(home.join(".my.cnf"));
    }
    files
}

fn usage() -> String {
    format!(
        "{PROGRAM}  Ver {ver} (dbtls)\n\
         MySQL SSL Certificate and RSA Key Generation Utility (dbtls drop-in)\n\
         Usage : {PROGRAM} [OPTIONS]\n\n\
         \x20 -?, --help          Display this help and exit.\n\
         \x20 -v, --verbose       Be more verbose when running program\n\
         \x20 -V, --version       Print program version and exit\n\
         \x20 -d, --datadir=name  Directory to store generated files.\n\
         \x20 -s, --suffix=name   Suffix to be added in certificate subject line (default {ver})\n\
         \x20 --uid=name          The effective user id to be used for file permission\n\
         \x20 --no-defaults, --defaults-file=#, --defaults-extra-file=#\n\
         \x20                     Option files: [mysqld] and [mysql_ssl_rsa_setup] groups of\n\
         \x20                     /etc/my.cnf, /etc/mysql/my.cnf, ~/.my.cnf\n",
        ver = setup::DEFAULT_SUFFIX
    )
}

/// Runs as mysql_ssl_rsa_setup; `args[0]` is the program name.
pub fn main(args: Vec<OsString>) -> ExitCode {
    let args: Vec<String> = args
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log(
                "ERROR",
                &format!("{e:#}{}", crate::cli::advice(&e)).replace('\n', " "),
            );
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let cli = parse_args(args)?;
    if cli.help {
        print_quietly(&usage())?;
        return Ok(());
    }
    if cli.version {
        print_quietly(&format!(
            "{PROGRAM}  Ver {} (dbtls) for {} on {}\n",
            setup::DEFAULT_SUFFIX,
            std::env::consts::OS,
            std::env::consts::ARCH
        ))?;
        return Ok(());
    }
    for u in &cli.unknown {
        log("WARNING", &format!("Ignoring unknown option '{u}'"));
    }
    let mut file_opts = FileOptions::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    for f in option_files(&cli, home.as_deref()) {
        let explicit =
            Some(&f) == cli.defaults_file.as_ref() || Some(&f) == cli.defaults_extra_file.as_ref();
        if explicit && !f.exists() {
            bail!("Could not open required defaults file: {}", f.display());
        }
        read_option_file(&f, &GROUPS, &mut file_opts, 0)?;
    }
    let verbose = cli.verbose || file_opts.contains_key("verbose");
    let Some(datadir) = cli
        .datadir
        .clone()
        .or_else(|| file_opts.get("datadir").cloned())
    else {
        bail!("No datadir: give --datadir or set datadir= in the [mysqld] group of an option file");
    };
    if datadir.len() > 495 {
        bail!("Dir path is too long");
    }
    let dir = PathBuf::from(&datadir);
    if !crate::io::is_listable_dir(&dir) {
        bail!(
            "Failed to access directory pointed by --datadir. Please make sure that directory exists and is accessible by {PROGRAM}. Supplied value : {datadir}"
        );
    }
    let suffix = cli
        .suffix
        .clone()
        .or_else(|| file_opts.get("suffix").cloned())
        .unwrap_or_else(|| setup::DEFAULT_SUFFIX.to_string());
    let req = SetupRequest {
        datadir: dir,
        suffix,
        uid: cli.uid.clone().or_else(|| file_opts.get("uid").cloned()),
        key_type: KeyType::Rsa2048,
        days: crate::pki::profile::CA_DAYS,
        sans: Vec::new(),
        force: false,
        passout: None,
        encrypt_client_key: false,
        // The original printed no option-file lines, so there is no server to look for.
        server: crate::app::server_kind::ServerHint::Given(None),
    };
    // The original overwrote a ca-key.pem (and deleted client-cert.pem and client-key.pem) left
    // without ca.pem; scripts expect it to succeed there, so instead of refusing as `dbtls setup`
    // does, they are moved aside (NAME.bak-<UTC time>) and each move is logged as a WARNING.
    setup::check_suffix(&req.suffix).context("Error generating the certificate files")?;
    let outcome = setup::run_with(&req, setup::Stale::MoveAside)
        .context("Error generating the certificate files")?;
    for w in &outcome.warnings {
        log("WARNING", w);
    }
    if verbose {
        for n in &outcome.notes {
            log("NOTE", n);
        }
        for s in &outcome.skipped {
            log("NOTE", s.split(" (").next().unwrap_or(s));
        }
        for w in &outcome.written {
            log("NOTE", &format!("Wrote {}", w.path.display()));
        }
        log("NOTE", "Success!");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn both_option_forms_parse() {
        let a = parse_args(&args(&[
            "--datadir=/x",
            "-s",
            "abc",
            "--uid",
            "mysql",
            "-v",
        ]))
        .unwrap();
        assert_eq!(a.datadir.as_deref(), Some("/x"));
        assert_eq!(a.suffix.as_deref(), Some("abc"));
        assert_eq!(a.uid.as_deref(), Some("mysql"));
        assert!(a.verbose);
        let b = parse_args(&args(&["-d/y", "--suffix", "q", "--port=3306", "-?"])).unwrap();
        assert_eq!(b.datadir.as_deref(), Some("/y"));
        assert_eq!(b.unknown, vec!["--port=3306"]);
        assert!(b.help);
        assert!(parse_args(&args(&["--datadir"])).is_err());
    }

    #[test]
    fn option_files_follow_groups_and_includes() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("conf.d");
        std::fs::create_dir(&conf).unwrap();
        std::fs::write(
            conf.join("a.cnf"),
            "[mysqld]\ndatadir = \"/from/includedir\"\n",
        )
        .unwrap();
        std::fs::write(conf.join("ignored.txt"), "[mysqld]\ndatadir=/wrong\n").unwrap();
        std::fs::write(
            dir.path().join("inc.cnf"),
            "[mysql_ssl_rsa_setup]\nsuffix=S1 # comment\n",
        )
        .unwrap();
        let main = dir.path().join("my.cnf");
        std::fs::write(&main, "[client]\ndatadir=/not/this\n[mysqld]\nport=3306\ndatadir=/first\n!include inc.cnf\n!includedir conf.d\n").unwrap();
        let mut opts = FileOptions::new();
        read_option_file(&main, &GROUPS, &mut opts, 0).unwrap();
        assert_eq!(
            opts.get("datadir").map(String::as_str),
            Some("/from/includedir")
        );
        assert_eq!(opts.get("suffix").map(String::as_str), Some("S1"));
    }

    #[test]
    fn include_loops_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("loop.cnf");
        std::fs::write(&f, "!include loop.cnf\n").unwrap();
        assert!(read_option_file(&f, &GROUPS, &mut FileOptions::new(), 0).is_err());
    }

    #[test]
    fn defaults_file_replaces_the_search_list() {
        let a = DropinArgs {
            defaults_file: Some("/x.cnf".into()),
            ..Default::default()
        };
        assert_eq!(
            option_files(&a, Some(Path::new("/h"))),
            vec![PathBuf::from("/x.cnf")]
        );
        let n = DropinArgs {
            no_defaults: true,
            ..Default::default()
        };
        assert!(option_files(&n, None).is_empty());
        let e = DropinArgs {
            defaults_extra_file: Some("/e.cnf".into()),
            ..Default::default()
        };
        assert_eq!(
            option_files(&e, Some(Path::new("/h"))).last(),
            Some(&PathBuf::from("/h/.my.cnf"))
        );
    }
}
