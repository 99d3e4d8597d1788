"""Member lists (CSV or XLSX) read, checked, resolved and compiled into memberships with
provenance; never written anywhere (:mod:`alliancegraph.imports` keeps and builds them).

A member list is what an alliance secretariat keeps: one row per member unit, with its
name, type, role, join date, place, field and credit code.

=================  ==========================================================================
:mod:`.readers`    CSV (UTF-8, UTF-8 with BOM, GB18030) or XLSX into a ``Table``; zh or en
                   headers mapped to the import format's columns
:mod:`.normalise`  what a cell means: name keys, GB 32100 credit codes, dates as precise as
                   written, member types and roles
:mod:`.resolver`   the ``Index`` of what the graph already knows (names, codes), read with
                   the ``imports-index-*`` internal queries and kept with the build
:mod:`.compiler`   ``MemberCompiler``: rows checked (every problem located), resolved, and
                   compiled into quads (``QuadBuffer``) with a provenance record per fact
=================  ==========================================================================
"""

from __future__ import annotations

from .compiler import CompiledImport, MemberCompiler, Progress, QuadBuffer
from .normalise import (
    CODE_CHARS,
    ROLES,
    TYPES,
    credit_code_check_char,
    credit_code_valid,
    evidence_of,
    name_key,
    parse_date,
)
from .readers import Table, read_table
from .resolver import Index

__all__ = [
    "CODE_CHARS",
    "ROLES",
    "TYPES",
    "CompiledImport",
    "Index",
    "MemberCompiler",
    "Progress",
    "QuadBuffer",
    "Table",
    "credit_code_check_char",
    "credit_code_valid",
    "evidence_of",
    "name_key",
    "parse_date",
    "read_table",
]
