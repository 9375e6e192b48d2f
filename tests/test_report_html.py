"""The HTML report, opened from a file:// path in Debian's chromium through Playwright: one
highlight per flag, details on click and on j/k, filters that hide flags, untrusted text shown
as text, and a page that references nothing outside itself. It speaks an editor's words: the
signature and the machine's rendering folded, no internal names in what the page shows, a
button that copies a flag's place; and the terminal's summary line drops the signature at a tty."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO

import qa
from qa.cli import cli
from qa.corpus.pairing import PAIRING_METHODS
from qa.report.html import FlagView, block_runs, pairing_label, reason_label, render_html
from qa.report.json import report_to_dict
from qa.translate.apertium import FEEDING

ARTIFACTS = REPO / "tests" / "artifacts"
MAX_BYTES = 1_000_000

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(2)>"
HEADLINE = 'Talks on the security of security: "test" <b>bold</b>'
SPANISH = """---
title: "Conversaciones sobre la seguridad: prueba"
lang: es
translationKey: xss
---

El alcalde habló de la seguridad en la reunión. La oposición criticó el plan.
"""
ENGLISH = f"""---
title: "Talks on the security of security: \\"test\\" <b>bold</b>"
lang: en
translationKey: xss
---

The mayor spoke about the security of security {XSS_SCRIPT} at the meeting.
The opposition {XSS_IMG} criticised the plan.
"""


# ---------------------------------------------------------------- helpers and fixtures


@dataclass
class OpenedPage:
    """A page with what it reported: console errors, dialogs and every request it made."""

    page: object
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser):
    """Open an HTML file in a fresh browser context, recording errors, dialogs and requests."""
    contexts = []

    def opener(path: Path, width: int = 1280, height: int = 900, permissions=()) -> OpenedPage:
        context = browser.new_context(viewport={"width": width, "height": height}, permissions=list(permissions))
        contexts.append(context)
        page = context.new_page()
        opened = OpenedPage(page)
        page.on("console", lambda message: message.type == "error" and opened.errors.append(message.text))
        page.on("pageerror", lambda error: opened.errors.append(str(error)))
        page.on("dialog", lambda dialog: (opened.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda request: opened.requests.append(request.url))
        page.goto(path.as_uri())
        return opened

    yield opener
    for context in contexts:
        context.close()


def write_report(report, folder: Path, name: str = "report.html") -> Path:
    """Render a report to a file and return its path."""
    path = folder / name
    path.write_text(render_html(report), encoding="utf-8")
    return path


def flagged_segments(report) -> list[dict]:
    """The flagged segments as the JSON report writes them, in report order."""
    return [s for a in report_to_dict(report)["articles"] for s in a["segments"] if s["flagged"]]


def badge_visible(page, index: int) -> bool:
    return page.locator(f"#flag-{index} .badge").is_visible()


def highlighted(page, index: int) -> bool:
    """Whether a flag's passage is shown highlighted (badge and background) rather than plain."""
    background = page.eval_on_selector(f"#flag-{index}", "e => getComputedStyle(e).backgroundColor")
    return badge_visible(page, index) and background != "rgba(0, 0, 0, 0)"


def selected_flag(page) -> str | None:
    return page.evaluate("() => document.querySelector('mark.flag.is-selected')?.dataset.flag ?? null")


@pytest.fixture
def sample_html(sample_page, apertium_available, tmp_path) -> tuple[Path, list[dict]]:
    """The sample page checked with Apertium, rendered to HTML, with its flags as JSON."""
    report = qa.check(str(sample_page), engine="apertium")
    return write_report(report, tmp_path), flagged_segments(report)


