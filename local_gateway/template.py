"""Read what the local gateway needs from a SAM template.

Only the parts that shape an HTTP request's path through API Gateway are read:
`AWS::Serverless::Function` resources with `HttpApi` events, the
`AWS::Serverless::HttpApi` resources they belong to (authorizers, CORS), and
`Globals`. Intrinsic functions are kept in their long form (`{"Ref": ...}`) and
only resolved where the gateway needs a value (`ApiId`, `FunctionArn`, `Layers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

IMPLICIT_API_ID = "ServerlessHttpApi"  # the logical id SAM gives the implicit HTTP API
DEFAULT_ROUTE = "$default"
SAM_DEFAULT_MEMORY_MB = 128
SAM_DEFAULT_TIMEOUT_S = 3

FUNCTION_TYPE = "AWS::Serverless::Function"
HTTP_API_TYPE = "AWS::Serverless::HttpApi"
LAYER_TYPE = "AWS::Serverless::LayerVersion"


class TemplateError(ValueError):
    """The template is malformed or uses something the local gateway cannot emulate."""


# ---------------------------------------------------------------------------
# YAML loading with CloudFormation short-form tags
# ---------------------------------------------------------------------------


class SamTemplateLoader(yaml.SafeLoader):
    """A SafeLoader that reads CloudFormation short-form tags into their long form.

    A subclass, because `add_constructor` on it copies the constructor table
    instead of mutating `yaml.SafeLoader` for every other user in the process.
    """


SHORT_FORM_TAGS = {
    "Ref": "Ref",
    "Condition": "Condition",
    "Sub": "Fn::Sub",
    "If": "Fn::If",
    "Join": "Fn::Join",
    "Select": "Fn::Select",
    "Equals": "Fn::Equals",
    "Not": "Fn::Not",
    "And": "Fn::And",
    "Or": "Fn::Or",
    "FindInMap": "Fn::FindInMap",
    "Split": "Fn::Split",
    "Base64": "Fn::Base64",
    "ImportValue": "Fn::ImportValue",
    "GetAZs": "Fn::GetAZs",
    "Cidr": "Fn::Cidr",
}


def _construct_node(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _long_form(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {name: _construct_node(loader, node)}

    return construct


def _construct_get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct_node(loader, node)
    if isinstance(value, str):
        # "Resource.Attribute": CloudFormation splits on the first dot only.
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


for _tag, _name in SHORT_FORM_TAGS.items():
    SamTemplateLoader.add_constructor(f"!{_tag}", _long_form(_name))
SamTemplateLoader.add_constructor("!GetAtt", _construct_get_att)


def load_yaml(path: Path | str) -> dict[str, Any]:
    """Parse a SAM/CloudFormation YAML file, intrinsic tags included."""
    with open(path, encoding="utf-8") as stream:
        document = yaml.load(stream, Loader=SamTemplateLoader)  # a SafeLoader subclass: safe
    if not isinstance(document, dict):
        raise TemplateError(f"{path}: not a template (top level is not a mapping)")
    return document


# ---------------------------------------------------------------------------
# What the gateway needs
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionSpec:
    """Where a function's code lives and what the Lambda runtime would give it."""

    logical_id: str
    code_dir: Path
    handler: str  # "module.function", module possibly dotted
    memory_mb: int = SAM_DEFAULT_MEMORY_MB
    timeout_s: int = SAM_DEFAULT_TIMEOUT_S
    layer_dirs: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Authorizer:
    """An HTTP API Lambda authorizer (REQUEST, payload 2.0, simple responses)."""

    name: str
    function_id: str
    code_dir: Path
    handler: str
    identity_headers: tuple[str, ...] = ()
    identity_query_strings: tuple[str, ...] = ()
    enable_simple_responses: bool = True
    payload_format_version: str = "2.0"


@dataclass(frozen=True)
class CorsConfig:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False


@dataclass(frozen=True)
class HttpApiSpec:
    logical_id: str
    authorizers: Mapping[str, Authorizer] = field(default_factory=dict)
    default_authorizer: str | None = None
    cors: CorsConfig | None = None


