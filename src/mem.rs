//! Cache hints and streaming stores behind safe wrappers.
//!
//! The `unsafe` blocks and architecture intrinsics that exist only for speed
//! live here, so that the code using them reads as ordinary Rust. Each
//! function does what plain code would (a prefetch nothing, a streamed copy
//! what `copy_from_slice` does); only the speed differs, and on
//! architectures without the instruction they are that plain code. Where
//! each is used, and what it is worth, is in `docs/performance.md`.

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

/// Copies `src` into `dst` (same length) with streaming stores where the
/// target has them: for a destination written once now and read much later
/// (by another pass, perhaps another core), so fetching its cache lines
/// first (a read for ownership) and keeping them in cache would be wasted.
/// The stores are weakly ordered: call [`store_fence`] before handing `dst`
/// to another thread.
#[inline]
pub fn stream_copy(src: &[f64], dst: &mut [f64]) {
    assert_eq!(src.len(), dst.len());
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_loadu_pd, _mm_stream_pd, _mm_stream_si64};
        // 16-byte streaming stores where `dst` is 16-byte aligned (an f64
        // slice starts on 8): half the store instructions of 8-byte ones.
        let head = (dst.as_ptr() as usize / 8) % 2;
        let (first, rest) = dst.split_at_mut(head.min(dst.len()));
        let (src_first, src_rest) = src.split_at(first.len());
        let pairs = rest.len() / 2;
        // SAFETY: every pointer below is in bounds of `dst` or `src` (same
        // lengths, split at the same point); `rest` starts 16-byte aligned,
        // so each `_mm_stream_pd` target is; SSE2 is part of x86_64.
        unsafe {
            for (o, &v) in first.iter_mut().zip(src_first) {
                _mm_stream_si64(o as *mut f64 as *mut i64, v.to_bits() as i64);
            }
            for k in 0..pairs {
                let v = _mm_loadu_pd(src_rest.as_ptr().add(2 * k));
                _mm_stream_pd(rest.as_mut_ptr().add(2 * k), v);
            }
            if rest.len() % 2 == 1 {
                let k = rest.len() - 1;
                _mm_stream_si64(
                    rest.as_mut_ptr().add(k) as *mut i64,
                    src_rest[k].to_bits() as i64,
                );
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    dst.copy_from_slice(src);
}

/// Orders every earlier [`stream_copy`] before any later store, such as
/// the release of a lock that hands the written memory to another thread.
/// A fence waits for every pending line to drain: call it once after a
/// batch of copies, not after each.
#[inline]
pub fn store_fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a fence has no preconditions.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Streamed copies equal plain ones at every alignment and length.
    #[test]
    fn stream_copy_copies() {
        let src: Vec<f64> = (0..37).map(|i| i as f64 * 1.5 - 7.0).collect();
        let mut buf = vec![0.0; 40];
        for start in 0..3 {
            for len in 0..=src.len() {
                buf.fill(f64::NAN);
                stream_copy(&src[..len], &mut buf[start..start + len]);
                store_fence();
                assert_eq!(&buf[start..start + len], &src[..len], "at {start}, {len}");
            }
        }
    }
}
