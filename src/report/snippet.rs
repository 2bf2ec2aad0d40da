//! Config snippets, rendered by minijinja from `templates/` (embedded in the binary): the
//! output of `dbtls config` and the "Next:" lines of `dbtls setup`.

use std::path::Path;

use anyhow::{Context, Result, bail};
use minijinja::{Environment, UndefinedBehavior, context};

/// The snippets `dbtls config` prints (the doc comments are `dbtls config --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Snippet {
    /// MySQL server `[mysqld]` ssl_ca/ssl_cert/ssl_key and require_secure_transport.
    Mysql,
    /// MariaDB server `[mariadb]` plus client ssl-verify-server-cert.
    Mariadb,
    /// TiDB `[security]` TOML.
    Tidb,
    /// `[client]` ssl-ca/ssl-cert/ssl-key with ssl-mode=VERIFY_IDENTITY.
    Client,
}

impl Snippet {
    fn template(self) -> (&'static str, &'static str) {
        match self {
            Snippet::Mysql => ("mysql.cnf", include_str!("../../templates/mysql.cnf.j2")),
            Snippet::Mariadb => (
                "mariadb.cnf",
                include_str!("../../templates/mariadb.cnf.j2"),
            ),
            Snippet::Tidb => ("tidb.toml", include_str!("../../templates/tidb.toml.j2")),
            Snippet::Client => ("client.cnf", include_str!("../../templates/client.cnf.j2")),
        }
    }
}

/// Renders a snippet for the setup files in `datadir` (which should be absolute).
pub fn render(snippet: Snippet, datadir: &Path) -> Result<String> {
    let mut env = Environment::new();
    // A typo in a template variable is an error, not an empty string in someone's my.cnf.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .keep_trailing_newline(true)
            .build()
            .context("template syntax")?,
    );
    let (name, source) = snippet.template();
    env.add_template(name, source)
        .context("loading the template")?;
    let Some(dir) = datadir.to_str() else {
        bail!(
            "{}: the path is not UTF-8; an option file cannot name it",
            datadir.display()
        );
    };
    // A newline in the datadir would end the value and start a line of the reader's choosing
    // (e.g. `plugin_load_add=...` in a server's option file); no quoting form of my.cnf or TOML
    // carries control characters, so such a path is refused rather than escaped.
    if let Some(c) = dir.chars().find(|&c| crate::report::is_unsafe(c)) {
        bail!(
            "{}: the path holds the control character U+{:04X}; an option file cannot carry it safely",
            crate::report::escape(dir),
            c as u32
        );
    }
    let quote: fn(&str) -> String = match snippet {
        Snippet::Tidb => toml_string,
        _ => option_value,
    };
    let file = |n: &str| quote(&datadir.join(n).display().to_string());
    let text = env
        .get_template(name)
        .and_then(|t| {
            t.render(context! {
                ca => file("ca.pem"),
                server_cert => file("server-cert.pem"),
                server_key => file("server-key.pem"),
                client_cert => file("client-cert.pem"),
                client_key => file("client-key.pem"),
                private_key => file("private_key.pem"),
                public_key => file("public_key.pem"),
            })
        })
        .with_context(|| format!("rendering {name}"))?;
    Ok(text)
}

/// A value for a MySQL/MariaDB option file. mysys's reader (`my_default.c`) ends a value at `#`,
/// strips surrounding blanks and quotes, and interprets `\` escapes (`\s` is a space), so a path
/// holding any of those is written in double quotes with `\\` and `\"` escaped; any other path is
/// written as it is, as the server's documentation shows them. Checked with `my_print_defaults`.
fn option_value(path: &str) -> String {
    let plain = !path.contains(['#', '\\', '\'', '"']) && path.trim() == path && !path.is_empty();
    if plain {
        path.to_string()
    } else {
        format!("\"{}\"", path.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// A TOML basic string (TOML 1.0 §String): `\\` and `\"` escaped; control characters were
/// refused before.
fn toml_string(path: &str) -> String {
    format!("\"{}\"", path.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_snippet_renders_absolute_paths() {
        for s in [
            Snippet::Mysql,
            Snippet::Mariadb,
            Snippet::Tidb,
            Snippet::Client,
        ] {
            let text = render(s, Path::new("/var/lib/mysql")).unwrap();
            assert!(text.contains("/var/lib/mysql/ca.pem"), "{text}");
            assert!(text.ends_with('\n'));
        }
        assert!(
            render(Snippet::Tidb, Path::new("/d"))
                .unwrap()
                .contains("ssl-key = \"/d/server-key.pem\"")
        );
        assert!(
            render(Snippet::Client, Path::new("/d"))
                .unwrap()
                .contains("ssl-mode=VERIFY_IDENTITY")
        );
    }

    #[test]
    fn option_values_quote_only_what_the_reader_would_change() {
        assert_eq!(
            option_value("/var/lib/mysql/ca.pem"),
            "/var/lib/mysql/ca.pem"
        );
        assert_eq!(option_value("/a b/ca.pem"), "/a b/ca.pem");
        assert_eq!(option_value("/a#b"), "\"/a#b\"");
        assert_eq!(option_value(r#"/a\s"q"'"#), r#""/a\\s\"q\"'""#);
        assert_eq!(option_value(" /lead"), "\" /lead\"");
        assert_eq!(toml_string(r#"/a\"b"#), r#""/a\\\"b""#);
    }

    #[test]
    fn control_characters_in_the_datadir_are_refused() {
        let e = render(Snippet::Mysql, Path::new("/d\nplugin_load_add=x")).unwrap_err();
        assert!(format!("{e}").contains("U+000A"), "{e}");
        assert!(render(Snippet::Tidb, Path::new("/d\u{202e}")).is_err());
    }
}
