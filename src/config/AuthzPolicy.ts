import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './ConfigError.ts';

const names = z.array(z.string().min(1)).default([]);
const schema = z.object({
  callers: z
    .array(
      z.object({
        /** Matched against the client certificate's CN and each of its subjectAltName values. */
        identity: z.string().min(1),
        /** Tenants it may read; "*" for all. */
        read: names,
        /** Tenants it may write (writing implies reading); "*" for all. */
        write: names,
        /** Narrower grants: stores of one tenant, each read or write (writing implies reading). */
        stores: z.array(z.object({ tenant: z.string().min(1), read: names, write: names })).default([]),
      }),
    )
    .min(1),
});

type Rule = z.infer<typeof schema>['callers'][number];
const grants = (lists: readonly (readonly string[])[], name: string) => lists.some((list) => list.includes('*') || list.includes(name));

/**
 * AUTHZ_POLICY_FILE: which caller may read and write which tenants, or which stores of a tenant.
 * Validated when read: at start a bad file stops the service with one line naming the entry that
 * is wrong; a bad file read later (ReloadingFile) keeps the policy in force.
 */
export class AuthzPolicy {
  readonly #rules: readonly Rule[];

  private constructor(rules: readonly Rule[]) {
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
        `invalid configuration: AUTHZ_POLICY_FILE: ${problems.join('; ')} (expected {"callers":[{"identity":"…","read":["tenant"],"write":["tenant"],"stores":[{"tenant":"…","read":["store"],"write":["store"]}]}]})`,
      );
    }
    return new AuthzPolicy(parsed.data.callers);
  }

  /** Whether a caller known by `names` may read (or write) all of `tenant`. */
  allows(names: readonly string[], tenant: string, access: 'read' | 'write'): boolean {
    return this.#of(names).some((rule) => grants(access === 'write' ? [rule.write] : [rule.read, rule.write], tenant));
  }

  /** Whether it may read (or write) `store` of `tenant`: by a grant of the whole tenant, or of that store. */
  allowsStore(names: readonly string[], tenant: string, store: string, access: 'read' | 'write'): boolean {
    if (this.allows(names, tenant, access)) return true;
    return this.#of(names).some((rule) =>
      rule.stores.some((s) => s.tenant === tenant && grants(access === 'write' ? [s.write] : [s.read, s.write], store)),
    );
  }

  /** Whether it holds store grants on `tenant` (so a refusal names the store). */
  hasStoreGrants(names: readonly string[], tenant: string): boolean {
    return this.#of(names).some((rule) => rule.stores.some((s) => s.tenant === tenant));
  }

  #of(names: readonly string[]): Rule[] {
    return this.#rules.filter((rule) => names.includes(rule.identity));
  }

  knows(names: readonly string[]): boolean {
    return this.#rules.some((rule) => names.includes(rule.identity));
  }
}
