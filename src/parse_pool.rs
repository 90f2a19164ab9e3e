//! A fixed set of threads, one per core, where pages are parsed and judged.
//! Parsing is CPU-bound and `scraper::Html` is not `Send`, so it never runs on
//! the async workers; unlike tokio's blocking pool, which grows a thread
//! whenever none is idle, a fixed pool keeps every DOM on a few warm threads
//! (and their memory arenas), and at most one page per thread waits for it.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};

use tokio::sync::{Semaphore, oneshot};

type Job = Box<dyn FnOnce() + Send>;

/// The pool. Its threads end when it is dropped.
pub struct ParsePool {
    jobs: mpsc::Sender<Job>,
    /// One per thread, held until the job ends: a page waits here, not in an
    /// unbounded queue, even when its caller stopped waiting.
    slots: Arc<Semaphore>,
}

impl ParsePool {
    /// Starts `threads` threads (at least one).
    ///
    /// # Errors
    /// When the operating system refuses a thread.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("parse-{index}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let next = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        match next {
                            Ok(job) => job(),
                            Err(_) => return, // the pool was dropped
                        }
                    }
                })?;
        }
        Ok(Self {
            jobs,
            slots: Arc::new(Semaphore::new(threads)),
        })
    }

    /// Runs `work` on a pool thread and waits for it without blocking the
    /// async worker. `None` if `work` panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let slot = Arc::clone(&self.slots).acquire_owned().await.ok()?;
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _slot = slot;
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(work));
            let _ = done.send(outcome.ok());
        });
        self.jobs.send(job).ok()?;
        result.await.ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_work_and_survives_a_panic() {
        let pool = ParsePool::new(2).unwrap();
        assert_eq!(pool.run(|| 6 * 7).await, Some(42));
        let panicked: Option<()> = pool.run(|| panic!("hostile page")).await;
        assert_eq!(panicked, None);
        assert_eq!(pool.run(|| "still here").await, Some("still here"));
    }
}
