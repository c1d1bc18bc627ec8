//! [`MaybeDone`]: a future, then its output, then nothing; the cell that lets
//! `join` keep one future's output while it waits for the other.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

pin_project! {
    #[project = MaybeDoneProj]
    #[project_replace = MaybeDoneTake]
    #[derive(Debug)]
    pub(crate) enum MaybeDone<F: Future> {
        Pending { #[pin] future: F },
        Done { output: F::Output },
        Taken,
    }
}

impl<F: Future> MaybeDone<F> {
    pub(crate) fn new(future: F) -> Self {
        MaybeDone::Pending { future }
    }

    /// Polls the future if it is still running; true once the output is here.
    pub(crate) fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        if let MaybeDoneProj::Pending { future } = self.as_mut().project() {
            match future.poll(cx) {
                Poll::Ready(output) => self.set(MaybeDone::Done { output }),
                Poll::Pending => return false,
            }
        }
        true
    }

    /// Takes the output out; `None` if not done or already taken.
    pub(crate) fn take(self: Pin<&mut Self>) -> Option<F::Output> {
        if !matches!(&*self, MaybeDone::Done { .. }) {
            return None;
        }
        match self.project_replace(MaybeDone::Taken) {
            MaybeDoneTake::Done { output } => Some(output),
            _ => None,
        }
    }
}
