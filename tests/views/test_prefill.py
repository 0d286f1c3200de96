"""Forms that fill themselves: a record opened from its parent has the parent set."""
from __future__ import annotations

import re

from app.extensions import db
from tests import factories
from tests.conftest import DISTRICT_A, DISTRICT_B


def test_product_form_opened_from_its_application_has_it_set(app_ctx, client_as, bureaus):
    app_ = factories.application(factories.enterprise(bureaus[DISTRICT_A]))
    db.session.commit()
    client = client_as("huangpu")
    show = client.get(f"/applicationview/show/{app_.id}").get_data(as_text=True)
    link = re.search(r'href="(/productview/add\?[^"]*)"', show).group(1).replace("&amp;", "&")
    form = client.get(link).get_data(as_text=True)
    assert re.search(rf'<option value="{app_.id}" selected>{re.escape(app_.number)}', form)


def test_no_parent_from_another_district(app_ctx, client_as, bureaus):
    theirs = factories.application(factories.enterprise(bureaus[DISTRICT_B]))
    db.session.commit()
    form = client_as("huangpu").get(
        f"/productview/add?_flt_0_application={theirs.id}").get_data(as_text=True)
    assert theirs.number not in form
