"""The catalog generator's static readers on small handwritten sources: argparse calls, dataclass
fields with attribute docstrings (vLLM), ``A[T, Arg(...)]`` namespaces (SGLang), deprecations, and
``llama-server --help`` text."""

from __future__ import annotations

import textwrap

import pytest

from autotuner.runtimes.generate import SourceError, llamacpp_flags, safe_version, sglang_flags, vllm_flags


def _by_name(flags):
    return {flag.name: flag.to_dict() for flag in flags}


OLD_SGLANG = textwrap.dedent(
    """
    import argparse
    import dataclasses
    from typing import List, Optional

    POLICIES = ["lpm", "random", "fcfs"]
    BACKENDS = POLICIES + ["extra"]

    @dataclasses.dataclass
    class ServerArgs:
        tp_size: int = 1
        mem_fraction_static: Optional[float] = None
        schedule_policy: str = "fcfs"
        disable_radix_cache: bool = False
        chunked_prefill_size: Optional[int] = None

        @staticmethod
        def add_cli_args(parser: argparse.ArgumentParser):
            parser.add_argument(
                "--tensor-parallel-size", "--tp-size",
                type=int,
                default=ServerArgs.tp_size,
                help="The tensor parallelism size.",
            )
            parser.add_argument("--mem-fraction-static", type=float, default=ServerArgs.mem_fraction_static,
                                help="The fraction of the memory " "used for static allocation.")
            parser.add_argument("--schedule-policy", type=str, default=ServerArgs.schedule_policy,
                                choices=POLICIES, help="The scheduling policy.")
            parser.add_argument("--disable-radix-cache", action="store_true", help="Disable RadixAttention.")
            parser.add_argument("--enable-overlap", action=argparse.BooleanOptionalAction, default=True, help="Overlap.")
            parser.add_argument("--chunked-prefill-size", type=int, default=-(2 ** 3), help="Chunk.")
            parser.add_argument("--lora-paths", type=str, nargs="*", default=None, help="LoRA adapters.")
            parser.add_argument("--backend", choices=BACKENDS, help="Backend.")
            parser.add_argument("--enable-flashinfer-mla", action=DeprecatedAction,
                                help="'--enable-flashinfer-mla' is deprecated. Please use '--tensor-parallel-size' instead.")
            parser.add_argument("--old-thing", action=DeprecatedStoreTrueAction, new_flag="--disable-radix-cache",
                                help="Deprecated.")
            parser.add_argument("positional", help="not a flag")
            parser.add_argument(*computed_names, help="not literal")
    """
)


def test_argparse_forms_of_an_older_sglang():
    flags = _by_name(sglang_flags({"sglang/srt/server_args.py": OLD_SGLANG}))
    assert flags["tensor-parallel-size"] == {
        "name": "tensor-parallel-size",
        "type": "int",
        "aliases": ["tp-size"],
        "default": 1,  # default=ServerArgs.tp_size, read from the dataclass
        "help": "The tensor parallelism size.",
    }
    assert flags["mem-fraction-static"]["type"] == "float" and flags["mem-fraction-static"]["default"] is None
    assert flags["mem-fraction-static"]["help"] == "The fraction of the memory used for static allocation."
    assert (
        flags["schedule-policy"]["choices"] == ["lpm", "random", "fcfs"]
        and flags["schedule-policy"]["default"] == "fcfs"
    )
    assert flags["disable-radix-cache"] == {
        "name": "disable-radix-cache",
        "type": "bool",
        "default": False,
        "switch": True,
        "help": "Disable RadixAttention.",
    }
    assert flags["enable-overlap"]["negative"] == "no-enable-overlap" and flags["enable-overlap"]["default"] is True
    assert flags["chunked-prefill-size"]["default"] == -8
    assert flags["lora-paths"]["multiple"] is True
    assert flags["backend"]["choices"] == ["lpm", "random", "fcfs", "extra"] and flags["backend"]["type"] == "string"
    mla = flags["enable-flashinfer-mla"]
    assert mla["deprecated"] is True and mla["replaced_by"] == "tensor-parallel-size"
    old = flags["old-thing"]
    assert (old["deprecated"], old["replaced_by"], old["switch"]) == (True, "disable-radix-cache", True)
    assert "positional" not in flags and len(flags) == 10
    assert list(flags) == sorted(flags)


