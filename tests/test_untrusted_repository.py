"""A pull request to a content repository must not run code, read secrets or switch the check
off (issue 26, items 1, 2, 3 and 8). Each test makes the attack itself in a real git repository
and runs the real ``qa`` command on it, as the CI step ``qa check -- content/`` does:

1. a ``content/qa.toml`` naming a hostile Dask scheduler (a real scheduler and worker on
   loopback; the worker's preload marks every task it runs and answers with a pickle that runs
   code in the client);
2. real symbolic links to ``/etc/passwd``, to a secrets file, to ``.git/config``, to ``/etc``
   and to ``/``, and a folder qa may not list;
3. a ``content/qa.toml`` that ignores everything, never fails or raises the threshold;
8. 1,300 nested folders.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import need

import qa
from qa.config import SettingsWarning, load_settings
from qa.corpus import discover
from qa.errors import InputWarning

QA = Path(sys.executable).parent / "qa"
DASK = Path(sys.executable).parent / "dask"
ES = """---
title: Reunión del ministerio
lang: es
translationKey: reunion
---

El Ministerio de Hacienda se reunió el lunes con los sindicatos.

Ambas partes estudiarán la cooperación en el ámbito digital.
"""
EN = """---
title: Ministry meeting
lang: en
translationKey: reunion
---

The Ministry of Finance of the Ministry of Finance met on Monday with the unions.

Both sides will study cooperation on both sides in the digital field.
"""
GARBLED = "The Ministry of Finance of the Ministry of Finance met on Monday with the unions."
REFUSED = ("qa: warning: content/qa.toml: settings below the repository root are not read "
           "(qa reads only ./qa.toml); move them there")
# What actions/checkout leaves in .git/config: the token a pull request must never see.
TOKEN_HEADER = "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA=="
SECRET = "DEPLOY_KEY=ghs_not_for_pull_requests_4242"


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without any scheduler or Dask TLS setting, plus ``extra``."""
    kept = {key: value for key, value in os.environ.items()
            if key != "QA_SCHEDULER" and not key.startswith("DASK_")}
    return {**kept, **extra}


def run_qa(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([QA, *args], cwd=root, capture_output=True, text=True, timeout=300, check=False,
                          env=env or clean_environment())


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, timeout=60)


def content_repository(root: Path, settings: str = 'engine = "none"\n') -> Path:
    """A git repository with one garbled article pair in content/es and content/en and the root
    settings ``settings``: what a newsroom's content repository looks like to its CI."""
    need(shutil.which("git") is not None, "git is not installed")
    for lang, text in (("es", ES), ("en", EN)):
        (root / "content" / lang).mkdir(parents=True)
        (root / "content" / lang / "reunion.md").write_text(text, encoding="utf-8")
    (root / "qa.toml").write_text(settings, encoding="utf-8")
    git(root, "init", "-q")
    return root


