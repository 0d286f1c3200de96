"""Report engine benchmark: the 640-row 账号使用人信息汇总表 (16 districts x 40 accounts).

Run: python bench/report_bench.py [--out DIR]   (prints median of 3 for PDF and XLSX)
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.reports import (  # noqa: E402
    Column, HeaderField, ReportData, ReportDeclaration, render_pdf, render_xlsx,
)

DISTRICTS = ["黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
             "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡"
            "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛")
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国文斌志宏海燕晓东婷雪梅鹏飞俊杰思远嘉怡子涵浩然欣怡"
DEPTS = ["综合科", "产品质量监督科", "认证认可监督管理科", "执法稽查支队", "市场监管所", "办公室"]
POSTS = ["科长", "副科长", "一级主任科员", "四级主任科员", "科员", "所长", "副所长"]
ROLES = ["初审", "复审", "发证", "监管", "管理员", "初审、复审", "监管、发证"]

DECLARATION = ReportDeclaration(
    code="ccc_account_users",
    title="CCC免办及特殊用途进口产品检测处理管理系统账号使用人信息汇总表",
    header_fields=(HeaderField("填报单位", "unit"), HeaderField("填报人", "filler"),
                   HeaderField("所在部门", "dept"), HeaderField("填报日期", "date")),
    columns=(
        Column("bureau", "市场监管部门", 3.5),
        Column("name", "账号使用人\n姓  名", 1.8),
        Column("post", "所在部门及职务", 3.7),
        Column("account", "当前使用\n账号名称", 2.4),
        Column("roles", "当前使用\n账号功能", 2.1),
        Column("phone", "手机号", 2.1),
        Column("remark", "备注", 2.7, align="left"),
    ),
    footnotes=("备注：当前账号功能填写：初审、复审、发证、监管、管理员。",),
)


def sample_data(districts: int = 16, per_district: int = 40, seed: int = 7) -> ReportData:
    """Realistic rows: 上海市X区市场监督管理局, 2-3 character names, 11-digit phones."""
    rnd = random.Random(seed)
    rows = []
    for d in DISTRICTS[:districts]:
        for n in range(per_district):
            given = "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
            name = rnd.choice(SURNAMES) + given
            rows.append({
                "bureau": f"上海市{d}市场监督管理局",
                "name": name,
                "post": f"{rnd.choice(DEPTS)}{rnd.choice(POSTS)}",
                "account": f"sh{rnd.randrange(10**5, 10**6)}{n:02d}",
                "roles": rnd.choice(ROLES),
                "phone": f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}",
                "remark": rnd.choice(["", "", "", "新入职", "岗位调整，待注销原账号"]),
            })
    return ReportData(
        header={"unit": "上海市市场监督管理局", "filler": "王晓东",
                "dept": "认证认可监督管理处", "date": "2026年11月23日"},
        rows=rows,
    )


def _median(fn, runs: int = 3) -> tuple[float, bytes]:
    times, out = [], b""
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="also write the files into this folder")
    args = parser.parse_args()
    data = sample_data()
    render_pdf(DECLARATION, ReportData(rows=data.rows[:1]))  # font registration, imports
    pdf_s, pdf = _median(lambda: render_pdf(DECLARATION, data))
    xlsx_s, xlsx = _median(lambda: render_xlsx(DECLARATION, data))
    print(f"rows: {len(data.rows)}")
    print(f"PDF : {pdf_s:.2f} s median of 3, {len(pdf) / 1024:.0f} KiB")
    print(f"XLSX: {xlsx_s:.2f} s median of 3, {len(xlsx) / 1024:.0f} KiB")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"{DECLARATION.code}.pdf").write_bytes(pdf)
        (args.out / f"{DECLARATION.code}.xlsx").write_bytes(xlsx)


if __name__ == "__main__":
    main()
