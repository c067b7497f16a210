"""The studio end to end in a real browser: Debian's chromium driven by Playwright, headless, against a real
`tunewise studio` process on 127.0.0.1 whose runs happen in real worker processes on the tiny model.

A person who has never seen YAML: uploads a CSV, maps its fields, reads the data check, runs the comparison,
watches it to the end (and finds it again in a new tab), reads the leaderboard and the recommendation, chats
with two runs side by side, rates five pairs blind, sees the ratings in the comparison and exports them as
preference pairs. Every request the page makes must go to 127.0.0.1. Screenshots land in tests/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS
from playwright import sync_api as playwright  # `make test` installs it (the test extra)

SHOTS = Path(__file__).parent / "screenshots"
GOOD = ["a great film with a wonderful cast", "the plot is clever and the acting superb", "fresh and wonderful"]
BAD = ["a dull and tedious mess", "boring predictable and far too long", "rotten and tedious"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def studio(tmp_path, tiny_model_dir, isolated_home):
    port = free_port()
    log = open(tmp_path / "studio.log", "wb")  # noqa: SIM115  (the server writes to it until the test ends)
    command = [sys.executable, "-m", "tunewise.cli", "studio", "--port", str(port), "--model", f"tiny={tiny_model_dir}"]
    server = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "TUNEWISE_PROGRESS_SECONDS": "5"}
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert server.poll() is None, (tmp_path / "studio.log").read_text()
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(timeout=20)
    log.close()


@pytest.fixture
def page(studio, tmp_path):
    browser_path = shutil.which("chromium")
    if browser_path is None:
        pytest.fail("Debian's chromium is needed for this test; `make test` installs it (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=browser_path,
            args=["--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
        )
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        outside = []
        context.on("request", lambda r: None if r.url.startswith((studio, "data:")) else outside.append(r.url))
        page = context.new_page()
        page.set_default_timeout(30_000)
        yield page
        assert outside == [], f"requests left 127.0.0.1: {outside}"
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def reviews_csv(path: Path) -> Path:
    rows = (
        ["text,label"]
        + [f'"{GOOD[i % 3]} {i}",pos' for i in range(30)]
        + [f'"{BAD[i % 3]} {i}",neg' for i in range(30)]
    )
    path.write_text("\n".join(rows) + "\n")
    return path


def test_from_a_csv_to_a_recommendation_a_chat_and_blind_ratings(page, studio, tmp_path):
    started = time.monotonic()
    page.goto(f"{studio}/new")
    page.set_input_files("input[name=file]", str(reviews_csv(tmp_path / "reviews.csv")))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url("**/new/*")
    assert page.input_value("select[name=target]") == "label" and page.input_value("select[name=input]") == "text"
    assert page.input_value("select[name=task_type]") == "classification"
    page.fill("input[name=name]", "browser-reviews")
    page.fill("textarea[name=instruction]", "Is the review positive or negative? Answer pos or neg.")
    page.select_option("select[name=model]", "tiny")
    assert page.is_checked("input[name=methods][value=lora]")  # a starter method
    lora = page.locator(".method", has=page.locator("input[name=methods][value=lora]"))
    lora.locator("summary").click()  # a method's settings open on demand
    lora.locator("input[name='setting:lora:epochs']").fill("3")
    zero_shot = page.locator(".method", has=page.locator("input[name=methods][value=zero_shot]"))
    zero_shot.locator("summary").click()
    # Contextual calibration moves the tiny random model's label scores per input: its answers differ from
    # few_shot's on some inputs, so the blind pairs have something to tell apart.
    zero_shot.locator("input[name='setting:zero_shot:calibration']").fill("contextual")
    shot(page, "1-mapping")
    page.click("#check-button")
    page.wait_for_selector("#data-check")
    assert "train" in page.inner_text("#data-check") and "method: lora" in page.inner_text("#yaml")
    assert "epochs: 3" in page.inner_text("#yaml") and "calibration: contextual" in page.inner_text("#yaml")
    assert page.locator(".check-error").count() == 0, page.inner_text("#data-check")
    shot(page, "2-data-check")
    page.click("#run-button")
    page.wait_for_url("**/jobs/*")
    job_url = page.url
    page.wait_for_selector("#log div")  # the worker's first lines streamed in
    second = page.context.new_page()  # a browser opened meanwhile finds the run where it is
    second.goto(job_url)
    second.wait_for_selector("#log div")
    page.wait_for_selector("#when-done:not([hidden])", timeout=300_000)
    assert page.inner_text("#job-status") == "completed"
    assert page.locator(".progress-row").count() > 0 and "lora: training" in page.inner_text("#bars")
    shot(page, "3-live-run")
    second.close()

    page.click("#when-done a")
    page.wait_for_selector("#recommendation")
    assert page.inner_text("#recommendation").startswith(("Recommendation:", "No recommendation"))
    board = page.inner_text("#leaderboard")
    assert all(method in board for method in ("zero_shot", "few_shot", "lora"))
    shot(page, "4-experiment")

    page.click("text=Chat with the runs")
    page.wait_for_selector("form#ask")
    page.fill("textarea[name=message]", "a wonderful cast")
    page.click("form#ask button[type=submit]")
    page.wait_for_selector("#conversation .column")
    columns = page.locator("#conversation .column")
    assert columns.count() == 2 and all("log-likelihoods" in columns.nth(i).inner_text() for i in range(2))
    shot(page, "5-playground")

    page.goto(f"{studio}/experiments/browser-reviews/rate")
    page.fill("input[name=rater]", "ann")
    page.click("text=Start rating")
    for i in range(5):
        page.wait_for_selector("#blind-pair")
        assert "lora" not in page.inner_text("#blind-pair")  # names hidden until the vote
        if i == 0:
            shot(page, "6-blind-pair")
        choice = ["A is better", "B is better", "Tie", "Both bad", "A is better"][i]
        page.get_by_role("button", name=choice, exact=True).click()
        page.wait_for_selector("#revealed, #errors .error")
        assert page.locator("#revealed").count() == 1, page.inner_text("#errors")
        assert " was " in page.inner_text("#revealed")
        page.click("#revealed button")
    page.goto(f"{studio}/experiments/browser-reviews")
    human = page.inner_text("#human-ratings")
    assert "5 blind A/B ratings by 1 rater" in human
    shot(page, "7-ratings-in-comparison")
    page.goto(f"{studio}/experiments/browser-reviews/rate")
    with page.expect_download() as download:
        page.click("text=preference pairs (DPO)")
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines and all(set(json.loads(line)) == {"prompt", "chosen", "rejected"} for line in lines)
    print(f"studio browser flow: {time.monotonic() - started:.0f} s")


def test_corpus_words_cover_the_reviews():
    # The tiny tokenizer was trained on conftest's CORPUS: the reviews reuse its words, so prompts stay short.
    assert all(word in " ".join(CORPUS) for text in GOOD + BAD for word in text.split())
