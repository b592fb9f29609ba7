#!/usr/bin/python3
"""bench_models.py: seqcc against PyTorch and oneDNN on the seed models, and compile time.

For each model (default: the eight recurrent seed models of MODELS below;
--models takes any spec of specs/ or tests/specs/ that scripts/torch_parity.py
models, series too, but not global pooling yet) and each thread
count (default 1 and 2), in one run, seqcc, PyTorch and oneDNN take turns,
each in a child process of its own, on the same model, shapes and thread
count:

  - seqcc: `build/NAME bench --threads N --steps S` (random ids, the spec's
    batch and seq_len, Adam; it prints one JSON line);
  - PyTorch: the same model built from the spec by scripts/torch_parity.py
    (read_spec, spec_layers, build_model; random parameters), dropout on as
    in training, the spec's loss, Adam with the spec's lr and clipnorm, on
    the CPU with torch.set_num_threads(N) and OMP_NUM_THREADS and
    OPENBLAS_NUM_THREADS set to N (Debian's torch calls an OpenBLAS that
    set_num_threads leaves alone), and whatever --torch-env adds. A stateful
    char-lm starts each batch from zero states (the same work as carrying
    them). PyTorch at 2 threads is sensitive to load: libgomp's waiting
    threads spin, and with another process on a core its step was 7x slower
    (imdb_lstm: 171 ms against 25 ms with --torch-env OMP_WAIT_POLICY=PASSIVE,
    and 24 ms at 1 thread); measure on a quiet machine, or say which;
  - oneDNN: bench/onednn_rnn.c, compiled on the fly (`CC -O2 -std=c11
    bench/onednn_rnn.c -ldnnl -lm`) when dnnl.h is found (Debian's
    libdnnl-dev, oneDNN 2.6), times oneDNN's training primitives on the
    model's recurrent layers alone: vanilla_lstm, lbr_gru (Keras'
    reset_after=True, seqcc's GRU) and vanilla_rnn (tanh), f32, each layer
    its own primitive, chained as in the spec (the batch, the steps that
    reach the first one after any conv1d or pooling, the features that
    reach it, units, directions, return_sequences), forward_training then
    backward with the weight gradients, --threads N and OMP_NUM_THREADS=N;
    nothing else of the model (embedding, convolutions, dense layers, loss,
    optimizer). Its initial states and the gradients reaching its final
    states are explicit zeros: oneDNN 2.6.3 gets diff_weights_iter wrong for
    a unidirectional LSTM (and vanilla RNN) when they are left NULL. Before
    anything is timed, `onednn_rnn --check` compares its dst_layer and
    gradients with a double-precision reference on small stacks of every
    cell; a failing check stops the oneDNN column with an error (n/a in the
    tables, the error on stderr and in --json, exit status 1) rather than
    timing wrong code. Without dnnl.h the column is n/a and a note says that
    libdnnl-dev is missing; a model without recurrent layers (or whose
    recurrent layers are not one stack over the same steps) shows "-".

What is timed, seqcc and PyTorch alike (5 training steps and 20 predictions of
warm-up first, as `NAME bench` does):

  - a training step: forward, backward, optimizer (ms; the ratio is
    PyTorch / seqcc, above 1 when seqcc is faster), and the GFLOP/s this
    makes of the step's FLOPs, also as a share of the 1-core fp32 peak
    times the thread count; beside it oneDNN's time for the recurrent
    layers (5 steps of warm-up too) and "seqcc step vs oneDNN", oneDNN's ms
    / seqcc's step ms: above 1 when seqcc's whole step is faster than
    oneDNN's recurrent layers alone;
  - a batch-1 prediction, 10 per training step: a whole example of a
    classifier (seqcc's predict pass; PyTorch in eval mode under
    torch.inference_mode(), the last sigmoid or softmax applied); for a
    char-lm one step of sampling: one character in, the states carried, the
    next drawn from the softmax and fed back (seqcc as `NAME sample`;
    PyTorch stepping its nn.LSTM/GRU modules with their state, then
    torch.multinomial);
  - the peak resident memory of each child, its own VmHWM (Linux's ru_maxrss
    would count this script's Python too); PyTorch's includes `import torch`,
    reported apart in --json.

Each (model, threads) pair runs --repeat times, the sides taking turns at
going first, so that background load falls on all alike; tables show
the median and (min-max). Then, per model (these do not depend on threads):
the lines of the generated C (build/gen/NAME/*.c and *.h, the C the binary was
built from; else generated/NAME/) and the CPU seconds of compiling NAME.c once
per precision as cmake/SeqccModel.cmake does (-O2 -ffp-contract=off
-std=c11 -fPIC; f64 with -DSEQ_REAL_DOUBLE).

The machine's 1-core fp32 peak comes from bench/peak_flops.c (a
register-blocked FMA loop, AVX2 and AVX-512 when present), compiled on the fly
and run at the start and at the end of the run (the larger counts); the
OpenBLAS 1-thread sgemm rate on 2048^3 (bench/bench_imdb_lstm.py's probe) is
shown beside it.

FLOPs of a training step: the matrix products (and convolutions) only; the
gate nonlinearities, pooling, the loss and Adam's elementwise updates are
left out (a few percent). With B the batch, T the steps reaching the layer,
F its input features, an FMA counted as 2 FLOPs, the forward pass:

  lstm, gru, rnn   2 * B * T * D * (F + H) * G * H   (D directions, H units,
                   G gates: 4 lstm, 3 gru, 1 rnn; the input and the
                   recurrent product of every step)
  dense            2 * B * F * U, times T when time_distributed (U units)
  conv1d           2 * B * T_out * K * F * filters    (K the kernel size;
                   T_out = T, or T - K + 1 when padding is valid)
  conv2d           2 * B * T_out * W_out * kh * kw * C * filters  (an image of
                   W columns and C channels; the embedding plane: W = F, C = 1)
  char_cnn         2 * B * T * L_out * K * E * filters   (L_out the positions
                   along a word of word_len characters, E the char embedding)
  embedding, maxpool, dropout, reshape: 0

and the step is 3 times the forward pass (the forward product, the
gradient of its input and that of its weights, each the same size; the first
layer's input gradient is needed too, for the embedding's). A prediction is
the forward pass with B = 1 (a char-lm's: B = 1, T = 1).

    /usr/bin/python3 bench/bench_models.py                  # every model, 1 and 2 threads
    /usr/bin/python3 bench/bench_models.py --models imdb_lstm,shakespeare_charlm \\
        --threads 1 --steps 5 --repeat 1
    /usr/bin/python3 bench/bench_models.py --compile-scaling [--seq-lens 128,512,1024]
    /usr/bin/python3 bench/bench_models.py --all            # both, one command

--compile-scaling times, for a spec of two bidirectional LSTM 64 layers
(specs/imdb_bilstm2.yaml, or --scaling-spec) at each of --seq-lens (default
128, 512, 1024, 2048, 4096; 4096 takes minutes), YAML to a linked binary,
both precisions, one step at a time: seqcc, cc of NAME.c in f32 and in f64,
then NAME_info.c, NAME_main.c and the link; CPU seconds each (user + sys of
the child), the lines and bytes generated, and the total per 1,000 steps.

Output: markdown tables (for the README); --json prints one JSON object
instead, --json-file PATH writes it besides. Without PyTorch only the seqcc
side is reported and the exit status is still 0. Needs python3-yaml and
python3-numpy (the spec is read by scripts/torch_parity.py); PyTorch
(python3-torch) for the other side.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "scripts"))

import bench_imdb_lstm as imdb  # noqa: E402  (run_child, last_json_line, sgemm_rate)

BenchError = imdb.BenchError
try:
    import torch_parity as tp  # noqa: E402
except SystemExit:  # it exits when numpy is missing, having said so
    raise SystemExit("bench_models: needs python3-numpy and python3-yaml "
                     "(run it with /usr/bin/python3)")

MODELS = ("imdb_lstm", "imdb_gru", "imdb_bilstm2", "imdb_cnn_lstm", "imdb_conv2d_lstm",
          "imdb_sentiment_rnn", "charword_cnn_lstm", "shakespeare_charlm")
SEQ_LENS = (128, 512, 1024, 2048, 4096)
TORCH_MISSING = imdb.TORCH_MISSING
TRAIN_WARMUP, PREDICT_WARMUP, PREDICTS_PER_STEP = 5, 20, 10  # as `NAME bench`
AUTO_SECONDS, AUTO_GFLOPS, AUTO_MIN, AUTO_MAX = 2.0, 40.0, 10, 200
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
# the flags cmake/SeqccModel.cmake compiles the generated passes with (warnings aside)
CC_FLAGS = ["-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O2", "-fPIC", "-ffp-contract=off"]
SANITIZE_FLAGS = ["-fsanitize=address,undefined"]  # as CMakeLists.txt's SEQCC_SANITIZE


# ---- the model: spec, shapes, FLOPs ----------------------------------------------

class Model:
    """A seed or test model: its spec, layers, binary and step FLOPs."""

    def __init__(self, name, build_dir):
        self.name = name
        found = [os.path.join(REPO, d, name + ".yaml") for d in ("specs", "tests/specs")]
        found = [p for p in found if os.path.exists(p)]
        if not found:
            raise BenchError(f"no spec specs/{name}.yaml or tests/specs/{name}.yaml")
        self.spec_path = found[0]
        try:
            self.spec = tp.read_spec(self.spec_path, {})
            self.layers = tp.spec_layers(self.spec, self.spec_path)
            self.tensors = tp.expected_tensors(self.layers, self.spec, self.spec_path)
        except tp.InputError as e:
            raise BenchError(f"{e} (scripts/torch_parity.py builds the PyTorch side and does "
                             "not know this model)") from None
        data, inp = self.spec.get("data") or {}, self.spec.get("input") or {}
        self.char_lm = data.get("kind") == "char-lm"
        self.series = data.get("kind") == "series"  # windows of values, no embedding
        columns = data.get("columns")
        self.n_features = (len(columns) if isinstance(columns, list) else 1) if self.series \
            else None
        self.batch, self.seq_len = inp.get("batch", 32), inp.get("seq_len")
        self.word_len = inp.get("word_len")
        opt = self.spec.get("optimizer") or {}
        self.optimizer = opt.get("type", "adam") if isinstance(opt, dict) else opt
        self.lr = opt.get("lr", 1e-3) if isinstance(opt, dict) else 1e-3
        self.clipnorm = opt.get("clipnorm") if isinstance(opt, dict) else None
        sub = "tests" if os.path.dirname(self.spec_path).endswith("tests/specs") else ""
        self.binary = os.path.join(build_dir, sub, name)
        self.gen_dir = next((d for d in (os.path.join(build_dir, "gen", name),
                                         os.path.join(REPO, "generated", name))
                             if os.path.isfile(os.path.join(d, name + ".c"))), None)
        self.recurrent = []  # (layer, steps, input features) of each lstm, gru, rnn
        self.train_flops = 3 * self.forward_flops(self.batch, self.seq_len, self.recurrent)
        self.predict_flops = self.forward_flops(1, 1 if self.char_lm else self.seq_len)
        self.onednn = self.onednn_stack()

    def onednn_stack(self):
        """(--seq, --layer arguments) of bench/onednn_rnn.c for the recurrent layers; None
        without any, or when they are not one stack (each fed by the one before, over the
        same steps) that one oneDNN run can time."""
        if not self.recurrent:
            return None
        steps, below, layers = self.recurrent[0][1], None, []
        for l, T, F in self.recurrent:
            if T != steps or (below and F != below.dirs * below.units):
                return None
            layers.append(f"{l.kind}:{F}:{l.units}:{l.dirs}" + ("" if l.sequences else ":last"))
            below = l
        return steps, layers

    def forward_flops(self, B, T, recurrent=None):
        """The forward pass's matrix-product FLOPs (the module docstring's formulas);
        RECURRENT, a list, gets each recurrent layer's (layer, T, F)."""
        total, F, image = 0, self.n_features, None
        for l in self.layers:
            if l.kind == "embedding":
                F = l.output_dim
            elif l.kind == "char_cnn":
                L = self.word_len if l.same else self.word_len - l.kernel_size + 1
                total += 2 * B * T * L * l.kernel_size * l.char_dim * l.filters
                F += l.filters
            elif l.kind == "conv1d":
                T = T if l.same else T - l.kernel_size + 1
                total += 2 * B * T * l.kernel_size * F * l.filters
                F = l.filters
            elif l.kind == "maxpool1d":
                T //= l.pool_size
            elif l.kind == "conv2d":
                (kh, kw), (W, C) = l.kernel_size, image or (F, 1)
                T, W = (T, W) if l.same else (T - kh + 1, W - kw + 1)
                total += 2 * B * T * W * kh * kw * C * l.filters
                image = (W, l.filters)
            elif l.kind == "maxpool2d":
                T, image = T // l.pool_size[0], (image[0] // l.pool_size[1], image[1])
            elif l.kind == "reshape_to_sequence":
                F, image = image[0] * image[1], None
            elif l.kind in GATES:
                if recurrent is not None:
                    recurrent.append((l, T, F))
                total += 2 * B * T * l.dirs * (F + l.units) * GATES[l.kind] * l.units
                F = l.dirs * l.units
            elif l.kind == "dense":
                total += 2 * B * (T if l.time_distributed else 1) * F * l.units
                F = l.units
            elif l.kind != "dropout":
                raise BenchError(f"{self.spec_path}: no FLOP count for layer kind {l.kind}")
        return total


