"""Invariants of template.yaml that cfn-lint does not check (see ../shared/AWS-NOTES.md)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from events.generate import function_folder
from local_gateway.aws_resources import aws_resources, deployment
from local_gateway.template import load_template, load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_yaml(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
FUNCTIONS = {name: r["Properties"] for name, r in RESOURCES.items() if r["Type"] == "AWS::Serverless::Function"}
PUBLIC_ROUTES = {"GET /v1/health", "GET /v1/openapi.json", "GET /v1/docs"}
# The docs page reads every function module's route declaration (billing.http.openapi), so it ships
# functions/; the openapi function serves the document written at build time into its own folder.
WHOLE_FOLDER_FUNCTIONS = {"docs"}
# Drop-in ingestion speaks the vendors' own paths (OpenMeter, Lago, Stripe v2) beside our /v1 API.
DROP_IN_PREFIXES = ("/api/v1/", "/lago/api/v1/", "/v2/billing/")
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
    assert all(path.startswith(("/v1/", *DROP_IN_PREFIXES)) for _, path in routes)


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


def test_the_monthly_schedule_names_a_unit_price_only_when_the_deployment_sets_one():
    # A scheduled run without unit_price keeps each draft's own (SPEC R2); a default one would re-price them all.
    def monthly_input(parameters: dict) -> object:
        events = deployment(TEMPLATE, parameters).functions["MonthlyBillingFunction"]["Events"]
        return next(e["Properties"]["Input"] for e in events.values() if "action" not in e["Properties"]["Input"])

    assert monthly_input({}) == "{}"
    assert monthly_input({"DefaultUnitPrice": "0.01"}) == {"Fn::Sub": '{"unit_price": "${DefaultUnitPrice}"}'}


SQLITE = deployment(TEMPLATE, {"StorageBackend": "sqlite"})
DYNAMODB = deployment(TEMPLATE, {"StorageBackend": "dynamodb"})
NETWORK_TYPES = ("AWS::EC2::", "AWS::EFS::")
RUN_FUNCTIONS = {"RunInvoicesFunction", "MonthlyBillingFunction"}  # the only ones that start billing runs
STORAGE_FREE = {"OpenApiFunction", "DocsFunction", "WhoAmIFunction"}  # never touch the data (health probes it)


def policy_names(properties: dict) -> list[str]:
    return [name for policy in properties.get("Policies", []) if isinstance(policy, dict) for name in policy]


def methods(properties: dict) -> set[str]:
    return {e["Method"].upper() for e in http_events(properties)}


def test_functions_on_efs_use_a_rollback_journal_and_wait_for_mount_targets():
    env = SQLITE.functions["HealthFunction"]["Environment"]["Variables"]
    assert env["SQLITE_JOURNAL_MODE"] == "DELETE"  # WAL does not work on network filesystems
    assert env["STORAGE_BACKEND"] == {"Ref": "StorageBackend"}
    ready = SQLITE.resources["StorageReady"]["Metadata"]["MountTargets"]
    assert ready == [{"Ref": "MountTargetA"}, {"Ref": "MountTargetB"}]
    for name, properties in SQLITE.functions.items():
        if "FileSystemConfigs" in properties:
            assert properties["FileSystemConfigs"][0]["LocalMountPath"].startswith("/mnt/")
            assert env["BILLING_DB_PATH"].startswith(properties["FileSystemConfigs"][0]["LocalMountPath"])
            assert RESOURCES[name]["DependsOn"] == ["StorageReady"]
            assert "VpcConfig" in properties, name


def _policy_directives(policy: str) -> dict[str, str]:
    return {d.split()[0]: " ".join(d.split()[1:]) for d in (part.strip() for part in policy.split(";")) if d}


def test_cors_origins_are_a_parameter_and_never_a_wildcard():
    parameter = TEMPLATE["Parameters"]["CorsAllowOrigins"]
    cors = RESOURCES["BillingApi"]["Properties"]["CorsConfiguration"]
    allowed = re.compile(parameter["AllowedPattern"])

    assert parameter["Type"] == "CommaDelimitedList"
    assert {"Ref": "CorsAllowOrigins"} in _intrinsic_leaves(cors["AllowOrigins"])
    assert "*" not in repr(cors["AllowOrigins"])
    for origin in ["https://app.example.com", "https://localhost:8443", ""]:
        assert allowed.fullmatch(origin), origin
    for origin in ["*", "https://*.example.com", "http://app.example.com", "https://a.com/path", "null"]:
        assert not allowed.fullmatch(origin), origin
    assert cors.get("AllowCredentials") is not True


def _intrinsic_leaves(value):
    if isinstance(value, dict):
        if "Ref" in value:
            return [value]
        return [leaf for item in value.values() for leaf in _intrinsic_leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _intrinsic_leaves(item)]
    return [value]


def test_the_dashboard_gets_the_security_headers_the_local_gateway_sends():
    from local_gateway.static import CONTENT_SECURITY_POLICY, SECURITY_HEADERS

    behaviour = RESOURCES["DashboardDistribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "DashboardResponseHeadersPolicy"}
    policy = RESOURCES["DashboardResponseHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = policy["SecurityHeadersConfig"]
    deployed = _policy_directives(security["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"])
    local = _policy_directives(CONTENT_SECURITY_POLICY)

    # The same policy, except that in AWS the API lives on another origin (execute-api).
    assert deployed.pop("connect-src") == "'self' https://*.execute-api.${AWS::Region}.amazonaws.com"
    assert local.pop("connect-src") == "'self'"
    assert deployed == local
    assert deployed["script-src"] == "'self'" and deployed["frame-ancestors"] == "'none'"
    assert all("unsafe" not in sources for sources in deployed.values())
    assert all(part.get("Override") is True for part in security.values())
    headers = dict(SECURITY_HEADERS)
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == headers["referrer-policy"]
    assert security["FrameOptions"]["FrameOption"] == headers["x-frame-options"]
    assert "ContentTypeOptions" in security and headers["x-content-type-options"] == "nosniff"


def test_the_sqlite_variant_keeps_efs_and_one_writer_and_has_no_queue_or_table():
    assert {"Vpc", "DataFileSystem", "MountTargetA", "MountTargetB", "DataAccessPoint"} <= set(SQLITE.resources)
    assert not any(r["Type"] in ("AWS::SQS::Queue", "AWS::DynamoDB::Table") for r in SQLITE.resources.values())
    for name, properties in SQLITE.functions.items():
        storage_user = name not in STORAGE_FREE
        assert ("FileSystemConfigs" in properties) == storage_user, name
        writer = (
            bool(methods(properties) - {"GET"}) and name not in READ_ONLY_OTHERS
        ) or name == "MonthlyBillingFunction"
        assert ("ReservedConcurrentExecutions" in properties) == (storage_user and writer), name
        assert "QUEUE_URL" not in properties["Environment"]["Variables"]  # runs bill in-process


def test_the_dynamodb_variant_has_no_vpc_no_efs_and_no_reserved_concurrency():
    assert not [name for name, r in DYNAMODB.resources.items() if r["Type"].startswith(NETWORK_TYPES)]
    for name, properties in DYNAMODB.functions.items():
        assert not {"VpcConfig", "FileSystemConfigs", "ReservedConcurrentExecutions"} & set(properties), name
        env = properties["Environment"]["Variables"]
        assert env["TABLE_NAME"] == {"Ref": "BillingTable"} and "BILLING_DB_PATH" not in env, name


# Functions that read and never write although not GET: the authorizer (reads keys) and the estimate (a POST
# of what-if input that stores nothing).
READ_ONLY_OTHERS = {"AuthorizerFunction", "EstimateInvoiceFunction"}


def test_get_only_functions_read_the_table_and_only_writers_may_write():
    for name, properties in DYNAMODB.functions.items():
        names = policy_names(properties)
        if name in STORAGE_FREE:
            assert names == [], name
        elif methods(properties) == {"GET"} or name in READ_ONLY_OTHERS:
            assert names == ["DynamoDBReadPolicy"], name
        else:
            assert "DynamoDBCrudPolicy" in names and "DynamoDBReadPolicy" not in names, name
    assert all(policy_names(p) == [] for p in SQLITE.functions.values())  # EFS is reached by network, not IAM


def test_only_the_run_functions_can_send_to_the_billing_queue():
    senders = {name for name, p in DYNAMODB.functions.items() if "SQSSendMessagePolicy" in policy_names(p)}
    assert senders == RUN_FUNCTIONS
    for name in RUN_FUNCTIONS:
        assert DYNAMODB.functions[name]["Environment"]["Variables"]["QUEUE_URL"] == {"Ref": "BillingQueue"}
    with_queue_url = {n for n, p in DYNAMODB.functions.items() if "QUEUE_URL" in p["Environment"]["Variables"]}
    assert with_queue_url == RUN_FUNCTIONS


def test_queue_consumers_report_partial_failures_are_capped_and_their_queues_outlast_them():
    resources = aws_resources(ROOT / "template.yaml")
    assert {s.function_id for s in resources.event_sources} == {"BillCustomersFunction", "SettleDeadShardsFunction"}
    for source in resources.event_sources:
        queue = resources.queues[source.queue_id]
        assert source.report_batch_item_failures and source.maximum_concurrency, source
        assert queue.visibility_timeout >= 6 * source.function_timeout, source  # AWS's rule for SQS event sources
        properties = DYNAMODB.functions[source.function_id]
        assert {"SQSPollerPolicy", "DynamoDBCrudPolicy"} <= set(policy_names(properties))
    billing_queue = resources.queues["BillingQueue"]
    assert billing_queue.dead_letter_queue == "BillingDeadLetterQueue" and billing_queue.max_receive_count
    assert not billing_queue.fifo  # billing is idempotent in storage: at-least-once delivery is enough
