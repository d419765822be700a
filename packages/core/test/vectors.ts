// Loads the reference test vectors (a verbatim copy of ../shared/reference/vectors.json).
import { readFileSync } from 'node:fs';

export interface Vector {
  name: string;
  source?: string;
  input: Record<string, unknown>;
  expected: Record<string, unknown>;
  notes?: string;
}

const data = JSON.parse(readFileSync(new URL('./fixtures/vectors.json', import.meta.url), 'utf8')) as {
  categories: Record<string, Vector[]>;
};

export function category(name: string): Vector[] {
  const list = data.categories[name];
  if (!list || list.length === 0) throw new Error(`no vectors in category ${name}`);
  return list;
}

export function vector(categoryName: string, nameIncludes: string): Vector {
  const v = category(categoryName).find((x) => x.name.includes(nameIncludes));
  if (!v) throw new Error(`no vector '${nameIncludes}' in ${categoryName}`);
  return v;
}

/** The master (164) and site (165) keys shared by the Java, .NET and Python SDK test suites. */
export function sharedSdkKeys(): {
  master: { id: number; secret: Buffer };
  site: { id: number; secret: Buffer };
} {
  const e = vector('sdk_shared_keys_and_encodings', 'shared SDK test key material').expected as {
    master_key: { id: number; secret_b64: string };
    site_key: { id: number; secret_b64: string };
  };
  return {
    master: { id: e.master_key.id, secret: Buffer.from(e.master_key.secret_b64, 'base64') },
    site: { id: e.site_key.id, secret: Buffer.from(e.site_key.secret_b64, 'base64') },
  };
}
