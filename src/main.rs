//! The `corridor` binary: parse arguments, run, map errors to exit codes.

fn main() {
    let code = match corridor::cli::run() {
        Ok(()) => corridor::error::EXIT_OK,
        Err(err) => {
            let code = corridor::error::exit_code(&err);
            if code != corridor::error::EXIT_OK {
                corridor::cli::report(&err);
            }
            code
        }
    };
    std::process::exit(code);
}
