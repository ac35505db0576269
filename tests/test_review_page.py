"""The editorial review page (GET /), driven in headless Chromium through Selenium.

The real app is served by uvicorn in a thread on 127.0.0.1, its backend a FakeBackend that
answers from a script, its jobs in a SQLite file of its own. Chromium and its driver are Debian's `chromium` and
`chromium-driver`; when either is missing the tests fail (CI installs them), they never skip.

How highlights are counted: the page cuts the article at every evidence boundary and draws
one <mark> per piece that some evidence covers; each mark lists the evidence items covering
it in `data-evidence`. So overlapping or identical spans never nest, the number of distinct
evidence ids over all marks is the number of evidence items of the response, and the number
of marks is the number of covered pieces, both computed here independently from the response.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from service.config import load_settings
from service.errors import BackendError, BackendUnavailable, Overloaded
from service.http.app import create_app
from service.http.serving import uvicorn_config

from .support.articles import DATA, SEED_ARTICLE, seed_answer
from .support.environment import setting_names
from .support.fakes import FakeBackend
from .support.serving import serve_in_thread

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # reported by the browser fixture as a failure, not at collection
    webdriver = None

CHROMIUM = Path(os.environ.get("REVIEW_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("REVIEW_CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
LAPTOP = (1366, 900)
NARROW = (800, 700)
SCREENSHOT = Path(__file__).resolve().parent.parent / "out" / "review-page.png"
WAIT = 10
# A job's answer comes from polling, whose interval grows: allow for a few polls more.
JOB_WAIT = 30
# The model's delay in the job tests, so that a poll finds the job running.
MODEL_SECONDS = 2.0
KEY = "k-review"


# ---- the service ---------------------------------------------------------------------------


@dataclass
class Served:
    url: str
    fake: FakeBackend

    def post(self, payload: dict[str, Any], key: str | None = None) -> dict[str, Any]:
        """POST /v1/summaries from Python: the response the page is expected to show."""
        headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {key}"} if key else {})
        request = urllib.request.Request(f"{self.url}v1/summaries", json.dumps(payload).encode(), headers)
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return json.load(response)


@contextmanager
def _serve(**overrides: Any) -> Iterator[Served]:
    with tempfile.TemporaryDirectory(prefix="review-jobs-") as jobs, pytest.MonkeyPatch.context() as env:
        for name in setting_names():
            env.delenv(name)
        # The cache is off unless a test asks: each test scripts the model's answers itself.
        defaults = {"cache_url": "off", "jobs_url": f"sqlite:///{jobs}/jobs.sqlite3"}
        settings = load_settings(backend="openai", **(defaults | overrides))
        fake = FakeBackend()
        with serve_in_thread(uvicorn_config(create_app(settings, backend=fake), settings, log_level="warning")) as url:
            yield Served(f"{url}/", fake)


@pytest.fixture(scope="module")
def open_server() -> Iterator[Served]:
    with _serve() as served:
        yield served


@pytest.fixture(scope="module")
def keyed_server() -> Iterator[Served]:
    with _serve(api_keys=KEY) as served:
        yield served


@pytest.fixture
def served(open_server: Served) -> Served:
    open_server.fake.script.clear()
    open_server.fake.requests.clear()
    open_server.fake.delay = 0.0
    return open_server


# ---- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(
            f"the review page tests need Chromium and its driver, not found: {', '.join(missing)}. "
            "Install them with: apt-get update && apt-get install -y chromium chromium-driver",
            pytrace=False,
        )
    if webdriver is None:
        pytest.fail("the review page tests need Selenium: pip install -e '.[test]'", pytrace=False)
    with tempfile.TemporaryDirectory(prefix="review-chromium-") as profile:
        options = Options()
        options.binary_location = str(CHROMIUM)
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={LAPTOP[0]},{LAPTOP[1]}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The module's browser, at laptop size; the test fails on any script error of the page."""
    chromium.set_window_size(*LAPTOP)
    chromium.get_log("browser")  # drop what earlier tests left
    yield chromium
    errors = [
        entry["message"]
        for entry in chromium.get_log("browser")
        if entry["level"] == "SEVERE" and "Failed to load resource" not in entry["message"]
    ]
    assert errors == [], f"the page logged errors: {errors}"


