"""Start the CCC免办 console: ``python run.py`` serves http://127.0.0.1:8080 (env PORT).

The first start on an empty database applies the migrations and creates the demo province.
Production: ``gunicorn -w 4 -b 0.0.0.0:8080 'run:app'`` with DATABASE_URL and SECRET_KEY set.
"""
from __future__ import annotations

import logging
import os
import sys

from app import create_app
from app.policy import ProfileError
from app.web import freeze_startup_heap

try:
    app = create_app()
except ProfileError as refusal:  # a bad profile file, or a database of another province
    print(f"CCC免办管理控制台未启动：{refusal}", file=sys.stderr)
    raise SystemExit(2) from None
freeze_startup_heap()


def bootstrap_demo() -> None:
    from app import policy
    from seeds.demo import create_demo_data, database_is_empty

    with app.app_context():
        if database_is_empty():
            profile = policy.profile()
            logging.getLogger(__name__).warning(
                "空数据库：正在创建演示数据（%s，CCC_PROVINCE=%s）……", profile.province_name,
                profile.code)
            create_demo_data(app.appbuilder.sm)


if __name__ == "__main__":
    from waitress import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    bootstrap_demo()
    freeze_startup_heap()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8080"))
    print(f"CCC免办管理控制台：http://{host}:{port}/  （演示账号见 README，密码 Demo@2026）")
    serve(app, host=host, port=port, threads=8)
