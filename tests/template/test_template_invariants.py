"""Invariants of template.yaml that cfn-lint does not check (see ../shared/AWS-NOTES.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from events.generate import function_folder
from local_gateway.template import load_template, load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_yaml(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
PUBLIC_ROUTES = {"GET /v1/health", "GET /v1/openapi.json", "GET /v1/docs"}
# These read every function module's route declaration (billing.http.openapi), so they ship functions/.
WHOLE_FOLDER_FUNCTIONS = {"openapi", "docs"}
LAMBDA_PYTHON_RUNTIMES = {"python3.10", "python3.11", "python3.12", "python3.13"}
HTTP_API_MAX_TIMEOUT = 30


def http_events(properties: dict) -> list[dict]:
    return [e["Properties"] for e in properties.get("Events", {}).values() if e["Type"] == "HttpApi"]


def folder_of(properties: dict) -> str:
    return function_folder(properties["CodeUri"], properties["Handler"])


def test_every_function_folder_has_one_resource_and_every_resource_a_folder():
    folders = {p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists()}
    assert sorted(folder_of(p) for p in FUNCTIONS.values()) == sorted(folders)
    for properties in FUNCTIONS.values():
        folder = folder_of(properties)
        if folder in WHOLE_FOLDER_FUNCTIONS:
            assert (properties["CodeUri"], properties["Handler"]) == ("functions/", f"{folder}.app.lambda_handler")
        else:
            assert (properties["CodeUri"], properties["Handler"]) == (f"functions/{folder}/", "app.lambda_handler")


def test_every_handler_named_in_the_template_exists():
    for properties in FUNCTIONS.values():
        module, _, function = properties["Handler"].rpartition(".")
        source = (ROOT / properties["CodeUri"] / f"{module.replace('.', '/')}.py").read_text()
        names = {
            t.id
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        names |= {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef)}
        assert function in names, properties["CodeUri"]


def test_runtime_and_architecture_are_real_lambda_values_and_every_function_gets_the_core_layer():
    globals_ = TEMPLATE["Globals"]["Function"]
    assert globals_["Runtime"] in LAMBDA_PYTHON_RUNTIMES
    assert globals_["Architectures"] == ["arm64"]
    assert globals_["Layers"] == [{"Ref": "BillingCoreLayer"}]
    assert not any("Runtime" in p or "Layers" in p for p in FUNCTIONS.values())
    layer = RESOURCES["BillingCoreLayer"]
    assert layer["Properties"]["ContentUri"] == "shared/"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    layer_makefile = (ROOT / "shared" / "Makefile").read_text()
    assert "build-BillingCoreLayer:" in layer_makefile
    assert f"PYTHON ?= {globals_['Runtime']}" in layer_makefile  # bytecode compiled by the runtime's Python


def test_each_v1_route_is_its_own_function():
    routes = [(e["Method"].upper(), e["Path"]) for p in FUNCTIONS.values() for e in http_events(p)]
    assert len(routes) == len(set(routes))
    assert all(len(http_events(p)) <= 1 for p in FUNCTIONS.values())
    assert all(path.startswith("/v1/") for _, path in routes)


def test_only_the_declared_public_routes_skip_the_authorizer():
    routes = load_template(ROOT / "template.yaml").routes
    public = {r.route_key for r in routes if r.authorizer is None}
    assert public == PUBLIC_ROUTES
    assert {r.authorizer for r in routes if r.authorizer} == {"ApiKeyAuthorizer"}


def test_the_authorizer_can_be_invoked_by_api_gateway_and_reads_the_bearer_header():
    auth = RESOURCES["BillingApi"]["Properties"]["Auth"]
    authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
    assert authorizer["EnableFunctionDefaultPermissions"] is True
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True
    assert authorizer["Identity"]["Headers"] == ["Authorization"]


def test_the_admin_key_is_a_secret_parameter_never_a_literal():
    assert TEMPLATE["Parameters"]["AdminApiKey"]["NoEcho"] is True
    env = FUNCTIONS["AuthorizerFunction"]["Environment"]["Variables"]
    assert env["BILLING_ADMIN_API_KEY"] == {"Ref": "AdminApiKey"}


def test_http_functions_finish_within_the_http_api_timeout():
    default = TEMPLATE["Globals"]["Function"]["Timeout"]
    for name, properties in FUNCTIONS.items():
        if http_events(properties):
            assert properties.get("Timeout", default) < HTTP_API_MAX_TIMEOUT, name


@pytest.mark.parametrize(
    "schedule",
    [e["Properties"] for p in FUNCTIONS.values() for e in p.get("Events", {}).values() if e["Type"] == "ScheduleV2"],
)
def test_schedules_are_stack_scoped_and_their_cron_is_well_formed(schedule):
    assert "${AWS::StackName}" in schedule["Name"]["Fn::Sub"]
    match = re.fullmatch(r"cron\((.+)\)", schedule["ScheduleExpression"])
    assert match, schedule["ScheduleExpression"]
    fields = match.group(1).split()
    assert len(fields) == 6
    assert (fields[2] == "?") != (fields[4] == "?"), "exactly one of day-of-month and day-of-week is '?'"


def test_there_is_a_monthly_billing_schedule():
    events = FUNCTIONS["MonthlyBillingFunction"]["Events"].values()
    crons = [e["Properties"]["ScheduleExpression"] for e in events if e["Type"] == "ScheduleV2"]
    assert any(re.fullmatch(r"cron\(\d+ \d+ 1 \* \? \*\)", cron) for cron in crons)


def test_functions_on_efs_use_a_rollback_journal_and_wait_for_mount_targets():
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["SQLITE_JOURNAL_MODE"] == "DELETE"  # WAL does not work on network filesystems
    for name, properties in FUNCTIONS.items():
        if "FileSystemConfigs" in properties:
            assert properties["FileSystemConfigs"][0]["LocalMountPath"].startswith("/mnt/")
            assert env["BILLING_DB_PATH"].startswith(properties["FileSystemConfigs"][0]["LocalMountPath"])
            assert set(RESOURCES[name]["DependsOn"]) == {"MountTargetA", "MountTargetB"}
            assert "VpcConfig" in properties, name
