import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { ValidateFunction } from 'ajv';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

/**
 * Route schemas compiled on first use instead of at start-up. Fastify compiles
 * every route's validator (Ajv) and serializer (fast-json-stringify) before it
 * listens: over a thousand here, about half a second, most of a cold start.
 * Here each compile waits until its route first needs it, and once the server
 * listens the rest are compiled in the background, one per event-loop turn, so
 * a request never waits behind more than one. The compiled functions are the
 * ones Fastify would have made; a schema that cannot compile fails its route's
 * first request instead of the start (`compileAll` is how tests find one).
 */
export class DeferredCompiles {
  private readonly pending: Array<() => void> = [];

  /** A validator with Ajv's calling convention (`errors` after a false result) that compiles on its first call. */
  validator(compile: () => ValidateFunction): ValidateFunction {
    let compiled: ValidateFunction | undefined;
    const ensure = () => (compiled ??= compile());
    const validate = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
      const real = ensure();
      const valid = real(data, context);
      validate.errors = real.errors;
      return valid;
    }) as ValidateFunction;
    validate.errors = null;
    // Fastify passes the parent object (so Ajv may coerce the root in place) only to a function that has schemaEnv, as Ajv's do.
    (validate as { schemaEnv: unknown }).schemaEnv = true;
    this.pending.push(ensure);
    return validate;
  }

  /** A serializer that compiles on its first call. */
  serializer(compile: () => (data: unknown) => string): (data: unknown) => string {
    let compiled: ((data: unknown) => string) | undefined;
    const ensure = () => (compiled ??= compile());
    this.pending.push(ensure);
    return (data) => ensure()(data);
  }

  /** Compiles everything still pending, now (throws the first compile error). */
  compileAll(): number {
    const count = this.pending.length;
    for (const ensure of this.pending.splice(0)) ensure();
    return count;
  }

  /**
   * Compiles what is pending one per turn until done or stopped (a failure is left for its route's first request to
   * report). The immediates stay ref'd: an unref'd one does not keep the loop turning, and would wait for other work.
   */
  compileInBackground(): { stop: () => void } {
    let stopped = false;
    const next = () => {
      const ensure = stopped ? undefined : this.pending.shift();
      if (!ensure) return;
      try {
        ensure();
      } catch {
        // Its route's first request compiles it again and answers with the error.
      }
      setImmediate(next);
    };
    setImmediate(next);
    return { stop: () => void (stopped = true) };
  }
}

const deferredByServer = new WeakMap<FastifyInstance, DeferredCompiles>();

/** The `schemaController` option that defers every response serializer of a server (validators: `installRequestValidation`). */
export function deferredSerializerOption(deferred: DeferredCompiles): FastifyServerOptions['schemaController'] {
  const selector = SerializerSelector();
  return {
    compilersFactory: {
      buildSerializer: (externalSchemas: unknown, options: unknown) => {
        const compileFor = selector(externalSchemas as never, options as never);
        return (route: Parameters<typeof compileFor>[0]) => deferred.serializer(() => compileFor(route));
      },
    },
  };
}

/** Ties `deferred` to `server`: compiled in the background once it listens, and reachable by `deferredCompilesOf`. */
export function attachDeferredCompiles(server: FastifyInstance, deferred: DeferredCompiles): void {
  deferredByServer.set(server, deferred);
  let background: { stop: () => void } | undefined;
  server.addHook('onListen', (done) => {
    background ??= deferred.compileInBackground();
    done();
  });
  server.addHook('onClose', (_instance, done) => {
    background?.stop();
    done();
  });
}

/** The deferred compiles of a server made by `createEdgeServer`. */
export function deferredCompilesOf(server: FastifyInstance): DeferredCompiles {
  const deferred = deferredByServer.get(server);
  if (!deferred) throw new Error('This server was not made by createEdgeServer.');
  return deferred;
}
