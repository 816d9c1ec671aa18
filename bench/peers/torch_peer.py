#!/usr/bin/python3
"""PyTorch peer of the seed models for bench/run (Debian's python3-torch).

Each model is a Keras-semantics re-implementation of specs/NAME.yaml: the
same layers, the initial weights the generated program wrote (`NAME init`,
safetensors with Keras names and shapes), Adam with Keras' hyperparameters
(lr 0.001, betas 0.9/0.999, epsilon 1e-7), the same loss computed from the
logits, the same batch size. LSTMs without recurrent dropout are nn.LSTM
(PyTorch's fused CPU kernel; its second bias is fixed at zero so the model
has Keras' parameters); the sentiment LSTM has recurrent dropout, which
nn.LSTM cannot do, so it is written step by step as Keras computes it (the
input projection of all steps as one product, one fused gate product per
step). Timing covers the training loop only, as bench/driver.c does:
shuffle per epoch, gather the batch, forward, backward, Adam step.

  torch_peer.py train|infer|stream --model M --x X.f32 [--y Y.f32] --n N
                [--batch B] [--threads T] [--seconds S] [--batches K]
                --weights W.safetensors

Prints one JSON line. Run with OMP_WAIT_POLICY=PASSIVE (bench/run sets it).
"""
import argparse
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

WARMUP = 3

# The seed models (specs/*.yaml): input [steps, features], layers.
MODELS = {
    "forecast": dict(steps=10, features=1, tokens=False, lstm=[("lstm", 50, True), ("lstm_1", 50, False)],
                     dense=[("dense", 25, None), ("dense_1", 1, None)], loss="mse"),
    "classify": dict(steps=10, features=4, tokens=False, lstm=[("lstm", 50, True), ("lstm_1", 50, False)],
                     dense=[("dense", 25, "relu"), ("dense_1", 5, "softmax")],
                     loss="categorical_crossentropy"),
    "sentiment": dict(steps=100, features=1, tokens=True, vocab=20000, embed=128,
                      spatial_dropout=0.2, lstm=[("lstm", 100, False)], lstm_dropout=0.2,
                      lstm_recurrent_dropout=0.2, dense=[("dense", 1, "sigmoid")],
                      loss="binary_crossentropy"),
}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (hlen,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + hlen])
    base = 8 + hlen
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", (name, t["dtype"])
        a, b = t["data_offsets"]
        out[name] = torch.from_numpy(
            np.frombuffer(data[base + a:base + b], dtype="<f4").reshape(t["shape"]).copy())
    return out


class KerasLSTM(nn.Module):
    """nn.LSTM with Keras' weights (gate order i, f, c, o is PyTorch's i, f, g, o)."""

    def __init__(self, w, name, return_sequences):
        super().__init__()
        k, rk, b = w[name + "/kernel"], w[name + "/recurrent_kernel"], w[name + "/bias"]
        units = rk.shape[0]
        self.lstm = nn.LSTM(k.shape[0], units, batch_first=True)
        with torch.no_grad():
            self.lstm.weight_ih_l0.copy_(k.t())
            self.lstm.weight_hh_l0.copy_(rk.t())
            self.lstm.bias_ih_l0.copy_(b)
            self.lstm.bias_hh_l0.zero_()
        self.lstm.bias_hh_l0.requires_grad_(False)
        self.return_sequences = return_sequences

    def forward(self, x, state=None):
        y, state = self.lstm(x, state)
        return (y if self.return_sequences else y[:, -1]), state


class DropoutLSTM(nn.Module):
    """Keras' LSTM with dropout and recurrent_dropout, step by step."""

    def __init__(self, w, name, dropout, recurrent_dropout):
        super().__init__()
        self.kernel = nn.Parameter(w[name + "/kernel"].clone())
        self.recurrent_kernel = nn.Parameter(w[name + "/recurrent_kernel"].clone())
        self.bias = nn.Parameter(w[name + "/bias"].clone())
        self.units = self.recurrent_kernel.shape[0]
        self.dropout, self.recurrent_dropout = dropout, recurrent_dropout

    def forward(self, x):
        n, steps, feat = x.shape
        u = self.units
        if self.training and self.dropout > 0:
            keep = 1 - self.dropout
            x = x * (torch.rand(n, 1, feat) < keep).to(x.dtype) / keep
        rmask = None
        if self.training and self.recurrent_dropout > 0:
            keep = 1 - self.recurrent_dropout
            rmask = (torch.rand(n, u) < keep).to(x.dtype) / keep
        z_in = torch.addmm(self.bias, x.reshape(n * steps, feat), self.kernel).view(n, steps, 4 * u)
        z_in = z_in.unbind(1)  # one backward stack, not a zero-filled copy per step
        h = x.new_zeros(n, u)
        c = x.new_zeros(n, u)
        for t in range(steps):
            hm = h * rmask if rmask is not None else h
            z = torch.addmm(z_in[t], hm, self.recurrent_kernel)
            i, f, g, o = z.chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
        return h


