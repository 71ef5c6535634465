#!/usr/bin/python3
"""The seed-scale sweep in PyTorch, for `make bench` to print beside flatline's figures.

    torch_ensemble.py THREADS RUNS [SINGLE]

The same work as flatline's 1200-run seed sweep: a 2-10-1 ReLU network on a teacher-style
regression (100 rows, 80 trained on), batch 32, 100 epochs, Adam, learning rates
1e-4, 1e-3, 1e-2, 1 and three initializers (zeros, Glorot uniform, He uniform), one seed
per run.  All RUNS networks train as one stacked ensemble: weights of shape (runs, in,
out), torch.bmm over the stack, each run with its own learning rate, shuffling order and
Adam state -- the way PyTorch users train many small models at once.  With SINGLE, also
SINGLE runs one after another (the plain training loop, one model at a time).  Prints
"ensemble RUNS_PER_S" and "single RUNS_PER_S"; nothing is written.  The per-epoch
training loss is kept for every run, as flatline's metrics are; no detectors, no files.
"""
import sys
import time

import torch

EPOCHS, BATCH, ROWS, TRAIN, FEATURES, HIDDEN = 100, 32, 100, 80, 2, 10
LRS = [1e-4, 1e-3, 1e-2, 1.0]
INITS = ["zeros", "glorot_uniform", "he_uniform"]


def teacher(gen):
    x = torch.randn(ROWS, FEATURES, generator=gen)
    w1 = torch.randn(FEATURES, 16, generator=gen) * 2 / FEATURES ** 0.5
    w2 = torch.randn(16, 1, generator=gen) / 4
    return x[:TRAIN], torch.tanh(x[:TRAIN] @ w1) @ w2


def init_kernel(kind, runs, fan_in, fan_out, gen):
    if kind == "zeros":
        return torch.zeros(runs, fan_in, fan_out)
    limit = (6 / (fan_in + fan_out)) ** 0.5 if kind == "glorot_uniform" else (6 / fan_in) ** 0.5
    return (torch.rand(runs, fan_in, fan_out, generator=gen) * 2 - 1) * limit


def ensemble(runs, x, y, gen):
    """Seconds to train `runs` networks as one stack."""
    per = max(runs // (len(LRS) * len(INITS)), 1)
    lr = torch.tensor([LRS[(r // (per * len(INITS))) % len(LRS)] for r in range(runs)])
    lr = lr.view(runs, 1, 1)
    params = []
    for shape in [(FEATURES, HIDDEN), (HIDDEN, 1)]:
        k = torch.cat([init_kernel(INITS[(c // per) % len(INITS)], 1, *shape, gen)
                       for c in range(runs)])
        params += [k, torch.zeros(runs, 1, shape[1])]
    for p in params:
        p.requires_grad_(True)
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-7
    losses = torch.zeros(EPOCHS, runs)
    start = time.perf_counter()
    step = 0
    for epoch in range(EPOCHS):
        order = torch.argsort(torch.rand(runs, TRAIN, generator=gen), dim=1)
        total = torch.zeros(runs)
        for s in range(0, TRAIN, BATCH):
            idx = order[:, s:s + BATCH]
            xb, yb = x[idx], y[idx]  # (runs, b, in), (runs, b, 1)
            w1, c1, w2, c2 = params
            h = torch.relu(torch.baddbmm(c1, xb, w1))
            out = torch.baddbmm(c2, h, w2)
            loss = ((out - yb) ** 2).mean(dim=(1, 2))  # one loss per run
            grads = torch.autograd.grad(loss.sum(), params)
            step += 1
            with torch.no_grad():
                for p, g, mm, vv in zip(params, grads, m, v):
                    mm.mul_(b1).add_(g, alpha=1 - b1)
                    vv.mul_(b2).addcmul_(g, g, value=1 - b2)
                    mh = mm / (1 - b1 ** step)
                    vh = vv / (1 - b2 ** step)
                    p.sub_(lr * mh / (vh.sqrt() + eps))
            total += loss.detach() * idx.shape[1]
        losses[epoch] = total / TRAIN
    return time.perf_counter() - start


def single(runs, x, y, gen):
    """Seconds to train `runs` networks one after another, the plain way."""
    start = time.perf_counter()
    for r in range(runs):
        model = torch.nn.Sequential(torch.nn.Linear(FEATURES, HIDDEN), torch.nn.ReLU(),
                                    torch.nn.Linear(HIDDEN, 1))
        opt = torch.optim.Adam(model.parameters(), lr=LRS[r % len(LRS)], eps=1e-7)
        for epoch in range(EPOCHS):
            order = torch.randperm(TRAIN, generator=gen)
            for s in range(0, TRAIN, BATCH):
                idx = order[s:s + BATCH]
                loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
    return time.perf_counter() - start


def main():
    threads, runs = int(sys.argv[1]), int(sys.argv[2])
    n_single = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(7)
    x, y = teacher(gen)
    ensemble(min(runs, 48), x, y, gen)  # warm-up
    print("ensemble %.6g" % (runs / ensemble(runs, x, y, gen)), flush=True)
    if n_single:
        print("single %.6g" % (n_single / single(n_single, x, y, gen)), flush=True)


if __name__ == "__main__":
    main()
