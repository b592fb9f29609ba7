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

The layers come from the spec (--spec, else specs/MODEL.yaml or
tests/specs/MODEL.yaml in this checkout; needs python3-yaml), and the
parameter names and shapes in both files must be the ones it implies:
embedding (NAME/embeddings); lstm, gru and rnn (SimpleRNN) with NAME/kernel,
recurrent_kernel and bias, under NAME/forward/ and NAME/backward/ when
bidirectional, the two outputs concatenated; conv1d (Conv1D over time,
stride 1) with NAME/kernel [kernel_size, features, filters] and NAME/bias,
padding valid, or same with (kernel_size - 1) // 2 zeros before and the rest
after (Keras' extra zero at the end for an even kernel_size), activation
none, relu, tanh or sigmoid; maxpool1d (MaxPooling1D over time, no
parameters: windows of pool_size steps, stride pool_size, the steps left over
at the end dropped); conv2d (Conv2D over the embedding plane as a one-channel image,
or over an earlier conv2d's or maxpool2d's image, channels last) with
NAME/kernel [kernel steps, kernel width, channels, filters] and NAME/bias,
padding as conv1d's in both directions; maxpool2d (pool_size steps by
columns, stride the pool, what is left over dropped); reshape_to_sequence
(an image's width and channels flattened, channels fastest); char_cnn, right
after the embedding, with NAME/char_embeddings [char_vocab_size,
char_embedding_dim], NAME/kernel [kernel_size, char_embedding_dim, filters]
and NAME/bias: each word's char ids (batch/chars [batch, steps, word_len])
embedded, F.conv1d along the word (padding as conv1d's), the activation,
the maximum over the word, concatenated after the word embedding; dropout (no
parameters, the identity here, as `grads` runs without it); dense
(NAME/kernel, bias). A masked layer after a layer
that shortens the sequence (valid conv1d, maxpool1d) is not checked.
Keras' gate orders are mapped to PyTorch's: LSTM (i, f, g, o) is the same,
GRU (z, r, h) becomes (r, z, n) with its [input; recurrent] bias as
bias_ih and bias_hh (both reset_after), and LSTM and SimpleRNN have one bias
(bias_hh = 0); a Conv1D kernel becomes F.conv1d's [filters, features,
kernel_size] on [batch, features, steps]. --activations (e.g. relu,sigmoid)
overrides the spec's dense activations. The last dense layer's sigmoid is
folded into the loss (with from_logits it has none): the mean binary
cross-entropy from logits over the first batch/n_valid rows.

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
ACTIVATIONS = ("none", "relu", "tanh", "sigmoid", "softmax")
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


# ---- the layers, from the spec --------------------------------------------------

GATES = {"lstm": 4, "gru": 3, "rnn": 1}  # gate blocks per unit
# Keras' gate blocks in PyTorch's order: GRU (z, r, h) -> (r, z, n)
TORCH_BLOCKS = {"lstm": (0, 1, 2, 3), "gru": (1, 0, 2), "rnn": (0,)}
KERAS_CLASSES = {"embedding": "Embedding", "lstm": "LSTM", "gru": "GRU", "rnn": "SimpleRNN",
                 "conv1d": "Conv1D", "maxpool1d": "MaxPooling1D", "conv2d": "Conv2D",
                 "maxpool2d": "MaxPooling2D", "reshape_to_sequence": "Reshape",
                 "char_cnn": "CharCNN", "dropout": "Dropout", "dense": "Dense"}
# the positive integers each kind must have (pool_size is 2 when not given)
SIZES = {"embedding": ("output_dim",), "conv1d": ("filters", "kernel_size"),
         "maxpool1d": (), "conv2d": ("filters",), "maxpool2d": (), "reshape_to_sequence": (),
         "char_cnn": ("char_vocab_size", "char_embedding_dim", "filters", "kernel_size"),
         "dropout": ()}  # the rest: units
PAIRS = ("conv2d", "maxpool2d")  # kernel_size and pool_size: n or [steps, width]
CONV_ACTIVATIONS = ("none", "relu", "tanh", "sigmoid")
PADDINGS = ("valid", "same")
DIRECTIONS = {1: ("",), 2: ("forward/", "backward/")}  # the tensor name prefixes


def pair(v):
    """A size in steps and width: n or [steps, width]."""
    return tuple(v) if isinstance(v, list) else (v, v)


class Layer:
    """One layer of the spec; tensors gets its parameters from the checkpoint."""

    def __init__(self, number, name, kind, fields):
        self.number, self.name, self.kind = number, name, kind
        self.units = fields.get("units")
        self.output_dim = fields.get("output_dim")
        self.input_dim = fields.get("input_dim")
        self.dirs = 2 if fields.get("bidirectional") else 1
        self.sequences = bool(fields.get("return_sequences"))
        self.masked = bool(fields.get("masked"))
        self.act = fields.get("activation", "none")
        self.time_distributed = bool(fields.get("time_distributed"))
        self.rate = fields.get("rate")
        self.filters = fields.get("filters")
        self.kernel_size = fields.get("kernel_size")
        self.same = fields.get("padding", "valid") == "same"
        self.pool_size = fields.get("pool_size", 2)
        self.char_vocab_size = fields.get("char_vocab_size")
        self.char_dim = fields.get("char_embedding_dim")
        if kind in PAIRS:  # [steps, width]
            self.kernel_size, self.pool_size = pair(self.kernel_size), pair(self.pool_size)
        self.tensors = {}

    def describe(self, act=None):
        """e.g. "gru 64, 2 directions, sequences"; ACT replaces a dense layer's own."""
        if self.kind in GATES:
            return (f"{self.kind} {self.units}" + (", 2 directions" if self.dirs == 2 else "")
                    + (", sequences" if self.sequences else ""))
        return {"embedding": f"embedding {self.output_dim}",
                "conv1d": f"conv1d {self.filters} x {self.kernel_size}, "
                          f"{'same' if self.same else 'valid'}, {self.act}",
                "maxpool1d": f"maxpool1d {self.pool_size}",
                "conv2d": f"conv2d {self.filters} x {self.kernel_size}, "
                          f"{'same' if self.same else 'valid'}, {self.act}",
                "maxpool2d": f"maxpool2d {self.pool_size}",
                "reshape_to_sequence": "reshape to a sequence",
                "char_cnn": f"char_cnn {self.filters} x {self.kernel_size} over "
                            f"{self.char_dim}-d characters, "
                            f"{'same' if self.same else 'valid'}, {self.act}",
                "dropout": f"dropout {self.rate}, off",
                "dense": f"dense {self.units}, {act or self.act}"}[self.kind]


def read_spec(path, meta):
    """The spec as a mapping; warns if it is not the one the gradients came from."""
    try:
        import yaml
    except ImportError:
        raise InputError("python3-yaml is not installed: the layers come from the model's "
                         "YAML spec (apt-get install python3-yaml)") from None
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
              "(spec_sha256 differs); using its layers anyway", file=sys.stderr)
    if not isinstance(spec, dict):
        raise InputError(f"{path}: expected a mapping at the top")
    return spec


