// `modelgate/server`: the prediction API as a Node HTTP server, for containers and Kubernetes.

export {
  LATENCY_BUCKETS,
  ROWS_BUCKETS,
  ServerMetrics,
  type ServerMetricsOptions,
} from './adapters/metrics.js';
export { loadPredictor, type ModelSource } from './adapters/model.js';
export { ModelSourceError } from './adapters/model-file.js';
export { type RunningServer, type ServerOptions, startServer } from './adapters/server.js';
export { Core, type CoreOptions, type CoreRequest, type CoreResponse, type ModelStatus } from './api/core.js';
export { type OpenApiSource, openApiDocument } from './api/openapi.js';
