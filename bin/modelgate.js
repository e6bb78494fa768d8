#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

// On Node 20 the AWS SDK prints a notice that its future releases will need Node 22. The SDK installed
// works on the Node 20 modelgate supports, so on S3 commands that is noise the user did not cause (and
// it breaks output that scripts read). The Lambda runtime (nodejs22.x) never prints it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ||= 'true';
process.exitCode = await main(process.argv.slice(2));
