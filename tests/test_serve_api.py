"""``qa serve``'s JSON API and its limits, on a real uvicorn server on loopback (tests/serving.py):
the same JSON as ``qa check --format json``, the body limit, the token, bad requests, capacity,
the Accept that writes the baseline, and the page's forms. No network: loopback only."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading

import httpx
import pytest
from serving import REPO, running_server, serve_process

CIRCULAR = "The United States General Department for the United States met on Monday."
ORIGINAL = {
    "reunion.es.md": "El Departamento General de Estados Unidos se reunió el lunes.\n\n"
                     "El alcalde Juan Pérez inauguró en Sevilla un puente de 300 metros.\n\n"
                     "La ministra Ana López llegó a Rabat el 12 de marzo.\n",
}
TRANSLATION = {
    "reunion.en.md": f"{CIRCULAR}\n\nMayor Juan Pérez opened a 300-metre bridge in Seville.\n\n"
                     "Minister Ana López arrived in Rabat on 12 March.\n",
}


@pytest.fixture
def repo(tmp_path, monkeypatch, git_identity):
    """A content repository (git, qa.toml with engine none) with one article pair; the current folder."""
    folder = tmp_path / "content"
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    (folder / "qa.toml").write_text('engine = "none"\n', encoding="utf-8")
    for name, text in {**ORIGINAL, **TRANSLATION}.items():
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(folder)
    return folder


def cli_json(folder, *names, engine="none", options=()) -> str:
    """What ``qa check --format json`` prints for ``names`` in ``folder``."""
    done = subprocess.run([sys.executable, "-m", "qa", "check", "--engine", engine, "--format", "json", "-q",
                           *options, "--", *names], cwd=folder, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def pair_body(folder, source="reunion.es.md", target="reunion.en.md") -> dict:
    return {"original": {"name": source, "text": (folder / source).read_text(encoding="utf-8")},
            "translation": {"name": target, "text": (folder / target).read_text(encoding="utf-8")}}


def test_api_check_answers_what_qa_check_prints(repo):
    expected = cli_json(repo, "reunion.es.md", "reunion.en.md")
    with running_server(repo) as served:
        answer = httpx.post(f"{served.url}/api/check", json=pair_body(repo))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.text == expected
    assert json.loads(answer.text)["summary"]["flagged"] == 1


def test_api_check_with_apertium_answers_what_qa_check_prints(repo, apertium_available):
    expected = cli_json(repo, "reunion.es.md", "reunion.en.md", engine="apertium")
    with running_server(repo, options={"engine": "apertium"}) as served:
        health = httpx.get(f"{served.url}/api/health").json()
        answer = httpx.post(f"{served.url}/api/check", json=pair_body(repo), timeout=60)
    assert health["engine"] == "apertium" and "apertium" in health["model"]
    assert answer.status_code == 200
    assert answer.text == expected


def test_default_names_pair_a_pasted_original_and_translation(repo):
    (repo / "article.es.txt").write_text(ORIGINAL["reunion.es.md"], encoding="utf-8")
    (repo / "article.en.txt").write_text(TRANSLATION["reunion.en.md"], encoding="utf-8")
    expected = cli_json(repo, "article.es.txt", "article.en.txt")
    with running_server(repo) as served:
        answer = httpx.post(f"{served.url}/api/check", json={"original": {"text": ORIGINAL["reunion.es.md"]},
                                                             "translation": {"text": TRANSLATION["reunion.en.md"]}})
    assert answer.text == expected
    assert json.loads(answer.text)["articles"][0]["source_path"] == "article.es.txt"


def test_twenty_requests_at_once_are_all_answered_as_qa_check_answers(repo):
    expected = cli_json(repo, "reunion.es.md", "reunion.en.md")

    async def twenty(url: str) -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            return await asyncio.gather(*(client.post("/api/check", json=pair_body(repo)) for _ in range(20)))

    with running_server(repo) as served:
        answers = asyncio.run(twenty(served.url))
    assert [answer.status_code for answer in answers] == [200] * 20
    assert all(answer.text == expected for answer in answers)


def test_past_capacity_the_answer_is_503_with_retry_after_before_any_work(repo):
    with running_server(repo, capacity=1) as served:
        release = threading.Event()
        blocked = served.state.thread.submit(release.wait)  # the check thread is busy until released
        first: dict[str, httpx.Response] = {}
        waiting = threading.Thread(target=lambda: first.setdefault(
            "answer", httpx.post(f"{served.url}/api/check", json=pair_body(repo), timeout=60)))
        waiting.start()
        while served.state.slots.busy == 0:  # the first request holds the one slot, queued for the thread
            waiting.join(0.01)
        second = httpx.post(f"{served.url}/api/check", json=pair_body(repo))
        health = httpx.get(f"{served.url}/api/health").json()
        release.set()
        waiting.join()
        blocked.result()
    assert second.status_code == 503
    assert second.headers["retry-after"].isdigit()
    assert "busy" in second.json()["error"]
    assert health["busy"] == 1 and health["capacity"] == 1
    assert first["answer"].status_code == 200


def test_a_body_over_the_limit_is_413_whether_declared_or_streamed(repo):
    with running_server(repo, max_body=1000) as served:
        declared = httpx.post(f"{served.url}/api/check", content=b"x" * 1001,
                              headers={"Content-Type": "application/json"})
        streamed = httpx.post(f"{served.url}/api/check", content=iter([b"{" + b" " * 600, b" " * 600 + b"}"]),
                              headers={"Content-Type": "application/json"})
        under = httpx.post(f"{served.url}/api/check", json={"translation": {"text": CIRCULAR, "name": "a.en.txt"}})
    assert declared.status_code == 413 and "1000 bytes" in declared.json()["error"]
    assert "content-length" not in {key.lower() for key in streamed.request.headers}
    assert streamed.status_code == 413
    assert under.status_code == 200


def test_the_default_limit_refuses_three_megabytes(repo):
    with running_server(repo) as served:
        answer = httpx.post(f"{served.url}/api/check", content=b"x" * (3 * 2**20),
                            headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


@pytest.mark.parametrize(("body", "words"), [
    (b"{not json", "not JSON"),
    (b"[]", "must be a JSON object"),
    (b'{"original": {"text": "Hola."}}', '"translation" is missing'),
    (b'{"translation": {"text": "Hello."}, "orignal": {}}', "unknown field 'orignal'"),
    (b'{"translation": {"text": "Hello.", "url": "http://example.org/"}}', 'one of "text" and "url"'),
    (b'{"translation": {"text": 5}}', "must be a string"),
    (b'{"translation": {"text": "Hello.", "name": "../etc/passwd"}}', "not a usable name"),
    (b'{"translation": {"text": "Hello.", "name": "/etc/passwd"}}', "not a usable name"),
    (b'{"translation": {"text": "Hello.", "name": "a.en.md"}, "original": {"text": "Hola.", "name": "a.en.md"}}',
     "different names"),
    (b'{"translation": {"text": "   "}}', "empty"),
    (b'{"translation": {"text": "Hello\\u0000 there."}}', "binary"),
    (b'{"translation": {"text": "Hello \\ud800 there."}}', "not valid UTF-8"),
])
def test_a_bad_request_is_400_with_one_line(repo, body, words):
    with running_server(repo) as served:
        answer = httpx.post(f"{served.url}/api/check", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert words in error and "\n" not in error


def test_a_name_is_only_a_label_and_never_opened(repo):
    (repo / "secret.en.md").write_text("Nothing here should be read by the server.\n", encoding="utf-8")
    with running_server(repo) as served:
        answer = httpx.post(f"{served.url}/api/check", json={"translation": {"text": CIRCULAR, "name": "secret.en.md"}})
    report = answer.json()
    assert answer.status_code == 200
    assert [segment["text"] for segment in report["articles"][0]["segments"]] == [CIRCULAR]


def test_api_posts_must_be_json_and_from_no_other_site(repo):
    with running_server(repo) as served:
        form = httpx.post(f"{served.url}/api/check", data={"translation": "Hello."})
        foreign = httpx.post(f"{served.url}/api/check", json={"translation": {"text": CIRCULAR}},
                             headers={"Origin": "http://attacker.example"})
        rebound = httpx.get(f"{served.url}/api/health", headers={"Host": "attacker.example"})
    assert form.status_code == 415
    assert foreign.status_code == 403
    assert rebound.status_code == 400 and "attacker.example" in rebound.json()["error"]


def test_accept_writes_the_baseline_and_the_flag_is_gone_from_the_next_check(repo):
    body = pair_body(repo)
    with running_server(repo) as served:
        first = httpx.post(f"{served.url}/api/check", json=body).json()
        article = first["articles"][0]
        flagged = [segment for segment in article["segments"] if segment["severity"]]
        accepted = httpx.post(f"{served.url}/api/accept", json={"name": article["path"], "segment": flagged[0],
                                                                "note": "the agency's own name"})
        second = httpx.post(f"{served.url}/api/check", json=body).json()
    assert accepted.status_code == 200, accepted.text
    written = json.loads((repo / ".qa-baseline.json").read_text(encoding="utf-8"))
    entries = written["entries"]
    assert [(entry["path"], entry["signal"], entry["note"]) for entry in entries] == [
        ("reunion.en.md", flagged[0]["reasons"][0]["signal"], "the agency's own name")]
    assert accepted.json()["baseline"] == ".qa-baseline.json"
    assert first["summary"]["flagged"] == 1
    assert second["summary"]["flagged"] == 0 and second["summary"]["accepted"]
    assert cli_json(repo, "reunion.es.md", "reunion.en.md", options=("--baseline", ".qa-baseline.json")) == \
        json.dumps(second, ensure_ascii=False, indent=2) + "\n"


def test_accept_refuses_what_is_not_a_flagged_segment_and_unsafe_names(repo):
    with running_server(repo) as served:
        article = httpx.post(f"{served.url}/api/check", json=pair_body(repo)).json()["articles"][0]
        clean = next(segment for segment in article["segments"] if not segment["severity"])
        unflagged = httpx.post(f"{served.url}/api/accept", json={"name": "reunion.en.md", "segment": clean})
        unsafe = httpx.post(f"{served.url}/api/accept", json={"name": "../x.en.md", "segment": article["segments"][0]})
        shapeless = httpx.post(f"{served.url}/api/accept", json={"name": "reunion.en.md"})
    assert unflagged.status_code == 400 and "flagged" in unflagged.json()["error"]
    assert unsafe.status_code == 400 and "not a usable name" in unsafe.json()["error"]
    assert shapeless.status_code == 400
    assert not (repo / ".qa-baseline.json").exists()


def test_outside_a_repository_there_is_no_accept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with running_server(tmp_path, options={"engine": "none"}) as served:
        answer = httpx.post(f"{served.url}/api/accept", json={"name": "a.en.md", "segment": {}})
    assert served.baseline is None
    assert answer.status_code == 403 and "repository" in answer.json()["error"]


def test_health_names_the_engine_and_the_signature_of_the_reports(repo):
    with running_server(repo) as served:
        health = httpx.get(f"{served.url}/api/health").json()
        report = httpx.post(f"{served.url}/api/check", json=pair_body(repo)).json()
    assert health["engine"] == "none" and health["model"] is None
    assert health["signature"] == report["signature"]
    assert health["capacity"] == 32 and health["busy"] == 0


def test_openapi_describes_every_api_route(repo):
    with running_server(repo) as served:
        document = httpx.get(f"{served.url}/openapi.json").json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {"/api/check", "/api/accept", "/api/health"}
    check = document["paths"]["/api/check"]["post"]
    assert check["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/CheckRequest"
    assert {"400", "401", "413", "415", "503"} <= set(check["responses"])
    assert set(document["components"]["schemas"]["CheckRequest"]["properties"]) == {"translation", "original"}


def test_the_page_checks_a_form_accepts_a_flag_and_offers_downloads(repo):
    with running_server(repo) as served, httpx.Client(base_url=served.url) as client:
        csrf = served.state.csrf
        page = client.get("/")
        fields = {"translation": TRANSLATION["reunion.en.md"], "original": ORIGINAL["reunion.es.md"],
                  "translation_name": "reunion.en.md", "original_name": "reunion.es.md"}
        forged = client.post("/check", data=fields)
        checked = client.post("/check", data={**fields, "csrf": csrf}, headers={"Origin": served.url})
        report_id = checked.text.split("report/", 1)[1].split(".", 1)[0]
        download = client.get(f"/report/{report_id}.json")
        html = client.get(f"/report/{report_id}.html")
        accepted = client.post("/accept", data={"csrf": csrf, "report": report_id, "flag": "1", "note": "house name"})
    assert page.status_code == 200 and csrf in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert forged.status_code == 403
    assert checked.status_code == 200 and "United States General Department" in checked.text
    assert download.text == cli_json(repo, "reunion.es.md", "reunion.en.md")
    assert download.headers["content-disposition"].startswith("attachment")
    assert html.status_code == 200 and html.headers["content-disposition"].startswith("attachment")
    assert accepted.status_code == 200 and "Accepted flag 1" in accepted.text
    entries = json.loads((repo / ".qa-baseline.json").read_text(encoding="utf-8"))["entries"]
    assert [entry["note"] for entry in entries] == ["house name"]


def test_a_page_upload_is_checked_as_the_file_it_came_from_and_nothing_is_written(repo):
    expected = cli_json(repo, "reunion.es.md", "reunion.en.md")
    before = sorted(path.relative_to(repo) for path in repo.rglob("*") if ".git" not in path.parts)
    with running_server(repo) as served, httpx.Client(base_url=served.url) as client:
        checked = client.post("/check", data={"csrf": served.state.csrf}, files={
            "translation_file": ("reunion.en.md", TRANSLATION["reunion.en.md"].encode(), "text/markdown"),
            "original_file": ("reunion.es.md", ORIGINAL["reunion.es.md"].encode(), "text/markdown")})
        report_id = checked.text.split("report/", 1)[1].split(".", 1)[0]
        download = client.get(f"/report/{report_id}.json")
    assert checked.status_code == 200
    assert download.text == expected
    assert sorted(path.relative_to(repo) for path in repo.rglob("*") if ".git" not in path.parts) == before


def test_a_token_guards_a_server_other_machines_can_reach(repo):
    with serve_process("--host", "0.0.0.0", "--token", "t0ken", "--engine", "none", cwd=repo) as served:
        assert served.url is not None, served.stderr
        local = served.url.replace("0.0.0.0", "127.0.0.1")
        without = httpx.get(f"{local}/api/health")
        wrong = httpx.get(f"{local}/api/health", headers={"Authorization": "Bearer t0kem"})
        with_token = httpx.get(f"{local}/api/health", headers={"Authorization": "Bearer t0ken"})
        checked = httpx.post(f"{local}/api/check", json=pair_body(repo), headers={"Authorization": "Bearer t0ken"})
        browser = httpx.Client(base_url=local)
        opened = browser.get("/?token=t0ken")
        page = browser.get("/")
    assert without.status_code == 401 and without.headers["www-authenticate"] == "Bearer"
    assert wrong.status_code == 401
    assert with_token.status_code == 200
    assert checked.status_code == 200 and checked.text == cli_json(repo, "reunion.es.md", "reunion.en.md")
    assert opened.status_code == 303 or opened.history[0].status_code == 303
    cookie = (opened.history[0] if opened.history else opened).headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert page.status_code == 200


def test_another_host_without_a_token_is_refused_in_one_line(repo):
    with serve_process("--host", "0.0.0.0", "--engine", "none", cwd=repo, env={"QA_SERVE_TOKEN": ""}) as served:
        pass
    assert served.url is None
    assert served.returncode == 2
    assert served.stderr == "qa: error: --host 0.0.0.0 lets other machines in: give --token TOKEN " \
                            "(or set QA_SERVE_TOKEN)\n"


def test_loopback_serves_without_a_token_and_stops_cleanly(repo):
    with serve_process("--engine", "none", cwd=repo) as served:
        assert served.url is not None and served.url.startswith("http://127.0.0.1:")
        health = httpx.get(f"{served.url}/api/health")
    assert health.status_code == 200
    assert served.returncode == 0  # SIGTERM is how a server is stopped, not an error


def test_a_port_in_use_is_one_line(repo):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = str(taken.getsockname()[1])
    try:
        with serve_process("--engine", "none", "--port", port, cwd=repo) as served:
            pass
    finally:
        taken.close()
    assert served.url is None and served.returncode == 2
    assert served.stderr.splitlines()[-1].startswith(f"qa: error: cannot listen on 127.0.0.1:{port} (")


@pytest.mark.parametrize(("written", "size"), [("2MB", 2 * 2**20), ("500kB", 500 * 2**10), ("1048576", 2**20),
                                               ("1.5M", 3 * 2**19), ("64 KiB", 64 * 2**10)])
def test_max_body_reads_sizes(written, size):
    from qa.cli.serve import parse_size

    assert parse_size(written) == size


@pytest.mark.parametrize("written", ["", "2GB", "-1", "0", "lots"])
def test_max_body_refuses_what_is_not_a_size(written):
    from qa.cli.serve import parse_size

    with pytest.raises(ValueError, match="size"):
        parse_size(written)


def test_without_the_serve_extra_qa_serve_says_what_to_install(tmp_path):
    hide = "import sys; sys.modules['uvicorn'] = None; from qa.cli import main; sys.argv = ['qa', 'serve']; main()"
    done = subprocess.run([sys.executable, "-c", hide], cwd=tmp_path, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 2
    assert done.stderr == "qa: error: qa serve needs pip install 'newsroom-qa[serve]'\n"
