"""Benchmark of the ONNX Runtime engine: EEG encoding speed, FLOP/s, prompts, bundle load.

Targets (issue 7), measured in one run on one machine:

- one hour of EEG with the 5 s and the 60 s encoder: ONNX Runtime CPU faster than torch eager CPU;
- encoder FLOP/s (conv and linear FLOPs counted from the layer shapes) at least 0.7 of the
  machine's fp32 matrix-product FLOP/s (numpy and ONNX Runtime MatMul, the better of the two,
  measured in the same run with the same threads);
- a 20-token prompt embedded in under 30 ms on the CPU; a bundle loaded in under 1 s;
- on an NVIDIA GPU: one hour of EEG in under 1 s (ONNX Runtime CUDA; torch CUDA beside it).

Run from the repository root::

    .venv/bin/python benchmarks/bench_runtime.py [--out FILE] [--repeats 3]

Weights are random (seeded): speed does not depend on them. Every timing is the best of
``--repeats`` runs after a warm-up, because this machine is shared and the best run is the one
least disturbed by other work. Results go to ``benchmarks/results/runtime-cpu.txt``, or
``runtime-cuda.txt`` when CUDA can run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
LINES: list[str] = []


def say(line: str = "") -> None:
    print(line, flush=True)
    LINES.append(line)


def best_of(function: Callable[[], object], repeats: int) -> float:
    """Best wall time of ``repeats`` calls after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_flops(threads: int, repeats: int) -> dict[str, float]:
    """fp32 matrix-product FLOP/s of numpy (BLAS) and ONNX Runtime, 2048 x 2048."""
    import onnxruntime as ort
    from onnx import TensorProto, helper

    n = 2048
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    flops = 2.0 * n**3
    result = {"numpy": flops / best_of(lambda: a @ b, repeats)}
    tensor = [helper.make_tensor_value_info(x, TensorProto.FLOAT, [n, n]) for x in "ABC"]
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "B"], ["C"])], "mm", tensor[:2], tensor[2:]
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(model.SerializeToString(), options, ["CPUExecutionProvider"])
    result["onnxruntime"] = flops / best_of(lambda: session.run(None, {"A": a, "B": b}), repeats)
    return result


def encoder_flops(window_s: int) -> float:
    """FLOPs of one crop through EEGResNet: 2 x multiply-adds of every conv and linear layer."""
    import torch
    from torch import nn

    from elm_desktop.training.encoder import EEGResNet

    model = EEGResNet(window_s).eval()
    total = 0.0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv1d):
            kernel = module.kernel_size[0]
            total += 2.0 * module.in_channels * module.out_channels * kernel * output.shape[-1]
        elif isinstance(module, nn.Linear):
            total += 2.0 * module.in_features * module.out_features

    for module in model.modules():
        if isinstance(module, nn.Conv1d | nn.Linear):
            module.register_forward_hook(count)
    with torch.no_grad():
        model(torch.zeros(1, 20, window_s * 100))
    return total


def export_bundles(folder: Path, window_s: int) -> dict[str, Path]:
    """The folded export (what the program ships) and a plain export, for comparison."""
    import torch

    from elm_desktop.training import export
    from elm_desktop.training.config import ModelConfig
    from elm_desktop.training.model import ElmModel

    model = ElmModel.from_config(
        ModelConfig(window_s=window_s, parts=["eeg_encoder", "attention"]), seed=0
    )
    shipped = export.write_bundle(
        model, folder / f"eeg{window_s}", name="bench", version="0", training_data="-"
    )
    # A plain export of the same model: the encoder exported as written, BN and all.
    plain = folder / f"eeg{window_s}-plain.onnx"
    graph = export.EEGGraph(model)
    graph.eeg_encoder = model.eeg_encoder
    export._onnx_export(
        graph,
        (torch.zeros(2, 20, window_s * 100),),
        plain,
        input_names=["crops"],
        output_names=["embedding", "attention_logit"],
        dynamic_axes={name: {0: "crops"} for name in ("crops", "embedding", "attention_logit")},
    )
    return {"bundle": shipped, "plain": plain, "model": model}


