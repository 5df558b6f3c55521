#!/usr/bin/env python3
"""A stand-in for an LLM inference engine: a TEST DOUBLE, not an engine.

No GPU or real engine (SGLang, vLLM) is available where the autotuner's tests and demos run, so
this small OpenAI-compatible server plays one. It generates no real text: it answers with the
word ``tok`` repeated, and its *speed* depends on the engine flags it was started with through a
fixed formula, so that tuning it has exactly one right answer. The real runtimes stay the
product; this file only lets the autotuner be exercised end to end.

Standard library only (asyncio), so it is ready in a few tens of milliseconds.

Endpoints: ``GET /health``, ``GET /v1/models``, ``POST /v1/completions`` and
``POST /v1/chat/completions`` (streaming with ``"stream": true`` as server-sent events, with a
final ``usage`` chunk when ``stream_options.include_usage`` is true; or one JSON answer).
Prompt tokens are counted as whitespace-separated words; the answer always has ``max_tokens``
tokens (default 16), as if ``ignore_eos`` were set.

Flags (SGLang spelling; unknown flags such as ``--foo 1`` or ``--speculative.num-steps 3`` are
accepted and ignored):
  --model-path M, --host H, --port P
  --tp-size T (default 1)               --mem-fraction-static F (default 0.8)
  --schedule-policy fcfs|lpm|random|dfs-weight (default fcfs)
  --chunked-prefill-size C (default none)  --max-running-requests R (default unlimited)
  --enable-mixed-chunk (bare flag)

The speed formula (all times in milliseconds)::

    speedup(tp)  = {1: 1.0, 2: 3.0, 4: 3.6}[tp]   (other values: tp ** 0.8)
    memory(F)    = 1.0 if F <= 0.8 else 0.78        (a larger KV cache helps; F > 0.95 -> "out of memory" exit)
    policy(p)    = {"fcfs": 1.0, "lpm": 0.75}.get(p, 1.1)
    f            = memory(F) * policy(p) / speedup(tp)
    TTFT         = 30 * f  + 1 per prefill chunk beyond the first   (chunks = ceil(prompt / C))
    TPOT         = 6 * f   (x 0.95 with --enable-mixed-chunk)

At most R requests run at once (``--max-running-requests``); others wait in a queue. The
autotuner's ``maximize_throughput`` objective divides output tokens/s by the GPU count (tp-size),
so per-GPU throughput is proportional to ``speedup(tp) / tp / (memory * policy)``. Over
``examples/toy_task.json``'s space (tp-size 1/2/4 x mem-fraction-static 0.8/0.9 x schedule-policy
fcfs/lpm, 12 combinations) the one best combination is **tp-size 2, mem-fraction-static 0.9,
schedule-policy lpm**: by the formula 28% ahead of the runner-up (tp-size 2 / 0.8 / lpm) and 50%
ahead of the best with tp-size 1 (1 / 0.9 / lpm).

The demo task runs the engine with ``--delay-scale 60`` (a request of 64 input and 8 output
tokens then lasts 0.84 s with the best combination, 0.7-4.3 s across the 12). A busy 2-core machine
adds some 50-70 ms to every request (mostly before the first token) whatever the flags, which
at the formula's own pace (requests of tens of milliseconds) outweighed the differences and
once named a tp-size 1 combination best. Measured with ``examples/toy_task.json`` as shipped
(12 experiments, ``autotuner tune``, 2 shared cores, 2026-11-30):

* no extra load (the machine's load average 7-9 from other work): the best won all 3 runs,
  25.5-28.9% ahead of the runner-up; 51-54 s for the whole demo;
* two ``while True: pass`` processes beside it (load average 7-12): the best won all 15 runs,
  11-35% ahead of the runner-up (median 26%; 18% or more in all but one run) and, in the 5
  runs where it was noted, 28-47% ahead of the best with tp-size 1; 50-66 s.

``tests/examples/test_toy_demo.py`` runs the demo so, with the two burners, every time.

Knobs for tests (flags, or the environment variable in brackets):
  --delay-scale X [TOY_DELAY_SCALE]   multiply every delay (0 = answer instantly; the demo task uses 60)
  --ttft-ms MS / --tpot-ms MS         replace the formula with fixed, known delays
  --fail-at-start [TOY_FAIL_AT_START=1]  print an error to stderr and exit 1
  --never-ready [TOY_NEVER_READY=1]   /health and /v1/models answer 503 forever
  --die-after-requests N [TOY_DIE_AFTER_REQUESTS]  after N generation requests, the next one
                                      makes the process exit with code 3 (a crash mid-benchmark)
  --startup-delay S [TOY_STARTUP_DELAY]  wait S seconds before listening ("loading weights")
  --ignore-sigterm                    ignore SIGTERM (to test the SIGKILL after the grace period)
  --omit-usage                        never send a usage chunk (clients must count chunks)
  --tokenize                          offer vLLM's POST /tokenize {"model", "prompt"} -> {"count",
                                      "tokens"}; its tokenizer makes one token of a word and two of
                                      a word longer than 6 letters, and usage counts the same way
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import sys
import time
import uuid

TP_SPEEDUP = {1: 1.0, 2: 3.0, 4: 3.6}
POLICY_FACTOR = {"fcfs": 1.0, "lpm": 0.75}
BASE_TTFT_MS = 30.0
BASE_TPOT_MS = 6.0


def speedup(tp: int) -> float:
    return TP_SPEEDUP.get(tp, float(tp) ** 0.8)


def memory_factor(fraction: float) -> float:
    return 1.0 if fraction <= 0.8 else 0.78


def policy_factor(policy: str) -> float:
    return POLICY_FACTOR.get(policy, 1.1)


def speed_factor(tp: int, fraction: float, policy: str) -> float:
    return memory_factor(fraction) * policy_factor(policy) / speedup(tp)


def toy_token_count(text: str) -> int:
    """The --tokenize tokenizer: one token per word, two for a word longer than 6 letters."""
    return sum(2 if len(word) > 6 else 1 for word in text.split())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Toy OpenAI-compatible engine (a test double).")
    parser.add_argument("--model-path", "--model", default="toy-model")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=30000)
    parser.add_argument("--tp-size", "--tp", type=int, default=1)
    parser.add_argument("--mem-fraction-static", type=float, default=0.8)
    parser.add_argument("--schedule-policy", default="fcfs")
    parser.add_argument("--chunked-prefill-size", type=int, default=None)
    parser.add_argument("--max-running-requests", type=int, default=None)
    parser.add_argument("--enable-mixed-chunk", action="store_true")
    parser.add_argument("--delay-scale", type=float, default=float(os.environ.get("TOY_DELAY_SCALE", "1")))
    parser.add_argument("--ttft-ms", type=float, default=None)
    parser.add_argument("--tpot-ms", type=float, default=None)
    parser.add_argument("--fail-at-start", action="store_true", default=os.environ.get("TOY_FAIL_AT_START") == "1")
    parser.add_argument("--never-ready", action="store_true", default=os.environ.get("TOY_NEVER_READY") == "1")
    parser.add_argument(
        "--die-after-requests", type=int, default=int(os.environ.get("TOY_DIE_AFTER_REQUESTS", "0")) or None
    )
    parser.add_argument("--startup-delay", type=float, default=float(os.environ.get("TOY_STARTUP_DELAY", "0")))
    parser.add_argument("--ignore-sigterm", action="store_true")
    parser.add_argument("--omit-usage", action="store_true")
    parser.add_argument("--tokenize", action="store_true")
    parser.add_argument(
        "--record-requests", default=None, help="Append every generation request's body to this file, one JSON a line."
    )
    args, unknown = parser.parse_known_args(argv)
    args.unknown = unknown
    return args


class ToyEngine:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.model = args.model_path
        self.generation_requests = 0
        self.slots = asyncio.Semaphore(args.max_running_requests) if args.max_running_requests else None
        f = speed_factor(args.tp_size, args.mem_fraction_static, args.schedule_policy)
        self.ttft_s = (args.ttft_ms if args.ttft_ms is not None else BASE_TTFT_MS * f) * args.delay_scale / 1000
        tpot = args.tpot_ms if args.tpot_ms is not None else BASE_TPOT_MS * f
        if args.enable_mixed_chunk and args.tpot_ms is None:
            tpot *= 0.95
        self.tpot_s = tpot * args.delay_scale / 1000

    def ttft_for(self, prompt_tokens: int) -> float:
        ttft = self.ttft_s
        if self.args.chunked_prefill_size and self.args.ttft_ms is None:
            chunks = max(1, math.ceil(prompt_tokens / self.args.chunked_prefill_size))
            ttft += (chunks - 1) * 0.001 * self.args.delay_scale
        return ttft

    # --- HTTP plumbing -------------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    break
                parts = request_line.decode("latin-1").split()
                if len(parts) < 2:
                    break
                method, path = parts[0], parts[1].split("?", 1)[0]
                headers: dict[str, str] = {}
                while True:
                    line = await reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                keep_open = await self.route(method, path, body, writer)
                if not keep_open or headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
            except Exception:
                pass

    async def send_json(self, writer: asyncio.StreamWriter, status: int, payload: object) -> bool:
        data = json.dumps(payload).encode()
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 503: "Service Unavailable"}.get(status, "OK")
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        await writer.drain()
        return True

    async def route(self, method: str, path: str, body: bytes, writer: asyncio.StreamWriter) -> bool:
        if method == "GET" and path in ("/health", "/v1/models"):
            if self.args.never_ready:
                return await self.send_json(writer, 503, {"error": "toy engine: never ready (test switch)"})
            if path == "/health":
                return await self.send_json(writer, 200, {"status": "ok"})
            return await self.send_json(
                writer, 200, {"object": "list", "data": [{"id": self.model, "object": "model", "owned_by": "toy"}]}
            )
        if method == "POST" and path == "/tokenize" and self.args.tokenize:
            try:
                request = json.loads(body or b"{}")
                prompt = str(request["prompt"])
            except (ValueError, KeyError, TypeError) as exc:
                return await self.send_json(writer, 400, {"error": {"message": f"invalid tokenize request: {exc}"}})
            count = toy_token_count(prompt)
            return await self.send_json(
                writer, 200, {"count": count, "tokens": list(range(count)), "max_model_len": 4096}
            )
        if method == "POST" and path in ("/v1/completions", "/v1/chat/completions"):
            try:
                request = json.loads(body or b"{}")
                if not isinstance(request, dict):
                    raise ValueError("body must be a JSON object")
            except ValueError as exc:
                return await self.send_json(writer, 400, {"error": {"message": f"invalid JSON body: {exc}"}})
            self.generation_requests += 1
            limit = self.args.die_after_requests
            if limit is not None and self.generation_requests > limit:
                print(f"toy engine: simulated crash after {limit} requests (test switch)", file=sys.stderr, flush=True)
                os._exit(3)
            return await self.generate(request, path.endswith("chat/completions"), writer)
        return await self.send_json(writer, 404, {"error": {"message": f"no route {method} {path}"}})

    # --- generation ----------------------------------------------------------------------------

    async def generate(self, request: dict, chat: bool, writer: asyncio.StreamWriter) -> bool:
        if self.args.record_requests:
            with open(self.args.record_requests, "a", encoding="utf-8") as record:
                record.write(json.dumps(request) + "\n")
        if chat:
            messages = request.get("messages") or []
            prompt = " ".join(str(m.get("content", "")) for m in messages if isinstance(m, dict))
        else:
            prompt = request.get("prompt", "")
            if isinstance(prompt, list):
                prompt = " ".join(str(p) for p in prompt)
        prompt_tokens = toy_token_count(str(prompt)) if self.args.tokenize else len(str(prompt).split())
        max_tokens = int(request.get("max_tokens") or request.get("max_completion_tokens") or 16)
        max_tokens = max(1, max_tokens)
        stream = bool(request.get("stream"))
        include_usage = bool((request.get("stream_options") or {}).get("include_usage")) and not self.args.omit_usage
        rid = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:16]
        created = int(time.time())
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": max_tokens,
            "total_tokens": prompt_tokens + max_tokens,
        }
        if self.slots is not None:
            await self.slots.acquire()
        try:
            start = time.monotonic()
            first_at = start + self.ttft_for(prompt_tokens)
            if not stream:
                await asyncio.sleep(max(0.0, first_at + (max_tokens - 1) * self.tpot_s - time.monotonic()))
                text = " tok" * max_tokens
                if chat:
                    choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "length"}
                    obj = "chat.completion"
                else:
                    choice = {"index": 0, "text": text, "finish_reason": "length"}
                    obj = "text_completion"
                return await self.send_json(
                    writer,
                    200,
                    {
                        "id": rid,
                        "object": obj,
                        "created": created,
                        "model": self.model,
                        "choices": [choice],
                        "usage": usage,
                    },
                )
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            obj = "chat.completion.chunk" if chat else "text_completion"
            for i in range(max_tokens):
                # Sleep until this token's scheduled time (decoding starts when the first token is
                # out), so oversleeping never accumulates.
                delay = first_at + i * self.tpot_s - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if i == 0:
                    first_at = time.monotonic()
                finish = "length" if i == max_tokens - 1 else None
                if chat:
                    delta = {"content": " tok"}
                    if i == 0:
                        delta["role"] = "assistant"
                    choice = {"index": 0, "delta": delta, "finish_reason": finish}
                else:
                    choice = {"index": 0, "text": " tok", "finish_reason": finish}
                event = {"id": rid, "object": obj, "created": created, "model": self.model, "choices": [choice]}
                self.write_event(writer, json.dumps(event))
                await writer.drain()
            if include_usage:
                event = {
                    "id": rid,
                    "object": obj,
                    "created": created,
                    "model": self.model,
                    "choices": [],
                    "usage": usage,
                }
                self.write_event(writer, json.dumps(event))
            self.write_event(writer, "[DONE]")
            writer.write(b"0\r\n\r\n")
            await writer.drain()
            return True
        finally:
            if self.slots is not None:
                self.slots.release()

    @staticmethod
    def write_event(writer: asyncio.StreamWriter, data: str) -> None:
        chunk = f"data: {data}\n\n".encode()
        writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")


async def serve(args: argparse.Namespace) -> None:
    engine = ToyEngine(args)
    server = await asyncio.start_server(engine.handle, args.host, args.port, backlog=1024)
    print(
        f"toy engine: serving {args.model_path} on http://{args.host}:{args.port} "
        f"(tp-size {args.tp_size}, mem-fraction-static {args.mem_fraction_static}, "
        f"schedule-policy {args.schedule_policy}; TTFT {engine.ttft_s * 1000:.2f} ms, "
        f"TPOT {engine.tpot_s * 1000:.2f} ms)",
        flush=True,
    )
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.ignore_sigterm:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if args.unknown:
        print(f"toy engine: ignoring flags {' '.join(args.unknown)}", flush=True)
    if args.fail_at_start:
        print(
            "toy engine: error: simulated failure at start (test switch --fail-at-start)", file=sys.stderr, flush=True
        )
        return 1
    if args.mem_fraction_static > 0.95:
        print(
            f"toy engine: error: out of memory with --mem-fraction-static {args.mem_fraction_static} "
            "(the toy engine needs at most 0.95)",
            file=sys.stderr,
            flush=True,
        )
        return 1
    if args.startup_delay > 0:
        print(f"toy engine: loading weights for {args.startup_delay} s", flush=True)
        time.sleep(args.startup_delay)
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
