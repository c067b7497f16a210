"""The studio's endpoints in process (Starlette's test client over the real app and a real store): every page
renders from stored runs, and every bad request gets a clear message in the right shape, never a traceback.
The browser test (test_studio_browser.py) drives the whole flow through a real server process."""

from __future__ import annotations

import json
import os

import pytest
from starlette.testclient import TestClient
from test_report import METHODS, SNAPSHOT, store_run

from tunewise.store import Store
from tunewise.studio import uploads
from tunewise.studio.app import create_app

CSV = b"text,label\n" + b"".join(
    f"review {i} {'good' if i % 2 else 'bad'},{'pos' if i % 2 else 'neg'}\n".encode() for i in range(40)
)


@pytest.fixture
def store() -> Store:
    store = Store()
    experiment_id = store.experiment("reviews", SNAPSHOT)
    for method_id, (right, seconds, speed) in METHODS.items():
        store_run(store, experiment_id, method_id, right, seconds, speed)
    return store


@pytest.fixture
def client(store) -> TestClient:
    client = TestClient(create_app(store), base_url="http://127.0.0.1")
    client.get("/")  # the first page sets the CSRF cookie
    client.headers["X-CSRF-Token"] = client.cookies["tw_csrf"]
    return client


def message(response) -> str:
    return response.json()["error"]["message"]


def test_the_pages_show_the_stored_comparison(client, store):
    home = client.get("/")
    assert home.headers["x-frame-options"] == "DENY"  # no other site may frame a page with a Run button
    assert home.status_code == 200 and "reviews" in home.text and "<strong>lora</strong>" in home.text
    page = client.get("/experiments/reviews")
    assert page.status_code == 200
    assert 'id="recommended">lora<' in page.text and "/assets/plotly.min.js" in page.text
    lora = next(run for run, _ in store.runs("reviews") if run.method_id == "lora")
    run = client.get(f"/runs/{lora.id}")
    assert run.status_code == 200 and "Classify the &lt;b&gt;review&lt;/b&gt;." in run.text  # data is escaped
    assert "12 of 120 wrong" in run.text and run.text.index("✗") < run.text.index("✓")  # wrong answers first


