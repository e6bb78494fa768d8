// `modelgate/cdk`: the ModelEndpoint construct. aws-cdk-lib and constructs are peer dependencies.
export {
  ModelEndpoint,
  type ModelEndpointCode,
  type ModelEndpointProps,
  parseModelUri,
} from './model-endpoint.js';
