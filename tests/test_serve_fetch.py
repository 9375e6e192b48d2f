"""Fetching an article by URL (qa/serve/fetch.py), through a real ``qa serve`` app and directly:
only http(s), never an address inside the network unless qa.toml's ``fetch-allow`` names it
(redirects vetted too), bounded in time and size. Pages come from a loopback server
(tests/serving.py); no test reaches the network (refused addresses are refused before any
connection)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import socket
import subprocess
import sys

import httpx
import pytest
from serving import REPO, page_server, running_server

from qa.serve.fetch import FetchRefused, closed_kind, fetch, parse_networks

PAGE_TEXT = ("The United States General Department for the United States met on Monday.\n\n"
             "Mayor Juan Pérez opened a 300-metre bridge in Seville.\n")
PAGE_HTML = """<!doctype html>
<html lang="en"><head><title>Bridge</title></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
<article>
<h1>Mayor opens a bridge in Seville</h1>
<p class="byline">By Ana Ruiz</p>
<p>The United States General Department for the United States met on Monday.</p>
<p>Mayor Juan Pérez opened a 300-metre bridge in Seville on Tuesday, after four years of work.</p>
<p>Minister Ana López arrived in Rabat on 12 March for two days of talks.</p>
</article>
<footer><p>All rights reserved.</p></footer>
</body></html>
"""


@pytest.fixture
def pages(tmp_path):
    """A folder of pages to serve."""
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "bridge.en.txt").write_text(PAGE_TEXT, encoding="utf-8")
    (folder / "bridge.en.html").write_text(PAGE_HTML, encoding="utf-8")
    (folder / "big.en.txt").write_text("A sentence of a long page.\n" * 200, encoding="utf-8")
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return folder


def content_repo(folder, allow: str = ""):
    """A content repository at ``folder`` (engine none; ``fetch-allow`` when given)."""
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / "qa.toml").write_text(f'engine = "none"\n{allow}\n', encoding="utf-8")
    return folder


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A content repository whose qa.toml allows nothing beyond public addresses."""
    monkeypatch.chdir(content_repo(tmp_path / "content"))
    return tmp_path / "content"


@pytest.fixture
def allowing_repo(tmp_path, monkeypatch):
    """A content repository whose qa.toml lets the server fetch from 127.0.0.1."""
    monkeypatch.chdir(content_repo(tmp_path / "content", 'fetch-allow = ["127.0.0.1/32"]'))
    return tmp_path / "content"


def cli_json(folder, *names) -> str:
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", "none", "--format", "json", "-q", "--",
                           *names], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.0.0.1", "private"), ("192.168.1.20", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("240.0.0.1", "reserved"),
    ("::ffff:10.0.0.1", "private"), ("100.64.0.1", "non-public"), ("93.184.216.34", None),
    ("2606:4700::1111", None),
])
def test_each_kind_of_inside_address_is_named(address, kind):
    assert closed_kind(ipaddress.ip_address(address)) == kind


def test_refused_urls_are_400_and_nothing_is_fetched(repo, pages):
    seen: list[str] = []
    with page_server(pages, hosts_seen=seen) as base, running_server(repo) as served:
        port = base.rsplit(":", 1)[1]
        urls = {
            "http://10.0.0.1/news": "refused: 10.0.0.1 is a private address (fetch-allow in qa.toml can allow it)",
            f"{base}/bridge.en.txt": "refused: 127.0.0.1 is a loopback address",
            f"http://localhost:{port}/bridge.en.txt": "is a loopback address",
            f"http://[::1]:{port}/bridge.en.txt": "refused: ::1 is a loopback address",
            f"http://0.0.0.0:{port}/bridge.en.txt": "refused: 0.0.0.0 is an unspecified address",
            "http://169.254.169.254/latest/meta-data/": "refused: 169.254.169.254 is a link-local address",
            "http://[::ffff:10.0.0.1]/": "refused: 10.0.0.1 is a private address",
            "file:///etc/passwd": "only http and https URLs are fetched, not file",
            "gopher://example.org/1": "only http and https URLs are fetched, not gopher",
            "http:///news": "the URL names no host",
        }
        answers = {url: httpx.post(f"{served.url}/api/check", json={"translation": {"url": url}}) for url in urls}
    for url, words in urls.items():
        assert answers[url].status_code == 400, url
        assert words in answers[url].json()["error"], (url, answers[url].json())
    assert seen == []


def test_a_redirect_to_an_inside_address_is_refused(allowing_repo, pages):
    seen: list[str] = []
    with page_server(pages, redirects={"/moved": "http://10.1.2.3/admin"}, hosts_seen=seen) as base, \
            running_server(allowing_repo) as served:
        answer = httpx.post(f"{served.url}/api/check", json={"translation": {"url": f"{base}/moved"}})
    assert answer.status_code == 400
    assert answer.json()["error"] == "refused: 10.1.2.3 is a private address (fetch-allow in qa.toml can allow it)"
    assert len(seen) == 1  # the redirect was read; its target never was


