//! The poll loop against scripted answers, on tokio's clock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::*;

/// The ids of the job the tests wait for.
fn ids() -> JobIds {
    JobIds::new(
        "getThing",
        vec![("groupId", "g1".to_owned()), ("thingId", "t1".to_owned())],
    )
}

#[test]
fn the_backoff_grows_to_its_cap_and_never_shrinks() {
    let policy = WaitPolicy::default()
        .interval(Duration::from_secs(2))
        .max_interval(Duration::from_secs(5))
        .backoff(2.0);
    let mut interval = Duration::from_secs(2);
    let mut seen = Vec::new();
    for _ in 0..4 {
        interval = policy.next_interval(interval);
        seen.push(interval.as_secs());
    }
    assert_eq!(seen, [4, 5, 5, 5]);
    let fixed = WaitPolicy::default().backoff(0.5).backoff(f64::NAN);
    assert_eq!(
        fixed.next_interval(Duration::from_secs(3)),
        Duration::from_secs(3)
    );
}

#[test]
fn outcomes_tell_success_from_failure() {
    let done: JobOutcome<u8> = JobOutcome::Succeeded(1);
    let failed = JobOutcome::Failed {
        state: "Failed".to_owned(),
        value: 2,
    };
    assert!(done.is_success() && !failed.is_success());
    assert_eq!((done.value(), failed.value()), (&1, &2));
    assert_eq!(failed.into_result(), Err(("Failed".to_owned(), 2)));
}

#[test]
fn values_convert_through_their_wire_form() {
    let id: String = convert(&"abc", "exportId").unwrap();
    assert_eq!(id, "abc");
    let error = convert::<_, u8>(&"abc", "exportId").unwrap_err();
    assert!(error.to_string().contains("exportId"), "{error}");
}

type Answer = std::future::Ready<Result<ApiResponse<u8>, Error>>;

/// Answers each poll with the next of `answers` (a status: 200 is the resource, any other
/// an Atlas error with that status), counting the polls.
fn polls(answers: &[u16]) -> (impl FnMut() -> Answer, Arc<AtomicUsize>) {
    use crate::error::ApiErrorResponse;
    use crate::response::ResponseHeaders;
    let answers = answers.to_vec();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let poll = move || {
        let index = counter.fetch_add(1, Ordering::SeqCst);
        let code = answers[index.min(answers.len() - 1)];
        let status = http::StatusCode::from_u16(code.min(599)).unwrap();
        // 4040: a 404 whose body is not an Atlas error (a proxy's page).
        if answers[index.min(answers.len() - 1)] == 4040 {
            return std::future::ready(Err(Error::UndecodableBody(Box::new(
                crate::error::UndecodableBody {
                    status: http::StatusCode::NOT_FOUND,
                    headers: ResponseHeaders::default(),
                    text: "<html>Not Found</html>".to_owned(),
                    reason: "not JSON".to_owned(),
                },
            ))));
        }
        std::future::ready(if status.is_success() {
            Ok(ApiResponse::new(
                status,
                ResponseHeaders::default(),
                1,
                bytes::Bytes::new(),
            ))
        } else {
            Err(Error::Api(Box::new(ApiErrorResponse {
                status,
                headers: ResponseHeaders::default(),
                body: serde_json::Value::Null,
                declared: true,
            })))
        })
    };
    (poll, count)
}

fn run<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(future)
}

/// Runs `future` on a paused clock, which moves only when every task sleeps.
fn run_paused<T>(future: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(future)
}

/// Reads every answer as a job still `InProgress`.
fn pending(_: &u8) -> (Option<&str>, Verdict) {
    (Some("InProgress"), Verdict::Pending)
}

