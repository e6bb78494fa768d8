"""Cases for the ensembles and meta-estimators that hold other estimators: voting, stacking, bagging,
AdaBoost, one-vs-rest and one-vs-one, probability calibration and TransformedTargetRegressor. The
estimators inside are small (a few shallow trees, linear models), over every kind of answer they give
(probabilities, labels only, decision functions, values), class counts 2 and 3+, label kinds, frames and
arrays, and missing values where the inner estimators take them."""
from __future__ import annotations

import numpy as np

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    BaggingClassifier,
    BaggingRegressor,
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
    StackingClassifier,
    StackingRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import FixedThresholdClassifier, TunedThresholdClassifierCV
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier, OutputCodeClassifier
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC, SVR, LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import data
from case import Case

cls = lambda classes=3, labels="int", seed=0, **kw: lambda: data.classification(classes, labels, seed=seed, **kw)  # noqa: E731
reg = lambda seed=0, **kw: lambda: data.regression(seed=seed, **kw)  # noqa: E731


def _lr():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


def _svc():
    return make_pipeline(StandardScaler(), LinearSVC(max_iter=5000))


def _tree(depth=3):
    return DecisionTreeClassifier(max_depth=depth, random_state=0)


def _table(family, table):
    return [
        # IsotonicRegression keeps no feature names: fitted on arrays.
        Case(
            name,
            family,
            spec[0],
            spec[1],
            frame=i % 2 == 0 and not name.startswith("isotonic"),
            **({"versions": spec[2]} if len(spec) > 2 else {}),
        )
        for i, (name, spec) in enumerate(table.items())
    ]


def _one_feature(d: data.Dataset, sign: float = 1.0, beyond: bool = True) -> data.Dataset:
    """One feature, the target monotone in it plus noise; held-out rows past both ends of the fitted range."""
    x = d.X.iloc[:, 0].to_numpy()
    y = sign * (x - x.mean()) / x.std() * 10 + np.random.default_rng(0).normal(0, 3, len(x))
    held = d.Xt.copy()
    if beyond:
        held.iloc[0, 0] = x.min() - 5
        held.iloc[1, 0] = x.max() + 5
    else:
        held.iloc[:, 0] = np.clip(held.iloc[:, 0], x.min(), x.max())
    held.iloc[2, 0] = np.sort(x)[3]
    return data.Dataset(d.X, y, held, d.task)


def voting() -> list[Case]:
    three = lambda: [("lr", _lr()), ("dt", _tree()), ("knn", make_pipeline(StandardScaler(), KNeighborsClassifier()))]  # noqa: E731
    table = {
        "voting-hard": (lambda: VotingClassifier(three()), cls(3, seed=1100)),
        "voting-hard-binary-weights": (lambda: VotingClassifier(three(), weights=[2, 1, 1.5]), cls(2, "str", seed=1101)),
        # Two estimators of equal weight disagreeing: the first class of the two wins (np.argmax).
        "voting-hard-ties": (lambda: VotingClassifier([("lr", _lr()), ("dt", _tree(2))]), cls(4, seed=1102)),
        "voting-hard-labels-only": (lambda: VotingClassifier([("svc", _svc()), ("dt", _tree()), ("lr", _lr())]), cls(3, "sparse", seed=1103)),
        "voting-soft": (lambda: VotingClassifier(three(), voting="soft"), cls(3, "str", seed=1104)),
        "voting-soft-weights": (lambda: VotingClassifier(three(), voting="soft", weights=[0.2, 0.5, 0.3]), cls(2, seed=1105)),
        "voting-soft-drop": (
            lambda: VotingClassifier([("lr", _lr()), ("off", "drop"), ("rf", RandomForestClassifier(n_estimators=3, max_depth=3))], voting="soft", weights=[1, 5, 2]),
            cls(3, "float", seed=1106),
        ),
        "voting-soft-missing": (
            lambda: VotingClassifier([("hgb", HistGradientBoostingClassifier(max_iter=5, max_depth=3)), ("dt", _tree())], voting="soft"),
            cls(3, seed=1107, missing=0.15),
        ),
        "voting-hard-missing-refused": (lambda: VotingClassifier([("lr", _lr()), ("dt", _tree())]), cls(3, seed=1108, missing=0.1, where="test")),
        "voting-after-scaler": (
            lambda: make_pipeline(StandardScaler(), VotingClassifier([("knn", KNeighborsClassifier()), ("dt", _tree())], voting="soft")),
            cls(3, "str", seed=1109),
        ),
        "voting-regressor": (lambda: VotingRegressor([("lin", LinearRegression()), ("dt", DecisionTreeRegressor(max_depth=4)), ("knn", KNeighborsRegressor())]), reg(1110)),
        "voting-regressor-weights": (
            lambda: VotingRegressor([("ridge", make_pipeline(StandardScaler(), Ridge())), ("dt", DecisionTreeRegressor(max_depth=4))], weights=[3, 1]),
            reg(1111),
        ),
    }
    return _table("voting", table)