def test_fetch_allow_lets_a_loopback_page_be_fetched_and_checked(allowing_repo, pages):
    (allowing_repo / "article.en.txt").write_text(PAGE_TEXT, encoding="utf-8")
    expected = cli_json(allowing_repo, "article.en.txt")
    with page_server(pages, redirects={"/old": "/bridge.en.txt"}) as base, running_server(allowing_repo) as served:
        fetched = httpx.post(f"{served.url}/api/check", json={"translation": {"url": f"{base}/bridge.en.txt"}})
        redirected = httpx.post(f"{served.url}/api/check", json={"translation": {"url": f"{base}/old"}})
        named = httpx.post(f"{served.url}/api/check",
                           json={"translation": {"url": f"{base}/bridge.en.txt", "name": "news/bridge.en.txt"}})
    assert fetched.status_code == 200, fetched.text
    assert fetched.text == expected
    assert json.loads(fetched.text)["summary"]["flagged"] == 1
    assert redirected.text == expected
    assert [article["path"] for article in json.loads(named.text)["articles"]] == ["news/bridge.en.txt"]


def test_an_html_page_by_url_is_checked_as_qa_check_reads_the_file(allowing_repo, pages):
    (allowing_repo / "article.en.html").write_text(PAGE_HTML, encoding="utf-8")
    expected = cli_json(allowing_repo, "article.en.html")
    with page_server(pages) as base, running_server(allowing_repo) as served:
        answer = httpx.post(f"{served.url}/api/check", json={"translation": {"url": f"{base}/bridge.en.html"}})
    assert answer.status_code == 200, answer.text
    assert answer.text == expected
    report = json.loads(answer.text)
    assert report["articles"][0]["path"] == "article.en.html"
    flagged = [segment["text"] for segment in report["articles"][0]["segments"] if segment["severity"]]
    assert flagged == ["The United States General Department for the United States met on Monday."]


def test_the_page_form_takes_a_url(allowing_repo, pages):
    with page_server(pages) as base, running_server(allowing_repo) as served:
        page = httpx.post(f"{served.url}/check", data={"csrf": served.state.csrf,
                                                       "translation_url": f"{base}/bridge.en.txt"})
        refused = httpx.post(f"{served.url}/check", data={"csrf": served.state.csrf,
                                                          "translation_url": "http://10.0.0.1/"})
    assert page.status_code == 200 and "United States General Department" in page.text
    assert refused.status_code == 400 and "10.0.0.1 is a private address" in refused.text


def test_the_host_name_is_sent_while_the_vetted_address_is_dialled(pages):
    seen: list[str] = []
    with page_server(pages, hosts_seen=seen) as base:
        port = base.rsplit(":", 1)[1]
        page = asyncio.run(fetch(f"http://localhost:{port}/bridge.en.txt",
                                 parse_networks(["127.0.0.0/8", "::1/128"])))
    assert page.text == PAGE_TEXT and page.media_type == "text/plain"
    assert seen == [f"localhost:{port}"]


def test_a_page_over_the_size_limit_is_refused(pages):
    with page_server(pages) as base, pytest.raises(FetchRefused, match="the page is over 1000 bytes"):
        asyncio.run(fetch(f"{base}/big.en.txt", parse_networks(["127.0.0.1/32"]), max_bytes=1000))


def test_only_text_and_html_are_fetched(pages):
    with page_server(pages) as base:
        with pytest.raises(FetchRefused, match=r"not a text or HTML page \(image/png\)"):
            asyncio.run(fetch(f"{base}/picture.png", parse_networks(["127.0.0.1/32"])))
        with pytest.raises(FetchRefused, match="the server answered 404"):
            asyncio.run(fetch(f"{base}/missing.html", parse_networks(["127.0.0.1/32"])))


def test_a_redirect_loop_ends(pages):
    with page_server(pages, redirects={"/a": "/b", "/b": "/a"}) as base, \
            pytest.raises(FetchRefused, match="more than 5 redirects"):
        asyncio.run(fetch(f"{base}/a", parse_networks(["127.0.0.1/32"])))


def test_a_server_that_never_answers_is_given_up_on():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # connections wait in the backlog; nothing is ever read or written
    try:
        with pytest.raises(FetchRefused, match=r"no answer within 0\.3 s"):
            asyncio.run(fetch(f"http://127.0.0.1:{silent.getsockname()[1]}/", parse_networks(["127.0.0.1/32"]),
                              timeout=0.3))
    finally:
        silent.close()

