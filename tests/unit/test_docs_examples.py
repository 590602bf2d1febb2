"""Every ```python block in README.md and docs/*.md runs (convention: docs/contributing.md).

Plain blocks run offline in an empty temporary directory; ``gateway`` blocks run against the local gateway started
in-process by the e2e fixture; ``no-run: <reason>`` blocks are skipped with their stated reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent> *)```python(?P<info>[^\n`]*)$")
NO_RUN = re.compile(r"^no-run(?::\s*(?P<reason>.*))?$")


@dataclass(frozen=True)
class Example:
    page: Path
    line: int
    info: str
    code: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def extract(page: Path) -> list[Example]:
    examples, lines = [], page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, start, body = len(match["indent"]), i + 1, []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i][indent:])
            i += 1
        if i == len(lines):
            raise AssertionError(f"{page}:{start}: unterminated ```python block")
        examples.append(Example(page, start, match["info"].strip(), "\n".join(body) + "\n"))
        i += 1
    return examples


EXAMPLES = [example for page in PAGES if page.exists() for example in extract(page)]


def test_extraction_finds_blocks_and_their_info_strings(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("text\n```python\nx = 1\n```\n\n  ```python no-run: needs AWS\n  y = 2\n  ```\n"
                    "```bash\nls\n```\n", encoding="utf-8")
    found = extract(page)
    assert [(e.line, e.info, e.code) for e in found] == [(2, "", "x = 1\n"), (6, "no-run: needs AWS", "y = 2\n")]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_runs(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      request: pytest.FixtureRequest) -> None:
    skip = NO_RUN.match(example.info)
    if skip:
        assert skip["reason"], f"{example.id}: a no-run block must say why (```python no-run: <reason>)"
        pytest.skip(f"{example.id}: {skip['reason']}")
    assert example.info in ("", "gateway"), f"{example.id}: unknown fence info {example.info!r}"
    for name in ("CLOAKR_API_KEY", "CLOAKR_BASE_URL", "CLOAKR_REGION", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    if example.info == "gateway":
        gateway = request.getfixturevalue("local_gateway")
        monkeypatch.setenv("CLOAKR_BASE_URL", gateway.base_url)
        monkeypatch.setenv("CLOAKR_API_KEY", gateway.admin_key)
        monkeypatch.setenv("OPENAI_BASE_URL", gateway.base_url + "/v1")
        monkeypatch.setenv("OPENAI_API_KEY", gateway.admin_key)
    monkeypatch.chdir(tmp_path)
    exec(compile(example.code, example.id, "exec"), {"__name__": "__docs_example__"})
