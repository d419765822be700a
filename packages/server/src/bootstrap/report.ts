import type { BootstrapReport } from './bootstrap.js';

/** The demo publisher's credentials as printed once, by whichever command created them. */
export function formatDemoCredentials(demo: NonNullable<BootstrapReport['demo']>, indent = '  '): string[] {
  return [
    `${indent}Demo publisher credentials (shown once; only a hash of the API key is stored):`,
    `${indent}  site id          ${demo.siteId}`,
    `${indent}  API key          ${demo.apiKey}`,
    `${indent}  secret           ${demo.secret}`,
    `${indent}  roles            ${demo.roles.join(', ')}`,
    `${indent}  CSTG subscription ${demo.subscriptionId}`,
    `${indent}  CSTG public key  ${demo.publicKey}`,
  ];
}