@pytest.fixture
def hostile_report(tmp_path):
    """A Spanish/English Markdown pair whose English text carries HTML and script (no engine)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "xss.es.md").write_text(SPANISH, encoding="utf-8")
    (folder / "xss.en.md").write_text(ENGLISH, encoding="utf-8")
    return qa.check(str(folder), engine=None)


# ---------------------------------------------------------------- without a browser


def _flag(index: int, start: int | None, end: int | None, hot=None, anchor: int = 0) -> FlagView:
    return FlagView(
        index=index, severity="error", score=0.9, kind="1-1", kind_label="", role="body", line=1, column=1,
        text=None, reasons=(), reason_names=("score",), source=None, source_where=None, related_source=None,
        back_translation=None, signals=(), start=start, end=end, hot=hot, anchor=anchor, path="a.en.md",
    )


def test_block_runs_split_text_into_plain_flagged_and_emphasised_pieces():
    text = "One fine. Two bad bad words. Three."
    flag = _flag(1, 10, 28, hot=(14, 21))
    runs = block_runs(text, 0, len(text), [flag])
    assert [(run.flag and run.flag.index, run.pieces) for run in runs] == [
        (None, (("One fine. ", False),)),
        (1, (("Two ", False), ("bad bad", True), (" words.", False))),
        (None, ((" Three.", False),)),
    ]


def test_block_runs_place_an_omission_marker_where_the_sentence_is_missing():
    text = "First. Second."
    runs = block_runs(text, 0, len(text), [], [_flag(4, None, None, anchor=7)])
    assert [(run.flag and run.flag.index, run.pieces) for run in runs] == [
        (None, (("First. ", False),)), (4, ()), (None, (("Second.", False),)),
    ]


def test_render_html_escapes_markup_and_quotes_in_article_text(hostile_report):
    page = render_html(hostile_report)
    headline = next(s for s in flagged_segments(hostile_report) if s["role"] == "headline")
    assert headline["text"] == HEADLINE
    assert "<b>bold</b>" not in page
    assert page.count("&lt;b&gt;bold&lt;/b&gt;") == 2  # in the article text and in the details
    assert "&#34;test&#34; &lt;b&gt;bold&lt;/b&gt;" in page
    assert XSS_SCRIPT not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1  # the page's own script only


# ---------------------------------------------------------------- in the browser


def test_sample_page_highlights_each_flag_and_shows_its_details(sample_html, open_page):
    path, flagged = sample_html
    opened = open_page(path)
    page = opened.page
    assert flagged, "the sample page should have flags"
    heads = page.locator("mark.flag[data-first]")
    assert heads.count() == len(flagged)
    distinct = page.eval_on_selector_all("mark.flag", "marks => new Set(marks.map(m => m.dataset.flag)).size")
    assert distinct == len(flagged)
    severities = [heads.nth(k).get_attribute("data-severity") for k in range(len(flagged))]
    assert severities == [s["severity"] for s in flagged]

    # Clicking a flag opens its details: reasons, and the source (or related source) text.
    panel_texts = {}
    for index in (1, len(flagged)):
        segment = flagged[index - 1]
        page.locator(f"#flag-{index} .badge").click()
        details = page.locator(f"#flag-{index}-details")
        assert details.is_visible()
        assert selected_flag(page) == str(index)
        shown = details.inner_text()
        for reason in segment["reasons"]:
            assert reason["explanation"] in shown
        source = segment["source"] or segment["related_source"]
        assert (source or "No aligned Spanish sentence.") in shown
        assert f"{segment['score']:.2f}" in shown
        panel_texts[index] = shown
    assert not page.locator("#flag-1-details").is_visible()  # one flag's details at a time

    # The severity filter hides that severity's highlights and brings them back.
    by_severity = {}
    for k, segment in enumerate(flagged, start=1):
        by_severity.setdefault(segment["severity"], []).append(k)
    severity = max(by_severity, key=lambda s: len(by_severity[s]))
    toggle = page.locator(f'input[data-filter="severity"][value="{severity}"]')
    toggle.uncheck()
    for k in range(1, len(flagged) + 1):
        assert highlighted(page, k) == (k not in by_severity[severity])
    # The selected (last) flag's details close when its severity is hidden.
    assert page.locator(f"#flag-{len(flagged)}-details").is_visible() == (flagged[-1]["severity"] != severity)
    toggle.check()
    assert all(highlighted(page, k) for k in range(1, len(flagged) + 1))

    page.locator("#flag-2 .badge").click()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTIFACTS / "report-sample.png"
    page.screenshot(path=str(screenshot))
    print(f"screenshot: {screenshot}")
    assert screenshot.stat().st_size > 10_000
    assert opened.errors == []
    assert opened.dialogs == []


def test_keyboard_moves_between_flags_and_the_reason_filter_hides_others(sample_html, open_page):
    path, flagged = sample_html
    opened = open_page(path)
    page = opened.page
    assert "next flag" in page.locator(".keys").inner_text()
    page.keyboard.press("j")
    assert selected_flag(page) == "1"
    assert page.locator("#flag-1-details").is_visible()
    page.keyboard.press("j")
    assert selected_flag(page) == "2"
    assert page.evaluate("document.activeElement.id") == "flag-2"
    page.keyboard.press("k")
    assert selected_flag(page) == "1"
    page.keyboard.press("n")
    page.keyboard.press("p")
    assert selected_flag(page) == "1"
    page.keyboard.press("Escape")
    assert selected_flag(page) is None

    # The reason filters read as words ("circular name", "back-translation differs"), not codes.
    chips = page.locator("label.toggle.reason").all()
    assert chips
    for chip in chips:
        name, text = chip.locator("input").get_attribute("value"), chip.inner_text()
        assert reason_label(name) in text and "_" not in text

    # Keep one reason: only the flags with that reason stay highlighted, and j skips the rest.
    reasons = [{r["signal"] for r in segment["reasons"]} for segment in flagged]
    partial = [name for name in sorted(set().union(*reasons)) if sum(name in r for r in reasons) < len(flagged)]
    keep = partial[0]
    for box in page.locator('input[data-filter="reason"]').all():
        box.set_checked(box.get_attribute("value") == keep)
    kept = [k for k, names in enumerate(reasons, start=1) if keep in names]
    for k in range(1, len(flagged) + 1):
        assert highlighted(page, k) == (k in kept)
    page.keyboard.press("j")
    assert selected_flag(page) == str(kept[0])
    page.keyboard.press("j")
    assert selected_flag(page) == str(kept[1] if len(kept) > 1 else kept[0])
    assert opened.errors == []


def test_hostile_text_is_shown_literally_and_runs_nothing(hostile_report, tmp_path, open_page):
    opened = open_page(write_report(hostile_report, tmp_path))
    page = opened.page
    text = page.locator(".text").first.text_content()
    assert XSS_SCRIPT in text
    assert XSS_IMG in text
    assert page.evaluate("document.scripts.length") == 1
    assert page.evaluate("document.images.length") == 0
    for head in page.locator("mark.flag[data-first]").all():
        head.locator(".badge").click()
    headline = page.locator("blockquote.english").first
    assert headline.text_content() == HEADLINE
    page.wait_for_timeout(100)  # any handler smuggled in would fire by now
    assert opened.dialogs == []
    assert opened.errors == []


def test_narrow_screen_and_print_layouts(hostile_report, tmp_path, open_page):
    opened = open_page(write_report(hostile_report, tmp_path), width=420, height=800)
    page = opened.page
    page.keyboard.press("j")
    flag = page.locator("#flag-1").bounding_box()
    panel = page.locator(".details-panel").first.bounding_box()
    assert panel["width"] > 0.9 * 420  # the whole width, not a column beside the text
    assert panel["y"] + panel["height"] == pytest.approx(800, abs=2)  # docked at the bottom
    assert flag["y"] >= 0 and flag["y"] + flag["height"] <= panel["y"]  # the passage stays in view
    assert page.locator(".keys").is_hidden()

    page.locator('input[data-filter="severity"][value="error"]').uncheck()
    page.emulate_media(media="print")
    assert page.locator(".controls").is_hidden()
    assert all(details.is_visible() for details in page.locator(".flag-details").all())
    assert all(badge.is_visible() for badge in page.locator("mark.flag[data-first] .badge").all())
    assert opened.errors == []


LINKING_ATTRIBUTES = frozenset(
    {"src", "href", "srcset", "action", "formaction", "poster", "data", "background", "xlink:href"}
)


class _ResourceFinder(HTMLParser):
    """Collects every tag attribute that would load or link to another document."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.links += [value or "" for name, value in attrs if name in LINKING_ATTRIBUTES]


