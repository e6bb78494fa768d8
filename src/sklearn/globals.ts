// The allowlist: the only globals a pickle may name, and what each becomes. Python's pickle would
// import and call them; here each is rebuilt as data by code of modelgate's own, and anything else (os,
// subprocess, builtins.eval, an unknown class) refuses the whole file, naming it.
import { PickleFormatError, PickleRefusedError, UnsupportedClassError } from './errors.js';
import { arrayFrom, dtypeFromDescr, dtypeFromState, scalarFrom } from './numpy.js';
import {
  CONVERTED_CLASSES,
  FOREIGN_CLASSES,
  PART_CLASSES,
  REFERENCED_NAMES,
  REFUSED_CLASSES,
} from './registry.js';
import {
  DTypeValue,
  NdArray,
  Opaque,
  PyDict,
  PyGlobal,
  PyObject,
  PySet,
  PySlice,
  PyTuple,
  type PyValue,
} from './values.js';

/** scikit-learn classes modelgate rebuilds: the estimators it converts and the objects inside them (registry.ts). */
export const SKLEARN_CLASSES: ReadonlySet<string> = new Set([...CONVERTED_CLASSES, ...PART_CLASSES.keys()]);

const NUMPY_MODULES = new Set([
  'numpy.random._pcg64',
  'numpy.random._philox',
  'numpy.random._sfc64',
  'numpy.random._generator',
  'numpy',
  'numpy.core.multiarray',
  'numpy._core.multiarray',
  'numpy.core.numeric',
  'numpy._core.numeric',
  'numpy.random._pickle',
  'numpy.random',
  'numpy.random.mtrand',
  'numpy.random._mt19937',
  'numpy.random.bit_generator',
]);

// ---------------------------------------------------------------- LightGBM
// lightgbm's Booster and its scikit-learn wrappers are on the registry (FOREIGN_CLASSES, the LightGBM
// family), rebuilt as plain objects whose state (the model text, best_iteration, the classes)
// src/lightgbm/pickle.ts reads as data. Their best_score holds a collections.defaultdict, rebuilt here
// as an empty dict (its factory is never called). Every other lightgbm class
// stays refused below (FOREIGN_MODELS).
const LIGHTGBM_FUNCTIONS: Record<string, (args: PyValue[]) => PyValue> = {
  'collections.defaultdict': ([factory]) => {
    if (
      factory !== undefined &&
      factory !== null &&
      !(
        factory instanceof PyGlobal &&
        ['collections.OrderedDict', 'builtins.dict'].includes(factory.qualified)
      )
    )
      throw new PickleRefusedError(
        'collections.defaultdict',
        'the file makes a collections.defaultdict of a factory modelgate does not read (it reads dict and OrderedDict)',
      );
    return new PyDict();
  },
};
// ---------------------------------------------------------------- end of LightGBM

