#!/usr/bin/python3
"""bench_imdb_lstm.py: seqcc against PyTorch on the Keras IMDB LSTM.

Times, in one run, the same model (Embedding(10000, 32) -> LSTM(64) ->
Dense(64, relu) -> Dense(1), binary cross-entropy from logits, Adam lr 1e-3,
batch 32, 120 steps, random ids) trained by the seqcc binary (`imdb_lstm
bench --threads N`) and by PyTorch on the CPU with the same thread count
(torch.set_num_threads(N), and OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set
to N, since Debian's torch calls an OpenBLAS that set_num_threads leaves alone):

  - a training step (forward, backward, Adam) and a batch-1 prediction
    (PyTorch in eval mode under torch.inference_mode()), each warmed up first;
  - the peak resident memory of each side, each run in its own child process
    (PyTorch's: ru_maxrss from os.wait4; seqcc's: the figure `bench` prints,
    its own VmHWM, since ru_maxrss also counts this script's Python);
  - the size of the generated C and the time `cc -O2 -c` takes on it (the
    second of two runs);
  - the machine's OpenBLAS sgemm rate on 2048^3, from a small C program
    compiled on the fly against -lopenblas.

Each side runs --repeat times, seqcc and PyTorch interleaved so that
background load falls on both alike; the table shows the median and the
range. Ratios are PyTorch / seqcc (above 1: seqcc is faster or smaller).

    /usr/bin/python3 bench/bench_imdb_lstm.py [--threads N] [--steps S]
        [--repeat R] [--binary build/imdb_lstm] [--json]

Without PyTorch only the seqcc side is reported, and the exit status is 0.
PyTorch is needed by this script only; CI never runs it.

bench/bench_models.py does the same for every seed model (the PyTorch side
built from the spec by scripts/torch_parity.py) at 1 and 2 threads, and is
where the README's figures come from; it reuses this file's probes.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
MODEL = "imdb_lstm"
BATCH, SEQ_LEN, VOCAB, EMBED, UNITS, HIDDEN = 32, 120, 10000, 32, 64, 64
TORCH_MISSING = 3           # exit status of the PyTorch child when torch will not import
TRAIN_WARMUP, PREDICT_WARMUP, PREDICTS_PER_STEP = 5, 20, 10  # as `imdb_lstm bench`
SGEMM_N, SGEMM_REPS = 2048, 5

SGEMM_C = r"""
/* sgemm_rate.c: seconds of the fastest of REPS N x N x N cblas_sgemm calls. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    int n = argc > 2 ? atoi(argv[1]) : 0, reps = argc > 2 ? atoi(argv[2]) : 0;
    if (n <= 0 || reps <= 0) {
        fprintf(stderr, "usage: sgemm_rate N REPS\n");
        return 2;
    }
    size_t count = (size_t)n * (size_t)n;
    float *a = malloc(count * sizeof *a), *b = malloc(count * sizeof *b),
          *c = malloc(count * sizeof *c);
    if (!a || !b || !c) {
        fprintf(stderr, "sgemm_rate: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        a[i] = (float)(i % 13) * 0.01f;
        b[i] = (float)(i % 7) * 0.02f;
    }
    double best = 1e30;
    for (int r = -1; r < reps; r++) { /* r = -1 warms up */
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n,
                    0.0f, c, n);
        double t = now() - t0;
        if (r >= 0 && t < best)
            best = t;
    }
    printf("%.9f %g\n", best, (double)c[count / 2]);
    return 0;
}
"""


class BenchError(Exception):
    """Something the benchmark needs is missing or failed; the message says what."""


# ---- the PyTorch side (a child process: this script with --torch-child) ----------

def torch_child(threads, steps):
    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(f"import torch: {e}", file=sys.stderr)
        return TORCH_MISSING
    import_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    torch.set_num_threads(threads)
    torch.manual_seed(7)

    class Keras(nn.Module):
        """Sequential([Embedding, LSTM (last hidden state), Dense relu, Dense])."""

        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.lstm = nn.LSTM(EMBED, UNITS, batch_first=True)
            self.dense = nn.Linear(UNITS, HIDDEN)
            self.dense_1 = nn.Linear(HIDDEN, 1)

        def forward(self, ids):
            _, (h, _) = self.lstm(self.embedding(ids))
            return self.dense_1(torch.relu(self.dense(h[-1]))).squeeze(-1)

    model = Keras()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    ids = torch.randint(0, VOCAB, (BATCH, SEQ_LEN))
    targets = torch.randint(0, 2, (BATCH,)).float()

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(ids), targets).backward()
        optimizer.step()

    model.train()
    for _ in range(TRAIN_WARMUP):
        train_step()
    t0 = time.perf_counter()
    for _ in range(steps):
        train_step()
    train_s = (time.perf_counter() - t0) / steps

    model.eval()
    reps = steps * PREDICTS_PER_STEP
    with torch.inference_mode():
        for i in range(PREDICT_WARMUP):
            torch.sigmoid(model(ids[i % BATCH:i % BATCH + 1]))
        t0 = time.perf_counter()
        for i in range(reps):
            torch.sigmoid(model(ids[i % BATCH:i % BATCH + 1]))
        predict_s = (time.perf_counter() - t0) / reps

    print(json.dumps({"version": torch.__version__, "train_step_ms": 1e3 * train_s,
                      "examples_per_second": BATCH / train_s, "predict_ms": 1e3 * predict_s,
                      "import_rss_mb": import_rss_kb / 1024}))
    return 0


# ---- children ------------------------------------------------------------------------

def run_child(argv, env=None):
    """(exit status, stdout, stderr, peak RSS in MB) of ARGV run to completion."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    env=env)
        except OSError as e:
            raise BenchError(f"cannot run {argv[0]}: {e.strerror}") from None
        _, status, usage = os.wait4(proc.pid, 0)  # wait4, not wait: its rusage is this child's
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), usage.ru_maxrss / 1024)


