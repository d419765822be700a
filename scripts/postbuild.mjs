#!/usr/bin/env node
// tsc does not preserve file modes: make the built `uid2` entry point executable so that the
// node_modules/.bin link created by `npm ci` (before `prepare` builds it) can be run.
import { chmodSync, existsSync } from 'node:fs';

const cli = new URL('../packages/server/dist/cli.js', import.meta.url);
if (existsSync(cli)) chmodSync(cli, 0o755);
