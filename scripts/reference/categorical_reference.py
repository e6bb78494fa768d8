#!/usr/bin/env python3
"""A generated mixed-type table, and scikit-learn's own categorical gradient boosting on it.

Usage:
  <venv python> scripts/reference/categorical_reference.py --out DIR [--seed 0] \\
      [--table mixed|many|few|mixed-regression] [--train-rows 4000] [--test-rows 2000] [--lightgbm]

Writes DIR/TABLE-train.csv and DIR/TABLE-test.csv (the first --train-rows rows of one generated table,
then the next --test-rows) and prints one JSON object: the held-out accuracy (R^2 for the regression
table) of HistGradientBoostingClassifier (Regressor)(categorical_features="from_dtype",
random_state=seed) fitted on the training rows with the category columns as pandas category dtype,
and the columns that are categories; with --lightgbm, also lightgbm.LGBMClassifier's (Regressor's)
(defaults, the same category columns), as lightgbm_accuracy (lightgbm_r2).

The tables (all from numpy's default_rng(seed)). mixed: two numbers with gaps (x, load), a 12-valued text
category with gaps (city), a 4-valued one whose effect is not monotone in any order (plan, with gaps),
a 3-valued one (channel) and an integer-coded one (segment, codes 1-6, no gaps). The label is "yes"
when an additive score with one interaction (load counts only on two plans) plus logistic noise is
positive; a missing city or plan has an effect of its own, so where missing values go matters.
mixed-regression: the same columns, the target the score plus normal noise (sd 0.5).

many: high-cardinality categories: shop (200 values, Zipf-like frequencies, so many are rare, 5%
missing), region (30 values, 4% missing), a 5-valued tier, and two numbers (age with gaps, spend).
The label: shop, region and tier effects, age, and tier x spend, plus logistic noise.

few: few categories: color (2 values, 5% missing), size (3), kind (4, 7% missing, an effect that
depends on color), channel (3), and two numbers (x, y with gaps).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, r2_score

CATEGORICAL = ["city", "plan", "channel", "segment"]


def generate(rows: int, seed: int, regression: bool = False) -> pd.DataFrame:
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
    # Drawn last, so that the classification table is the same with or without it.
    target = np.round(score + rng.normal(0, 0.5, rows), 4) if regression else label
    return pd.DataFrame(
        {
            "x": np.where(x_missing, np.nan, np.round(x, 4)),
            "load": np.where(load_missing, np.nan, np.round(load, 3)),
            "city": np.where(city_missing, None, city),
            "plan": np.where(plan_missing, None, plan),
            "channel": channel,
            "segment": segment,
            "label": target,
        }
    )


def generate_many(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shops = [f"shop_{i:03d}" for i in range(200)]
    weights = 1.0 / (np.arange(200) + 5.0)
    shop_effect = rng.normal(0, 1.0, 200)
    regions = [f"r{i:02d}" for i in range(30)]
    region_effect = rng.normal(0, 0.7, 30)
    tiers = ["a", "b", "c", "d", "e"]
    tier_effect = np.array([0.6, -0.4, 0.2, -0.8, 0.4])
    tier_slope = np.array([0.0, 0.3, -0.3, 0.0, 0.5])
    shop = rng.choice(200, rows, p=weights / weights.sum())
    region = rng.integers(0, 30, rows)
    tier = rng.integers(0, 5, rows)
    age = rng.uniform(18, 80, rows)
    spend = rng.exponential(1.0, rows)
    score = (
        shop_effect[shop]
        + region_effect[region]
        + tier_effect[tier]
        + tier_slope[tier] * (spend - 1) * 2
        + (age - 49) / 30
    )
    label = np.where(score + rng.logistic(0, 0.5, rows) > 0, "yes", "no")
    shop_missing = rng.random(rows) < 0.05
    region_missing = rng.random(rows) < 0.04
    age_missing = rng.random(rows) < 0.1
    return pd.DataFrame(
        {
            "age": np.where(age_missing, np.nan, np.round(age)),
            "spend": np.round(spend, 3),
            "shop": np.where(shop_missing, None, np.array(shops)[shop]),
            "region": np.where(region_missing, None, np.array(regions)[region]),
            "tier": np.array(tiers)[tier],
            "label": label,
        }
    )


def generate_few(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    colors = np.array(["red", "blue"])
    sizes = np.array(["small", "medium", "large"])
    kinds = np.array(["k1", "k2", "k3", "k4"])
    channels = np.array(["web", "store", "phone"])
    color = rng.integers(0, 2, rows)
    size = rng.integers(0, 3, rows)
    kind = rng.integers(0, 4, rows)
    channel = rng.integers(0, 3, rows)
    x = rng.normal(0, 1, rows)
    y = rng.uniform(-1, 1, rows)
    kind_effect = np.array([[0.9, -0.6, 0.3, -0.7], [-0.5, 0.8, -0.8, 0.4]])
    color_missing = rng.random(rows) < 0.05
    kind_missing = rng.random(rows) < 0.07
    score = (
        np.where(color_missing, 0.5, np.array([0.4, -0.4])[color])
        + np.array([-0.6, 0.2, 0.5])[size]
        + np.where(kind_missing, -0.9, kind_effect[color, kind])
        + np.array([0.3, -0.3, 0.0])[channel]
        + 0.8 * x
        + 0.6 * y * (size == 2)
    )
    label = np.where(score + rng.logistic(0, 0.5, rows) > 0, "yes", "no")
    y_missing = rng.random(rows) < 0.08
    return pd.DataFrame(
        {
            "x": np.round(x, 4),
            "y": np.where(y_missing, np.nan, np.round(y, 4)),
            "color": np.where(color_missing, None, colors[color]),
            "size": sizes[size],
            "kind": np.where(kind_missing, None, kinds[kind]),
            "channel": channels[channel],
            "label": label,
        }
    )


def generate_mixed_regression(rows: int, seed: int) -> pd.DataFrame:
    return generate(rows, seed, regression=True)


TABLES = {
    "mixed": (generate, CATEGORICAL),
    "many": (generate_many, ["shop", "region", "tier"]),
    "few": (generate_few, ["color", "size", "kind", "channel"]),
    "mixed-regression": (generate_mixed_regression, CATEGORICAL),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--table", choices=sorted(TABLES), default="mixed")
    parser.add_argument("--train-rows", type=int, default=4000)
    parser.add_argument("--test-rows", type=int, default=2000)
    parser.add_argument("--lightgbm", action="store_true",
                        help="also LightGBM's held-out accuracy (its defaults, the categories as categories)")
    args = parser.parse_args()

    make, categorical = TABLES[args.table]
    table = make(args.train_rows + args.test_rows, args.seed)
    out = Path(args.out)
    train, test = table.iloc[: args.train_rows], table.iloc[args.train_rows :]
    train.to_csv(out / f"{args.table}-train.csv", index=False)
    test.to_csv(out / f"{args.table}-test.csv", index=False)

    def frame(part: pd.DataFrame) -> pd.DataFrame:
        features = part.drop(columns=["label"]).copy()
        for c in categorical:
            features[c] = pd.Categorical(features[c], categories=sorted(table[c].dropna().unique()))
        return features

    regression = args.table.endswith("regression")
    estimator = HistGradientBoostingRegressor if regression else HistGradientBoostingClassifier
    model = estimator(categorical_features="from_dtype", random_state=args.seed)
    model.fit(frame(train), train["label"])
    predicted = model.predict(frame(test))
    measure = r2_score if regression else accuracy_score
    score = measure(test["label"], predicted)
    result = {}
    if args.lightgbm:
        # LightGBM takes pandas category columns as categorical features (categorical_feature="auto").
        import lightgbm

        lgbm_estimator = lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier
        lgbm = lgbm_estimator(random_state=args.seed, verbose=-1, n_jobs=2)
        lgbm.fit(frame(train), train["label"])
        result["lightgbm_version"] = lightgbm.__version__
        metric = "r2" if regression else "accuracy"
        result[f"lightgbm_{metric}"] = float(measure(test["label"], lgbm.predict(frame(test))))
    json.dump(
        {
            **result,
            "sklearn_version": sklearn.__version__,
            "table": args.table,
            "metric": "r2" if regression else "accuracy",
            # The same figure under its own name, as the first version of this script gave it.
            "r2" if regression else "accuracy": float(score),
            "categorical": categorical,
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