def open_page(driver: Any, served: Served) -> None:
    driver.get(served.url)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))


def paste(driver: Any, text: str) -> None:
    """Put text into the article box as a paste does (ChromeDriver cannot type emoji)."""
    driver.execute_script(
        "const box = document.getElementById('article'); box.value = arguments[0];"
        "box.dispatchEvent(new Event('input', {bubbles: true}));",
        text,
    )


def submit_and_wait(driver: Any, wait: float = WAIT) -> str:
    """Press Summarize; 'result' or 'error', whichever the page shows."""
    driver.find_element(By.ID, "submit").click()
    shown = "return ['result', 'error'].find(id => !document.getElementById(id).hidden) || null"
    try:
        return WebDriverWait(driver, wait).until(lambda d: d.execute_script(shown))
    except TimeoutException:
        raise AssertionError(f"no result nor error shown; status: {driver.find_element(By.ID, 'status').text!r}") from None


# What the page drew: every mark with its text and the evidence ids covering it, in order.
MARKS = """return Array.from(document.querySelectorAll('#article-view mark.hl')).map(m => ({
    text: m.textContent, evidence: m.dataset.evidence.split(' '), title: m.title,
    classes: Array.from(m.classList)}));"""

IN_VIEW = """const [mark, panel] = [arguments[0], document.getElementById('article-view')];
const r = mark.getBoundingClientRect(), p = panel.getBoundingClientRect();
const top = Math.max(0, p.top), bottom = Math.min(window.innerHeight, p.bottom);
return r.height > 0 && r.top >= top - 1 && r.bottom <= bottom + 1;"""


def evidence_in_order(response: dict[str, Any]) -> list[dict[str, Any]]:
    """Every evidence item of a response, in the page's order (who, what, where, denials)."""
    items = list(response["who"]) + ([response["what"]] if response["what"] else [])
    items += list(response["where"]) + list(response["denials"])
    return [evidence for item in items for evidence in item["evidence"]]


def covered_pieces(response: dict[str, Any]) -> list[set[int]]:
    """The evidence indexes covering each covered piece of the article, cut at every boundary."""
    spans = [(e["start"], e["end"]) for e in evidence_in_order(response)]
    cuts = sorted({point for span in spans for point in span})
    pieces = []
    for start, end in itertools.pairwise(cuts):
        covering = {i for i, (s, e) in enumerate(spans) if s <= start and e >= end}
        if covering:
            pieces.append(covering)
    return pieces


def assert_highlights_match(driver: Any, response: dict[str, Any]) -> list[dict[str, Any]]:
    marks = driver.execute_script(MARKS)
    evidence = evidence_in_order(response)
    ids = {f"ev-{i}" for i in range(len(evidence))}
    drawn = {i for mark in marks for i in mark["evidence"]}
    assert drawn == ids, "one highlighted span per evidence item"
    assert len(marks) == len(covered_pieces(response))
    assert [{int(i[3:]) for i in mark["evidence"]} for mark in marks] == covered_pieces(response)
    text_of = {i: "".join(m["text"] for m in marks if i in m["evidence"]) for i in ids}
    for i, item in enumerate(evidence):
        assert text_of[f"ev-{i}"] == item["quote"], f"evidence {i} is drawn on the wrong characters"
    return marks


# ---- the tests -----------------------------------------------------------------------------


def test_the_page_and_its_assets_are_served_outside_the_api_schema(open_server):
    with urllib.request.urlopen(open_server.url, timeout=WAIT) as page:
        assert page.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        html = page.read().decode()
    for asset, media_type in (("review/app.js", "text/javascript"), ("review/app.css", "text/css")):
        assert asset in html
        with urllib.request.urlopen(open_server.url + asset, timeout=WAIT) as response:
            assert response.headers["Content-Type"].startswith(media_type)
    with urllib.request.urlopen(open_server.url + "openapi.json", timeout=WAIT) as response:
        paths = json.load(response)["paths"]
    assert not {"/", "/review/app.js", "/review/app.css"} & set(paths)
    assert "http://" not in html and "https://" not in html, "nothing loaded from elsewhere"