def bench_eeg(window_s: int, folder: Path, threads: int, repeats: int, peak: float) -> None:
    import onnxruntime as ort
    import torch

    from elm_desktop.runtime import Engine
    from elm_desktop.runtime.providers import session_options
    from elm_desktop.training.export import probe_crops

    parts = export_bundles(folder, window_s)
    n = 3600 // window_s
    crops = probe_crops(n, window_s * 100, seed=0)
    flops_hour = encoder_flops(window_s) * n
    say(f"## {window_s} s encoder: one hour = {n} crops, {flops_hour / 1e9:.1f} GFLOP")

    engine = Engine(parts["bundle"], device="cpu", threads=threads)
    ort_s = best_of(lambda: engine.encode(crops), repeats)
    for batch in (16, 256):
        other = Engine(parts["bundle"], device="cpu", threads=threads, batch_size=batch)
        seconds = best_of(lambda e=other: e.encode(crops), repeats)
        say(f"  ORT CPU, {batch} crops per call: {seconds:6.2f} s per hour")
    plain = ort.InferenceSession(
        str(parts["plain"]), session_options(threads), ["CPUExecutionProvider"]
    )

    def run_plain():
        for start in range(0, n, engine.batch_size):
            plain.run(None, {"crops": crops[start : start + engine.batch_size]})

    plain_s = best_of(run_plain, repeats)
    torch.set_num_threads(threads)
    model = parts["model"].eval()

    def run_torch():
        with torch.inference_mode():
            for start in range(0, n, engine.batch_size):
                model.encode_crops(torch.from_numpy(crops[start : start + engine.batch_size]))

    torch_s = best_of(run_torch, max(1, repeats - 1))
    say(f"  ORT CPU (shipped graph, {engine.batch_size} crops per call): {ort_s:6.2f} s per hour")
    say(f"  ORT CPU, plain export (BN unfolded, 1-D convs): {plain_s:6.2f} s per hour")
    say(f"  torch eager CPU:                       {torch_s:6.2f} s per hour")
    say(f"  ORT / torch speed-up: {torch_s / ort_s:.2f}x (target > 1)")
    achieved = flops_hour / ort_s
    say(
        f"  encoder FLOP/s: {achieved / 1e9:.1f} GFLOP/s = {achieved / peak:.2f} of fp32 matmul "
        f"(target >= 0.7); plain export {flops_hour / plain_s / peak:.2f}"
    )


def bench_text(folder: Path, threads: int) -> None:
    from elm_desktop.runtime import Bundle, Engine
    from elm_desktop.training.config import ModelConfig
    from elm_desktop.training.export import write_bundle
    from elm_desktop.training.model import ElmModel

    model = ElmModel.from_config(ModelConfig(window_s=5), seed=0)
    path = write_bundle(
        model, folder / "text", name="bench", version="0", training_data="-", quantize_text=True
    )
    bundle = Bundle.load(path)
    int8 = bundle.manifest.get("text_int8")
    rejected = [v for v in bundle.manifest["rejected_variants"] if v["role"] == "text_int8"]
    status = "kept" if int8 else "rejected"
    entry = int8 or rejected[0]
    say(
        f"## text encoder ({bundle.manifest['text']['model']}); int8 variant {status} at export: "
        f"min cosine to fp32 {entry['min_cosine']:.4f} (limit {entry['tolerance']['min_cosine']})"
    )
    # 20 tokens with [CLS] and [SEP] for the MiniLM tokenizer.
    prompt = (
        "left temporal sharp waves with phase reversal at T3 during drowsiness and light sleep."
    )
    for precision in ("fp32", "auto"):
        engine = Engine(bundle, device="cpu", threads=threads, precision=precision)
        tokens = engine._tokenizer([prompt])["input_ids"].shape[1]
        engine.embed_text([prompt])
        times = []
        for _ in range(30):
            engine.clear_text_cache()
            start = time.perf_counter()
            engine.embed_text([prompt])
            times.append(time.perf_counter() - start)
        say(
            f"  {tokens}-token prompt, {engine.text_graph} graph: median "
            f"{statistics.median(times) * 1000:.1f} ms, best {min(times) * 1000:.1f} ms "
            "(target < 30 ms)"
        )
    load = []
    for _ in range(5):
        start = time.perf_counter()
        Engine(Bundle.load(path), device="cpu", threads=threads)
        load.append(time.perf_counter() - start)
    start = time.perf_counter()
    Bundle.load(path)
    verify = time.perf_counter() - start
    size = sum(f.stat().st_size for f in path.iterdir()) / 1e6
    say(
        f"## bundle load (checksums of {size:.0f} MB + EEG and text sessions): median "
        f"{statistics.median(load):.2f} s, best {min(load):.2f} s (target < 1 s); "
        f"of which checksums {verify:.2f} s"
    )


