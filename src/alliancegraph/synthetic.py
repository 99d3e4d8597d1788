"""Synthetic member lists at K times the reported scale, and their import as flagged data.

The article reports 24 alliances, 1,934 member units and 430 R&D platforms. ``generate``
makes lists of that shape, deterministic for a seed: heavy-tailed alliance sizes
(a few large alliances, many small ones), organisations in several alliances
(universities and institutes most often), the 产学研 mix, firms placed on chain segments,
roles, join dates only as precise as a secretariat would write them, and valid credit codes
that start with ``X``, a registration-authority code GB 32100-2015 does not assign, so no
synthetic code is any real organisation's. Every name starts with ``合成·`` ("synthetic").

``write`` puts the lists in a folder in the import format (``members.csv`` with an
alliance column, ``alliances.csv``, ``platforms.csv``); ``import_synthetic`` imports such a
folder as one import into the named graph ``GRAPH_SYNTHETIC``, every node flagged
``ag:synthetic true``, resolved only against other synthetic nodes: synthetic data never
touches a curated node. This module never writes into ``data/``.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import io
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .build import Build
from .errors import DataError, Problem, UsageError
from .fileio import atomic_write
from .imports import Report, run_import
from .members import (
    CODE_CHARS,
    CompiledImport,
    Index,
    MemberCompiler,
    Progress,
    Table,
    credit_code_check_char,
    evidence_of,
    name_key,
    read_table,
)
from .members.readers import LIMITS, Limits
from .namespaces import AG, AGR, GRAPH_SYNTHETIC, RDF, RDFS

__all__ = [
    "REPORTED",
    "SyntheticFolder",
    "SyntheticLists",
    "generate",
    "import_synthetic",
    "write",
]

#: The scale the article reports (the curated ag:ReportedStatistic figures).
REPORTED = {"alliances": 24, "members": 1934, "platforms": 430}

PREFIX = "合成·"
FIELDS = [
    ("新材料", "new materials"),
    ("高端金属结构材料", "high-end metal structural materials"),
    ("功能材料", "functional materials"),
    ("机器人及智能制造", "robotics and intelligent manufacturing"),
    ("工业互联网", "industrial internet"),
    ("物联网", "Internet of Things"),
    ("人工智能", "artificial intelligence"),
    ("智能网联汽车", "intelligent connected vehicles"),
    ("通用航空", "general aviation"),
    ("生物医药", "biomedicine"),
    ("集成电路", "integrated circuits"),
    ("节能环保", "energy saving and environmental protection"),
    ("现代农业", "modern agriculture"),
]
SEGMENTS = [("上游", "upstream"), ("中游", "midstream"), ("下游", "downstream")]
DISTRICTS = [
    "渝中区", "江北区", "南岸区", "九龙坡区", "沙坪坝区", "大渡口区", "渝北区", "巴南区",
    "北碚区", "两江新区", "璧山区", "永川区", "江津区", "涪陵区", "长寿区", "合川区",
]  # fmt: skip
SYLLABLES = (
    "青岚澄川云峰嘉禾恒远瑞泽博雅锦程华晟启明星辰东篱南屏翠微金桥玉泉长风朗月"
    "海棠松涛鹿鸣鸿途弘毅明德致远天工巧匠新元景和泰安丰源广润"
)
WORDS = {
    "Enterprise": ["科技", "精密制造", "新材料", "智能装备", "电子", "信息技术", "机电", "生物"],
    "University": ["大学", "理工学院", "职业技术学院", "科技大学"],
    "ResearchInstitute": ["研究院", "技术研究所", "工程研究中心", "产业技术研究院"],
    "GovernmentAgency": ["区经济和信息化委员会", "区科学技术局", "产业园管理委员会"],
    "OtherOrganization": ["产业促进会", "行业协会", "检验检测中心", "创投基金"],
}
SUFFIX = {"Enterprise": ["有限公司", "股份有限公司", "有限责任公司"]}
TYPE_ZH = {
    "Enterprise": "企业",
    "University": "高等院校",
    "ResearchInstitute": "科研机构",
    "GovernmentAgency": "政府部门",
    "OtherOrganization": "其他",
}
#: 产学研 mix of member units (enterprises dominate; universities and institutes join many)
MIX = [
    ("Enterprise", 0.76),
    ("University", 0.08),
    ("ResearchInstitute", 0.11),
    ("GovernmentAgency", 0.015),
    ("OtherOrganization", 0.035),
]
MEMBER_COLUMNS = [
    "联盟", "单位名称", "英文名称", "简称", "单位类型", "角色", "加入时间", "所在地",
    "产业领域", "产业链环节", "统一社会信用代码",
]  # fmt: skip


@dataclass
class SyntheticLists:
    """What ``generate`` makes: rows in the import format, and the settings that made them."""

    scale: float
    seed: int
    alliances: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    platforms: list[dict] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "alliances": len(self.alliances),
            "members": len({m["单位名称"] for m in self.members}),
            "memberships": len(self.members),
            "platforms": len(self.platforms),
        }


def _code(rng: random.Random) -> str:
    first = "X" + rng.choice("123459") + "".join(rng.choice(CODE_CHARS) for _ in range(15))
    return first + credit_code_check_char(first)


def _pinyinish(text: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(s.capitalize() for s in lazy_pinyin(text))


def _names(syllables: int) -> int:
    """How many names of the rarest-named large kind (firms) trade names of ``syllables``
    syllables (no syllable repeated at the start) can make, scaled to all organisations by
    the firms' share of the mix."""
    n = len(SYLLABLES)
    firms = n * (n - 1) * n ** (syllables - 2) * len(WORDS["Enterprise"])
    firms *= len(SUFFIX["Enterprise"])
    share = dict(MIX)["Enterprise"]
    return int(firms / share)


