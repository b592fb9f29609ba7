#!/usr/bin/python3
"""torch_parity.py: check seqcc's gradients against PyTorch autograd.

An independent check of the generated backward pass. The model is rebuilt in
PyTorch from the checkpoint's parameters (Keras layouts mapped to PyTorch's),
the loss and every parameter gradient are computed by autograd on the batch
that `MODEL grads` wrote, and both are compared with seqcc's figures.

    build/imdb_lstm train --out runs/p --max-steps 50
    build/imdb_lstm grads --checkpoint runs/p/checkpoint.safetensors \\
        --split test --out /tmp/grads.safetensors
    /usr/bin/python3 scripts/torch_parity.py runs/p/checkpoint.safetensors \\
        /tmp/grads.safetensors [--tolerance 1e-4] [--spec specs/imdb_lstm.yaml]

The layers come from the parameter names and shapes, in the order the grads
file lists them: NAME/embeddings is an embedding; NAME/kernel,
recurrent_kernel, bias an LSTM (Keras gate order i, f, g, o, as PyTorch's);
NAME/kernel, bias a dense layer. The activation of each dense layer comes
from --activations (e.g. relu,sigmoid), else from the spec (--spec, or
specs/MODEL.yaml in this checkout; needs python3-yaml). The last dense
layer's sigmoid is folded into the loss: the mean binary cross-entropy from
logits over the first batch/n_valid rows.

A tensor passes when max |seqcc - torch| is within the tolerance relative to
max |torch| of that tensor. Exit status: 0 all within tolerance, 1 some
tensor is not, 2 usage error or unreadable input. Without PyTorch it says so
and exits 0 (skipped), so that a machine without it is not a failure.
"""

import argparse
import hashlib
import json
import os
import struct
import sys

try:
    import numpy as np
except ImportError:
    print("torch_parity: error: numpy is not installed for this Python; run it with "
          "/usr/bin/python3 (python3-numpy, python3-torch)", file=sys.stderr)
    sys.exit(2)

EXIT_OK, EXIT_MISMATCH, EXIT_USAGE = 0, 1, 2
ACTIVATIONS = ("none", "relu", "tanh", "sigmoid")
DTYPES = {"F16": np.float16, "F32": np.float32, "F64": np.float64, "I8": np.int8,
          "I16": np.int16, "I32": np.int32, "I64": np.int64, "U8": np.uint8}


class InputError(Exception):
    """A file or an option we cannot work with; the message says why."""