/** The functions (module.name) the allowlist calls itself, each rebuilding one kind of value. */
const FUNCTIONS: Record<string, (args: PyValue[]) => PyValue> = {
  ...LIGHTGBM_FUNCTIONS,
  'copyreg._reconstructor': ([cls, base, state]) => {
    if (!(cls instanceof PyGlobal)) throw new PickleFormatError('copyreg._reconstructor without a class');
    if (!(base instanceof PyGlobal) || base.qualified !== 'builtins.object')
      throw new PickleRefusedError(
        base instanceof PyGlobal ? base.qualified : String(base),
        `the pickle rebuilds ${cls.qualified} on a base modelgate does not rebuild`,
      );
    const obj = construct(cls, []);
    if (state !== null && state !== undefined && obj instanceof PyObject) obj.state = state;
    return obj;
  },
  'copyreg.__newobj__': ([cls, ...args]) => construct(cls ?? null, args),
  '_codecs.encode': ([text, encoding]) => {
    if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1'))
      throw new PickleRefusedError(
        '_codecs.encode',
        '_codecs.encode is allowed only for latin-1 text (Python 2 bytes)',
      );
    return Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff);
  },
  'builtins.bytearray': (args) => bytesFrom(args).slice(),
  'builtins.bytes': (args) => bytesFrom(args),
  'builtins.set': ([items]) => collect(new PySet(false), items),
  'builtins.frozenset': ([items]) => collect(new PySet(true), items),
  'builtins.slice': (args) => new PySlice(args),
  'collections.OrderedDict': ([pairs]) => {
    const d = new PyDict();
    if (Array.isArray(pairs))
      for (const p of pairs) if (p instanceof PyTuple || Array.isArray(p)) d.map.set(...pairItems(p));
    return d;
  },
  'numpy.dtype': ([descr]) => {
    if (typeof descr !== 'string') throw new PickleFormatError('numpy.dtype without a type string');
    return new DTypeValue(dtypeFromDescr(descr === 'V' ? 'V0' : descr), descr);
  },
  // An empty array its BUILD fills (the shape and type code arguments are placeholders).
  'numpy.core.multiarray._reconstruct': ([cls]) => {
    if (!(cls instanceof PyGlobal) || cls.name !== 'ndarray')
      throw new PickleRefusedError(
        cls instanceof PyGlobal ? cls.qualified : String(cls),
        'an ndarray subclass modelgate does not rebuild',
      );
    return new NdArray(dtypeFromDescr('|u1'), [0], new Uint8Array());
  },
  // A masked array (a search's cv_results_ holds its parameter columns as ones): kept as data, never read.
  'numpy.ma.core._mareconstruct': ([cls]) => {
    if (!(cls instanceof PyGlobal) || cls.qualified !== 'numpy.ma.core.MaskedArray')
      throw new PickleRefusedError(
        cls instanceof PyGlobal ? cls.qualified : String(cls),
        'a masked array subclass modelgate does not rebuild',
      );
    return new PyObject(cls, []);
  },
  'numpy.core.multiarray.scalar': ([dtype, data]) => {
    if (!(dtype instanceof DTypeValue)) throw new PickleFormatError('numpy scalar without a dtype');
    return scalarFrom(dtype.dtype, data ?? null);
  },
  'numpy.core.numeric._frombuffer': ([buffer, dtype, shape, order]) => {
    if (!(dtype instanceof DTypeValue)) throw new PickleFormatError('numpy _frombuffer without a dtype');
    return arrayFrom(dtype.dtype, shapeOf(shape ?? null), order === 'F', buffer ?? null);
  },
  'numpy.random._pickle.__randomstate_ctor': () => new Opaque('numpy RandomState'),
  'numpy.random._pickle.__bit_generator_ctor': () => new Opaque('numpy BitGenerator'),
  'numpy.random._pickle.__generator_ctor': () => new Opaque('numpy Generator'),
  'numpy.random.__RandomState_ctor': () => new Opaque('numpy RandomState'),
  // Random number generator classes, named as arguments of the constructors above or called themselves.
  'numpy.random._pickle.MT19937': () => new Opaque('numpy MT19937'),
  'numpy.random._pickle.PCG64': () => new Opaque('numpy PCG64'),
  'numpy.random._pickle.PCG64DXSM': () => new Opaque('numpy PCG64DXSM'),
  'numpy.random._pickle.Philox': () => new Opaque('numpy Philox'),
  'numpy.random._pickle.SFC64': () => new Opaque('numpy SFC64'),
  'numpy.random._pickle.RandomState': () => new Opaque('numpy RandomState'),
  'numpy.random._pickle.Generator': () => new Opaque('numpy Generator'),
  'numpy.random._pickle.SeedSequence': () => new Opaque('numpy SeedSequence'),
  'numpy.random._pickle.__pyx_unpickle_SeedSequence': () => new Opaque('numpy SeedSequence'),
  // A HistGradientBoosting model's preprocessor passes its numeric columns through
  // FunctionTransformer(partial(check_array, ...)): kept as a name, never called.
  'functools.partial': ([fn]) => {
    if (!(fn instanceof PyGlobal) || !REFERENCED_FUNCTIONS.has(fn.qualified))
      throw new PickleRefusedError(
        'functools.partial',
        `the file wraps ${fn instanceof PyGlobal ? fn.qualified : 'a value'} in functools.partial; modelgate reads only ${[...REFERENCED_FUNCTIONS].join(', ')} there`,
      );
    return new Opaque(`functools.partial(${fn.qualified})`);
  },
};

/**
 * Functions a fitted estimator may name without calling: functools.partial's function, the array
 * namespace's asarray a scipy BSpline (SplineTransformer's bsplines_) keeps in its state, and numpy's
 * mean, FeatureAgglomeration's default pooling_func (which its converter recognizes by name).
 */
const REFERENCED_FUNCTIONS = new Set([
  'sklearn.utils.validation.check_array',
  'scipy._lib.array_api_compat.numpy._aliases.asarray',
  'numpy.mean',
]);

/** Python 2 and numpy 2 module names under the names the table uses. */
function canonical(module: string): string {
  if (module === 'copy_reg') return 'copyreg';
  if (module === '__builtin__') return 'builtins';
  if (module.startsWith('numpy._core')) return `numpy.core${module.slice('numpy._core'.length)}`;
  if (module === 'numpy.core._multiarray_umath') return 'numpy.core.multiarray';
  if (module === 'numpy.ma') return 'numpy.ma.core';
  if (/^numpy\.random\.(mtrand|_mt19937|_pcg64|_philox|_sfc64|bit_generator|_generator)$/.test(module))
    return 'numpy.random._pickle';
  return module;
}

