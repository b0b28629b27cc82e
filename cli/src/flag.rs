//! A stop flag a sleeping thread wakes up for: periodic helper threads
//! (the signal and file watcher, the outputs watchdog) wait on it instead
//! of sleeping, so a run ends as soon as its events do.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Flag {
    set: Mutex<bool>,
    changed: Condvar,
}

impl Flag {
    pub fn new() -> Flag {
        Flag::default()
    }

    /// Sets the flag and wakes every waiter.
    pub fn set(&self) {
        *self.set.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.changed.notify_all();
    }

    pub fn is_set(&self) -> bool {
        *self.set.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits up to `timeout` for the flag; whether it is set.
    pub fn wait(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut set = self.set.lock().unwrap_or_else(|e| e.into_inner());
        while !*set {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            set = match self.changed.wait_timeout(set, left) {
                Ok((g, _)) => g,
                Err(e) => e.into_inner().0,
            };
        }
        *set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_waiter_wakes_when_the_flag_is_set_not_at_its_timeout() {
        let f = Arc::new(Flag::new());
        assert!(!f.wait(Duration::from_millis(1)), "not set yet");
        let g = f.clone();
        let waiter = std::thread::spawn(move || {
            let t = Instant::now();
            (g.wait(Duration::from_secs(600)), t.elapsed())
        });
        std::thread::sleep(Duration::from_millis(20));
        f.set();
        let (woke_set, waited) = waiter.join().unwrap();
        assert!(woke_set && f.is_set());
        // Woken by the flag: far less than the 600 s timeout.
        assert!(waited < Duration::from_secs(300), "{waited:?}");
    }
}