def read_safetensors(path):
    """Return ({name: array} in data order, metadata) of a safetensors file."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    if len(blob) < 8:
        raise InputError(f"{path}: {len(blob)} bytes, too short for a safetensors file")
    (n,) = struct.unpack("<Q", blob[:8])
    if n > len(blob) - 8:
        raise InputError(f"{path}: header length {n} runs past the end of the file "
                         f"({len(blob)} bytes); not a safetensors file?")
    try:
        header = json.loads(blob[8:8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{path}: the header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise InputError(f"{path}: the header is not a JSON object")
    meta = header.pop("__metadata__", {}) or {}
    data = memoryview(blob)[8 + n:]
    tensors = []
    for name, h in header.items():
        try:
            dtype = np.dtype(DTYPES[h["dtype"]]).newbyteorder("<")
            shape = tuple(int(d) for d in h["shape"])
            begin, end = (int(x) for x in h["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise InputError(f"{path}: tensor '{name}': expected dtype (one of "
                             f"{', '.join(DTYPES)}), shape and data_offsets; got {h}") from None
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= len(data) or end - begin != count * dtype.itemsize:
            raise InputError(f"{path}: tensor '{name}': data_offsets [{begin}, {end}] do not "
                             f"hold {count} x {h['dtype']} within the {len(data)} data bytes")
        array = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
        tensors.append((begin, name, array))
    tensors.sort(key=lambda t: t[0])
    return {name: array for _, name, array in tensors}, meta


# ---- the layers, from the parameters ------------------------------------------

LAYER_TENSORS = {
    ("embeddings",): "embedding",
    ("kernel", "recurrent_kernel", "bias"): "lstm",
    ("kernel", "bias"): "dense",
}


def infer_layers(names, params):
    """[(layer name, type, {suffix: array})] for parameter NAMES, in order."""
    groups = {}
    for name in names:
        layer, sep, suffix = name.rpartition("/")
        if not sep:
            raise InputError(f"parameter '{name}' is not of the form LAYER/TENSOR")
        if name not in params:
            raise InputError(f"the grads file has a gradient for '{name}' but the checkpoint "
                             "has no such parameter; are they from the same model?")
        groups.setdefault(layer, {})[suffix] = params[name]
    layers = []
    for layer, tensors in groups.items():
        kind = next((k for s, k in LAYER_TENSORS.items() if set(s) == set(tensors)), None)
        if kind is None:
            raise InputError(f"layer '{layer}' has tensors {sorted(tensors)}; this script knows "
                             "embedding (embeddings), lstm (kernel, recurrent_kernel, bias) "
                             "and dense (kernel, bias)")
        layers.append((layer, kind, tensors))
    check_chain(layers)
    return layers


def check_chain(layers):
    """The layers must be embedding, lstm..., dense... with matching sizes."""
    kinds = [k for _, k, _ in layers]
    n_lstm, n_dense = kinds.count("lstm"), kinds.count("dense")
    if kinds != ["embedding"] + ["lstm"] * n_lstm + ["dense"] * n_dense or not n_lstm \
            or not n_dense:
        raise InputError(f"layers {' -> '.join(kinds)}: this script checks an embedding, "
                         "then one or more LSTMs, then one or more dense layers")
    features = layers[0][2]["embeddings"].shape[1]
    for name, kind, t in layers[1:]:
        kernel = t["kernel"]
        units = kernel.shape[1] // 4 if kind == "lstm" else kernel.shape[1]
        want = {"kernel": (features, kernel.shape[1]), "bias": (kernel.shape[1],)}
        if kind == "lstm":
            want["recurrent_kernel"] = (units, 4 * units)
        for suffix, shape in want.items():
            if t[suffix].shape != shape:
                raise InputError(f"{name}/{suffix} is {list(t[suffix].shape)}; expected "
                                 f"{list(shape)} after {features} input features")
        features = units
    if features != 1:
        raise InputError(f"the last dense layer has {features} units; binary cross-entropy "
                         "needs 1")


# ---- dense activations ----------------------------------------------------------

def activations_from_option(text, dense_names):
    acts = [a.strip() for a in text.split(",")]
    bad = [a for a in acts if a not in ACTIVATIONS]
    if bad:
        raise InputError(f"--activations: unknown {', '.join(bad)}; expected "
                         f"{', '.join(ACTIVATIONS)}")
    if len(acts) != len(dense_names):
        raise InputError(f"--activations: {len(acts)} given for {len(dense_names)} dense "
                         f"layers ({', '.join(dense_names)})")
    return acts


def activations_from_spec(path, layers, meta):
    """Each dense layer's activation, from the spec's layers[*] (Keras' default names)."""
    try:
        import yaml
    except ImportError:
        raise InputError("python3-yaml is not installed: give the dense activations with "
                         "--activations (e.g. relu,sigmoid)") from None
    try:
        with open(path, "rb") as f:
            raw = f.read()
        spec = yaml.safe_load(raw)
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise InputError(f"{path}: not valid YAML: {e}") from None
    want = meta.get("spec_sha256")
    if want and hashlib.sha256(raw).hexdigest() != want:
        print(f"warning: {path} is not the spec the gradients were computed from "
              "(spec_sha256 differs); using its activations anyway", file=sys.stderr)
    specs = spec.get("layers") if isinstance(spec, dict) else None
    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise InputError(f"{path}: expected a 'layers' list of mappings")
    seen, by_name = {}, {}
    for s in specs:
        kind = str(s.get("type"))
        name = s.get("name")
        if name is None:
            n = seen.get(kind, 0)
            name = kind if n == 0 else f"{kind}_{n}"
            seen[kind] = n + 1
        by_name[str(name)] = s
    acts = []
    for name, kind, _ in layers:
        s = by_name.get(name)
        if s is None or s.get("type") != kind:
            raise InputError(f"{path}: no {kind} layer named '{name}'; is this the spec of "
                             "the checkpoint?")
        if kind == "dense":
            act = str(s.get("activation", "none"))
            if act not in ACTIVATIONS:
                raise InputError(f"{path}: layer '{name}': unknown activation '{act}'")
            acts.append(act)
    return acts


def default_spec(meta):
    model = meta.get("model")
    if not model:
        return None
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "specs",
                        model + ".yaml")
    return os.path.normpath(path) if os.path.exists(path) else None


# ---- the PyTorch model ------------------------------------------------------------

