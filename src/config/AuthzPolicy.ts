import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './ConfigError.ts';

const tenants = z.array(z.string().min(1)).default([]);
const schema = z.object({
  callers: z
    .array(
      z.object({
        /** Matched against the client certificate's CN and each of its subjectAltName values. */
        identity: z.string().min(1),
        /** Tenants it may read; "*" for all. */
        read: tenants,
        /** Tenants it may write (writing implies reading); "*" for all. */
        write: tenants,
      }),
    )
    .min(1),
});

/**
 * AUTHZ_POLICY_FILE: which caller may read and write which tenants. Read and validated once at
 * start; a bad file stops the service with one line naming the entry that is wrong.
 */
export class AuthzPolicy {
  readonly #rules: z.infer<typeof schema>['callers'];

  private constructor(rules: z.infer<typeof schema>['callers']) {
    this.#rules = rules;
  }

  static fromFile(path: string): AuthzPolicy {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new ConfigError(
        `invalid configuration: AUTHZ_POLICY_FILE: ${path} is not JSON (${error instanceof Error ? error.message.split('\n')[0] : 'unreadable'})`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
      throw new ConfigError(
        `invalid configuration: AUTHZ_POLICY_FILE: ${problems.join('; ')} (expected {"callers":[{"identity":"…","read":["tenant"],"write":["tenant"]}]})`,
      );
    }
    return new AuthzPolicy(parsed.data.callers);
  }

  /** Whether a caller known by `names` may read (or write) `tenant`. */
  allows(names: readonly string[], tenant: string, access: 'read' | 'write'): boolean {
    return this.#rules.some((rule) => {
      if (!names.includes(rule.identity)) return false;
      const lists = access === 'write' ? [rule.write] : [rule.read, rule.write];
      return lists.some((list) => list.includes('*') || list.includes(tenant));
    });
  }

  knows(names: readonly string[]): boolean {
    return this.#rules.some((rule) => names.includes(rule.identity));
  }
}
