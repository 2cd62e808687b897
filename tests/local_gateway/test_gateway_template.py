"""Reading a SAM template: intrinsic tags, routes, authorizers, CORS."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from local_gateway.template import (
    IMPLICIT_API_ID,
    CorsConfig,
    SamTemplateLoader,
    TemplateError,
    load_template,
    load_yaml,
)


def write_template(folder: Path, body: str) -> Path:
    path = folder / "template.yaml"
    path.write_text(textwrap.dedent(body))
    return path


# -- the YAML loader ----------------------------------------------------------


def test_short_form_tags_become_long_form(fixture_template: Path) -> None:
    document = load_yaml(fixture_template)
    variables = document["Globals"]["Function"]["Environment"]["Variables"]

    assert variables["STAGE"] == {"Ref": "Stage"}
    assert variables["TABLE"] == {
        "Fn::If": [
            "IsProd",
            {"Fn::ImportValue": "prod-table"},
            {"Fn::Join": ["-", ["local", {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}]]},
        ]
    }
    assert variables["GREETING"] == {"Fn::Base64": "hello"}
    assert variables["ZONE"] == {"Fn::Select": [0, {"Fn::GetAZs": ""}]}
    assert variables["SUBNET"] == {"Fn::Select": [0, {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}]}
    assert variables["MEMORY"] == {"Fn::FindInMap": ["Sizes", "dev", "Memory"]}
    conditions = document["Conditions"]
    assert conditions["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    assert conditions["IsNotProd"] == {"Fn::Not": [{"Condition": "IsProd"}]}
    assert conditions["IsSane"] == {
        "Fn::And": [{"Condition": "IsNotProd"}, {"Fn::Or": [{"Fn::Equals": ["a", "a"]}, {"Fn::Equals": ["a", "b"]}]}]
    }
    assert document["Description"] == {"Fn::Sub": "local_gateway fixture (${AWS::StackName})"}


def test_get_att_dotted_and_list_forms_read_the_same(fixture_template: Path) -> None:
    document = load_yaml(fixture_template)
    dotted = document["Resources"]["Api"]["Properties"]["Auth"]["Authorizers"]["BearerAuthorizer"]["FunctionArn"]
    listed = document["Outputs"]["AuthorizerArn"]["Value"]

    assert dotted == listed == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}


def test_get_att_splits_on_the_first_dot_only() -> None:
    assert yaml.load("!GetAtt Db.Endpoint.Address", Loader=SamTemplateLoader) == {
        "Fn::GetAtt": ["Db", "Endpoint.Address"]
    }


def test_the_global_safe_loader_is_left_alone(fixture_template: Path) -> None:
    load_yaml(fixture_template)

    with pytest.raises(yaml.constructor.ConstructorError):
        yaml.safe_load("value: !Ref Something")
    assert "!Ref" not in yaml.SafeLoader.yaml_constructors


# -- routes --------------------------------------------------------------------


def test_routes_come_from_http_api_events_only(fixture_template: Path) -> None:
    template = load_template(fixture_template)

    assert [route.route_key for route in template.routes] == [
        "GET /v1/echo",
        "POST /v1/echo",
        "GET /v1/customers/{id}",
        "GET /v1/customers/search",
        "ANY /v1/files/{proxy+}",
        "GET /v1/health",
        "GET /v1/boom",
        "POST /v1/reply",
        "GET /v1/counter",
        "GET /implicit/ping",
    ]
    assert "NightlyFunction" not in template.functions  # its S3 CodeUri is never needed


def test_code_and_handler_fall_back_to_globals(fixture_template: Path, fixtures_dir: Path) -> None:
    template = load_template(fixture_template)
    echo = template.routes[0]
    health = next(route for route in template.routes if route.function_id == "HealthFunction")

    assert (echo.function_id, echo.code_dir, echo.handler) == (
        "EchoFunction",
        fixtures_dir / "functions" / "echo",
        "app.handler",
    )
    assert health.code_dir == fixtures_dir / "functions" / "health"


def test_function_settings_merge_globals_and_resolve_layers(fixture_template: Path, fixtures_dir: Path) -> None:
    functions = load_template(fixture_template).functions

    assert functions["EchoFunction"].memory_mb == 512  # its own value beats Globals
    assert functions["HealthFunction"].memory_mb == 256
    assert functions["HealthFunction"].timeout_s == 10
    # The layer keeps its modules under python/, as a Lambda layer zip does.
    assert functions["EchoFunction"].layer_dirs == (fixtures_dir / "layer" / "python",)


def test_default_authorizer_applies_unless_the_route_says_none(fixture_template: Path) -> None:
    routes = {route.route_key: route for route in load_template(fixture_template).routes}

    assert routes["GET /v1/echo"].authorizer == "BearerAuthorizer"
    assert routes["GET /v1/boom"].authorizer == "BearerAuthorizer"
    assert routes["GET /v1/health"].authorizer is None
    assert routes["POST /v1/reply"].authorizer is None


def test_an_event_without_api_id_belongs_to_the_implicit_api(fixture_template: Path) -> None:
    template = load_template(fixture_template)
    ping = next(route for route in template.routes if route.path == "/implicit/ping")

    assert ping.api_id == IMPLICIT_API_ID
    assert ping.authorizer is None
    assert template.apis[IMPLICIT_API_ID].cors is None
    assert template.routes[0].api_id == "Api"


def test_authorizer_points_at_its_function(fixture_template: Path, fixtures_dir: Path) -> None:
    template = load_template(fixture_template)
    authorizer = template.authorizer_for(template.routes[0])

    assert authorizer is not None
    assert authorizer.function_id == "AuthorizerFunction"
    assert authorizer.code_dir == fixtures_dir / "functions" / "authorizer"
    assert authorizer.handler == "app.handler"
    assert authorizer.identity_headers == ("Authorization",)
    assert "AuthorizerFunction" in template.functions


def test_cors_configuration_is_read(fixture_template: Path) -> None:
    assert load_template(fixture_template).apis["Api"].cors == CorsConfig(
        allow_origins=("http://localhost:5173",),
        allow_methods=("GET", "POST", "DELETE"),
        allow_headers=("authorization", "content-type"),
        expose_headers=("x-fixture",),
        max_age=600,
    )


IMPLICIT_API_TEMPLATE = """\
    Transform: AWS::Serverless-2016-10-31
    Globals:
      Function:
        Runtime: python3.12
      HttpApi:
        CorsConfiguration: true
        Auth:
          DefaultAuthorizer: Lambda
          Authorizers:
            Lambda:
              FunctionArn: !Sub "${AuthFn.Arn}"
              AuthorizerPayloadFormatVersion: 2.0
              EnableSimpleResponses: true
              Identity:
                QueryStrings: [key]
    Resources:
      AuthFn:
        Type: AWS::Serverless::Function
        Properties: {CodeUri: src/, Handler: auth.handler}
      CatchAll:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: pkg.main.handler
          Events:
            Everything:
              Type: HttpApi
