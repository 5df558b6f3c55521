"""A built-in benchmark client for OpenAI-compatible servers (asyncio + httpx, streaming).

It needs no tokenizer of its own. A prompt of N input tokens is synthesised from words drawn from
a pool of short, common English words (seeded per request, so prompts differ and prefix caches do
not make every request free):

* exactly N tokens when the engine offers a tokenizer endpoint and the endpoint is
  ``completions``: llama.cpp's ``POST /tokenize {"content", "add_special": true}`` (the count
  includes the BOS token the server adds) or vLLM's ``POST /tokenize {"model", "prompt"}``. The
  words are adjusted until the engine's own count is N; with ``requests_per_level`` the prompts of
  a level are built before its clock starts;
* else about N: N words (BPE tokenizers of the Llama/GPT families encode most of these words with a
  leading space as one token each, so the real count is usually within ~10% of N; a chat template
  adds a few more).

Output length is forced with ``max_tokens`` and ``ignore_eos``. The result's ``token_counts`` says
how the prompts were built and where the counted tokens came from.

Traffic scenarios use genai-bench's notation:

* ``D(in,out)`` - every request has ``in`` input and ``out`` output tokens (deterministic);
* ``N(in_mean,in_std)/(out_mean,out_std)`` - lengths drawn from normal distributions (seeded,
  at least 1 token);
* ``U(in_min,in_max)/(out_min,out_max)`` - lengths drawn uniformly from the ranges (whole numbers,
  bounds included, seeded).

genai-bench's embedding scenarios ``E(size)`` (and image ones, ``I(...)``) are refused with a
sentence: this client drives text generation (completions or chat) only.

``additional_params`` (e.g. ``{"temperature": 0.7, "top_p": 0.9}``) are added to every request
body, warm-up included; they replace this client's own ``temperature`` 0. The fields the client
owns (``model``, ``prompt``, ``messages``, ``max_tokens``, ``stream``, ...) cannot be set there.

``count_over_ms`` (``{"latency_ms": [2000.0]}``, filled from the task's hard SLO limits that have a
``fail_ratio``) makes each level count its successful requests slower than each limit, in
``over_ms`` (``{"latency_ms": {"2000.0": 3}}``, keys by :func:`over_key`).

Each (scenario, concurrency) pair is one *level*: ``concurrency`` workers send requests back to
back until ``requests_per_level`` requests are sent or ``seconds_per_level`` have passed, whichever
comes first when both are set (as genai-bench's max requests and max time per run). A
few warm-up requests go first and are not counted. Per level the result holds requests
sent/succeeded/failed, TTFT, TPOT and end-to-end latency (mean, p50, p90, p99, in ms), and output
tokens/s, total tokens/s and requests/s over the level's wall time.

* TTFT: from sending the request to the first chunk carrying text.
* TPOT (inter-token latency): per request, (time of the last text chunk - TTFT) / (output
  tokens - 1), for requests with at least two output tokens.
* Token counts come from the server's ``usage`` (requested with ``stream_options.include_usage``),
  else from the number of text chunks; input tokens fall back to the prompt's target count.
* A request fails on a non-200 answer, a transport error, an ``error`` event, or no text at all.

Percentiles interpolate linearly between ranks (as numpy's default). Results are plain
dataclasses; ``to_dict()`` gives JSON-serialisable dicts.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from autotuner.core.errors import ValidationFailed

WORD_POOL = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "it",
    "you",
    "that",
    "he",
    "was",
    "for",
    "on",
    "are",
    "as",
    "with",
    "his",
    "they",
    "at",
    "be",
    "this",
    "have",
    "from",
    "or",
    "one",
    "had",
    "by",
    "but",
    "not",
    "what",
    "all",
    "were",
    "we",
    "when",
    "your",
    "can",
    "said",
    "there",
    "use",
    "an",
    "each",
    "which",
    "she",
    "do",
    "how",
    "their",
    "if",
    "will",
    "up",
    "other",
    "about",
    "out",
    "many",
    "then",
    "them",
    "these",
    "so",
    "some",
    "her",
    "would",
    "make",
    "like",
    "him",
    "into",
    "time",
    "has",
    "look",
    "two",
    "more",
    "write",
    "go",
    "see",
    "number",
    "no",
    "way",
    "could",
    "people",
    "my",
    "than",
    "first",
    "water",
    "been",
    "call",
    "who",
    "oil",
    "its",
    "now",
    "find",
    "long",
    "down",
    "day",
    "did",
    "get",
    "come",
    "made",
    "may",
    "part",
    "over",
    "new",
    "sound",
    "take",
    "only",
    "little",
    "work",
    "know",
    "place",
    "year",
    "live",
    "me",
    "back",
    "give",
    "most",
    "very",
    "after",
    "thing",
    "our",
    "just",
    "name",
    "good",
    "sentence",
    "man",
    "think",
    "say",
    "great",
    "where",
    "help",
    "through",
    "much",
    "before",
    "line",
    "right",
    "too",
    "mean",
    "old",
    "any",
    "same",
    "tell",
    "boy",
    "follow",
    "came",
    "want",
    "show",
]

MAX_ERRORS_KEPT = 5
ENDPOINTS = {
    "completions": "/v1/completions",
    "chat": "/v1/chat/completions",
    "chat_completions": "/v1/chat/completions",
}


class InvalidBenchmark(ValidationFailed):
    """The task's benchmark settings are malformed."""