def generate(scale: float = 1.0, seed: int = 0) -> SyntheticLists:
    """Member lists at ``scale`` × the reported scale, the same for the same seed.

    >>> lists = generate(0.1, seed=1)
    >>> lists.counts()["members"], lists.counts()["alliances"]
    (193, 2)
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    n_alliances = max(1, round(REPORTED["alliances"] * scale))
    n_orgs = max(n_alliances, round(REPORTED["members"] * scale))
    n_platforms = round(REPORTED["platforms"] * scale)
    out = SyntheticLists(scale, seed)

    # fields: the 13 base fields, numbered beyond the first round at larger scales
    n_fields = max(3, min(len(FIELDS) * max(1, round(scale)), n_alliances))
    fields = []
    for i in range(n_fields):
        zh, en = FIELDS[i % len(FIELDS)]
        k = i // len(FIELDS)
        fields.append(
            (f"{PREFIX}{zh}{k + 1 if k else ''}", f"synthetic {en}{f' {k + 1}' if k else ''}")
        )

    # alliances: heavy-tailed sizes (Zipf-like weights with noise)
    weights = [rng.lognormvariate(0, 0.35) / (i + 1) ** 0.9 for i in range(n_alliances)]
    memberships = round(n_orgs * 1.18)
    total = sum(weights)
    # an alliance never has more seats than there are organisations (at tiny scales)
    sizes = [min(n_orgs, max(12, round(memberships * w / total))) for w in weights]
    for i in range(n_alliances):
        fzh, fen = fields[i % len(fields)]
        base = fzh.removeprefix(PREFIX)
        name = f"{PREFIX}重庆市{base}技术创新战略联盟{_cn_number(i // len(fields))}"
        out.alliances.append(
            {
                "联盟名称": name,
                "英文名称": f"Synthetic Chongqing {fen.removeprefix('synthetic ')} alliance"
                + (f" {i // len(fields) + 1}" if i // len(fields) else ""),
                "产业领域": fzh,
                "成立时间": str(rng.randint(2008, 2019)),
                "成员数": sizes[i],
            }
        )

    # organisations, unique names
    kinds = [k for k, _ in MIX]
    probs = [p for _, p in MIX]
    seen: set[str] = set()
    orgs: list[dict[str, str]] = []
    # two-syllable trade names while they can name everyone (every scale up to about 50x
    # keeps its names); three where they would run out (firms, the largest kind, have
    # 96,768 two-syllable names: at 100x they would be drawn for ever)
    syllables = 2 if n_orgs <= _names(2) // 2 else 3
    while len(orgs) < n_orgs:
        kind = rng.choices(kinds, probs)[0]
        trade = "".join(rng.choice(SYLLABLES) for _ in range(syllables))
        word = rng.choice(WORDS[kind])
        suffix = rng.choice(SUFFIX.get(kind, [""]))
        name = f"{PREFIX}{trade}{word}{suffix}"
        if name_key(name) in seen or trade[0] == trade[1]:
            continue
        seen.add(name_key(name))
        # a short name never spells another member's full or short name (that would be a
        # real ambiguity, which the importer rightly refuses to guess)
        short = f"{PREFIX}{trade}{word[:2]}" if rng.random() < 0.2 else ""
        if short and (name_key(short) in seen or name_key(short) == name_key(name)):
            short = ""
        if short:
            seen.add(name_key(short))
        orgs.append(
            {
                "name": name,
                "kind": kind,
                "trade": trade,
                "short": short,
                "en": f"Synthetic {_pinyinish(trade)} {kind} {len(orgs) + 1}"
                if rng.random() < 0.6
                else "",
                "code": _code(rng)
                if rng.random() < (0.75 if kind == "Enterprise" else 0.5)
                else "",
                "district": PREFIX + rng.choice(DISTRICTS),
            }
        )

    # every organisation in one alliance (in proportion to size), then extra seats filled
    # by organisations already placed; universities and institutes are picked six times as often
    slots: list[list[int]] = [[] for _ in range(n_alliances)]
    order = list(range(n_orgs))
    rng.shuffle(order)
    # (cumulative sums computed once and searched by bisection: the same draws as
    # ``rng.choices(range(n), weights)``, without its O(n) sum per seat, which took minutes
    # at 100x)
    cumulative = list(itertools.accumulate(sizes))
    for j, o in enumerate(order):
        target = j * cumulative[-1] / n_orgs
        slots[bisect.bisect_right(cumulative, target)].append(o)
    pick_weights = [6 if orgs[i]["kind"] in ("University", "ResearchInstitute") else 1
                    for i in range(n_orgs)]  # fmt: skip
    pick_cumulative = list(itertools.accumulate(pick_weights))
    for a in range(n_alliances):
        members = set(slots[a])
        while len(slots[a]) < sizes[a]:
            o = rng.choices(range(n_orgs), cum_weights=pick_cumulative)[0]
            if o not in members:
                members.add(o)
                slots[a].append(o)

    for a, alliance in enumerate(out.alliances):
        founded = int(alliance["成立时间"])
        field_zh = alliance["产业领域"]
        for pos, o in enumerate(slots[a]):
            org = orgs[o]
            if pos == 0:
                role = "理事长单位"
            elif pos <= rng.randint(2, 6):
                role = "副理事长单位"
            elif pos == 7:
                role = "秘书长单位"
            elif rng.random() < 0.12:
                role = "理事单位"
            else:
                role = "成员单位" if rng.random() > 0.05 else ""
            out.members.append(
                {
                    "联盟": alliance["联盟名称"],
                    "单位名称": org["name"],
                    "英文名称": org["en"],
                    "简称": org["short"],
                    "单位类型": TYPE_ZH[org["kind"]],
                    "角色": role,
                    "加入时间": _join_date(rng, founded),
                    "所在地": org["district"],
                    "产业领域": field_zh,
                    "产业链环节": f"{field_zh}产业链{rng.choice(SEGMENTS)[0]}"
                    if org["kind"] == "Enterprise" and rng.random() < 0.8
                    else "",
                    "统一社会信用代码": org["code"],
                }
            )

    # platforms: key laboratories and centres, held by universities, institutes and firms
    holders = [o for o in orgs if o["kind"] != "GovernmentAgency"]
    kinds_of_platform = ["重点实验室", "工程技术研究中心", "企业技术中心", "中试基地"]
    used: set[str] = set()
    while len(out.platforms) < n_platforms:
        owner = rng.choice(holders)
        stem = owner["name"].removesuffix("有限公司").removesuffix("股份")
        name = f"{stem}{rng.choice(kinds_of_platform)}"
        if name in used:
            name = f"{name}（{len(out.platforms) + 1}）"
        used.add(name)
        out.platforms.append({"平台名称": name, "依托单位": owner["name"]})
    return out


def _cn_number(k: int) -> str:
    return "" if k == 0 else f"（{k + 1}）"


def _join_date(rng: random.Random, founded: int) -> str:
    year = rng.randint(founded, 2021)
    r = rng.random()
    if r < 0.70:
        return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if r < 0.85:
        return f"{year}年{rng.randint(1, 12)}月"
    if r < 0.90:
        return str(year)
    return ""


def write(lists: SyntheticLists, out: Path) -> list[Path]:
    """Write the lists as UTF-8 CSV files in the import format, each whole or not at all
    (:func:`alliancegraph.fileio.atomic_write`, mode from the umask); return the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows, columns in (
        (
            "alliances.csv",
            lists.alliances,
            ["联盟名称", "英文名称", "产业领域", "成立时间", "成员数"],
        ),
        ("members.csv", lists.members, MEMBER_COLUMNS),
        ("platforms.csv", lists.platforms, ["平台名称", "依托单位"]),
    ):
        buf = io.StringIO(newline="")
        w = csv.DictWriter(buf, columns)
        w.writeheader()
        w.writerows(rows)
        paths.append(atomic_write(out / name, buf.getvalue()))
    info = {"scale": lists.scale, "seed": lists.seed, "synthetic": True, **lists.counts()}
    paths.append(atomic_write(out / "synth.json", json.dumps(info, indent=2) + "\n"))
    return paths


