"""Run handler functions in this process, the way warm Lambda containers would.

Each function's module is imported on its first invocation (its cold start) and
kept for later ones. Handlers run one at a time in this process: like a single
container, a function serves one request at a time, so handler code written for
Lambda (module-level state, cached connections) sees the concurrency it will see
in AWS; and different functions cannot overlap either, because Powertools keeps
the current event on a class attribute (BaseRouter.current_event) that every
resolver in a process shares: two handlers at once could read each other's request.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from local_gateway.events import ACCOUNT_ID, REGION
from local_gateway.template import FunctionSpec

Handler = Callable[[dict[str, Any], "LambdaContext"], Any]


@dataclass
class LambdaContext:
    """The attributes of the Lambda runtime's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_context(function: FunctionSpec) -> LambdaContext:
    """A fresh context for one invocation of `function`."""
    name = function.logical_id
    return LambdaContext(
        function_name=name,
        memory_limit_in_mb=function.memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
        aws_request_id=str(uuid.uuid4()),
        log_group_name=f"/aws/lambda/{name}",
        log_stream_name=f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
        _deadline=time.monotonic() + function.timeout_s,
    )


class FunctionRuntime:
    """Imports handlers lazily, caches them, and invokes them one request at a time."""

    def __init__(self, functions: Mapping[str, FunctionSpec]) -> None:
        self._functions = dict(functions)
        self._handlers: dict[str, Handler] = {}
        self._invocation_lock = threading.Lock()  # one handler at a time: see the module's docstring
        # sys.path and sys.modules are process-wide: one import at a time.
        self._import_lock = threading.Lock()

    def invoke(self, function_id: str, event: Mapping[str, Any]) -> Any:
        """Call the function's handler with a copy of `event`; return its reply as Lambda would.

        Event and reply cross a JSON boundary, as in Lambda: the handler cannot
        share objects with the gateway, and a reply that is not JSON raises here.
        """
        function = self._functions[function_id]
        with self._invocation_lock:
            handler = self._handler(function)
            reply = handler(json.loads(json.dumps(event)), lambda_context(function))
        return json.loads(json.dumps(reply))

    def _handler(self, function: FunctionSpec) -> Handler:
        if function.logical_id not in self._handlers:
            with self._import_lock:
                self._handlers[function.logical_id] = load_handler(function)
        return self._handlers[function.logical_id]


def load_handler(function: FunctionSpec) -> Handler:
    """Import the function's module from its code folder and return its handler."""
    module_path, _, attribute = function.handler.rpartition(".")
    module = _import_file(_module_name(function.logical_id), _module_file(function.code_dir, module_path), function)
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise AttributeError(f"{function.logical_id}: {function.handler} is not a function in {module.__file__}")
    return handler


def _module_name(logical_id: str) -> str:
    # Many functions keep their handler in an `app.py`: one unique module per function.
    return "local_gateway_function_" + re.sub(r"\W", "_", logical_id)


def _module_file(code_dir: Path, module_path: str) -> Path:
    relative = Path(*module_path.split("."))
    for candidate in (code_dir / relative.with_suffix(".py"), code_dir / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    raise ModuleNotFoundError(f"no module {module_path!r} in {code_dir}")


def _import_file(module_name: str, file: Path, function: FunctionSpec) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    # Registered before running it: dataclasses and pydantic look their module up there.
    sys.modules[module_name] = module
    try:
        with _lambda_import_path(function):
            spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


@contextmanager
def _lambda_import_path(function: FunctionSpec) -> Iterator[None]:
    """Make imports resolve as in Lambda: the code folder first, then the layers.

    Layers stay on sys.path (they are shared, like /opt/python); the code folder
    is only there while the module loads, so that two functions' sibling modules
    do not shadow each other for later imports.
    """
    for layer_dir in function.layer_dirs:
        if str(layer_dir) not in sys.path:
            sys.path.append(str(layer_dir))
    code_dir = str(function.code_dir)
    sys.path.insert(0, code_dir)
    try:
        yield
    finally:
        sys.path.remove(code_dir)
