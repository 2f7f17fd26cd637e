fn main() -> std::process::ExitCode {
    mingjing::cli::main()
}
