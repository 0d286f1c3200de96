"""Request-level guards: hostile or impossible input is answered with a 4xx and a Chinese
message before any view (ours or the framework's) sees it, once for every door.

- ids in the URL path beyond what the database's integer columns hold (PostgreSQL
  ``integer``: 2^31-1; SQLite: 2^63-1) answer 404: no such record can exist;
- list filters (console ``_flt_N_col``, API ``q=(filters:...)``) with such a number for an
  integer column, negative or non-numeric paging (``page_<View>``, ``psize_<View>``,
  API ``page``/``page_size``) and malformed API ``q`` answer 400;
- a NUL character anywhere in the path, the query string, a form or a JSON body answers 400
  (PostgreSQL refuses NUL in text);
- a JSON body is checked before the framework parses it: not JSON, nested deeper than
  ``policy.MAX_JSON_DEPTH``, or holding a lone UTF-16 surrogate (``\\ud800``) answers 400;
- a body over ``MAX_CONTENT_LENGTH`` answers 413 at every door (the API's framework
  handlers would otherwise turn it into a 500);
- the framework's unscoped ``/<view>/download/<filename>`` answers 404 on every view (files
  are served by ``/files/<id>``, within the user's scope);
- the framework's list actions (``/<view>/action_post``) with an unknown action, no row or a
  row outside the user's scope answer 400 / 404.

Installed by ``app.web.install_web``; the answers go through the console's error pages
(``abort`` with a Chinese description).
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, abort, current_app, request
from sqlalchemy import BigInteger, Integer, SmallInteger
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import RelationshipProperty

from app import policy

NUL = "\x00"
_INTEGER_TEXT = re.compile(r"[+-]?\d+")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_FILTER_ARG = re.compile(r"_flt_(\d)_(.*)")

NO_RECORD = "记录不存在，或不在您的管辖范围内。"
NUL_TEXT = "请求中含有不允许的控制字符（NUL），请删除后重试。"
BAD_PAGING = "页码应为不小于0的整数，每页条数应为正整数。"
FILTER_OUT_OF_RANGE = "筛选条件中的数值超出范围。"
NOT_JSON = "请求体不是有效的JSON。"
JSON_TOO_DEEP = f"JSON嵌套层级过深（最多{policy.MAX_JSON_DEPTH}层）。"
JSON_SURROGATE = "JSON中含有无效的Unicode字符（孤立的代理项，如\\ud800）。"
BAD_RISON = "查询参数q格式不正确（应为Rison格式，例如 (page:0,page_size:20)）。"
NUMBER_OUT_OF_RANGE = "数值超出范围。"
UNKNOWN_ACTION = "未知的批量操作。"
NO_ROWS = "请先勾选记录。"

_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def integer_bound(column_type: Any = None) -> int:
    """The largest value an integer column of this type holds on the app's database."""
    dialect = current_app.extensions["sqlalchemy"].engine.dialect.name
    if dialect != "postgresql":
        return 2**63 - 1  # SQLite (and the others we do not ship): 64-bit integers
    if isinstance(column_type, BigInteger):
        return 2**63 - 1
    if isinstance(column_type, SmallInteger):
        return 2**15 - 1
    return 2**31 - 1


def _fits(value: int, column_type: Any = None) -> bool:
    return abs(value) <= integer_bound(column_type)


def install_guards(app: Flask) -> None:
    @app.before_request
    def _guard_request():
        _check_size(app)
        _check_path()
        _check_query()
        _check_json_body()
        _check_form()
        _check_action_post()


# --- size -------------------------------------------------------------------------------

def _check_size(app: Flask) -> None:
    limit = app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        abort(413, description=f"上传的内容过大（最大{limit // (1024 * 1024)} MB）。")


# --- path -------------------------------------------------------------------------------

def _check_path() -> None:
    if NUL in request.path:
        abort(404, description=NO_RECORD)
    if (request.endpoint or "").endswith(".download") and "filename" in (request.view_args or {}):
        # Flask-AppBuilder's /<view>/download/<filename> serves any file of UPLOAD_FOLDER,
        # unscoped (and fails on names it did not make); evidence goes through /files/<id>
        abort(404, description=NO_RECORD)
    for value in (request.view_args or {}).values():
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not _fits(value):
            abort(404, description=NO_RECORD)
        if isinstance(value, str):
            if NUL in value:
                abort(404, description=NO_RECORD)
            if _INTEGER_TEXT.fullmatch(value) and not _fits(int(value)):
                abort(404, description=NO_RECORD)


# --- query string -----------------------------------------------------------------------

def _view():
    """The view object serving this request (Flask-AppBuilder registers bound methods)."""
    function = current_app.view_functions.get(request.endpoint or "")
    return getattr(function, "__self__", None)


def _column_type(model, path: str):
    """The SQL type a (dotted) list column compares with: a relation compares its target's
    primary key."""
    name, _, rest = path.partition(".")
    try:
        prop = sa_inspect(model).attrs.get(name)
    except Exception:  # noqa: BLE001 - not a mapped class
        return None
    if prop is None:
        return None
    if isinstance(prop, RelationshipProperty):
        target = prop.mapper.class_
        if rest:
            return _column_type(target, rest)
        keys = sa_inspect(target).primary_key
        return keys[0].type if len(keys) == 1 else None
    columns = getattr(prop, "columns", None)
    return columns[0].type if columns else None


def _check_number_for_column(model, column: str, value: Any) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER_TEXT.fullmatch(value.strip()):
        column_type = _column_type(model, column) if model is not None else None
        if not isinstance(column_type, Integer):
            return  # a code typed as digits into a text column is text
        number = int(value.strip())
    else:
        return
    column_type = _column_type(model, column) if model is not None else None
    if not _fits(number, column_type if isinstance(column_type, Integer) else None):
        abort(400, description=FILTER_OUT_OF_RANGE)