def keras_name(cls):
    """Keras' default name for a class: SimpleRNN -> simple_rnn, LSTM -> lstm."""
    out = ""
    for i, c in enumerate(cls):
        if c.isupper() and i > 0 and cls[i - 1].islower():
            out += "_"
        out += c.lower()
    return out


def spec_layers(spec, path):
    """The spec's layers, named as seqcc names them (Keras' defaults when unnamed)."""
    items = spec.get("layers")
    if not isinstance(items, list) or not items or not all(isinstance(s, dict) for s in items):
        raise InputError(f"{path}: expected a 'layers' list of mappings")
    layers, unnamed = [], []
    for number, s in enumerate(items, 1):
        kind = s.get("type")
        if kind not in KERAS_CLASSES:
            raise InputError(f"{path}: layer {number} has type {kind!r}; this script knows "
                             f"{', '.join(KERAS_CLASSES)}")
        for key in ("bidirectional", "return_sequences"):
            if not isinstance(s.get(key, False), bool):
                raise InputError(f"{path}: layer {number}: '{key}' must be true or false, "
                                 f"got {s[key]!r}")
        sizes = SIZES.get(kind, ("units",)) + (("pool_size",) if "pool_size" in s else ())
        for size in sizes:
            if isinstance(s.get(size), bool) or not isinstance(s.get(size), int) or s[size] < 1:
                raise InputError(f"{path}: layer {number} ({kind}): '{size}' must be a positive "
                                 f"integer, got {s.get(size)!r}")
        for size in {"conv2d": ("kernel_size",), "maxpool2d": ("pool_size",)}.get(kind, ()):
            v = s.get(size, 2 if size == "pool_size" else None)
            items = v if isinstance(v, list) else [v]
            if len(items) != (2 if isinstance(v, list) else 1) or not all(
                    isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in items):
                raise InputError(f"{path}: layer {number} ({kind}): '{size}' must be a positive "
                                 f"integer or a list of two, got {v!r}")
        if kind in ("conv1d", "conv2d", "char_cnn") and s.get("padding", "valid") not in PADDINGS:
            raise InputError(f"{path}: layer {number} ({kind}): 'padding' must be "
                             f"{' or '.join(PADDINGS)}, got {s['padding']!r}")
        if kind in ("conv1d", "conv2d", "char_cnn") and \
                s.get("activation", "none") not in CONV_ACTIVATIONS:
            raise InputError(f"{path}: layer {number} ({kind}): this script checks the "
                             f"activations {', '.join(CONV_ACTIVATIONS)}, got "
                             f"{s['activation']!r}")
        cls = ("Bidirectional" if kind in GATES and s.get("bidirectional")
               else "TimeDistributed" if kind == "dense" and s.get("time_distributed")
               else KERAS_CLASSES[kind])
        name = s.get("name")
        if name is None:
            seen = unnamed.count(cls)
            name = keras_name(cls) + (f"_{seen}" if seen else "")
            unnamed.append(cls)
        layers.append(Layer(number, str(name), kind, s))
    return layers