def stderr_lines(done: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in done.stderr, done.stderr
    return done.stderr.splitlines()


# --- 1. A scheduler named in a subfolder's qa.toml ----------------------------------------

HOSTILE_WORKER = '''
"""A hostile Dask worker preload: it marks every task it runs and, when HOSTILE_ANSWERS is set,
answers with a pickle that runs code in the client before it hands back the real result."""
import os
import pickle
from pathlib import Path

from distributed import WorkerPlugin

MARKERS = Path(os.environ["HOSTILE_MARKERS"])


class Payload:
    def __init__(self, original):
        self.original = original

    def __reduce__(self):
        marker = str(MARKERS / "ran-in-the-client")
        code = (f"(__import__('pathlib').Path({marker!r}).write_text(str(__import__('os').getpid())), "
                f"__import__('pickle').loads({pickle.dumps(self.original)!r}))[1]")
        return (eval, (code,))


class Hostile(WorkerPlugin):
    def setup(self, worker):
        self.worker = worker

    def transition(self, key, start, finish, **kwargs):
        if finish == "memory":
            (MARKERS / "ran-on-the-worker").write_text(str(key))
            if os.environ.get("HOSTILE_ANSWERS"):
                self.worker.data[key] = Payload(self.worker.data[key])


async def dask_setup(worker):
    await worker.plugin_add(Hostile(), name="hostile")
'''

SCHEDULER_SPY = '''
"""A scheduler preload that writes down every client and worker that connects."""
import os
from pathlib import Path

from distributed.diagnostics.plugin import SchedulerPlugin

LOG = Path(os.environ["SPY_LOG"])


class Spy(SchedulerPlugin):
    def add_client(self, scheduler, client):
        with LOG.open("a") as out:
            out.write(f"client {client}\\n")

    def add_worker(self, scheduler, worker):
        with LOG.open("a") as out:
            out.write(f"worker {worker}\\n")


def dask_setup(scheduler):
    scheduler.add_plugin(Spy())
'''


class Cluster:
    """A Dask scheduler and one worker on loopback, started from ``.venv/bin/dask``, with the
    spy on the scheduler and the hostile preload on the worker."""

    def __init__(self, folder: Path, *, hostile_answers: bool, tls: list[str] | None = None) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.markers = folder / "markers"
        self.markers.mkdir()
        self.log = folder / "spy.log"
        (folder / "hostile_worker.py").write_text(HOSTILE_WORKER, encoding="utf-8")
        (folder / "scheduler_spy.py").write_text(SCHEDULER_SPY, encoding="utf-8")
        env = clean_environment(HOSTILE_MARKERS=str(self.markers), SPY_LOG=str(self.log),
                                **({"HOSTILE_ANSWERS": "1"} if hostile_answers else {}))
        tls = tls or []
        scheduler_file = folder / "scheduler.json"
        self.processes = [subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file",
             scheduler_file, "--preload", folder / "scheduler_spy.py", *(["--protocol", "tls", *tls] if tls else [])],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            _wait_for(lambda: scheduler_file.is_file() and scheduler_file.stat().st_size > 0, "the scheduler")
            self.address = json.loads(scheduler_file.read_text())["address"]
            self.processes.append(subprocess.Popen(
                [DASK, "worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                 "--preload", folder / "hostile_worker.py", *tls],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            # Ready when the worker registers: the test itself never connects as a client.
            _wait_for(lambda: "worker " in self.seen(), "the worker")
        except BaseException:
            self.stop()
            raise

    def seen(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def clients(self) -> list[str]:
        return [line for line in self.seen().splitlines() if line.startswith("client ")]

    def forget(self) -> None:
        """Start a test afresh: no marker, no client written down."""
        for marker in self.markers.iterdir():
            marker.unlink()
        self.log.write_text("".join(line + "\n" for line in self.seen().splitlines() if line.startswith("worker ")))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)


def _wait_for(condition, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not start")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def hostile_cluster(tmp_path_factory) -> Iterator[Cluster]:
    cluster = Cluster(tmp_path_factory.mktemp("hostile-cluster"), hostile_answers=True)
    try:
        yield cluster
    finally:
        cluster.stop()


def test_a_scheduler_in_a_subfolder_qa_toml_is_never_contacted(tmp_path, hostile_cluster):
    hostile_cluster.forget()
    root = content_repository(tmp_path)
    without = run_qa(root, "check", "--", "content/")
    assert without.returncode == 1, without.stderr
    (root / "content" / "qa.toml").write_text(f'scheduler = "{hostile_cluster.address}"\n', encoding="utf-8")

    attacked = run_qa(root, "check", "--", "content/")

    assert REFUSED in stderr_lines(attacked)
    assert stderr_lines(attacked).count(REFUSED) == 1
    assert (attacked.returncode, attacked.stdout) == (without.returncode, without.stdout)  # checked here, as before
    assert GARBLED in attacked.stdout
    assert hostile_cluster.clients() == []  # qa never connected
    assert list(hostile_cluster.markers.iterdir()) == []  # no task ran, no answer was unpickled


def test_the_root_settings_scheduler_is_used_and_must_be_trusted(tmp_path, hostile_cluster):
    """The positive control: named by the root qa.toml, the same scheduler gets the work, and its
    worker's answer runs code in qa's own process. That is why only the root, the environment and
    the command line may name one, and why the README says a scheduler must be trusted."""
    hostile_cluster.forget()
    root = content_repository(tmp_path, f'engine = "none"\nscheduler = "{hostile_cluster.address}"\n')
    process = subprocess.Popen([QA, "check", "--", "content/"], cwd=root, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=clean_environment())
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 1, stderr
    assert GARBLED in stdout
    assert len(hostile_cluster.clients()) == 1
    assert (hostile_cluster.markers / "ran-on-the-worker").exists()
    assert (hostile_cluster.markers / "ran-in-the-client").read_text() == str(process.pid)


def test_qa_scheduler_in_the_environment_names_the_scheduler(tmp_path, hostile_cluster):
    hostile_cluster.forget()
    root = content_repository(tmp_path)
    done = run_qa(root, "check", "--", "content/", env=clean_environment(QA_SCHEDULER=hostile_cluster.address))
    assert done.returncode == 1, done.stderr
    assert (hostile_cluster.markers / "ran-on-the-worker").exists()
    shown = run_qa(root, "config", "--format", "json", env=clean_environment(QA_SCHEDULER=hostile_cluster.address))
    document = json.loads(shown.stdout)
    assert document["settings"]["scheduler"] == hostile_cluster.address
    assert document["sources"]["scheduler"] == "$QA_SCHEDULER"


def _certificates(folder: Path) -> dict[str, Path]:
    """A self-signed CA and one certificate it signed for 127.0.0.1, made with the openssl CLI."""
    need(shutil.which("openssl") is not None, "the openssl command is needed to make TLS certificates")
    files = {name: folder / name for name in ("ca.pem", "ca.key", "node.pem", "node.key", "node.csr", "san.cnf")}
    files["san.cnf"].write_text("subjectAltName=IP:127.0.0.1\n", encoding="utf-8")
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", files["ca.key"], "-out", files["ca.pem"],
         "-days", "2", "-subj", "/CN=qa test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", files["node.key"], "-out", files["node.csr"],
         "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", files["node.csr"], "-CA", files["ca.pem"], "-CAkey", files["ca.key"],
         "-CAcreateserial", "-out", files["node.pem"], "-days", "2", "-extfile", files["san.cnf"]],
    ):
        subprocess.run(["openssl", *command], check=True, capture_output=True, timeout=60)
    return files


def test_a_tls_scheduler_works_with_dasks_own_tls_settings(tmp_path):
    tls = _certificates(tmp_path)
    cluster = Cluster(tmp_path / "cluster", hostile_answers=False,
                      tls=["--tls-ca-file", str(tls["ca.pem"]), "--tls-cert", str(tls["node.pem"]),
                           "--tls-key", str(tls["node.key"])])
    try:
        assert cluster.address.startswith("tls://127.0.0.1:")
        root = content_repository(tmp_path / "site")
        dask_tls = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(tls["ca.pem"]),
                    "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(tls["node.pem"]),
                    "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(tls["node.key"])}
        done = run_qa(root, "check", "--", "content/", env=clean_environment(QA_SCHEDULER=cluster.address, **dask_tls))
        assert done.returncode == 1, done.stderr
        assert GARBLED in done.stdout
        assert (cluster.markers / "ran-on-the-worker").exists()  # checked over TLS, on the worker
        cluster.forget()
        bare = run_qa(root, "check", "--", "content/", env=clean_environment(QA_SCHEDULER=cluster.address))
        assert bare.returncode == 2
        assert stderr_lines(bare) == [
            f"qa: error: the Dask scheduler at {cluster.address} speaks TLS, and Dask has no TLS settings: set "
            "DASK_DISTRIBUTED__COMM__TLS__CA_FILE, __CLIENT__CERT and __CLIENT__KEY (or distributed.comm.tls in "
            "Dask's configuration)"]
        assert cluster.clients() == []
    finally:
        cluster.stop()


# --- 3. A subfolder's qa.toml that switches the check off ---------------------------------

@pytest.mark.parametrize("name, settings", [
    ("qa.toml", 'ignore = ["**"]\n'),
    ("qa.toml", 'fail-on = "never"\n'),
    ("qa.toml", "threshold = 1.0\n"),
    ("pyproject.toml", '[tool.qa]\nignore = ["**"]\nfail-on = "never"\nthreshold = 1.0\n'),
])
def test_a_subfolder_settings_file_cannot_switch_the_check_off(tmp_path, name, settings):
    root = content_repository(tmp_path)
    (root / "content" / name).write_text(settings, encoding="utf-8")
    done = run_qa(root, "check", "--", "content/")
    assert done.returncode == 1, done.stderr
    assert GARBLED in done.stdout and "2 flagged (2 error" in done.stdout
    assert stderr_lines(done).count(REFUSED.replace("content/qa.toml", f"content/{name}")) == 1


def test_the_library_names_the_refused_file_and_checks_with_the_root_settings(tmp_path, monkeypatch):
    root = content_repository(tmp_path)
    (root / "content" / "qa.toml").write_text('ignore = ["**"]\nthreshold = 1.0\n', encoding="utf-8")
    monkeypatch.chdir(root)
    with pytest.warns(SettingsWarning) as heard:
        report = qa.check("content")
    refused = [str(warning.message) for warning in heard if warning.category is SettingsWarning]
    assert refused == [REFUSED.removeprefix("qa: warning: ")]
    assert [segment.result.severity for _, segment in report.flagged] == ["error", "error"]
    with pytest.warns(SettingsWarning):
        settings, _ = load_settings(root / "content", {})
    assert settings.refused == ((root / "content" / "qa.toml").resolve(),)
    assert settings.ignore == () and settings.threshold is None


def test_ignoring_every_file_is_an_error_unless_allowed(tmp_path, monkeypatch):
    root = content_repository(tmp_path, 'engine = "none"\nignore = ["**"]\n')
    line = ("qa: error: content/: nothing to check: all 2 file(s) found are ignored by the ignore patterns of "
            "qa.toml (--allow-empty accepts that)")
    for command in ("check", "baseline"):
        done = run_qa(root, command, "-q", "--", "content/")
        assert done.returncode == 2, done.stderr
        assert stderr_lines(done)[0] == line
        allowed = run_qa(root, command, "-q", "--allow-empty", "--", "content/")
        assert allowed.returncode == 0, allowed.stderr
        assert not any("error" in line for line in stderr_lines(allowed))
    monkeypatch.chdir(root)
    with pytest.warns(InputWarning, match="nothing to check") as heard:
        report = qa.check("content/")
    assert len(heard) == 1 and [str(error) for error in report.errors] == [line.removeprefix("qa: error: ")]
    assert report.return_code("never") == 2  # a library gate fails as the command does
    assert qa.check("content/", allow_empty=True).errors == ()


# --- 2. Symbolic links out of the repository ------------------------------------------------

@pytest.fixture
def linked_repository(tmp_path) -> Path:
    """A content repository whose pull request added links to /etc/passwd, to a secrets file
    outside the repository, to .git/config (holding a CI token, as actions/checkout leaves it),
    to /etc and to /."""
    root = content_repository(tmp_path / "site")
    git(root, "config", "http.https://github.com/.extraheader", TOKEN_HEADER)
    secrets = tmp_path / "secrets.env"
    secrets.write_text(SECRET + "\n", encoding="utf-8")
    en = root / "content" / "en"
    (en / "x.md").symlink_to("/etc/passwd")
    (en / "keys.en.md").symlink_to(secrets)
    (en / "cfg.en.txt").symlink_to("../../.git/config")
    (root / "content" / "etc").symlink_to("/etc", target_is_directory=True)
    (root / "content" / "everything").symlink_to("/", target_is_directory=True)
    return root


LINK_LINES = [
    "qa: content/en/cfg.en.txt: symbolic link to a hidden file of the repository (.git/config); skipped "
    "(--follow-symlinks reads it)",
    "qa: content/en/keys.en.md: symbolic link to a file outside the repository ({secrets}); skipped "
    "(--follow-symlinks reads it)",
    "qa: content/en/x.md: symbolic link to a file outside the repository (/etc/passwd); skipped "
    "(--follow-symlinks reads it)",
    "qa: content/etc: symbolic link to a folder (/etc); not walked (qa never walks a linked folder)",
    "qa: content/everything: symbolic link to a folder (/); not walked (qa never walks a linked folder)",
]


def _leaks(text: str) -> list[str]:
    return [secret for secret in ("root:x:0:0", SECRET, "AUTHORIZATION", "extraheader") if secret in text]


@pytest.mark.parametrize("output_format", ["json", "jsonl", "html", "text", "junit"])
def test_links_out_of_the_repository_are_never_read(linked_repository, output_format):
    root = linked_repository
    done = run_qa(root, "check", "--format", output_format, "-o", "report", "--", "content/")
    assert done.returncode == 1, done.stderr
    report = (root / "report").read_text(encoding="utf-8")
    assert _leaks(report) == [] and _leaks(done.stdout + done.stderr) == []
    assert GARBLED in report  # the real article is still checked
    secrets = (root.parent / "secrets.env").resolve()
    assert [line for line in stderr_lines(done) if "symbolic link" in line] == [
        line.format(secrets=secrets) for line in LINK_LINES]


def test_follow_symlinks_reads_a_linked_file_but_never_walks_a_linked_folder(linked_repository):
    done = run_qa(linked_repository, "check", "--follow-symlinks", "--format", "json", "--", "content/")
    assert "root:x:0:0" in done.stdout and SECRET in done.stdout  # the positive control: read when asked
    assert [line for line in stderr_lines(done) if "symbolic link" in line] == LINK_LINES[3:]


def test_a_named_link_out_of_the_repository_is_one_error(linked_repository):
    root = linked_repository
    named = run_qa(root, "check", "--", "content/en/x.md", "content/etc/", "content/es/reunion.md")
    assert named.returncode == 2
    assert _leaks(named.stdout + named.stderr) == []
    assert [line for line in stderr_lines(named) if "error" in line] == [
        "qa: error: content/en/x.md: symbolic link to a file outside the repository (/etc/passwd); not read "
        "(--follow-symlinks reads it)",
        "qa: error: content/etc: symbolic link to a folder outside the repository (/etc); not walked",
    ]
    (root / "public").symlink_to("/etc", target_is_directory=True)  # the checked folder itself replaced by a link
    replaced = run_qa(root, "check", "--follow-symlinks", "--", "public/")
    assert replaced.returncode == 2
    assert [line for line in stderr_lines(replaced) if "error" in line] == [
        "qa: error: public: symbolic link to a folder outside the repository (/etc); not walked"]


def test_inspect_and_the_output_check_read_no_link_either(linked_repository):
    root = linked_repository
    shown = run_qa(root, "inspect", "--format", "json", "content/")
    assert shown.returncode == 0, shown.stderr
    assert _leaks(shown.stdout) == []
    assert len(json.loads(shown.stdout)["pairs"]) == 1
    assert len([line for line in stderr_lines(shown) if "symbolic link" in line]) == 5
    # -o is checked against the files being checked, found through no link either.
    assert discover([root / "content"]) == [root / "content" / "en" / "reunion.md", root / "content" / "es" / "reunion.md"]


def test_changed_since_never_runs_git_through_a_linked_folder(tmp_path, linked_repository):
    """A link to another repository: git runs in the checked path's own repository, found by
    name, so a ref only the other repository knows is unknown (before: git ran in the other one)."""
    root = linked_repository
    other = tmp_path / "other"
    content_repository(other)
    git(other, "add", ".")
    git(other, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "x")
    git(other, "tag", "only-in-the-other-repository")
    (root / "content" / "other").symlink_to(other / "content", target_is_directory=True)
    done = run_qa(root, "check", "--changed-since", "only-in-the-other-repository", "--", "content/other/")
    assert done.returncode == 2
    assert stderr_lines(done)[-1] == (
        f"qa: error: unknown git ref 'only-in-the-other-repository' in {root.resolve()} (in CI, fetch the "
        "history, e.g. fetch-depth: 0)")


def test_a_folder_qa_may_not_list_is_one_line_and_the_walk_goes_on(tmp_path):
    root = content_repository(tmp_path)
    locked = root / "content" / "locked"
    locked.mkdir()
    (locked / "hidden.en.md").write_text(EN, encoding="utf-8")
    locked.chmod(0)
    command = [str(QA), "check", "--", "content/"]
    if os.geteuid() == 0:  # root lists any folder: drop the capabilities that let it (see test_cache.py)
        setpriv = shutil.which("setpriv")
        need(setpriv is not None, "setpriv (util-linux) is needed to test file modes as root")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--", *command]
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300, check=False,
                              env=clean_environment())
    finally:
        locked.chmod(0o755)
    assert done.returncode == 2
    assert GARBLED in done.stdout  # the other articles still checked
    assert [line for line in stderr_lines(done) if "error" in line] == [
        "qa: error: content/locked: cannot list folder (permission denied); its files were not checked"]


# --- 8. Deep folders ------------------------------------------------------------------------

def test_1300_nested_folders_are_walked_without_recursion(tmp_path):
    root = content_repository(tmp_path)
    top = root / "content" / "archive"
    deep = top
    top.mkdir()
    try:
        for _ in range(1300):  # one at a time: os.makedirs itself recurses once per folder
            deep = deep / "d"
            deep.mkdir()
        (deep / "cumbre.es.md").write_text(ES.replace("reunion", "cumbre"), encoding="utf-8")
        (deep / "cumbre.en.md").write_text(EN.replace("reunion", "cumbre"), encoding="utf-8")
        done = run_qa(root, "check", "--format", "json", "--", "content/")
    finally:
        _remove_bottom_up(deep, top)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "RecursionError" not in done.stderr and "Traceback" not in done.stderr
    checked = [article["path"] for article in json.loads(done.stdout)["articles"]]
    assert checked == [f"content/archive/{'d/' * 1300}cumbre.en.md", "content/en/reunion.md"]


def _remove_bottom_up(deepest: Path, top: Path) -> None:
    """Remove the nested folders from ``deepest`` up to ``top``: pytest's own clean-up of old
    temporary folders (shutil.rmtree) recurses once per level and would fail on them later."""
    folder = deepest
    while True:
        for entry in folder.iterdir():
            entry.unlink()
        folder.rmdir()
        if folder == top:
            return
        folder = folder.parent
