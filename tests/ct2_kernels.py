"""Run the ct2 tests under every CPU kernel CTranslate2 may pick, so that no result depends on one
CPU's kernels.

CTranslate2 chooses its kernels at run time: an instruction set (``CT2_FORCE_CPU_ISA``: AVX512,
AVX2, AVX or GENERIC on x86-64) and, for int8, a GEMM back-end: Intel MKL on Intel CPUs, oneDNN
on the others, and oneDNN without VNNI on CPUs that stop at AVX2 (AMD EPYC before Zen 4, many CI
runners), which rounds int8 products differently. Each variant below sets the environment that
makes this machine behave like such a CPU; a variant this CPU cannot run is left out and named.

    python tests/ct2_kernels.py [PYTEST ARGS...]   # default: the ct2 tests
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TESTS = ("tests/test_ct2.py", "tests/test_check.py", "-k", "ct2")
# What CTranslate2 requires of the CPU for each instruction set it can be forced to (its
# cpu_info checks), as flags in /proc/cpuinfo.
ISA_FLAGS = {
    "AVX512": {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"},
    "AVX2": {"avx2", "fma"},
    "AVX": {"avx"},
    "GENERIC": set(),
}


@dataclass(frozen=True, slots=True)
class Variant:
    """One kernel choice: a name and the environment that forces it."""

    name: str
    environment: dict[str, str]
    needs: frozenset[str] = frozenset()  # CPU flags this machine must have to run it


def variants() -> list[Variant]:
    """Every instruction set, then the int8 GEMM back-ends other CPUs would pick."""
    forced = [Variant(f"CT2_FORCE_CPU_ISA={isa}", {"CT2_FORCE_CPU_ISA": isa}, frozenset(flags))
              for isa, flags in ISA_FLAGS.items()]
    backends = [
        Variant("MKL (Intel CPUs)", {"CT2_USE_MKL": "1"}),
        Variant("oneDNN (other CPUs)", {"CT2_USE_MKL": "0"}),
        Variant("oneDNN without VNNI (AVX2-only CPUs)", {"CT2_USE_MKL": "0", "DNNL_MAX_CPU_ISA": "AVX2"},
                frozenset({"avx2"})),
    ]
    return forced + backends


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The flags of the first CPU listed in ``cpuinfo`` (empty when it cannot be read)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return set(value.split())
    return set()


def runnable(all_variants: list[Variant], flags: set[str]) -> tuple[list[Variant], list[Variant]]:
    """The variants this CPU can run, and those it cannot."""
    can = [v for v in all_variants if v.needs <= flags]
    return can, [v for v in all_variants if v not in can]


def main(argv: list[str]) -> int:
    if platform.machine().lower() not in ("x86_64", "amd64"):
        print(f"ct2 kernels: only x86-64 has these variants, not {platform.machine()}; nothing run")
        return 0
    can, cannot = runnable(variants(), cpu_flags())
    for variant in cannot:
        print(f"ct2 kernels: {variant.name} left out: this CPU lacks {', '.join(sorted(variant.needs))}")
    results = []
    for variant in can:
        print(f"ct2 kernels: {variant.name}", flush=True)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(argv or DEFAULT_TESTS)]
        code = subprocess.run(command, check=False, env={**os.environ, **variant.environment}).returncode
        results.append((variant.name, code))
    for name, code in results:
        print(f"ct2 kernels: {'passed' if code == 0 else f'FAILED (exit {code})'}  {name}")
    return 0 if all(code == 0 for _, code in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