def test_seed_article_every_evidence_item_is_highlighted(browser, served):
    served.fake.enqueue(seed_answer(), seed_answer())
    open_page(browser, served)
    browser.find_element(By.ID, "title").send_keys("Missiles hit militia base in Iraq")
    browser.find_element(By.ID, "article").send_keys(SEED_ARTICLE)
    assert submit_and_wait(browser) == "result"
    response = served.post({"text": SEED_ARTICLE, "title": "Missiles hit militia base in Iraq"})
    sent = served.fake.requests[0].messages[1]["content"]
    assert "Missiles hit militia base in Iraq" in sent and "Kalsu Base" in sent

    marks = assert_highlights_match(browser, response)
    assert len(evidence_in_order(response)) == 8 and len(marks) == 7  # Israel's who and denial share a span
    israel = next(mark for mark in marks if mark["text"].startswith("Israel has denied"))
    assert "Who: Israel (denied involvement in the attack)" in israel["title"]
    assert "Denial: Israel denied involvement in the attack in Iraq (explicit)" in israel["title"]
    for field in ("who", "what", "where", "denials"):
        assert any(f"field-{field}" in mark["classes"] for mark in marks), f"{field} has its colour"

    cards = {field: browser.find_elements(By.CSS_SELECTOR, f"#cards-{field} .card") for field in ("who", "what", "where", "denials")}
    assert [len(cards[f]) for f in cards] == [3, 1, 2, 2]
    denial = cards["denials"][1]
    assert "Popular Mobilization Forces" in denial.text and "the number of casualties" in denial.text
    assert denial.find_element(By.CSS_SELECTOR, ".badge").text.lower() == "no comment"
    meta = browser.find_element(By.ID, "meta").text
    for fact in ("fake", "fake-model", "attempts", "latency", "Nothing dropped"):
        assert fact in meta

    # The Israel card, clicked, flashes and marks its span; the screenshot shows that state.
    cards["denials"][0].click()
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#article-view mark.active"))
    browser.execute_script("window.scrollTo(0, 0)")  # Selenium scrolled the card into view to click it
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))


def padded_article(paragraphs: int) -> str:
    """The seed article after this many paragraphs of filler (75 characters each)."""
    filler = "Markets in the region were calm on Monday and trading volumes stayed low."
    return "\n\n".join([filler] * paragraphs) + "\n\n" + SEED_ARTICLE


# Longer than the page's own panel: it scrolls. Still short enough to be summarized synchronously.
SCROLLING_ARTICLE = padded_article(40)
# About 32,000 characters: past the length from which the page sends an article as a job (20,000).
JOB_ARTICLE = padded_article(400)


@pytest.mark.parametrize(
    ("size", "article"),
    [(NARROW, SEED_ARTICLE), (LAPTOP, SCROLLING_ARTICLE)],
    ids=["narrow-window-page-scrolls", "laptop-article-panel-scrolls"],
)
def test_clicking_a_denial_card_scrolls_its_span_into_view_and_marks_it(browser, served, size, article):
    browser.set_window_size(*size)
    served.fake.enqueue(seed_answer())
    open_page(browser, served)
    paste(browser, article)
    assert submit_and_wait(browser) == "result"

    card = browser.find_elements(By.CSS_SELECTOR, "#cards-denials .card")[1]
    browser.execute_script(
        "window.scrollTo(0, 0); document.getElementById('article-view').scrollTop = 0;"
        "arguments[0].scrollIntoView({block: 'end'});",
        card,
    )
    span = browser.find_element(By.XPATH, "//div[@id='article-view']/mark[starts-with(., 'declined to comment')]")
    assert not browser.execute_script(IN_VIEW, span), "the span starts out of view"
    card.click()
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script(IN_VIEW, span))
    assert "active" in span.get_attribute("class").split()
    assert "active" in card.get_attribute("class").split()
    active = browser.find_elements(By.CSS_SELECTOR, "#article-view mark.active")
    assert [mark.text for mark in active] == ["declined to comment on the number of casualties"]


