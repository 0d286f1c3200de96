"""Flask-AppBuilder security for the console: users belong to a bureau, and each role's
permissions are generated from the ``access`` every view and API declares."""
from __future__ import annotations

import logging
import re

from flask import g, has_request_context, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.api import expose as api_expose
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.forms import ResetPasswordForm
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from flask_appbuilder.security.views import (
    AuthDBView,
    ResetMyPasswordView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
)
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_babel import lazy_gettext
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, ValidationError

from app.fab import BlankChoiceLabels, ChineseApiResponses, VersionedEdit, install_jwt_messages
from app.models import ConsoleUser
from app.security_model import Role

log = logging.getLogger(__name__)

#: ``flask.g`` flag set by ``ConsoleSecurityManager.auth_user_db`` when a password was checked
#: and refused, at the console login and the API login alike.
LOGIN_FAILED_FLAG = "_ccc_login_failed"


def _yes_no(value) -> str:
    return "是" if value else "否"


def _joined(values) -> str:
    return "、".join(str(v) for v in values or [])


def _bureau_matches_role(form, field):
    """A district officer works for a county or a city (地市级) bureau — a city's officer
    supervises its counties through ``app.scope.bureau_subtree`` — and province-wide roles for
    the province."""
    bureau, roles = field.data, form["roles"].data or []
    if bureau is None:
        raise ValidationError("请选择所属部门。")
    names = {r.name for r in roles}
    if Role.district_officer.value in names and bureau.level.name == "province":
        raise ValidationError("区局经办人应属于区县级或地市级市场监管部门（地市级经办人可查看和办理所辖区县的记录）。")
    if names & {r.value for r in Role if r.province_wide} and bureau.level.name != "province":
        raise ValidationError("省级角色（省级管理员、省级审核员、只读）应属于省级市场监管部门。")


PASSWORD_CONTAINS_LOGIN = "密码不能包含登录名（不区分大小写）。"


def password_contains_login(password: str | None, login: str | None) -> bool:
    login = (login or "").strip().lower()
    return bool(login) and login in (password or "").lower()


class NotContainingLogin:
    """A password must not contain its user's login name, case-insensitively. The framework's
    complexity validator sees only the password, so each door that sets one (add user,
    reset a user's password, reset my password) says whose login it is: ``login_of(form)``."""

    def __init__(self, login_of):
        self.login_of = login_of

    def __call__(self, form, field):
        if password_contains_login(field.data, self.login_of(form)):
            raise ValidationError(PASSWORD_CONTAINS_LOGIN)


def _login_typed_in_form(form) -> str | None:
    return form["username"].data if "username" in form else None


def _login_of_reset_target(_form) -> str | None:
    """The user whose password the admin resets: ``/resetpassword/form?pk=<id>``."""
    from app.extensions import db

    pk = (request.args.get("pk") or "").strip()
    user = db.session.get(ConsoleUser, int(pk)) if pk.isdigit() and len(pk) < 10 else None
    return user.username if user is not None else None


def _own_login(_form) -> str | None:
    return getattr(g.user, "username", None)


def _password_field(login_of) -> PasswordField:
    from app import policy

    return PasswordField(
        lazy_gettext("Password"),
        description=f"至少{policy.PASSWORD_MIN_LENGTH}位，须同时包含字母和数字，且不能包含登录名。",
        validators=[DataRequired(), PasswordComplexityValidator(), NotContainingLogin(login_of)],
        widget=BS3PasswordFieldWidget())


class ResetUserPasswordForm(ResetPasswordForm):
    password = _password_field(_login_of_reset_target)


class ResetOwnPasswordForm(ResetPasswordForm):
    password = _password_field(_own_login)


class ConsoleResetPasswordView(ResetPasswordView):
    """The provincial admin resets a user's password."""

    form = ResetUserPasswordForm


class ConsoleResetMyPasswordView(ResetMyPasswordView):
    """A user changes their own password."""

    form = ResetOwnPasswordForm