const CLASSES = new Set([
  'builtins.object',
  'builtins.list',
  'builtins.dict',
  'builtins.tuple',
  'numpy.ndarray',
  // A SplineTransformer's fitted splines (bsplines_): knots, coefficients and degree, as data.
  'scipy.interpolate._bsplines.BSpline',
  // A SparseRandomProjection's components_: shape, indices, indptr and data, as data.
  'scipy.sparse._csr.csr_matrix',
  'numpy.dtype',
  'numpy.ma.core.MaskedArray',
  'joblib.numpy_pickle.NumpyArrayWrapper',
  'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper',
]);

/**
 * Models of other libraries, by the package their classes live in: what the pickle holds and how to
 * get such a model into modelgate today. Their classes are not code modelgate refuses to run but models
 * it does not read from a pickle, and the message says so.
 */
const FOREIGN_MODELS: { pattern: RegExp; what: string; instead: string }[] = [
  {
    pattern: /^lightgbm(\.|$)/,
    what: 'a LightGBM object',
    instead:
      "modelgate reads lightgbm.basic.Booster, lightgbm.sklearn.LGBMClassifier and lightgbm.sklearn.LGBMRegressor (and the model text of save_model); for another, save its booster with `booster_.save_model('model.txt')` and import that",
  },
  {
    pattern: /^xgboost(\.|$)/,
    what: 'an XGBoost object',
    instead:
      "modelgate reads xgboost.core.Booster, xgboost.sklearn.XGBClassifier and XGBRegressor (and their XGBRF forms), and the model file of save_model; for another, save its booster with `get_booster().save_model('model.json')` and import that",
  },
  {
    pattern: /^catboost(\.|$)/,
    what: 'a CatBoost model',
    instead:
      "save it as ONNX with CatBoost itself (model.save_model('model.onnx', format='onnx')), then `modelgate pack model.onnx --out packed.onnx`",
  },
  {
    pattern: /^torch(\.|$)/,
    what: 'a PyTorch object',
    instead: 'export the network with torch.onnx.export, then `modelgate pack model.onnx --out packed.onnx`',
  },
];

/**
 * scikit-learn 1.5 and 1.6 wheels name the Cython loss classes of sklearn._loss._loss by the extension
 * module's bare name (`_loss.CyHalfBinomialLoss`, `_loss.__pyx_unpickle_CyHalfMultinomialLoss`): the
 * same classes, read the same way; only those names are accepted under it.
 */
function bareLossClass(module: string, name: string): boolean {
  if (module !== '_loss') return false;
  const cls = name.startsWith('__pyx_unpickle_') ? name.slice('__pyx_unpickle_'.length) : name;
  return cls.startsWith('Cy') && SKLEARN_CLASSES.has(cls);
}

/** The global a pickle names, if the allowlist has it; else the file is refused, naming it. */
export function resolveGlobal(module: string, name: string): PyGlobal {
  const mod = canonical(module);
  const qualified = `${mod}.${name}`;
  if (CLASSES.has(qualified) || qualified in FUNCTIONS || REFERENCED_FUNCTIONS.has(qualified))
    return new PyGlobal(mod, name);
  if (FOREIGN_CLASSES.has(qualified)) return new PyGlobal(mod, name);
  if (bareLossClass(module, name)) return new PyGlobal('sklearn._loss._loss', name);
  if (/^sklearn(\.[A-Za-z_][\w]*)+$/.test(mod)) {
    if (SKLEARN_CLASSES.has(name) || REFERENCED_NAMES.has(name)) return new PyGlobal(mod, name);
    const refused = REFUSED_CLASSES.get(name);
    if (refused)
      throw new UnsupportedClassError(`${module}.${name}`, `a ${name} (${module}.${name}): ${refused}`);
    // Cython's generated reducers: __pyx_unpickle_<Class>(cls, checksum, state); the neighbour trees' newObj(cls)
    if (name.startsWith('__pyx_unpickle_') && SKLEARN_CLASSES.has(name.slice('__pyx_unpickle_'.length)))
      return new PyGlobal(mod, name);
    if (name === 'newObj') return new PyGlobal(mod, name);
    throw new UnsupportedClassError(
      `${module}.${name}`,
      `a scikit-learn ${name} (${module}.${name}); it converts the ${CONVERTED_CLASSES.length} scikit-learn classes listed in docs/importing.md (Estimators)`,
    );
  }
  const foreign = FOREIGN_MODELS.find((f) => f.pattern.test(module));
  if (foreign)
    throw new UnsupportedClassError(
      `${module}.${name}`,
      `${foreign.what} (${module}.${name}) from a pickle: ${foreign.instead}`,
    );
  if (NUMPY_MODULES.has(module) && /^(float|int|uint|bool|complex)(\d+|_)?$/.test(name))
    return new PyGlobal(mod, name);
  throw new PickleRefusedError(
    `${module}.${name}`,
    `the file names ${module}.${name}, which is not on modelgate's allowlist: nothing in it was run, and it is refused`,
  );
}

