"""Evidence quotes checked against the stored text of their source.

A quote matches when, with all white space removed from both sides, it is a substring of
the source text (the article was scanned from print and has stray spaces inside words). An
ellipsis (``…`` or ``...``) marks omitted text: the parts around it must appear in that
order, at most 200 characters apart (a sentence a photo caption interrupts). This is the
rule of the quote checker the curators used; the build applies it to every fact whose
source has its text in ``data/sources/<source id>.txt``, and ``alliancegraph check
quotes`` runs it on demand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

#: at most this many characters may stand in for an ellipsis
GAP = 200
SOURCES_DIR = "sources"


def squeeze(text: str) -> str:
    """``text`` without any white space."""
    return re.sub(r"\s+", "", text)


@lru_cache(maxsize=4096)
def _pattern(quote: str) -> re.Pattern[str] | None:
    parts = [squeeze(p) for p in re.split(r"…+|\.\.\.", quote) if squeeze(p)]
    if not parts:
        return None
    return re.compile(f".{{0,{GAP}}}?".join(re.escape(p) for p in parts), re.DOTALL)


def found(quote: str, squeezed_text: str) -> bool:
    """Whether ``quote`` stands verbatim in a source text (already :func:`squeeze`\\ d)."""
    pattern = _pattern(quote)
    return pattern is not None and pattern.search(squeezed_text) is not None


def source_texts(data_dir: Path) -> dict[str, str]:
    """The stored source texts of a data folder, squeezed, by source id (the file stem)."""
    folder = Path(data_dir) / SOURCES_DIR
    return {
        p.stem: squeeze(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))
    }


@dataclass
class QuoteReport:
    """The quotes checked and those not found: ``missing`` holds (where, quote, source)."""

    checked: int = 0
    missing: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    def lines(self) -> list[str]:
        out = [
            f"{where}: not found verbatim in "
            f"{'any stored source' if src == '*' else f'{SOURCES_DIR}/{src}.txt'}: {q}"
            for where, q, src in self.missing
        ]
        found_n = self.checked - len(self.missing)
        out.append(f"{found_n} of {self.checked} quotes found verbatim")
        return out

    def to_dict(self) -> dict[str, object]:
        return {
            "checked": self.checked,
            "missing": [{"where": w, "quote": q, "source": s} for w, q, s in self.missing],
        }


def check(quotes: Iterable[tuple[str, str, str]], texts: Mapping[str, str]) -> QuoteReport:
    """Check ``(where, quote, source id)`` triples against ``texts`` (squeezed, by source
    id). A quote whose source has no stored text is not checked; ``source`` ``"*"`` means
    any stored text."""
    report = QuoteReport()
    for where, quote, source in quotes:
        candidates = list(texts.values()) if source == "*" else [texts.get(source)]
        candidates = [t for t in candidates if t is not None]
        if not candidates:
            continue
        report.checked += 1
        if not any(found(quote, t) for t in candidates):
            report.missing.append((where, quote, source))
    return report