@dataclass(frozen=True)
class Route:
    """One `HttpApi` event: a method and path served by a function."""

    method: str  # upper-cased, or "ANY"
    path: str  # "/v1/customers/{id}", or "$default"
    function_id: str
    code_dir: Path
    handler: str
    authorizer: str | None  # None for `Auth: {Authorizer: NONE}` or an API without one
    api_id: str = IMPLICIT_API_ID

    @property
    def route_key(self) -> str:
        return DEFAULT_ROUTE if self.path == DEFAULT_ROUTE else f"{self.method} {self.path}"


@dataclass(frozen=True)
class GatewayTemplate:
    path: Path
    routes: tuple[Route, ...]
    apis: Mapping[str, HttpApiSpec]
    functions: Mapping[str, FunctionSpec]  # every function a route or an authorizer invokes

    def authorizer_for(self, route: Route) -> Authorizer | None:
        if route.authorizer is None:
            return None
        return self.apis[route.api_id].authorizers[route.authorizer]


def load_template(path: Path | str) -> GatewayTemplate:
    """Read the routes, authorizers and CORS settings of a SAM template."""
    template_path = Path(path).resolve()
    return _TemplateReader(template_path, load_yaml(template_path)).read()


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def merge_globals(properties: Mapping[str, Any], global_properties: Mapping[str, Any]) -> dict[str, Any]:
    """Apply a `Globals` section as SAM does: maps merge, lists add up, scalars are overridden."""
    merged = dict(global_properties)
    for key, value in properties.items():
        inherited = merged.get(key)
        if isinstance(inherited, dict) and isinstance(value, dict):
            merged[key] = merge_globals(value, inherited)
        elif isinstance(inherited, list) and isinstance(value, list):
            merged[key] = inherited + value
        else:
            merged[key] = value
    return merged


def ref_target(value: Any) -> str | None:
    """The logical id in `{"Ref": X}` (or a bare string id), else None."""
    if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        return value["Ref"]
    if isinstance(value, str):
        return value
    return None


_SUB_ARN = re.compile(r"^\$\{([A-Za-z0-9]+)\.Arn\}$")


def function_arn_target(value: Any) -> str | None:
    """The function named by `!GetAtt Fn.Arn` or `!Sub "${Fn.Arn}"`, else None."""
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        if isinstance(target, list) and len(target) == 2 and target[1] == "Arn":
            return str(target[0])
        return None
    if isinstance(value, dict) and isinstance(value.get("Fn::Sub"), str):
        match = _SUB_ARN.match(value["Fn::Sub"])
        return match.group(1) if match else None
    return None


def _as_int(value: Any, default: int) -> int:
    # A `!Ref Parameter` cannot be resolved here: fall back to SAM's default.
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _as_strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    # An intrinsic (an origin built with !Sub from a CloudFront domain, a !Ref to a parameter, an !If) has no
    # local value.
    if isinstance(value, dict):
        return ()
    return tuple(item for item in value if isinstance(item, str))


