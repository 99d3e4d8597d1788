"""What the cells of a member list mean: names, credit codes, dates, member types and roles.

Pure functions and tables, no I/O and no graph: the readers (:mod:`.readers`) give the
cells, the compiler (:mod:`.compiler`) calls these to check them and :mod:`.resolver` to
match names. Synthetic lists (:mod:`alliancegraph.synthetic`) use the same rules to make
valid codes and distinct names.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from ..namespaces import XSD

__all__ = [
    "CODE_CHARS",
    "ROLES",
    "ROLE_CHOICES",
    "TYPES",
    "TYPE_CHOICES",
    "credit_code_check_char",
    "credit_code_valid",
    "evidence_of",
    "name_key",
    "normal_code",
    "parse_date",
    "role_slug",
    "split_aliases",
    "type_class",
]

# -- member types and roles ------------------------------------------------------------------

#: member type as written -> ontology class (local name)
TYPES: dict[str, str] = {
    "企业": "Enterprise",
    "高等院校": "University",
    "高校": "University",
    "科研机构": "ResearchInstitute",
    "科研院所": "ResearchInstitute",
    "政府部门": "GovernmentAgency",
    "其他": "OtherOrganization",
    "enterprise": "Enterprise",
    "university": "University",
    "research institute": "ResearchInstitute",
    "government agency": "GovernmentAgency",
    "other": "OtherOrganization",
}
TYPE_CHOICES = "企业, 高等院校, 科研机构, 政府部门, 其他 (or enterprise, university, …)"

#: role slug -> (zh label, en label, spellings accepted besides the zh label)
ROLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "role-chair-unit": ("理事长单位", "chair unit", ("chair",)),
    "role-vice-chair-unit": ("副理事长单位", "vice-chair unit", ("vice chair", "vice-chair")),
    "role-secretary-general-unit": (
        "秘书长单位",
        "secretary-general unit",
        ("secretary general", "secretary-general", "秘书处单位"),
    ),
    "role-deputy-secretary-general-unit": (
        "副秘书长单位",
        "deputy secretary-general unit",
        ("deputy secretary-general", "deputy secretary general"),
    ),
    "role-executive-council-unit": (
        "常务理事单位",
        "executive council unit",
        ("executive council member",),
    ),
    "role-council-unit": ("理事单位", "council unit", ("council member",)),
    "role-supervisor-unit": ("监事单位", "supervisor unit", ("监事长单位", "supervisor")),
    "role-lead-unit": ("牵头单位", "lead unit", ("lead", "lead institution")),
    "role-member-unit": ("成员单位", "member unit", ("会员单位", "member")),
}
_ROLE_LOOKUP = {_k: slug for slug, (zh, en, more) in ROLES.items() for _k in (zh, en, *more)}
ROLE_CHOICES = "、".join(zh for zh, _, _ in ROLES.values())


def type_class(text: str) -> str | None:
    """The ontology class (local name) of a member type as written, or None."""
    return TYPES.get(text) or TYPES.get(text.casefold())


def role_slug(text: str) -> str | None:
    """The role's slug (``role-chair-unit`` …) for a role as written, or None."""
    return _ROLE_LOOKUP.get(text) or _ROLE_LOOKUP.get(text.casefold())


# -- names ---------------------------------------------------------------------------------

_BRACKETS = re.compile(r"[()\[\]{}<>《》〈〉【】〔〕「」『』\"'“”‘’·・.,，、]")
_SPACE = re.compile(r"\s+")
_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")
_EN_SUFFIXES = ("co", "ltd", "limited", "company", "inc", "corp", "corporation")


def name_key(text: str) -> str:
    """The form two spellings of one name share: width, case, spaces, brackets and company
    suffixes do not count.

    >>> name_key("重庆材料研究院（有限公司）") == name_key("重庆材料研究院有限公司")
    True
    >>> name_key("西南铝业（集团）有限责任公司")
    '西南铝业集团'
    """
    t = unicodedata.normalize("NFKC", text).casefold()
    t = _BRACKETS.sub(" ", t)
    if re.search(r"[\u3400-\u9fff]", t):
        t = _SPACE.sub("", t)
        changed = True
        while changed:
            changed = False
            for suffix in _SUFFIXES:
                if t.endswith(suffix) and len(t) > len(suffix):
                    t, changed = t[: -len(suffix)], True
        return t
    words = [w for w in re.split(r"[^0-9a-z\u00c0-\uffff]+", t) if w]
    while len(words) > 1 and words[-1] in _EN_SUFFIXES:
        words.pop()
    return " ".join(words)


# -- credit codes (GB 32100-2015) ----------------------------------------------------------

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code, from the first 17 (GB 32100)."""
    total = sum(CODE_CHARS.index(c) * w for c, w in zip(first17, _CODE_WEIGHTS, strict=True))
    return CODE_CHARS[(31 - total % 31) % 31]


def credit_code_valid(code: str) -> bool:
    """True for 18 characters of the code alphabet whose check character is right.

    >>> credit_code_valid("91500000202805720T")
    True
    >>> credit_code_valid("91500000202805720X")
    False
    """
    if len(code) != 18 or any(c not in CODE_CHARS for c in code):
        return False
    return credit_code_check_char(code[:17]) == code[17]


# -- dates -------------------------------------------------------------------------------------

_DATE_FORMS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), 3),
    (re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"), 3),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), 2),
    (re.compile(r"^(\d{4})年(\d{1,2})月$"), 2),
    (re.compile(r"^(\d{4})年?$"), 1),
)


def parse_date(text: str) -> tuple[str, str] | None:
    """``(lexical form, xsd datatype)`` as precise as written, or None if not a date.

    >>> parse_date("2019年5月")
    ('2019-05', 'http://www.w3.org/2001/XMLSchema#gYearMonth')
    """
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern, parts in _DATE_FORMS:
        m = pattern.match(text)
        if not m:
            continue
        y = int(m.group(1))
        if not 1900 <= y <= 2100:
            return None
        if parts == 1:
            return f"{y:04d}", XSD + "gYear"
        mo = int(m.group(2))
        if not 1 <= mo <= 12:
            return None
        if parts == 2:
            return f"{y:04d}-{mo:02d}", XSD + "gYearMonth"
        try:
            d = dt.date(y, mo, int(m.group(3)))
        except ValueError:
            return None
        return d.isoformat(), XSD + "date"
    return None


def normal_code(text: str) -> str:
    """A credit code as written, in the form it is checked and stored: NFKC, no spaces,
    upper case."""
    return unicodedata.normalize("NFKC", text).replace(" ", "").upper()


# -- cells -----------------------------------------------------------------------------------


def evidence_of(cells: Iterable[str], limit: int = 60) -> str:
    """The row as a short text: its non-empty cells joined, cut at ``limit`` characters."""
    text = "，".join(c for c in cells if c)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split_aliases(text: str) -> list[str]:
    """The short names of one cell (separated by ``|``, ``;``, ``；`` or ``、``)."""
    return [a.strip() for a in re.split(r"[|；;、]", text or "") if a.strip()]
