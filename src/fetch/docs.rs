//! `--completions SHELL` and `--man`: a shell completion script and a
//! manual page, generated on demand from the same clap declaration as
//! `--help` (`cli.rs`), so they always list the flags the program has.
//!
//! ```sh
//! hfetch --completions bash > ~/.local/share/bash-completion/completions/hfetch
//! hfetch --man | man -l -
//! ```

use std::io::Write;
use std::process::ExitCode;

use super::cli::{Cli, program_name};

/// Prints what `cli` asks for, if it asks for completions or the manual,
/// and returns the exit status; `None` to go on fetching.
pub(crate) fn print_if_asked(cli: &Cli) -> Option<ExitCode> {
    let name = program_name();
    let mut command = Cli::command_named(&name);
    let mut out = std::io::stdout().lock();
    let written = if let Some(shell) = cli.completions {
        clap_complete::generate(shell, &mut command, name.clone(), &mut out);
        Ok(())
    } else if cli.man {
        clap_mangen::Man::new(command).render(&mut out)
    } else {
        return None;
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Some(ExitCode::SUCCESS),
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Some(ExitCode::SUCCESS),
        Err(error) => {
            eprintln!("{name}: {error}");
            Some(ExitCode::from(1))
        }
    }
}
