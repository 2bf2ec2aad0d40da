//! Config snippets, rendered by minijinja from `templates/` (embedded in the binary).

use std::path::Path;

use anyhow::{Context, Result};
use minijinja::{Environment, UndefinedBehavior, context};

/// The snippets `dbtls config` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Snippet {
    /// MySQL `[mysqld]`.
    Mysql,
    /// MariaDB `[mariadb]` plus its client side.
    Mariadb,
    /// TiDB `[security]` TOML.
    Tidb,
    /// `[client]` for mysql/mariadb clients.
    Client,
}

impl Snippet {
    fn template(self) -> (&'static str, &'static str) {
        match self {
            Snippet::Mysql => ("mysql.cnf", include_str!("../templates/mysql.cnf.j2")),
            Snippet::Mariadb => ("mariadb.cnf", include_str!("../templates/mariadb.cnf.j2")),
            Snippet::Tidb => ("tidb.toml", include_str!("../templates/tidb.toml.j2")),
            Snippet::Client => ("client.cnf", include_str!("../templates/client.cnf.j2")),
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
    let file = |n: &str| datadir.join(n).display().to_string();
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
}
