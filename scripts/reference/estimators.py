"""scikit-learn's own list of its estimators (sklearn.utils.all_estimators), by kind, as the coverage
table in docs/importing.md counts them against what modelgate converts:

    .venv-ref/bin/python scripts/reference/estimators.py > test/fixtures/sklearn-estimators.json

Kinds are all_estimators' type filters (classifier, regressor, transformer, cluster; an estimator
may be several), plus outlier detectors (OutlierMixin) and density models (DensityMixin), which
have no filter of their own.
"""
import json
import warnings

import sklearn
from sklearn.base import DensityMixin, OutlierMixin
from sklearn.utils import all_estimators

warnings.filterwarnings("ignore")
kinds = {k: sorted(n for n, _ in all_estimators(type_filter=k)) for k in ("classifier", "regressor", "transformer", "cluster")}
everything = all_estimators()
kinds["outlier_detector"] = sorted(n for n, c in everything if issubclass(c, OutlierMixin))
kinds["density"] = sorted(n for n, c in everything if issubclass(c, DensityMixin))
listed = {n for names in kinds.values() for n in names}
kinds["other"] = sorted(n for n, _ in everything if n not in listed)
print(json.dumps({"sklearn": sklearn.__version__, "kinds": kinds}, indent=1))