class BenchmarkAborted(Exception):
    """The benchmark was stopped from outside (cancel, timeout, engine died); ``str()`` says why."""


class BenchmarkPruned(BenchmarkAborted):
    """``on_level`` stopped the benchmark after a level (early stopping); ``levels`` are those measured."""

    def __init__(self, reason: str, levels: list[LevelResult]) -> None:
        super().__init__(reason)
        self.levels = levels


# --- scenarios ----------------------------------------------------------------------------------

_NUM = r"\s*(\d+(?:\.\d+)?)\s*"
_D_RE = re.compile(rf"^D\({_NUM},{_NUM}\)$")
_N_RE = re.compile(rf"^N\({_NUM},{_NUM}\)\s*/\s*\({_NUM},{_NUM}\)$")
_U_RE = re.compile(rf"^U\({_NUM},{_NUM}\)\s*/\s*\({_NUM},{_NUM}\)$")
_OTHER_RE = re.compile(r"^\s*([A-Za-z]+)\s*\(")
SUPPORTED_SCENARIOS = (
    "D(input_tokens,output_tokens) such as D(100,100), N(in_mean,in_std)/(out_mean,out_std) such as "
    "N(480,240)/(300,150), or U(in_min,in_max)/(out_min,out_max) such as U(50,150)/(20,80)"
)
# Request body fields the client sets itself: additional_params cannot change them.
CLIENT_FIELDS = ("model", "prompt", "messages", "max_tokens", "ignore_eos", "stream", "stream_options")


def over_key(max_ms: float) -> str:
    """The key of a limit in a level's ``over_ms`` counts: ``over_key(2000) == "2000.0"``."""
    return repr(float(max_ms))


@dataclass(frozen=True)
class Scenario:
    text: str
    input_mean: float
    output_mean: float
    input_std: float = 0.0
    output_std: float = 0.0
    # U(...): (min, max) of input and output tokens; None for D and N.
    uniform: tuple[int, int, int, int] | None = None

    def request_tokens_bound(self) -> int:
        """Input + output tokens one request of this scenario needs in the engine's context: exact
        for ``D(in,out)`` and ``U(...)`` (the maxima); for ``N(...)`` each mean plus three standard
        deviations, rounded up."""
        if self.uniform is not None:
            return self.uniform[1] + self.uniform[3]
        inp = math.ceil(self.input_mean + 3 * self.input_std)
        out = math.ceil(self.output_mean + 3 * self.output_std)
        return inp + out

    def sample(self, rng: random.Random) -> tuple[int, int]:
        """(input tokens, output tokens) for one request."""
        if self.uniform is not None:
            in_min, in_max, out_min, out_max = self.uniform
            return rng.randint(in_min, in_max), rng.randint(out_min, out_max)
        if not self.input_std and not self.output_std:
            return int(self.input_mean), int(self.output_mean)
        inp = max(1, round(rng.gauss(self.input_mean, self.input_std)))
        out = max(1, round(rng.gauss(self.output_mean, self.output_std)))
        return inp, out


