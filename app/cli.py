"""Command-line tasks: ``flask --app run.py <command>``."""
from __future__ import annotations

import click
from flask import Flask, current_app


def register_cli(app: Flask) -> None:
    @app.cli.command("setup")
    def setup_command() -> None:
        """Bring the database up to date, once, before the workers start: migrations, the
        reference data (CCC catalogue, calendar) and the roles' permissions."""
        from app import set_up_database

        set_up_database(current_app)
        click.echo("数据库已就绪：迁移、参考数据和角色权限均已更新。")

    @app.cli.command("expire-fasttrack")
    def expire_fasttrack_command() -> None:
        """Turn fast-track grants past their end date into 已到期 (also done by the app)."""
        from app.commands.fast_track import ExpireGrants

        click.echo(f"已到期：{ExpireGrants().execute()}个便捷通道。")

    @app.cli.command("seed")
    @click.option("--enterprises", type=int, default=0, help="合成申请单位数量")
    @click.option("--applications", type=int, default=0, help="合成免办申请数量（每件约5个产品）")
    @click.option("--demo/--no-demo", default=True,
                  help="数据库为空时先创建演示省份（部门、演示账号和演示记录）")
    def seed_command(enterprises: int, applications: int, demo: bool) -> None:
        """Create the demo data set and/or large synthetic volumes for benchmarks."""
        from seeds.demo import create_demo_data, database_is_empty
        from seeds.synthetic import generate

        if demo and database_is_empty():
            create_demo_data(current_app.appbuilder.sm)
            click.echo("演示数据已创建。")
        if enterprises or applications:
            if enterprises <= 0:
                raise click.UsageError("--applications 需要同时给出 --enterprises（>0）。")
            result = generate(enterprises, applications, progress=click.echo)
            click.echo(f"合成数据已创建：{result}")
