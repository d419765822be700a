// Runs the `uid2` command in a child process, as a user would, for CLI-level tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const UID2_BIN = fileURLToPath(new URL('../../bin/uid2.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliResult {
  /** Exit code, or the signal name when killed. */
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** The test process's environment without any UID2_* variable, plus a small salt table. */
export function cliEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('UID2_')) env[k] = v;
  return { ...env, UID2_SALT_BUCKET_COUNT: '1024' };
}

/** Runs `uid2 admin <args> --data-dir <dir>` to completion and collects its output. */
export function runAdmin(dataDir: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [UID2_BIN, 'admin', ...args, '--data-dir', dataDir], {
      cwd: ROOT,
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stdout, stderr }));
  });
}
