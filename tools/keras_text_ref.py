#!/usr/bin/env python3
"""Reference outputs of Keras' Tokenizer and pad_sequences for test_text.

An independent pure-Python re-implementation (standard library only; no
Keras, no numpy) of the algorithm of keras_preprocessing/text.py
(Tokenizer.fit_on_texts, texts_to_sequences, text_to_word_sequence) and
keras_preprocessing/sequence.py (pad_sequences), version 1.1, which is what
tf.keras.preprocessing.text and .sequence run. It is applied to the review
texts of examples/data/sentiment-labelled-sentences/sls-imdb.csv, read with
Python's csv module, under several settings; the C test (tests/unit/
test_text.c) runs runtime/text.c on the same texts and compares every
index.

Rerun from the repository root:

    python3 tools/keras_text_ref.py > tests/prep/keras_text_sls_imdb.json

The output is deterministic (no randomness, sorted keys).
"""

import csv
import json
import sys
from collections import OrderedDict

DATA = "examples/data/sentiment-labelled-sentences/sls-imdb.csv"
KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
N_FIT = 800  # fit on the first 800 reviews, encode all 1000


def text_to_word_sequence(text, filters, lower, split=" "):
    # keras_preprocessing.text.text_to_word_sequence: lower, translate every
    # filter character to the split string, split, drop empty strings.
    if lower:
        text = text.lower()
    table = str.maketrans({c: split for c in filters})
    text = text.translate(table)
    return [w for w in text.split(split) if w]


class Tokenizer:
    def __init__(self, num_words=None, filters=KERAS_FILTERS, lower=True,
                 oov_token=None):
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.oov_token = oov_token
        self.word_counts = OrderedDict()
        self.word_index = {}

    def fit_on_texts(self, texts):
        for text in texts:
            for w in text_to_word_sequence(text, self.filters, self.lower):
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
        wcounts = list(self.word_counts.items())
        wcounts.sort(key=lambda x: x[1], reverse=True)  # stable
        sorted_voc = [] if self.oov_token is None else [self.oov_token]
        sorted_voc.extend(w for w, _ in wcounts)
        # dict() of the pairs: a later duplicate (the oov token being also a
        # word) overwrites the earlier index, as in Keras.
        self.word_index = dict(zip(sorted_voc, range(1, len(sorted_voc) + 1)))

    def texts_to_sequences(self, texts):
        oov_index = self.word_index.get(self.oov_token)
        out = []
        for text in texts:
            vect = []
            for w in text_to_word_sequence(text, self.filters, self.lower):
                i = self.word_index.get(w)
                if i is not None:
                    if self.num_words and i >= self.num_words:
                        if oov_index is not None:
                            vect.append(oov_index)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov_index)
            out.append(vect)
        return out


def pad_sequences(sequences, maxlen, padding="pre", truncating="pre",
                  value=0):
    out = []
    for s in sequences:
        row = [value] * maxlen
        if s:
            trunc = s[-maxlen:] if truncating == "pre" else s[:maxlen]
            if padding == "post":
                row[:len(trunc)] = trunc
            else:
                row[maxlen - len(trunc):] = trunc
        out.append(row)
    return out


CASES = [
    dict(name="defaults", num_words=None, lower=True, filters=KERAS_FILTERS,
         oov_token=None, maxlen=20, padding="pre", truncating="pre"),
    dict(name="num_words_oov_post", num_words=500, lower=True,
         filters=KERAS_FILTERS, oov_token="<OOV>", maxlen=15,
         padding="post", truncating="post"),
    dict(name="no_lower_mixed", num_words=1000, lower=False,
         filters=KERAS_FILTERS, oov_token=None, maxlen=30, padding="pre",
         truncating="post"),
    dict(name="no_filters_oov", num_words=300, lower=True, filters="",
         oov_token="oov", maxlen=10, padding="post", truncating="pre"),
    dict(name="few_filters", num_words=50, lower=True, filters=".,!?\u00e9",
         oov_token=None, maxlen=8, padding="pre", truncating="pre"),
]


def main():
    with open(DATA, encoding="utf-8", newline="") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    # runtime/text.c lower-cases ASCII letters only; on these texts that is
    # exactly str.lower(), which this check confirms.
    for t in texts:
        ascii_lower = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c
                              for c in t)
        if t.lower() != ascii_lower:
            sys.exit("a text has non-ASCII letters that str.lower() changes")
    cases = []
    for c in CASES:
        tok = Tokenizer(c["num_words"], c["filters"], c["lower"],
                        c["oov_token"])
        tok.fit_on_texts(texts[:N_FIT])
        seqs = tok.texts_to_sequences(texts)
        # index_word[i - 1] is the word of index i (None for an index no
        # word has: 1 when the oov token is also a word).
        top = max(tok.word_index.values(), default=0)
        index_word = [None] * top
        for w, i in tok.word_index.items():
            index_word[i - 1] = w
        case = dict(c)
        case["num_words"] = c["num_words"] or 0
        case["word_count"] = len(tok.word_counts)
        case["index_word"] = index_word
        case["sequences"] = seqs
        case["padded"] = pad_sequences(seqs, c["maxlen"], c["padding"],
                                       c["truncating"])
        cases.append(case)
    out = {
        "source": DATA,
        "command": "python3 tools/keras_text_ref.py > "
                   "tests/prep/keras_text_sls_imdb.json",
        "n_fit": N_FIT,
        "texts": texts,
        "cases": cases,
    }
    json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=True,
              separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