#[test]
fn a_deletion_is_over_when_the_poll_is_answered_gone() {
    let quick = WaitPolicy::default().interval(Duration::from_millis(1));
    let (poll, count) = polls(&[200, 200, 404]);
    run(until_gone(&quick, ids(), 404, poll)).unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 3);
    // A 404 without an Atlas error body is gone too.
    let (poll, _) = polls(&[200, 4040]);
    run(until_gone(&quick, ids(), 404, poll)).unwrap();
    // A 404 on the first poll: gone already.
    let (poll, count) = polls(&[404]);
    run(until_gone(&quick, ids(), 404, poll)).unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    // Any other error ends the wait, with the ids and the error (whose status reads through).
    let (poll, count) = polls(&[200, 403]);
    let error = run(until_gone(&quick, ids(), 404, poll)).unwrap_err();
    assert_eq!(error.status(), Some(http::StatusCode::FORBIDDEN));
    assert_eq!(count.load(Ordering::SeqCst), 2);
    let Error::Wait(WaitError::PollFailed {
        poll: 2, source, ..
    }) = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(source.status(), Some(http::StatusCode::FORBIDDEN));
    assert_eq!(error.job_ids(), Some(&ids()));
}

#[test]
fn a_deadline_shorter_than_the_interval_ends_the_wait_without_sleeping_past_it() {
    let policy = WaitPolicy::default()
        .interval(Duration::from_secs(60))
        .deadline(Duration::from_millis(50));
    let (poll, count) = polls(&[200]);
    let started = std::time::Instant::now();
    let error = run(until_final(&policy, ids(), poll, pending)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(
        matches!(&error, Error::Wait(WaitError::DeadlinePassed { polls: 1, last_state: Some(state), .. }) if state == "InProgress"),
        "{error:?}"
    );
    assert_eq!(error.job_ids(), Some(&ids()));
}

#[test]
fn a_deadline_error_names_the_operation_polls_and_state() {
    let error: WaitError = WaitError::DeadlinePassed {
        operation_id: "getThing",
        after: Duration::from_secs(60),
        polls: 7,
        last_state: Some("InProgress".to_owned()),
        ids: ids(),
    };
    assert_eq!(
        error.to_string(),
        "gave up waiting after 60s (7 polls of getThing with groupId=g1, thingId=t1, last state `InProgress`)"
    );
}

#[test]
fn a_404_on_the_first_poll_is_a_job_not_found_and_a_later_one_a_job_gone() {
    let quick = WaitPolicy::fixed(Duration::from_millis(1));
    let (poll, count) = polls(&[404]);
    let error = run(until_final(&quick, ids(), poll, pending)).unwrap_err();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(
        matches!(&error, Error::Wait(WaitError::NotFound { .. })),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(http::StatusCode::NOT_FOUND));
    assert_eq!(
        error.to_string(),
        "no job to wait for: the first poll of getThing with groupId=g1, thingId=t1 found nothing; is an id wrong? (Atlas answered 404 Not Found)"
    );

    // Found twice, then a proxy's 404 (no Atlas body): the job went away.
    let (poll, _) = polls(&[200, 200, 4040]);
    let error = run(until_final(&quick, ids(), poll, pending)).unwrap_err();
    let Error::Wait(WaitError::Vanished {
        poll: 3,
        last_state,
        ids: seen,
        ..
    }) = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!((last_state.as_deref(), seen), (Some("InProgress"), &ids()));
    assert!(
        error
            .to_string()
            .starts_with("the job is gone: getThing with groupId=g1, thingId=t1 found it 2 times, last state `InProgress`, then poll 3 found nothing ("),
        "{error}"
    );
}

#[test]
fn any_other_failed_poll_keeps_its_error_and_the_ids() {
    let quick = WaitPolicy::fixed(Duration::from_millis(1));
    let (poll, _) = polls(&[200, 500]);
    let error = run(until_final(&quick, ids(), poll, pending)).unwrap_err();
    let Error::Wait(wait) = &error else {
        panic!("{error:?}")
    };
    assert!(
        matches!(wait, WaitError::PollFailed { poll: 2, .. }),
        "{wait:?}"
    );
    assert_eq!(wait.ids(), Some(&ids()));
    assert_eq!(
        wait.poll_error().and_then(Error::status),
        Some(http::StatusCode::INTERNAL_SERVER_ERROR)
    );
    assert_eq!(
        error.to_string(),
        "waiting stopped at poll 2 of getThing with groupId=g1, thingId=t1, last state `InProgress`: Atlas answered 500 Internal Server Error"
    );
}

#[test]
fn every_poll_event_names_the_ids() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = seen.clone();
    let policy = WaitPolicy::fixed(Duration::from_millis(1)).on_poll(move |event| {
        recorder
            .lock()
            .unwrap()
            .push((event.poll, event.ids.get("thingId").map(str::to_owned)));
    });
    let (poll, _) = polls(&[200, 200, 404]);
    run(until_gone(&policy, ids(), 404, poll)).unwrap();
    let t1 = Some("t1".to_owned());
    assert_eq!(
        *seen.lock().unwrap(),
        [(1, t1.clone()), (2, t1.clone()), (3, t1)]
    );
}