class ConsoleAuthDBView(AuthDBView):
    """Log-out is a POST carrying the CSRF token (the navbar's 退出 is a small form): a link
    or an image on any page cannot end a user's session. GET /logout/ asks first."""

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        if request.method == "GET":
            if not current_user.is_authenticated:
                return redirect(self.appbuilder.get_url_for_index)
            return self.render_template("console/logout.html", title="退出登录",
                                        appbuilder=self.appbuilder)
        return AuthDBView.logout(self)


def _account_of_own_bureau(form, field):
    """The national-system account a user is linked to is one of their own bureau's, and in
    use (its 监管 function makes the user eligible for 双随机 draws)."""
    account, bureau = field.data, form["bureau"].data
    if account is None:
        return
    if bureau is None or account.bureau_id != bureau.id:
        raise ValidationError("只能关联本部门的国家系统账号。")
    if account.status.name != "active":
        raise ValidationError("该账号已注销，不能关联。")


class ConsoleUserView(VersionedEdit, BlankChoiceLabels, UserDBModelView):
    """User management with the bureau each user works for and the national-system account
    they hold (``reviewer_account``)."""

    add_form_extra_fields = dict(UserDBModelView.add_form_extra_fields,
                                 password=_password_field(_login_typed_in_form))

    validators_columns = {
        "roles": [DataRequired(message="请选择角色。")],
        "bureau": [_bureau_matches_role],
        "reviewer_account": [_account_of_own_bureau],
    }
    formatters_columns = {"active": _yes_no, "roles": _joined,
                          "reviewer_account": lambda account: str(account) if account else ""}

    list_columns = ["username", "last_name", "first_name", "bureau", "reviewer_account", "roles",
                    "active"]
    search_columns = ["username", "last_name", "first_name", "bureau", "roles", "active"]
    add_columns = ["username", "last_name", "first_name", "email", "bureau", "reviewer_account",
                   "roles", "active", "password", "conf_password"]
    edit_columns = ["username", "last_name", "first_name", "email", "bureau", "reviewer_account",
                    "roles", "active"]
    show_fieldsets = [
        ("用户信息", {"fields": ["username", "active", "roles", "bureau", "reviewer_account",
                             "login_count"]}),
        ("个人信息", {"fields": ["last_name", "first_name", "email"], "expanded": True}),
        ("登录记录", {"fields": ["last_login", "fail_login_count", "created_on", "changed_on"],
                  "expanded": False}),
    ]
    user_show_fieldsets = [
        ("用户信息", {"fields": ["username", "roles", "bureau"]}),
        ("个人信息", {"fields": ["last_name", "first_name", "email"], "expanded": True}),
    ]
    label_columns = dict(UserDBModelView.label_columns, bureau="所属部门",
                         reviewer_account="国家系统账号")
    description_columns = {"reviewer_account": "本人在国家CCC免办系统中使用的账号（须为本部门的在用账号）；"
                                                "持有“监管”功能的，参加双随机检查人员的抽取"}


PERMISSION_TEXT = {
    "can_list": "查看列表", "can_show": "查看详情", "can_add": "新增", "can_edit": "编辑",
    "can_delete": "删除", "can_get": "接口读取", "can_post": "接口新增", "can_put": "接口修改",
    "can_info": "接口说明", "can_export": "导出", "can_download": "下载", "can_history": "历史",
    "menu_access": "菜单",
}


def _permission_text(permission_views) -> str:
    return "；".join(f"{PERMISSION_TEXT.get(pv.permission.name, pv.permission.name)}·"
                    f"{pv.view_menu.name}" for pv in permission_views or [])


class ConsoleRoleView(RoleModelView):
    """Roles are defined in code (``ensure_roles``): the console shows them, it does not edit
    them, so a change made here cannot silently vanish at the next start."""

    base_permissions = ["can_list", "can_show"]
    list_columns = ["name"]
    show_columns = ["name", "permissions"]
    search_columns = ["name"]
    label_columns = {"name": "角色名称", "permissions": "权限"}
    formatters_columns = {"permissions": _permission_text}


