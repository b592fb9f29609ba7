#!/usr/bin/env python3
"""bench_export.py: batch-1 prediction of each seed model's freestanding export
(NAME export, f32 and int8 weights, compiled with -O2: plain C, no intrinsics)
and of its ONNX file in ONNX Runtime (NAME export-onnx, bench/ort_bench.js:
onnxruntime-node, 1 thread, every graph optimization; left out where Node,
the package or the build's ONNX is missing) beside the model binary's own
(NAME bench's predict_ms: OpenBLAS and the SIMD kernels), 1 thread, in one
run, interleaved; the machine's 1-core fp32 peak (bench/peak_flops.c) in the
header.

    bench/bench_export.py [--build build] [--repeat 3] [--models a,b] [--json]

A model's checkpoint is a 2-step run (the weights' values do not change the
time). A prediction is a whole example of a classifier or series model, one
step of a char-lm (as NAME bench's predict). Medians of --repeat runs, with the
range."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def peak(cc, tmp):
    """bench/peak_flops.c's line: the 1-core fp32 peak of this machine."""
    exe = os.path.join(tmp, "peak_flops")
    subprocess.run([cc, "-std=c11", "-O2", os.path.join(HERE, "peak_flops.c"), "-o", exe, "-lm"],
                   check=True)
    return run([exe]).strip().splitlines()[-1]


def cpu_name():
    for line in open("/proc/cpuinfo", encoding="utf-8"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def kind_of(name):
    spec = open(os.path.join(ROOT, "specs", name + ".yaml"), encoding="utf-8").read()
    if "kind: char-lm" in spec:
        return "-DSEQ_CHAR_LM"
    if "kind: series" in spec:
        return "-DSEQ_WINDOW"
    return "-DSEQ_TEXT -DSEQ_IDS_CHARS" if "word_len" in spec else "-DSEQ_TEXT"


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr.strip()}")
    return p.stdout


def prepare(name, binary, cc, tmp):
    """The export's two drivers (f32, int8) for NAME."""
    run_dir = os.path.join(tmp, name, "run")
    limit = ["--limit", "60000"] if "CHAR_LM" in kind_of(name) else \
        [] if "WINDOW" in kind_of(name) else ["--limit", "40"]
    run([binary, "train", "--out", run_dir, "--max-steps", "2", "--threads", "1"] + limit)
    exes = {}
    for w in ("f32", "int8"):
        out = os.path.join(tmp, name, w)
        run([binary, "export", "--checkpoint", os.path.join(run_dir, "checkpoint.safetensors"),
             "--out", out, "--weights", w])
        exe = os.path.join(out, "driver")
        run([cc, "-std=c99", "-O2", f"-DSEQ_MODEL={name}", f"-DSEQ_MODEL_UPPER={name.upper()}"] +
            kind_of(name).split() + ["-I", out, "-I", os.path.join(ROOT, "runtime"),
                                     os.path.join(ROOT, "tests", "export", "driver.c"),
                                     os.path.join(out, name + "_infer.c")] +
            ([os.path.join(ROOT, "runtime", "base", f) for f in ("rng.c", "utf8.c")]
             if "CHAR_LM" in kind_of(name) else []) +
            ["-o", exe, "-lm"])
        exes[w] = exe
    onnx = os.path.join(tmp, name, name + ".onnx")
    p = subprocess.run([binary, "export-onnx", "--checkpoint",
                        os.path.join(run_dir, "checkpoint.safetensors"), "--out", onnx],
                       capture_output=True, text=True, check=False)
    exes["ort"] = onnx if p.returncode == 0 else None
    return exes


def node_env():
    """The environment that finds onnxruntime-node (npm's global folder), or None."""
    try:
        root = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True,
                              check=True).stdout.strip()
        env = dict(os.environ, NODE_PATH=root)
        subprocess.run(["node", "-e", "require('onnxruntime-node')"], env=env, check=True,
                       capture_output=True)
        return env
    except (OSError, subprocess.CalledProcessError):
        return None


def ort_ms(onnx, env):
    p = subprocess.run(["node", os.path.join(HERE, "ort_bench.js"), onnx, "200"], env=env,
                       capture_output=True, text=True, check=False)
    if p.returncode != 0:
        raise SystemExit(f"ort_bench.js {onnx}: {p.stderr.strip()}")
    return json.loads(p.stdout)["predict_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--models", default="")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    names = args.models.split(",") if args.models else sorted(
        f[:-5] for f in os.listdir(os.path.join(ROOT, "specs")) if f.endswith(".yaml"))
    with tempfile.TemporaryDirectory() as tmp:
        peak_line = peak(args.cc, tmp)
        exes = {n: prepare(n, os.path.join(args.build, n), args.cc, tmp) for n in names}
        env = node_env()
        ort = env is not None and all(exes[n]["ort"] for n in names)
        times = {n: {"binary": [], "f32": [], "int8": []} for n in names}
        if ort:
            for n in names:
                times[n]["ort"] = []
        for _ in range(args.repeat):  # interleaved: binary, f32, int8, model by model
            for n in names:
                b = json.loads(run([os.path.join(args.build, n), "bench", "--threads", "1",
                                    "--steps", "20"]).strip().splitlines()[-1])
                times[n]["binary"].append(b["predict_ms"])
                for w in ("f32", "int8"):
                    times[n][w].append(json.loads(run([exes[n][w], "bench", "200"]))["predict_ms"])
                if ort:
                    times[n]["ort"].append(ort_ms(exes[n]["ort"], env))
    rows = []
    for n in names:
        t = {k: (statistics.median(v), min(v), max(v)) for k, v in times[n].items()}
        rows.append({"model": n, **{k + "_ms": v[0] for k, v in t.items()},
                     **{k + "_range": [v[1], v[2]] for k, v in t.items()}})
    if args.json:
        print(json.dumps({"peak": peak_line, "cpu": cpu_name(), "models": rows}, indent=1))
        return
    print(f"CPU: {cpu_name()}; peak: {peak_line}")
    ort = "ort_ms" in rows[0]
    print("| model | binary predict ms | export f32 ms | export int8 ms | f32 / binary |" +
          (" ONNX Runtime ms | ONNX Runtime / binary |" if ort else ""))
    print("|---|---:|---:|---:|---:|" + ("---:|---:|" if ort else ""))
    for r in rows:
        print(f"| {r['model']} | {r['binary_ms']:.4f} | {r['f32_ms']:.4f} | {r['int8_ms']:.4f} | "
              f"{r['f32_ms'] / r['binary_ms']:.2f}x |" +
              (f" {r['ort_ms']:.4f} | {r['ort_ms'] / r['binary_ms']:.2f}x |" if ort else ""))


if __name__ == "__main__":
    main()
