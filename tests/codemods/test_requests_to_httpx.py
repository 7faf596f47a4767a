"""The requests -> httpx.AsyncClient codemod, and its worker-thread fallback."""

from __future__ import annotations

import ast

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


def _span(source: str) -> tuple[Span, str]:
    """The span and verb of the first call whose callee is written `requests.<verb>`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and ast.unparse(node.func.value) == "requests":
            return Span(node.lineno, node.col_offset, node.end_lineno, node.end_col_offset), node.func.attr  # type: ignore[arg-type]
    raise AssertionError("no requests call")


def swap(source: str, library: str = "asyncio") -> str:
    span, verb = _span(source)
    fix = Fix("requests_to_httpx", span, "httpx", Applicability.UNSAFE, (("library", library), ("verb", verb)))
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    ast.parse(fixed)
    return fixed


HEAD = "import requests\n\nasync def f(url):\n"
NEW = "import httpx\n\nasync def f(url):\n    async with httpx.AsyncClient() as client:\n"

CASES = [
    pytest.param(HEAD + "    r = requests.get(url)\n    return r\n",
                 NEW + "        r = await client.get(url, follow_redirects=True, timeout=None)\n    return r\n", id="assign"),
    pytest.param(HEAD + "    return requests.get(url, timeout=5)\n",
                 NEW + "        return await client.get(url, timeout=5, follow_redirects=True)\n", id="return-timeout-kept"),
    pytest.param(HEAD + "    requests.post(url, json={'a': 1})\n",
                 NEW + "        await client.post(url, json={'a': 1}, follow_redirects=True, timeout=None)\n", id="expression-statement"),
    pytest.param(HEAD + "    return requests.head(url)\n",
                 NEW + "        return await client.head(url, timeout=None)\n", id="head-no-redirects"),
    pytest.param(HEAD + "    return requests.get(url, allow_redirects=False)\n",
                 NEW + "        return await client.get(url, follow_redirects=False, timeout=None)\n", id="allow-redirects-renamed"),
    pytest.param(HEAD + "    return requests.post(url, data='x=1')\n",
                 NEW + "        return await client.post(url, content='x=1', follow_redirects=True, timeout=None)\n", id="data-str-to-content"),
    pytest.param(HEAD + "    return requests.put(url, b'raw')\n",
                 NEW + "        return await client.put(url, content=b'raw', follow_redirects=True, timeout=None)\n", id="positional-bytes-to-content"),
    pytest.param(HEAD + "    return requests.post(url, {'a': 1})\n",
                 NEW + "        return await client.post(url, data={'a': 1}, follow_redirects=True, timeout=None)\n", id="positional-dict-stays-data"),
    pytest.param(HEAD + "    return requests.post(url, data=body)\n",
                 NEW + "        return await client.post(url, data=body, follow_redirects=True, timeout=None)\n", id="data-unknown-kept"),
    pytest.param(HEAD + "    return requests.get(url, {'q': 1}, headers=h, cookies=c, auth=('u', 'p'))\n",
                 NEW + "        return await client.get(url, params={'q': 1}, headers=h, cookies=c, auth=('u', 'p'), "
                 "follow_redirects=True, timeout=None)\n", id="pass-through"),
    pytest.param(HEAD + "    return requests.delete(url, json={'id': 1})\n",
                 NEW + "        return await client.request(\"DELETE\", url, json={'id': 1}, follow_redirects=True, timeout=None)\n",
                 id="body-on-delete-uses-request"),
    pytest.param(HEAD + "    return requests.request('PATCH', url, data=d)\n",
                 NEW + "        return await client.request('PATCH', url, data=d, follow_redirects=True, timeout=None)\n", id="request"),
    pytest.param(HEAD + "    return requests.get(url, verify=False, cert=pem, proxies='http://p:3128')\n",
                 "import httpx\n\nasync def f(url):\n"
                 "    async with httpx.AsyncClient(verify=False, cert=pem, proxy='http://p:3128') as client:\n"
                 "        return await client.get(url, follow_redirects=True, timeout=None)\n", id="client-keywords-moved"),
    pytest.param("import requests\n\nasync def f(url, client):\n    client = requests.get(url)\n",
                 "import httpx\n\nasync def f(url, client):\n    async with httpx.AsyncClient() as http_client:\n"
                 "        client = await http_client.get(url, follow_redirects=True, timeout=None)\n", id="name-clash"),
    pytest.param(HEAD + "    # load it\n    r = requests.get(url)  # slow\n",
                 NEW.replace("    async with", "    # load it\n    async with")
                 + "        r = await client.get(url, follow_redirects=True, timeout=None)  # slow\n", id="comments-kept"),
    pytest.param("import requests\n\nasync def f(url):\n    log(requests.__version__)\n    return requests.get(url)\n",
                 "import requests\nimport httpx\n\nasync def f(url):\n    log(requests.__version__)\n"
                 "    async with httpx.AsyncClient() as client:\n"
                 "        return await client.get(url, follow_redirects=True, timeout=None)\n", id="import-kept-when-used"),
    pytest.param(HEAD + "    r = requests.get(  # c\n        url,  # the url\n        headers=h,  # hdr\n    )\n",
                 NEW + "        r = await client.get(  # c\n            url,  # the url\n            headers=h,  # hdr\n"
                 "            follow_redirects=True,\n            timeout=None,\n        )\n", id="multiline-comments-trailing-comma"),
    pytest.param(HEAD + "    r = requests.get(\n        url,\n        verify=False\n    )\n",
                 "import httpx\n\nasync def f(url):\n    async with httpx.AsyncClient(verify=False) as client:\n"
                 "        r = await client.get(\n            url,\n            follow_redirects=True,\n            timeout=None\n        )\n",
                 id="multiline-moved-last-keyword"),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_swap(source: str, expected: str) -> None:
    assert swap(source) == expected


FALLBACKS = [
    pytest.param(HEAD + "    return requests.get(url).json()\n", "asyncio",
                 "import requests\nimport asyncio\n\nasync def f(url):\n    return (await asyncio.to_thread(requests.get, url)).json()\n",
                 id="nested-expression"),
    pytest.param(HEAD + "    requests.get(url, stream=True)\n", "asyncio",
                 "import requests\nimport asyncio\n\nasync def f(url):\n    await asyncio.to_thread(requests.get, url, stream=True)\n",
                 id="stream"),
    pytest.param(HEAD + "    requests.post(url, files=fs)\n", "anyio",
                 "import requests\nimport anyio\nimport functools\n\nasync def f(url):\n"
                 "    await anyio.to_thread.run_sync(functools.partial(requests.post, files=fs), url)\n", id="files-anyio"),
    pytest.param(HEAD + "    requests.get(url, **kw)\n", "asyncio",
                 "import requests\nimport asyncio\n\nasync def f(url):\n    await asyncio.to_thread(requests.get, url, **kw)\n",
                 id="star-kwargs"),
    pytest.param(HEAD + "    requests.get(url, proxies={'https': p})\n", "asyncio",
                 "import requests\nimport asyncio\n\nasync def f(url):\n    await asyncio.to_thread(requests.get, url, proxies={'https': p})\n",
                 id="proxies-dict"),
    pytest.param(HEAD + "    requests.get(url, hooks=h)\n", "asyncio",
                 "import requests\nimport asyncio\n\nasync def f(url):\n    await asyncio.to_thread(requests.get, url, hooks=h)\n",
                 id="hooks"),
    pytest.param(HEAD + "    a, b = x, requests.get(url)\n", "asyncio",
                 "import requests\nimport asyncio\n\nasync def f(url):\n    a, b = x, await asyncio.to_thread(requests.get, url)\n",
                 id="inside-tuple"),
    pytest.param(HEAD + "    r = requests.get(url); log(r)\n", "asyncio",
                 "import requests\nimport asyncio\n\nasync def f(url):\n    r = await asyncio.to_thread(requests.get, url); log(r)\n",
                 id="compound-line"),
]


@pytest.mark.parametrize(("source", "library", "expected"), FALLBACKS)
def test_fallback_is_offload_to_thread(source: str, library: str, expected: str) -> None:
    assert swap(source, library) == expected
    span, _ = _span(source)
    offload = Fix("offload_to_thread", span, "offload", Applicability.UNSAFE, (("library", library),))
    assert run_codemods(source, [offload])[0] == expected


def _dbk102_fixes(code: str, config: dict[str, str] | None = None) -> list[Fix]:
    from deblock.testing import example_settings, run_example

    return [f.fix for f in run_example(code, example_settings("DBK102", config)) if f.code == "DBK102" and f.fix]


@pytest.mark.parametrize(("body", "note"), [
    pytest.param("requests.post(url, data=body)", True, id="unknown-data-noted"),
    pytest.param("requests.post(url, data={'a': 1})", False, id="dict-data"),
    pytest.param("requests.post(url, data='a=1')", False, id="str-data"),
    pytest.param("requests.post(url, body)", True, id="unknown-positional-data-noted"),
    pytest.param("requests.post(url, data=json.dumps(body))", False, id="json-dumps-data"),
])
def test_rule_offers_httpx_and_notes_unknown_data(body: str, note: bool) -> None:
    [fix] = _dbk102_fixes(f"import json, requests\n\nasync def f(url, body):\n    {body}\n")
    assert fix.codemod == "requests_to_httpx"
    assert fix.applicability is Applicability.UNSAFE
    assert ("check `data=`" in fix.title) is note


@pytest.mark.parametrize(("code", "config"), [
    pytest.param("import requests, trio\n\nasync def f(url):\n    requests.get(url)\n", None, id="trio"),
    pytest.param("import requests\n\nasync def f(url):\n    requests.get(url)\n", {"async-library": "trio"}, id="trio-config"),
    pytest.param("import requests\n\nasync def f(url):\n    requests.Session().get(url)\n", None, id="session-method"),
    pytest.param("import requests\n\nasync def f(url):\n    requests.get(url, stream=True)\n", None, id="stream"),
])
def test_rule_keeps_thread_fix(code: str, config: dict[str, str] | None) -> None:
    assert [f.codemod for f in _dbk102_fixes(code, config)] == ["offload_to_thread"]