class ConsoleSecurityApi(ChineseApiResponses, SecurityApi):
    """``/api/v1/security/login``: a wrong user name or password is said in Chinese."""

    def response_401(self):
        return self.response(401, message="用户名或密码错误，或账号已停用。")

    @api_expose("/login", methods=["POST"])
    def login(self):
        # The spec leaves ``provider`` optional, but Flask-AppBuilder 5.3 reads it unchecked (a
        # body without it answered 500): the console has one provider, so it is the default.
        payload = request.get_json(silent=True)
        if isinstance(payload, dict):
            payload.setdefault("provider", "db")  # the parsed body is cached: login reads it
        return SecurityApi.login(self)

    login.__doc__ = SecurityApi.login.__doc__  # the OpenAPI operation is read from it


class ConsoleSecurityManager(SecurityManager):
    user_model = ConsoleUser
    userdbmodelview = ConsoleUserView
    rolemodelview = ConsoleRoleView
    userstatschartview = None  # its chart loads Google's scripts from the internet
    authdbview = ConsoleAuthDBView
    resetpasswordview = ConsoleResetPasswordView
    resetmypasswordview = ConsoleResetMyPasswordView
    security_api = ConsoleSecurityApi

    def auth_user_db(self, username, password):
        """Flask-AppBuilder's password check, remembering for the login throttle whether it
        refused (``_login_failed``)."""
        user = super().auth_user_db(username, password)
        if has_request_context():
            setattr(g, LOGIN_FAILED_FLAG, user is None)
        return user

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        install_jwt_messages(jwt_manager)
        return jwt_manager

    def exist_permission_on_roles(self, view_name, permission_name, role_ids) -> bool:
        """Answer from the roles' whole permission set, read once per request: a page asks
        this for every menu entry and button, and one query beats thirty."""
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        cache = g.setdefault("_console_permissions", {})
        key = tuple(sorted(role_ids))
        if key not in cache:
            pv, perm, view = self.permissionview_model, self.permission_model, self.viewmenu_model
            rows = (self.session.query(perm.name, view.name)
                    .select_from(pv).join(perm, pv.permission_id == perm.id)
                    .join(view, pv.view_menu_id == view.id)
                    .join(assoc_permissionview_role,
                          assoc_permissionview_role.c.permission_view_id == pv.id)
                    .filter(assoc_permissionview_role.c.role_id.in_(key)).all())
            cache[key] = {(p, v) for p, v in rows}
        return (permission_name, view_name) in cache[key]


def self_service_permissions(sm) -> list[tuple[str, str]]:
    """What every signed-in user needs for their own profile and password."""
    user_view = sm.user_view.class_permission_name
    return [
        ("can_userinfo", user_view),
        ("resetmypassword", user_view),
        ("userinfoedit", user_view),
        ("can_this_form_get", sm.resetmypasswordview.__name__),
        ("can_this_form_post", sm.resetmypasswordview.__name__),
        ("can_this_form_get", sm.userinfoeditview.__name__),
        ("can_this_form_post", sm.userinfoeditview.__name__),
    ]


def declared_permissions(appbuilder) -> dict[Role, set[tuple[str, str]]]:
    """(permission, view) pairs each role gets, from the views' and APIs' ``access``."""
    granted: dict[Role, set[tuple[str, str]]] = {role: set() for role in Role}
    menu_names: dict[str, str] = {}
    for item in appbuilder.menu.get_list():
        for child in item.childs or []:
            if child.baseview is not None:
                menu_names[child.name] = item.name
    for view in appbuilder.baseviews:
        access = getattr(view, "access", None)
        if access is None:
            continue
        for permission in view.base_permissions or []:
            for role in access.roles_for(permission):
                granted[role].add((permission, view.class_permission_name))
        for extra_permission, roles in getattr(view, "extra_permission_roles", {}).items():
            for role in roles:
                granted[role].add((extra_permission, view.class_permission_name))
        for item in appbuilder.menu.get_list():
            for child in item.childs or []:
                if child.baseview is view:
                    for role in access.roles_for("menu_access"):
                        granted[role].add(("menu_access", child.name))
                        granted[role].add(("menu_access", item.name))
    for role in Role:
        granted[role].update(self_service_permissions(appbuilder.sm))
    return granted