# ---- the PyTorch side (a child process: this script with --torch-child) ----------

def torch_child(name, build_dir, threads, steps):
    try:
        import torch
        from torch import nn
    except ImportError as e:
        print(f"import torch: {e}", file=sys.stderr)
        return TORCH_MISSING
    import numpy as np
    import_rss_mb = peak_rss_mb()
    torch.set_num_threads(threads)
    torch.manual_seed(7)
    m = Model(name, build_dir)
    rng = np.random.default_rng(7)
    for _, shape, layer, suffix in m.tensors:
        layer.tensors[suffix] = (0.05 * rng.standard_normal(shape)).astype(np.float32)
    acts = tp.activations_from_spec(m.layers, m.spec_path)
    loss_kind, _ = tp.loss_of(m.spec, m.spec_path)
    model = tp.build_model(torch, m.layers, acts, torch.float32)
    for i, layer in enumerate(m.layers):  # build_model's dropout is the identity (for grads)
        if layer.kind == "dropout":
            model[i] = nn.Dropout(layer.rate or 0.0)

    B, T = m.batch, m.seq_len
    ids = (torch.randn(B, T, m.n_features) if m.series  # a series: values, not ids
           else torch.randint(0, m.tensors[0][1][0], (B, T)))
    lengths = torch.full((B,), T, dtype=torch.int64)
    char_cnn = [l for l in m.layers if l.kind == "char_cnn"]
    chars = (torch.randint(0, char_cnn[0].char_vocab_size, (B, T, m.word_len))
             if char_cnn else None)
    classes = m.layers[-1].units
    if loss_kind == "binary_crossentropy":
        targets = torch.randint(0, 2, (B,)).float()
        loss_fn = nn.BCEWithLogitsLoss()
    elif loss_kind == "mse":
        targets = torch.randn(B)
        loss_fn = nn.MSELoss()
    else:
        targets = torch.randint(0, classes, (B, T) if m.char_lm else (B,))
        ce = nn.CrossEntropyLoss()
        loss_fn = lambda z, y: ce(z.reshape(-1, classes), y.reshape(-1))  # noqa: E731
    if m.optimizer != "adam":
        raise BenchError(f"{m.spec_path}: optimizer {m.optimizer}: this script times adam")
    optimizer = torch.optim.Adam(model.parameters(), lr=m.lr)

    def train_step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(ids, lengths, chars), targets).backward()
        if m.clipnorm:
            nn.utils.clip_grad_norm_(model.parameters(), m.clipnorm)
        optimizer.step()

    model.train()
    for _ in range(TRAIN_WARMUP):
        train_step()
    t0 = time.perf_counter()
    for _ in range(steps):
        train_step()
    train_s = (time.perf_counter() - t0) / steps

    model.eval()
    final = acts[-1]
    if m.char_lm:
        stages, state = list(model), [None] * len(model)
        next_id = torch.zeros((1, 1), dtype=torch.int64)

        def predict(i):  # one step of sampling: a character in, the next drawn
            nonlocal next_id
            x = next_id
            for k, stage in enumerate(stages):
                if hasattr(stage, "cell"):  # torch_parity's Recurrent: step its nn.LSTM/GRU
                    x, state[k] = stage.cell(x, state[k])
                else:
                    x = stage(x)
            next_id = torch.multinomial(torch.softmax(x.reshape(-1), 0), 1).reshape(1, 1)
    else:
        def predict(i):
            b = i % B
            z = model(ids[b:b + 1], lengths[b:b + 1],
                      None if chars is None else chars[b:b + 1])
            return (torch.sigmoid(z) if final == "sigmoid"
                    else torch.softmax(z, -1) if final == "softmax" else z)
    reps = steps * PREDICTS_PER_STEP
    with torch.inference_mode():
        for i in range(PREDICT_WARMUP):
            predict(i)
        t0 = time.perf_counter()
        for i in range(reps):
            predict(i)
        predict_s = (time.perf_counter() - t0) / reps

    print(json.dumps({"version": torch.__version__, "train_step_ms": 1e3 * train_s,
                      "predict_ms": 1e3 * predict_s, "import_rss_mb": import_rss_mb,
                      "max_rss_mb": peak_rss_mb()}))
    return 0


