"""Two uploads of the same file at the same moment: one winner, no duplicates."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Application, ImportBatch, Product
from tests import factories
from tests.conftest import DISTRICT_A
from tests.imports.helpers import xlsx
from tests.imports.test_applications import APP_HEADERS, PRODUCT_HEADERS, app_row, product_row
from tests.test_parallel_writes import fire


def test_parallel_imports_of_the_same_file_have_one_winner(app, app_ctx, bureaus, api_as):
    unit = factories.enterprise(bureaus[DISTRICT_A])
    db.session.commit()
    numbers = [f"AP{n:04d}" for n in range(20)]
    data = xlsx(("免办申请", [APP_HEADERS] + [app_row(n, unit.uscc) for n in numbers]),
                ("产品", [PRODUCT_HEADERS] + [product_row(n) for n in numbers])).getvalue()
    client, headers = api_as("huangpu")
    batches = db.session.scalar(select(func.count()).select_from(ImportBatch))

    def upload():
        import io

        with app.test_client() as own:
            return own.post("/api/v1/application/import", headers=headers,
                            data={"file": (io.BytesIO(data), "申请.xlsx")})

    answers = fire([upload for _ in range(4)])
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200, 422, 422, 422], [a.get_json() for a in answers]
    winner = next(a for a in answers if a.status_code == 200)
    assert winner.get_json() == {"created": 20, "updated": 0}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Application)
                             .where(Application.number.in_(numbers))) == 20
    assert db.session.scalar(select(func.count()).select_from(Product).join(Application)
                             .where(Application.number.in_(numbers))) == 20
    assert db.session.scalar(select(func.count()).select_from(ImportBatch)) == batches + 1
    loser = next(a for a in answers if a.status_code == 422).get_json()["message"]
    assert loser[0]["field"] == "申请编号" and "不能通过导入修改" in loser[0]["message"]
