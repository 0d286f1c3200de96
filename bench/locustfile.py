"""Simulated users of the load test (``bench/load_test.py`` starts the server and runs this
file with Locust, headless, against the loopback address only).

- district officers of 黄浦区 and 浦东新区: browse their enterprises in the console, edit them
  through the API, file applications with products, correct draft products, submit drafts,
  record product usage on issued certificates;
  upload the materials a draft lacks, take 受理 and 初审 of their district's applications;
- the provincial reviewer (who holds 复审): 复审 and 发证 — never the 初审 officer (separation of
  duties, issue 12);
- the province (admin, auditor): export lists, download official reports, read the API.

A step or write that a rule refuses (409, 412, 422: another reviewer was first, the product is
used up) is what the console should answer under concurrency: it counts as served and is
tallied separately; any other answer is a failure. The tallies are written to the JSON file
named by ``CCC_BENCH_TALLY`` when Locust stops.
"""
from __future__ import annotations

import json
import os
import random
import re
from collections import Counter

from locust import HttpUser, between, events, task

from app.clock import today as beijing_today  # the console's today, not the host's
from app.domain.dossier import REVIEW_CHECKS

#: A recorded review whose every check is ✓ (the step's inputs ``check_<code>``).
REVIEW_PASSED = {f"check_{c.code}": "passed" for c in REVIEW_CHECKS}

PASSWORD = "Demo@2026"
REFUSALS = (409, 412, 422)
TALLY: Counter = Counter()
#: who takes which step: the district officer 受理 and 初审, the provincial reviewer 复审 and 发证
DISTRICT_STEPS = {"submitted": "accept", "accepted": "first_review"}
REVIEWER_STEPS = {"first_reviewed": "second_review", "second_reviewed": "issue"}
#: the smallest file the evidence store takes as a PDF (type checked from the content)
PDF = b"%PDF-1.4\n% load test\n%%EOF\n"

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@events.quitting.add_listener
def _write_tally(environment, **_kwargs):
    path = os.environ.get("CCC_BENCH_TALLY")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(dict(TALLY), handle, ensure_ascii=False)


def _reason(response) -> str:
    """The Chinese message of a refusal, shortened (e.g. 「当前状态不允许此操作」)."""
    try:
        message = response.json().get("message")
    except ValueError:
        return ""
    if isinstance(message, dict):
        message = "；".join(f"{k}: {v[0] if isinstance(v, list) and v else v}"
                           for k, v in message.items())
    return str(message or "")[:60]


def rison_filters(**equal) -> str:
    parts = ",".join(f"(col:{col},opr:eq,value:{value})" for col, value in equal.items())
    return f"(filters:!({parts}),page_size:100)"


class ConsoleUser(HttpUser):
    abstract = True
    login: str = ""
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.headers = {}
        page = self.client.get("/login/", name="console: login page")
        token = _CSRF.search(page.text)
        self.client.post("/login/", name="console: login", allow_redirects=False, data={
            "username": self.login, "password": PASSWORD,
            "csrf_token": token.group(1) if token else ""})
        response = self.client.post("/api/v1/security/login", name="api: login", json={
            "username": self.login, "password": PASSWORD, "provider": "db"})
        if response.status_code == 200:
            self.headers = {"Authorization": f"Bearer {response.json()['access_token']}"}

    # --- helpers -----------------------------------------------------------------------

    def api(self, method: str, url: str, name: str, refusals=REFUSALS, **kwargs):
        """One API call; a refusal by a rule is served, anything else but 2xx fails."""
        with self.client.request(method, url, name=name, headers=self.headers,
                                 catch_response=True, **kwargs) as response:
            if response.status_code in refusals:
                TALLY[f"{name} → {response.status_code} {_reason(response)}"] += 1
                response.success()
            elif response.status_code >= 400:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
            return response

    def api_list(self, resource: str, name: str, **equal) -> list[dict]:
        response = self.api("GET", f"/api/v1/{resource}/?q={rison_filters(**equal)}"
                            if equal else f"/api/v1/{resource}/?q=(page_size:100)", name)
        if response.status_code != 200:
            return []
        return response.json().get("result", [])

    def page(self, url: str, name: str):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response


def step_some(user: ConsoleUser, steps: dict[str, str]) -> None:
    """Take the step of one application waiting in a state ``steps`` names (of the first ten)."""
    state = random.choice(list(steps))
    waiting = user.api_list("application", "api: application queue", state=state)
    if waiting:
        pk = random.choice(waiting[:10])["id"]
        step = steps[state]
        # 受理 / 初审 / 复审 record their checks (all ✓ here); 发证 takes none
        body = {} if step == "issue" else REVIEW_PASSED
        user.api("POST", f"/api/v1/application/{pk}/{step}", f"api: step {step}", json=body)