/// The instants of each poll of a wait under `policy` that stays pending until its
/// deadline, on a paused clock.
fn poll_times(policy: WaitPolicy) -> Vec<Duration> {
    run_paused(async move {
        let started = Instant::now();
        let times = Arc::new(Mutex::new(Vec::new()));
        let recorder = times.clone();
        let (mut answer, _) = polls(&[200]);
        let poll = move || {
            recorder.lock().unwrap().push(started.elapsed());
            answer()
        };
        let error = until_final(&policy, ids(), poll, pending)
            .await
            .unwrap_err();
        assert!(
            matches!(error, Error::Wait(WaitError::DeadlinePassed { .. })),
            "{error:?}"
        );
        let times = times.lock().unwrap().clone();
        times
    })
}

#[test]
fn a_fixed_policy_without_jitter_polls_at_exact_intervals() {
    let every = |seconds: u64| Duration::from_secs(seconds);
    let fixed = poll_times(WaitPolicy::fixed(every(5)).jitter(0.0).deadline(every(21)));
    assert_eq!(fixed, [every(0), every(5), every(10), every(15), every(20)]);
    // The three setters it stands for do the same.
    let spelled_out = WaitPolicy::default()
        .interval(every(5))
        .max_interval(every(5))
        .backoff(1.0)
        .jitter(0.0)
        .deadline(every(21));
    assert_eq!(poll_times(spelled_out), fixed);
    // Backoff without jitter is exact too: 2, 4, 8, then capped at 10.
    let growing = WaitPolicy::default()
        .interval(every(2))
        .max_interval(every(10))
        .backoff(2.0)
        .jitter(0.0)
        .deadline(every(30));
    assert_eq!(
        poll_times(growing),
        [every(0), every(2), every(6), every(14), every(24)]
    );
}

#[test]
fn jitter_spreads_each_interval_within_its_fraction() {
    let times = poll_times(
        WaitPolicy::fixed(Duration::from_secs(10))
            .jitter(0.5)
            .deadline(Duration::from_secs(200)),
    );
    let gaps: Vec<Duration> = times.windows(2).map(|pair| pair[1] - pair[0]).collect();
    assert!(gaps.len() >= 12, "{gaps:?}");
    assert!(
        gaps.iter()
            .all(|gap| (Duration::from_secs(5)..=Duration::from_secs(15)).contains(gap)),
        "{gaps:?}"
    );
    assert!(
        gaps.iter().any(|gap| *gap != Duration::from_secs(10)),
        "{gaps:?}"
    );
    // Out of range or not a number: kept between 0 and 1, NaN is none.
    let policy = WaitPolicy::default().jitter(f64::NAN);
    assert_eq!(policy.jitter, 0.0);
    assert_eq!(WaitPolicy::default().jitter(7.0).jitter, 1.0);
    assert_eq!(WaitPolicy::default().jitter(-1.0).jitter, 0.0);
}