class _TemplateReader:
    def __init__(self, path: Path, document: Mapping[str, Any]) -> None:
        self.path = path
        self.folder = path.parent
        self.resources: Mapping[str, Any] = document.get("Resources") or {}
        globals_section = document.get("Globals") or {}
        self.function_globals: Mapping[str, Any] = globals_section.get("Function") or {}
        self.http_api_globals: Mapping[str, Any] = globals_section.get("HttpApi") or {}
        self.functions: dict[str, FunctionSpec] = {}

    def read(self) -> GatewayTemplate:
        apis: dict[str, HttpApiSpec] = {}
        routes: list[Route] = []
        for function_id, event_name, event in self._http_api_events():
            api_id = self._api_id(function_id, event_name, event)
            if api_id not in apis:
                apis[api_id] = self._http_api(api_id)
            routes.append(self._route(function_id, event_name, event, apis[api_id]))
        return GatewayTemplate(self.path, tuple(routes), apis, dict(self.functions))

    # -- resources ---------------------------------------------------------

    def _resources_of_type(self, resource_type: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if isinstance(resource, dict) and resource.get("Type") == resource_type:
                yield logical_id, resource.get("Properties") or {}

    def _function_properties(self, function_id: str) -> dict[str, Any]:
        resource = self.resources.get(function_id)
        if not isinstance(resource, dict) or resource.get("Type") != FUNCTION_TYPE:
            raise TemplateError(f"{function_id} is not an {FUNCTION_TYPE} in {self.path.name}")
        return merge_globals(resource.get("Properties") or {}, self.function_globals)

    def _http_api_events(self) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
        for function_id, properties in self._resources_of_type(FUNCTION_TYPE):
            for event_name, event in (properties.get("Events") or {}).items():
                if isinstance(event, dict) and event.get("Type") == "HttpApi":
                    yield function_id, event_name, event.get("Properties") or {}

    # -- functions ---------------------------------------------------------

    def function(self, function_id: str) -> FunctionSpec:
        """The function's spec, read once; only invoked functions must be runnable here."""
        if function_id not in self.functions:
            self.functions[function_id] = self._read_function(function_id)
        return self.functions[function_id]

    def _read_function(self, function_id: str) -> FunctionSpec:
        properties = self._function_properties(function_id)
        where = f"{self.path.name}: {function_id}"
        if properties.get("PackageType", "Zip") != "Zip":
            raise TemplateError(f"{where}: only Zip functions can run locally")
        runtime = properties.get("Runtime")
        if isinstance(runtime, str) and not runtime.startswith("python"):
            raise TemplateError(f"{where}: runtime {runtime} cannot run in this Python process")
        code_uri = properties.get("CodeUri")
        if not isinstance(code_uri, str):
            raise TemplateError(f"{where}: needs a local CodeUri folder (got {code_uri!r})")
        handler = properties.get("Handler")
        if not isinstance(handler, str) or "." not in handler:
            raise TemplateError(f"{where}: Handler must be 'module.function' (got {handler!r})")
        return FunctionSpec(
            logical_id=function_id,
            code_dir=(self.folder / code_uri).resolve(),
            handler=handler,
            memory_mb=_as_int(properties.get("MemorySize"), SAM_DEFAULT_MEMORY_MB),
            timeout_s=_as_int(properties.get("Timeout"), SAM_DEFAULT_TIMEOUT_S),
            layer_dirs=self._layer_dirs(properties.get("Layers") or []),
        )

    def _layer_dirs(self, layers: list[Any]) -> tuple[Path, ...]:
        folders = []
        for layer in layers:
            layer_id = ref_target(layer)
            resource = self.resources.get(layer_id or "")
            # Layers given by ARN (e.g. a public Powertools layer) are expected
            # to be installed in the local virtualenv instead.
            if not isinstance(resource, dict) or resource.get("Type") != LAYER_TYPE:
                continue
            content_uri = (resource.get("Properties") or {}).get("ContentUri")
            if isinstance(content_uri, str):
                folders.append(_layer_import_root((self.folder / content_uri).resolve()))
        return tuple(folders)

    # -- APIs --------------------------------------------------------------

    def _api_id(self, function_id: str, event_name: str, event: Mapping[str, Any]) -> str:
        if "ApiId" not in event:
            return IMPLICIT_API_ID
        api_id = ref_target(event["ApiId"])
        resource = self.resources.get(api_id) if api_id else None
        if api_id is None or not isinstance(resource, dict) or resource.get("Type") != HTTP_API_TYPE:
            raise TemplateError(
                f"{function_id}.Events.{event_name}: ApiId {event['ApiId']!r} is not an {HTTP_API_TYPE}"
            )
        return api_id

    def _http_api(self, api_id: str) -> HttpApiSpec:
        own = {} if api_id == IMPLICIT_API_ID else (self.resources[api_id].get("Properties") or {})
        properties = merge_globals(own, self.http_api_globals)
        auth = properties.get("Auth") or {}
        authorizers = {
            name: self._authorizer(api_id, name, config) for name, config in (auth.get("Authorizers") or {}).items()
        }
        default = auth.get("DefaultAuthorizer")
        if default is not None and default not in authorizers:
            raise TemplateError(f"{api_id}: DefaultAuthorizer {default!r} is not one of its Authorizers")
        return HttpApiSpec(api_id, authorizers, default, _cors(properties.get("CorsConfiguration")))

    def _authorizer(self, api_id: str, name: str, config: Mapping[str, Any]) -> Authorizer:
        where = f"{api_id}.Auth.Authorizers.{name}"
        function_id = function_arn_target(config.get("FunctionArn"))
        if function_id is None:
            raise TemplateError(
                f"{where}: only Lambda authorizers whose FunctionArn is !GetAtt <Function>.Arn can run locally"
            )
        version = str(config.get("AuthorizerPayloadFormatVersion", ""))
        if version not in ("2.0", "2"):
            raise TemplateError(f'{where}: AuthorizerPayloadFormatVersion {version!r} is not emulated (use "2.0")')
        if config.get("EnableSimpleResponses") is not True:
            raise TemplateError(f"{where}: only EnableSimpleResponses: true is emulated (no IAM policy responses)")
        identity = config.get("Identity") or {}
        unsupported = set(identity) - {"Headers", "QueryStrings", "ReauthorizeEvery"}
        if unsupported:
            raise TemplateError(f"{where}: identity sources {sorted(unsupported)} are not emulated")
        function = self.function(function_id)
        return Authorizer(
            name=name,
            function_id=function_id,
            code_dir=function.code_dir,
            handler=function.handler,
            identity_headers=_as_strings(identity.get("Headers")),
            identity_query_strings=_as_strings(identity.get("QueryStrings")),
        )

    # -- routes ------------------------------------------------------------

    def _route(self, function_id: str, event_name: str, event: Mapping[str, Any], api: HttpApiSpec) -> Route:
        function = self.function(function_id)
        path = event.get("Path", DEFAULT_ROUTE)
        method = str(event.get("Method", "ANY")).upper()
        if not isinstance(path, str):
            raise TemplateError(f"{function_id}.Events.{event_name}: Path must be a plain string")
        return Route(
            method=method,
            path=path,
            function_id=function_id,
            code_dir=function.code_dir,
            handler=function.handler,
            authorizer=self._route_authorizer(function_id, event_name, event, api),
            api_id=api.logical_id,
        )

    @staticmethod
    def _route_authorizer(function_id: str, event_name: str, event: Mapping[str, Any], api: HttpApiSpec) -> str | None:
        auth = event.get("Auth") or {}
        if "Authorizer" not in auth:
            return api.default_authorizer
        name = auth["Authorizer"]
        if name == "NONE":
            return None
        if name not in api.authorizers:
            raise TemplateError(
                f"{function_id}.Events.{event_name}: authorizer {name!r} is not defined on {api.logical_id}"
            )
        return name


def _layer_import_root(content_dir: Path) -> Path:
    # A prebuilt layer zip keeps its packages under python/ (mounted at /opt/python);
    # a layer built by `sam build` from sources has them at its root.
    python_dir = content_dir / "python"
    return python_dir if python_dir.is_dir() else content_dir


def _cors(config: Any) -> CorsConfig | None:
    if config is None or config is False:
        return None
    if config is True:  # SAM's shorthand: any origin, method and header
        return CorsConfig(allow_origins=("*",), allow_methods=("*",), allow_headers=("*",))
    if not isinstance(config, dict):
        raise TemplateError(f"CorsConfiguration must be true or a mapping (got {config!r})")
    max_age = config.get("MaxAge")
    return CorsConfig(
        allow_origins=_as_strings(config.get("AllowOrigins")),
        allow_methods=tuple(method.upper() for method in _as_strings(config.get("AllowMethods"))),
        allow_headers=_as_strings(config.get("AllowHeaders")),
        expose_headers=_as_strings(config.get("ExposeHeaders")),
        max_age=max_age if isinstance(max_age, int) else None,
        allow_credentials=config.get("AllowCredentials") is True,
    )
