#!/usr/bin/python3
"""Writes the fixtures of tests/unit/test_report.c with scikit-learn itself.

    /usr/bin/python3 tools/make_report_fixtures.py tests/report

needs Debian's python3-sklearn (scikit-learn 1.2.1, numpy 1.24); the
fixtures in the repository were made that way. The inputs are made here
by a seeded generator and written next to the expected outputs, so the C
test reads exactly the numbers sklearn saw.

For every classification case NAME:
  NAME.in   line 1: class names separated by TAB, or "-" for the codes
            ("0", "1", ...); line 2: digits; line 3: number of classes;
            line 4: y_true codes separated by spaces; line 5: y_pred codes
  NAME.txt  classification_report(y_true, y_pred, labels=range(k),
            target_names=names, digits=digits, zero_division="warn"),
            byte for byte (print() would add one more newline)
  NAME.cm   confusion_matrix(y_true, y_pred, labels=range(k)), one row per
            line, counts separated by spaces
  NAME.warn the UndefinedMetricWarning messages sklearn issued, one a line

For the regression case:
  regression.in   line 1: n; then n lines "y_true y_pred" (repr, exact)
  regression.out  rmse, mae and mape * 100 as Python's repr, one a line:
                  sqrt(mean_squared_error), mean_absolute_error,
                  mean_absolute_percentage_error * 100
"""
import math
import os
import random
import sys
import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (classification_report, confusion_matrix,
                             mean_absolute_error,
                             mean_absolute_percentage_error,
                             mean_squared_error)


def noisy(rng, y_true, k, accuracy):
    return [t if rng.random() < accuracy else rng.randrange(k) for t in y_true]


def classification_cases():
    rng = random.Random(20261128)
    cases = []

    # The sentiment seed: two named classes.
    y = [rng.randrange(2) for _ in range(200)]
    cases.append(("binary", ["Negative", "Positive"], 2, y,
                  noisy(rng, y, 2, 0.8)))

    # Codes as names, the classification seed's default.
    y = [rng.randrange(3) for _ in range(57)]
    cases.append(("codes", None, 2, y, noisy(rng, y, 3, 0.6)))

    # A class never predicted: precision 0 with a warning.
    y = [rng.randrange(4) for _ in range(40)]
    p = [v if v != 3 else rng.randrange(3) for v in noisy(rng, y, 4, 0.7)]
    cases.append(("never_predicted", ["drizzle", "fog", "rain", "snow"], 2,
                  y, p))

    # Names longer than "weighted avg", one of them not ASCII (Python
    # counts code points), and more digits.
    names = ["sun", "rain-and-thunderstorm", "Schnee über Nacht", "晴天"]
    y = [rng.randrange(4) for _ in range(1234)]
    cases.append(("long_names", names, 3, y, noisy(rng, y, 4, 0.5)))

    # A class in neither y_true nor y_pred: "micro avg" replaces accuracy,
    # and recall is ill-defined too.
    y = [rng.choice([0, 1, 3]) for _ in range(30)]
    p = [v if rng.random() < 0.7 else rng.choice([0, 1, 3]) for v in y]
    cases.append(("absent_class", ["a", "b", "c", "d"], 2, y, p))

    # Many classes (pairwise summation blocks in the averages).
    y = [rng.randrange(19) for _ in range(3000)]
    cases.append(("many", None, 2, y, noisy(rng, y, 19, 0.45)))
    return cases


def write_case(out, name, names, digits, y_true, y_pred, k):
    labels = list(range(k))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = classification_report(
            y_true, y_pred, labels=labels, target_names=names, digits=digits,
            zero_division="warn")
    msgs = sorted({str(w.message) for w in caught
                   if issubclass(w.category, UndefinedMetricWarning)})
    cm = confusion_matrix(y_true, y_pred, labels=labels)
    with open(os.path.join(out, name + ".in"), "w", encoding="utf-8") as f:
        f.write(("\t".join(names) if names else "-") + "\n")
        f.write("%d\n%d\n" % (digits, k))
        f.write(" ".join(map(str, y_true)) + "\n")
        f.write(" ".join(map(str, y_pred)) + "\n")
    with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as f:
        f.write(report)
    with open(os.path.join(out, name + ".cm"), "w") as f:
        for row in cm:
            f.write(" ".join(str(int(v)) for v in row) + "\n")
    with open(os.path.join(out, name + ".warn"), "w") as f:
        for m in msgs:
            f.write(m + "\n")


def write_regression(out):
    rng = random.Random(7)
    n = 301  # above numpy's pairwise block of 128
    y_true, y_pred = [], []
    for i in range(n):
        t = 100 + 50 * math.sin(i / 7) + rng.gauss(0, 20)
        if i % 50 == 0:
            t = 0.0  # MAPE divides by eps here, as sklearn does
        y_true.append(t)
        y_pred.append(t + rng.gauss(0, 15) if i % 50 else t)
    yt, yp = np.array(y_true), np.array(y_pred)
    rmse = math.sqrt(mean_squared_error(yt, yp))
    mae = mean_absolute_error(yt, yp)
    mape = mean_absolute_percentage_error(yt, yp) * 100
    with open(os.path.join(out, "regression.in"), "w") as f:
        f.write("%d\n" % n)
        for t, p in zip(y_true, y_pred):
            f.write("%r %r\n" % (t, p))
    with open(os.path.join(out, "regression.out"), "w") as f:
        f.write("%r\n%r\n%r\n" % (rmse, mae, mape))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/report"
    os.makedirs(out, exist_ok=True)
    for name, names, digits, y_true, y_pred in classification_cases():
        k = len(names) if names else max(y_true + y_pred) + 1
        write_case(out, name, names, digits, y_true, y_pred, k)
    write_regression(out)


if __name__ == "__main__":
    main()