def test_unknown_things_are_404_with_a_message(client):
    for path in ("/runs/999", "/experiments/nothing", "/jobs/42", "/no/such/page"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 404, path
        assert message(response)
    assert "no experiment named 'nothing'" in message(
        client.get("/experiments/nothing", headers={"Accept": "application/json"})
    )


def test_a_bad_path_parameter_is_a_400_naming_it(client):
    response = client.get("/runs/abc", headers={"Accept": "application/json"})
    assert response.status_code == 400 and "run_id" in message(response)


def test_state_changes_need_the_csrf_token_and_the_same_origin(client):
    bare = TestClient(client.app, base_url="http://127.0.0.1")
    response = bare.post("/jobs/1/cancel", headers={"Accept": "application/json"})
    assert response.status_code == 403 and "CSRF" in message(response)
    response = client.post("/jobs/1/cancel", headers={"Origin": "http://evil.example", "Accept": "application/json"})
    assert response.status_code == 403 and "cross-site" in message(response)


def test_a_host_other_than_loopback_is_refused(store):
    rebinding = TestClient(create_app(store), base_url="http://attacker.example")
    assert rebinding.get("/").status_code == 403


def test_off_loopback_the_token_signs_in_and_a_wrong_one_does_not(store):
    client = TestClient(create_app(store, token="s3cret", loopback=False), base_url="http://studio.lan")
    first = client.get("/", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"].startswith("/login")
    assert client.get(first.headers["location"]).status_code == 200  # the login page sets the CSRF cookie
    csrf = {"X-CSRF-Token": client.cookies["tw_csrf"], "Accept": "application/json"}
    wrong = client.post("/login", data={"token": "guess"}, headers=csrf)
    assert wrong.status_code == 401 and "wrong token" in message(wrong)
    assert (
        client.post("/login", data={"token": "s3cret", "next": "//evil.example"}, headers=csrf).headers["hx-redirect"]
        == "/"
    )  # never an open redirect
    assert client.get("/").status_code == 200 and "reviews" in client.get("/").text
    assert "s3cret" not in client.cookies["tw_session"]
    scripted = TestClient(client.app, base_url="http://studio.lan", headers={"Authorization": "Bearer s3cret"})
    assert scripted.get("/", follow_redirects=False).status_code == 200


def test_uploads_are_checked_and_stored_under_a_generated_name(client, monkeypatch):
    ok = client.post("/new/upload", files={"file": ("../../etc/reviews.csv", CSV)})
    assert ok.status_code == 204
    location = ok.headers["hx-redirect"]
    upload_id = location.split("/")[2].split("?")[0]
    assert uploads.UPLOAD_ID.fullmatch(upload_id) and "name=reviews" in location
    assert (uploads.uploads_dir() / upload_id).read_bytes() == CSV
    mapping = client.get(location)
    assert mapping.status_code == 200 and "40 examples" in mapping.text and "review 1 good" in mapping.text
    json_errors = {"Accept": "application/json"}
    bad_type = client.post("/new/upload", files={"file": ("notes.txt", b"hello")}, headers=json_errors)
    assert bad_type.status_code == 400 and "unsupported file type .txt" in message(bad_type)
    broken = client.post("/new/upload", files={"file": ("rows.jsonl", b'{"text": "a"}\n{oops\n')}, headers=json_errors)
    assert broken.status_code == 400 and "rows.jsonl:2: malformed JSON" in message(broken)
    monkeypatch.setattr("tunewise.studio.pages.new.MAX_UPLOAD_BYTES", 100)
    large = client.post("/new/upload", files={"file": ("big.csv", CSV)}, headers=json_errors)
    assert large.status_code == 413 and "over" in message(large)
    forged = client.get("/new/..%2F..%2Fetc%2Fpasswd", headers=json_errors)
    assert forged.status_code in (400, 404)


def uploaded(client) -> str:
    location = client.post("/new/upload", files={"file": ("r.csv", CSV)}).headers["hx-redirect"]
    return location.split("/")[2].split("?")[0]


def form(**changes) -> dict:
    data = {
        "name": "my-reviews", "input": "text", "template": "", "target": "label", "task_type": "classification",
        "labels": "neg, pos", "instruction": "Is the review positive?", "model": "smollm2-135m-instruct",
        "methods": ["zero_shot", "few_shot"], "max_train_minutes": "5", "requests_per_month": "1000",
        "min_quality": "", "max_latency_ms": "", "test_fraction": "0.25", "validation_fraction": "0.15", "seed": "0",
    }  # fmt: skip
    return data | changes


def test_the_check_shows_the_cli_s_own_errors_and_the_experiment_file(client, tmp_path):
    upload_id = uploaded(client)
    checked = client.post(f"/new/{upload_id}/check", data=form())
    assert checked.status_code == 200 and "Run the comparison" in checked.text
    assert "name: my-reviews" in checked.text and "method: few_shot" in checked.text
    typo = client.post(
        f"/new/{upload_id}/check", data=form(**{"setting:few_shot:k": "many"}), headers={"Accept": "application/json"}
    )
    assert typo.status_code == 400 and "few_shot k: 'many' is not a whole number" in message(typo)
    missing = client.post(f"/new/{upload_id}/check", data=form(target="stars"))
    assert "stars" in missing.text and "Run the comparison" not in missing.text
    bad_number = client.post(
        f"/new/{upload_id}/check", data=form(requests_per_month="lots"), headers={"Accept": "application/json"}
    )
    assert bad_number.status_code == 400 and "Requests per month: 'lots' is not a whole number" in message(bad_number)
    refused = client.post(f"/new/{upload_id}/run", data=form(target="stars"), headers={"Accept": "application/json"})
    assert refused.status_code == 400 and "fix them first" in message(refused)


def test_rating_endpoints_refuse_forged_votes_and_export_what_was_rated(client):
    pair = client.get("/experiments/reviews/rate/pair", params={"rater": "ann"})
    assert pair.status_code == 200 and "A is better" in pair.text
    assert "lora" not in pair.text and "zero_shot" not in pair.text  # names hidden before the vote
    token = pair.text.split('name="token" value="')[1].split('"')[0]
    forged = client.post(
        "/experiments/reviews/rate/vote",
        data={"rater": "ann", "token": token[:-2] + "xx", "choice": "left"},
        headers={"Accept": "application/json"},
    )
    assert forged.status_code == 400
    bad_choice = client.post(
        "/experiments/reviews/rate/vote",
        data={"rater": "ann", "token": token, "choice": "A"},
        headers={"Accept": "application/json"},
    )
    assert bad_choice.status_code == 400 and "choice must be one of" in message(bad_choice)
    assert client.get("/experiments/reviews/ratings.jsonl", headers={"Accept": "application/json"}).status_code == 404
    voted = client.post("/experiments/reviews/rate/vote", data={"rater": "ann", "token": token, "choice": "left"})
    assert voted.status_code == 200 and "A was <strong>" in voted.text
    pairs = client.get("/experiments/reviews/ratings.jsonl", params={"format": "pairs"})
    (line,) = pairs.text.splitlines()
    assert set(json.loads(line)) == {"prompt", "chosen", "rejected"}
    assert client.get("/experiments/reviews/ratings.jsonl", params={"format": "xml"}).status_code == 400
    assert client.get("/experiments/reviews/rate/pair", params={"rater": " "}).status_code == 400


def test_the_playground_refuses_bad_questions_before_loading_anything(client):
    headers = {"Accept": "application/json"}
    empty = client.post("/playground/ask", data={"message": "  ", "runs": ["1"]}, headers=headers)
    assert empty.status_code == 400 and "write a message" in message(empty)
    none = client.post("/playground/ask", data={"message": "hi"}, headers=headers)
    assert none.status_code == 400 and "tick at least one run" in message(none)
    garbled = client.post("/playground/ask", data={"message": "hi", "runs": ["1"], "history": "{oops"}, headers=headers)
    assert garbled.status_code == 400 and "not JSON" in message(garbled)
    many = client.post("/playground/ask", data={"message": "hi", "runs": ["1", "2", "3", "4", "5"]}, headers=headers)
    assert many.status_code == 400


def test_job_events_stream_in_order_and_resume_after_the_last_seen(client, store):
    job = store.jobs.submit("reviews", {})
    store.jobs.claim(job, 1)  # pid 1 is alive: the job is not taken for dead
    for i in range(3):
        store.jobs.event(job, "log", {"message": f"line {i}"})
    store.jobs.finish(job, "completed")
    stream = client.get(f"/jobs/{job}/events")
    assert stream.headers["content-type"].startswith("text/event-stream")
    lines = [line for line in stream.text.splitlines() if line.startswith(("id:", "event:"))]
    assert [line for line in lines if line.startswith("event:")] == ["event: log"] * 3 + ["event: status", "event: end"]
    first_id = int(lines[0].split()[1])
    resumed = client.get(f"/jobs/{job}/events", headers={"Last-Event-ID": str(first_id + 1)})
    assert "line 0" not in resumed.text and "line 1" not in resumed.text and "line 2" in resumed.text
    assert client.get(f"/jobs/{job}").status_code == 200


def test_hostile_values_get_a_refusal_never_a_500(store, client):
    bearer = TestClient(create_app(store, token="s3cret", loopback=False), base_url="http://studio.lan")
    not_ascii = {"Authorization": "Bearer pässwort".encode()}
    assert bearer.get("/", headers=not_ascii, follow_redirects=False).status_code == 303
    assert bearer.post("/login", data={"token": "x"}, headers={"Accept": "application/json"}).status_code == 403
    planted = TestClient(client.app, base_url="http://127.0.0.1")
    planted.cookies.set("tw_csrf", '"}, "evil": "1')  # a cookie another local app planted: replaced, not echoed
    page = planted.get("/")
    assert '"evil"' not in page.text and "set-cookie" in page.headers
    odd = {"Accept": "application/json"}
    assert (
        client.post(
            "/experiments/reviews/rate/vote", data={"rater": "ann", "token": "a.é", "choice": "left"}, headers=odd
        ).status_code
        == 400
    )
    pair = client.get("/experiments/reviews/rate/pair", params={"rater": "李雷"})
    assert pair.status_code == 200 and "李雷" in pair.text
    job = store.jobs.submit("reviews", {})
    store.jobs.finish(job, "failed", "stopped")
    assert client.get(f"/jobs/{job}/events", headers={"Last-Event-ID": "²".encode()}).status_code == 200


def test_no_sign_in_redirect_leaves_the_site(store):
    client = TestClient(create_app(store, token="s3cret", loopback=False), base_url="http://studio.lan")
    client.get("/login")
    headers = {"X-CSRF-Token": client.cookies["tw_csrf"]}
    for target in ("//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example"):
        response = client.post("/login", data={"token": "s3cret", "next": target}, headers=headers)
        assert response.headers["hx-redirect"] == "/", target
    assert (
        client.post("/login", data={"token": "s3cret", "next": "/playground?experiment=x"}, headers=headers).headers[
            "hx-redirect"
        ]
        == "/playground?experiment=x"
    )


def test_htmx_errors_are_shown_at_the_top_and_keep_the_page(client):
    response = client.post("/playground/ask", data={"message": "", "runs": ["1"]}, headers={"HX-Request": "true"})
    assert response.status_code == 400 and response.headers["hx-retarget"] == "#errors"
    assert 'class="error"' in response.text


def test_a_cancel_before_the_claim_wins_and_a_dead_queued_worker_fails_its_job(store):
    job = store.jobs.submit("reviews", {})
    store.jobs.request_cancel(job)
    assert store.jobs.claim(job, os.getpid()) is False and store.jobs.get(job).status == "queued"
    store.jobs.finish(job, "cancelled")
    gone = store.jobs.submit("reviews", {})
    store.jobs.spawned(gone, 2**22 + 12345)  # no such process: its worker died before claiming the job
    assert store.jobs.get(gone).status == "failed" and "worker process ended" in store.jobs.get(gone).error
