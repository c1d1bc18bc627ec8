//! Unit tests of the trace pictures.
use std::collections::HashMap;
use std::time::Duration;

use runtime::trace::{MAIN_TASK, TraceEvent, TraceKind, WakeCause};

use super::model::*;
use super::render::*;
use super::*;

fn event(us: u64, kind: TraceKind) -> TraceEvent {
    TraceEvent {
        at: Duration::from_micros(us),
        kind,
    }
}

/// Main spawns task 1, which sleeps on a timer; main waits for it.
fn sleeper() -> Vec<TraceEvent> {
    use TraceKind::*;
    vec![
        event(0, PollStart { task: 0 }),
        event(5, Spawn { task: 1 }),
        event(
            9,
            PollEnd {
                task: 0,
                ready: false,
            },
        ),
        event(10, PollStart { task: 1 }),
        event(
            14,
            PollEnd {
                task: 1,
                ready: false,
            },
        ),
        event(
            15,
            ParkStart {
                timeout: Some(Duration::from_millis(10)),
            },
        ),
        event(
            10_020,
            ParkEnd {
                events: 0,
                parked: Duration::from_micros(10_005),
            },
        ),
        event(
            10_021,
            TimerFired {
                late: Duration::from_micros(21),
            },
        ),
        event(
            10_022,
            Wake {
                task: 1,
                by: WakeCause::Timer,
            },
        ),
        event(10_030, PollStart { task: 1 }),
        event(
            10_031,
            Wake {
                task: 0,
                by: WakeCause::Task(1),
            },
        ),
        event(
            10_035,
            PollEnd {
                task: 1,
                ready: true,
            },
        ),
        event(10_040, PollStart { task: 0 }),
        event(
            10_045,
            PollEnd {
                task: 0,
                ready: true,
            },
        ),
    ]
}

#[test]
fn model_follows_each_task_through_its_states() {
    let model = Model::build(&sleeper());
    assert_eq!(model.tasks.len(), 2);
    let task = &model.tasks[&1];
    assert_eq!(task.spawned, Some(0.005));
    assert_eq!(task.parent, Some(MAIN_TASK));
    assert_eq!(task.polls, [(0.010, 0.014), (10.030, 10.035)]);
    assert_eq!(task.queued, [(0.005, 0.010), (10.022, 10.030)]);
    assert_eq!(
        task.waits,
        [Wait {
            from: 0.014,
            to: 10.022,
            cause: Some(WakeCause::Timer)
        }]
    );
    assert_eq!(task.finished, Some(10.035));
    let main = &model.tasks[&MAIN_TASK];
    assert_eq!(main.spawned, None);
    assert_eq!(main.waits[0].cause, Some(WakeCause::Task(1)));
    assert_eq!(model.parks.len(), 1);
    assert!(!model.parks[0].is_check());
    assert_eq!(model.reactor_marks, [(10.021, WakeCause::Timer)]);
}

#[test]
fn a_task_never_woken_waits_until_the_end() {
    let mut events = sleeper();
    events.truncate(7); // stop after the park, before the timer fires
    let model = Model::build(&events);
    assert_eq!(
        model.tasks[&1].waits,
        [Wait {
            from: 0.014,
            to: 10.020,
            cause: None
        }]
    );
    let svg = trace_svg(&events, &HashMap::new(), "t");
    assert!(svg.contains("still waiting"));
}

#[test]
fn a_task_woken_during_its_own_poll_is_queued_not_waiting() {
    use TraceKind::*;
    let events = [
        event(0, Spawn { task: 1 }),
        event(1, PollStart { task: 1 }),
        event(
            2,
            Wake {
                task: 1,
                by: WakeCause::Task(1),
            },
        ), // yield_now
        event(
            3,
            PollEnd {
                task: 1,
                ready: false,
            },
        ),
        event(4, PollStart { task: 1 }),
        event(
            5,
            PollEnd {
                task: 1,
                ready: true,
            },
        ),
    ];
    let lane = &Model::build(&events).tasks[&1];
    assert!(lane.waits.is_empty());
    assert_eq!(lane.queued, [(0.0, 0.001), (0.003, 0.004)]);
}