#: the most bytes a row of a generated table takes (a membership row is about 240)
ROW_BYTES = 512


@dataclass
class SyntheticFolder:
    """A folder written by :func:`write`, as a source for the import pipeline
    (:func:`alliancegraph.imports.run_import`): one import into ``GRAPH_SYNTHETIC``, every
    node it makes flagged ``ag:synthetic true`` and resolved only against other synthetic
    nodes."""

    path: Path
    kind: str = field(default="synthetic", init=False)
    synthetic: bool = field(default=True, init=False)
    alliance: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @property
    def title(self) -> str:
        return f"synthetic lists ({self.path.name})"

    @property
    def files(self) -> list[Path]:
        return [self.path / n for n in ("alliances.csv", "members.csv", "platforms.csv")]

    def read(self) -> bytes:
        missing = [p.name for p in self.files if not p.exists()]
        if missing:
            raise UsageError(f"{self.path} is not a synth folder: missing {', '.join(missing)}")
        return b"".join(p.read_bytes() + b"\0" for p in self.files)

    def identity(self, raw: bytes) -> bytes:
        return b"synthetic\0" + raw

    def limits(self) -> Limits:
        """The reading limits of the folder's tables: a member list's (:class:`Limits`),
        raised to the rows its ``synth.json`` declares (generated lists at 100x hold 228k
        memberships, over the 200,000 rows and 50 MB a hand-made list may have), at most
        :data:`ROW_BYTES` a row."""
        try:
            info = json.loads((self.path / "synth.json").read_text(encoding="utf-8"))
            rows = max(int(info.get(k, 0)) for k in ("alliances", "memberships", "platforms"))
        except (OSError, ValueError, TypeError, AttributeError):
            return LIMITS
        return dataclasses.replace(
            LIMITS,
            max_rows=max(LIMITS.max_rows, rows),
            max_bytes=max(LIMITS.max_bytes, rows * ROW_BYTES),
        )

    def check(self, context: ox.Store) -> None:
        """Nothing to check: a synthetic folder names its own alliances."""

    def compile(
        self,
        context: ox.Store,
        import_id: str,
        progress: Progress | None,
        sink: Callable[[bytes], None] | None = None,
        base: Build | None = None,
    ) -> CompiledImport:
        index = Index.from_store(context, synthetic=True, build=base)
        compiler = MemberCompiler(
            index, import_id, GRAPH_SYNTHETIC, f"{AGR}syn-source-{import_id}", synthetic=True,
            progress=progress, sink=sink,
        )  # fmt: skip
        compiler.describe_source(f"{PREFIX}成员名单（{self.path.name}）", self.path.name, {})
        limits = self.limits()
        alliances, members, platforms = (read_table(p, limits=limits) for p in self.files)
        compiler.alliances = _compile_alliances(compiler, alliances)
        compiler.compile_table(members)
        out = compiler.finish()
        _compile_platforms(compiler, platforms)
        return out


