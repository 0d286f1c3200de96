"""Field validators and record rules at their edges (pure: no database, no HTTP)."""
from __future__ import annotations

import datetime as dt

import pytest

from app import clock, meta
from app.domain import validators as v
from app.domain.errors import FieldInvalid, RecordInvalid
from app.enums import ApplicantType, ExemptionClause, ResearchDetail
from app.models import Application, Certificate

# A real, published USCC (python-stdnum's documented example).
REAL_USCC = "91110000600037341L"


class TestUSCC:
    def test_real_code_accepted(self):
        v.uscc(REAL_USCC)

    @pytest.mark.parametrize("position", range(18))
    def test_any_single_changed_character_rejected(self, position):
        alphabet = v.USCC_ALPHABET
        original = REAL_USCC[position]
        replacement = alphabet[(alphabet.index(original) + 1) % len(alphabet)]
        if position in range(2, 8) and not replacement.isdigit():
            replacement = "0" if original != "0" else "1"
        changed = REAL_USCC[:position] + replacement + REAL_USCC[position + 1:]
        with pytest.raises(FieldInvalid):
            v.uscc(changed)

    def test_length(self):
        with pytest.raises(FieldInvalid, match="18位，当前为17位"):
            v.uscc(REAL_USCC[:-1])

    @pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
    def test_letters_excluded_by_the_standard(self, letter):
        with pytest.raises(FieldInvalid, match="非法字符"):
            v.uscc(REAL_USCC[:10] + letter + REAL_USCC[11:])

    def test_division_code_must_be_digits(self):
        with pytest.raises(FieldInvalid, match="第3至8位"):
            v.uscc("91A10000600037341L")

    def test_lower_case_input_is_checked_as_upper_case(self):
        v.uscc(REAL_USCC.lower())

    def test_generated_codes_are_valid(self):
        import random

        from seeds.fake import make_uscc

        rng = random.Random(3)
        for _ in range(500):
            v.uscc(make_uscc("310115", rng))


class TestFieldFormats:
    @pytest.mark.parametrize("value", ["8471301000", "8414301300"])
    def test_hs_code_ten_digits(self, value):
        v.hs_code(value)

    @pytest.mark.parametrize("value", ["847130100", "84713010001", "84713010A0", "8471.30.10"])
    def test_hs_code_rejected(self, value):
        with pytest.raises(FieldInvalid, match="10位数字"):
            v.hs_code(value)

    @pytest.mark.parametrize("value", ["13812345678", "19912345678"])
    def test_mobile_accepted(self, value):
        v.mobile_phone(value)

    @pytest.mark.parametrize("value", ["1381234567", "138123456789", "12812345678",
                                       "23812345678", "021-64220000"])
    def test_mobile_rejected(self, value):
        with pytest.raises(FieldInvalid, match="手机号码"):
            v.mobile_phone(value)

    @pytest.mark.parametrize("value", ["13812345678", "021-64220000", "02164220000",
                                       "021-64220000-2826", "0571-87654321"])
    def test_phone_accepts_mobile_and_landline(self, value):
        v.phone(value)

    @pytest.mark.parametrize("value", ["64220000", "021-642", "abc"])
    def test_phone_rejected(self, value):
        with pytest.raises(FieldInvalid, match="电话号码"):
            v.phone(value)

    @pytest.mark.parametrize("value", [1, "0.01", 3.5])
    def test_positive_accepts(self, value):
        v.positive(value)

    @pytest.mark.parametrize("value", [0, "0", -1, "-0.01"])
    def test_positive_rejects_zero_and_negative(self, value):
        with pytest.raises(FieldInvalid, match="大于0"):
            v.positive(value)

    def test_ccc_code_and_division_formats(self):
        v.ccc_code_format("0901")
        with pytest.raises(FieldInvalid):
            v.ccc_code_format("901")
        v.division_code("310101")
        with pytest.raises(FieldInvalid):
            v.division_code("31010")

    def test_declaration_number(self):
        v.declaration_no("220120261000012345")
        with pytest.raises(FieldInvalid):
            v.declaration_no("22012026100001234")


def _application_values(**overrides):
    values = {"clause": ExemptionClause.research_test, "research_detail": ResearchDetail.testing,
              "applicant_type": ApplicantType.research_institution,
              "bill_of_lading_no": "MSCU1234567", "contract_no": None, "invoice_no": None}
    values.update(overrides)
    return values


class TestApplicationRules:
    rules = meta.record_rules_of(Application)

    def test_complete_application_passes(self):
        v.check_record(self.rules, _application_values())

    def test_clause1_requires_detail(self):
        with pytest.raises(RecordInvalid) as exc:
            v.check_record(self.rules, _application_values(research_detail=None))
        assert "二级明细" in exc.value.errors["research_detail"][0]

    def test_detail_only_for_clause1(self):
        with pytest.raises(RecordInvalid) as exc:
            v.check_record(self.rules, _application_values(
                clause=ExemptionClause.display, research_detail=ResearchDetail.testing))
        assert "research_detail" in exc.value.errors

    def test_other_clauses_need_no_detail(self):
        v.check_record(self.rules, _application_values(
            clause=ExemptionClause.display, research_detail=None, applicant_type=None))

    @pytest.mark.parametrize("clause", [ExemptionClause.research_test, ExemptionClause.repair])
    def test_applicant_type_required_for_clauses_1_and_2(self, clause):
        with pytest.raises(RecordInvalid) as exc:
            v.check_record(self.rules, _application_values(
                clause=clause, applicant_type=None,
                research_detail=ResearchDetail.testing
                if clause is ExemptionClause.research_test else None))
        assert "申请人类型" in exc.value.errors["applicant_type"][0]

    def test_codes_are_understood_as_well_as_members(self):
        v.check_record(self.rules, _application_values(clause="research_test",
                                                       research_detail="ccc_testing",
                                                       applicant_type="ccc_client"))

    @pytest.mark.parametrize("field", ["bill_of_lading_no", "contract_no", "invoice_no"])
    def test_any_one_shipping_reference_is_enough(self, field):
        values = _application_values(bill_of_lading_no=None)
        values[field] = "X-1"
        v.check_record(self.rules, values)

    @pytest.mark.parametrize("blank", [None, "", "   "])
    def test_no_shipping_reference_rejected(self, blank):
        with pytest.raises(RecordInvalid) as exc:
            v.check_record(self.rules, _application_values(
                bill_of_lading_no=blank, contract_no=blank, invoice_no=blank))
        assert exc.value.errors["bill_of_lading_no"] == ["提运单号、进口合同号、发票号至少填写一项。"]


class TestDateOrder:
    rules = meta.record_rules_of(Certificate)

    def test_same_day_allowed(self):
        day = dt.date(2026, 11, 23)
        v.check_record(self.rules, {"issued_on": day, "supervision_deadline": day})

    def test_deadline_before_issue_rejected(self):
        with pytest.raises(RecordInvalid) as exc:
            v.check_record(self.rules, {"issued_on": dt.date(2026, 11, 23),
                                        "supervision_deadline": dt.date(2026, 11, 22)})
        assert "监管期限不能早于签发日期" in exc.value.errors["supervision_deadline"][0]

    def test_missing_dates_not_compared(self):
        v.check_record(self.rules, {"issued_on": None, "supervision_deadline": clock.today()})
