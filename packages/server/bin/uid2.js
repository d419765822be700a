#!/usr/bin/env node
// Entry point of the `uid2` command. It exists in the source tree (so `npm ci` can link it before
// `prepare` builds the package) and loads the compiled CLI.
import '../dist/cli.js';