def _compile_alliances(compiler: MemberCompiler, table: Table) -> dict[str, str]:
    """Alliances, their fields and the fields' chain segments; name key -> alliance IRI."""
    head = {h: i for i, h in enumerate(table.header)}
    problems = []
    alliance_names: dict[str, str] = {}
    for line, cells in table.rows:
        where = f"{table.name}:{line}"
        row = {h: (cells[i] if i < len(cells) else "") for h, i in head.items()}
        name = row.get("联盟名称", "")
        if not name.startswith(PREFIX):
            problems.append(Problem(where, f"column 联盟名称: {name!r}; expected a {PREFIX} name"))
            continue
        ev = evidence_of(cells)
        a = compiler.mint("alliance", name, where)
        alliance_names[name] = a
        compiler.add(a, RDF + "type", ox.NamedNode(AG + "Alliance"))
        compiler.add(a, RDFS + "label", ox.Literal(name, language="zh"))
        if row.get("英文名称"):
            compiler.add(a, RDFS + "label", ox.Literal(row["英文名称"], language="en"))
        f = compiler.concept("field", AG + "IndustryField", row["产业领域"], where)
        compiler.fact(where, a, AG + "focusIndustry", ox.NamedNode(f), ev)
        previous = None
        for seg_zh, _ in SEGMENTS:
            seg_name = f"{row['产业领域']}产业链{seg_zh}"
            if compiler.index.find("segment", seg_name):
                break
            s = compiler.concept("segment", AG + "ChainSegment", seg_name, where)
            compiler.fact(where, f, AG + "hasSegment", ox.NamedNode(s), ev)
            if previous:
                compiler.fact(where, previous, AG + "feedsInto", ox.NamedNode(s), ev)
            previous = s
    if problems:
        raise DataError(problems)
    return {name_key(k): v for k, v in alliance_names.items()}