def run_check(*args: str) -> str:
    """``qa check`` in-process, as a user runs it; returns its output."""
    result = CliRunner().invoke(cli, ["check", *args, "-q"])
    assert result.exit_code in (0, 1), result.output  # 1: something was flagged
    return result.stdout


def test_corpus_report_is_self_contained_and_small(apertium_available, tmp_path, open_page):
    output = tmp_path / "corpora.html"
    corpus = str(REPO / "corpora")
    run_check(corpus, "--engine", "apertium", "--format", "html", "-o", str(output))
    document = output.read_text(encoding="utf-8")
    assert len(document.encode("utf-8")) < MAX_BYTES

    finder = _ResourceFinder()
    finder.feed(document)
    assert finder.links and all(link.startswith("#") for link in finder.links), finder.links
    assert not finder.tags & {"link", "img", "iframe", "object", "embed", "base"}
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", document, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*[\"']?\s*(?:https?:)?//", document, re.IGNORECASE)
    # The corpus quotes Markdown links; their URLs appear as text only.
    assert "(https://example.org/" in document

    as_json = json.loads(run_check(corpus, "--engine", "apertium", "--format", "json"))
    flagged = [s for a in as_json["articles"] for s in a["segments"] if s["flagged"]]
    opened = open_page(output)
    page = opened.page
    assert opened.requests == [output.as_uri()]  # nothing but the file itself
    assert page.locator("mark.flag[data-first]").count() == len(flagged)
    page.keyboard.press("j")
    shown = page.locator("#flag-1-details").inner_text()
    assert flagged[0]["source"] and flagged[0]["source"] in shown

    # The summary: counts, and the signature once, folded under "How this was checked", with each
    # direction's model and revision in words (how qa feeds Apertium is for the JSON and the cache).
    signature = as_json["signature"]
    totals = [total.inner_text().split() for total in page.locator(".total").all()]
    assert [str(as_json["summary"]["flagged"]), "flagged"] in totals
    assert page.locator(".signature").get_attribute("open") is None
    assert not page.locator(".signature dl").is_visible()
    page.locator(".signature summary").click()
    rows = {
        row.locator("dt").inner_text(): row.locator("dd").inner_text()
        for row in page.locator(".signature dl div").all()
    }
    for direction, model in signature["engine"]["models"].items():
        revision = model["revision"].removesuffix("; one sentence per block, fresh tagger")
        assert revision != model["revision"]  # the JSON keeps it
        assert rows[f"model {direction}"] == f"{model['model']} {revision}"
    assert rows["qa"] == signature["qa"] and rows["flagger"] == signature["flagger"]
    assert rows["chrF settings"].startswith("one reference, case-sensitive, ")
    # sacrebleu's own signature stays only in the row's tooltip, once.
    assert document.count(signature["metrics"]["chrF"]) == 1
    assert page.locator(".signature dd[title]").last.get_attribute("title") == signature["metrics"]["chrF"]
    assert signature["metrics"]["chrF"] not in page.locator("body").inner_text()
    headers = [header.inner_text() for header in page.locator(".article-header").all()]
    for article, header in zip(as_json["articles"], headers, strict=True):
        assert article["source_path"] in header
    assert opened.errors == []