def build_model(torch, layers, acts, dtype):
    """The Keras model in PyTorch, holding the checkpoint's parameters."""
    nn = torch.nn

    def tensor(a):
        return torch.from_numpy(np.array(a)).to(dtype)  # a writable copy

    class Keras(nn.Module):
        def __init__(self):
            super().__init__()
            table = layers[0][2]["embeddings"]
            self.embedding = nn.Embedding(*table.shape).to(dtype)
            self.lstms, self.denses = nn.ModuleList(), nn.ModuleList()
            with torch.no_grad():
                self.embedding.weight.copy_(tensor(table))
                for _, kind, t in layers[1:]:
                    k, b = t["kernel"], t["bias"]
                    if kind == "lstm":
                        cell = nn.LSTM(k.shape[0], k.shape[1] // 4, batch_first=True).to(dtype)
                        cell.weight_ih_l0.copy_(tensor(k.T))
                        cell.weight_hh_l0.copy_(tensor(t["recurrent_kernel"].T))
                        cell.bias_ih_l0.copy_(tensor(b))  # Keras has one bias
                        cell.bias_hh_l0.zero_()
                        self.lstms.append(cell)
                    else:
                        linear = nn.Linear(*k.shape).to(dtype)
                        linear.weight.copy_(tensor(k.T))
                        linear.bias.copy_(tensor(b))
                        self.denses.append(linear)
            self.acts = acts[:-1] + ["none"]  # the last sigmoid is in the loss

        def forward(self, ids):
            x = self.embedding(ids)
            for cell in self.lstms[:-1]:
                x, _ = cell(x)
            _, (h, _) = self.lstms[-1](x)
            x = h[-1]
            for linear, act in zip(self.denses, self.acts):
                x = linear(x)
                if act != "none":
                    x = getattr(torch, act)(x)
            return x.squeeze(-1)

        def keras_grads(self):
            """{parameter name: gradient} in the checkpoint's layouts."""
            out = {f"{layers[0][0]}/embeddings": self.embedding.weight.grad}
            cells, linears = iter(self.lstms), iter(self.denses)
            for name, kind, _ in layers[1:]:
                if kind == "lstm":
                    cell = next(cells)
                    out[f"{name}/kernel"] = cell.weight_ih_l0.grad.T
                    out[f"{name}/recurrent_kernel"] = cell.weight_hh_l0.grad.T
                    out[f"{name}/bias"] = cell.bias_ih_l0.grad
                else:
                    linear = next(linears)
                    out[f"{name}/kernel"] = linear.weight.grad.T
                    out[f"{name}/bias"] = linear.bias.grad
            return {k: v.detach().cpu().double().numpy() for k, v in out.items()}

    return Keras()


# ---- comparison -------------------------------------------------------------------

def compare(ours, ref):
    """(max abs diff, that over max |ref|, max elementwise rel error of the large entries)."""
    diff = np.abs(ours - ref)
    max_abs = float(diff.max()) if diff.size else 0.0
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    rel = max_abs / scale if scale > 0 else max_abs
    big = np.abs(ref) > 1e-3 * scale
    elem = float((diff[big] / np.abs(ref[big])).max()) if scale > 0 and big.any() else 0.0
    return max_abs, scale, rel, elem


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Compare seqcc's loss and gradients (from `MODEL grads`) with PyTorch "
                    "autograd on the same parameters and batch.",
        epilog="exit status: 0 within tolerance, 1 a tensor is not, 2 usage or input error")
    p.add_argument("checkpoint", help="the checkpoint.safetensors the gradients were taken at")
    p.add_argument("grads", help="the file written by `MODEL grads --checkpoint CHECKPOINT`")
    p.add_argument("--entry-tolerance", type=float, default=1e-2,
                   help="largest |seqcc - torch| / |torch| of any entry above 1e-3 max|torch| "
                        "(float32 rounding through 120 steps stays near 1e-4; default %(default)g)")
    p.add_argument("--tolerance", type=float, default=1e-4,
                   help="largest max|diff| / max|grad| of a tensor, and relative loss error "
                        "(default 1e-4)")
    p.add_argument("--spec", help="the model's YAML spec, for the dense activations "
                                  "(default: specs/MODEL.yaml in this checkout)")
    p.add_argument("--activations",
                   help="the dense layers' activations in order, e.g. relu,sigmoid "
                        f"(one of {', '.join(ACTIVATIONS)}); overrides the spec")
    args = p.parse_args(argv)
    if not args.tolerance > 0:
        p.error("--tolerance must be greater than 0")
    return args