def test_cards_work_from_the_keyboard_and_spans_name_their_items(browser, served):
    served.fake.enqueue(seed_answer())
    open_page(browser, served)
    paste(browser, SEED_ARTICLE)
    assert submit_and_wait(browser) == "result"

    # Hovering the shared span lights up both cards that rest on it.
    shared = browser.find_element(By.XPATH, "//div[@id='article-view']/mark[starts-with(., 'Israel has denied')]")
    # A span may wrap, so the pointer goes to the middle of its first line, not of its box.
    dx, dy = browser.execute_script(
        "const box = arguments[0].getBoundingClientRect(), line = arguments[0].getClientRects()[0];"
        "return [Math.round(line.left + line.width / 2 - (box.left + box.width / 2)),"
        " Math.round(line.top + line.height / 2 - (box.top + box.height / 2))];",
        shared,
    )
    ActionChains(browser).move_to_element_with_offset(shared, dx, dy).perform()
    linked = browser.find_elements(By.CSS_SELECTOR, ".card.linked")
    assert sorted(card.get_attribute("data-item") for card in linked) == ["denials-0", "who-0"]

    browser.execute_script("document.getElementById('copy-json').focus()")
    ActionChains(browser).send_keys(Keys.TAB).perform()
    focused = browser.switch_to.active_element
    assert focused.tag_name == "button" and "Israel" in focused.text
    assert browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle") == "solid"
    focused.send_keys(Keys.ENTER)
    WebDriverWait(browser, WAIT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#article-view mark.active"))
    assert [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#article-view mark.active")] == [
        "Israel has denied any involvement with the attack in Iraq"
    ]


def test_backend_unavailable_is_shown_in_plain_words_with_the_wait(browser, served):
    served.fake.enqueue(BackendUnavailable("cannot reach the model server", retry_after=7))
    open_page(browser, served)
    paste(browser, SEED_ARTICLE)
    assert submit_and_wait(browser) == "error"
    message = browser.find_element(By.ID, "error").text
    assert "cannot reach the model server" in message
    assert "Try again in 7 s" in message
    assert "backend_unavailable" in message and "503" in message
    assert browser.find_element(By.ID, "result").is_displayed() is False


def test_offsets_are_code_points_even_after_emoji(browser, served):
    article = "🎉🎉🎉 Crowds 🎈 cheered in Paris on Sunday. 👍🏽 Israel has denied any involvement with the attack, 🇮🇱 officials said.\n"
    answer = {
        "who": [{"name": "Israel", "role": "denied involvement", "quote": "Israel has denied any involvement with the attack"}],
        "what": {"text": "Crowds cheered in Paris.", "quote": "Crowds 🎈 cheered in Paris"},
        "where": [{"name": "Paris", "quote": "cheered in Paris on Sunday"}],
        "denials": [{"who": "Israel", "denied": "involvement in the attack", "kind": "explicit",
                     "quote": "Israel has denied any involvement with the attack"}],
    }
    served.fake.enqueue(answer, answer)
    open_page(browser, served)
    paste(browser, article)
    assert submit_and_wait(browser) == "result"
    response = served.post({"text": article})
    assert response["who"][0]["evidence"][0]["start"] == article.index("Israel")  # code points
    assert len(article[: article.index("Israel")].encode("utf-16-le")) // 2 > article.index("Israel")
    assert_highlights_match(browser, response)
    assert browser.find_element(By.ID, "offset-warning").is_displayed() is False


def test_markup_in_a_plain_text_article_is_shown_as_text(browser, served):
    tag = "<img src=x onerror=alert(1)>"
    article = f"The draft held the string {tag} in its body. Israel has denied any involvement with the attack.\n"
    answer = {
        "who": [{"name": "Israel", "role": "denied involvement", "quote": "Israel has denied any involvement with the attack"}],
        "what": {"text": "The draft held a string of markup.", "quote": f"The draft held the string {tag} in its body"},
        "where": [],
        "denials": [],
    }
    served.fake.enqueue(answer)
    open_page(browser, served)
    paste(browser, article)
    assert "plain text" in browser.find_element(By.ID, "format-detected").text
    assert submit_and_wait(browser) == "result"
    assert tag in served.fake.requests[0].messages[1]["content"], "sent as text, not as HTML"
    view = browser.find_element(By.ID, "article-view")
    assert view.find_elements(By.CSS_SELECTOR, "img") == []
    assert browser.find_elements(By.CSS_SELECTOR, "img") == []
    assert tag in view.text
    assert browser.execute_script("return document.getElementById('article-view').textContent") == article
    marks = browser.execute_script(MARKS)
    assert marks[0]["text"] == f"The draft held the string {tag} in its body"
    assert browser.find_element(By.ID, "cards-where").text == "None in this article."


def test_html_input_is_detected_and_article_text_is_shown(browser, served):
    paragraphs = SEED_ARTICLE.strip().split("\n\n")
    html = "<article>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</article>"
    served.fake.enqueue(seed_answer(), seed_answer())
    open_page(browser, served)
    paste(browser, html)
    assert "HTML" in browser.find_element(By.ID, "format-detected").text
    assert submit_and_wait(browser) == "result"
    response = served.post({"html": html})
    assert response["article_text"] and "<p>" not in response["article_text"]
    shown = browser.execute_script("return document.getElementById('article-view').textContent")
    assert shown == response["article_text"]
    assert_highlights_match(browser, response)


def test_a_summary_from_the_cache_says_so(browser, tmp_path):
    with _serve(cache_url=f"sqlite:///{tmp_path}/results.sqlite3") as cached:
        cached.fake.enqueue(seed_answer())
        open_page(browser, cached)
        paste(browser, SEED_ARTICLE)
        assert submit_and_wait(browser) == "result"
        assert "result cache" not in browser.find_element(By.ID, "meta").text
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, WAIT).until(lambda d: "Served from the result cache" in d.find_element(By.ID, "meta").text)
        assert len(cached.fake.requests) == 1
        cached.fake.enqueue(seed_answer())
        browser.find_element(By.ID, "fresh").click()
        browser.find_element(By.ID, "submit").click()
        WebDriverWait(browser, WAIT).until(lambda d: "result cache" not in d.find_element(By.ID, "meta").text)
    assert len(cached.fake.requests) == 2