# Reads an element's text in the order the browser lays its characters out, left to right on
# each line, by measuring a range around each character: what a reader sees, not the DOM order.
VISUAL_ORDER = """element => {
    const placed = [];
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let k = 0; k < node.data.length; k++) {
            const range = document.createRange();
            range.setStart(node, k);
            range.setEnd(node, k + 1);
            const box = range.getBoundingClientRect();
            if (box.width > 0) placed.push([Math.round(box.top / 4), box.left, node.data[k]]);
        }
    }
    placed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    return placed.map(p => p[2]).join("");
}"""


def test_bidi_overrides_are_shown_not_obeyed_in_the_browser(tmp_path, open_page):
    """The issue's attack: a right-to-left override makes a flagged "2202" display as "2022",
    and a file name a<U+202E>dm.txt.md display as adm.txt.md; the page shows the override."""
    name = "a\u202edm.txt.md"
    for lang, sentence in (("es", "El plan se aprobó en 2022 tras el pleno."),
                           ("en", "The plan was approved in \u202e2202\u202c after the plenary.")):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / name).write_text(f"---\ntitle: x\n---\n\n{sentence}\n", encoding="utf-8")
    report = qa.check(str(tmp_path), engine=None, cache=False)
    [segment] = [s for s in flagged_segments(report) if s["role"] == "body"]
    assert "\u202e2202\u202c" in segment["text"]  # the JSON keeps the raw text
    assert {reason["signal"] for reason in segment["reasons"]} >= {"numbers", "bidi_control"}

    opened = open_page(write_report(report, tmp_path / "en"))
    page = opened.page
    body = page.eval_on_selector(".text .role-body", VISUAL_ORDER)
    assert "in ⟨U+202E⟩2202⟨U+202C⟩ after" in body and "2022" not in body
    page.locator("mark.flag[data-first] .badge").last.click()
    quote = page.eval_on_selector(".flag-details.is-open blockquote.english", VISUAL_ORDER)
    assert "⟨U+202E⟩2202⟨U+202C⟩" in quote
    file_name = page.eval_on_selector(".article-header h2 code", VISUAL_ORDER)
    assert file_name.endswith("en/a⟨U+202E⟩dm.txt.md")
    # The measure sees what the override does to text shown raw: "2202" reads "2022".
    page.evaluate("""() => { const probe = document.createElement("p");
        probe.textContent = "in \\u202e2202\\u202c after, a\\u202edm.txt.md"; document.body.prepend(probe); }""")
    shown_raw = page.eval_on_selector("body > p:first-child", VISUAL_ORDER)
    assert "in 2022 after" in shown_raw and "adm.txt.md" in shown_raw
    assert opened.errors == []