def last_json_line(text, what):
    for line in reversed(text.strip().splitlines()):
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            continue
    raise BenchError(f"{what} printed no JSON line; it printed:\n{text}")


def run_seqcc(binary, threads, steps):
    rc, out, err, rss = run_child([binary, "bench", "--threads", str(threads),
                                   "--steps", str(steps)])
    if rc != 0:
        raise BenchError(f"{binary} bench exited with status {rc}:\n"
                         f"{err or out or '(no output)'}")
    r = last_json_line(out, f"{binary} bench")
    return {"train_step_ms": r["train_step_ms"], "examples_per_second": r["examples_per_second"],
            "predict_ms": r["predict_ms"], "max_rss_mb": r.get("max_rss_mb", rss)}


def run_torch(threads, steps):
    """The PyTorch figures, or why torch does not import (a string)."""
    # torch.set_num_threads() sets OpenMP's threads but not those of the OpenBLAS
    # that Debian's torch calls, which would otherwise take every core
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    rc, out, err, rss = run_child([sys.executable, os.path.abspath(__file__), "--torch-child",
                                   "--threads", str(threads), "--steps", str(steps)], env=env)
    if rc == TORCH_MISSING:
        return err.strip()
    if rc != 0:
        raise BenchError(f"the PyTorch child exited with status {rc}:\n"
                         f"{err or out or '(no output)'}")
    r = last_json_line(out, "the PyTorch child")
    r["max_rss_mb"] = rss
    return r


# ---- generated C and sgemm -------------------------------------------------------------

def generated_c(cc):
    """Size of generated/MODEL/*.c and the -O2 compile time of the passes."""
    gen = os.path.join(REPO, "generated", MODEL)
    sources = sorted(f for f in os.listdir(gen) if f.endswith(".c")) if os.path.isdir(gen) else []
    if not sources:
        raise BenchError(f"no generated C in {gen}; run `cmake --build build --target regenerate`")
    lines = size = 0
    for f in sources:
        with open(os.path.join(gen, f), "rb") as fh:
            text = fh.read()
        lines += text.count(b"\n")
        size += len(text)
    result = {"files": sources, "lines": lines, "bytes": size, "compile_file": MODEL + ".c"}
    with tempfile.TemporaryDirectory() as tmp:
        argv = [cc, "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-I", gen,
                "-I", os.path.join(REPO, "runtime"), "-c", os.path.join(gen, MODEL + ".c"),
                "-o", os.path.join(tmp, MODEL + ".o")]
        times = []
        for _ in range(2):  # the first run also warms the file cache; report the second
            t0 = time.perf_counter()
            try:
                proc = subprocess.run(argv, capture_output=True, text=True)
            except OSError as e:
                result["compile_error"] = f"cannot run {cc}: {e.strerror}"
                return result
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                result["compile_error"] = (proc.stderr or proc.stdout).strip()[:2000]
                return result
    result["compile_command"] = " ".join(argv[:-2] + ["-o", MODEL + ".o"])
    result["compile_s"], result["compile_first_s"] = times[1], times[0]
    return result