def test_a_file_is_loaded_into_the_text_area(browser, served):
    open_page(browser, served)
    browser.find_element(By.ID, "file").send_keys(str(DATA / "seed_article.txt"))
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "article").get_attribute("value"))
    assert browser.find_element(By.ID, "article").get_attribute("value") == SEED_ARTICLE
    assert browser.find_element(By.CSS_SELECTOR, 'input[name="format"][value="text"]').is_selected()
    assert "seed_article.txt" in browser.find_element(By.ID, "status").text


def test_the_api_key_is_sent_as_bearer_and_kept_for_the_tab_only(browser, keyed_server):
    keyed_server.fake.script.clear()
    keyed_server.fake.enqueue(seed_answer())
    open_page(browser, keyed_server)
    browser.execute_script("sessionStorage.clear(); localStorage.clear();")
    browser.refresh()
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
    paste(browser, SEED_ARTICLE)
    assert submit_and_wait(browser) == "error"
    assert "API key" in browser.find_element(By.ID, "error").text

    browser.find_element(By.ID, "api-key").send_keys(KEY)
    assert submit_and_wait(browser) == "result"
    assert len(browser.execute_script(MARKS)) == 7
    browser.refresh()
    WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.body.dataset.ready === 'true'"))
    assert browser.find_element(By.ID, "api-key").get_attribute("value") == KEY
    assert browser.execute_script("return localStorage.length") == 0


