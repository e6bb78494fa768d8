// The reference request, and the API Gateway (REST API, proxy integration) event that carries it: what
// the benchmarks send to both sides.
export const ROW = { sepal_length: 5.9, sepal_width: 3, petal_length: 5.1, petal_width: 1.8 };

export const EVENT = {
  resource: '/{proxy+}',
  path: '/predict',
  httpMethod: 'POST',
  headers: { 'Content-Type': 'application/json' },
  requestContext: { stage: 'prod' },
  body: JSON.stringify(ROW),
  isBase64Encoded: false,
};