def ensure_role_rows(session, public_role: str) -> None:
    """The role rows must exist before Flask-AppBuilder registers views (it grants the admin
    role every new permission as it goes); with FAB_CREATE_DB off we create them here."""
    from flask_appbuilder.security.sqla.models import Role as FabRole

    have = {name for (name,) in session.query(FabRole.name)}
    for name in [r.value for r in Role] + [public_role]:
        if name not in have:
            session.add(FabRole(name=name))
    session.commit()


def ensure_roles(sm) -> None:
    """Create the four roles and set their permissions to exactly what the code declares.

    Roles are code, not data: a permission dropped from a view's ``access`` is withdrawn on
    the next start. ``省级管理员`` is Flask-AppBuilder's admin role and holds every permission.
    """
    granted = declared_permissions(sm.appbuilder)
    for role in Role:
        fab_role = sm.find_role(role.value) or sm.add_role(role.value)
        if role is Role.province_admin:
            continue
        wanted = set()
        for permission, view_name in granted[role]:
            pv = sm.find_permission_view_menu(permission, view_name)
            if pv is None:
                pv = sm.add_permission_view_menu(permission, view_name)
            wanted.add(pv)
        current = set(fab_role.permissions)
        if current != wanted:
            fab_role.permissions = sorted(wanted, key=lambda pv: pv.id)
            sm.session.commit()
            log.info("Role %s: %d permissions", role.value, len(wanted))


def password_policy(password: str) -> None:
    """At least PASSWORD_MIN_LENGTH characters, with both letters and digits."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    from app import policy

    password = password or ""
    if len(password) < policy.PASSWORD_MIN_LENGTH or not re.search(r"[A-Za-z]", password) \
            or not re.search(r"\d", password):
        raise PasswordComplexityValidationError(
            f"密码至少{policy.PASSWORD_MIN_LENGTH}位，且须同时包含字母和数字。")


def _login_username() -> str:
    from flask import request

    data = request.get_json(silent=True) if request.is_json else None
    name = (data or {}).get("username") if isinstance(data, dict) else None
    name = name or request.form.get("username") or ""
    return "login-user:" + str(name).strip().lower()


def _login_failed(_response) -> bool:
    """Only a refused user name or password counts towards the limit: a successful login
    (the API's JWT login never signs in a session user, so the outcome is taken from the
    password check itself), a form left incomplete or a throttled attempt do not."""
    return bool(g.get(LOGIN_FAILED_FLAG, False))


def install_login_throttle(app, sm) -> None:
    """Failed-login throttling on the console login and the API login alike: after too many
    failures for one user name, or from one address, further attempts answer 429 until the
    window has passed (Flask-Limiter, through the framework's own limiter)."""
    from flask_limiter.util import get_remote_address

    from app import policy

    window = f"{policy.LOGIN_WINDOW_MINUTES} minutes"
    # shared limits: a failure at the console login and one at the API login add up
    per_user = sm.limiter.shared_limit(
        f"{policy.LOGIN_MAX_FAILURES_PER_USER} per {window}", scope="login-user",
        key_func=_login_username, methods=["POST"], deduct_when=_login_failed)
    per_address = sm.limiter.shared_limit(
        f"{policy.LOGIN_MAX_FAILURES_PER_ADDRESS} per {window}", scope="login-address",
        key_func=lambda: "login-addr:" + get_remote_address(), methods=["POST"],
        deduct_when=_login_failed)
    for endpoint in (f"{sm.auth_view.endpoint}.login", f"{sm.security_api.__name__}.login"):
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = per_user(per_address(app.view_functions[endpoint]))
