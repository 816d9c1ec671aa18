#!/usr/bin/python3
"""bench/run's body: the generated programs against their PyTorch peers.

Builds each seed model (specs/forecast, classify, sentiment) with lstmc,
compiles bench/driver.c against the generated NAME.c, prepares one set of
arrays per model (bench/work/NAME/x.f32, y.f32) that both sides train on,
writes the initial weights once with the generated program (`NAME init`),
which the peer loads, measures cblas_sgemm's peak, then alternates the two
sides run by run and thread setting by thread setting, and reports medians.
Writes docs/performance.md (the results section between the markers).

Options: --runs R (default 5), --quick (R=2, shorter runs), --native (also
time the generated code built with -march=native), --no-write.
"""
import argparse
import csv
import gzip
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
PY = "/usr/bin/python3"
SEED = 1

# The seed models: spec, batch, arrays, how long one timed run lasts.
MODELS = {
    "forecast": dict(batch=1, seconds=2.0, batches=50),
    "classify": dict(batch=32, seconds=2.0, batches=20),
    "sentiment": dict(batch=64, seconds=1.0, batches=12),
}
SENTIMENT_REVIEWS = 2048   # the first reviews of imdb-train: 32 batches of 64


def sh(cmd, env=None, cwd=ROOT):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("bench: %s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r.stdout


def last_json(out):
    return json.loads(out.strip().splitlines()[-1])


# ---- data: the same arrays for both sides ------------------------------

def minmax(a, fit):
    lo, hi = fit.min(0), fit.max(0)
    scale = np.where(hi > lo, hi - lo, 1.0)
    return (a - lo) / scale


def prep_forecast():
    with open(os.path.join(ROOT, "examples/data/r-airpassengers/r-airpassengers.csv")) as f:
        v = np.array([float(r["value"]) for r in csv.DictReader(f)])
    n_win = len(v) - 10
    n_train = int(n_win * 0.8)
    s = minmax(v[:, None], v[:n_train + 10, None])[:, 0]
    x = np.stack([s[i:i + 10] for i in range(n_train)])[:, :, None]
    y = s[10:10 + n_train, None]
    return x, y


def prep_classify():
    with open(os.path.join(ROOT, "examples/data/seattle-weather/seattle-weather.csv")) as f:
        rows = list(csv.DictReader(f))
    feats = np.array([[float(r[k]) for k in ("precipitation", "temp_max", "temp_min", "wind")] for r in rows])
    classes = sorted({r["weather"] for r in rows})
    lab = np.array([classes.index(r["weather"]) for r in rows])
    n = len(rows) - 10
    s = minmax(feats, feats[:int(n * 0.8) + 10])
    x = np.stack([s[i:i + 10] for i in range(n)])
    y = np.eye(len(classes))[lab[10:10 + n]]
    return x, y


FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def prep_sentiment():
    """Keras' Tokenizer(num_words=20000) and pad_sequences(maxlen=100), pre."""
    with gzip.open(os.path.join(ROOT, "examples/data/imdb-50k/imdb-train.csv.gz"), "rt") as f:
        rows = [r for _, r in zip(range(SENTIMENT_REVIEWS), csv.DictReader(f))]
    table = str.maketrans({c: " " for c in FILTERS})
    docs = [[w for w in r["text"].lower().translate(table).split(" ") if w] for r in rows]
    counts, order = {}, {}
    for d in docs:
        for w in d:
            if w not in counts:
                counts[w], order[w] = 0, len(order)
            counts[w] += 1
    ranked = sorted(counts, key=lambda w: (-counts[w], order[w]))
    index = {w: i + 1 for i, w in enumerate(ranked)}
    x = np.zeros((len(docs), 100))
    for i, d in enumerate(docs):
        ids = [index[w] for w in d if index[w] < 20000][-100:]
        if ids:
            x[i, 100 - len(ids):] = ids
    y = np.array([[float(r["label"])] for r in rows])
    return x, y


# ---- building ----------------------------------------------------------

def build(lstmc, work, name, native):
    gen = os.path.join(work, name)
    sh([lstmc, "build"] + (["--native"] if native else []) + ["specs/%s.yaml" % name, "-o", gen])
    rt = os.path.join(os.path.dirname(os.path.dirname(lstmc)), "runtime")
    # the flags `lstmc build` compiles the program with (driver.c's compile_program)
    flags = ["-std=c11", "-O3", "-fno-math-errno", "-fno-trapping-math"] + (["-march=native"] if native else [])
    exe = os.path.join(gen, "bench_driver")
    sh(["cc"] + flags + ["-DMODEL=%s" % name, "-DMODEL_UP=%s" % name.upper(),
                         '-DMODEL_H="%s.h"' % name, "-I", gen, "-I", os.path.join(ROOT, "runtime"),
                         os.path.join(BENCH, "driver.c"), os.path.join(gen, name + ".c"),
                         "-o", exe, "-L", rt, "-Wl,-rpath," + rt, "-llstmc", "-lopenblas",
                         "-ljansson", "-lm"])
    return gen, exe


def flops_per_sample(spec_path):
    """Training FLOPs per sample (3x the forward's products), forward FLOPs."""
    import re as _re
    text = open(spec_path).read()
    m = _re.search(r"input: \{type: (\w+), (\w+): (\d+), (\w+): (\d+)", text)
    steps = int(m.group(3))
    feat = int(m.group(5)) if m.group(1) == "sequence" else None
    fwd = 0
    for kind, rest in _re.findall(r"- \{type: (\w+),([^}]*)\}", text):
        units = _re.search(r"units: (\d+)", rest)
        if kind == "embedding":
            feat = int(_re.search(r"output_dim: (\d+)", rest).group(1))
        elif kind == "lstm":
            u = int(units.group(1))
            fwd += 2 * steps * 4 * u * (feat + u)
            seq = "return_sequences: true" in rest
            feat = u
            if not seq:
                steps = 1
        elif kind == "dense":
            u = int(units.group(1))
            fwd += 2 * steps * feat * u
            feat = u
    return 3 * fwd, fwd


# ---- measuring ---------------------------------------------------------

def peer_env(threads):
    env = dict(os.environ)
    env["OMP_WAIT_POLICY"] = "PASSIVE"
    env["OMP_NUM_THREADS"] = str(threads)
    return env


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lstmc", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--native", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--models", default="forecast,classify,sentiment")
    a = ap.parse_args()
    runs = 2 if a.quick else a.runs
    scale = 0.4 if a.quick else 1.0
    work = os.path.join(BENCH, "work")
    os.makedirs(work, exist_ok=True)
    names = a.models.split(",")
    t_start = time.time()
    load_before = os.getloadavg()

    prep = {"forecast": prep_forecast, "classify": prep_classify, "sentiment": prep_sentiment}
    sides = {}
    for name in names:
        gen, exe = build(a.lstmc, work, name, False)
        x, y = prep[name]()
        x.astype("<f4").tofile(os.path.join(gen, "x.f32"))
        y.astype("<f4").tofile(os.path.join(gen, "y.f32"))
        weights = os.path.join(gen, "init.safetensors")
        sh([os.path.join(gen, name), "init", "--seed", str(SEED), "--weights", weights])
        tf, ff = flops_per_sample(os.path.join(ROOT, "specs/%s.yaml" % name))
        sides[name] = dict(gen=gen, exe=exe, n=len(x), weights=weights, train_flops=tf, fwd_flops=ff)
        if a.native:
            _, nexe = build(a.lstmc, os.path.join(work, "native"), name, True)
            sides[name]["native_exe"] = nexe
        print("bench: %s: %d samples, %.3g MFLOP/sample training" % (name, len(x), tf / 1e6), flush=True)

    peak = {}
    for ct in [os.environ.get("OPENBLAS_CORETYPE", ""), "SkylakeX"]:
        env = dict(os.environ)
        if ct:
            env["OPENBLAS_CORETYPE"] = ct
        exe = os.path.join(work, "sgemm_peak")
        sh(["cc", "-std=c11", "-O2", os.path.join(BENCH, "sgemm_peak.c"), "-o", exe, "-lopenblas"])
        for t in (1, 2):
            peak[(ct or "default", t)] = last_json(sh([exe, "2048", str(t), "5"], env=env))["gflops"]
        if not ct:
            break
    coretype = os.environ.get("OPENBLAS_CORETYPE", "") or "default"
    print("bench: sgemm peak %s" % {"%s/%d" % k: v for k, v in peak.items()}, flush=True)

    results = {}
    for name in names:
        s, cfg = sides[name], MODELS[name]
        common = ["--x", os.path.join(s["gen"], "x.f32"), "--y", os.path.join(s["gen"], "y.f32"),
                  "--n", str(s["n"]), "--batch", str(cfg["batch"]), "--seed", str(SEED),
                  "--seconds", str(cfg["seconds"] * scale), "--batches", str(cfg["batches"])]
        res = {}
        variants = [("gen", s["exe"])] + ([("native", s["native_exe"])] if a.native else [])
        for r in range(runs):
            for t in (1, 2):
                for side, exe in variants:
                    out = sh([exe, "train", "--threads", str(t), "--weights", s["weights"]] + common)
                    j = last_json(out)
                    res.setdefault((side, t), []).append(j["samples_per_second"])
                    res.setdefault((side + "_cpu", t), []).append(j["samples"] / j["cpu_seconds"])
                # the peer under the environment's OpenBLAS kernels and under the
                # AVX-512 ones, since lstmc's own kernel uses AVX-512 either way
                for side, ct in (("torch", None), ("torch_wide", "SkylakeX")):
                    env = peer_env(t)
                    if ct:
                        env["OPENBLAS_CORETYPE"] = ct
                    out = sh([PY, os.path.join(BENCH, "peers/torch_peer.py"), "train", "--model", name,
                              "--threads", str(t), "--weights", s["weights"]] + common, env=env)
                    j = last_json(out)
                    res.setdefault((side, t), []).append(j["samples_per_second"])
                    res.setdefault((side + "_cpu", t), []).append(j["samples"] / j["cpu_seconds"])
            print("bench: %s run %d/%d: %s" % (name, r + 1, runs,
                  ", ".join("%s/%d %.0f" % (k[0], k[1], v[-1]) for k, v in sorted(res.items())
                            if not k[0].endswith("_cpu"))), flush=True)
        results[name] = {k: statistics.median(v) for k, v in res.items()}
        results[name]["raw"] = {"%s/%d" % k: v for k, v in res.items()}

    infer = {}
    if "forecast" in names:
        s = sides["forecast"]
        common = ["--x", os.path.join(s["gen"], "x.f32"), "--n", str(s["n"]), "--weights", s["weights"],
                  "--seconds", str(1.0 * scale)]
        raw = {}
        for r in range(runs):
            j = last_json(sh([s["exe"], "infer"] + common))
            raw.setdefault("gen", []).append(j["us_per_sample"])
            raw.setdefault("gen_cpu", []).append(j["cpu_us_per_sample"])
            raw.setdefault("gen_stream", []).append(
                last_json(sh([s["exe"], "stream"] + common))["us_per_sample"])
            if a.native:
                raw.setdefault("native", []).append(
                    last_json(sh([s["native_exe"], "infer"] + common))["us_per_sample"])
            for mode in ("infer", "stream"):
                out = sh([PY, os.path.join(BENCH, "peers/torch_peer.py"), mode, "--model", "forecast",
                          "--threads", "1"] + common, env=peer_env(1))
                raw.setdefault("torch_" + mode, []).append(last_json(out)["us_per_sample"])
        infer = {k: statistics.median(v) for k, v in raw.items()}
        infer["raw"] = raw
        print("bench: forecast inference %s" % {k: v for k, v in infer.items() if k != "raw"}, flush=True)

    load_after = os.getloadavg()
    report = render(names, sides, results, infer, peak, coretype, runs, load_before, load_after,
                    time.time() - t_start, a)
    print(report)
    if not a.no_write:
        write_doc(report)


def versions():
    def out(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True).stdout
        except OSError:
            return ""
    cpu = re.search(r"Model name:\s*(.*)", out(["lscpu"]))
    flags = out(["lscpu"])
    isa = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE"
    pkgs = out(["dpkg-query", "-W", "-f", "${Package} ${Version}\n", "python3-torch", "libopenblas0-pthread",
                "gcc-12"]).strip().splitlines()
    return dict(cpu=cpu.group(1).strip() if cpu else platform.processor(), cores=os.cpu_count(), isa=isa,
                kernel=platform.release(), pkgs=pkgs,
                cc=out(["cc", "--version"]).splitlines()[0] if out(["cc", "--version"]) else "?")


def render(names, sides, results, infer, peak, coretype, runs, lb, la, secs, a):
    v = versions()
    L = []
    L.append("Measured by `bench/run` on %s (%d cores, %s), Linux %s; %s; %s." %
             (v["cpu"], v["cores"], v["isa"], v["kernel"], v["cc"], "; ".join(v["pkgs"])))
    L.append("OPENBLAS_CORETYPE=%s (as the environment sets it); the peer runs with "
             "OMP_WAIT_POLICY=PASSIVE. Load average before %.2f, after %.2f (1 min); %d runs per "
             "setting, medians; %.0f s in all." % (coretype, lb[0], la[0], runs, secs))
    L.append("")
    L.append("cblas_sgemm peak, 2048^3: " + ", ".join(
        "%.0f GFLOP/s (%s, %d thread%s)" % (g, ct, t, "s" if t > 1 else "") for (ct, t), g in sorted(peak.items())) + ".")
    L.append("")
    # lstmc's own kernel (runtime/gemm.c) uses AVX-512 whatever OPENBLAS_CORETYPE
    # says, so its share of the AVX-512 (SkylakeX) peak is shown too
    wide = "SkylakeX" if ("SkylakeX", 1) in peak else coretype
    L.append("| model | batch | MFLOP/sample | threads | lstmc samples/s | PyTorch samples/s | ratio | "
             "lstmc GFLOP/s | of sgemm peak (%s) | of sgemm peak (%s) |" % (coretype, wide))
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        r, s = results[name], sides[name]
        for t in (1, 2):
            g, p = r[("gen", t)], r[("torch", t)]
            gf = g * s["train_flops"] / 1e9
            L.append("| %s | %d | %.2f | %d | %.0f | %.0f | %.1fx | %.1f | %.0f%% | %.0f%% |" %
                     (name, MODELS[name]["batch"], s["train_flops"] / 1e6, t, g, p, g / p, gf,
                      100 * gf / peak[(coretype, t)], 100 * gf / peak[(wide, t)]))
        bg = max((1, 2), key=lambda t: r[("gen", t)])
        bp = max(((side, t) for side in ("torch", "torch_wide") for t in (1, 2)), key=lambda k: r[k])
        gb = r[("gen", bg)] * s["train_flops"] / 1e9
        L.append("| **%s, best of each** | | | %d vs %d%s | **%.0f** | **%.0f** | **%.1fx** | %.1f | %.0f%% | %.0f%% |" %
                 (name, bg, bp[1], " (SkylakeX)" if bp[0] == "torch_wide" else "", r[("gen", bg)],
                  r[bp], r[("gen", bg)] / r[bp], gb, 100 * gb / peak[(coretype, bg)],
                  100 * gb / peak[(wide, bg)]))
        if a.native:
            for t in (1, 2):
                L.append("| %s, -march=native | %d | | %d | %.0f | | %.1fx | %.1f | | |" %
                         (name, MODELS[name]["batch"], t, r[("native", t)], r[("native", t)] / r[("torch", t)],
                          r[("native", t)] * s["train_flops"] / 1e9))
    L.append("")
    L.append("The rows above run the peer with the environment's OpenBLAS kernels (%s); with "
             "OPENBLAS_CORETYPE=SkylakeX (AVX-512, which lstmc's own kernel uses either way) it "
             "trains %s samples/s on 1 / 2 threads. The best-of-each rows take the peer's best "
             "of all four." % (coretype, "; ".join(
                 "%s %.0f / %.0f" % (n, results[n][("torch_wide", 1)], results[n][("torch_wide", 2)])
                 for n in names)))
    if infer:
        s = sides["forecast"]
        L.append("")
        L.append("Forecast inference, batch 1 (one thread): lstmc %.2f µs per sample (%.1f GFLOP/s)%s, "
                 "PyTorch %.1f µs (%.1fx). Streaming step (one new observation through both LSTMs, "
                 "their (h, c) carried, and the head): lstmc %.2f µs (`forecast_stream_step`), "
                 "PyTorch %.1f µs with nn.LSTM carrying (h, c) (%.1fx)." %
                 (infer["gen"], s["fwd_flops"] / infer["gen"] / 1e3,
                  (", %.2f µs with -march=native" % infer["native"]) if "native" in infer else "",
                  infer["torch_infer"], infer["torch_infer"] / infer["gen"], infer["gen_stream"],
                  infer["torch_stream"], infer["torch_stream"] / infer["gen_stream"]))
    L.append("")
    L.append("The same runs on one thread counted per CPU second of the process (samples / CPU "
             "time): what the machine's other load took from the wall-clock figures above.")
    L.append("")
    L.append("| model | lstmc samples per CPU s | PyTorch samples per CPU s | ratio |")
    L.append("|---|---|---|---|")
    for name in names:
        r = results[name]
        L.append("| %s | %.0f | %.0f | %.1fx |" % (name, r[("gen_cpu", 1)], r[("torch_cpu", 1)],
                                                 r[("gen_cpu", 1)] / r[("torch_cpu", 1)]))
    if infer:
        L.append("")
        L.append("Forecast inference per CPU time: lstmc %.2f µs per sample." % infer["gen_cpu"])
    L.append("")
    L.append("Raw runs (samples/s, or µs for inference):")
    L.append("")
    L.append("```")
    for name in names:
        for k, vals in sorted((k, v) for k, v in results[name]["raw"].items() if "_cpu" not in k):
            L.append("%-10s %-9s %s" % (name, k, " ".join("%.0f" % x for x in vals)))
    if infer:
        for k, vals in sorted(infer["raw"].items()):
            L.append("%-10s %-12s %s" % ("forecast", k, " ".join("%.2f" % x for x in vals)))
    L.append("```")
    return "\n".join(L)


BEGIN, END = "<!-- bench/run results: begin -->", "<!-- bench/run results: end -->"


def write_doc(report):
    path = os.path.join(ROOT, "docs/performance.md")
    text = open(path).read() if os.path.exists(path) else "# Performance\n\n%s\n%s\n" % (BEGIN, END)
    if BEGIN not in text:
        text += "\n%s\n%s\n" % (BEGIN, END)
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(path + ".tmp", "w") as f:
        f.write(head + BEGIN + "\n" + report + "\n" + END + tail)
    os.replace(path + ".tmp", path)
    print("bench: wrote docs/performance.md")


if __name__ == "__main__":
    main()
