"""Cases for the text vectorizers: CountVectorizer, TfidfVectorizer and TfidfTransformer over a column of
free text (at the top of a Pipeline, or in a ColumnTransformer beside numeric columns), over the settings
that change what they count (lowercase, token_pattern, ngram_range, min/max_df, max_features, binary,
stop words) and how they weigh it (norm, use_idf, smooth_idf, sublinear_tf); and the settings and
classes modelgate refuses (character analyzers, strip_accents, hashed n-grams, ...); HashingVectorizer
over single words, with collisions of its hashes in few columns."""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import data
from case import Case
from data import Dataset

# Words by the class they lean to, and words every class uses: Unicode letters (accents, Greek, CJK,
# German sharp s), digits, an underscore, words of one letter (no token under the default pattern),
# and mixed case.
TOPICS = [
    ["Café", "crème", "croissant", "naïve", "thé", "Straße", "brot"],
    ["python", "code", "Bug", "fix_it", "v2", "日本語", "compile"],
    ["ΑΘΗΝΑ", "ωμέγα", "sea", "Ship", "port", "wind", "déjà"],
]
COMMON = ["the", "a", "and", "is", "of", "it", "I", "good", "BAD", "very", "x"]
UNSEEN = ["zebra", "Ünseen", "ñandú", "quux", "мир"]
PUNCTUATION = [".", ",", "!", "?", ";", " -", "...", " (ok)", "'s", ":)"]
# The held-out rows' edges; the last has stop words between the words of n-grams.
N_TEST_EXTRA = [
    "",
    "   ",
    "!!!",
    "the the the THE",
    "Café café CAFÉ café",
    "a I x",
    "ΑΘΗΝΑ the very port, it port; Ship and the sea is very good of wind",
    # Python lowercases these otherwise than the graph can (a final sigma, a dotted capital I):
    # modelgate refuses the rows.
    "ΟΔΟΣ port sea",
    "İstanbul code",
]


def _sentence(rng: np.random.Generator, topic: int, unseen: bool) -> str:
    words = []
    for _ in range(int(rng.integers(3, 11))):
        if unseen and rng.random() < 0.25:
            w = UNSEEN[int(rng.integers(len(UNSEEN)))]
        elif rng.random() < 0.55:
            w = TOPICS[topic][int(rng.integers(len(TOPICS[topic])))]
        else:
            w = COMMON[int(rng.integers(len(COMMON)))]
        if rng.random() < 0.15:
            w = w.upper() if rng.random() < 0.5 else w.lower()
        if rng.random() < 0.1:
            words.append(w)  # a repeated token
        if rng.random() < 0.2:
            w = w + PUNCTUATION[int(rng.integers(len(PUNCTUATION)))]
        words.append(w)
    return " ".join(words)


def documents(classes: int = 3, seed: int = 0, labels: str = "str", task: str = "classification", numeric: bool = False) -> Dataset:
    """Sentences over a small vocabulary (seeded), their class the topic most of their words come from;
    held-out rows with words never seen in training, empty and punctuation-only text. With `numeric`,
    two numeric columns beside the text (a ColumnTransformer's)."""
    rng = np.random.default_rng(seed + 3000)
    n = data.N_TRAIN + data.N_TEST
    topics = rng.integers(classes, size=n)
    texts = [_sentence(rng, int(t), unseen=i >= data.N_TRAIN) for i, t in enumerate(topics)]
    texts[-len(N_TEST_EXTRA):] = N_TEST_EXTRA
    frame = pd.DataFrame({"text": texts})
    if numeric:
        frame["alpha"] = rng.normal(size=n) * 10 + topics
        frame["beta"] = rng.normal(size=n) + 50
    if task == "regression":
        y = topics * 2.0 + rng.normal(size=n) * 0.3
    else:
        y = np.array(data.LABELS[labels], dtype=object)[topics] if labels in ("str", "unicode") else topics
    return Dataset(frame[: data.N_TRAIN], y[: data.N_TRAIN], frame[data.N_TRAIN :], task)


def _logreg():
    return LogisticRegression(max_iter=1000)


def _top(name: str, vectorizer, final=None, **kw) -> Case:
    """A Pipeline of the vectorizer and a final estimator, fitted on the text column alone."""
    task = "regression" if isinstance(final, Ridge) else "classification"
    return Case(
        name,
        "text",
        lambda: make_pipeline(vectorizer(), final if final is not None else _logreg()),
        lambda: documents(task=task, **kw),
        column="text",
    )