class DistrictOfficer(ConsoleUser):
    abstract = True
    weight = 6

    def on_start(self):
        super().on_start()
        ids = [e["id"] for e in self.api_list("enterprise", "api: enterprise list")]
        self.enterprise_ids = ids
        self.bureau_id = None
        self.drafts: list[int] = []
        if ids:
            first = self.api("GET", f"/api/v1/enterprise/{ids[0]}", "api: enterprise get")
            if first.status_code == 200:
                self.bureau_id = first.json()["result"]["bureau_id"]

    @task(3)
    def browse_enterprises(self):
        self.page("/enterpriseview/list/", "console: enterprise list")

    @task(2)
    def open_enterprise(self):
        if self.enterprise_ids:
            self.page(f"/enterpriseview/show/{random.choice(self.enterprise_ids)}",
                      "console: enterprise show")

    @task(2)
    def edit_enterprise(self):
        if not self.enterprise_ids:
            return
        pk = random.choice(self.enterprise_ids)
        got = self.api("GET", f"/api/v1/enterprise/{pk}", "api: enterprise get")
        if got.status_code == 200:
            self.api("PUT", f"/api/v1/enterprise/{pk}", "api: enterprise edit",
                     json={"handler_phone": f"139{random.randint(0, 99999999):08d}",
                           "handler": random.choice(["王芳", "李强", "张伟", "刘洋"])})

    @task(2)
    def file_application(self):
        if not self.enterprise_ids or self.bureau_id is None:
            return
        created = self.api("POST", "/api/v1/application/", "api: application file", json={
            "enterprise_id": random.choice(self.enterprise_ids), "clause": "display",
            "applicant_location": "上海", "final_use_place": "上海国家会展中心",
            "bureau_id": self.bureau_id, "reason": "展会展示后退运",
            "invoice_no": f"INV-{random.randint(1, 10**8)}"})
        if created.status_code != 201:
            return
        pk = created.json()["id"]
        for _ in range(random.randint(1, 2)):
            self.api("POST", "/api/v1/product/", "api: product add", json={
                "application_id": pk, "hs_code": "8471301000", "name": "便携式计算机",
                "ccc_code": "0902", "model": f"L-{random.randint(1, 999)}", "brand": "Lenovo",
                "manufacturer": "联想", "quantity": random.randint(1, 20), "unit": "台",
                "amount": "900.00", "currency": "USD"})
        self.drafts.append(pk)

    @task(1)
    def correct_draft_product(self):
        if not self.drafts:
            return
        products = self.api_list("product", "api: product list",
                                 application_id=random.choice(self.drafts))
        if products:
            self.api("PUT", f"/api/v1/product/{products[0]['id']}", "api: product edit",
                     json={"quantity": random.randint(1, 20)})

    @task(2)
    def submit_draft(self):
        if not self.drafts:
            return
        pk = self.drafts.pop(random.randrange(len(self.drafts)))
        got = self.api("GET", f"/api/v1/application/{pk}", "api: application get")
        if got.status_code == 200:
            for material in got.json()["result"].get("missing_materials") or []:
                self.api("POST", f"/api/v1/application/{pk}/attachment", "api: material upload",
                         data={"kind": material["code"]},
                         files={"file": (f"{material['code']}.pdf", PDF, "application/pdf")})
        self.api("POST", f"/api/v1/application/{pk}/submit", "api: application submit", json={})

    @task(2)
    def step_an_application(self):
        step_some(self, DISTRICT_STEPS)

    @task(1)
    def record_usage(self):
        certificates = self.api_list("certificate", "api: certificate list", state="valid")
        if not certificates:
            return
        cert = random.choice(certificates)
        products = self.api_list("product", "api: product list",
                                 application_id=cert["application_id"])
        if products:
            self.api("POST", "/api/v1/usage_record/", "api: usage record", json={
                "product_id": random.choice(products)["id"], "kind": "use",
                "quantity": random.randint(1, 3), "used_on": beijing_today().isoformat(),
                "using_unit": "上海某研究所"})


class HuangpuOfficer(DistrictOfficer):
    login = "huangpu"


class PudongOfficer(DistrictOfficer):
    login = "pudong"


class Reviewer(ConsoleUser):
    login = "reviewer"
    weight = 7

    @task(5)
    def step_an_application(self):
        step_some(self, REVIEWER_STEPS)

    @task(1)
    def console_queue(self):
        self.page("/applicationview/list/", "console: application list")


class Province(ConsoleUser):
    weight = 6
    logins = ("admin", "auditor")

    def on_start(self):
        self.login = random.choice(self.logins)
        super().on_start()
        self.grants = [g["id"] for g in self.api_list("fasttrack", "api: fasttrack list")]

    @task(2)
    def export_applications(self):
        self.page("/applicationview/export/?format=xlsx", "export: applications xlsx")

    @task(2)
    def export_enterprises(self):
        self.page("/enterpriseview/export/?format=csv", "export: enterprises csv")

    @task(1)
    def fast_track_list(self):
        self.page("/reports/fasttrack_list?format=pdf", "report: fasttrack list pdf")

    @task(1)
    def rollup(self):
        self.page(f"/reports/annual_rollup/{beijing_today().year}?format=xlsx",
                  "report: annual rollup xlsx")

    @task(1)
    def fast_track_form(self):
        if self.grants:
            self.page(f"/reports/fasttrack/{random.choice(self.grants)}?format=pdf",
                      "report: fasttrack form pdf")

    @task(2)
    def read_certificates(self):
        self.api("GET", "/api/v1/certificate/?q=(page_size:50)", "api: certificate list")
