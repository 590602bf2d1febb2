"""Rebuild the name lexicons shipped in ``cloakr/pii/lexicons`` from public-domain sources.

    .venv/bin/python scripts/build_lexicons.py            # fetch from PyPI (pinned, hash-checked) and rebuild
    .venv/bin/python scripts/build_lexicons.py --check    # fail if the shipped files differ from a rebuild

Generated files come from the US Census Bureau's 1990 name frequency files (a US government work, public domain),
as shipped unchanged in the PyPI package ``names`` 0.3.0 (MIT). The sdist is fetched with ``pip download`` and its
SHA-256 checked, so a rebuild is reproducible; only build time touches the network, never the runtime or tests.

The hand-curated files (other locales, stop lists, places) are normalised here too: lower case, one entry a line,
deduplicated, sorted, with ASCII spellings of German umlauts added, so every file obeys the same format.

Faker's provider lists are deliberately not a source: the evaluation corpus is generated with Faker, and a
lexicon built from the same lists would measure memorisation, not detection.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from pathlib import Path

LEXICONS = Path(__file__).resolve().parent.parent / "layers" / "cloakr" / "pii" / "lexicons"
NAMES_SDIST = "names==0.3.0"
NAMES_SHA256 = "726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671"
#: Census 1990 lists every surname held by at least 0.0001% of people (88,799 names); past this rank the entries
#: are so rare that they add more collisions with ordinary words than names anyone will meet in a prompt.
SURNAME_LIMIT = 40_000
#: Generated file -> members of the sdist it is made from.
GENERATED = {
    "given_census1990.txt": ("names-0.3.0/names/dist.male.first", "names-0.3.0/names/dist.female.first"),
    "surnames_census1990.txt": ("names-0.3.0/names/dist.all.last",),
}
CURATED = ("given_curated.txt", "surnames_curated.txt", "common_words.txt", "places.txt", "org_words.txt")
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise(entries: list[str]) -> list[str]:
    """Lower case, NFC, deduplicated and sorted; German umlauts also get their ASCII spelling (Müller, Mueller)."""
    out: set[str] = set()
    for entry in entries:
        word = unicodedata.normalize("NFC", entry.strip().lower())
        if not word or word.startswith("#"):
            continue
        out.add(word)
        folded = word.translate(_FOLD)
        if folded != word:
            out.add(folded)
    return sorted(out)


def census_names(sdist: Path, members: tuple[str, ...], limit: int | None) -> list[str]:
    """Names from Census ``dist.*`` files (``NAME  freq  cumfreq  rank``), most frequent first, trimmed to limit."""
    ranked: list[tuple[int, str]] = []
    with tarfile.open(sdist) as archive:
        for member in members:
            handle = archive.extractfile(member)
            if handle is None:
                raise SystemExit(f"{member} missing from {sdist.name}")
            for line in handle.read().decode("ascii").splitlines():
                name, _freq, _cum, rank = line.split()
                ranked.append((int(rank), name))
    ranked.sort()
    names = [name for _, name in ranked]
    return names[:limit] if limit else names


def fetch_sdist(workdir: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:", "-d", str(workdir), NAMES_SDIST],
        check=True,
    )
    sdist = next(workdir.glob("names-*.tar.gz"))
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != NAMES_SHA256:
        raise SystemExit(f"{sdist.name}: SHA-256 {digest} does not match the pinned {NAMES_SHA256}")
    return sdist


def build(sdist: Path | None) -> dict[str, str]:
    """The content every lexicon file should have; generated files only when an sdist is given."""
    files: dict[str, str] = {}
    if sdist is not None:
        for name, members in GENERATED.items():
            limit = SURNAME_LIMIT if name.startswith("surnames") else None
            files[name] = "\n".join(normalise(census_names(sdist, members, limit))) + "\n"
    for name in CURATED:
        files[name] = "\n".join(normalise((LEXICONS / name).read_text(encoding="utf-8").splitlines())) + "\n"
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files instead of writing")
    parser.add_argument("--curated-only", action="store_true", help="only normalise the hand-curated files (offline)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = build(None if args.curated_only else fetch_sdist(Path(tmp)))
    stale = [n for n, content in files.items() if not (LEXICONS / n).exists() or (LEXICONS / n).read_text(encoding="utf-8") != content]
    if args.check:
        for name in stale:
            print(f"{name}: differs from a rebuild", file=sys.stderr)
        return 1 if stale else 0
    for name in stale:
        (LEXICONS / name).write_text(files[name], encoding="utf-8")
    for name, content in files.items():
        print(f"{name}: {content.count(chr(10))} entries{' (rewritten)' if name in stale else ''}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