# ---------------------------------------------------------------- the report for editors (issue 29)

MEETING_ES = "El Departamento General de Estados Unidos se reunió el lunes. El ministro llegó a Rabat el martes."
MEETING_EN = ("The United States General Department for the United States met on Monday. "
              "The minister arrived in Rabat on Tuesday.")
# qa's own names that an editor's page must not show as text (the JSON keeps them).
INTERNAL_TERMS = ("paired by", "file-name", "embedded-headline", "circular_name", "bt_chrf", FEEDING, "nrefs:",
                  "case:mixed")


@pytest.fixture
def meeting(tmp_path) -> Path:
    """One invented pair whose English planted a circular name, paired by file name."""
    folder = tmp_path / "meeting"
    folder.mkdir()
    (folder / "reunion.es.md").write_text(MEETING_ES + "\n", encoding="utf-8")
    (folder / "reunion.en.md").write_text(MEETING_EN + "\n", encoding="utf-8")
    return folder


def test_every_pairing_method_has_plain_words():
    for method in (*PAIRING_METHODS, "sentence-pairs"):
        words = pairing_label(method, "Spanish")
        assert "-" not in words and not words.startswith("paired by"), (method, words)
    assert pairing_label("embedded-headline", "Spanish") == "the Spanish headline left on the page"
    assert pairing_label("some-new-method", "Spanish") == "paired by some-new-method"


