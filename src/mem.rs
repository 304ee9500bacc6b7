//! Cache hints behind safe wrappers.
//!
//! The `unsafe` blocks and architecture intrinsics that exist only for speed
//! live here, so that the code using them reads as ordinary Rust. Every
//! function is a hint: it has no effect on results, and on architectures
//! without the instruction it does nothing. Where each hint is used, and
//! what it is worth, is in `docs/performance.md`.

/// Asks the processor to start loading the cache line holding `r` into
/// every cache level, so that a read a little later does not wait for
/// memory. Useful only when the address is known well before the read and
/// the hardware prefetcher cannot guess it (scattered or many interleaved
/// streams).
#[inline(always)]
pub fn prefetch<T>(r: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint that cannot fault, and the pointer comes
    // from a reference, so it is valid anyway.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            r as *const T as *const i8,
        )
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = r;
}