"""


def test_implicit_api_takes_auth_and_cors_from_globals(tmp_path: Path) -> None:
    template = load_template(write_template(tmp_path, IMPLICIT_API_TEMPLATE))
    (route,) = template.routes
    api = template.apis[IMPLICIT_API_ID]

    assert (route.method, route.path, route.route_key) == ("ANY", "$default", "$default")
    assert route.authorizer == "Lambda"
    assert route.handler == "pkg.main.handler"
    assert api.authorizers["Lambda"].function_id == "AuthFn"
    assert api.authorizers["Lambda"].identity_query_strings == ("key",)
    assert api.cors == CorsConfig(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))


# -- what cannot be emulated is refused clearly ---------------------------------


def authorizer_template(settings: str, route_auth: str = "", code_uri: str = "src/") -> str:
    """A one-route template whose authorizer has `settings` (flow-style YAML entries)."""
    return f"""\
    Resources:
      Api:
        Type: AWS::Serverless::HttpApi
        Properties:
          Auth:
            DefaultAuthorizer: Lambda
            Authorizers:
              Lambda: {{FunctionArn: !GetAtt AuthFn.Arn, {settings}}}
      AuthFn:
        Type: AWS::Serverless::Function
        Properties: {{CodeUri: src/, Handler: app.handler, Runtime: python3.12}}
      Fn:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: {code_uri}
          Handler: app.handler
          Runtime: python3.12
          Events:
            Get: {{Type: HttpApi, Properties: {{ApiId: !Ref Api, Path: /x, Method: GET{route_auth}}}}}
    """


SUPPORTED = 'AuthorizerPayloadFormatVersion: "2.0", EnableSimpleResponses: true'


def test_the_supported_authorizer_settings_load(tmp_path: Path) -> None:
    template = load_template(write_template(tmp_path, authorizer_template(SUPPORTED)))

    assert [(route.route_key, route.authorizer) for route in template.routes] == [("GET /x", "Lambda")]


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ('AuthorizerPayloadFormatVersion: "1.0", EnableSimpleResponses: true', "AuthorizerPayloadFormatVersion '1.0'"),
        ("EnableSimpleResponses: true", "AuthorizerPayloadFormatVersion ''"),
        ('AuthorizerPayloadFormatVersion: "2.0"', "EnableSimpleResponses: true"),
    ],
)
def test_unsupported_authorizer_settings_are_refused(tmp_path: Path, settings: str, complaint: str) -> None:
    path = write_template(tmp_path, authorizer_template(settings))

    with pytest.raises(TemplateError, match=complaint):
        load_template(path)


def test_a_route_naming_an_unknown_authorizer_is_refused(tmp_path: Path) -> None:
    body = authorizer_template(SUPPORTED, route_auth=", Auth: {Authorizer: Nope}")

    with pytest.raises(TemplateError, match="authorizer 'Nope' is not defined on Api"):
        load_template(write_template(tmp_path, body))


def test_a_routed_function_needs_a_local_code_folder(tmp_path: Path) -> None:
    body = authorizer_template(SUPPORTED, code_uri="{Bucket: b, Key: k}")

    with pytest.raises(TemplateError, match="Fn: needs a local CodeUri"):
        load_template(write_template(tmp_path, body))