#[test]
fn svg_has_a_row_per_task_and_one_for_the_reactor() {
    let names = HashMap::from([(1, "sleeps 10 ms".to_string())]);
    let svg = trace_svg(&sleeper(), &names, "sleeper");
    assert_eq!(svg.matches(r#"<g class="task-row""#).count(), 2);
    assert!(svg.contains(r#"data-task="0""#) && svg.contains(r#"data-task="1""#));
    assert_eq!(svg.matches(r#"<g class="reactor-row">"#).count(), 1);
    assert_eq!(svg.matches(r#"<rect class="poll""#).count(), 4 + 1); // + legend
    assert!(svg.contains("sleeps 10 ms"));
    assert!(svg.contains("waits for timer"));
    assert!(svg.ends_with("</svg>\n"));
}

#[test]
fn an_opening_burst_before_a_long_wait_is_magnified() {
    use TraceKind::*;
    // Three quick polls, then a 100 ms park.
    let mut events = vec![event(0, Spawn { task: 1 })];
    for i in 0..3 {
        events.push(event(10 + i * 10, PollStart { task: 1 }));
        events.push(event(
            15 + i * 10,
            PollEnd {
                task: 1,
                ready: false,
            },
        ));
        events.push(event(
            16 + i * 10,
            Wake {
                task: 1,
                by: WakeCause::Task(1),
            },
        ));
    }
    events.push(event(
        50,
        ParkStart {
            timeout: Some(Duration::from_millis(100)),
        },
    ));
    events.push(event(
        100_050,
        ParkEnd {
            events: 0,
            parked: Duration::from_millis(100),
        },
    ));
    events.push(event(100_060, PollStart { task: 1 }));
    events.push(event(
        100_070,
        PollEnd {
            task: 1,
            ready: true,
        },
    ));
    let model = Model::build(&events);
    let until = model.zoom_until().expect("a magnified start");
    assert!((0.05..0.1).contains(&until), "{until}");
    let svg = trace_svg(&events, &HashMap::new(), "burst");
    assert_eq!(svg.matches(r#"<g class="task-row""#).count(), 1);
    assert_eq!(svg.matches(r#"<g class="zoom-task-row""#).count(), 1);
    assert_eq!(svg.matches(r#"<g class="zoom-reactor-row""#).count(), 1);
    assert!(svg.contains("the first 0.055 ms, magnified"), "{svg}");
    // The sleeper's start is two polls: nothing worth magnifying.
    assert_eq!(Model::build(&sleeper()).zoom_until(), None);
}

#[test]
fn the_magnified_start_begins_at_the_first_spawn() {
    use TraceKind::*;
    // `main` sets up for 2 ms (one long poll), then spawns three quick tasks
    // and waits 100 ms.
    let mut events = vec![
        event(0, PollStart { task: 0 }),
        event(2_000, Spawn { task: 1 }),
    ];
    for task in 2..=3 {
        events.push(event(2_000 + task * 10, Spawn { task }));
    }
    events.push(event(
        2_040,
        PollEnd {
            task: 0,
            ready: false,
        },
    ));
    for task in 1..=3 {
        events.push(event(2_040 + task * 10, PollStart { task }));
        events.push(event(2_045 + task * 10, PollEnd { task, ready: false }));
    }
    events.push(event(
        2_090,
        ParkStart {
            timeout: Some(Duration::from_millis(100)),
        },
    ));
    events.push(event(
        102_090,
        ParkEnd {
            events: 0,
            parked: Duration::from_millis(100),
        },
    ));
    let model = Model::build(&events);
    let until = model.zoom_until().expect("a magnified start");
    let from = model.zoom_from(until);
    assert!(from > 1.99 && from < 2.0, "{from} {until}");
    let svg = trace_svg(&events, &HashMap::new(), "late start");
    assert!(svg.contains(">1.992 to 2.25 ms, magnified<"), "{svg}");
}

#[test]
fn every_style_rule_is_scoped_to_the_picture() {
    let svg = trace_svg(&sleeper(), &HashMap::new(), "t");
    assert!(svg.contains(r#"<svg class="trace" "#));
    let style = svg
        .split("<style>")
        .nth(1)
        .unwrap()
        .split("</style>")
        .next()
        .unwrap();
    let rules: Vec<&str> = style.split_inclusive('}').collect();
    assert!(rules.len() > 20);
    assert!(rules.iter().all(|r| r.starts_with(".trace .")), "{style}");
}

#[test]
fn short_polls_stay_visible() {
    let svg = trace_svg(&sleeper(), &HashMap::new(), "t");
    // A 4 µs poll in a 10 ms trace is far below a pixel.
    assert!(svg.contains(r#"width="1.5" height="14""#));
}

#[test]
fn width_grows_with_the_duration() {
    let width = |events: &[TraceEvent]| {
        let svg = trace_svg(events, &HashMap::new(), "t");
        let at = svg.find(r#"width=""#).unwrap() + 7;
        svg[at..].split('"').next().unwrap().parse::<f64>().unwrap()
    };
    let short = width(&sleeper());
    let long = width(&[event(250_000, TraceKind::Spawn { task: 1 })]);
    assert!((1000.0..=1400.0).contains(&short), "{short}");
    assert!(short < long && long <= 1400.0, "{short} {long}");
}

#[test]
fn text_is_escaped() {
    assert_eq!(
        esc(r#"<a href="x">&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
    );
    assert_eq!(esc("bell\u{7}"), "bell\u{fffd}");
    let names = HashMap::from([(1, "GET /?a=1&b=<2>".to_string())]);
    let svg = trace_svg(&sleeper(), &names, "\"quoted\" & <tagged>");
    assert!(svg.contains("GET /?a=1&amp;b=&lt;2&gt;"));
    assert!(svg.contains("&quot;quoted&quot; &amp; &lt;tagged&gt;"));
    assert!(!svg.contains("<tagged>") && !svg.contains("<2>"));
}

#[test]
fn empty_trace_is_still_a_picture() {
    let svg = trace_svg(&[], &HashMap::new(), "nothing");
    assert!(svg.contains("<svg") && svg.ends_with("</svg>\n"));
    assert_eq!(svg.matches(r#"class="task-row""#).count(), 0);
    assert_eq!(svg.matches(r#"class="reactor-row""#).count(), 1);
    assert!(trace_log(&[], &HashMap::new()).starts_with("# runtime trace: 0 events"));
}

#[test]
fn tick_steps_are_round() {
    for (end, step) in [(10.0, 2.0), (312.0, 50.0), (1000.0, 200.0), (0.05, 0.01)] {
        let got = tick_step(end);
        assert!((got - step).abs() < 1e-9, "{end}: {got}");
    }
}

#[test]
fn log_groups_by_park_and_indents_inside_polls() {
    let names = HashMap::from([(1, "sleeper".to_string())]);
    let log = trace_log(&sleeper(), &names);
    assert!(log.contains("#   task 1 = sleeper"), "{log}");
    assert!(
        log.contains("\n\n== park 1: nothing to run; waiting: main, task 1\n"),
        "{log}"
    );
    assert!(log.contains("-- run the woken tasks\n"), "{log}");
    let spawn = log.lines().find(|l| l.contains("spawn task 1")).unwrap();
    assert!(spawn.contains("ms      spawn task 1"), "{spawn:?}");
    assert!(spawn.ends_with("# sleeper"), "{spawn:?}");
    let lines = log.lines().filter(|l| !l.starts_with('#') && !l.is_empty());
    assert_eq!(
        lines.filter(|l| l.contains("ms  ")).count(),
        sleeper().len()
    );
}

#[test]
fn milliseconds_are_rounded_for_reading() {
    assert_eq!(round_ms(5.5), "5.5");
    assert_eq!(round_ms(4.0), "4");
    assert_eq!(round_ms(0.01264), "0.013");
}

#[test]
fn names_are_shortened() {
    assert_eq!(shorten("abcdef", 4), "abc…");
    assert_eq!(shorten("abc", 4), "abc");
}