def _model_of(view):
    datamodel = getattr(view, "datamodel", None)
    return getattr(datamodel, "obj", None)


def _check_query() -> None:
    args = request.args
    for key in args:
        values = args.getlist(key)
        if NUL in key or any(NUL in v for v in values):
            abort(400, description=NUL_TEXT)
    for value in args.getlist("pk"):  # e.g. /resetpassword/form?pk=<user id>
        if _INTEGER_TEXT.fullmatch(value.strip()) and not _fits(int(value.strip())):
            abort(404, description=NO_RECORD)
    model = None
    for key in args:
        # Flask-AppBuilder reads any argument named like these as page numbers and sizes
        if re.findall("page_(.*)", key) or re.findall("psize_(.*)", key):
            smallest = 1 if re.findall("psize_(.*)", key) else 0
            for value in args.getlist(key):
                text = value.strip()
                if not re.fullmatch(r"\d+", text) or int(text) < smallest \
                        or not _fits(int(text), Integer()):
                    abort(400, description=BAD_PAGING)
        match = _FILTER_ARG.fullmatch(key)
        if match:
            if model is None:
                model = _model_of(_view())
            for value in args.getlist(key):
                _check_number_for_column(model, match.group(2), value)
    if "q" in args and request.path.startswith("/api/"):
        _check_rison(args["q"])


def _check_rison(text: str) -> None:
    import prison

    try:
        value = prison.loads(text)
    except Exception:  # noqa: BLE001 - prison raises plain exceptions for any bad input
        abort(400, description=BAD_RISON)
    if not isinstance(value, dict):
        return  # the framework's own schema check answers it
    for key in ("page", "page_size"):
        if key in value:
            number = value[key]
            smallest = 1 if key == "page_size" else 0
            if isinstance(number, bool) or not isinstance(number, int) or number < smallest \
                    or not _fits(number, Integer()):
                abort(400, description=BAD_PAGING)
    _check_nested(value, depth=0)
    model = _model_of(_view())
    for item in value.get("filters") or []:
        if not isinstance(item, dict):
            continue
        column = item.get("col")
        values = item.get("value")
        for one in values if isinstance(values, list) else [values]:
            if isinstance(column, str):
                _check_number_for_column(model, column, one)


# --- JSON body --------------------------------------------------------------------------

def _check_json_body() -> None:
    if request.method not in _BODY_METHODS or not request.is_json:
        return
    raw = request.get_data(cache=True)
    if not raw.strip():
        return
    try:
        data = json.loads(raw)
    except RecursionError:
        abort(400, description=JSON_TOO_DEEP)
    except ValueError:  # includes UnicodeDecodeError
        abort(400, description=NOT_JSON)
    _check_nested(data, depth=0)


def _check_nested(value: Any, depth: int) -> None:
    """Walk a decoded JSON (or rison) value without recursion: depth, lone surrogates, NUL."""
    stack = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if level > policy.MAX_JSON_DEPTH:
            abort(400, description=JSON_TOO_DEEP)
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, inner in item.items():
                _check_text(str(key))
                stack.append((inner, level + 1))
        elif isinstance(item, list):
            stack.extend((inner, level + 1) for inner in item)
        elif isinstance(item, int) and not isinstance(item, bool) and not _fits(item, Integer()):
            # every integer column of the domain is an Integer: no id or quantity can be larger
            abort(400, description=NUMBER_OUT_OF_RANGE)


def _check_text(text: str) -> None:
    if NUL in text:
        abort(400, description=NUL_TEXT)
    if _LONE_SURROGATE.search(text):
        abort(400, description=JSON_SURROGATE)


# --- forms and uploads ------------------------------------------------------------------

def _check_form() -> None:
    if request.method not in _BODY_METHODS or request.mimetype not in (
            "multipart/form-data", "application/x-www-form-urlencoded"):
        return
    # parsing here makes an oversized body answer 413 before any view (the API's framework
    # handlers would turn the error into a 500)
    form, files = request.form, request.files
    for key in form:
        if NUL in key or any(NUL in v for v in form.getlist(key)):
            abort(400, description=NUL_TEXT)
    for upload in files.values():
        if NUL in (upload.filename or ""):
            abort(400, description=NUL_TEXT)


# --- the framework's list actions --------------------------------------------------------

def _check_action_post() -> None:
    """``/<view>/action_post`` (ticked rows, form fields ``action`` and ``rowid``) and
    ``/<view>/action/<name>/<pk>`` (one row): the framework calls the action with ``None``
    for an unknown action or a row it cannot find."""
    endpoint = request.endpoint or ""
    if endpoint.endswith(".action_post") and request.method == "POST":
        name, pks = request.form.get("action", ""), request.form.getlist("rowid")
    elif endpoint.endswith(".action") and "name" in (request.view_args or {}):
        name, pks = request.view_args["name"], [str(request.view_args.get("pk", ""))]
    else:
        return
    view = _view()
    actions = getattr(view, "actions", None)
    if actions is None:
        return
    if name not in actions:
        abort(400, description=UNKNOWN_ACTION)
    from flask_login import current_user

    from app.fab import record_pk

    if not current_user.is_authenticated or not view.appbuilder.sm.has_access(
            view.get_action_permission_name(name), view.class_permission_name):
        return  # the framework refuses it (log-in page or "access denied")
    if not pks:
        abort(400, description=NO_ROWS)
    for pk in pks:
        text = pk.strip()
        if NUL in text or (_INTEGER_TEXT.fullmatch(text) and not _fits(int(text))) \
                or view.datamodel.get(record_pk(view, text)) is None:
            abort(404, description="所选记录不存在，或不在您的管辖范围内。")