# ---- children ------------------------------------------------------------------------

def run_timed(argv, env=None):
    """(exit status, stdout+stderr, CPU seconds user + sys) of ARGV run to completion."""
    with tempfile.TemporaryFile() as out:
        try:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env)
        except OSError as e:
            raise BenchError(f"cannot run {argv[0]}: {e.strerror}") from None
        _, status, usage = os.wait4(proc.pid, 0)
        out.seek(0)
        return (os.waitstatus_to_exitcode(status), out.read().decode(errors="replace"),
                usage.ru_utime + usage.ru_stime)


def peak_rss_mb():
    """This process's peak resident memory (VmHWM): Linux's ru_maxrss would also
    count what the parent, this script, had resident when the child started."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_seqcc(m, threads, steps):
    """`NAME bench`'s figures; its peak RSS is its own report (VmHWM), for the reason
    peak_rss_mb gives."""
    argv = [m.binary, "bench", "--threads", str(threads), "--steps", str(steps)]
    rc, out, err, _ = imdb.run_child(argv)
    if rc != 0:
        raise BenchError(f"{' '.join(argv)} exited with status {rc}:\n"
                         f"{err or out or '(no output)'}")
    r = imdb.last_json_line(out, f"{m.binary} bench")
    want = "sampled_char" if m.char_lm else "example"
    if r.get("predict_kind", want) != want:
        raise BenchError(f"{m.binary} bench times predict_kind {r['predict_kind']}; this script "
                         f"expected {want} for {m.spec_path}")
    return {"train_step_ms": r["train_step_ms"], "predict_ms": r["predict_ms"],
            "max_rss_mb": r["max_rss_mb"]}


def run_torch(m, build_dir, threads, steps, extra_env):
    """The PyTorch figures, or why torch does not import (a string)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               **extra_env)
    rc, out, err, _ = imdb.run_child(
        [sys.executable, os.path.abspath(__file__), "--torch-child", m.name,
         "--build-dir", build_dir, "--threads", str(threads), "--steps", str(steps)], env=env)
    if rc == TORCH_MISSING:
        return err.strip()
    if rc != 0:
        raise BenchError(f"the PyTorch child ({m.name}, {threads} threads) exited with "
                         f"status {rc}:\n{err or out or '(no output)'}")
    return imdb.last_json_line(out, "the PyTorch child")


