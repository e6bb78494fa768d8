import { NdArray, PyDict, PyGlobal, PyObject, PyTuple, type PyValue } from '../../src/sklearn/values.js';

/**
 * The classes of every scikit-learn (and LightGBM and XGBoost: their wrappers stand in Pipelines) object in a value the
 * pickle reader rebuilt, by name.
 */
export function sklearnClassesIn(value: PyValue, into = new Set<string>()): Set<string> {
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof PyObject) {
      if (/^(sklearn|lightgbm|xgboost)\./.test(v.cls.module)) into.add(v.cls.name);
      visit(v.state);
      v.listItems.forEach(visit);
      v.args.forEach(visit);
    } else if (v instanceof PyGlobal) {
      // a function the state names without calling it (a scorer's metric, a selector's score_func)
      if (v.module.startsWith('sklearn')) into.add(v.name);
    } else if (v instanceof PyDict)
      for (const [k, x] of v.map) {
        visit(k);
        visit(x);
      }
    else if (v instanceof PyTuple) v.items.forEach(visit);
    else if (v instanceof NdArray) v.objects?.forEach(visit);
    else if (Array.isArray(v)) v.forEach(visit);
  };
  visit(value);
  return into;
}
