"""The two on-site checklists of seed 002 (长三角CCC免办联动机制工作指引), word for word:

* 附件1 一般CCC免办单位后续监管现场检查表 (general units, §10)
* 附件2 便捷通道使用单位后续监管现场检查表 (fast-track units, §11)

Each point (one row of part 二) declares which answer complies. The paper's column is headed
"检查结论（是否符合要求）" with □是 □否 beside questions phrased both ways: for "是否存在…" /
"是否未按…" a 是 is a finding, for "是否建立…台帐" / "是否良好" / "是否完善" a 否 is. The
declaration says it once per point; screens, the result of an inspection and the PDF read it.

Pure data (no imports from the app): the declaration of an official form.
"""
from __future__ import annotations

import dataclasses

YES, NO = "yes", "no"


@dataclasses.dataclass(frozen=True)
class ChecklistPoint:
    code: str          # stable key stored with each answer, e.g. "1-2"
    item_no: int       # 序号 of its 检查项目
    item: str          # 检查项目
    content: str       # 检查内容
    key_points: str    # 检查要点
    compliant: str     # the answer that complies: YES or NO

    @property
    def finding(self) -> str:
        return NO if self.compliant == YES else YES

    def complies(self, answer: str | None) -> bool | None:
        return None if answer is None else answer == self.compliant


@dataclasses.dataclass(frozen=True)
class Checklist:
    code: str          # general | fast_track
    annex: str         # 附件1 / 附件2
    title: str
    part_one_title: str
    account_label: str  # "CCC免办系统账号" / "CCC免办\n便捷通道账号"
    confirmation_label: str
    points: tuple[ChecklistPoint, ...]

    def point(self, code: str) -> ChecklistPoint:
        for p in self.points:
            if p.code == code:
                return p
        raise KeyError(code)

    def items(self) -> list[tuple[int, str, list[ChecklistPoint]]]:
        """(序号, 检查项目, its points) in order, as the table groups them."""
        out: list[tuple[int, str, list[ChecklistPoint]]] = []
        for p in self.points:
            if not out or out[-1][0] != p.item_no:
                out.append((p.item_no, p.item, []))
            out[-1][2].append(p)
        return out


PART_TWO_TITLE = "二、现场检查情况记录"
PART_TWO_HEADERS = ("序号", "检查项目", "检查内容", "检查要点",
                    "现场检查情况描述\n（不符合情况的记录，随附相关证据材料）",
                    "检查结论\n（是否符合要求）")
BUSINESS_CATEGORY_LINE = "□生产加工   □科研测试   □维修   □维修代理   □商业展示   □其他"
COUNT_SINCE_NOTE = "（2019年4月1日以来）"
OTHER_FINDINGS_LABEL = "其他检查\n发现的情况"
OTHER_FINDINGS_TEXT = ("重点记录CCC免办产品的实际使用地涉外省（市）的情况，如涉及批次、具体省市、使用类型"
                       "（直接维修、商业展示、科研测试）、核销情况等。")
STAMP_LINE = "（单位公章）"
DATE_LINE = "年\u3000\u3000月\u3000\u3000日"
ANSWER_BOXES = "□是  □否"

_MATERIALS = "是否存在申报材料应报未报或者申报不实的情况"
_MATERIALS_1 = ("①申请材料是否应报未报",
                "随机抽查部分免办批次，查看不同类型免办业务提交的材料的书面资料记录和相关电子文件，"
                "是否符合市场监管总局《CCC免办审核及后续监管要求》。")
_CATALOGUE_1 = ("①产品大类符合CCC目录范围，但具体型号、规格、生产标准不符",
                "随机抽查部分免办批次内产品，对照国家认监委相关公告、《强制性产品认证目录产品与2017年HS编码对应表》、"
                "《强制性产品认证目录鉴定指南》查看，是否不属于CCC目录内产品。")
_CATALOGUE_2 = ("②产品不在CCC目录大类内",
                "随机抽查部分免办批次内产品，对照《强制性产品认证目录描述与界定表》、《强制性产品认证目录鉴定指南》"
                "查看，产品是否不在CCC目录范围内。")
_USE = "是否未按后续监管要求、后续管理承诺使用或处理相关CCC免办产品"
_USE_1 = ("①未在CCC免办系统完成核销的产品",
          "随机抽查部分未使用批次，查看产品是否按承诺时限应核销未核销；查看产品使用、维修、保存等记录，"
          "重点关注CCC免办产品是否改变用途、是否维修用品未按承诺要求用于销售、是否展品或测试样品未及时退运、"
          "是否零配件产品使用损耗率偏离实际等。")


