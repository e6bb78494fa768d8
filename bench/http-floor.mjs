#!/usr/bin/env node
// The floor for the HTTP figures: Node's own HTTP server doing the least a prediction API can do (read
// the body, parse it as JSON, answer a prediction-sized JSON body), with no model and no validation.
// bench/serving.mjs loads it the same way as `modelgate serve`, in the same run, so the page can show
// how much of the latency is Node's HTTP stack and the machine rather than modelgate.
//
//   node bench/http-floor.mjs PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 8081);
const answer = JSON.stringify({ prediction: { label: 'virginica', probability: 0.9997 } });
const length = String(Buffer.byteLength(answer));

createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"invalid_json"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': length });
    res.end(answer);
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
