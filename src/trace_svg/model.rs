//! The model of a trace: what each task did, lane by lane, and the
//! reactor's parks (times in ms).

use std::collections::BTreeMap;

use runtime::trace::{TraceEvent, TraceKind, WakeCause};

use super::*;

/// What one task did, gathered from the trace (times in ms).
#[derive(Debug, Default)]
pub(super) struct Lane {
    pub(super) spawned: Option<f64>,
    /// The task being polled when this one was spawned.
    pub(super) parent: Option<u64>,
    pub(super) polls: Vec<(f64, f64)>,
    pub(super) waits: Vec<Wait>,
    pub(super) queued: Vec<(f64, f64)>,
    pub(super) wakes: Vec<(f64, WakeCause)>,
    pub(super) finished: Option<f64>,
    pub(super) state: State,
}

/// From a `Pending` poll to the wake that ended the wait (`cause: None`: the
/// trace ended first).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Wait {
    pub(super) from: f64,
    pub(super) to: f64,
    pub(super) cause: Option<WakeCause>,
}

/// Where a task stands while the trace is read.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(super) enum State {
    /// Not seen yet (the `block_on` future has no spawn event).
    #[default]
    Unknown,
    /// In the run queue since then.
    Queued(f64),
    /// Being polled since then; `true` if woken meanwhile.
    Running(f64, bool),
    /// Returned `Pending` then, not woken since.
    Waiting(f64),
    Done,
}

/// One `epoll_wait`, from `ParkStart` to `ParkEnd`.
#[derive(Debug)]
pub(super) struct Park {
    pub(super) start: f64,
    pub(super) end: f64,
    pub(super) timeout: Option<Duration>,
    pub(super) events: usize,
}

impl Park {
    /// A look for events without blocking (tasks were still runnable).
    pub(super) fn is_check(&self) -> bool {
        self.timeout == Some(Duration::ZERO)
    }
}

/// The trace reorganised by row.
#[derive(Debug)]
pub(super) struct Model {
    pub(super) tasks: BTreeMap<u64, Lane>,
    pub(super) parks: Vec<Park>,
    /// Socket events and timers firing, seen by the reactor.
    pub(super) reactor_marks: Vec<(f64, WakeCause)>,
    /// The last event's time (at least 1 µs, so that scales never divide by 0).
    pub(super) end: f64,
    /// When the first task was spawned, if one was.
    pub(super) first_spawn: Option<f64>,
}

impl Model {
    pub(super) fn build(events: &[TraceEvent]) -> Model {
        let end = events.iter().map(|e| ms(e.at)).fold(0.001, f64::max);
        let mut tasks: BTreeMap<u64, Lane> = BTreeMap::new();
        let mut parks = Vec::new();
        let mut reactor_marks = Vec::new();
        let mut polling = None;
        let mut park_start = None;
        for event in events {
            let at = ms(event.at);
            match event.kind {
                TraceKind::Spawn { task } => {
                    let lane = tasks.entry(task).or_default();
                    (lane.spawned, lane.parent) = (Some(at), polling);
                    lane.state = State::Queued(at);
                }
                TraceKind::Wake { task, by } => {
                    let lane = tasks.entry(task).or_default();
                    lane.wakes.push((at, by));
                    lane.state = match lane.state {
                        State::Waiting(from) => {
                            lane.waits.push(Wait {
                                from,
                                to: at,
                                cause: Some(by),
                            });
                            State::Queued(at)
                        }
                        State::Running(since, _) => State::Running(since, true),
                        State::Unknown => State::Queued(at),
                        other => other,
                    };
                }
                TraceKind::PollStart { task } => {
                    let lane = tasks.entry(task).or_default();
                    if let State::Queued(since) = lane.state {
                        lane.queued.push((since, at));
                    }
                    lane.state = State::Running(at, false);
                    polling = Some(task);
                }
                TraceKind::PollEnd { task, ready } => {
                    let lane = tasks.entry(task).or_default();
                    let (since, woken) = match lane.state {
                        State::Running(since, woken) => (since, woken),
                        _ => (at, false),
                    };
                    lane.polls.push((since, at));
                    lane.state = match (ready, woken) {
                        (true, _) => {
                            lane.finished = Some(at);
                            State::Done
                        }
                        (false, true) => State::Queued(at),
                        (false, false) => State::Waiting(at),
                    };
                    polling = None;
                }
                TraceKind::ParkStart { timeout } => park_start = Some((at, timeout)),
                TraceKind::ParkEnd { events, .. } => {
                    if let Some((start, timeout)) = park_start.take() {
                        parks.push(Park {
                            start,
                            end: at,
                            timeout,
                            events,
                        });
                    }
                }
                TraceKind::SocketReady { source, .. } => {
                    reactor_marks.push((at, WakeCause::Socket(source)));
                }
                TraceKind::TimerFired { .. } => reactor_marks.push((at, WakeCause::Timer)),
                _ => {} // a kind added after this was written
            }
        }
        for lane in tasks.values_mut() {
            match lane.state {
                State::Waiting(from) => lane.waits.push(Wait {
                    from,
                    to: end,
                    cause: None,
                }),
                State::Queued(since) => lane.queued.push((since, end)),
                _ => {}
            }
        }
        let first_spawn = tasks.values().filter_map(|l| l.spawned).reduce(f64::min);
        Model {
            tasks,
            parks,
            reactor_marks,
            end,
            first_spawn,
        }
    }

    /// Where a magnified view of the opening burst should end: just after
    /// the last poll before the first long park (over a tenth of the trace),
    /// when that comes within the trace's first fifth and follows a few
    /// polls. `None` when the whole run shows the start well enough.
    pub(super) fn zoom_until(&self) -> Option<f64> {
        let long = self.end / 10.0;
        let park = self
            .parks
            .iter()
            .find(|p| !p.is_check() && p.end - p.start > long)?;
        let polls = self.tasks.values().flat_map(|l| &l.polls);
        if park.start > self.end / 5.0 || polls.filter(|p| p.1 <= park.start).count() < 3 {
            return None;
        }
        // Round up to half a grid step: a round number, little empty space.
        let half = tick_step(park.start) / 2.0;
        Some(((park.start * 1.02 / half).ceil() * half).min(self.end))
    }

    /// Where the magnified view of the opening burst (up to `until`) starts:
    /// just before the first spawn, so that a slow set-up in the `block_on`
    /// future (a debug build's TLS configuration, say) does not squeeze it.
    pub(super) fn zoom_from(&self, until: f64) -> f64 {
        match self.first_spawn {
            Some(t) if t < until => (t - (until - t) * 0.03).max(0.0),
            _ => 0.0,
        }
    }

    /// The subtitle: counts and duration.
    pub(super) fn summary(&self) -> String {
        let polls: usize = self.tasks.values().map(|l| l.polls.len()).sum();
        let parks = self.parks.iter().filter(|p| !p.is_check()).count();
        format!(
            "{} tasks, {polls} polls, {parks} parks of the reactor in {:.1} ms; \
             hover over a bar for its details",
            self.tasks.len(),
            self.end
        )
    }
}