class Peer(nn.Module):
    def __init__(self, spec, w):
        super().__init__()
        self.spec = spec
        if spec["tokens"]:
            self.embedding = nn.Embedding.from_pretrained(w["embedding/embeddings"].clone(), freeze=False)
        self.lstms = nn.ModuleList()
        for name, _, seq in spec["lstm"]:
            if spec.get("lstm_recurrent_dropout", 0) > 0:
                self.lstms.append(DropoutLSTM(w, name, spec["lstm_dropout"], spec["lstm_recurrent_dropout"]))
            else:
                self.lstms.append(KerasLSTM(w, name, seq))
        self.dense = nn.ModuleList()
        for name, units, _ in spec["dense"]:
            k = w[name + "/kernel"]
            d = nn.Linear(k.shape[0], k.shape[1])
            with torch.no_grad():
                d.weight.copy_(k.t())
                d.bias.copy_(w[name + "/bias"])
            self.dense.append(d)
        self.acts = [a for _, _, a in spec["dense"]]

    def forward(self, x):
        """The logits of the output layer (the loss applies its activation)."""
        if self.spec["tokens"]:
            x = self.embedding(x.long())
            p = self.spec["spatial_dropout"]
            if self.training and p > 0:
                x = x * (torch.rand(x.shape[0], 1, x.shape[2]) < 1 - p).to(x.dtype) / (1 - p)
        for lstm in self.lstms:
            x = lstm(x)
            if isinstance(x, tuple):
                x = x[0]
        for j, (d, a) in enumerate(zip(self.dense, self.acts)):
            x = d(x)
            if j + 1 < len(self.dense) and a == "relu":
                x = F.relu(x)
        return x


def loss_fn(kind, z, y):
    if kind == "mse":
        return F.mse_loss(z, y)
    if kind == "categorical_crossentropy":
        return -(y * F.log_softmax(z, dim=1)).sum(1).mean()
    return F.binary_cross_entropy_with_logits(z, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["train", "infer", "stream"])
    ap.add_argument("--model", required=True, choices=sorted(MODELS))
    ap.add_argument("--x", required=True)
    ap.add_argument("--y")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=2)
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    spec = MODELS[a.model]
    w = read_safetensors(a.weights)
    model = Peer(spec, w)
    n_in = spec["steps"] * spec["features"]
    x = torch.from_numpy(np.fromfile(a.x, dtype="<f4", count=a.n * n_in)).view(
        a.n, spec["steps"], spec["features"])
    if spec["tokens"]:
        x = x.view(a.n, spec["steps"])

    if a.mode in ("infer", "stream"):
        model.eval()
        with torch.inference_mode():
            if a.mode == "infer":
                step = lambda i: model(x[i % a.n:i % a.n + 1])
            else:
                # one new observation of a stream: each LSTM advances one
                # step from its carried (h, c), then the Dense head
                states = [None] * len(model.lstms)

                def step(i):
                    v = x[i % a.n:i % a.n + 1, :1]
                    for j, lstm in enumerate(model.lstms):
                        v, states[j] = lstm.lstm(v, states[j])
                    v = v[:, -1]
                    for j, d in enumerate(model.dense):
                        v = d(v)
                        if j + 1 < len(model.dense) and model.acts[j] == "relu":
                            v = F.relu(v)
                    return v
            for i in range(200):
                out = step(i)
            calls, t0 = 0, time.perf_counter()
            while True:
                for _ in range(200):
                    out = step(calls)
                    calls += 1
                t = time.perf_counter() - t0
                if t >= a.seconds:
                    break
        print(json.dumps({"us_per_sample": 1e6 * t / calls, "calls": calls, "check": float(out.flatten()[0])}))
        return

    n_out = {"forecast": 1, "classify": 5, "sentiment": 1}[a.model]
    y = torch.from_numpy(np.fromfile(a.y, dtype="<f4", count=a.n * n_out)).view(a.n, n_out)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-7, foreach=True)
    model.train()
    perm, off, done, samples, t0, t = None, a.n, 0, 0, 0.0, 0.0
    while True:
        if off >= a.n:
            perm, off = torch.randperm(a.n), 0
        idx = perm[off:off + a.batch]
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(spec["loss"], model(xb), yb)
        loss.backward()
        opt.step()
        off += len(idx)
        done += 1
        if done == WARMUP:
            t0, c0 = time.perf_counter(), time.process_time()
        if done > WARMUP:
            samples += len(idx)
            t = time.perf_counter() - t0
            if done - WARMUP >= a.batches and t >= a.seconds:
                break
    print(json.dumps({"samples_per_second": samples / t, "samples": samples, "seconds": t,
                      "cpu_seconds": time.process_time() - c0, "loss": float(loss)}))


if __name__ == "__main__":
    sys.exit(main())
