#!/usr/bin/python3
"""bench_mpi.py: training over MPI on this machine, and a model of it on many.

For each model (default: the eight seed models bench_models.py times), in one
run, three configurations take turns (their order rotating each round, so
that background load falls on all alike), each `build/NAME bench --steps S`
(random data, the spec's batch, Adam; one JSON line):

  1x1   one process, 1 thread
  1x2   one process, 2 threads (the pool runs the blocks on two threads)
  2x1   `mpirun -np 2`, 1 thread each (each rank runs its blocks; what the
        whole batch reads next is gathered from each block's rank: runtime/dist/dist.h)

and reports the medians and (min-max) of the step time, the time spent in the
exchanges (MPI_Allgather of the shared regions), and the bytes and
collectives per step.

The model of N machines, one rank each (the README's "Training on several
machines"). A step of the 2-rank run is P/2 + W + X: P the work of the
layers that run by blocks (recurrent, conv, time-distributed dense,
pooling), split over the ranks; W the work every rank does on the whole
batch (embedding, dropout, dense heads, the loss, Adam); X the exchange. From
the 1-process 1-thread step t1 = P + W and the 2-rank step t2 with its
measured X: P = 2 (t1 - t2 + X), W = t1 - P. With N machines each taking the
spec's batch (the global batch N times the spec's, N times its blocks):

  t(N) = P + N W + X(N),   X(N) = c (N - 1) alpha + (N - 1) S / beta

c the collectives of a step, S the bytes of their regions for one machine's
batch (each rank receives the other ranks' blocks of every region: a ring
allgather), alpha the latency and beta the bandwidth of the network. W is
taken as growing with the rows (its whole-batch layers do; Adam does not: an
upper bound). The speedup is N t1 / t(N), against one such machine.

    /usr/bin/python3 bench/bench_mpi.py                         # every model
    /usr/bin/python3 bench/bench_mpi.py --models imdb_lstm --repeat 1 --steps 20
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, ".."))
MODELS = ("imdb_lstm", "imdb_gru", "imdb_bilstm2", "imdb_cnn_lstm", "imdb_conv2d_lstm",
          "imdb_sentiment_rnn", "charword_cnn_lstm", "shakespeare_charlm")
CONFIGS = ("1x1", "1x2", "2x1")
MACHINES = (8, 16, 64)
NETWORKS = (("10 GbE", 25e-6, 1.25e9), ("100 Gb/s InfiniBand", 2e-6, 12.5e9))
# seconds of timed training per run, from a first guess of the step time
STEPS_FOR = {"imdb_lstm": 200, "imdb_gru": 200, "imdb_bilstm2": 40, "imdb_cnn_lstm": 40,
             "imdb_conv2d_lstm": 30, "imdb_sentiment_rnn": 8, "charword_cnn_lstm": 16,
             "shakespeare_charlm": 8}


class BenchError(Exception):
    pass


def launcher():
    mpirun = shutil.which("mpirun")
    if not mpirun:
        raise BenchError("mpirun is missing: apt-get install openmpi-bin libopenmpi-dev, "
                         "then configure seqcc again (SEQCC_MPI)")
    args = [mpirun, "--oversubscribe", "-np", "2"]
    if os.geteuid() == 0:
        args.insert(1, "--allow-run-as-root")
    return args


def run_bench(binary, config, steps):
    threads = config.split("x")[1]
    argv = [binary, "bench", "--threads", threads, "--steps", str(steps)]
    if config.startswith("2x"):
        argv = launcher() + argv
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise BenchError(f"{' '.join(argv)} exited with status {proc.returncode}:\n"
                         f"{proc.stderr or proc.stdout}")
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise BenchError(f"{' '.join(argv)} printed no JSON line:\n{proc.stdout}")
    r = json.loads(lines[-1])
    if config.startswith("2x") and r.get("ranks") != 2:
        raise BenchError(f"{binary} ran as {r.get('ranks')} rank(s) under mpirun: it was built "
                         "without MPI (configure with Open MPI installed, SEQCC_MPI=ON)")
    return r


def stat(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def cell(s, fmt="{:.2f}"):
    if s["min"] == s["max"]:
        return fmt.format(s["median"])
    return f"{fmt.format(s['median'])} ({fmt.format(s['min'])}-{fmt.format(s['max'])})"


def split_work(t1, t2, x):
    """P and W (ms) from the 1-process step T1 and the 2-rank step T2 with its exchange X."""
    p = 2 * (t1 - t2 + x)
    return p, max(t1 - p, 0.0)


def step_on(n, p, w, c, s, alpha, beta):
    """The modelled step (ms) on N machines: P + N W + X(N)."""
    return p + n * w + 1e3 * (c * (n - 1) * alpha + (n - 1) * s / beta)


def bench(args):
    runs = {(m, c): [] for m in args.models for c in CONFIGS}
    for m in args.models:
        binary = os.path.join(args.build_dir, m)
        if not os.access(binary, os.X_OK):
            raise BenchError(f"no binary at {binary}: build seqcc (cmake --build build)")
    for r in range(args.repeat):
        for m in args.models:
            binary = os.path.join(args.build_dir, m)
            steps = args.steps or STEPS_FOR.get(m, 20)
            order = CONFIGS[r % 3:] + CONFIGS[:r % 3]
            for c in order:
                runs[(m, c)].append(run_bench(binary, c, steps))
                print(f"  {m} {c}: {runs[(m, c)][-1]['train_step_ms']:.2f} ms", file=sys.stderr)
    report = {}
    for m in args.models:
        rows = {c: runs[(m, c)] for c in CONFIGS}
        two = rows["2x1"]
        report[m] = {
            "step_ms": {c: stat([x["train_step_ms"] for x in rows[c]]) for c in CONFIGS},
            "exchange_ms": stat([x["exchange_ms"] for x in two]),
            "exchanged_bytes": two[0]["exchanged_bytes"],
            "exchanges": two[0]["exchanges"],
        }
    return report


def print_tables(report):
    print("Training step on this machine (ms, median (min-max)); exchange = the 2 ranks' "
          "time in MPI_Allgather:\n")
    print("| model | 1 process, 1 thread | 1 process, 2 threads | 2 ranks, 1 thread | "
          "2 threads / 2 ranks | exchange ms (share) | MB, collectives a step |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for m, r in report.items():
        s = r["step_ms"]
        ratio = s["1x2"]["median"] / s["2x1"]["median"]
        share = r["exchange_ms"]["median"] / s["2x1"]["median"]
        print(f"| {m} | {cell(s['1x1'])} | {cell(s['1x2'])} | {cell(s['2x1'])} | {ratio:.2f}x | "
              f"{cell(r['exchange_ms'], '{:.3f}')} ({100 * share:.0f}%) | "
              f"{r['exchanged_bytes'] / 1e6:.2f}, {r['exchanges']} |")
    print("\nModelled: N machines, one rank each, each the spec's batch (bench/bench_mpi.py's "
          "docstring); speedup over one machine (efficiency):\n")
    head = " | ".join(f"{n} ({net})" for net, _, _ in NETWORKS for n in MACHINES)
    print(f"| model | P ms | W ms | {head} |")
    print("|---|---:|---:|" + "---:|" * (len(NETWORKS) * len(MACHINES)))
    for m, r in report.items():
        s = r["step_ms"]
        t1, t2, x = s["1x1"]["median"], s["2x1"]["median"], r["exchange_ms"]["median"]
        p, w = split_work(t1, t2, x)
        cells = []
        for _, alpha, beta in NETWORKS:
            for n in MACHINES:
                speedup = n * t1 / step_on(n, p, w, r["exchanges"], r["exchanged_bytes"], alpha, beta)
                cells.append(f"{speedup:.1f}x ({100 * speedup / n:.0f}%)")
        print(f"| {m} | {p:.1f} | {w:.1f} | " + " | ".join(cells) + " |")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default=",".join(MODELS), type=lambda t: t.split(","),
                   help="comma-separated seed models (default: %(default)s)")
    p.add_argument("--repeat", type=int, default=3, help="rounds of the three configurations")
    p.add_argument("--steps", type=int, default=None, help="timed steps a run (default: per model)")
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        report = bench(args)
    except BenchError as e:
        print(f"bench_mpi: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_tables(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
