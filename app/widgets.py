"""Form fields for relations to large tables: a select box that searches the server as the
user types (Select2 remote data) instead of listing every record in the page."""
from __future__ import annotations

from flask import url_for
from flask_appbuilder.fields import AJAXSelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from markupsafe import Markup, escape
from wtforms import SelectField
from wtforms.validators import DataRequired, InputRequired, Optional


class RemoteSelectWidget:
    def __call__(self, field, **kwargs):
        current = field.object_data if field.object_data is not None else None
        if current is None and field.data is not None and not isinstance(field.data, str):
            current = field.data
        option = ""
        if current is not None:
            pk = field.datamodel.get_related_interface(field.col_name).get_pk_value(current)
            option = Markup('<option value="{}" selected>{}</option>').format(pk, current)
        return Markup(
            '<select class="console-remote-select form-control" id="{id}" name="{name}" '
            'data-endpoint="{endpoint}" data-placeholder="输入关键字搜索{label}" '
            'style="width:100%">{option}</select>').format(
            id=field.id, name=field.name, option=option, label=escape(field.label.text),
            endpoint=url_for("LookupView.lookup", table=field.related_table))


class RemoteSelectField(AJAXSelectField):
    """Primary key on the wire, ORM object in Python; the lookup goes through the related
    model's ``DomainInterface`` so the user's row scope applies to what can be chosen."""

    widget = RemoteSelectWidget()

    def __init__(self, label=None, validators=None, datamodel=None, col_name=None,
                 required=True, **kwargs):
        validators = list(validators or []) + [DataRequired() if required else Optional()]
        super().__init__(label, validators, datamodel=datamodel, col_name=col_name, **kwargs)
        self.related_table = datamodel.get_related_model(col_name).__tablename__

    def process_data(self, value):
        self.object_data = value
        self.data = value

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0]:
            self.data = self.datamodel.get_related_interface(self.col_name).get(valuelist[0])
        else:
            self.data = None

    def populate_obj(self, obj, name):
        setattr(obj, name, self.data)


class LabeledEnumField(SelectField):
    """A select box for a ``LabeledEnum`` column: Chinese labels shown, English code posted;
    an optional column offers an empty choice that means "not given"."""

    def __init__(self, label=None, enum_cls=None, required=True, description="", default=None,
                 **kwargs):
        self.enum_cls = enum_cls
        choices = ([] if required else [("", "")]) + [(m.name, m.label) for m in enum_cls]
        super().__init__(label, choices=choices, coerce=self._coerce, description=description,
                         default=default,
                         validators=[InputRequired() if required else Optional()],
                         widget=Select2Widget(), **kwargs)

    def _coerce(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, self.enum_cls):
            return value
        return self.enum_cls[value]

    def pre_validate(self, form):
        if self.data is None and self.flags.required is not True:
            return
        super().pre_validate(form)


BLANK_CHOICE_TEXT = "（无）"


def label_blank_choices(form_cls) -> None:
    """Give the framework's optional relation selects a visible empty choice (it leaves the
    label empty and WTForms then shows the internal value "__None")."""
    from flask_appbuilder.fields import QuerySelectField
    from wtforms.fields.core import UnboundField

    if form_cls is None:
        return
    for name in dir(form_cls):
        unbound = getattr(form_cls, name, None)
        if isinstance(unbound, UnboundField) and issubclass(unbound.field_class, QuerySelectField) \
                and unbound.kwargs.get("allow_blank") and not unbound.kwargs.get("blank_text"):
            unbound.kwargs["blank_text"] = BLANK_CHOICE_TEXT