def sgemm_rate(cc, threads):
    """OpenBLAS sgemm GFLOP/s on SGEMM_N^3 with THREADS threads, or {"error": why}."""
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "openblas"],
                           capture_output=True, text=True) if shutil.which("pkg-config") else None
    link = flags.stdout.split() if flags and flags.returncode == 0 else ["-lopenblas"]
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, "sgemm_rate.c"), os.path.join(tmp, "sgemm_rate")
        with open(src, "w") as f:
            f.write(SGEMM_C)
        try:
            proc = subprocess.run([cc, "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", src,
                                   "-o", exe] + link, capture_output=True, text=True)
        except OSError as e:
            return {"error": f"cannot run {cc}: {e.strerror}"}
        if proc.returncode != 0:
            return {"error": "cannot build the sgemm probe against OpenBLAS: "
                             + (proc.stderr or proc.stdout).strip()[:500]}
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
        rc, out, err, _ = run_child([exe, str(SGEMM_N), str(SGEMM_REPS)], env=env)
        if rc != 0:
            return {"error": f"the sgemm probe exited with status {rc}: {err.strip()}"}
    best_s = float(out.split()[0])
    return {"n": SGEMM_N, "threads": threads, "best_of": SGEMM_REPS,
            "gflops": 2.0 * SGEMM_N ** 3 / best_s / 1e9}


def train_step_flops():
    """Matmul FLOPs of one training step: forward, input gradient and weight gradient."""
    lstm = 2 * BATCH * SEQ_LEN * (EMBED + UNITS) * 4 * UNITS
    dense = 2 * BATCH * (UNITS * HIDDEN + HIDDEN * 1)
    return 3 * (lstm + dense)


# ---- report ------------------------------------------------------------------------------

METRICS = [("train_step_ms", "train step (ms)", "{:.3f}"),
           ("examples_per_second", "examples/s", "{:.0f}"),
           ("predict_ms", "batch-1 predict (ms)", "{:.4f}"),
           ("max_rss_mb", "peak RSS (MB)", "{:.1f}")]


def summarize(runs):
    """{metric: {median, min, max, runs}} over repeated runs."""
    out = {}
    for key, _, _ in METRICS:
        values = [r[key] for r in runs]
        out[key] = {"median": statistics.median(values), "min": min(values),
                    "max": max(values), "runs": values}
    return out


def cell(stat, fmt):
    return f"{fmt.format(stat['median'])} ({fmt.format(stat['min'])}-{fmt.format(stat['max'])})"


def print_table(report):
    c = report["config"]
    seq, pt = report["seqcc"], report["pytorch"]
    threads = f"{c['threads']} thread" + ("s" if c["threads"] > 1 else "")
    print(f"{MODEL}: batch {BATCH}, seq_len {SEQ_LEN}, vocab {VOCAB}, {threads}, "
          f"{c['steps']} steps, median (min-max) of {c['repeat']}")
    head = f"PyTorch {report['pytorch_version']}" if pt else "PyTorch"
    print(f"{'':<21} {'seqcc':<25} {head:<26} PyTorch/seqcc (of mins)")
    for key, label, fmt in METRICS:
        ratio, best = report["ratios"].get(key), report["ratios_of_min"].get(key)
        print(f"{label:<21} {cell(seq[key], fmt):<25} {cell(pt[key], fmt) if pt else '-':<26} "
              + (f"{ratio:.2f}x ({best:.2f}x)" if ratio else "-"))
    if pt:
        print(f"  (PyTorch's RSS includes {report['pytorch_import_rss_mb']:.0f} MB from "
              "`import torch` alone)")
    else:
        print(report["pytorch_missing"])
    g = report["generated_c"]
    print(f"generated C: {g['lines']} lines, {g['bytes']} bytes in generated/{MODEL}/"
          f"{{{','.join(g['files'])}}}")
    if "compile_error" in g:
        print(f"  {g['compile_file']} did not compile: {g['compile_error']}")
    else:
        print(f"  cc -O2 -c {g['compile_file']}: {g['compile_s']:.2f} s "
              f"(second run; first {g['compile_first_s']:.2f} s)")
    s = report["sgemm"]
    if "error" in s:
        print(f"OpenBLAS sgemm rate: skipped ({s['error']})")
    else:
        step = report["seqcc_gemm_gflops"]
        print(f"OpenBLAS sgemm {s['n']}^3, {threads}: {s['gflops']:.1f} GFLOP/s "
              f"(best of {s['best_of']}); seqcc's train step does {step:.1f} GFLOP/s of matmul "
              f"work ({100 * step / s['gflops']:.0f}%)")
    noisy = [f"{side} {label} {100 * (st[key]['max'] - st[key]['min']) / st[key]['median']:.0f}%"
             for side, st in (("seqcc", seq), ("PyTorch", pt)) if st
             for key, label, _ in METRICS[:1] + METRICS[2:3]]
    print("spread (max-min)/median: " + ", ".join(noisy))


