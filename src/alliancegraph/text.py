"""Plain-text rules shared by every reader of names and notes: which script a text is in.

One rule for the language tag of a label, alias, note or evidence quote, used by the curated
tables, member lists and synthetic data alike, so the same name gets the same tag whichever
file it came from.
"""

from __future__ import annotations

import re

#: One Chinese character (CJK Unified Ideographs, Extension A, Compatibility Ideographs).
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
#: One run of Latin letters: a word.
LATIN_WORD = re.compile(r"[A-Za-z]+")


def lang_of(text: str) -> str:
    """``zh`` when the text is mostly Chinese, else ``en``.

    The rule: count Chinese characters and Latin words (a run of ASCII letters), since one
    hanzi carries about as much as one English word; the text is ``zh`` when it has at
    least one Chinese character and no fewer Chinese characters than Latin words. So an
    English note that quotes a Chinese name stays English, a Chinese name with a Latin
    acronym is Chinese, and text with no Chinese at all (digits, punctuation) is English.

    >>> lang_of("重庆邮电大学")
    'zh'
    >>> lang_of("重庆ABB电气有限公司")
    'zh'
    >>> lang_of("Chongqing University of Posts and Telecommunications (重邮)")
    'en'
    >>> lang_of("2019")
    'en'
    """
    cjk = len(CJK.findall(text))
    latin = len(LATIN_WORD.findall(text))
    return "zh" if cjk and cjk >= latin else "en"
