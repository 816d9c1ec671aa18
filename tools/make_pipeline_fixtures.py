#!/usr/bin/env python3
"""Writes the small data slices of tests/pipeline/data/ from examples/data/.

Run from the source root:  python3 tools/make_pipeline_fixtures.py
The output is deterministic; commit it with this script.
"""
import csv
import os

SRC = "examples/data"
OUT = "tests/pipeline/data"


def read(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def write(path, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def main():
    air = read(f"{SRC}/r-airpassengers/r-airpassengers.csv")
    write(f"{OUT}/airline-60.csv", air[:61])            # header + 1949-1953
    sea = read(f"{SRC}/seattle-weather/seattle-weather.csv")
    write(f"{OUT}/seattle-400.csv", sea[:401])          # header + 400 days

    # Japanese vowels: the first 10 training and 4 test sequences per speaker.
    rows = read(f"{SRC}/japanese-vowels/japanese-vowels.csv")
    seqs, cur = [], None
    for r in rows[1:]:
        key = (r[0], r[1])
        if cur is None or cur[0] != key:
            cur = [key, []]
            seqs.append(cur)
        cur[1].append(r)
    out, count = [rows[0]], {}
    for (split, _), rs in seqs:
        k = (split, rs[0][-1])
        count[k] = count.get(k, 0) + 1
        if count[k] <= (10 if split == "train" else 4):
            out += rs
    write(f"{OUT}/vowels-small.csv", out)

    # Sentiment: 600 yelp + 600 amazon sentences to train, 200 amazon to test.
    sls = f"{SRC}/sentiment-labelled-sentences"
    yelp, amazon = read(f"{sls}/sls-yelp.csv"), read(f"{sls}/sls-amazon.csv")
    write(f"{OUT}/sentiment-train.csv", [["text", "label"]] + yelp[1:601] + amazon[1:601])
    write(f"{OUT}/sentiment-test.csv", [["text", "label"]] + amazon[601:801])

    # Bad inputs, each with one defect.
    write(f"{OUT}/bad/missing-column.csv", [["date", "passengers"]] + air[1:61])
    bad = [r[:] for r in air[:61]]
    bad[13][1] = "abc"                                  # line 14, column 2
    write(f"{OUT}/bad/bad-cell.csv", bad)
    write(f"{OUT}/bad/few-rows.csv", air[:9])           # 8 rows < window + 1
    nan = [r[:] for r in air[:61]]
    nan[19][1] = "nan"                                  # line 20, column 2
    write(f"{OUT}/bad/nan.csv", nan)
    unseen = [r[:] for r in out]
    last = unseen[-1][1]
    for r in unseen[1:]:
        if r[0] == "test" and r[1] == last:
            r[-1] = "10"                                # a speaker never trained on
    write(f"{OUT}/bad/unseen-class.csv", unseen)
    mixed = [r[:] for r in out]
    mixed[5][-1] = "2"                                  # line 6: speaker 2 inside speaker 1's sequence
    write(f"{OUT}/bad/group-labels.csv", mixed)
    empty = read(f"{OUT}/sentiment-train.csv")
    empty[5][0] = "   "                                 # line 6: no words
    write(f"{OUT}/bad/empty-text.csv", empty)


if __name__ == "__main__":
    main()
