"""One language rule for every label, alias, note and quote: ``text.lang_of``."""

from __future__ import annotations

import pytest

from alliancegraph import curation, text


@pytest.mark.parametrize(
    "value,lang",
    [
        ("重庆邮电大学", "zh"),
        ("重庆市物联网产业技术创新战略联盟", "zh"),
        ("重庆ABB电气有限公司", "zh"),  # 8 hanzi, 1 Latin word
        ("IBM 重庆", "zh"),  # a tie goes to Chinese
        ("Chongqing University of Posts and Telecommunications", "en"),
        ("An English note that quotes 重邮", "en"),  # 2 hanzi, 5 words
        ("Chongqing ABB Electric (重庆)", "en"),  # any hanzi is not enough
        ("2019-06", "en"),  # no Chinese at all
        ("", "en"),
        ("北京", "zh"),
        ("豈", "zh"),  # a CJK compatibility ideograph counts
    ],
)
def test_lang_of(value, lang):
    assert text.lang_of(value) == lang


def test_curation_uses_the_one_rule():
    assert curation.lang_of is text.lang_of
