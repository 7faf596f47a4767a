"""DBK102-DBK105 catalogue rows cover what flake8-async (ASYNC210-240), Ruff and
blockbuster match for those families (reference/blocking-calls.md §1.2, §2.2, §3),
and pure path functions never appear. Deliberate gaps are listed with the reason."""

from __future__ import annotations

import pytest

from deblock.knowledge import blocking_calls

VERBS = ("get", "options", "head", "post", "put", "patch", "delete", "request")
CLIENT = ("close", "delete", "get", "head", "options", "patch", "post", "put", "request", "send", "stream")

# Names the other tools match, by the family deblock reports them under.
EXPECTED = {
    "DBK102": [
        *(f"{lib}.{v}" for lib in ("requests", "httpx", "httpx2") for v in VERBS),
        *(f"{lib}.Client.{m}" for lib in ("httpx", "httpx2") for m in CLIENT),
        *(f"requests.Session.{v}" for v in VERBS),
        "urllib3.request", "urllib.request.urlopen", "urllib3.PoolManager.request",
        "urllib3.HTTPConnectionPool.urlopen", "http.client.HTTPConnection.request",
    ],
    "DBK103": [
        "subprocess.Popen", "os.popen", "os.system", "os.posix_spawn", "os.posix_spawnp",
        *(f"subprocess.{f}" for f in ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")),
        *(f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
        *(f"os.{f}" for f in ("wait", "wait3", "wait4", "waitid", "waitpid")),
        "subprocess.Popen.wait", "subprocess.Popen.communicate",
    ],
    "DBK104": [
        "builtins.open", "io.open", "io.open_code", "os.fdopen", "os.open", "codecs.open",
        "gzip.open", "bz2.open", "lzma.open", "tempfile.TemporaryFile", "tempfile.NamedTemporaryFile",
        "tempfile.SpooledTemporaryFile", "pathlib.Path.open", "os.read", "os.write", "os.sendfile",
        *(f"io.{t}.{m}" for t, m in (("TextIOWrapper", "read"), ("TextIOWrapper", "write"), ("BufferedReader", "read"),
                                      ("BufferedWriter", "write"), ("BufferedRandom", "read"), ("BufferedRandom", "write"))),
    ],
    "DBK105": [
        *(f"os.path.{f}" for f in ("islink", "lexists", "ismount", "realpath", "exists", "isdir", "isfile",
                                   "getatime", "getctime", "getmtime", "getsize", "samefile", "sameopenfile")),
        *(f"os.{f}" for f in ("stat", "statvfs", "access", "listdir", "scandir", "mkdir", "rmdir", "rename",
                              "replace", "remove", "unlink", "link", "symlink", "readlink")),
        *(f"pathlib.Path.{m}" for m in ("exists", "is_file", "is_dir", "stat", "iterdir", "glob", "rglob", "mkdir",
                                         "unlink", "rename", "resolve", "touch")),
    ],
}

# Matched by flake8-async, Ruff or blockbuster but deliberately not reported: they do
# not touch the disk (string work, the process's cwd, environment variables).
PURE = [
    "os.path.join", "os.path.basename", "os.path.dirname", "os.path.splitext", "os.path.split",
    "os.path.normpath", "os.path.abspath", "os.path.relpath", "os.path.expanduser", "os.path.samestat",
    "os.getcwd", "pathlib.Path.absolute", "pathlib.Path.expanduser", "pathlib.Path.cwd", "pathlib.Path.home",
    "pathlib.Path.with_suffix", "pathlib.Path.joinpath", "httpx.AsyncClient.get", "io.BytesIO.read",
]


@pytest.mark.parametrize(("code", "name"), [(c, n) for c, names in EXPECTED.items() for n in names])
def test_catalogue_covers(code: str, name: str) -> None:
    row = blocking_calls().get(name)
    assert row is not None, f"{name} missing from the catalogue"
    assert row.code == code


@pytest.mark.parametrize("name", PURE)
def test_pure_calls_are_not_catalogued(name: str) -> None:
    assert name not in blocking_calls()
