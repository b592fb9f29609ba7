"""torch_models.py: PyTorch models exported to ONNX, for `seqcc import`'s test.

    /usr/bin/python3 torch_models.py OUT_DIR

Writes, for each model of MODELS, OUT_DIR/NAME.onnx (torch.onnx.export with its
defaults), OUT_DIR/NAME.ids (random token-id sequences, one a line: what
`predict --ids` reads) and OUT_DIR/NAME.probs (PyTorch's probabilities of
each, one line each, space-separated, in class order: a sigmoid's one unit
as 1 - p and p). Each model is built from nn.Embedding, nn.LSTM, nn.GRU,
nn.RNN, nn.Conv1d, nn.MaxPool1d, nn.Linear and nn.Dropout, with fixed seeds.
The models of REFUSED are written as NAME.onnx alone: seqcc import must
refuse them, naming the node. Exits 3 when PyTorch is missing (the test
skips).
"""
import os
import sys

try:
    import torch
    from torch import nn
except ImportError as e:
    print("PyTorch (python3-torch) is not installed: %s" % e, file=sys.stderr)
    sys.exit(3)

VOCAB, SEQ = 500, 24


class Recurrent(nn.Module):
    """Embedding, a recurrent layer, its last step (h_n: each direction's
    final state), a Linear and a sigmoid or softmax."""

    def __init__(self, cell, classes, bidirectional=False, layers=1, batch_first=True):
        super().__init__()
        self.batch_first = batch_first
        self.embedding = nn.Embedding(VOCAB, 16)
        self.rnn = cell(16, 24, num_layers=layers, bidirectional=bidirectional,
                        batch_first=batch_first)
        self.drop = nn.Dropout(0.3)
        self.dirs = 2 if bidirectional else 1
        self.out = nn.Linear(24 * self.dirs, classes)
        self.classes = classes

    def forward(self, ids):
        x = self.embedding(ids if self.batch_first else ids.t())
        _, h = self.rnn(x)
        if isinstance(h, tuple):
            h = h[0]
        last = torch.cat([h[-2], h[-1]], dim=1) if self.dirs == 2 else h[-1]
        y = self.out(self.drop(last))
        return torch.sigmoid(y) if self.classes == 1 else torch.softmax(y, dim=1)


class ConvLstm(nn.Module):
    """Embedding, Conv1d (same padding) + ReLU, MaxPool1d, an LSTM's last
    step (its output at the last step), a Linear and a sigmoid."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 16)
        self.conv = nn.Conv1d(16, 20, kernel_size=5, padding=2)
        self.pool = nn.MaxPool1d(2)
        self.lstm = nn.LSTM(20, 24, batch_first=True)
        self.out = nn.Linear(24, 1)

    def forward(self, ids):
        x = self.embedding(ids).transpose(1, 2)
        x = self.pool(torch.relu(self.conv(x))).transpose(1, 2)
        y, _ = self.lstm(x)
        return torch.sigmoid(self.out(y[:, -1, :]))


class MeanBag(nn.Module):
    """Embedding, the mean over time, Linear + ReLU, Linear, a softmax."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 16)
        self.hidden = nn.Linear(16, 12)
        self.out = nn.Linear(12, 3)

    def forward(self, ids):
        x = self.embedding(ids).mean(dim=1)
        return torch.softmax(self.out(torch.relu(self.hidden(x))), dim=1)


class LastStepOfBidirectional(nn.Module):
    """out[:, -1] of a bidirectional LSTM: the backward direction's first
    step, which seqcc's layer does not give (an import error)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 8)
        self.lstm = nn.LSTM(8, 6, batch_first=True, bidirectional=True)
        self.out = nn.Linear(12, 1)

    def forward(self, ids):
        y, _ = self.lstm(self.embedding(ids))
        return torch.sigmoid(self.out(y[:, -1, :]))


class WithLayerNorm(nn.Module):
    """A LayerNorm, which seqcc has not (an import error naming the node)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB, 8)
        self.norm = nn.LayerNorm(8)
        self.out = nn.Linear(8, 3)

    def forward(self, ids):
        return torch.softmax(self.out(self.norm(self.embedding(ids)).mean(dim=1)), dim=1)


# What seqcc import refuses: NAME.onnx only.
REFUSED = {"torch_bad_bidirectional_last": LastStepOfBidirectional,
           "torch_bad_layernorm": WithLayerNorm}

MODELS = {
    "torch_lstm": lambda: Recurrent(nn.LSTM, 1),
    "torch_gru": lambda: Recurrent(nn.GRU, 3),
    "torch_rnn": lambda: Recurrent(nn.RNN, 1, batch_first=False),
    "torch_bilstm2": lambda: Recurrent(nn.LSTM, 1, bidirectional=True, layers=2),
    "torch_conv_lstm": ConvLstm,
    "torch_mean_bag": MeanBag,
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for i, (name, make) in enumerate(sorted(MODELS.items())):
        torch.manual_seed(100 + i)
        model = make().eval()
        ids = torch.randint(1, VOCAB, (20, SEQ))
        with torch.no_grad():
            probs = model(ids)
        if probs.shape[1] == 1:
            probs = torch.cat([1 - probs, probs], dim=1)
        torch.onnx.export(model, ids[:1], os.path.join(out, name + ".onnx"),
                          input_names=["ids"], output_names=["probs"],
                          dynamic_axes={"ids": {0: "batch"}, "probs": {0: "batch"}})
        with open(os.path.join(out, name + ".ids"), "w", encoding="utf-8") as f:
            for row in ids.tolist():
                f.write(" ".join(map(str, row)) + "\n")
        with open(os.path.join(out, name + ".probs"), "w", encoding="utf-8") as f:
            for row in probs.tolist():
                f.write(" ".join("%.9g" % v for v in row) + "\n")
    for name, make in sorted(REFUSED.items()):
        torch.manual_seed(7)
        model = make().eval()
        torch.onnx.export(model, torch.randint(1, VOCAB, (1, SEQ)), os.path.join(out, name + ".onnx"),
                          input_names=["ids"], output_names=["probs"])


if __name__ == "__main__":
    main()