def stacking() -> list[Case]:
    two = lambda: [("lr", _lr()), ("dt", _tree())]  # noqa: E731
    table = {
        "stacking": (lambda: StackingClassifier(two(), cv=3), cls(3, seed=1120)),
        "stacking-binary": (lambda: StackingClassifier(two(), cv=3), cls(2, "str", seed=1121)),
        "stacking-passthrough": (lambda: StackingClassifier(two(), final_estimator=_lr(), passthrough=True, cv=3), cls(3, "sparse", seed=1122)),
        "stacking-predict": (lambda: StackingClassifier(two(), stack_method="predict", cv=3), cls(3, seed=1123)),
        "stacking-decision": (lambda: StackingClassifier([("svc", _svc()), ("dt", _tree())], cv=3), cls(3, seed=1124)),
        "stacking-decision-binary": (lambda: StackingClassifier([("svc", _svc()), ("lr", _lr())], final_estimator=_tree(2), cv=3), cls(2, seed=1125)),
        "stacking-svc": (lambda: StackingClassifier([("svc", make_pipeline(StandardScaler(), SVC())), ("dt", _tree())], cv=3), cls(3, "sparse", seed=1198)),
        "stacking-regressor": (
            lambda: StackingRegressor([("lin", LinearRegression()), ("dt", DecisionTreeRegressor(max_depth=4))], final_estimator=LinearRegression(), cv=3),
            reg(1126),
        ),
        "stacking-regressor-passthrough": (
            lambda: StackingRegressor([("svr", make_pipeline(StandardScaler(), SVR())), ("dt", DecisionTreeRegressor(max_depth=3))], final_estimator=DecisionTreeRegressor(max_depth=4), passthrough=True, cv=3),
            reg(1127),
        ),
    }
    return _table("stacking", table)


def bagging() -> list[Case]:
    table = {
        "bagging": (lambda: BaggingClassifier(_tree(4), n_estimators=4), cls(3, seed=1130)),
        "bagging-binary": (lambda: BaggingClassifier(n_estimators=3), cls(2, "str", seed=1131)),
        "bagging-features": (lambda: BaggingClassifier(_tree(), n_estimators=4, max_features=0.6, bootstrap_features=True), cls(3, "sparse", seed=1132)),
        # Few rows per estimator: some estimators never see a class (their probabilities are placed).
        "bagging-few-samples": (lambda: BaggingClassifier(_tree(), n_estimators=5, max_samples=0.1), cls(5, seed=1133)),
        # An estimator without predict_proba: its votes.
        "bagging-votes": (lambda: BaggingClassifier(_svc(), n_estimators=3, max_features=0.8), cls(3, seed=1134)),
        "bagging-missing": (lambda: BaggingClassifier(_tree(), n_estimators=3), cls(3, seed=1135, missing=0.15)),
        "bagging-regressor": (lambda: BaggingRegressor(n_estimators=4), reg(1136)),
        "bagging-regressor-features": (lambda: BaggingRegressor(KNeighborsRegressor(), n_estimators=3, max_features=0.5), reg(1137)),
        "bagging-regressor-svr": (lambda: BaggingRegressor(make_pipeline(StandardScaler(), SVR()), n_estimators=2), reg(909)),
    }
    return _table("bagging", table)