def run_onednn(exe, m, threads, steps):
    """bench/onednn_rnn's figures for M's recurrent layers (the mean of its timed steps, as
    the other sides report theirs)."""
    seq, layers = m.onednn
    argv = [exe, "--batch", str(m.batch), "--seq", str(seq), "--threads", str(threads),
            "--steps", str(steps), "--warmup", str(TRAIN_WARMUP)]
    for layer in layers:
        argv += ["--layer", layer]
    rc, out, err, _ = imdb.run_child(argv, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    if rc != 0:
        raise BenchError(f"{' '.join(argv)} exited with status {rc}:\n"
                         f"{err or out or '(no output)'}")
    r = imdb.last_json_line(out, "bench/onednn_rnn")
    if r["threads"] != threads:
        raise BenchError(f"bench/onednn_rnn ran {r['threads']} threads, not {threads}")
    return {"rnn_layers_ms": r["mean"], "rnn_layers_gflop": r["step_gflop"],
            "version": r["onednn"]}


# ---- the oneDNN peer: bench/onednn_rnn.c ------------------------------------------------

def onednn_probe(cc, tmp):
    """{"exe": the built bench/onednn_rnn.c, "check": its summary} once `--check` passed;
    else {"missing": why} without dnnl.h, or {"error": why} when it does not build or
    its check fails (then nothing of oneDNN is timed)."""
    try:
        found = subprocess.run([cc, "-E", "-x", "c", "-"], capture_output=True, text=True,
                               input="#include <dnnl.h>\n#if defined DNNL_VERSION_MAJOR "
                                     "&& DNNL_VERSION_MAJOR != 2\n#error not oneDNN 2\n#endif\n")
    except OSError as e:
        return {"error": f"cannot run {cc}: {e.strerror}"}
    if found.returncode != 0:
        return {"missing": "dnnl.h is not oneDNN 2.x's, whose C API bench/onednn_rnn.c uses"
                if "not oneDNN 2" in found.stderr
                else f"libdnnl-dev is missing (no dnnl.h for {cc})"}
    exe = os.path.join(tmp, "onednn_rnn")
    proc = subprocess.run([cc, "-O2", "-std=c11", os.path.join(HERE, "onednn_rnn.c"),
                           "-ldnnl", "-lm", "-o", exe], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": "cannot build bench/onednn_rnn.c: "
                         + (proc.stderr or proc.stdout).strip()[:1000]}
    rc, out, err, _ = imdb.run_child([exe, "--check"])
    if rc != 0:
        return {"error": f"bench/onednn_rnn --check failed (status {rc})\n"
                         + (err or out or "(no output)").strip()[:3000]}
    return {"exe": exe, "check": out.strip()}


# ---- the machine: peak FLOP/s ---------------------------------------------------------

def peak_probe(cc, tmp):
    """The built bench/peak_flops.c, or {"error": why}."""
    exe = os.path.join(tmp, "peak_flops")
    try:
        proc = subprocess.run([cc, "-std=c11", "-O2", os.path.join(HERE, "peak_flops.c"),
                               "-o", exe], capture_output=True, text=True)
    except OSError as e:
        return {"error": f"cannot run {cc}: {e.strerror}"}
    if proc.returncode != 0:
        return {"error": "cannot build bench/peak_flops.c: "
                         + (proc.stderr or proc.stdout).strip()[:500]}
    return exe


def run_peak(exe):
    if isinstance(exe, dict):
        return exe
    rc, out, err, _ = imdb.run_child([exe, "0.5"])
    if rc != 0:
        return {"error": f"bench/peak_flops exited with status {rc}: {err.strip()}"}
    return imdb.last_json_line(out, "bench/peak_flops")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# ---- generated C and compile time ------------------------------------------------------

def count_lines(folder, names):
    lines = size = 0
    for f in names:
        with open(os.path.join(folder, f), "rb") as fh:
            text = fh.read()
        lines += text.count(b"\n")
        size += len(text)
    return lines, size


def compile_pass(cc, gen, name, double, out_dir):
    """CPU seconds of compiling GEN/NAME.c as the build does, in f32 or f64."""
    argv = [cc] + CC_FLAGS + (["-DSEQ_REAL_DOUBLE"] if double else []) + [
        "-I", gen, "-I", os.path.join(REPO, "runtime"), "-c", os.path.join(gen, name + ".c"),
        "-o", os.path.join(out_dir, name + ("_f64" if double else "_f32") + ".o")]
    rc, out, cpu = run_timed(argv)
    if rc != 0:
        raise BenchError(f"{' '.join(argv)} failed:\n{out.strip()[:2000]}")
    return cpu


def generated_c(m, cc, compile_too):
    if not m.gen_dir:
        raise BenchError(f"no generated C for {m.name} in build/gen/ or generated/; build it")
    files = sorted(f for f in os.listdir(m.gen_dir) if f.endswith((".c", ".h")))
    lines, size = count_lines(m.gen_dir, files)
    r = {"dir": os.path.relpath(m.gen_dir, REPO), "files": files, "lines": lines, "bytes": size}
    if compile_too:
        with tempfile.TemporaryDirectory() as tmp:
            r["compile_f32_s"] = compile_pass(cc, m.gen_dir, m.name, False, tmp)
            r["compile_f64_s"] = compile_pass(cc, m.gen_dir, m.name, True, tmp)
    return r


# ---- compile scaling -------------------------------------------------------------------

def link_flags(build_dir):
    """The libraries a model binary links beside libseqrt and libsequtil: OpenBLAS,
    protobuf-c (a build with ONNX, SEQCC_ONNX), libdl."""
    def pkg_libs(name, otherwise):
        flags = subprocess.run(["pkg-config", "--libs", name], capture_output=True,
                               text=True) if shutil.which("pkg-config") else None
        return flags.stdout.split() if flags and flags.returncode == 0 else [otherwise]
    libs = pkg_libs("openblas", "-lopenblas")
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt"), encoding="utf-8") as f:
            if "SEQCC_ONNX:BOOL=ON" in f.read():
                libs += pkg_libs("libprotobuf-c", "-lprotobuf-c")
    except OSError:
        pass
    return libs + ["-ldl"]


def compile_scaling(args):
    import yaml
    seqcc = os.path.join(args.build_dir, "compiler", "seqcc")
    libs = [os.path.join(args.build_dir, "runtime", lib) for lib in ("libseqrt.a",
                                                                     "libsequtil.a")]
    for f in [seqcc] + libs:
        if not os.path.isfile(f):
            raise BenchError(f"no {f}: build seqcc first (cmake --build build)")
    with open(args.scaling_spec) as f:
        base = yaml.safe_load(f)
    rows = []
    with tempfile.TemporaryDirectory(prefix="seqcc-scaling-") as tmp:
        for T in args.seq_lens:
            spec = json.loads(json.dumps(base))
            spec["input"]["seq_len"] = T
            spec["name"] = name = f"{base['name']}_t{T}"
            data = spec.get("data") or {}
            if "path" in data:  # relative to the spec's folder: keep it pointing there
                data["path"] = os.path.normpath(os.path.join(
                    os.path.dirname(os.path.abspath(args.scaling_spec)), data["path"]))
            spec_path, gen = os.path.join(tmp, name + ".yaml"), os.path.join(tmp, name)
            with open(spec_path, "w") as f:
                yaml.safe_dump(spec, f, sort_keys=False)
            row = {"seq_len": T}
            rc, out, row["seqcc_s"] = run_timed([seqcc, spec_path, "-o", gen])
            if rc != 0:
                raise BenchError(f"seqcc {spec_path} failed:\n{out.strip()[:2000]}")
            files = sorted(f for f in os.listdir(gen) if f.endswith((".c", ".h")))
            row["lines"], row["bytes"] = count_lines(gen, files)
            row["main_c_lines"] = count_lines(gen, [name + ".c"])[0]
            row["cc_f32_s"] = compile_pass(args.cc, gen, name, False, gen)
            row["cc_f64_s"] = compile_pass(args.cc, gen, name, True, gen)
            rest = 0.0
            for src in (name + "_info.c", name + "_main.c"):
                argv = [args.cc] + CC_FLAGS + ['-DSEQ_SPEC_DIR="."', "-I", gen, "-I",
                                                os.path.join(REPO, "runtime"), "-c",
                                                os.path.join(gen, src), "-o",
                                                os.path.join(gen, src[:-2] + ".o")]
                rc, out, cpu = run_timed(argv)
                if rc != 0:
                    raise BenchError(f"{' '.join(argv)} failed:\n{out.strip()[:2000]}")
                rest += cpu
            objs = [os.path.join(gen, n + ".o") for n in
                    (name + "_main", name + "_info", name + "_f32", name + "_f64")]
            argv = [args.cc, "-O2"] + objs + ["-o", os.path.join(gen, name)] + libs + \
                link_flags(args.build_dir) + ["-lm"] + [f for f in CC_FLAGS if f in SANITIZE_FLAGS]
            rc, out, cpu = run_timed(argv)
            if rc != 0:
                raise BenchError(f"linking {name} failed:\n{out.strip()[:2000]}")
            row["rest_and_link_s"] = rest + cpu
            rc, out, _ = run_timed([os.path.join(gen, name), "summary"])  # it runs
            if rc != 0:
                raise BenchError(f"the binary built from {spec_path} does not run "
                                 f"`summary`:\n{out.strip()[:2000]}")
            row["total_s"] = (row["seqcc_s"] + row["cc_f32_s"] + row["cc_f64_s"]
                              + row["rest_and_link_s"])
            rows.append(row)
            if not args.json:
                print(f"  seq_len {T}: {row['lines']} lines, {row['total_s']:.1f} s",
                      file=sys.stderr, flush=True)
    return {"spec": os.path.relpath(args.scaling_spec, REPO), "cc": args.cc, "rows": rows}


def print_scaling(s):
    print(f"Compile time: {s['spec']} at each seq_len, YAML to a linked binary with both "
          f"precisions ({s['cc']} {' '.join(CC_FLAGS)}), CPU seconds (user + sys) of each "
          "step run alone")
    print()
    print("| seq_len | generated lines | MB | seqcc s | cc f32 s | cc f64 s | info, main, link s "
          "| total s | total per 1,000 steps |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in s["rows"]:
        print(f"| {r['seq_len']} | {r['lines']:,} | {r['bytes'] / 1e6:.1f} | {r['seqcc_s']:.2f} "
              f"| {r['cc_f32_s']:.1f} | {r['cc_f64_s']:.1f} | {r['rest_and_link_s']:.1f} "
              f"| {r['total_s']:.1f} | {1000 * r['total_s'] / r['seq_len']:.1f} s |")


# ---- the benchmark ----------------------------------------------------------------------

def auto_steps(m):
    """Enough timed steps for about AUTO_SECONDS of seqcc training, guessed from the FLOPs."""
    guess_s = m.train_flops / (AUTO_GFLOPS * 1e9)
    return max(AUTO_MIN, min(AUTO_MAX, round(AUTO_SECONDS / guess_s)))


def summarize(runs, keys=("train_step_ms", "predict_ms", "max_rss_mb")):
    out = {}
    for key in keys:
        values = [r[key] for r in runs]
        out[key] = {"median": statistics.median(values), "min": min(values),
                    "max": max(values), "runs": values}
    return out


def bench(args):
    models = [Model(n, args.build_dir) for n in args.models]
    for m in models:
        if not (os.path.isfile(m.binary) and os.access(m.binary, os.X_OK)):
            raise BenchError(f"no seqcc binary at {m.binary}: build it (cmake -S . -B build "
                             "&& cmake --build build), or pass --build-dir")
    steps = {m.name: args.steps or auto_steps(m) for m in models}
    seq_runs = {(m.name, t): [] for m in models for t in args.threads}
    torch_runs = {(m.name, t): [] for m in models for t in args.threads}
    onednn_runs = {(m.name, t): [] for m in models for t in args.threads}
    torch_missing = None
    sides = ("seqcc", "torch", "onednn")
    with tempfile.TemporaryDirectory() as tmp:
        probe = peak_probe(args.cc, tmp)
        peaks = [run_peak(probe)]
        onednn = onednn_probe(args.cc, tmp)  # its --check, before anything is timed
        if "error" in onednn:
            print(f"bench_models: error: {onednn['error']}", file=sys.stderr)
        elif "missing" in onednn:
            print(f"{onednn['missing']}: the oneDNN column is n/a", file=sys.stderr)
        turn = 0
        for r in range(args.repeat):
            for t in args.threads:
                for m in models:
                    if not args.json:
                        print(f"  run {r + 1}/{args.repeat}, {t} thread{'s' * (t > 1)}: "
                              f"{m.name} ({steps[m.name]} steps)", file=sys.stderr, flush=True)
                    turn += 1  # the sides take turns at going first
                    for side in sides[turn % 3:] + sides[:turn % 3]:
                        if side == "seqcc":
                            seq_runs[m.name, t].append(run_seqcc(m, t, steps[m.name]))
                        elif side == "onednn":
                            if "exe" in onednn and m.onednn:
                                onednn_runs[m.name, t].append(
                                    run_onednn(onednn["exe"], m, t, steps[m.name]))
                        elif not torch_missing:
                            got = run_torch(m, args.build_dir, t, steps[m.name],
                                            args.torch_env)
                            if isinstance(got, str):
                                torch_missing = f"PyTorch not available ({got})"
                                print(torch_missing + ": only seqcc is timed", file=sys.stderr)
                            else:
                                torch_runs[m.name, t].append(got)
        peaks.append(run_peak(probe))
    good = [p for p in peaks if "error" not in p]
    peak = max(good, key=lambda p: p["peak_gflops"]) if good else peaks[0]
    report = {"config": {"models": args.models, "threads": args.threads, "steps": steps,
                         "repeat": args.repeat, "build_dir": args.build_dir, "cc": args.cc,
                         "torch_env": args.torch_env},
              "machine": {"cpu": cpu_name(), "cores": os.cpu_count(), "peak": peak,
                          "peak_runs": peaks, "sgemm_1_thread": imdb.sgemm_rate(args.cc, 1)},
              "pytorch_version": None, "pytorch_missing": torch_missing,
              "onednn": {"version": None, "check": onednn.get("check"),
                         "missing": onednn.get("missing"), "error": onednn.get("error")},
              "results": [], "models": {}}
    peak_1 = peak.get("peak_gflops")
    for t in args.threads:
        for m in models:
            res = {"model": m.name, "threads": t, "batch": m.batch, "seq_len": m.seq_len,
                   "char_lm": m.char_lm, "train_gflop": m.train_flops / 1e9,
                   "predict_mflop": m.predict_flops / 1e6,
                   "seqcc": summarize(seq_runs[m.name, t]), "pytorch": None, "ratios": {}}
            med = res["seqcc"]["train_step_ms"]["median"]
            res["seqcc_gflops"] = m.train_flops / 1e9 / (med / 1e3)
            if peak_1:
                res["seqcc_peak_share"] = res["seqcc_gflops"] / (t * peak_1)
            runs = torch_runs[m.name, t]
            if runs:
                report["pytorch_version"] = runs[0]["version"]
                res["pytorch"] = summarize(runs)
                res["pytorch_import_rss_mb"] = statistics.median(r["import_rss_mb"]
                                                                 for r in runs)
                res["pytorch_gflops"] = (m.train_flops / 1e9
                                         / (res["pytorch"]["train_step_ms"]["median"] / 1e3))
                for key in ("train_step_ms", "predict_ms", "max_rss_mb"):
                    res["ratios"][key] = (res["pytorch"][key]["median"]
                                          / res["seqcc"][key]["median"])
            res["onednn_layers"] = m.onednn and m.onednn[1]  # onednn_rnn's --layer arguments
            res["onednn"] = None
            runs = onednn_runs[m.name, t]
            if runs:
                report["onednn"]["version"] = runs[0]["version"]
                res["onednn"] = summarize(runs, ("rnn_layers_ms",))
                ms = res["onednn"]["rnn_layers_ms"]["median"]
                res["onednn_gflops"] = runs[0]["rnn_layers_gflop"] / (ms / 1e3)
                res["ratios"]["onednn_vs_seqcc_step"] = ms / med
            report["results"].append(res)
    for m in models:
        if not args.json:
            print(f"  generated C of {m.name}" + (", compiling" if args.compile else ""),
                  file=sys.stderr, flush=True)
        report["models"][m.name] = generated_c(m, args.cc, args.compile)
    return report


def cell(stat, fmt):
    if stat["min"] == stat["max"]:
        return fmt.format(stat["median"])
    return f"{fmt.format(stat['median'])} ({fmt.format(stat['min'])}-{fmt.format(stat['max'])})"


def print_tables(report):
    c, mach = report["config"], report["machine"]
    peak, sgemm = mach["peak"], mach["sgemm_1_thread"]
    steps = sorted(set(c["steps"].values()))
    print(f"Measured by bench/bench_models.py: {mach['cpu']}, {mach['cores']} cores; "
          f"PyTorch {report['pytorch_version'] or '(not available)'}; "
          f"median (min-max) of {c['repeat']} interleaved runs, "
          f"{'-'.join(map(str, (steps[0], steps[-1]))) if len(steps) > 1 else steps[0]} "
          "timed training steps each and 10 times as many predictions.")
    if "error" in peak:
        print(f"1-core fp32 peak: not measured ({peak['error']})")
    else:
        print(f"1-core fp32 peak (bench/peak_flops.c): {peak['peak_gflops']:.1f} GFLOP/s "
              f"(AVX2 FMA {peak['avx2_fma_gflops']:.1f}"
              + (f", AVX-512 {peak['avx512_gflops']:.1f}" if peak.get("avx512_gflops") else "")
              + ")" + ("" if "error" in sgemm else
                       f"; OpenBLAS sgemm {sgemm['n']}^3, 1 thread: {sgemm['gflops']:.1f} "
                       "GFLOP/s"))
    if c["torch_env"]:
        print("PyTorch's environment besides OMP_NUM_THREADS and OPENBLAS_NUM_THREADS: "
              + " ".join(f"{k}={v}" for k, v in c["torch_env"].items()))
    if report["pytorch_missing"]:
        print(f"{report['pytorch_missing']}: only seqcc was timed.")
    dnn = report["onednn"]
    if dnn["version"]:
        print(f"oneDNN {dnn['version']} (bench/onednn_rnn.c, its --check passed first): "
              "forward_training + backward with weight gradients of each model's recurrent "
              "layers alone, same shapes and threads; seqcc step vs oneDNN: oneDNN ms / seqcc "
              "step ms, above 1 when seqcc's whole step is faster.")
    elif dnn["missing"] or dnn["error"]:
        print("oneDNN: n/a, " + (dnn["missing"] or "not timed: " + dnn["error"].splitlines()[0]))
    for t in c["threads"]:
        print()
        print(f"**{t} thread{'s' * (t > 1)}.** Training step (ms), its GFLOP/s and share of "
              f"{t} x the 1-core peak; batch-1 prediction (ms; a char-lm: one sampled "
              "character); peak RSS (MB). Ratios: PyTorch / seqcc; seqcc step vs oneDNN: "
              "oneDNN's recurrent layers / seqcc's whole step.")
        print()
        print("| model | batch x seq | GFLOP/step | seqcc step ms | PyTorch step ms | ratio "
              "| oneDNN RNN layers ms | seqcc step vs oneDNN "
              "| seqcc GFLOP/s | % of peak | seqcc predict ms | PyTorch predict ms | ratio "
              "| seqcc RSS MB | PyTorch RSS MB | ratio |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for res in report["results"]:
            if res["threads"] != t:
                continue
            s, p, q = res["seqcc"], res["pytorch"], res["ratios"]

            def torch_cell(key, fmt):
                return cell(p[key], fmt) if p else "-"

            def ratio(key):
                return f"{q[key]:.2f}x" if key in q else "-"

            def onednn_cell(text):  # "-": no recurrent layers; n/a: oneDNN not timed
                return text() if res["onednn"] else "-" if not res["onednn_layers"] else "n/a"
            share = res.get("seqcc_peak_share")
            print(f"| {res['model']} | {res['batch']} x {res['seq_len']} "
                  f"| {res['train_gflop']:.2f} "
                  f"| {cell(s['train_step_ms'], '{:.2f}')} "
                  f"| {torch_cell('train_step_ms', '{:.2f}')} | {ratio('train_step_ms')} "
                  f"| {onednn_cell(lambda: cell(res['onednn']['rnn_layers_ms'], '{:.2f}'))} "
                  f"| {onednn_cell(lambda: ratio('onednn_vs_seqcc_step'))} "
                  f"| {res['seqcc_gflops']:.1f} "
                  f"| {'-' if share is None else f'{100 * share:.0f}%'} "
                  f"| {cell(s['predict_ms'], '{:.3f}')} "
                  f"| {torch_cell('predict_ms', '{:.3f}')} | {ratio('predict_ms')} "
                  f"| {cell(s['max_rss_mb'], '{:.0f}')} "
                  f"| {torch_cell('max_rss_mb', '{:.0f}')} | {ratio('max_rss_mb')} |")
    models = report["models"]
    compiled = any("compile_f32_s" in g for g in models.values())
    print()
    print("**Generated C** (every .c and .h of the model)"
          + (f" and the CPU seconds of `{c['cc']} {' '.join(CC_FLAGS)} -c NAME.c` per "
             "precision, as the build compiles it:" if compiled else ":"))
    print()
    print("| model | generated lines | kB" + (" | compile f32 s | compile f64 s |"
                                              if compiled else " |"))
    print("|---|---:|---:" + ("|---:|---:|" if compiled else "|"))
    for name, g in models.items():
        print(f"| {name} | {g['lines']:,} | {g['bytes'] / 1e3:.0f}"
              + (f" | {g['compile_f32_s']:.2f} | {g['compile_f64_s']:.2f} |"
                 if "compile_f32_s" in g else " |"))


# ---- the command line ---------------------------------------------------------------------

def int_list(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive numbers, got {text!r}")
    return values


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Benchmark seqcc's model binaries against PyTorch on the same models, "
                    "shapes and thread counts; and seqcc's compile time against seq_len.",
        epilog="Figures are medians over --repeat runs; see the script's docstring for what "
               "is timed and how FLOPs are counted.")
    p.add_argument("--models", default=",".join(MODELS),
                   help="comma-separated models (specs/NAME.yaml or tests/specs/NAME.yaml; "
                        "default: %(default)s)")
    p.add_argument("--threads", type=int_list, default=[1, 2],
                   help="thread counts, comma-separated (default 1,2)")
    p.add_argument("--steps", type=int, default=None,
                   help=f"timed training steps per run, 10x as many predictions (default: per "
                        f"model, about {AUTO_SECONDS:g} s of seqcc training, {AUTO_MIN} to "
                        f"{AUTO_MAX})")
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of each side, interleaved; the median is reported (default 3)")
    p.add_argument("--build-dir", default=os.path.join(REPO, "build"),
                   help="the build folder with the model binaries (default: build/)")
    p.add_argument("--cc", default=None,
                   help="the C compiler to time and to build the probes (default: the build's "
                        "CMAKE_C_COMPILER, else $CC, else cc)")
    p.add_argument("--no-compile", dest="compile", action="store_false",
                   help="skip timing the compile of each model's generated C")
    p.add_argument("--compile-scaling", action="store_true",
                   help="only time YAML to binary at each of --seq-lens")
    p.add_argument("--all", action="store_true",
                   help="the benchmark, then --compile-scaling")
    p.add_argument("--seq-lens", type=int_list, default=list(SEQ_LENS),
                   help="seq_len values for --compile-scaling (default "
                        f"{','.join(map(str, SEQ_LENS))})")
    p.add_argument("--scaling-spec", default=os.path.join(REPO, "specs", "imdb_bilstm2.yaml"),
                   help="the spec --compile-scaling varies (default: specs/imdb_bilstm2.yaml, "
                        "two bidirectional LSTM 64 layers)")
    p.add_argument("--torch-env", action="append", default=[], metavar="NAME=VALUE",
                   help="an environment variable for the PyTorch side (repeatable), e.g. "
                        "OMP_WAIT_POLICY=PASSIVE: libgomp's threads spin while they wait, "
                        "which on a loaded machine made PyTorch's 2-thread step 7x slower")
    p.add_argument("--json", action="store_true", help="print one JSON object, no tables")
    p.add_argument("--json-file", help="also write the JSON object to this file")
    p.add_argument("--torch-child", metavar="MODEL", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    for name in ("steps", "repeat"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    args.models = [m.strip() for m in args.models.split(",") if m.strip()]
    env = {}
    for item in args.torch_env:
        name, eq, value = item.partition("=")
        if not eq or not name:
            p.error(f"--torch-env: expected NAME=VALUE, got {item!r}")
        env[name] = value
    args.torch_env = env
    args.build_dir = os.path.abspath(args.build_dir)
    if args.cc is None:
        args.cc = build_cc(args.build_dir) or os.environ.get("CC", "cc")
    if build_cache(args.build_dir, "SEQCC_SANITIZE") in ("ON", "TRUE", "1", "YES"):
        # a sanitizer build's runtime: the model code is built as the build builds it
        CC_FLAGS.extend(SANITIZE_FLAGS)
    return args


def build_cache(build_dir, key):
    """KEY's value in the build's CMakeCache.txt, or None."""
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return line.split("=", 1)[1].strip() or None
    except OSError:
        pass
    return None


def build_cc(build_dir):
    """The C compiler the build was configured with, or None."""
    return build_cache(build_dir, "CMAKE_C_COMPILER")


def main(argv=None):
    args = parse_args(argv)
    if args.torch_child:
        try:
            return torch_child(args.torch_child, args.build_dir, args.threads[0], args.steps)
        except BenchError as e:
            print(f"bench_models (PyTorch child): error: {e}", file=sys.stderr)
            return 1
    report = {}
    try:
        if not args.compile_scaling:
            report = bench(args)
        if args.compile_scaling or args.all:
            report["compile_scaling"] = compile_scaling(args)
    except BenchError as e:
        print(f"bench_models: error: {e}", file=sys.stderr)
        return 1
    if args.json_file:
        with open(args.json_file, "w") as f:
            json.dump(report, f)
            f.write("\n")
    if args.json:
        print(json.dumps(report))
        return onednn_failed(report)
    if "results" in report:
        print_tables(report)
    if "compile_scaling" in report:
        if "results" in report:
            print()
        print_scaling(report["compile_scaling"])
    return onednn_failed(report)


def onednn_failed(report):
    """1 (having said why) when bench/onednn_rnn did not build or its --check failed."""
    error = (report.get("onednn") or {}).get("error")
    if error:
        print(f"bench_models: error: {error.splitlines()[0]}; the oneDNN column is n/a",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
