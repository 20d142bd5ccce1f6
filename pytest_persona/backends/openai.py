"""An OpenAI-compatible chat server (llama-server, Ollama, vLLM, llama_cpp.server) over HTTP.

Standard library only. Temperature 0 and a seed by default; bounded retries and timeouts;
a server that is down, slow or answers nonsense gives each case one clear failure and the
run goes on. Replies are not cached: the model behind a URL can change without notice.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .base import BackendError, ChatRequest, Constraint, Progress, Reply, generate_each
from .fleet import Fleet, TransportError

CONNECT_RETRIES = 2
TIMEOUT_S = 120.0
MAX_RESPONSE_BYTES = 16 * 1024 * 1024


SCHEMA_STYLES = ("json_schema", "json_object")


def constraint_fields(constraint: Constraint | None, style: str = "json_schema") -> dict[str, Any]:
    """A response_format as an OpenAI-compatible server takes it: OpenAI's ``json_schema`` (OpenAI,
    vLLM, llama-server, SGLang) or the older ``json_object`` with a ``schema`` (llama-cpp-python's
    server, llama-server); GBNF as llama-server's own ``grammar`` field."""
    if constraint is None:
        return {}
    if constraint.kind == "grammar":
        return {"grammar": constraint.text}
    schema = json.loads(constraint.text)
    if style == "json_object":
        return {"response_format": {"type": "json_object", "schema": schema}}
    named = {"name": "response", "schema": schema, "strict": True}
    return {"response_format": {"type": "json_schema", "json_schema": named}}


class ServerError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status of a refused request


def chat_body(request: ChatRequest, model: str, style: str = "json_schema") -> dict[str, Any]:
    """The exact chat-completions body of one request: what a server gets and a batch file holds."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "max_tokens": request.params.max_tokens,
        "temperature": request.params.temperature,
        "top_p": request.params.top_p,
        "seed": request.seed,
        "stream": False,
    }
    if request.params.stop:
        body["stop"] = list(request.params.stop)
    body.update(constraint_fields(request.params.constraint, style))
    return body


@dataclass(frozen=True)
class Completion:
    """What a chat-completion response says: the text, its token count and why it stopped."""

    text: str
    tokens: int | None
    finish_reason: str | None


def read_completion(answer: Any) -> Completion:
    """The first choice of a chat-completion body (a server's answer, a batch output's ``body``);
    ValueError names what is missing."""
    try:
        choice = answer["choices"][0]
        text = choice["message"]["content"]
        if not isinstance(text, str):
            raise TypeError("content is not a string")
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"unexpected response shape ({exc})") from None
    usage = answer.get("usage") if isinstance(answer.get("usage"), dict) else {}
    tokens = usage.get("completion_tokens")
    return Completion(
        text=text,
        tokens=tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None,
        finish_reason=choice.get("finish_reason") if isinstance(choice, dict) else None,
    )


def _error_text(exc: urllib.error.HTTPError) -> str:
    """The server's own error message (``{"error": {"message": …}}`` or text), short, for the report."""
    try:
        raw = exc.read(4096)
    except OSError:
        return ""
    try:
        parsed = json.loads(raw)
        message = parsed.get("error", {}).get("message") if isinstance(parsed, dict) else None
        text = message if isinstance(message, str) else raw.decode("utf-8", errors="replace")
    except (ValueError, AttributeError, RecursionError):
        text = raw.decode("utf-8", errors="replace")
    text = " ".join(text.split())
    return f": {text[:300]}" if text else ""


def _api_base(url: str) -> str:
    url = url.rstrip("/")
    return url[: -len("/chat/completions")] if url.endswith("/chat/completions") else url


def served_checkpoint(checkpoint: Any) -> Any:
    """The artifact a server checkpoint serves (``--persona-serves``), as a checkpoint of its own."""
    serves = checkpoint.options.serves
    if not serves:
        return None
    from . import detect_backend
    from .checkpoint import BackendOptions, Checkpoint

    backend = detect_backend(serves)
    if backend is None or backend in ("openai", "replay"):
        raise BackendError(f"--persona-serves {checkpoint.name}={serves}: not a GGUF file or a model directory")
    options = BackendOptions(chat_template=checkpoint.options.chat_template)
    return Checkpoint(checkpoint.name, serves, backend, options=options)


