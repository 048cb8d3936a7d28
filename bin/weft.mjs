#!/usr/bin/env node
// The `weft` command: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../server/cli/main.ts');
const { endQuietlyOnClosedPipe } = await import('../server/cli/output.ts');
endQuietlyOnClosedPipe(process.stdout);
endQuietlyOnClosedPipe(process.stderr);
process.exitCode = await main(process.argv.slice(2));
