"""The must-show browser test of ``qa serve`` (issue 29): Debian's chromium, headless through
Playwright, drives a real server on loopback (uvicorn in a thread, tests/serving.py) started in a
real git repository. An editor pastes a Spanish original and an English translation with a
planted circular name, checks, sees it highlighted as an error, accepts it with a note, and
checks again: it is gone, and the repository's baseline file holds it with the note."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import REPO

SCREENSHOT = REPO / "tests" / "artifacts" / "serve-page.png"

# Invented text; the English carries the circular name of tests/test_report_ci.py's CIRCULAR.
SPANISH = ("El Departamento General de Estados Unidos se reunió el lunes.\n\n"
           "El ministro llegó a Rabat el martes. La reunión duró dos horas.\n")
ENGLISH = ("The United States General Department for the United States met on Monday.\n\n"
           "The minister arrived in Rabat on Tuesday. The meeting lasted two hours.\n")
NOTE = "The agency's own name, as its press office writes it"


@pytest.fixture
def repository(tmp_path) -> Path:
    """A content repository: git, and a qa.toml with no engine and a baseline file."""
    root = tmp_path / "desk"
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / "qa.toml").write_text('engine = "none"\nbaseline = ".qa-baseline.json"\n', encoding="utf-8")
    return root


def _check(page, button_text: str = "Check") -> None:
    """Press a form's button and wait for the page the server answers with."""
    with page.expect_navigation():
        page.get_by_role("button", name=button_text, exact=True).click()


def test_an_editor_checks_accepts_a_flag_with_a_note_and_checks_again(repository, browser, monkeypatch):
    from serving import running_server

    monkeypatch.chdir(repository)  # qa serve runs in the content repository
    with running_server(repository) as served:
        assert served.baseline == repository / ".qa-baseline.json"
        base = served.url
        origin = urlsplit(base)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      permissions=["clipboard-read", "clipboard-write"])
        page = context.new_page()
        errors: list[str] = []
        requests: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(base + "/")

        # Paste both texts and check.
        page.locator("textarea#original").fill(SPANISH)
        page.locator("textarea#translation").fill(ENGLISH)
        _check(page)
        errors_shown = page.locator("mark.flag.sev-error[data-first]")
        assert errors_shown.count() == 1
        assert "United States General Department" in errors_shown.inner_text()
        assert errors_shown.get_attribute("data-reasons") == "circular_name"
        background = errors_shown.evaluate("mark => getComputedStyle(mark).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted, not plain text
        flag = errors_shown.get_attribute("data-flag")
        assert page.locator("mark.flag").count() == page.locator(f'mark.flag[data-flag="{flag}"]').count()

        # Open it with j: the reason in words, the Spanish it came from, its place to copy, and an
        # Accept form.
        page.keyboard.press("j")
        details = page.locator(f"#flag-{flag}-details")
        assert details.is_visible()
        assert "circular name" in details.locator(".reasons").inner_text()
        assert "El Departamento General de Estados Unidos" in details.locator("blockquote.source").inner_text()
        details.locator('input[name="note"]').fill(NOTE)
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        assert SCREENSHOT.stat().st_size > 10_000
        name = page.locator(".article-header h2 code").inner_text()
        details.get_by_role("button", name="Copy location").click()
        page.wait_for_function(f"() => document.querySelector('#flag-{flag}-details .copy').textContent === 'Copied'")
        assert page.evaluate("navigator.clipboard.readText()") == f"{name}:1:1"

        with page.expect_navigation():
            details.get_by_role("button", name="Accept", exact=True).click()
        assert "Accepted flag" in page.locator(".message").inner_text()

        # Check again, with the texts the form kept: the accepted flag is gone.
        assert page.locator("textarea#translation").input_value().strip() == ENGLISH.strip()
        assert page.locator("textarea#original").input_value().strip() == SPANISH.strip()
        _check(page)
        assert page.locator(".totals").is_visible()  # a report, with nothing flagged in it
        assert page.locator("mark.flag").count() == 0
        assert page.locator(".problem").count() == 0

        context.close()

    # The repository's baseline file holds the flag, with the editor's note.
    document = json.loads((repository / ".qa-baseline.json").read_text(encoding="utf-8"))
    [entry] = document["entries"]
    assert entry["signal"] == "circular_name" and entry["severity"] == "error"
    assert entry["note"] == NOTE and entry["path"] == name
    assert "United States General Department" in entry["excerpt"]
    assert errors == []
    assert requests and all(urlsplit(url).netloc == origin.netloc for url in requests), requests
