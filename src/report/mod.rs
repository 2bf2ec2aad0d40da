//! Everything that reaches stdout or stderr: terminal escaping and the fallible writes
//! ([`terminal`]), the config snippets ([`snippet`]), the summaries of the commands
//! ([`summary`]) inspect's text, JSON, `--field` and SQL output ([`inspect`]) and verify's checks
//! ([`verify`]), each turning a
//! command's outcome into exactly the text it prints.

pub mod dropin;
pub mod inspect;
pub mod snippet;
pub mod summary;
pub mod terminal;
pub mod verify;

pub use summary::{Options, print_outcome};
pub use terminal::{
    eprint_line, error, escape, escape_json, first_unsafe, is_broken_pipe, is_unsafe, path, print,
    print_summary, warn,
};

/// The warnings of a certificate's subject and issuer strings, each saying which one it is
/// about (`subject: ...`, `issuer: ...`), subject first: the one mapping every report of names
/// uses.
pub fn name_warnings<'a>(
    subject: impl IntoIterator<Item = &'a String>,
    issuer: impl IntoIterator<Item = &'a String>,
) -> Vec<String> {
    let mut out: Vec<String> = subject
        .into_iter()
        .map(|w| format!("subject: {w}"))
        .collect();
    out.extend(issuer.into_iter().map(|w| format!("issuer: {w}")));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn name_warnings_say_which_name() {
        let s = vec!["a".to_string()];
        let i = vec!["b".to_string()];
        assert_eq!(super::name_warnings(&s, &i), ["subject: a", "issuer: b"]);
    }
}
