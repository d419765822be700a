// Load generator process: drives one endpoint with 50 connections for a fixed time, cycling through
// prepared request bodies, and prints {requests, rps, p50, p99, errors} as one JSON line.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface LoadSpec {
  url: string;
  path: string;
  headers: Record<string, string>;
  bodiesFile: string;
  seconds: number;
  connections: number;
}

const spec = JSON.parse(readFileSync(process.argv[2] as string, 'utf8')) as LoadSpec;
const bodies = JSON.parse(readFileSync(spec.bodiesFile, 'utf8')) as string[];
let next = 0;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  // Large identity-map requests queue behind each other on one core; a slow answer is a figure,
  // not an error.
  timeout: 60,
  requests: [
    {
      method: 'POST',
      path: spec.path,
      headers: spec.headers,
      setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] as string }),
    },
  ],
});
process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  })}\n`,
);