def bench_cuda(folder: Path, repeats: int) -> None:
    from elm_desktop.runtime import Engine
    from elm_desktop.runtime.providers import probe_cuda
    from elm_desktop.training.config import ModelConfig
    from elm_desktop.training.export import probe_crops, write_bundle
    from elm_desktop.training.model import ElmModel

    usable, reason = probe_cuda()
    say(f"## CUDA: ONNX Runtime CUDA provider {'usable' if usable else 'NOT usable'}: {reason}")
    for window_s in (5, 60):
        n = 3600 // window_s
        crops = probe_crops(n, window_s * 100, seed=0)
        model = ElmModel.from_config(
            ModelConfig(window_s=window_s, parts=["eeg_encoder", "attention"]), seed=0
        )
        if usable:
            path = write_bundle(
                model, folder / f"cuda{window_s}", name="b", version="0", training_data="-",
                fp16=True,
            )  # fmt: skip
            for precision in ("fp32", "auto"):
                engine = Engine(path, device="cuda", precision=precision)
                seconds = best_of(lambda e=engine, c=crops: e.encode(c), repeats)
                say(
                    f"  {window_s} s encoder, ORT {engine.provider} {engine.eeg_graph}, "
                    f"{engine.batch_size} crops per call: {seconds:.3f} s per hour of EEG "
                    "(target < 1 s)"
                )
        bench_torch_cuda(model, crops, window_s, repeats)


def bench_torch_cuda(model, crops: np.ndarray, window_s: int, repeats: int) -> None:
    import torch

    if not torch.cuda.is_available():
        say("  torch CUDA: not available")
        return
    model = model.cuda().eval()

    def run(dtype):
        with (
            torch.inference_mode(),
            torch.autocast("cuda", dtype=dtype, enabled=dtype != torch.float32),
        ):
            for start in range(0, len(crops), 1024):
                batch = torch.from_numpy(crops[start : start + 1024]).cuda(non_blocking=True)
                model.encode_crops(batch)
            torch.cuda.synchronize()

    for dtype in (torch.float32, torch.float16):
        seconds = best_of(lambda d=dtype: run(d), repeats)
        say(
            f"  {window_s} s encoder, torch eager CUDA {str(dtype).removeprefix('torch.')}: "
            f"{seconds:.3f} s per hour of EEG (host-to-device copies included)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="results file (default: results/runtime-*.txt)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-cpu", action="store_true", help="only the CUDA figures")
    args = parser.parse_args()

    import onnxruntime as ort
    import torch

    from elm_desktop.runtime.providers import cpu_threads, probe_cuda

    threads = cpu_threads()
    cuda, _ = probe_cuda()
    torch_cuda = torch.cuda.is_available()
    say("# bench_runtime")
    say(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{threads} usable; load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    say(
        f"python {sys.version.split()[0]}, onnxruntime {ort.__version__}, torch {torch.__version__}"
    )
    say(f"timings: best of {args.repeats} after a warm-up; {threads} threads everywhere")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if not args.skip_cpu:
            peaks = matmul_flops(threads, args.repeats)
            peak = max(peaks.values())
            say(
                "## fp32 matmul 2048^3: "
                + ", ".join(f"{k} {v / 1e9:.1f} GFLOP/s" for k, v in peaks.items())
                + f"; reference {peak / 1e9:.1f} GFLOP/s"
            )
            for window_s in (5, 60):
                bench_eeg(window_s, folder, threads, args.repeats, peak)
            bench_text(folder, threads)
        if cuda or torch_cuda:
            bench_cuda(folder, args.repeats)
        else:
            say("## CUDA: no GPU here; CUDA figures not measured")
    out = args.out or RESULTS / ("runtime-cuda.txt" if cuda or torch_cuda else "runtime-cpu.txt")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