/** bytes(...) and bytearray(...) as protocol 2 writes them: nothing, bytes, or latin-1 text. */
function bytesFrom([text, encoding]: PyValue[]): Uint8Array {
  if (text === undefined || text === null) return new Uint8Array();
  if (text instanceof Uint8Array) return text;
  return FUNCTIONS['_codecs.encode']?.([text, encoding ?? 'latin1']) as Uint8Array;
}

function collect(set: PySet, items: PyValue | undefined): PySet {
  // Item by item: spreading a file-sized list into push() overflows the JavaScript stack.
  const from = Array.isArray(items) ? items : items instanceof PyTuple ? items.items : [];
  for (const v of from) set.items.push(v);
  return set;
}

function pairItems(p: PyTuple | PyValue[]): [unknown, PyValue] {
  const items = p instanceof PyTuple ? p.items : p;
  return [items[0], items[1] ?? null];
}

function shapeOf(shape: PyValue): number[] {
  const items = shape instanceof PyTuple ? shape.items : Array.isArray(shape) ? shape : [shape];
  return items.map((d) => {
    const n = typeof d === 'bigint' ? Number(d) : d;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
      throw new PickleFormatError(`a numpy array with a malformed shape`);
    return n;
  });
}

/** `cls.__new__(cls, *args)` for an allowlisted class. */
function construct(cls: PyValue, args: PyValue[]): PyValue {
  if (!(cls instanceof PyGlobal)) throw new PickleFormatError('NEWOBJ on something that is not a class');
  switch (cls.qualified) {
    case 'builtins.object':
      return new PyObject(cls, args);
    case 'builtins.list':
      return [];
    case 'builtins.dict':
      return new PyDict();
    case 'builtins.tuple':
      return new PyTuple([]);
    case 'numpy.dtype':
      return FUNCTIONS['numpy.dtype']?.(args) as PyValue;
  }
  if (
    cls.qualified in FUNCTIONS ||
    REFERENCED_FUNCTIONS.has(cls.qualified) ||
    (cls.module.startsWith('sklearn.') && REFERENCED_NAMES.has(cls.name))
  )
    throw new PickleRefusedError(cls.qualified, `${cls.qualified} is a function, not a class`);
  return new PyObject(cls, args);
}

/** `callable(*args)`: an allowlisted function, or an allowlisted class called to make an instance. */
function call(callable: PyValue, args: PyValue[]): PyValue {
  if (!(callable instanceof PyGlobal))
    throw new PickleFormatError('REDUCE on something that is not a global');
  const fn = FUNCTIONS[callable.qualified];
  if (fn) return fn(args);
  if (callable.module.startsWith('sklearn.') && callable.name === 'newObj')
    return construct(args[0] ?? null, []);
  if (callable.name.startsWith('__pyx_unpickle_')) {
    const [cls, , state] = args;
    const obj = construct(cls ?? null, []);
    if (obj instanceof PyObject && state !== undefined) obj.state = state;
    return obj;
  }
  if (/^numpy\.(float|int|uint|bool|complex)/.test(callable.qualified)) {
    // numpy's scalar types called on a value (old pickles)
    const [v] = args;
    return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? v : null;
  }
  return construct(callable, args);
}

/** BUILD: give an object its state (`__setstate__` for numpy's types, the instance dict otherwise). */
function build(obj: PyObject | NdArray, state: PyValue): void {
  if (obj instanceof NdArray) {
    // (version, shape, dtype, is_fortran, data)
    const items = state instanceof PyTuple ? state.items : [];
    const [shape, dtype, fortran, data] = items.length === 5 ? items.slice(1) : items;
    if (!(dtype instanceof DTypeValue)) throw new PickleFormatError('an ndarray state without a dtype');
    const arr = arrayFrom(
      dtype.dtype,
      shapeOf(shape ?? null),
      fortran === true || fortran === 1,
      data ?? null,
    );
    obj.dtype = arr.dtype;
    obj.shape = arr.shape;
    obj.bytes = arr.bytes;
    obj.objects = arr.objects;
    return;
  }
  if (obj.state instanceof PyDict && state instanceof PyDict) {
    for (const [k, v] of state.map) obj.state.map.set(k, v);
    return;
  }
  obj.state = state;
}

/** BUILD on a dtype: its byte order and fields. */
function buildDtype(value: DTypeValue, state: PyValue): void {
  value.dtype = dtypeFromState(value.descr === 'V' ? 'V0' : value.descr, state);
}

export const callGlobal = {
  call,
  construct,
  build(obj: PyObject | NdArray | DTypeValue, state: PyValue): void {
    if (obj instanceof DTypeValue) buildDtype(obj, state);
    else build(obj, state);
  },
};
