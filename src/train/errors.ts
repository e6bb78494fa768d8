/** The training data cannot be used as it is: the message names the column, line or value. */
export class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}
