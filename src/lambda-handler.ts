// `modelgate/lambda/handler`: the Lambda function's entry (`index.handler` of a packaged function).
// Importing it loads the model the environment names (see handlerFromEnv in src/lambda.ts) during the
// init phase, so Init Duration includes the load and the first invoke is already warm. A model that
// fails to load fails init with a message that says what failed and where; Lambda retries init next
// time.
import { handlerFromEnv, type LambdaHandler } from './lambda.js';

// This file's own folder, where `modelgate package` puts modelgate.json: in the bundle, the library's
// code may sit in a chunk of its own, one folder down.
export const handler: LambdaHandler = await handlerFromEnv(process.env, new URL('.', import.meta.url));
