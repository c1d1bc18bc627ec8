//! A [`JoinSet`] whole: [`join_all`](JoinSet::join_all) waits for every
//! task and returns their outputs, and the set can be built from an
//! iterator of futures ([`FromIterator`], [`Extend`]), as tokio's can.

use std::future::Future;
use std::panic;

use super::JoinSet;

impl<T: 'static> JoinSet<T> {
    /// Waits for every task in the set and returns their outputs, in the
    /// order the tasks finished (not the order they were spawned).
    ///
    /// # Panics
    ///
    /// If a task panicked, the panic is resumed here with its own payload;
    /// if a task was aborted, this panics saying so. Either way the tasks
    /// still running are aborted (the set is dropped). Use
    /// [`join_next`](JoinSet::join_next) to handle each task's failure.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// runtime::block_on(async {
    ///     let set: runtime::JoinSet<u64> = [30, 10, 20]
    ///         .into_iter()
    ///         .map(|ms| async move {
    ///             runtime::time::sleep(Duration::from_millis(ms)).await;
    ///             ms
    ///         })
    ///         .collect();
    ///     assert_eq!(set.join_all().await, [10, 20, 30]);
    /// });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len());
        while let Some(result) = self.join_next().await {
            match result {
                Ok(output) => outputs.push(output),
                Err(error) => match error.try_into_panic() {
                    Ok(payload) => panic::resume_unwind(payload),
                    Err(error) => panic!("JoinSet::join_all: {error}"),
                },
            }
        }
        outputs
    }
}

/// Spawns each future into a new set.
///
/// # Panics
///
/// Outside a runtime, as [`JoinSet::spawn`].
impl<T: 'static, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + 'static,
{
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> JoinSet<T> {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

/// Spawns each future into the set.
///
/// # Panics
///
/// Outside a runtime, as [`JoinSet::spawn`].
impl<T: 'static, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + 'static,
{
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}
