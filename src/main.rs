fn main() -> std::process::ExitCode {
    return_large_buffers_to_the_system();
    mingjing::cli::main()
}

/// Evidence is checked in buffers of up to 20 MB. glibc's malloc raises its
/// mmap threshold after such a buffer is freed and from then on serves large
/// buffers from per-thread heaps it never gives back, so a burst of uploads
/// would leave the node hundreds of megabytes larger for good (measured: ten
/// 48 MB petitions at once, +311 MB resident; with a fixed 1 MB threshold,
/// +60 MB). A fixed threshold keeps every large buffer an mmap of its own,
/// unmapped when freed. Called first, before any thread exists.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_buffers_to_the_system() {
    // SAFETY: mallopt only sets an allocator parameter; no thread has started.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_buffers_to_the_system() {}
