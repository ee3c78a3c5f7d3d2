"""Punctuation by language: full-width in Chinese text, half-width in English (issue 20).

Every page of the permission matrix that answers 200 is rendered in each language for the roles
that read the most of it, and its visible text is searched for punctuation of the other kind
beside the language's own letters: "组长: 赵敏", "忘记密码?请联系" in Chinese; "Place：",
"（organiser）" in English. Figures and times (上午9:00, 2026-12-06) are not sentences.
"""

import html
import re

import pytest

from tests.surface import PAGES

ROLES = ["secretary", "member", "bureau"]
HAN = r"[\u4e00-\u9fff]"
WRONG = {
    # A half-width mark right after a Chinese character, or before one across a space.
    "zh-hans": re.compile(rf"{HAN}[:;?!,()]|[;?!,)]\s*{HAN}|\(\s*{HAN}|:\s+{HAN}"),
    # A full-width mark beside Latin letters.
    "en": re.compile(r"[A-Za-z][：；？！，（）。、]|[：；？！，（）。、] ?[A-Za-z]"),
}
HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>|<!--.*?-->", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def visible_text(page: str) -> str:
    return html.unescape(TAG.sub("\n", HIDDEN.sub("", page)))


def readable_pages():
    for page in PAGES:
        for role in ROLES:
            if page.expected.get(role) == 200:
                yield pytest.param(page, role, id=f"{page}-{role}")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize(("page", "role"), list(readable_pages()))
def test_punctuation_matches_the_language(client, db, surface_world, page, role, language):
    client.force_login(surface_world["users"][role])
    client.cookies["django_language"] = language

    response = client.get(page.url(surface_world), page.params(surface_world))

    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return
    text = visible_text(response.content.decode())
    found = sorted(
        {text[max(m.start() - 8, 0) : m.end() + 8].strip() for m in WRONG[language].finditer(text)}
    )
    assert not found, f"{language} punctuation: {sorted(found)}"
