"""The console's own gettext catalogue (app/translations/zh): Simplified Chinese texts for
Flask-AppBuilder's messages, merged after FAB's bundled zh catalogue so ours win.

The first tests need no application; the last renders real pages."""
from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS_DIR = ROOT / "app" / "translations"
PO_PATH = TRANSLATIONS_DIR / "zh" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")

HAN = re.compile(r"[\u4e00-\u9fff]")
# %(name)s / %s / %d ... (printf style, as gettext and Flask-Babel use) and {name} (str.format)
PRINTF = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
BRACES = re.compile(r"\{[^{}]*\}")


def _po_catalog():
    with PO_PATH.open("rb") as handle:
        return read_po(handle, locale="zh")


def _messages(catalog) -> dict:
    return {message.id: message.string for message in catalog}


def _placeholders(text: str) -> list[str]:
    return sorted(PRINTF.findall(text) + BRACES.findall(text))


def _texts(message) -> tuple[list[str], list[str]]:
    ids = list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]
    strings = (list(message.string) if isinstance(message.string, (tuple, list))
               else [message.string])
    return ids, strings


def test_mo_is_compiled_from_current_po():
    assert PO_PATH.exists() and MO_PATH.exists()
    catalog = _po_catalog()
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    expected = _messages(read_mo(buffer))
    with MO_PATH.open("rb") as handle:
        actual = _messages(read_mo(handle))
    assert actual == expected, "messages.mo is stale: run python scripts/compile_translations.py"


def test_po_header_is_chinese_with_one_plural_form():
    catalog = _po_catalog()
    assert str(catalog.locale) == "zh"
    assert catalog.num_plurals == 1
    assert catalog.plural_expr.strip() == "0"


def test_every_message_is_translated_into_chinese_with_matching_placeholders():
    catalog = _po_catalog()
    problems = []
    count = 0
    for message in catalog:
        if not message.id:  # the header
            continue
        count += 1
        if message.fuzzy:
            problems.append(f"{message.id!r}: fuzzy")
        ids, strings = _texts(message)
        for text in strings:
            if not text or not text.strip():
                problems.append(f"{message.id!r}: empty msgstr")
                continue
            bare = BRACES.sub("", PRINTF.sub("", ids[0]))
            if re.search(r"[A-Za-z]{2,}", bare) and not HAN.search(text):
                problems.append(f"{message.id!r}: msgstr {text!r} has no Chinese")
            if _placeholders(text) != _placeholders(ids[-1]) and \
                    _placeholders(text) != _placeholders(ids[0]):
                problems.append(f"{message.id!r}: placeholders {_placeholders(ids[0])} "
                                f"vs {_placeholders(text)} in {text!r}")
        problems.extend(f"{message.id!r}: {error}" for error in message.check(catalog))
    assert count >= 150
    assert not problems, "\n".join(problems)


def test_catalog_covers_the_framework_screens():
    messages = _messages(_po_catalog())
    expected = {
        "List Users": "用户管理", "List Roles": "角色管理", "Security": "用户权限",
        "User's Statistics": "用户统计", "Base Permissions": "权限",
        "Views/Menus": "视图/菜单", "Permission on Views/Menus": "视图权限",
        "Record Count": "记录数", "Add Filter": "添加筛选条件", "Page size": "每页条数",
        "Search": "搜索", "Back": "返回", "Save": "保存", "Edit": "编辑", "Delete": "删除",
        "Last login": "最后登录时间",
    }
    for msgid, text in expected.items():
        assert messages.get(msgid) == text, msgid


def test_our_catalog_overrides_flask_appbuilders(app):
    """FAB's directory comes first in BABEL_TRANSLATION_DIRECTORIES; Flask-Babel merges in order,
    so for a msgid in both catalogues ours (e.g. 返回, FAB: 后退) is the one used."""
    from flask_babel import get_translations, gettext

    directories = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    assert Path(directories[-1]).resolve() == TRANSLATIONS_DIR.resolve()
    with app.test_request_context("/"):
        assert any(Path(f).resolve() == MO_PATH.resolve() for f in get_translations().files)
        assert gettext("Back") == "返回"
        assert gettext("List Users") == "用户管理"
        assert gettext("Record Count") == "记录数"


class _VisibleText(HTMLParser):
    """The text a user can read: element text outside <script>/<style>, plus the title,
    placeholder, alt and button-value attributes."""

    ATTRIBUTES = {"title", "placeholder", "alt", "aria-label", "data-original-title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if value and (name in self.ATTRIBUTES
                          or (tag == "input" and name == "value"
                              and dict(attrs).get("type") in ("submit", "button"))):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


@pytest.mark.parametrize("path, english, chinese", [
    ("/enterpriseview/list/", ["Record Count", "Add Filter", "Search", "Actions",
                               "List Users", "Page size"],
     ["记录数", "添加筛选条件", "用户管理"]),
    ("/users/list/", ["Record Count", "Add Filter", "List Users", "Actions", "Last login",
                      "Is Active?"],
     ["记录数", "添加筛选条件", "用户管理", "角色管理"]),
])
def test_console_pages_show_no_framework_english(client_as, path, english, chinese):
    response = client_as("admin").get(path)
    assert response.status_code == 200
    text_shown = visible_text(response.get_data(as_text=True))
    for text in english:
        assert text not in text_shown, f"{text!r} is still English on {path}"
    for text in chinese:
        assert text in text_shown, f"{text!r} missing on {path}"