def test_the_page_shows_no_internal_terms_and_folds_the_signature_and_machine_rendering(
    meeting, apertium_available, tmp_path, open_page
):
    report = qa.check(str(meeting), engine="apertium")
    [segment] = flagged_segments(report)
    assert segment["back_translation"] and FEEDING in report.signature.short()
    opened = open_page(write_report(report, tmp_path))
    page = opened.page
    signature = page.locator("details.signature")
    assert signature.get_attribute("open") is None and signature.locator("summary").inner_text() == "How this was checked"
    assert "matched by file name" in page.locator(".article-header .meta").inner_text()

    page.keyboard.press("j")
    machine = page.locator("#flag-1-details details.machine")
    assert machine.get_attribute("open") is None
    assert not machine.locator("blockquote.back").is_visible()
    label = machine.locator("summary").inner_text()
    assert "Machine's rough rendering into Spanish" in label and "for reference only" in label
    machine.locator("summary").click()
    assert machine.locator("blockquote.back").inner_text() == segment["back_translation"]
    assert "circular name" in page.locator("#flag-1-details .reasons").inner_text()

    # Everything unfolded, nothing the page shows is one of qa's internal names.
    signature.locator("summary").click()
    shown = page.locator("body").inner_text()
    for term in INTERNAL_TERMS:
        assert term not in shown, term
    assert "apertium-spa-eng" in shown  # the model is still named
    assert opened.errors == []


def test_copy_puts_the_flag_location_on_the_clipboard(meeting, tmp_path, open_page):
    report = qa.check(str(meeting), engine=None)
    [segment] = flagged_segments(report)
    path = report.articles[0].path
    expected = f"{path}:{segment['line']}:{segment['column']}"
    opened = open_page(write_report(report, tmp_path), permissions=["clipboard-read", "clipboard-write"])
    page = opened.page
    page.keyboard.press("j")
    button = page.locator("#flag-1-details button.copy")
    assert button.inner_text() == "Copy location"
    button.click()
    page.wait_for_function("() => document.querySelector('#flag-1-details button.copy').textContent === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == expected
    assert selected_flag(page) == "1"  # copying does not close the details
    assert opened.errors == []


def test_copy_falls_back_to_a_selected_textarea_without_the_clipboard_api(meeting, tmp_path, open_page):
    report = qa.check(str(meeting), engine=None)
    [segment] = flagged_segments(report)
    opened = open_page(write_report(report, tmp_path))
    page = opened.page
    # A browser without navigator.clipboard (an insecure context): the copy command sees the text.
    page.evaluate("""() => { Object.defineProperty(navigator, "clipboard", {value: undefined});
        document.addEventListener("copy", () => { window.copied = document.getSelection().toString(); }); }""")
    page.keyboard.press("j")
    page.locator("#flag-1-details button.copy").click()
    assert page.evaluate("window.copied") == f"{report.articles[0].path}:{segment['line']}:{segment['column']}"
    assert page.locator("textarea").count() == 0  # the buffer is removed again
    assert opened.errors == []


def test_a_one_article_report_shows_its_text_on_a_phones_first_screen(meeting, tmp_path, open_page):
    opened = open_page(write_report(qa.check(str(meeting), engine=None), tmp_path), width=420, height=800)
    first = opened.page.locator(".text .block").first.bounding_box()
    assert first["y"] + first["height"] < 800


# ---------------------------------------------------------------- the terminal's summary line


def _check_on_a_pty(folder: Path, *args: str, pty_for: str) -> tuple[str, str]:
    """``qa check`` as a new process with stdout or stderr on a pseudo-terminal; returns what the
    terminal and the pipe received."""
    leader, follower = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, pty_for: follower}
    with subprocess.Popen([sys.executable, "-m", "qa", "check", "--engine", "none", *args, "--", str(folder)],
                          cwd=folder, **streams) as process:
        os.close(follower)
        seen = bytearray()
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process has exited
                break
            if not chunk:
                break
            seen += chunk
        piped = (process.stderr if pty_for == "stdout" else process.stdout).read()
        process.wait()
    os.close(leader)
    return seen.decode("utf-8"), piped.decode("utf-8")


