// Searches and frozen estimators: a fitted GridSearchCV (and its kin) serves its best_estimator_, the
// model refit on all the data with the best parameters, as its predict does; a FrozenEstimator serves
// the estimator it wraps. Their search state (cv_results_, the scorer, the splitter) is read as data
// and left aside.
import { ModelImportError } from '../errors.js';
import type { Family } from '../flow.js';
import type { Estimator } from '../state.js';

/** A search's refit model, or an error when it was fitted without one (refit=False). */
function bestEstimator(est: Estimator): Estimator {
  if (!est.has('best_estimator_'))
    throw new ModelImportError(
      `the ${est.name} holds no refit model (fitted with refit=False): save or refit search.best_estimator_`,
    );
  return est.estimator('best_estimator_');
}

/**
 * The splitters a search keeps in its cv attribute that the differential cases cover; the others
 * (group splitters, leave-p-out, predefined splits, lists of splits) are refused by name until a
 * case shows them read.
 */
const SPLITTERS = [
  'KFold',
  'StratifiedKFold',
  'RepeatedKFold',
  'RepeatedStratifiedKFold',
  'ShuffleSplit',
  'StratifiedShuffleSplit',
  'TimeSeriesSplit',
];

/** The functions scikit-learn's named scorers call (get_scorer_names() of 1.6 and 1.9), by name. */
const METRICS = [
  'accuracy_score',
  'balanced_accuracy_score',
  'brier_score_loss',
  'd2_brier_score',
  'd2_log_loss_score',
  'f1_score',
  'jaccard_score',
  'log_loss',
  'matthews_corrcoef',
  'precision_score',
  'recall_score',
  'average_precision_score',
  'roc_auc_score',
  'top_k_accuracy_score',
  'd2_absolute_error_score',
  'explained_variance_score',
  'max_error',
  'mean_absolute_error',
  'mean_absolute_percentage_error',
  'mean_gamma_deviance',
  'mean_poisson_deviance',
  'mean_squared_error',
  'mean_squared_log_error',
  'median_absolute_error',
  'r2_score',
  'root_mean_squared_error',
  'root_mean_squared_log_error',
  'negative_likelihood_ratio',
  'positive_likelihood_ratio',
  'adjusted_mutual_info_score',
  'adjusted_rand_score',
  'completeness_score',
  'fowlkes_mallows_score',
  'homogeneity_score',
  'mutual_info_score',
  'normalized_mutual_info_score',
  'rand_score',
  'v_measure_score',
];

export const family: Family = {
  family: 'model selection',
  wrappers: {
    GridSearchCV: bestEstimator,
    RandomizedSearchCV: bestEstimator,
    HalvingGridSearchCV: bestEstimator,
    HalvingRandomSearchCV: bestEstimator,
    FrozenEstimator: (est) => est.estimator('estimator'),
    // self-training fits its estimator_ on the labelled and the pseudo-labelled rows; predict is its
    SelfTrainingClassifier: (est) => est.estimator('estimator_'),
  },
  parts: {
    _Scorer: "a search's scorer",
    _PassthroughScorer: "a search's scorer (the estimator's own score)",
    MetadataRequest: "a search's default scorer's metadata routing (scikit-learn 1.6)",
    MethodMetadataRequest: "a search's default scorer's metadata routing (scikit-learn 1.6)",
    ...Object.fromEntries(SPLITTERS.map((s) => [s, "a search's cross-validation splitter"])),
  },
  references: Object.fromEntries(METRICS.map((m) => [m, "the metric a search's scorer names"])),
};