def run(args):
    params, _ = read_safetensors(args.checkpoint)
    got, meta = read_safetensors(args.grads)
    for key in ("loss", "batch/ids", "batch/targets", "batch/n_valid"):
        if key not in got:
            raise InputError(f"{args.grads}: no tensor '{key}'; expected the output of "
                             "`MODEL grads`")
    names = [n[len("grad/"):] for n in got if n.startswith("grad/")]
    if not names:
        raise InputError(f"{args.grads}: no grad/* tensors")
    layers = infer_layers(names, params)
    for name in names:
        if got["grad/" + name].shape != params[name].shape:
            raise InputError(f"grad/{name} is {list(got['grad/' + name].shape)} but the "
                             f"parameter is {list(params[name].shape)}")

    dense_names = [n for n, k, _ in layers if k == "dense"]
    if args.activations:
        acts = activations_from_option(args.activations, dense_names)
        source = "--activations"
    else:
        spec = args.spec or default_spec(meta)
        if not spec:
            raise InputError("give --spec or --activations: no specs/MODEL.yaml found for "
                             f"model '{meta.get('model', '?')}'")
        acts = activations_from_spec(spec, layers, meta)
        source = spec
    if acts[-1] not in ("sigmoid", "none"):
        raise InputError(f"the last dense layer's activation is {acts[-1]}; binary "
                         "cross-entropy needs sigmoid (or none, from logits)")

    ids, targets = got["batch/ids"], got["batch/targets"]
    n_valid = int(got["batch/n_valid"])
    if ids.ndim != 2 or targets.shape != ids.shape[:1] or not 0 < n_valid <= len(targets):
        raise InputError(f"{args.grads}: batch/ids {list(ids.shape)}, batch/targets "
                         f"{list(targets.shape)}, n_valid {n_valid} do not fit together")
    vocab = layers[0][2]["embeddings"].shape[0]
    if ids.min() < 0 or ids.max() >= vocab:
        raise InputError(f"{args.grads}: batch/ids run from {ids.min()} to {ids.max()}; "
                         f"the embedding has {vocab} rows")

    try:
        import torch
    except ImportError as e:
        print(f"PyTorch not available ({e}): parity skipped", file=sys.stderr)
        return EXIT_OK
    dtype = torch.float64 if got["loss"].dtype == np.float64 else torch.float32
    model = build_model(torch, layers, acts, dtype)
    logits = model(torch.from_numpy(ids.astype(np.int64)))
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        logits[:n_valid], torch.from_numpy(targets[:n_valid].copy()).to(dtype))
    loss.backward()
    ref = model.keras_grads()

    print(f"{args.grads}: {meta.get('model', '?')}, {meta.get('precision', '?')}, "
          f"{n_valid} of {len(targets)} rows, torch {torch.__version__} in "
          f"{str(dtype).replace('torch.', '')}")
    shown = iter(acts)
    print(" -> ".join(n if k != "dense" else f"{n} ({next(shown)})" for n, k, _ in layers)
          + f"; activations from {source}; the last is folded into the loss")
    print(f"{'tensor':<28} {'shape':<12} {'max|torch|':>11} {'max abs diff':>13} "
          f"{'diff/max':>10} {'max rel*':>10}")
    failures = 0
    seq_loss, torch_loss = float(got["loss"]), float(loss.detach())
    loss_err = abs(seq_loss - torch_loss) / max(abs(torch_loss), 1e-30)
    ok = loss_err <= args.tolerance
    failures += not ok
    print(f"{'loss':<28} {'[]':<12} {torch_loss:>11.6g} {abs(seq_loss - torch_loss):>13.3e} "
          f"{loss_err:>10.2e} {'':>10}{'' if ok else '  FAIL'}")
    for name in names:
        max_abs, scale, rel, elem = compare(got["grad/" + name].astype(np.float64), ref[name])
        ok = rel <= args.tolerance and elem <= args.entry_tolerance
        failures += not ok
        shape = "x".join(str(d) for d in ref[name].shape)
        print(f"{name:<28} {shape:<12} {scale:>11.4e} {max_abs:>13.3e} {rel:>10.2e} "
              f"{elem:>10.2e}{'' if ok else '  FAIL'}")
    print(f"* the largest |seqcc - torch| / |torch| over entries above 1e-3 max|torch|, "
          f"within {args.entry_tolerance:g}")
    if failures:
        print(f"parity FAILED: {failures} of {len(names) + 1} over tolerance {args.tolerance:g}")
        return EXIT_MISMATCH
    print(f"parity passed: loss and {len(names)} gradients within {args.tolerance:g}")
    return EXIT_OK


def main(argv=None):
    args = parse_args(argv)
    try:
        return run(args)
    except InputError as e:
        print(f"torch_parity: error: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