def expected_tensors(layers, spec, path):
    """[(parameter name, shape, layer, suffix)] the layers own, in order; a
    dimension of None is not known from the spec."""
    data = spec.get("data") if isinstance(spec.get("data"), dict) else {}
    tokenizer = data.get("tokenizer") if isinstance(data.get("tokenizer"), dict) else {}
    want, features, is_seq = [], None, True  # features and kind of what flows on
    image = None  # (width, channels) while an image flows on
    shortened = None  # the layer after which fewer steps flow on than there are tokens
    series = data.get("kind") == "series"  # float values per step, no embedding
    if series:
        columns = data.get("columns")
        features = len(columns) if isinstance(columns, list) else 1
    for l in layers:
        where = f"{path}: layer {l.number} '{l.name}' ({l.kind})"
        if (l.kind == "embedding") != (l.number == 1 and not series):
            raise InputError(f"{where}: this script checks an embedding first, and only there "
                             "(none for a series)")
        if l.kind == "embedding":
            vocab = l.input_dim or tokenizer.get("vocab_size")
            want.append((f"{l.name}/embeddings", (vocab, l.output_dim), l, "embeddings"))
            features = l.output_dim
        elif l.kind in GATES:
            if not is_seq:
                raise InputError(f"{where}: needs a sequence, but the layer before it "
                                 "outputs one vector per example")
            if l.masked and shortened:  # the lengths count tokens, not the steps it gets
                raise InputError(f"{where}: masked after '{shortened}', which shortens the "
                                 "sequence; this script does not check that")
            width = GATES[l.kind] * l.units
            bias = (2, width) if l.kind == "gru" else (width,)
            for prefix in DIRECTIONS[l.dirs]:
                for suffix, shape in (("kernel", (features, width)),
                                      ("recurrent_kernel", (l.units, width)), ("bias", bias)):
                    want.append((f"{l.name}/{prefix}{suffix}", shape, l, prefix + suffix))
            features, is_seq = l.dirs * l.units, l.sequences
        elif l.kind in ("conv1d", "maxpool1d"):
            if not is_seq:
                raise InputError(f"{where}: needs a sequence, but the layer before it "
                                 "outputs one vector per example")
            if l.kind == "conv1d":
                for suffix, shape in (("kernel", (l.kernel_size, features, l.filters)),
                                      ("bias", (l.filters,))):
                    want.append((f"{l.name}/{suffix}", shape, l, suffix))
                features = l.filters
            if (l.kind == "maxpool1d" and l.pool_size > 1
                    or l.kind == "conv1d" and not l.same and l.kernel_size > 1):
                shortened = shortened or l.name
        elif l.kind == "char_cnn":
            if l.number != 2:
                raise InputError(f"{where}: this script checks a char_cnn right after the "
                                 "embedding")
            for suffix, shape in (("char_embeddings", (l.char_vocab_size, l.char_dim)),
                                  ("kernel", (l.kernel_size, l.char_dim, l.filters)),
                                  ("bias", (l.filters,))):
                want.append((f"{l.name}/{suffix}", shape, l, suffix))
            features += l.filters
        elif l.kind in ("conv2d", "maxpool2d", "reshape_to_sequence"):
            if not is_seq:
                raise InputError(f"{where}: needs an image or the embedding plane")
            width, channels = image or (features, 1)
            if l.kind == "conv2d":
                (kh, kw), same = l.kernel_size, l.same
                for suffix, shape in (("kernel", (kh, kw, channels, l.filters)),
                                      ("bias", (l.filters,))):
                    want.append((f"{l.name}/{suffix}", shape, l, suffix))
                image = (width if same else width - kw + 1, l.filters)
                if not same and kh > 1:
                    shortened = shortened or l.name
            elif l.kind == "maxpool2d":
                image = (width // l.pool_size[1], channels)
                shortened = shortened or l.name
            else:
                features, image = width * channels, None
        elif l.kind == "dense":
            if is_seq != l.time_distributed:  # time-distributed: the same at every step
                raise InputError(f"{where}: needs " + ("a sequence" if l.time_distributed else
                                 "one vector per example") + ", but the layer before it "
                                 + ("does not return one" if l.time_distributed else
                                    "returns sequences"))
            for suffix, shape in (("kernel", (features, l.units)), ("bias", (l.units,))):
                want.append((f"{l.name}/{suffix}", shape, l, suffix))
            features = l.units
    last = layers[-1]
    if last.kind != "dense":
        raise InputError(f"{path}: the last layer is '{last.name}' ({last.kind}); the losses "
                         "this script checks need a dense layer there")
    return want


def attach_params(want, names, params, args, spec_path):
    """Checks the files hold exactly the spec's tensors, and gives each layer its own."""
    expected = [n for n, _, _, _ in want]
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    if missing or extra:
        told = ([f"the spec has {', '.join(missing)}, the file not"] if missing else []) + \
               ([f"the file has {', '.join(extra)}, the spec not"] if extra else [])
        raise InputError(f"{args.grads} does not fit the layers of {spec_path}: "
                         f"{'; '.join(told)}; is that the spec of this model?")
    for name, shape, layer, suffix in want:
        if name not in params:
            raise InputError(f"the grads file has a gradient for '{name}' but the checkpoint "
                             "has no such parameter; are they from the same model?")
        have = params[name].shape
        if len(have) != len(shape) or any(w is not None and w != h for w, h in zip(shape, have)):
            shown = "x".join("?" if w is None else str(w) for w in shape)
            raise InputError(f"{args.checkpoint}: {name} is {'x'.join(map(str, have))}; "
                             f"{spec_path} makes it {shown} (layer {layer.number}: "
                             f"{layer.describe()})")
        layer.tensors[suffix] = params[name]


LOSSES = {"binary_crossentropy": "sigmoid", "sparse_categorical_crossentropy": "softmax",
          "mse": "none"}


def loss_of(spec, path):
    """(the loss, whether it takes logits): binary or sparse categorical
    cross-entropy, computed from the last layer's logits; or the mean squared
    error of a series' forecast."""
    loss = spec.get("loss")
    kind, logits = (loss.get("type"), loss.get("from_logits", False)) \
        if isinstance(loss, dict) else (loss, False)
    if kind not in LOSSES or not isinstance(logits, bool):
        raise InputError(f"{path}: loss {loss!r}: this script checks "
                         f"{' and '.join(LOSSES)} (from_logits true or false)")
    return kind, logits


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


def activations_from_spec(layers, path):
    acts = []
    for l in layers:
        if l.kind == "dense":
            if l.act not in ACTIVATIONS:
                raise InputError(f"{path}: layer '{l.name}': unknown activation {l.act!r}")
            acts.append(l.act)
    return acts


def char_ids(got, layers, ids, path):
    """A char_cnn model's batch/chars [batch, steps, word_len], checked; else None."""
    char_cnn = [l for l in layers if l.kind == "char_cnn"]
    if not char_cnn:
        return None
    chars = got.get("batch/chars")
    if chars is None:
        raise InputError(f"{path}: no tensor 'batch/chars'; the model has a char_cnn")
    rows = char_cnn[0].tensors["char_embeddings"].shape[0]
    if chars.ndim != 3 or chars.shape[:2] != ids.shape[:2] or chars.size == 0 \
            or chars.min() < 0 or chars.max() >= rows:
        raise InputError(f"{path}: batch/chars {list(chars.shape)} must be [batch, steps, "
                         f"word_len] of ids below {rows}, for batch/ids {list(ids.shape)}")
    return chars


def default_spec(meta):
    """specs/MODEL.yaml or tests/specs/MODEL.yaml in this checkout, preferring the
    one the gradients were computed from."""
    model = meta.get("model")
    if not model:
        return None
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    found = [os.path.normpath(os.path.join(root, folder, model + ".yaml"))
             for folder in ("specs", os.path.join("tests", "specs"))]
    found = [p for p in found if os.path.exists(p)]
    for path in found:
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() == meta.get("spec_sha256"):
                return path
    return found[0] if found else None


# ---- the PyTorch model ------------------------------------------------------------

def build_model(torch, layers, acts, dtype):
    """The Keras model in PyTorch, holding the checkpoint's parameters."""
    nn = torch.nn

    def tensor(a):
        return torch.from_numpy(np.array(a)).to(dtype)  # a writable copy

    def numpy(t):
        return t.detach().cpu().double().numpy()

    class Embedding(nn.Module):
        def __init__(self, layer):
            super().__init__()
            self.layer = layer
            table = layer.tensors["embeddings"]
            self.table = nn.Embedding(*table.shape).to(dtype)
            with torch.no_grad():
                self.table.weight.copy_(tensor(table))

        def forward(self, ids):
            return self.table(ids)

        def keras_grads(self):
            return {f"{self.layer.name}/embeddings": numpy(self.table.weight.grad)}

    class Recurrent(nn.Module):
        """nn.LSTM, GRU or RNN. PyTorch's reverse direction is seqcc's backward
        one: it reads time from the end, outputs by time, and its final state
        is the one after reading time 0; outputs are [forward, backward]."""

        def __init__(self, layer):
            super().__init__()
            self.layer = layer
            H, t = layer.units, layer.tensors
            features = t[DIRECTIONS[layer.dirs][0] + "kernel"].shape[0]
            cell = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[layer.kind]
            self.cell = cell(features, H, batch_first=True,
                             bidirectional=layer.dirs == 2).to(dtype)
            self.cols = np.concatenate([np.arange(k * H, (k + 1) * H)
                                        for k in TORCH_BLOCKS[layer.kind]])
            with torch.no_grad():
                for prefix, w_ih, w_hh, b_ih, b_hh in self.directions():
                    w_ih.copy_(tensor(t[prefix + "kernel"][:, self.cols].T))
                    w_hh.copy_(tensor(t[prefix + "recurrent_kernel"][:, self.cols].T))
                    bias = t[prefix + "bias"]
                    if layer.kind == "gru":  # [input; recurrent]
                        b_ih.copy_(tensor(bias[0][self.cols]))
                        b_hh.copy_(tensor(bias[1][self.cols]))
                    else:  # Keras has one bias
                        b_ih.copy_(tensor(bias[self.cols]))
                        b_hh.zero_()

        def directions(self):
            """(tensor name prefix, weight_ih, weight_hh, bias_ih, bias_hh) per direction"""
            for prefix, torch_suffix in zip(DIRECTIONS[self.layer.dirs], ("", "_reverse")):
                yield (prefix,) + tuple(getattr(self.cell, f"{w}_l0{torch_suffix}")
                                        for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

        def forward(self, x, lengths):
            if self.layer.masked:  # TF's dynamic_rnn: stop at each row's length
                packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True,
                                                           enforce_sorted=False)
                seq, state = self.cell(packed)
                seq = nn.utils.rnn.pad_packed_sequence(seq, batch_first=True,
                                                       total_length=x.shape[1])[0]
            else:
                seq, state = self.cell(x)
            if self.layer.sequences:
                return seq
            h = state[0] if self.layer.kind == "lstm" else state  # [directions, batch, units]
            return torch.cat(tuple(h), dim=-1)

        def keras_grads(self):
            back = np.argsort(self.cols)
            out = {}
            for prefix, w_ih, w_hh, b_ih, b_hh in self.directions():
                name = f"{self.layer.name}/{prefix}"
                out[name + "kernel"] = numpy(w_ih.grad).T[:, back]
                out[name + "recurrent_kernel"] = numpy(w_hh.grad).T[:, back]
                out[name + "bias"] = (np.stack([numpy(b_ih.grad)[back], numpy(b_hh.grad)[back]])
                                      if self.layer.kind == "gru" else numpy(b_ih.grad)[back])
            return out

    class Conv1D(nn.Module):
        """F.conv1d over time (a cross-correlation, as Keras'): the kernel
        [kernel_size, features, filters] becomes [filters, features, kernel_size]
        on [batch, features, steps]; 'same' pads (kernel_size - 1) // 2 zeros
        before and the rest after."""

        def __init__(self, layer):
            super().__init__()
            self.layer = layer
            self.weight = nn.Parameter(tensor(layer.tensors["kernel"].transpose(2, 1, 0)))
            self.bias = nn.Parameter(tensor(layer.tensors["bias"]))

        def forward(self, x):  # [batch, steps, features]
            x = x.transpose(1, 2)
            if self.layer.same:
                before = (self.layer.kernel_size - 1) // 2
                x = nn.functional.pad(x, (before, self.layer.kernel_size - 1 - before))
            y = nn.functional.conv1d(x, self.weight, self.bias).transpose(1, 2)
            return y if self.layer.act == "none" else getattr(torch, self.layer.act)(y)

        def keras_grads(self):
            return {f"{self.layer.name}/kernel": numpy(self.weight.grad).transpose(2, 1, 0),
                    f"{self.layer.name}/bias": numpy(self.bias.grad)}

    class CharCNN(nn.Module):
        """Each word's char ids [batch, steps, word_len] embedded, F.conv1d
        along the word as Conv1D, the activation, the maximum over the
        word; [word embedding, maximum] at every step."""

        def __init__(self, layer):
            super().__init__()
            self.layer = layer
            self.table = nn.Parameter(tensor(layer.tensors["char_embeddings"]))
            self.conv = Conv1D(layer)

        def forward(self, x, chars):  # x [batch, steps, features], chars [batch, steps, W]
            batch, steps, width = chars.shape
            c = self.table[chars.reshape(batch * steps, width)]  # [words, W, char features]
            y = self.conv(c).max(dim=1).values  # [words, filters]
            return torch.cat((x, y.reshape(batch, steps, -1)), dim=-1)

        def keras_grads(self):
            return dict(self.conv.keras_grads(),
                        **{f"{self.layer.name}/char_embeddings": numpy(self.table.grad)})

    class MaxPool1D(nn.Module):
        """Windows of pool_size steps, stride pool_size; the steps left over are dropped."""

        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        def forward(self, x):  # [batch, steps, features]
            return nn.functional.max_pool1d(x.transpose(1, 2),
                                            self.layer.pool_size).transpose(1, 2)

        def keras_grads(self):
            return {}

    class Conv2D(nn.Module):
        """F.conv2d on [batch, channels, steps, width]; images flow between
        stages channels last, [batch, steps, width, channels], as in seqcc;
        the embedding plane [batch, steps, features] is a one-channel image.
        The kernel [kh, kw, channels, filters] becomes [filters, channels,
        kh, kw]; 'same' pads as Conv1D, in both directions."""

        def __init__(self, layer):
            super().__init__()
            self.layer = layer
            self.weight = nn.Parameter(tensor(layer.tensors["kernel"].transpose(3, 2, 0, 1)))
            self.bias = nn.Parameter(tensor(layer.tensors["bias"]))

        def forward(self, x):
            if x.dim() == 3:
                x = x.unsqueeze(-1)
            x = x.permute(0, 3, 1, 2)
            if self.layer.same:
                (kh, kw), pads = self.layer.kernel_size, []
                for k in (kw, kh):  # F.pad: the last dimension first
                    pads += [(k - 1) // 2, k - 1 - (k - 1) // 2]
                x = nn.functional.pad(x, pads)
            y = nn.functional.conv2d(x, self.weight, self.bias).permute(0, 2, 3, 1)
            return y if self.layer.act == "none" else getattr(torch, self.layer.act)(y)

        def keras_grads(self):
            return {f"{self.layer.name}/kernel": numpy(self.weight.grad).transpose(2, 3, 1, 0),
                    f"{self.layer.name}/bias": numpy(self.bias.grad)}

    class MaxPool2D(nn.Module):
        """Windows of pool_size steps by columns, stride the pool; the rest dropped."""

        def __init__(self, layer):
            super().__init__()
            self.layer = layer

        def forward(self, x):  # [batch, steps, width, channels]
            y = nn.functional.max_pool2d(x.permute(0, 3, 1, 2), self.layer.pool_size)
            return y.permute(0, 2, 3, 1)

        def keras_grads(self):
            return {}

    class ReshapeToSequence(nn.Module):
        def forward(self, x):  # [batch, steps, width, channels] -> [batch, steps, features]
            return x.reshape(x.shape[0], x.shape[1], -1)

        def keras_grads(self):
            return {}

    class Dropout(nn.Identity):  # `grads` runs with dropout off
        def keras_grads(self):
            return {}

    class Dense(nn.Module):
        def __init__(self, layer, act):
            super().__init__()
            self.layer, self.act = layer, act
            k, b = layer.tensors["kernel"], layer.tensors["bias"]
            self.linear = nn.Linear(*k.shape).to(dtype)
            with torch.no_grad():
                self.linear.weight.copy_(tensor(k.T))
                self.linear.bias.copy_(tensor(b))

        def forward(self, x):
            x = self.linear(x)
            return x if self.act == "none" else getattr(torch, self.act)(x)

        def keras_grads(self):
            return {f"{self.layer.name}/kernel": numpy(self.linear.weight.grad).T,
                    f"{self.layer.name}/bias": numpy(self.linear.bias.grad)}

    class Keras(nn.Sequential):
        def forward(self, ids, lengths, chars):
            x = ids
            for stage in self:
                x = (stage(x, lengths) if isinstance(stage, Recurrent)
                     else stage(x, chars) if isinstance(stage, CharCNN) else stage(x))
            return x.squeeze(-1) if x.shape[-1] == 1 else x  # one logit: binary

        def keras_grads(self):
            """{parameter name: gradient} in the checkpoint's layouts."""
            out = {}
            for stage in self:
                out.update(stage.keras_grads())
            return out

    folded = iter(acts[:-1] + ["none"])  # the last sigmoid or softmax is in the loss
    stages = []
    for layer in layers:
        if layer.kind == "embedding":
            stages.append(Embedding(layer))
        elif layer.kind in GATES:
            stages.append(Recurrent(layer))
        elif layer.kind == "conv1d":
            stages.append(Conv1D(layer))
        elif layer.kind == "maxpool1d":
            stages.append(MaxPool1D(layer))
        elif layer.kind == "conv2d":
            stages.append(Conv2D(layer))
        elif layer.kind == "maxpool2d":
            stages.append(MaxPool2D(layer))
        elif layer.kind == "reshape_to_sequence":
            stages.append(ReshapeToSequence())
        elif layer.kind == "char_cnn":
            stages.append(CharCNN(layer))
        elif layer.kind == "dropout":
            stages.append(Dropout())
        else:
            stages.append(Dense(layer, next(folded)))
    return Keras(*stages)


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
    p.add_argument("--spec", help="the model's YAML spec, for its layers (default: "
                                  "specs/MODEL.yaml or tests/specs/MODEL.yaml in this "
                                  "checkout)")
    p.add_argument("--activations",
                   help="the dense layers' activations in order, e.g. relu,sigmoid "
                        f"(one of {', '.join(ACTIVATIONS)}); overrides the spec's")
    args = p.parse_args(argv)
    if not args.tolerance > 0:
        p.error("--tolerance must be greater than 0")
    return args


def run(args):
    params, _ = read_safetensors(args.checkpoint)
    got, meta = read_safetensors(args.grads)
    for key in ("loss", "batch/targets", "batch/n_valid"):
        if key not in got:
            raise InputError(f"{args.grads}: no tensor '{key}'; expected the output of "
                             "`MODEL grads`")
    names = [n[len("grad/"):] for n in got if n.startswith("grad/")]
    if not names:
        raise InputError(f"{args.grads}: no grad/* tensors")
    spec_path = args.spec or default_spec(meta)
    if not spec_path:
        model = meta.get("model", "?")
        raise InputError(f"give --spec: no specs/{model}.yaml or tests/specs/{model}.yaml "
                         f"in this checkout for model '{model}'")
    spec = read_spec(spec_path, meta)
    layers = spec_layers(spec, spec_path)
    attach_params(expected_tensors(layers, spec, spec_path), names, params, args, spec_path)
    for name in names:
        if got["grad/" + name].shape != params[name].shape:
            raise InputError(f"grad/{name} is {list(got['grad/' + name].shape)} but the "
                             f"parameter is {list(params[name].shape)}")

    dense_names = [l.name for l in layers if l.kind == "dense"]
    if args.activations:
        acts = activations_from_option(args.activations, dense_names)
    else:
        acts = activations_from_spec(layers, spec_path)
    loss_kind, from_logits = loss_of(spec, spec_path)
    final = "none" if from_logits else LOSSES[loss_kind]
    if acts[-1] != final:
        raise InputError(f"the last dense layer's activation is {acts[-1]}; {loss_kind}"
                         f"{' from logits' if from_logits else ''} needs {final}")

    series = "batch/inputs" in got  # windows of values instead of token ids
    if not series and "batch/ids" not in got:
        raise InputError(f"{args.grads}: no tensor 'batch/ids' or 'batch/inputs'; expected the "
                         "output of `MODEL grads`")
    ids, targets = got["batch/inputs" if series else "batch/ids"], got["batch/targets"]
    n_valid = int(got["batch/n_valid"])
    # a class per example, or (a char-lm) the next character at every step
    if ids.ndim != (3 if series else 2) or targets.shape not in (ids.shape[:1], ids.shape[:2]) \
            or not 0 < n_valid <= len(targets):
        raise InputError(f"{args.grads}: batch/{'inputs' if series else 'ids'} "
                         f"{list(ids.shape)}, batch/targets {list(targets.shape)}, n_valid "
                         f"{n_valid} do not fit together")
    vocab = None if series else layers[0].tensors["embeddings"].shape[0]
    if not series and (ids.min() < 0 or ids.max() >= vocab):
        raise InputError(f"{args.grads}: batch/ids run from {ids.min()} to {ids.max()}; "
                         f"the embedding has {vocab} rows")
    chars = char_ids(got, layers, ids, args.grads)

    try:
        import torch
    except ImportError as e:
        print(f"PyTorch not available ({e}): parity skipped", file=sys.stderr)
        return EXIT_OK
    dtype = torch.float64 if got["loss"].dtype == np.float64 else torch.float32
    model = build_model(torch, layers, acts, dtype)
    # each row's real tokens, for masked layers (PyTorch wants at least one:
    # padding rows past n_valid count for nothing anyway)
    lengths = got.get("batch/lengths", np.full(len(ids), ids.shape[1], np.int32)).astype(np.int64)
    lengths[n_valid:] = np.maximum(lengths[n_valid:], 1)
    x = torch.from_numpy(ids.copy()).to(dtype) if series else torch.from_numpy(ids.astype(np.int64))
    logits = model(x, torch.from_numpy(lengths),
                   None if chars is None else torch.from_numpy(chars.astype(np.int64)))
    if loss_kind == "mse":
        loss = torch.nn.functional.mse_loss(
            logits[:n_valid], torch.from_numpy(targets[:n_valid].copy()).to(dtype))
    elif loss_kind == "binary_crossentropy":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits[:n_valid], torch.from_numpy(targets[:n_valid].copy()).to(dtype))
    else:  # the targets are class indices, one per example or per step
        classes = logits.shape[-1]
        loss = torch.nn.functional.cross_entropy(
            logits[:n_valid].reshape(-1, classes),
            torch.from_numpy(targets[:n_valid].astype(np.int64)).reshape(-1))
    loss.backward()
    ref = model.keras_grads()

    print(f"{args.grads}: {meta.get('model', '?')}, {meta.get('precision', '?')}, "
          f"{n_valid} of {len(targets)} rows, torch {torch.__version__} in "
          f"{str(dtype).replace('torch.', '')}")
    shown = iter(acts)
    print(" -> ".join(f"{l.name} ({l.describe(next(shown) if l.kind == 'dense' else None)})"
                      for l in layers)
          + f"; from {spec_path}" + (", dense activations from --activations"
                                     if args.activations else "")
          + ("; the loss takes logits" if from_logits
             else "; mean squared error" if loss_kind == "mse"
             else f"; the last {final} is in the loss"))
    width = max([28] + [len(n) for n in names])
    print(f"{'tensor':<{width}} {'shape':<12} {'max|torch|':>11} {'max abs diff':>13} "
          f"{'diff/max':>10} {'max rel*':>10}")
    failures = 0
    seq_loss, torch_loss = float(got["loss"]), float(loss.detach())
    loss_err = abs(seq_loss - torch_loss) / max(abs(torch_loss), 1e-30)
    ok = loss_err <= args.tolerance
    failures += not ok
    print(f"{'loss':<{width}} {'[]':<12} {torch_loss:>11.6g} "
          f"{abs(seq_loss - torch_loss):>13.3e} {loss_err:>10.2e} {'':>10}{'' if ok else '  FAIL'}")
    for name in names:
        max_abs, scale, rel, elem = compare(got["grad/" + name].astype(np.float64), ref[name])
        ok = rel <= args.tolerance and elem <= args.entry_tolerance
        failures += not ok
        shape = "x".join(str(d) for d in ref[name].shape)
        print(f"{name:<{width}} {shape:<12} {scale:>11.4e} {max_abs:>13.3e} {rel:>10.2e} "
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
