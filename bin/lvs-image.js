#!/usr/bin/env node
// Entry point installed as `lvs-image`: runs the compiled CLI (built by `npm ci` through the prepare script).
import '../dist/cli.js';
