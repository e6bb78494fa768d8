import { NdArray, PyDict, PyObject, PyTuple, type PyValue } from '../../src/sklearn/values.js';

/** The scikit-learn classes of every object in a value the pickle reader rebuilt. */
export function sklearnClassesIn(value: PyValue, into = new Set<string>()): Set<string> {
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof PyObject) {
      if (v.cls.module.startsWith('sklearn')) into.add(v.cls.name);
      visit(v.state);
      v.listItems.forEach(visit);
      v.args.forEach(visit);
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