def engine_identity(checkpoint: Any, timeout: float = 10.0) -> str:
    """What engine a server runs, for the cache key of a server bound to its artifact: llama-server's
    build (/props), vLLM's version (/version), else the model ids; "unreachable" never matches a
    stored key, so a server that cannot say is answered fresh."""
    base = _api_base(checkpoint.target)
    root = base[: -len("/v1")] if base.endswith("/v1") else base
    for url, field in ((root + "/props", "build_info"), (root + "/version", "version")):
        found = _get_json(url, timeout)
        if isinstance(found, dict) and isinstance(found.get(field), str):
            return f"{field} {found[field]}"
    models = _get_json(base + "/models", timeout)
    if isinstance(models, dict) and isinstance(models.get("data"), list):
        ids = sorted(str(m.get("id")) for m in models["data"] if isinstance(m, dict))
        return "models " + ",".join(ids)
    return f"unreachable {time.time()}"


def _get_json(url: str, timeout: float) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (the user's server)
            return json.loads(response.read(1 << 20))
    except (OSError, ValueError, RecursionError):
        return None


class OpenAIBackend:
    name = "openai"
    cacheable = False  # the model behind a URL can change without notice ...

    @staticmethod
    def cacheable_for(checkpoint: Any) -> bool:
        """... unless the user binds the server to the artifact it serves (--persona-serves)."""
        return bool(checkpoint.options.serves)

    @staticmethod
    def tokenizer_only(checkpoint: Any) -> Any:
        """The served artifact's tokenizer, so ``max_tokens`` and ``no_template_leak`` see it."""
        served = served_checkpoint(checkpoint)
        if served is None:
            return None
        from . import tokenizer_for

        return tokenizer_for(served)

    engine_identity = staticmethod(engine_identity)

    @staticmethod
    def preflight(checkpoint: Any) -> None:
        """A served artifact is checked like a checkpoint of its own (a GGUF's header, say)."""
        served = served_checkpoint(checkpoint)
        if served is not None:
            from . import preflight

            preflight(served)

    @staticmethod
    def version() -> str:
        return "openai chat completions/1"

    def __init__(self, checkpoint: Any) -> None:
        url = checkpoint.target.rstrip("/")
        self.base = url[: -len("/chat/completions")] if url.endswith("/chat/completions") else url
        self.model: str | None = checkpoint.options.server_model
        self.timeout = float(checkpoint.options.timeout_s or TIMEOUT_S)
        self.retries = CONNECT_RETRIES if checkpoint.options.retries is None else checkpoint.options.retries
        self.schema_style = SCHEMA_STYLES[0]  # the other once a server refuses OpenAI's json_schema form
        self._checkpoint = checkpoint
        self._served: Any = False  # the served artifact's tokenizer, looked up on first use
        urls = [self.base, *(_api_base(url) for url in checkpoint.options.replicas)]
        concurrency = checkpoint.options.concurrency or 1
        self.fleet: Fleet | None = None
        if len(urls) > 1 or concurrency > 1:
            self.fleet = Fleet(urls, concurrency)
            if len(urls) > 1:
                self._check_replicas(urls)

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, base: str | None = None
    ) -> dict[str, Any]:
        """One HTTP exchange with bounded retries on connection errors, timeouts and 5xx (in a fleet
        none: another replica is the retry)."""
        data = json.dumps(body).encode("utf-8") if body is not None else None
        last, status = "no attempt", None
        base = base or self.base
        retries = 0 if self.fleet is not None and len(self.fleet.replicas) > 1 else self.retries
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(min(0.5 * 2**attempt, 4.0))
            request = urllib.request.Request(
                base + path, data=data, method=method, headers={"Content-Type": "application/json"}
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (user's URL)
                    raw = response.read(MAX_RESPONSE_BYTES + 1)
            except urllib.error.HTTPError as exc:
                last = f"HTTP {exc.code} {exc.reason}{_error_text(exc)}"
                status = exc.code
                if exc.code >= 500:
                    continue
                raise ServerError(f"{base}{path}: {last}", exc.code) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"cannot reach the server ({reason})"
                continue
            if len(raw) > MAX_RESPONSE_BYTES:
                raise ServerError(f"{base}{path}: response larger than {MAX_RESPONSE_BYTES} bytes")
            try:
                parsed = json.loads(raw)
            except (ValueError, RecursionError):
                raise ServerError(f"{base}{path}: the response is not JSON: {raw[:120]!r}") from None
            if not isinstance(parsed, dict):
                raise ServerError(f"{base}{path}: expected a JSON object, got {type(parsed).__name__}")
            return parsed
        raise ServerError(f"{base}{path}: {last} after {retries + 1} attempt{'s' if retries else ''}", status)

    def _check_replicas(self, urls: list[str]) -> None:
        """Every replica must serve the same model on the same engine build (greedy replies differ
        across builds); one that cannot be reached now is left to fail over. Batched slots warn."""
        served: dict[str, tuple[Any, ...]] = {}
        for url in urls:
            try:
                models = self._call("GET", "/models", base=url).get("data") or []
            except ServerError:
                continue
            ids = tuple(sorted(str(m.get("id")) for m in models if isinstance(m, dict)))
            props = self._props(url)
            build = props.get("build_info")
            served[url] = (ids, build if isinstance(build, str) else None)
            slots = props.get("total_slots")
            if isinstance(slots, int) and slots > 1:
                warnings.warn(
                    f"{url} serves {slots} parallel slots: which requests share a batch can change greedy "
                    "replies (start it with one slot, -np 1, for replies that repeat)",
                    stacklevel=2,
                )
        if len(set(served.values())) > 1:
            listed = "; ".join(
                f"{url}: model {', '.join(ids) or '?'}" + (f", build {build}" if build else "")
                for url, (ids, build) in served.items()
            )
            raise BackendError(f"the replicas of {self.base} serve different models or engine builds: {listed}")

    def _props(self, url: str) -> dict[str, Any]:
        """llama-server's /props (at the server root), or nothing where a server has none."""
        root = url[: -len("/v1")] if url.endswith("/v1") else url
        try:
            return self._call("GET", "/props", base=root)
        except ServerError:
            return {}

    def _model_name(self) -> str:
        if self.model is None:
            try:
                models = self._call("GET", "/models").get("data") or []
                self.model = str(models[0]["id"]) if models and isinstance(models[0], dict) else "default"
            except (ServerError, KeyError, TypeError, IndexError):
                self.model = "default"
        return self.model

    def generate(self, requests: Sequence[ChatRequest], progress: Progress | None = None) -> list[Reply]:
        if self.fleet is None:
            return generate_each(requests, self._one, progress)
        return self.fleet.run(
            requests,
            lambda url, request: self._one(request, url, moves=True),
            lambda request, errors: Reply(text="", error="every replica failed: " + "; ".join(errors)),
            progress,
        )

    @property
    def replica_stats(self) -> list[dict[str, Any]] | None:
        """Requests and errors per replica, for the report (None without a fleet)."""
        return self.fleet.stats() if self.fleet is not None else None

    def _one(self, request: ChatRequest, base: str | None = None, moves: bool = False) -> Reply:
        """One request to ``base`` (default: the checkpoint's URL). ``moves``: a connection error or a
        5xx raises TransportError, so the fleet can send the request to another replica."""
        base = base or self.base
        constraint = request.params.constraint
        body = chat_body(request, self._model_name(), self.schema_style)
        started = time.perf_counter()
        try:
            answer = self._call("POST", "/chat/completions", body, base)
        except ServerError as exc:
            older = constraint is not None and constraint.kind == "json_schema" and self.schema_style == "json_schema"
            if not (older and exc.status is not None and "response_format" in str(exc)):
                if moves and (exc.status is None or exc.status >= 500):
                    raise TransportError(str(exc)) from None
                return Reply(text="", error=str(exc))
            self.schema_style = "json_object"  # llama-cpp-python's server knows only this form
            try:
                older_form = body | constraint_fields(constraint, "json_object")
                answer = self._call("POST", "/chat/completions", older_form, base)
            except ServerError as again:
                return Reply(text="", error=f"{again} (and {exc} for OpenAI's json_schema form)")
        latency = time.perf_counter() - started
        try:
            done = read_completion(answer)
        except ValueError as exc:
            return Reply(text="", error=f"{base}/chat/completions: {exc}")
        return Reply(text=done.text, tokens=done.tokens, latency_s=latency, finish_reason=done.finish_reason)

    def _served_tokenizer(self) -> Any:
        if self._served is False:
            try:
                self._served = self.tokenizer_only(self._checkpoint)
            except (BackendError, ImportError):  # no tokenizer: the checks estimate, as without --persona-serves
                self._served = None
        return self._served

    def count_tokens(self, text: str) -> int | None:
        view = self._served_tokenizer()
        return view.count_tokens(text) if view is not None else None

    @property
    def special_tokens(self) -> tuple[str, ...]:
        view = self._served_tokenizer()
        return tuple(view.special_tokens) if view is not None else ()

    def fingerprint(self) -> str:
        return f"url:{self.base}#{self.model or 'default'}"

    def close(self) -> None:
        return None