def test_the_summary_line_drops_the_signature_at_a_terminal_only(meeting):
    on_terminal, _ = _check_on_a_pty(meeting, "-q", pty_for="stdout")
    [summary] = [line for line in on_terminal.splitlines() if " flagged (" in line]
    assert summary.strip().endswith("checked; engine none"), summary
    captured = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "-q", "--", str(meeting)],
                              capture_output=True, text=True, cwd=meeting, check=False)
    assert captured.stdout.splitlines()[-1].startswith(summary.strip())
    assert "; thresholds info 0.40" in captured.stdout.splitlines()[-1]

    # The note line on stderr follows stderr's terminal, while the JSON on stdout stays whole.
    notes, document = _check_on_a_pty(meeting, "--format", "json", pty_for="stderr")
    [note] = [line for line in notes.splitlines() if " flagged (" in line]
    assert note.strip().endswith("checked; engine none"), note
    assert json.loads(document)["summary"]["flagged"] == 1


# ---------------------------------------------------------------- the server's page (render_page)


class _FormReader(HTMLParser):
    """The page's forms: each one's action and its named fields (name -> type, or tag)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "form":
            self.forms.append({"action": found.get("action"), "enctype": found.get("enctype"), "fields": {}})
        elif tag in ("input", "textarea", "button") and found.get("name") and self.forms:
            self.forms[-1]["fields"][found["name"]] = found.get("value") if tag == "input" else tag


def test_the_server_page_holds_the_check_form_and_no_report_before_a_check():
    from qa.report.html import FORM_FIELDS, render_page

    page = render_page(None, csrf="tok<en>", form={"translation": "</textarea><script>alert(1)</script>"},
                       message="Accepted flag 2.", can_accept=True)
    reader = _FormReader()
    reader.feed(page)
    [check] = reader.forms
    assert check["action"] == "check" and check["enctype"] == "multipart/form-data"
    assert set(check["fields"]) == {"csrf", *FORM_FIELDS}
    assert check["fields"]["csrf"] == "tok<en>"
    assert page.count("<script") == 1 and "&lt;/textarea&gt;&lt;script&gt;" in page
    assert "<mark" not in page and "<main" not in page and "report/" not in page
    assert "Accepted flag 2." in page and "baseline file" in page
    assert reader.handlers == []


def test_the_server_page_offers_accept_forms_and_downloads_with_a_report(meeting):
    from qa.report.html import ACCEPT_FIELDS, numbered_flag, page_csp, render_page

    report = qa.check(str(meeting), engine=None)
    page = render_page(report, csrf="tok", report_id="r1", can_accept=True, form={"translation": MEETING_EN})
    reader = _FormReader()
    reader.feed(page)
    check, accept = reader.forms
    assert check["fields"]["csrf"] == "tok"
    assert accept["action"] == "accept" and set(accept["fields"]) == set(ACCEPT_FIELDS) | {"note"}
    assert accept["fields"]["report"] == "r1" and accept["fields"]["flag"] == "1"
    assert 'href="report/r1.html"' in page and 'href="report/r1.json"' in page
    assert reader.handlers == []
    # The header policy allows the page's own script, and only it.
    [script_hash] = re.findall(r"script-src '(sha256-[^']+)'", page)
    assert f"script-src '{script_hash}'" in page_csp() and "form-action 'self'" in page_csp()

    path, segment = numbered_flag(report, 1)
    assert path == report.articles[0].path and segment == flagged_segments(report)[0]
    assert numbered_flag(report, 2) is None and numbered_flag(report, 0) is None

    # Without a report id, or where accepting is off, no Accept form and no downloads.
    for kwargs in ({"report_id": None, "can_accept": True}, {"report_id": "r1", "can_accept": False}):
        reader = _FormReader()
        reader.feed(render_page(report, csrf="tok", **kwargs))
        assert len(reader.forms) == 1