def adaboost() -> list[Case]:
    table = {
        "adaboost": (lambda: AdaBoostClassifier(n_estimators=6), cls(3, seed=1140)),
        "adaboost-binary": (lambda: AdaBoostClassifier(n_estimators=5), cls(2, "str", seed=1141)),
        "adaboost-depth": (lambda: AdaBoostClassifier(_tree(2), n_estimators=5, learning_rate=0.5), cls(4, seed=1142)),
        "adaboost-logistic": (lambda: AdaBoostClassifier(LogisticRegression(max_iter=5000), n_estimators=3), cls(3, "sparse", seed=1143)),
        "adaboost-missing-refused": (lambda: AdaBoostClassifier(n_estimators=4), cls(3, seed=1144, missing=0.1, where="test")),
        "adaboost-regressor": (lambda: AdaBoostRegressor(n_estimators=6), reg(1145)),
        "adaboost-regressor-square": (lambda: AdaBoostRegressor(DecisionTreeRegressor(max_depth=2), n_estimators=7, loss="square"), reg(1146)),
        "adaboost-regressor-exponential": (lambda: AdaBoostRegressor(n_estimators=5, loss="exponential", learning_rate=0.5), reg(1147)),
    }
    return _table("AdaBoost", table)


def multiclass() -> list[Case]:
    table = {
        "one-vs-rest": (lambda: OneVsRestClassifier(LogisticRegression(max_iter=2000)), cls(3, seed=911)),
        "one-vs-rest-binary": (lambda: OneVsRestClassifier(_lr()), cls(2, "str", seed=1150)),
        "one-vs-rest-svc": (lambda: OneVsRestClassifier(_svc()), cls(4, seed=1151)),
        "one-vs-rest-trees": (lambda: OneVsRestClassifier(_tree()), cls(3, "sparse", seed=1152)),
        "one-vs-rest-stumps": (lambda: OneVsRestClassifier(_tree(1)), cls(4, seed=1159)),
        # Neighbours' probabilities on a grid tie (6 held-out rows): 1.9 takes the first of the equal
        # scores, older versions the last.
        "one-vs-rest-ties-neighbours": (
            lambda: OneVsRestClassifier(KNeighborsClassifier(n_neighbors=3)),
            lambda: data.ties("classification", 3, "int", seed=1160),
        ),
        "one-vs-rest-rbf-svc": (lambda: OneVsRestClassifier(make_pipeline(StandardScaler(), SVC())), cls(3, "str", seed=1196)),
        "one-vs-one-rbf-svc": (lambda: OneVsOneClassifier(make_pipeline(StandardScaler(), SVC(kernel="sigmoid", gamma=0.05))), cls(3, seed=1197)),
        "one-vs-one": (lambda: OneVsOneClassifier(_lr()), cls(3, seed=1153)),
        "one-vs-one-svc": (lambda: OneVsOneClassifier(_svc()), cls(4, "str", seed=1154)),
        "one-vs-one-trees": (lambda: OneVsOneClassifier(_tree(2)), cls(3, seed=1155)),
        "one-vs-one-binary": (lambda: OneVsOneClassifier(_svc()), cls(2, seed=1156)),
        "output-code": (lambda: OutputCodeClassifier(_lr(), code_size=2), cls(3, seed=1157)),
        "output-code-trees": (lambda: OutputCodeClassifier(_tree(), code_size=1.5), cls(4, "str", seed=1158)),
    }
    return _table("one-vs-rest, one-vs-one", table)


