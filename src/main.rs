//! The `dbtls` binary: a thin adapter over the library (see `dbtls::main`).

fn main() -> std::process::ExitCode {
    dbtls::main(std::env::args_os().collect())
}
