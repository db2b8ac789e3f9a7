import type { DynamicModule, FactoryProvider, InjectionToken, ModuleMetadata, OptionalFactoryDependency } from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { CallChain, callDeadline, callScope, type ErrorMapping } from '@pos-masterdata/grpc-chain';
import {
  Database,
  DbScope,
  watchWritable,
  WritableHealthMonitor,
  type DatabaseOptions,
  type PrismaClientLike,
} from '@pos-masterdata/resilient-prisma';
import { CallScopeInterceptor } from './CallScopeInterceptor.ts';
import { DatabaseHealthIndicator } from './DatabaseHealthIndicator.ts';
import { GrpcPolicies, type PackageDefinitionLike } from './grpcPolicies.ts';
import { nestExceptionMapper } from './nestExceptions.ts';

export interface ResilientPrismaModuleOptions<C extends PrismaClientLike> {
  /** What `new Database(...)` takes (endpoint, createClient, max, …), or a Database you made. */
  readonly database: DatabaseOptions<C> | Database<C>;
  readonly grpc?: {
    /** proto-loader's `loadSync(...)` of the protos your `@GrpcMethod` handlers serve: each method's `idempotency_level` is its policy. */
    readonly packageDefinitions: readonly PackageDefinitionLike[];
  };
  /**
   * The chain each handler runs in (default: callDeadline, then callScope(db)); add your own
   * middleware here, and create it with the `errors` given (they know NestJS's exceptions).
   */
  readonly chain?: (db: Database<C>, settings: { defaultDeadlineMs: number; errors: ErrorMapping }) => CallChain;
  /** For calls whose client sent no deadline, and for HTTP routes (default 5,000 ms). */
  readonly defaultDeadlineMs?: number;
  /** Your domain errors' statuses and your wording (grpc-chain's toServiceError). */
  readonly errors?: ErrorMapping;
  /** A thrown error no table knows (a bug), answered as a bare INTERNAL (default: console.error). */
  readonly onInternalError?: (error: unknown, method: string) => void;
  /** How often DatabaseHealthIndicator's monitor probes the writer (default 2,000 ms). */
  readonly healthIntervalMs?: number;
  /** Install the interceptor for every handler of the application (default true); false: `@UseInterceptors(CallScopeInterceptor)`. */
  readonly globalInterceptor?: boolean;
}

export interface ResilientPrismaModuleAsyncOptions<C extends PrismaClientLike> extends Pick<ModuleMetadata, 'imports'> {
  readonly inject?: (InjectionToken | OptionalFactoryDependency)[];
  readonly useFactory: (...args: never[]) => ResilientPrismaModuleOptions<C> | Promise<ResilientPrismaModuleOptions<C>>;
  /** As in forRoot; decided here because it decides which providers the module has. */
  readonly globalInterceptor?: boolean;
}

const OPTIONS = Symbol('ResilientPrismaModuleOptions');
const LIFECYCLE = Symbol('ResilientPrismaModuleLifecycle');

/**
 * One Database per application, for every module (global): inject `Database` or `DbScope`
 * (`db.scope.db()` in a repository, whatever the repository's scope), `DatabaseHealthIndicator`
 * and `CallScopeInterceptor`. The Database starts before the application listens and closes on
 * its shutdown hooks (`app.enableShutdownHooks()`, or `app.close()`). No decorators: the module
 * works the same whatever the application's tsconfig says of them.
 */
export class ResilientPrismaModule {
  static forRoot<C extends PrismaClientLike>(options: ResilientPrismaModuleOptions<C>): DynamicModule {
    return ResilientPrismaModule.#module({ provide: OPTIONS, useValue: options }, options.globalInterceptor);
  }

  static forRootAsync<C extends PrismaClientLike>(options: ResilientPrismaModuleAsyncOptions<C>): DynamicModule {
    const module = ResilientPrismaModule.#module(
      { provide: OPTIONS, useFactory: options.useFactory as (...args: unknown[]) => unknown, inject: options.inject ?? [] },
      options.globalInterceptor,
    );
    return { ...module, imports: options.imports ?? [] };
  }

  static #module(options: DynamicModule['providers'] extends (infer P)[] | undefined ? P : never, globalInterceptor = true): DynamicModule {
    type Options = ResilientPrismaModuleOptions<PrismaClientLike>;
    const database: FactoryProvider = {
      provide: Database,
      inject: [OPTIONS],
      useFactory: async (o: Options) => {
        const db = o.database instanceof Database ? o.database : new Database(o.database);
        await db.start();
        return db;
      },
    };
    const monitor: FactoryProvider = {
      provide: WritableHealthMonitor,
      inject: [Database, OPTIONS],
      useFactory: (db: Database<PrismaClientLike>, o: Options) => {
        const m = watchWritable(db, { intervalMs: o.healthIntervalMs ?? 2_000, onChange: () => undefined });
        // A failed first probe is a verdict (down), not an error: the schedule goes on.
        void m.start().catch(() => undefined);
        return m;
      },
    };
    const interceptor: FactoryProvider = {
      provide: CallScopeInterceptor,
      inject: [Database, OPTIONS, Reflector],
      useFactory: (db: Database<PrismaClientLike>, o: Options, reflector: Reflector) => {
        // NestJS's exceptions are refusals the handler meant; then the application's mappers.
        const errors: ErrorMapping = { ...o.errors, domain: [nestExceptionMapper, ...(o.errors?.domain ?? [])] };
        const settings = { defaultDeadlineMs: o.defaultDeadlineMs ?? 5_000, errors };
        const chain =
          o.chain?.(db, settings) ??
          CallChain.create({
            ...settings,
            onInternalError: o.onInternalError ?? ((error, method) => console.error(`internal error in ${method}`, error)),
          })
            .use(callDeadline)
            .use(callScope(db));
        return new CallScopeInterceptor(chain, new GrpcPolicies(o.grpc?.packageDefinitions ?? []), reflector);
      },
    };
    const lifecycle: FactoryProvider = {
      provide: LIFECYCLE,
      inject: [Database, WritableHealthMonitor],
      // NestJS calls the hooks of every provider's instance, a factory's too.
      useFactory: (db: Database<PrismaClientLike>, m: WritableHealthMonitor) => ({
        onApplicationShutdown: async () => {
          m.stop();
          await db.close();
        },
      }),
    };
    const health: FactoryProvider = {
      provide: DatabaseHealthIndicator,
      inject: [WritableHealthMonitor],
      useFactory: (m: WritableHealthMonitor) => new DatabaseHealthIndicator(m),
    };
    const scope: FactoryProvider = { provide: DbScope, inject: [Database], useFactory: (db: Database<PrismaClientLike>) => db.scope };
    return {
      module: ResilientPrismaModule,
      global: true,
      providers: [
        options,
        database,
        scope,
        monitor,
        interceptor,
        lifecycle,
        health,
        ...(globalInterceptor ? [{ provide: APP_INTERCEPTOR, useExisting: CallScopeInterceptor }] : []),
      ],
      exports: [Database, DbScope, WritableHealthMonitor, CallScopeInterceptor, DatabaseHealthIndicator],
    };
  }
}