def cases() -> list[Case]:
    counts = {
        "default": {},
        "binary": {"binary": True},
        "ngrams-1-2": {"ngram_range": (1, 2)},
        "ngrams-2-2": {"ngram_range": (2, 2)},
        "ngrams-1-3-min-df": {"ngram_range": (1, 3), "min_df": 2},
        "cased": {"lowercase": False},
        "df-bounds": {"min_df": 3, "max_df": 0.5},
        "max-features": {"max_features": 12},
        "single-letters": {"token_pattern": r"(?u)\b\w+\b"},
        "stop-words": {"stop_words": ["the", "and", "is", "of", "it"]},
        # n-grams made once the stop words are gone: "good the very" gives the bigram "good very".
        "stop-words-ngrams": {"stop_words": ["the", "and", "is", "of", "it", "a"], "ngram_range": (1, 3)},
        "english-stop-words": {"stop_words": "english"},
        "vocabulary": {"vocabulary": ["café", "python", "sea", "good", "bad", "zebra"]},
        # What the analyzer never makes: scikit-learn never counts it (the graph pads rows with "#").
        "vocabulary-never-counted": {"vocabulary": ["café", "#", "good bad", "python", "x", "a  b", "Sea"]},
    }
    tfidfs = {
        "default": {},
        "l1": {"norm": "l1"},
        "no-norm": {"norm": None},
        "sublinear": {"sublinear_tf": True},
        "raw-idf": {"smooth_idf": False},
        "no-idf": {"use_idf": False},
        "ngrams-1-2": {"ngram_range": (1, 2), "sublinear_tf": True},
        "binary": {"binary": True, "norm": "l1"},
        "float32": {"dtype": np.float32},
        "stop-words-ngrams": {"stop_words": ["the", "very", "good", "café"], "ngram_range": (2, 2)},
    }
    out = [
        _top(f"text-count-{name}", lambda p=p: CountVectorizer(**p)) for name, p in counts.items()
    ] + [
        _top(f"text-tfidf-{name}", lambda p=p: TfidfVectorizer(**p)) for name, p in tfidfs.items()
    ]
    out += [
        _top("text-tfidf-two-classes", TfidfVectorizer, classes=2, labels="int"),
        _top("text-tfidf-unicode-labels", TfidfVectorizer, labels="unicode"),
        _top("text-tfidf-ridge", TfidfVectorizer, Ridge(alpha=0.5)),
        Case(
            "text-count-tfidf-transformer",
            "text",
            lambda: make_pipeline(CountVectorizer(ngram_range=(1, 2)), TfidfTransformer(sublinear_tf=True), _logreg()),
            documents,
            column="text",
        ),
        Case(
            "text-column-transformer",
            "text",
            lambda: make_pipeline(
                ColumnTransformer(
                    [
                        ("words", TfidfVectorizer(ngram_range=(1, 2)), "text"),
                        ("numbers", StandardScaler(), ["alpha", "beta"]),
                    ]
                ),
                _logreg(),
            ),
            lambda: documents(numeric=True),
        ),
        Case(
            "text-column-transformer-counts",
            "text",
            lambda: make_pipeline(
                ColumnTransformer(
                    [("words", make_pipeline(CountVectorizer(), TfidfTransformer(norm="l1")), "text")],
                    remainder="passthrough",
                ),
                _logreg(),
            ),
            lambda: documents(numeric=True, classes=2),
        ),
    ]
    hashings = {
        "default": {"n_features": 256},
        "collisions-binary": {"n_features": 8, "binary": True},
        "collisions": {"n_features": 8, "norm": None},
        "unsigned-l1": {"n_features": 64, "alternate_sign": False, "norm": "l1"},
        "single-letters-cased": {"n_features": 128, "token_pattern": r"\b\w+\b", "lowercase": False},
    }
    out += [
        _top(f"text-hashing-{name}", lambda p=p: HashingVectorizer(**p)) for name, p in hashings.items()
    ]
    out.append(
        Case(
            "text-hashing-tfidf-transformer",
            "text",
            lambda: make_pipeline(HashingVectorizer(n_features=128), TfidfTransformer(), _logreg()),
            documents,
            column="text",
        )
    )
    # Refused: what ONNX's string operators cannot reproduce.
    refused = {
        "text-refused-char": lambda: CountVectorizer(analyzer="char"),
        "text-refused-char-wb": lambda: TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)),
        "text-refused-strip-accents": lambda: TfidfVectorizer(strip_accents="unicode"),
        "text-refused-token-pattern": lambda: CountVectorizer(token_pattern=r"[a-z]+"),
        "text-refused-english-stop-words-ngrams": lambda: CountVectorizer(stop_words="english", ngram_range=(1, 2)),
        "text-refused-hashing-ngrams": lambda: HashingVectorizer(n_features=64, ngram_range=(1, 2)),
    }
    out += [_top(name, make) for name, make in refused.items()]
    return out