def parse_scenario(text: str) -> Scenario:
    """Parse ``D(100,100)`` or ``N(480,240)/(300,150)``; raise :class:`InvalidBenchmark` otherwise."""
    if not isinstance(text, str):
        raise InvalidBenchmark(f'Traffic scenario {text!r} must be a string such as "D(100,100)".')
    compact = text.strip()
    match = _D_RE.match(compact)
    if match:
        inp, out = (float(g) for g in match.groups())
        if inp >= 1 and out >= 1 and inp == int(inp) and out == int(out):
            return Scenario(compact, inp, out)
    match = _N_RE.match(compact)
    if match:
        in_mean, in_std, out_mean, out_std = (float(g) for g in match.groups())
        if in_mean >= 1 and out_mean >= 1:
            return Scenario(compact, in_mean, out_mean, in_std, out_std)
    match = _U_RE.match(compact)
    if match:
        numbers = [float(g) for g in match.groups()]
        in_min, in_max, out_min, out_max = (int(n) for n in numbers)
        if all(n == int(n) for n in numbers) and 1 <= in_min <= in_max and 1 <= out_min <= out_max:
            return Scenario(
                compact,
                (in_min + in_max) / 2,
                (out_min + out_max) / 2,
                uniform=(in_min, in_max, out_min, out_max),
            )
        raise InvalidBenchmark(
            f"Traffic scenario '{text}' needs whole numbers of at least 1 with each minimum no larger than "
            "its maximum, such as U(50,150)/(20,80)."
        )
    other = _OTHER_RE.match(compact)
    if other and other.group(1) == "E":
        raise InvalidBenchmark(
            f"Traffic scenario '{text}' is an embedding scenario, which this benchmark cannot drive (it measures "
            f"text generation through completions or chat): use {SUPPORTED_SCENARIOS}."
        )
    if other and other.group(1) == "U":
        raise InvalidBenchmark(
            f"Traffic scenario '{text}' is not understood: write the uniform scenario with both ranges, "
            "U(in_min,in_max)/(out_min,out_max), such as U(50,150)/(20,80)."
        )
    raise InvalidBenchmark(f"Traffic scenario '{text}' is not understood: write {SUPPORTED_SCENARIOS}.")


def synthesize_prompt(tokens: int, rng: random.Random) -> str:
    """About ``tokens`` tokens of text: that many words from :data:`WORD_POOL`."""
    return " ".join(rng.choice(WORD_POOL) for _ in range(max(1, tokens)))


# --- configuration ------------------------------------------------------------------------------


@dataclass
class BenchmarkConfig:
    scenarios: list[str] = field(default_factory=lambda: ["D(100,100)"])
    concurrency: list[int] = field(default_factory=lambda: [1])
    requests_per_level: int | None = 16
    seconds_per_level: float | None = None
    warmup_requests: int = 2
    endpoint: str = "completions"
    request_timeout: float = 300.0
    seed: int = 0
    additional_params: dict[str, Any] = field(default_factory=dict)
    count_over_ms: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.parsed = [parse_scenario(s) for s in self.scenarios]
        if not self.parsed:
            raise InvalidBenchmark('The benchmark needs at least one traffic scenario, such as "D(100,100)".')
        if not self.concurrency or not all(
            isinstance(c, int) and not isinstance(c, bool) and c >= 1 for c in self.concurrency
        ):
            raise InvalidBenchmark(
                f"Benchmark concurrency {self.concurrency!r} must be a list of whole numbers of at least 1, such as [1, 4]."
            )
        if self.seconds_per_level is None and (
            not isinstance(self.requests_per_level, int) or self.requests_per_level < 1
        ):
            raise InvalidBenchmark("Give requests_per_level (a whole number of at least 1) or seconds_per_level.")
        if self.seconds_per_level is not None and not self.seconds_per_level > 0:
            raise InvalidBenchmark("seconds_per_level must be a positive number of seconds.")
        if self.endpoint not in ENDPOINTS:
            raise InvalidBenchmark(f"Benchmark endpoint '{self.endpoint}' is unknown: use 'completions' or 'chat'.")
        if not isinstance(self.warmup_requests, int) or self.warmup_requests < 0:
            raise InvalidBenchmark("warmup_requests must be a whole number, 0 or more.")
        check_additional_params(self.additional_params)

    @classmethod
    def from_task(cls, benchmark: dict[str, Any] | None) -> BenchmarkConfig:
        """Read a task's ``benchmark`` object (missing keys take the defaults)."""
        benchmark = dict(benchmark or {})
        known: dict[str, Any] = {
            k: benchmark[k]
            for k in (
                "concurrency",
                "requests_per_level",
                "seconds_per_level",
                "warmup_requests",
                "endpoint",
                "request_timeout",
                "seed",
                "additional_params",
            )
            if k in benchmark and benchmark[k] is not None
        }
        if "traffic_scenarios" in benchmark and benchmark["traffic_scenarios"] is not None:
            known["scenarios"] = list(benchmark["traffic_scenarios"])
        if "concurrency" in known and isinstance(known["concurrency"], int):
            known["concurrency"] = [known["concurrency"]]
        if "seconds_per_level" in known and "requests_per_level" not in benchmark:
            known["requests_per_level"] = None
        return cls(**known)


