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

    @app.cli.command("refresh-due-dates")
    @click.option("--all", "everything", is_flag=True, help="重算全部已提交申请（默认：审核中的申请）")
    def refresh_due_dates_command(everything: bool) -> None:
        """Recompute the stored 办结 due dates (after an upgrade or a calendar change)."""
        from app.commands.due_dates import RefreshDueDates

        click.echo(f"已更新办结期限：{RefreshDueDates(everything).execute()}件申请。")

    @app.cli.command("backup")
    @click.option("--output", "output", type=click.Path(), default=None,
                  help="备份文件路径，或存放备份的目录（默认：instance/backups/）")
    @click.option("--keep", type=int, default=0,
                  help="备份后只保留该目录中最新的N份备份（默认0：不删除旧备份）")
    def backup_command(output: str | None, keep: int) -> None:
        """Back up the database and the evidence files into one .tar.gz archive."""
        from pathlib import Path

        from app.backup import BackupError, create_backup, default_backup_name, prune_backups

        target = Path(output) if output else Path(current_app.instance_path) / "backups"
        if output is None or target.is_dir() or str(output).endswith(("/", "\\")):
            target = target / default_backup_name()
        try:
            manifest = create_backup(target)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        rows = sum(manifest["database"]["tables"].values())
        click.echo(f"备份完成：{target}（{len(manifest['database']['tables'])}张表，{rows}行；"
                   f"{len(manifest['uploads'])}个证据文件）")
        if keep > 0:
            for removed in prune_backups(target.parent, keep):
                click.echo(f"已删除旧备份：{removed}")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--force", is_flag=True,
                  help="目标数据库已有数据或证据文件目录不为空时仍然覆盖")
    def restore_command(path: str, force: bool) -> None:
        """Restore a backup archive into this console's database and evidence folder."""
        from pathlib import Path

        from app.backup import BackupError, restore_backup

        try:
            report = restore_backup(Path(path), force=force)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"恢复完成：{len(report.tables)}张表，{sum(report.tables.values())}行；"
                   f"{report.files}个证据文件。")

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