def test_copy_json_puts_the_response_on_the_clipboard(browser, served):
    served.fake.enqueue(seed_answer())
    open_page(browser, served)
    browser.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": served.url.rstrip("/"), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    paste(browser, SEED_ARTICLE)
    assert submit_and_wait(browser) == "result"
    browser.find_element(By.ID, "copy-json").click()
    WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "copy-status").text)
    assert browser.find_element(By.ID, "copy-status").text == "JSON copied."
    copied = browser.execute_async_script("navigator.clipboard.readText().then(arguments[0], e => arguments[0](String(e)))")
    body = json.loads(copied)
    assert body["denials"][1]["kind"] == "no_comment" and body["meta"]["backend"] == "fake"


# ---- articles through a job ----------------------------------------------------------------

# Every text the status line shows from now on, in order, each once.
RECORD_STATUS = """window.statusSeen = [];
const status = document.getElementById('status');
new MutationObserver(() => {
    if (window.statusSeen.at(-1) !== status.textContent) window.statusSeen.push(status.textContent);
}).observe(status, {childList: true, characterData: true, subtree: true});"""


def submit_recording_status(driver: Any) -> tuple[str, list[str]]:
    """Press Summarize and wait for the job to end: what the page shows, and every status text on the way."""
    driver.execute_script(RECORD_STATUS)
    shown = submit_and_wait(driver, JOB_WAIT)
    return shown, driver.execute_script("return window.statusSeen")


def job_phases(statuses: list[str]) -> list[str]:
    """The job states the status line went through, each once, in order."""
    phases = [phase for text in statuses for phase in ("queued", "running") if phase in text.lower()]
    return [phase for i, phase in enumerate(phases) if i == 0 or phases[i - 1] != phase]


def test_a_long_article_goes_through_a_job_shown_queued_then_running(browser, served):
    served.fake.delay = MODEL_SECONDS
    served.fake.enqueue(seed_answer(), seed_answer())
    open_page(browser, served)
    paste(browser, JOB_ARTICLE)
    shown, statuses = submit_recording_status(browser)
    assert shown == "result", statuses
    assert job_phases(statuses) == ["queued", "running"], statuses
    assert any(re.search(r"running.* \d+ s$", text, re.IGNORECASE) for text in statuses), "the time so far is shown"
    assert browser.find_element(By.ID, "status").text.startswith("Done in")
    assert len(served.fake.requests) == 1 and SEED_ARTICLE.strip() in served.fake.requests[0].messages[1]["content"]

    served.fake.delay = 0.0
    response = served.post({"text": JOB_ARTICLE})
    assert_highlights_match(browser, response)
    shown_article = browser.execute_script("return document.getElementById('article-view').textContent")
    assert shown_article == JOB_ARTICLE
    cards = [len(browser.find_elements(By.CSS_SELECTOR, f"#cards-{f} .card")) for f in ("who", "what", "where", "denials")]
    assert cards == [3, 1, 2, 2]


def test_a_failed_job_shows_its_error_message(browser, served):
    served.fake.enqueue(BackendError("the model server refused the article"))
    open_page(browser, served)
    paste(browser, JOB_ARTICLE)
    shown, statuses = submit_recording_status(browser)
    assert shown == "error", statuses
    message = browser.find_element(By.ID, "error").text
    assert "Not summarized: the model server refused the article." in message
    assert "backend_error, job " in message
    assert job_phases(statuses)[0] == "queued"
    assert browser.find_element(By.ID, "status").text == ""


def test_a_short_article_the_service_is_too_busy_for_is_sent_again_as_a_job(browser, served):
    served.fake.enqueue(Overloaded("too many requests in flight"), seed_answer())
    open_page(browser, served)
    paste(browser, SEED_ARTICLE)
    shown, statuses = submit_recording_status(browser)
    assert shown == "result", statuses
    assert statuses[0].startswith("Summarizing as plain text")
    assert any("could not do it now" in text for text in statuses)
    assert "queued" in job_phases(statuses)
    assert len(served.fake.requests) == 2
    assert len(browser.execute_script(MARKS)) == 7