def check_additional_params(params: Any) -> dict[str, Any]:
    """``additional_params`` must be an object of JSON values whose keys the client does not own."""
    if not isinstance(params, dict):
        raise InvalidBenchmark('additional_params must be an object such as {"temperature": 0.7, "top_p": 0.9}.')
    owned = sorted(k for k in params if k in CLIENT_FIELDS)
    if owned:
        raise InvalidBenchmark(
            f"additional_params cannot set '{owned[0]}': the benchmark sets {', '.join(CLIENT_FIELDS)} itself "
            "(use the traffic scenarios for lengths and 'endpoint' for chat)."
        )
    return params


# --- results ------------------------------------------------------------------------------------


@dataclass
class RequestResult:
    ok: bool
    input_tokens: int = 0
    output_tokens: int = 0
    ttft: float | None = None  # seconds
    tpot: float | None = None  # seconds
    latency: float | None = None  # seconds
    error: str | None = None


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        raise ValueError("no values")
    rank = (len(sorted_values) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


def summarize_ms(values_s: list[float]) -> dict[str, float | None]:
    """mean, p50, p90, p99 in milliseconds (None when there are no values)."""
    if not values_s:
        return {"mean": None, "p50": None, "p90": None, "p99": None}
    ms = sorted(v * 1000.0 for v in values_s)
    return {
        "mean": round(sum(ms) / len(ms), 4),
        "p50": round(percentile(ms, 50), 4),
        "p90": round(percentile(ms, 90), 4),
        "p99": round(percentile(ms, 99), 4),
    }


@dataclass
class LevelResult:
    scenario: str
    concurrency: int
    requests_sent: int
    requests_succeeded: int
    requests_failed: int
    duration_s: float
    ttft_ms: dict[str, float | None]
    tpot_ms: dict[str, float | None]
    latency_ms: dict[str, float | None]
    input_tokens: int
    output_tokens: int
    output_tokens_per_s: float
    total_tokens_per_s: float
    requests_per_s: float
    errors: list[str]
    # Successful requests slower than each counted limit: {"latency_ms": {"2000.0": 3}}.
    over_ms: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def from_requests(
        cls,
        scenario: str,
        concurrency: int,
        results: list[RequestResult],
        duration: float,
        count_over_ms: dict[str, list[float]] | None = None,
    ) -> LevelResult:
        good = [r for r in results if r.ok]
        errors: list[str] = []
        for r in results:
            if not r.ok and r.error and r.error not in errors and len(errors) < MAX_ERRORS_KEPT:
                errors.append(r.error)
        inp = sum(r.input_tokens for r in good)
        out = sum(r.output_tokens for r in good)
        duration = max(duration, 1e-9)
        over: dict[str, dict[str, int]] = {}
        for metric, limits in (count_over_ms or {}).items():
            attribute = metric.removesuffix("_ms")
            values = [getattr(r, attribute) for r in good if getattr(r, attribute, None) is not None]
            over[metric] = {over_key(limit): sum(1 for v in values if v * 1000.0 > limit) for limit in limits}
        return cls(
            scenario=scenario,
            concurrency=concurrency,
            requests_sent=len(results),
            requests_succeeded=len(good),
            requests_failed=len(results) - len(good),
            duration_s=round(duration, 6),
            ttft_ms=summarize_ms([r.ttft for r in good if r.ttft is not None]),
            tpot_ms=summarize_ms([r.tpot for r in good if r.tpot is not None]),
            latency_ms=summarize_ms([r.latency for r in good if r.latency is not None]),
            input_tokens=inp,
            output_tokens=out,
            output_tokens_per_s=round(out / duration, 4),
            total_tokens_per_s=round((inp + out) / duration, 4),
            requests_per_s=round(len(good) / duration, 4),
            errors=errors,
            over_ms=over,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BenchmarkResult:
    model: str
    endpoint: str
    levels: list[LevelResult]
    warmup_sent: int
    warmup_failed: int
    duration_s: float
    token_counts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "endpoint": self.endpoint,
            "warmup_sent": self.warmup_sent,
            "warmup_failed": self.warmup_failed,
            "duration_s": round(self.duration_s, 6),
            "token_counts": dict(self.token_counts),
            "levels": [level.to_dict() for level in self.levels],
        }


# --- the engine's tokenizer ---------------------------------------------------------------------

# Rounds of adjusting a prompt's words before the closest count is taken.
MAX_FIT_ROUNDS = 8


class EngineTokenizer:
    """Counts tokens with the engine's own ``POST /tokenize`` (llama.cpp's or vLLM's form)."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, model: str, style: str) -> None:
        self.http = http
        self.url = base_url.rstrip("/") + "/tokenize"
        self.model = model
        self.style = style  # "llama.cpp" or "vllm"

    @classmethod
    async def probe(cls, http: httpx.AsyncClient, base_url: str, model: str) -> EngineTokenizer | None:
        """The engine's tokenizer when it answers a test text with a count, else None."""
        for style in ("llama.cpp", "vllm"):
            tokenizer = cls(http, base_url, model, style)
            try:
                if (await tokenizer.count("the number of words")) is not None:
                    return tokenizer
            except (httpx.HTTPError, ValueError):
                continue
        return None

    async def count(self, text: str) -> int | None:
        """Tokens the engine makes of ``text`` as a prompt (special tokens included)."""
        if self.style == "llama.cpp":
            body: dict[str, Any] = {"content": text, "add_special": True}
        else:
            body = {"model": self.model, "prompt": text}
        response = await self.http.post(self.url, json=body)
        if response.status_code != 200:
            return None
        data = response.json()
        if not isinstance(data, dict):
            return None
        if isinstance(data.get("count"), int):
            return int(data["count"])
        tokens = data.get("tokens")
        return len(tokens) if isinstance(tokens, list) else None

    async def fit(self, tokens: int, rng: random.Random) -> tuple[str, int]:
        """A prompt of words from :data:`WORD_POOL` that the engine counts as ``tokens`` tokens
        (or the closest found in :data:`MAX_FIT_ROUNDS` rounds), and its count."""
        words = [rng.choice(WORD_POOL) for _ in range(max(1, tokens))]
        best: tuple[str, int] | None = None
        for _ in range(MAX_FIT_ROUNDS):
            text = " ".join(words)
            counted = await self.count(text)
            if counted is None:
                break
            if best is None or abs(counted - tokens) < abs(best[1] - tokens):
                best = (text, counted)
            if counted == tokens:
                break
            if counted > tokens:
                if len(words) <= 1:
                    break
                del words[len(words) - min(len(words) - 1, counted - tokens) :]
            else:
                words.extend(rng.choice(WORD_POOL) for _ in range(tokens - counted))
        if best is None:
            raise BenchmarkAborted("The engine's /tokenize stopped answering while prompts were being built.")
        return best


# --- the client ---------------------------------------------------------------------------------


@dataclass
class Prompt:
    text: str
    input_tokens: int  # the engine's own count when the prompt was fitted, else the target
    output_tokens: int


class _Client:
    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        model: str,
        config: BenchmarkConfig,
        tokenizer: EngineTokenizer | None = None,
    ) -> None:
        self.http = http
        self.url = base_url.rstrip("/") + ENDPOINTS[config.endpoint]
        self.chat = config.endpoint != "completions"
        self.model = model
        self.config = config
        self.tokenizer = tokenizer if not self.chat else None
        self.fitted = 0  # prompts whose count the engine confirmed
        self.unfitted = 0  # prompts it counted otherwise (the closest was taken)
        self.with_usage = 0  # answers that carried usage
        self.without_usage = 0

    def payload(self, prompt: str, output_tokens: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "max_tokens": output_tokens,
            "ignore_eos": True,
            "temperature": 0,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        body.update(self.config.additional_params)
        if self.chat:
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        return body

    async def prompt(self, scenario: Scenario, rng: random.Random) -> Prompt:
        input_tokens, output_tokens = scenario.sample(rng)
        if self.tokenizer is None:
            return Prompt(synthesize_prompt(input_tokens, rng), input_tokens, output_tokens)
        text, counted = await self.tokenizer.fit(input_tokens, rng)
        if counted == input_tokens:
            self.fitted += 1
        else:
            self.unfitted += 1
        return Prompt(text, counted, output_tokens)

    async def one(self, prompt: Prompt) -> RequestResult:
        body = self.payload(prompt.text, prompt.output_tokens)
        start = time.perf_counter()
        first = last = None
        chunks = 0
        usage: dict[str, Any] | None = None
        try:
            async with self.http.stream("POST", self.url, json=body) as response:
                if response.status_code != 200:
                    detail = (await response.aread()).decode("utf-8", "replace").strip()
                    return RequestResult(False, error=f"HTTP {response.status_code}: {detail[:300]}")
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        event = json.loads(data)
                    except ValueError:
                        return RequestResult(False, error=f"unreadable event: {data[:200]}")
                    if event.get("error"):
                        return RequestResult(False, error=f"server error: {json.dumps(event['error'])[:300]}")
                    if event.get("usage"):
                        usage = event["usage"]
                    for choice in event.get("choices") or ():
                        text = choice.get("text")
                        if text is None:
                            text = (choice.get("delta") or {}).get("content")
                        if text:
                            now = time.perf_counter()
                            if first is None:
                                first = now
                            last = now
                            chunks += 1
        except httpx.HTTPError as exc:
            return RequestResult(False, error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        end = time.perf_counter()
        if first is None:
            return RequestResult(False, error="the server answered without any text")
        if usage:
            self.with_usage += 1
        else:
            self.without_usage += 1
        out = int(usage.get("completion_tokens") or chunks) if usage else chunks
        inp = int(usage.get("prompt_tokens") or prompt.input_tokens) if usage else prompt.input_tokens
        tpot = (last - first) / (out - 1) if out > 1 and last is not None else None
        return RequestResult(True, inp, out, first - start, tpot, end - start)

    async def run_level(
        self, scenario: Scenario, concurrency: int, rng: random.Random, requests: int | None, seconds: float | None
    ) -> tuple[list[RequestResult], float]:
        results: list[RequestResult] = []
        ready: list[Prompt] = []
        if requests is not None:  # built before the clock starts
            ready = [await self.prompt(scenario, random.Random(rng.random())) for _ in range(requests)]
            ready.reverse()
        sent = 0
        start = time.perf_counter()
        deadline = start + seconds if seconds else None

        async def worker() -> None:
            nonlocal sent
            while True:
                if requests is not None and sent >= requests:
                    return
                if deadline is not None and time.perf_counter() >= deadline:
                    return
                sent += 1
                prompt = ready.pop() if ready else await self.prompt(scenario, random.Random(rng.random()))
                results.append(await self.one(prompt))

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return results, time.perf_counter() - start

    def token_counts(self) -> dict[str, Any]:
        """How the prompts were built and where the counted tokens came from, in words."""
        if self.tokenizer is not None:
            prompts = (
                f"built to the exact input length with the engine's own tokenizer ({self.tokenizer.style} "
                "POST /tokenize, special tokens included)"
            )
            if self.unfitted:
                prompts += f"; {self.unfitted} of {self.fitted + self.unfitted} could only be brought close to it"
        elif self.chat:
            prompts = "about one word per input token (chat prompts get the engine's chat template on top)"
        else:
            prompts = "about one word per input token (the engine offers no /tokenize)"
        answered = self.with_usage + self.without_usage
        if answered and not self.without_usage:
            counted = "the engine's usage (prompt_tokens, completion_tokens) of every answer"
        elif not self.with_usage:
            counted = "output: streamed text chunks; input: the prompt's length (the engine sent no usage)"
        else:
            counted = (
                f"the engine's usage for {self.with_usage} of {answered} answers; streamed text chunks and "
                "the prompt's length for the rest"
            )
        return {
            "prompts": prompts,
            "counted_from": counted,
            "tokenizer": self.tokenizer.style if self.tokenizer is not None else None,
            "exact_prompts": self.fitted,
            "approximate_prompts": self.unfitted,
            "answers_with_usage": self.with_usage,
            "answers_without_usage": self.without_usage,
        }


async def discover_model(http: httpx.AsyncClient, base_url: str) -> str | None:
    """The first model id ``GET /v1/models`` lists, or None."""
    try:
        response = await http.get(base_url.rstrip("/") + "/v1/models")
        if response.status_code == 200:
            data = response.json().get("data") or []
            if data and isinstance(data[0], dict) and data[0].get("id"):
                return str(data[0]["id"])
    except (httpx.HTTPError, ValueError, AttributeError):
        pass
    return None


async def run_benchmark(
    base_url: str,
    config: BenchmarkConfig,
    *,
    model: str | None = None,
    should_stop: Callable[[], str | None] | None = None,
    poll_interval: float = 0.05,
    use_engine_tokenizer: bool = True,
    on_level: Callable[[LevelResult], str | None] | None = None,
) -> BenchmarkResult:
    """Benchmark the server at ``base_url``.

    ``model`` defaults to the first id of ``/v1/models``. ``should_stop`` is polled every
    ``poll_interval`` seconds; when it returns a reason the benchmark stops at once and raises
    :class:`BenchmarkAborted` with that reason. ``use_engine_tokenizer`` False builds
    approximate prompts even when the engine has a tokenizer endpoint. ``on_level`` is called
    after each level but the last; a reason returned stops the benchmark with
    :class:`BenchmarkPruned` (the levels measured so far in it)."""
    started = time.perf_counter()
    max_conc = max(config.concurrency)
    limits = httpx.Limits(max_connections=max_conc + 2, max_keepalive_connections=max_conc + 2)
    timeout = httpx.Timeout(config.request_timeout, connect=10.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout, trust_env=False) as http:
        served = model or await discover_model(http, base_url) or "default"
        tokenizer = None
        if use_engine_tokenizer and config.endpoint == "completions":
            tokenizer = await EngineTokenizer.probe(http, base_url, served)
        client = _Client(http, base_url, served, config, tokenizer)
        rng = random.Random(config.seed)

        async def body() -> tuple[list[LevelResult], int, int]:
            warm_failed = 0
            if config.warmup_requests:
                warm, _ = await client.run_level(
                    config.parsed[0], min(config.warmup_requests, max_conc), rng, config.warmup_requests, None
                )
                warm_failed = sum(1 for r in warm if not r.ok)
            levels: list[LevelResult] = []
            total = len(config.parsed) * len(config.concurrency)
            for scenario in config.parsed:
                for concurrency in config.concurrency:
                    results, duration = await client.run_level(
                        scenario,
                        concurrency,
                        rng,
                        config.requests_per_level,
                        config.seconds_per_level,
                    )
                    levels.append(
                        LevelResult.from_requests(scenario.text, concurrency, results, duration, config.count_over_ms)
                    )
                    if on_level is not None and len(levels) < total:
                        pruned = on_level(levels[-1])
                        if pruned:
                            raise BenchmarkPruned(pruned, levels)
            return levels, config.warmup_requests, warm_failed

        main = asyncio.ensure_future(body())
        reason: str | None = None
        while not main.done():
            if should_stop is not None:
                reason = should_stop()
                if reason:
                    main.cancel()
                    break
            await asyncio.wait({main}, timeout=poll_interval)
        if reason:
            try:
                await main
            except (asyncio.CancelledError, Exception):
                pass
            raise BenchmarkAborted(reason)
        levels, warm_sent, warm_failed = main.result()
    return BenchmarkResult(
        served,
        config.endpoint,
        levels,
        warm_sent,
        warm_failed,
        time.perf_counter() - started,
        client.token_counts(),
    )


def run_benchmark_sync(base_url: str, config: BenchmarkConfig, **kwargs: Any) -> BenchmarkResult:
    """:func:`run_benchmark` in a fresh event loop (for threads without one)."""
    return asyncio.run(run_benchmark(base_url, config, **kwargs))
