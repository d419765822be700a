// The `uid2` command. Each subcommand lives in its own module and is loaded only when used.
import { UsageError } from './cli/options.js';
import { VERSION } from './version.js';

const HELP = `uid2 ${VERSION} — UID2 operator, opt-out service, portal and admin

Usage:
  uid2 serve [options]        run the system (operator API, opt-out, portal, admin)
  uid2 admin <resource> <verb> [options]
                              manage sites, keys, key pairs, keysets, partners, rotation, audit
  uid2 map [options]          map a CSV of emails/phones/hashes to raw UID2s through an operator
  uid2 --version              print the version
  uid2 <command> --help       help for a command

Roles of uid2 serve (--roles, default all): operator (the participant API), optout (DSP opt-out
webhooks), portal (the consumers' Transparency and Control Portal), admin (the admin HTTP API).
Documentation: README.md and docs/ in the repository.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(HELP);
      return 0;
    case '-v':
    case '--version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case 'serve': {
      const { serveCommand } = await import('./cli/serve.js');
      return serveCommand(rest);
    }
    case 'admin': {
      const { adminCommand } = await import('./cli/admin.js');
      return adminCommand(rest);
    }
    case 'map': {
      const { runMapCommand } = await import('@uid2-ts/client/cli');
      return runMapCommand(rest, {
        env: process.env,
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    }
    default:
      process.stderr.write(`uid2: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`uid2: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