def parse_args(argv):
    cores = len(os.sched_getaffinity(0))
    p = argparse.ArgumentParser(
        description="Benchmark the seqcc imdb_lstm binary against PyTorch on the same model, "
                    "shapes and thread count.")
    p.add_argument("--threads", type=int, default=cores,
                   help=f"threads for both sides (default: all cores, {cores})")
    p.add_argument("--steps", type=int, default=200,
                   help="timed training steps per run; 10x as many predictions (default 200)")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of each side, interleaved; the median is reported (default 3)")
    p.add_argument("--binary", default=os.path.join(REPO, "build", MODEL),
                   help=f"the seqcc model binary (default: build/{MODEL} in this checkout)")
    p.add_argument("--cc", default=os.environ.get("CC", "cc"),
                   help="the C compiler to time and to build the sgemm probe (default: $CC, "
                        "else cc)")
    p.add_argument("--json", action="store_true", help="print one JSON object, no table")
    p.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in ("threads", "steps", "repeat"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    return args


def bench(args):
    if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
        raise BenchError(f"no seqcc binary at {args.binary}: build it with `cmake -S . -B build "
                         "-DCMAKE_BUILD_TYPE=Release && cmake --build build`, or pass --binary")
    seq_runs, torch_runs, torch_missing = [], [], None
    for r in range(args.repeat):
        # alternate which side goes first, so neither always follows the other
        for side in (("seqcc", "torch") if r % 2 == 0 else ("torch", "seqcc")):
            if side == "seqcc":
                seq_runs.append(run_seqcc(args.binary, args.threads, args.steps))
            elif not torch_missing:
                result = run_torch(args.threads, args.steps)
                if isinstance(result, str):
                    torch_missing = f"PyTorch not available ({result}): ratios skipped"
                    print(torch_missing, file=sys.stderr)
                else:
                    torch_runs.append(result)
    report = {"config": {"model": MODEL, "batch": BATCH, "seq_len": SEQ_LEN, "vocab": VOCAB,
                         "threads": args.threads, "steps": args.steps, "repeat": args.repeat,
                         "binary": args.binary},
              "seqcc": summarize(seq_runs), "pytorch": None, "ratios": {}, "ratios_of_min": {},
              "pytorch_missing": torch_missing}
    if torch_runs:
        report["pytorch"] = summarize(torch_runs)
        report["pytorch_version"] = torch_runs[0]["version"]
        report["pytorch_import_rss_mb"] = statistics.median(r["import_rss_mb"] for r in torch_runs)
        for key in ("train_step_ms", "predict_ms", "max_rss_mb"):
            ours, theirs = report["seqcc"][key]["median"], report["pytorch"][key]["median"]
            report["ratios"][key] = theirs / ours
            # noise only ever adds time, so the fastest runs are a second estimate
            report["ratios_of_min"][key] = (report["pytorch"][key]["min"]
                                            / report["seqcc"][key]["min"])
    report["generated_c"] = generated_c(args.cc)
    report["sgemm"] = sgemm_rate(args.cc, args.threads)
    report["seqcc_gemm_gflops"] = (train_step_flops() / 1e9
                                   / (report["seqcc"]["train_step_ms"]["median"] / 1e3))
    return report


def main(argv=None):
    args = parse_args(argv)
    if args.torch_child:
        return torch_child(args.threads, args.steps)
    try:
        report = bench(args)
    except BenchError as e:
        print(f"bench_imdb_lstm: error: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