def _compile_platforms(compiler: MemberCompiler, table: Table) -> None:
    """Platforms, held by the organisations the member rows resolved."""
    problems = []
    for line, cells in table.rows:
        where = f"{table.name}:{line}"
        name, owner = ([*cells, "", ""])[:2]
        holders = compiler.index.find("org", owner)
        if len(holders) != 1:
            problems.append(Problem(where, f"column 依托单位: {owner!r}; expected one member"))
            continue
        p = compiler.mint("platform", name, where)
        compiler.add(p, RDF + "type", ox.NamedNode(AG + "ResearchPlatform"))
        compiler.add(p, RDFS + "label", ox.Literal(name, language="zh"))
        compiler.fact(where, next(iter(holders)), AG + "hasPlatform", ox.NamedNode(p),
                      evidence_of(cells))  # fmt: skip
    if problems:
        raise DataError(problems)


def import_synthetic(
    folder: str | Path,
    *,
    root: str | Path | None = None,
    cache_dir: str | Path | None = None,
    home: str | Path | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import a folder written by :func:`write` as one import of flagged synthetic data,
    through the one import pipeline (:func:`alliancegraph.imports.run_import`)."""
    return run_import(
        SyntheticFolder(Path(folder)), root=root, cache_dir=cache_dir, home=home,
        progress=progress,
    )  # fmt: skip