NEW_SGLANG_FIELDS = textwrap.dedent(
    """
    import argparse
    from typing import Literal, Optional
    from sglang.srt.arg_groups.arg_utils import A, Arg
    from sglang.srt.arg_groups.choices import KV_DTYPES

    class Schedule(msgspec.Struct):
        _NS_PATH = "schedule"

        tp_size: A[int, Arg(help="The tensor parallelism size.", aliases=["--tensor-parallel-size"])] = 1
        mem_fraction_static: A[Optional[float], "The fraction of the memory."] = None
        kv_cache_dtype: A[str, Arg(help="KV dtype.", choices=KV_DTYPES)] = "auto"
        mode: A[Literal["a", "b"], "A mode."] = "a"
        enable_tf32: A[Optional[bool], Arg(help="TF32.", action=argparse.BooleanOptionalAction, fallback=False)] = None
        internal_only: A[int, Arg(help="Hidden.", no_cli=True)] = 0
        renamed: A[int, Arg(help="Shown under another name.", cli_name="--other-name")] = 3
        max_queued: A[Optional[int], Arg(help="Queue.", fallback=100)] = None
        plain_field: int = 5
    """
)
CHOICES = 'KV_DTYPES = ["auto", "fp8_e4m3"]\n'
NEW_SGLANG_SERVER = textwrap.dedent(
    """
    from sglang.srt.arg_groups.arg_utils import add_cli_args_from_dataclass

    class ServerArgs:
        @staticmethod
        def add_cli_args(parser):
            add_cli_args_from_dataclass(parser, ServerArgs)
            parser.add_argument("--disable-cuda-graph", action=DeprecatedStoreTrueAction,
                                new_flag="--tp-size", help="Deprecated. Use --tp-size instead.")
    """
)


def test_namespace_fields_of_a_newer_sglang():
    files = {
        "sglang/srt/server_args.py": NEW_SGLANG_SERVER,
        "sglang/srt/arg_groups/fields/schedule.py": NEW_SGLANG_FIELDS,
        "sglang/srt/arg_groups/choices.py": CHOICES,
    }
    flags = _by_name(sglang_flags(files))
    assert flags["tp-size"]["aliases"] == ["tensor-parallel-size"] and flags["tp-size"]["default"] == 1
    assert flags["mem-fraction-static"] == {
        "name": "mem-fraction-static",
        "type": "float",
        "default": None,
        "help": "The fraction of the memory.",
    }
    assert flags["kv-cache-dtype"]["choices"] == ["auto", "fp8_e4m3"]  # a constant imported from another module
    assert flags["mode"]["choices"] == ["a", "b"] and flags["mode"]["type"] == "string"
    assert flags["enable-tf32"]["negative"] == "no-enable-tf32" and flags["enable-tf32"]["switch"] is True
    assert flags["max-queued"]["default"] == 100  # Arg(fallback=...)
    assert "other-name" in flags and "renamed" not in flags
    assert "internal-only" not in flags and "plain-field" not in flags
    assert flags["disable-cuda-graph"]["replaced_by"] == "tp-size"


VLLM_CONFIG = textwrap.dedent(
    '''
    from dataclasses import field
    from typing import Literal

    SchedulerPolicy = Literal["fcfs", "priority"]

    @config
    class SchedulerConfig:
        """Scheduler configuration."""

        max_num_seqs: int | None = None
        """Maximum number of sequences
        in one step."""
        policy: SchedulerPolicy = "fcfs"
        """The scheduling policy."""
        enable_chunked_prefill: bool | None = None
        """Chunk prefills."""
        gpu_memory_utilization: float = 0.9
        """Fraction of GPU memory."""
        weird: bool | str | None = None
        """A flag or a value."""
        items: list[str] = field(default_factory=list)
        """Several values."""
        budget: int = field(default=2048)
        """A token budget."""
    '''
)
VLLM_ARGS = textwrap.dedent(
    """
    import argparse
    from vllm.config import SchedulerConfig

    _DEPRECATED = "--old-budget is deprecated and will be removed. Use --budget instead."

    class EngineArgs:
        @staticmethod
        def add_cli_args(parser):
            scheduler_kwargs = get_kwargs(SchedulerConfig)
            group = parser.add_argument_group(title="SchedulerConfig")
            group.add_argument("--max-num-seqs", **scheduler_kwargs["max_num_seqs"])
            group.add_argument("--scheduling-policy", **scheduler_kwargs["policy"])
            group.add_argument("--enable-chunked-prefill", **scheduler_kwargs["enable_chunked_prefill"])
            group.add_argument("--gpu-memory-utilization", "-gmu", **scheduler_kwargs["gpu_memory_utilization"])
            group.add_argument("--weird", **scheduler_kwargs["weird"])
            group.add_argument("--items", **scheduler_kwargs["items"])
            group.add_argument("--budget", **scheduler_kwargs["budget"])
            group.add_argument("--old-budget", type=int, default=None, help=_DEPRECATED)
            group.add_argument("--disable-log-stats", action="store_true", help="Disable logging statistics.")
    """
)
VLLM_FRONTEND = textwrap.dedent(
    '''
    @config
    class FrontendArgs:
        host: str | None = None
        """Host name."""
        port: int = 8000
        """Port number."""
    '''
)


