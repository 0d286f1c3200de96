"""Bureaus and the CCC catalogue: reference data kept by the provincial admin."""
from __future__ import annotations

from app.models import Bureau, CccCategory
from app.views.base import DomainModelView


class BureauView(DomainModelView):
    model = Bureau
    import_kind = "bureau"
    list_columns = ["name", "short_name", "level", "division_code", "parent"]
    search_columns = ["name", "short_name", "level", "division_code", "parent"]
    show_columns = ["name", "short_name", "level", "division_code", "parent", "created_at",
                    "updated_at"]
    add_columns = edit_columns = ["name", "short_name", "level", "division_code", "parent"]
    base_order = ("division_code", "asc")


class CccCategoryView(DomainModelView):
    model = CccCategory
    import_kind = "ccc_category"
    list_columns = ["code", "product_name", "category_no", "category", "self_declaration",
                    "example_hs_codes", "is_demo"]
    search_columns = ["code", "product_name", "category", "is_demo"]
    show_columns = list_columns + ["source"]
    add_columns = edit_columns = ["code", "category_no", "category", "product_name",
                                  "self_declaration", "example_hs_codes", "source", "is_demo"]
    base_order = ("code", "asc")
    page_size = 50
