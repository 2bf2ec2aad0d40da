//! The output of the `mysql_ssl_rsa_setup` drop-in ([`crate::dropin`]): that program's log
//! log lines and its quiet writes to stdout.

use anyhow::{Context, Result};

use crate::report::terminal::{eprint_line, escape, print};

/// Writes one log line, `YYYY-MM-DD HH:MM:SS [CLASS]    message` in local time: ERROR and
/// WARNING on stderr, NOTE on stdout.
pub fn log(class: &str, message: &str) {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    let stamp = now
        .format(time::macros::format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    // `[CLASS]` padded so messages line up, as client/logger.cc does.
    let line = format!(
        "{stamp} [{class}]{:pad$}{message}",
        "",
        pad = 8usize.saturating_sub(class.len())
    );
    // A log line that cannot be written (closed or full stdout) is dropped: the files it reports
    // are already committed or the run fails on its own error.
    if class == "ERROR" || class == "WARNING" {
        eprint_line(&escape(&line));
    } else {
        let _ = print(&format!("{}\n", escape(&line)));
    }
}

/// Prints `text`; a closed pipe is not an error, any other write error is.
pub fn print_quietly(text: &str) -> Result<()> {
    match print(text) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("writing to stdout"),
        _ => Ok(()),
    }
}