def test_vllm_config_dataclasses_through_get_kwargs():
    files = {
        "vllm/engine/arg_utils.py": VLLM_ARGS,
        "vllm/config/scheduler.py": VLLM_CONFIG,
        "vllm/entrypoints/common/cli_args.py": VLLM_FRONTEND,
    }
    flags = _by_name(vllm_flags(files))
    assert flags["max-num-seqs"] == {
        "name": "max-num-seqs",
        "type": "int",
        "default": None,
        "help": "Maximum number of sequences in one step.",
    }
    assert flags["scheduling-policy"]["choices"] == ["fcfs", "priority"]  # through a type alias
    chunked = flags["enable-chunked-prefill"]
    assert (chunked["type"], chunked["switch"], chunked["negative"]) == ("bool", True, "no-enable-chunked-prefill")
    assert flags["gpu-memory-utilization"]["aliases"] == ["gmu"] and flags["gpu-memory-utilization"]["default"] == 0.9
    assert flags["weird"]["type"] == "string" and "switch" not in flags["weird"]
    assert flags["items"]["multiple"] is True and flags["items"]["default"] is None
    assert flags["budget"]["default"] == 2048
    assert flags["old-budget"]["deprecated"] is True and flags["old-budget"]["replaced_by"] == "budget"
    assert flags["disable-log-stats"]["switch"] is True and "negative" not in flags["disable-log-stats"]
    assert flags["port"]["default"] == 8000 and flags["host"]["help"] == "Host name."


def test_a_wheel_without_the_expected_files_is_refused():
    with pytest.raises(SourceError, match=r"sglang/srt/server_args\.py is not in the package"):
        sglang_flags({"other.py": ""})
    with pytest.raises(SourceError, match=r"vllm/engine/arg_utils\.py is not in the package"):
        vllm_flags({})
    with pytest.raises(SourceError, match="is not Python this generator can read"):
        vllm_flags({"vllm/engine/arg_utils.py": "def broken(:\n"})


LLAMA_HELP = """\
----- common params -----

-h,    --help, --usage                  print usage and exit
-t,    --threads N                      number of CPU threads to use during generation (default: -1)
                                        (env: LLAMA_ARG_THREADS)
-c,    --ctx-size N                     size of the prompt context (default: 4096, 0 = loaded from model)
-fa,   --flash-attn [on|off|auto]       set Flash Attention use ('on', 'off', or 'auto', default: 'auto')
-cb,   --cont-batching                  enable continuous batching (default: enabled)
-nocb, --no-cont-batching               disable continuous batching
-ctk,  --cache-type-k TYPE              KV cache data type for K
                                        allowed values: f32, f16, q8_0
                                        (default: f16)
--temp N                                temperature (default: 0.8)
--poll <0...100>                        use polling level to wait for work (0 - no polling, default: 50)
--cpu-strict <0|1>                      use strict CPU placement (default: 0)
-ts,   --tensor-split N0,N1,N2,...      fraction of the model to offload to each GPU
-ngl,  --gpu-layers, --n-gpu-layers N   max. number of layers to store in VRAM (default: -1)
--cache-prompt, --no-cache-prompt       whether to enable prompt caching (default: enabled)
--defrag-thold N                        KV cache defragmentation threshold (DEPRECATED, use --ctx-size)
"""


def test_llama_server_help_text():
    flags = _by_name(llamacpp_flags(LLAMA_HELP))
    assert flags["threads"] == {
        "name": "threads",
        "type": "int",
        "default": -1,
        "help": "number of CPU threads to use during generation (default: -1)",
    }
    assert flags["ctx-size"]["default"] == 4096
    assert flags["flash-attn"]["choices"] == ["on", "off", "auto"]
    assert flags["cont-batching"]["negative"] == "no-cont-batching" and flags["cont-batching"]["default"] is True
    assert flags["cache-prompt"]["negative"] == "no-cache-prompt"
    assert flags["cache-type-k"]["choices"] == ["f32", "f16", "q8_0"] and flags["cache-type-k"]["default"] == "f16"
    assert flags["temp"]["type"] == "float" and flags["tensor-split"]["type"] == "string"
    assert (flags["cpu-strict"]["type"], flags["cpu-strict"]["default"], flags["poll"]["type"]) == ("int", 0, "int")
    assert flags["gpu-layers"]["aliases"] == ["n-gpu-layers"]
    assert flags["defrag-thold"]["replaced_by"] == "ctx-size"
    assert "t" not in flags and "ngl" not in flags  # short options are not catalog spellings
    assert safe_version("0.5.0-dev (0c1e570)") == "0.5.0-dev-0c1e570"
    assert safe_version("0.5.0-dev (build 1, commit 0c1e570)") == "0.5.0-dev-0c1e570"
    with pytest.raises(SourceError):
        llamacpp_flags("usage: nothing here\n")