def calibration() -> list[Case]:
    table = {
        "calibrated-sigmoid": (lambda: CalibratedClassifierCV(_svc(), cv=3), cls(2, seed=1160)),
        "calibrated-sigmoid-multiclass": (lambda: CalibratedClassifierCV(_svc(), cv=3), cls(3, "str", seed=1161)),
        "calibrated-isotonic": (lambda: CalibratedClassifierCV(_lr(), method="isotonic", cv=3), cls(2, "str", seed=1162)),
        "calibrated-isotonic-multiclass": (lambda: CalibratedClassifierCV(_tree(4), method="isotonic", cv=3), cls(3, seed=1163)),
        "calibrated-no-ensemble": (lambda: CalibratedClassifierCV(_svc(), cv=3, ensemble=False), cls(3, seed=1164)),
        "calibrated-isotonic-no-ensemble": (lambda: CalibratedClassifierCV(_lr(), method="isotonic", cv=4, ensemble=False), cls(4, "sparse", seed=1165)),
        "calibrated-svc": (lambda: CalibratedClassifierCV(make_pipeline(StandardScaler(), SVC()), cv=3), cls(2, "str", seed=1194)),
        "calibrated-svc-multiclass": (lambda: CalibratedClassifierCV(make_pipeline(StandardScaler(), SVC(kernel="poly")), method="isotonic", cv=3), cls(3, seed=1195)),
        "calibrated-forest": (lambda: CalibratedClassifierCV(RandomForestClassifier(n_estimators=3, max_depth=3), cv=3), cls(2, seed=1166)),
        "calibrated-temperature-refused": (lambda: CalibratedClassifierCV(_lr(), method="temperature", cv=3), cls(3, seed=1167), ((1, 8), (99, 0))),
        "threshold-fixed": (lambda: FixedThresholdClassifier(_lr(), threshold=0.3), cls(2, "str", seed=1190), ((1, 5), (99, 0))),
        "threshold-auto-decision": (lambda: FixedThresholdClassifier(_svc()), cls(2, seed=1191), ((1, 5), (99, 0))),
        "threshold-decision": (
            lambda: FixedThresholdClassifier(_lr(), threshold=-0.5, response_method="decision_function"),
            cls(2, "sparse", seed=1192),
            ((1, 5), (99, 0)),
        ),
        "threshold-tuned": (lambda: TunedThresholdClassifierCV(_lr(), cv=3), cls(2, seed=1193), ((1, 5), (99, 0))),
        "isotonic-clip": (lambda: IsotonicRegression(out_of_bounds="clip"), lambda: _one_feature(data.regression(features=1, seed=1168))),
        "isotonic-decreasing": (lambda: IsotonicRegression(out_of_bounds="clip", increasing=False), lambda: _one_feature(data.regression(features=1, seed=1169), -1)),
        "isotonic-nan-refused": (lambda: IsotonicRegression(), lambda: _one_feature(data.regression(features=1, seed=1169), beyond=False)),
    }
    return _table("calibration", table)


def target() -> list[Case]:
    table = {
        "target-identity": (lambda: TransformedTargetRegressor(regressor=LinearRegression()), reg(1170)),
        "target-standard": (lambda: TransformedTargetRegressor(regressor=DecisionTreeRegressor(max_depth=4), transformer=StandardScaler()), reg(1171)),
        "target-minmax": (lambda: TransformedTargetRegressor(regressor=make_pipeline(StandardScaler(), Ridge()), transformer=MinMaxScaler()), reg(1172)),
        # A function of the target: a numpy function in the file, which modelgate refuses to name.
        "target-log-refused": (
            lambda: TransformedTargetRegressor(regressor=LinearRegression(), func=np.log, inverse_func=np.exp),
            reg(1173, positive=True),
        ),
    }
    return _table("TransformedTargetRegressor", table)


def _two_outputs(d: data.Dataset) -> data.Dataset:
    """Two targets per row: the dataset's and a second one from it (their squares)."""
    return data.Dataset(d.X, np.column_stack([d.y, d.y**2]), d.Xt, d.task)


def multi_output() -> list[Case]:
    """Trees and forests with several targets: refused, as an answer of several values per row is not
    in modelgate's card or API yet."""
    return [
        Case(
            "forest-regressor-two-targets",
            "random forests",
            lambda: RandomForestRegressor(n_estimators=3, max_depth=3),
            lambda: _two_outputs(data.regression(seed=1180)),
        ),
        Case(
            "extra-trees-regressor-two-targets",
            "extra trees",
            lambda: ExtraTreesRegressor(n_estimators=3, max_depth=3),
            lambda: _two_outputs(data.regression(seed=1181)),
            frame=False,
        ),
    ]


def cases() -> list[Case]:
    return voting() + stacking() + bagging() + adaboost() + multiclass() + calibration() + target() + multi_output()
