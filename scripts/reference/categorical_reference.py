#!/usr/bin/env python3
"""A generated mixed-type table, and scikit-learn's own categorical gradient boosting on it.

Usage:
  <venv python> scripts/reference/categorical_reference.py --out DIR [--seed 0] \\
      [--train-rows 4000] [--test-rows 2000]

Writes DIR/mixed-train.csv and DIR/mixed-test.csv (the first --train-rows rows of one generated table,
then the next --test-rows) and prints one JSON object: the held-out accuracy of
HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed) fitted on the
training rows with the category columns as pandas category dtype, and the columns that are categories;
with --lightgbm, also lightgbm.LGBMClassifier's (defaults, the same category columns).

The table (all from numpy's default_rng(seed)): two numbers with gaps (x, load), a 12-valued text
category with gaps (city), a 4-valued one whose effect is not monotone in any order (plan, with gaps),
a 3-valued one (channel) and an integer-coded one (segment, codes 1-6, no gaps). The label is "yes"
when an additive score with one interaction (load counts only on two plans) plus logistic noise is
positive; a missing city or plan has an effect of its own, so where missing values go matters.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import accuracy_score

CATEGORICAL = ["city", "plan", "channel", "segment"]


def generate(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cities = [f"city_{i:02d}" for i in range(12)]
    city_effect = dict(zip(cities, rng.normal(0, 1.2, len(cities))))
    plans = ["basic", "plus", "pro", "max"]
    plan_effect = {"basic": 0.8, "plus": -0.9, "pro": 0.9, "max": -0.7}
    channels = ["web", "store", "phone"]
    channel_effect = {"web": 0.3, "store": -0.2, "phone": -0.1}
    segment_effect = {1: 0.9, 2: -0.8, 3: 0.7, 4: -0.6, 5: 0.0, 6: -0.2}

    x = rng.normal(0, 1, rows)
    load = rng.uniform(0, 10, rows)
    city = rng.choice(cities, rows)
    plan = rng.choice(plans, rows)
    channel = rng.choice(channels, rows)
    segment = rng.integers(1, 7, rows)
    city_missing = rng.random(rows) < 0.08
    plan_missing = rng.random(rows) < 0.06
    score = (
        1.0 * x
        + np.array([city_effect[c] for c in city])
        + np.where(plan_missing, 1.2, [plan_effect[p] for p in plan])
        + 0.25 * (load - 5) * np.isin(plan, ["pro", "max"])
        + np.array([channel_effect[c] for c in channel])
        + np.array([segment_effect[s] for s in segment])
    )
    score = np.where(city_missing, score - np.array([city_effect[c] for c in city]) - 1.0, score)
    noise = rng.logistic(0, 0.5, rows)
    label = np.where(score + noise > 0, "yes", "no")
    x_missing = rng.random(rows) < 0.1
    load_missing = rng.random(rows) < 0.05
    return pd.DataFrame(
        {
            "x": np.where(x_missing, np.nan, np.round(x, 4)),
            "load": np.where(load_missing, np.nan, np.round(load, 3)),
            "city": np.where(city_missing, None, city),
            "plan": np.where(plan_missing, None, plan),
            "channel": channel,
            "segment": segment,
            "label": label,
        }
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-rows", type=int, default=4000)
    parser.add_argument("--test-rows", type=int, default=2000)
    parser.add_argument("--lightgbm", action="store_true",
                        help="also LightGBM's held-out accuracy (its defaults, the categories as categories)")
    args = parser.parse_args()

    table = generate(args.train_rows + args.test_rows, args.seed)
    out = Path(args.out)
    train, test = table.iloc[: args.train_rows], table.iloc[args.train_rows :]
    train.to_csv(out / "mixed-train.csv", index=False)
    test.to_csv(out / "mixed-test.csv", index=False)

    def frame(part: pd.DataFrame) -> pd.DataFrame:
        features = part.drop(columns=["label"]).copy()
        for c in CATEGORICAL:
            features[c] = pd.Categorical(features[c], categories=sorted(table[c].dropna().unique()))
        return features

    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=args.seed)
    model.fit(frame(train), train["label"])
    predicted = model.predict(frame(test))
    result = {}
    if args.lightgbm:
        # LightGBM takes pandas category columns as categorical features (categorical_feature="auto").
        import lightgbm

        lgbm = lightgbm.LGBMClassifier(random_state=args.seed, verbose=-1, n_jobs=2)
        lgbm.fit(frame(train), train["label"])
        result["lightgbm_version"] = lightgbm.__version__
        result["lightgbm_accuracy"] = float(accuracy_score(test["label"], lgbm.predict(frame(test))))
    json.dump(
        {
            **result,
            "sklearn_version": sklearn.__version__,
            "accuracy": float(accuracy_score(test["label"], predicted)),
            "categorical": CATEGORICAL,
            "train_rows": args.train_rows,
            "test_rows": args.test_rows,
            "seed": args.seed,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
