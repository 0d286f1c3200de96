"""Words: every step of every workflow says what it did in its own words (issue 14 item 7:
no "已已报总局。"), checked against this list — a new step needs its line here."""
from __future__ import annotations

import re

from app.workflows import Workflow
from app.workflows.account_change import AccountChangeWorkflow
from app.workflows.annual_report import AnnualReportWorkflow
from app.workflows.application import ApplicationWorkflow
from app.workflows.certificate import CertificateWorkflow
from app.workflows.fast_track import FastTrackChangeWorkflow, FastTrackWorkflow
from app.workflows.supervision import (
    AssistanceLetterWorkflow,
    InspectionPlanWorkflow,
    InspectionWorkflow,
)

DONE = {
    AccountChangeWorkflow: {
        "submit": "调整需求已提交省局。", "approve": "调整需求已审核通过。",
        "return": "调整需求已退回区局。", "forward": "已登记报送总局。",
        "apply": "调整已生效，账号登记已更新。"},
    AnnualReportWorkflow: {
        "refresh": "已按账号登记重新生成明细。", "submit": "汇总表已提交省局。",
        "confirm": "汇总表已确认。", "return": "汇总表已退回区局。"},
    ApplicationWorkflow: {
        "submit": "申请已提交，审核期限开始计算。", "accept": "申请已受理，核对结果已记录。",
        "first_review": "初审已通过，核对结果已记录。", "second_review": "复审已通过，核对结果已记录。",
        "issue": "已发证，免办证明已生成。", "return": "申请已退回，退回原因及核对结果已记录。"},
    CertificateWorkflow: {
        "change": "已登记变更申请，待复审人员审核。", "approve_change": "变更已批准，证明信息已更新。",
        "reject_change": "变更申请已驳回。", "void": "已登记作废申请，待复审人员审核。",
        "approve_void": "证明已作废。", "reject_void": "作废申请已驳回。",
        "extend": "已登记延期申请，待复审人员审核。", "approve_extend": "延期已批准，监管期限已更新。",
        "reject_extend": "延期申请已驳回。",
        "approve_write_off": "核销审核通过，证明已核销；档案自今日起保存至保存期限。",
        "return_write_off": "核销已退回补正，使用记录可修改后重新提交。",
        "resubmit_write_off": "已重新提交核销，待审核。"},
    FastTrackWorkflow: {
        "submit": "已提交区局初审。", "district_review": "区局初审意见已登记。",
        "decide": "市局审核结论已登记。", "forward": "已登记报总局。", "activate": "便捷通道已开通。",
        "renew": "延用申请已提交，待市局审核。", "decide_renewal": "延用审核结论已登记。",
        "suspend": "便捷通道已暂停使用。", "revoke": "便捷通道资格已取消。",
        "reopen": "便捷通道已恢复使用。"},
    FastTrackChangeWorkflow: {
        "submit": "变更事项已报市局。", "approve": "变更已批准并生效。", "reject": "变更已驳回。",
        "forward": "已登记报总局调整。"},
    InspectionPlanWorkflow: {
        "publish": "检查计划已发布。", "draw": "已随机抽取检查对象、抽查批次和检查人员。",
        "verify": "已按保存的依据复核抽取结果。", "complete": "检查计划已完成。"},
    InspectionWorkflow: {
        "record": "检查结论已提交。", "order_correction": "已责令改正。", "recheck": "复查结果已登记。",
        "report_city": "已上报市局。", "report_samr": "已登记报总局。", "open_case": "已登记立案调查。",
        "draft_letters": "已起草协查函，请在下方“协查函”中核对内容后发函。"},
    AssistanceLetterWorkflow: {
        "send": "协查函已发出，反馈期限开始计算。", "register": "来函已登记。",
        "record_reply": "反馈已登记。", "answer": "已答复来函。"},
}


def _all_workflows(cls=Workflow):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_workflows(sub)


def test_every_workflow_is_in_the_list():
    assert set(_all_workflows()) == set(DONE)


def test_each_step_says_its_own_done_message():
    for workflow, expected in DONE.items():
        assert {s.name: s.done for s in workflow.steps} == expected, workflow.__name__
        for step in workflow.steps:
            message = step.done_message
            assert step.done, f"{workflow.__name__}.{step.name} has no done-message of its own"
            assert "已已" not in message and not re.search(r"(.)\1。$", message), message
            assert message.endswith("。") and re.search(r"[\u4e00-\u9fff]", message)
