"""Deterministic, realistic-looking data for demos, tests and benchmarks.

Identifiers are valid by construction (USCC check character per GB 32100-2015, embedded
organisation code check digit per GB 11714) so they pass the console's validation. Names are
fictitious; HS codes and CCC sub-categories are real pairs from the 2023 catalogue's examples.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from stdnum.cn import uscc as stdnum_uscc

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(rng: random.Random) -> str:
    """A 9-character organisation code (8 digits + GB 11714 check character)."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(division_code: str, rng: random.Random, entity_type: str = "1") -> str:
    """A valid 统一社会信用代码: 9 (市场监管登记) + entity type + division + org code + check."""
    first17 = "9" + entity_type + division_code + organisation_code(rng)
    return first17 + stdnum_uscc.calc_check_digit(first17)


def mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "136", "158", "186", "189", "177", "135"]) + \
        "".join(rng.choice("0123456789") for _ in range(8))


def landline(rng: random.Random, area_code: str = "021") -> str:
    """A fixed-line number of the area: 021-5xxxxxxx (8 digits after a 3-digit code, 7 after
    a 4-digit one, as in China)."""
    digits = 8 if len(area_code) == 3 else 7
    return f"{area_code}-" + rng.choice("5623") + \
        "".join(rng.choice("0123456789") for _ in range(digits - 1))


def declaration_number(rng: random.Random, year: int, port_code: str = "2201") -> str:
    """An 18-digit customs declaration number: customs code + year + import flag + sequence."""
    return f"{port_code}{year}1" + "".join(rng.choice("0123456789") for _ in range(9))


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓东", "志强", "海燕", "文杰",
         "欣怡", "子涵", "浩然", "思远", "雨婷", "嘉怡", "俊杰", "晨曦", "一鸣", "佳琪", "梓轩"]


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


# Trade-name heads that name no place (a company of 重庆 must not be called 浦江 or 申达).
_NAME_HEADS = ["华信", "东方", "正达", "信达", "联创", "博远", "精测", "中科", "瑞康", "汇智",
               "启明", "金石", "海通", "新纪元", "天祥", "鼎盛", "科润", "宏图", "嘉禾", "明德",
               "万象", "恒通", "安信", "立方", "同舟", "鸿鹄", "星辰", "远景", "长风", "高迪"]
_NAME_TRADES = [("电子科技", ["research_testing", "production"]),
                ("检测技术", ["research_testing"]),
                ("信息技术", ["research_testing", "repair"]),
                ("医疗器械", ["production", "repair"]),
                ("汽车零部件", ["production", "repair_agent"]),
                ("智能装备", ["production"]),
                ("会展服务", ["display"]),
                ("家电维修服务", ["repair", "repair_agent"]),
                ("半导体", ["production", "research_testing"]),
                ("通信设备", ["research_testing", "display"])]
_FORMS = ["有限公司", "有限公司", "股份有限公司", "（中国）有限公司"]


def enterprise_name(rng: random.Random, city: str, used: set[str]) -> tuple[str, list[str]]:
    for _ in range(1000):
        head = rng.choice(_NAME_HEADS)
        trade, categories = rng.choice(_NAME_TRADES)
        name = f"{city}{head}{trade}{rng.choice(_FORMS)}"
        if name not in used:
            used.add(name)
            return name, categories
    suffix = len(used)
    name = f"{city}{rng.choice(_NAME_HEADS)}{suffix}号科技有限公司"
    used.add(name)
    return name, ["other"]


def address(rng: random.Random, place: str, streets: list[str]) -> str:
    """An address in ``place`` (江苏省南京市玄武区) on one of its ``streets``."""
    return f"{place}{rng.choice(streets)}{rng.randint(1, 1999)}号"


# (product name, 10-digit HS code, CCC code, unit, unit price in USD)
# HS/CCC pairs from the catalogue's examples (seeds/data/ccc_catalog_2023.csv) plus the
# desktop-computer heading 8471.41 for 0901 微型计算机 (the seed 000 申请表 example).
PRODUCTS = [
    ("便携式计算机", "8471301000", "0902", "台", Decimal("1450.00")),
    ("工程样机笔记本电脑", "8471309000", "0902", "台", Decimal("2100.00")),
    ("台式微型计算机", "8471410000", "0901", "台", Decimal("980.00")),
    ("家用电冰箱", "8418102000", "0701", "台", Decimal("760.00")),
    ("冷藏冷冻箱", "8418103000", "0701", "台", Decimal("820.00")),
    ("窗式空调器", "8415101000", "0703", "台", Decimal("540.00")),
    ("分体式空调器", "8415102100", "0703", "台", Decimal("690.00")),
    ("热泵式空调器", "8415811000", "0703", "台", Decimal("1320.00")),
    ("电动机-压缩机", "8414301300", "0704", "台", Decimal("310.00")),
]

BRANDS = ["Lenovo", "Dell", "HP", "Panasonic", "Daikin", "Siemens", "Bosch", "Toshiba",
          "Hitachi", "Mitsubishi", "LG", "Samsung", "Fujitsu", "Haier"]
MANUFACTURERS = ["Dell Inc.", "HP Inc.", "Panasonic Corporation", "Daikin Industries, Ltd.",
                 "BSH Hausgeräte GmbH", "Toshiba Corporation", "Hitachi, Ltd.",
                 "Mitsubishi Electric Corporation", "LG Electronics Inc.",
                 "Samsung Electronics Co., Ltd.", "Fujitsu Limited"]


def model_number(rng: random.Random) -> str:
    return rng.choice("ABCDEFGHKMNPRSTX") + rng.choice("ABCDEFGHKMNPRSTX") + \
        str(rng.randint(100, 9999)) + rng.choice(["", "-S", "-Pro", "-E", "-X1"])


def working_time(rng: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