def _p(code, item_no, item, content_and_points, compliant):
    content, key_points = content_and_points
    return ChecklistPoint(code, item_no, item, content, key_points, compliant)


GENERAL = Checklist(
    code="general", annex="附件1", title="一般CCC免办单位后续监管现场检查表",
    part_one_title="一、CCC免办单位基本情况", account_label="CCC免办系统账号",
    confirmation_label="CCC免办单位\n确认意见",
    points=(
        _p("1-1", 1, _MATERIALS, _MATERIALS_1, NO),
        _p("1-2", 1, _MATERIALS, (
            "②申报材料是否有不实情况",
            "随机抽查部分免办批次，查看后续管理承诺书的承诺核销时间、使用对象记录等是否和承诺书对应；"
            "测试计划书、进口合同、发票或提单中的产品明细和入库是否对应；"
            "成品出口数量是否和进口配件搭配和记录在合理区间等。"), NO),
        _p("2-1", 2, "是否存在不属于CCC目录内的产品通过CCC免办系统申报获证的情况", _CATALOGUE_1, NO),
        _p("2-2", 2, "是否存在不属于CCC目录内的产品通过CCC免办系统申报获证的情况", _CATALOGUE_2, NO),
        _p("3-1", 3, _USE, _USE_1, NO),
        _p("3-2", 3, _USE, (
            "②是否建立CCC免办进口产品管理台帐，已在CCC免办系统完成使用、退运出关或销毁核销的产品",
            "是否建立CCC免办进口产品管理台帐，保存使用、退运或销毁记录等。"
            "抽取部分产品查看使用、退运出关或销毁核销的相关凭证和资料。"), YES),
    ))

_CONDITIONS = "是否持续满足CCC免办便捷通道申请条件"

FAST_TRACK = Checklist(
    code="fast_track", annex="附件2", title="便捷通道使用单位后续监管现场检查表",
    part_one_title="一、CCC免办便捷通道使用单位基本情况", account_label="CCC免办\n便捷通道账号",
    confirmation_label="CCC免办\n便捷通道\n使用单位\n确认意见",
    points=(
        _p("1-1", 1, _CONDITIONS, (
            "①2年内信用记录是否良好",
            "查国家企业信用信息公示系统中2年内有否不良记录，单位提供的其他信用证明材料等。"), YES),
        _p("1-2", 1, _CONDITIONS, (
            "②产品追溯体系是否完善",
            "查单位有否建立并正常运行CCC免办产品追溯管理制度，有否CCC免办产品入库、领用、使用、归还、"
            "退运或报废等管理要求。随机抽查部分免办批次，看相关记录是否可追溯。"), YES),
        _p("1-3", 1, _CONDITIONS, (
            "③CCC免办业务频次是否符合要求",
            "查单位便捷通道申报后使用次数，听取单位免办业务计划，核查CCC免办进口产品业务是否符合规定。"), YES),
        _p("1-4", 1, _CONDITIONS, (
            "④注册或者经营地是否在当地",
            "查看单位营业执照等登记注册信息、经营地产权证明或租赁合同。"), YES),
        _p("2-1", 2, _MATERIALS, _MATERIALS_1, NO),
        _p("2-2", 2, _MATERIALS, (
            "②申报材料是否有不实情况",
            "随机抽查部分免办批次，查看后续管理承诺书的承诺核销时间、使用对象记录等是否和承诺书对应；"
            "产品进口单据或入关凭证、测试计划书、进口合同、发票或提单中的产品明细和入库是否对应；"
            "成品出口数量是否和进口配件搭配和记录在合理区间等。"), NO),
        _p("3-1", 3, "有否存在不属于CCC目录内的产品通过CCC免办系统申报获证的情况", _CATALOGUE_1, NO),
        _p("3-2", 3, "有否存在不属于CCC目录内的产品通过CCC免办系统申报获证的情况", _CATALOGUE_2, NO),
        _p("4-1", 4, _USE, _USE_1, NO),
        _p("4-2", 4, _USE, (
            "②已在CCC免办系统完成使用、退运出关或销毁核销的产品",
            "查看使用、退运出关或销毁核销的相关凭证和资料。"), NO),
    ))

CHECKLISTS = {c.code: c for c in (GENERAL, FAST_TRACK)}
