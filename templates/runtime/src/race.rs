//! Waiting for the first of two futures, without tokio's `select!` (its `macros` feature
//! would build a proc-macro crate for every user of the runtime).

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;

/// `work`'s output, or `None` when `other` finished first (`work` is then dropped).
pub(crate) async fn unless<W: Future, O: Future>(
    work: W,
    mut other: Pin<&mut O>,
) -> Option<W::Output> {
    let mut work = pin!(work);
    poll_fn(|cx| {
        if let Poll::Ready(output) = work.as_mut().poll(cx) {
            return Poll::Ready(Some(output));
        }
        if other.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}
