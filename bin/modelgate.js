#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// The AWS SDK tells every process on Node 20 that its releases from 2027 need Node 22: modelgate pins
// its SDK, so on S3 commands that is noise the user did not cause (and it breaks output read by scripts).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
process.exitCode = await main(process.argv.slice(2));
