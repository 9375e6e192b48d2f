"""tests/ct2_kernels.py, which CI runs: which kernel variants a CPU can run, read from its flags."""

from __future__ import annotations

from ct2_kernels import cpu_flags, runnable, variants


def test_a_cpu_without_avx512_runs_every_other_variant(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sse2 avx avx2 fma\n\n"
                       "processor\t: 1\nflags\t\t: fpu\n")
    flags = cpu_flags(cpuinfo)
    assert {"avx2", "fma"} <= flags and "avx512f" not in flags
    can, cannot = runnable(variants(), flags)
    assert [v.name for v in cannot] == ["CT2_FORCE_CPU_ISA=AVX512"]
    forced = [v.environment["CT2_FORCE_CPU_ISA"] for v in can if "CT2_FORCE_CPU_ISA" in v.environment]
    assert forced == ["AVX2", "AVX", "GENERIC"]
    assert any(v.environment.get("DNNL_MAX_CPU_ISA") == "AVX2" for v in can)


def test_an_old_cpu_keeps_generic_and_the_backends_that_need_nothing(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("flags\t: fpu sse2\n")
    can, _ = runnable(variants(), cpu_flags(cpuinfo))
    assert [v.name for v in can] == ["CT2_FORCE_CPU_ISA=GENERIC", "MKL (Intel CPUs)", "oneDNN (other CPUs)"]
    assert cpu_flags(tmp_path / "absent") == set()
