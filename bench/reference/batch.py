"""scikit-learn's own predict_proba on batches of rows: rows per second at each batch size, repeated for
at least `seconds`. argv: model file (pickle or joblib), rows as JSON [[...]], batch sizes "1,100,10000",
seconds, and the fewest calls (default 3). The model was fitted on a DataFrame or an array; the batch is built the same way once, outside
the clock, so only predict_proba is timed."""
import json
import sys
import time

import joblib
import numpy as np
import pandas as pd

model = joblib.load(sys.argv[1])
rows = np.array(json.loads(sys.argv[2]), dtype=float)
sizes = [int(s) for s in sys.argv[3].split(",")]
seconds = float(sys.argv[4])
min_calls = int(sys.argv[5]) if len(sys.argv) > 5 else 3
names = getattr(model, "feature_names_in_", None)
result = {}
for size in sizes:
    batch = rows[np.arange(size) % len(rows)]
    x = pd.DataFrame(batch, columns=names) if names is not None else batch
    model.predict_proba(x)
    calls, start = 0, time.perf_counter()
    while True:
        model.predict_proba(x)
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and calls >= min_calls:
            break
    result[size] = {"rowsPerSecond": size * calls / elapsed, "calls": calls}
print(json.dumps(result))
