/** One statement of a pipeline: a prepared statement's name (undefined: unnamed, parsed each time), its text, and its parameters. */
export interface PipelinedStatement {
  name: string | undefined;
  text: string;
  /** In text format (see wireValue). */
  values: ReadonlyArray<string | null>;
}

/** The parts of pg's connection a pipeline writes to (pg's own Query uses the same). */
interface WireConnection {
  stream: { cork?: () => void; uncork?: () => void };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(config: { text: string; name: string; types: unknown[] }): void;
  bind(config: { portal: string; statement: string; values: Array<string | null>; binary: boolean }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  on(event: 'parseComplete', listener: () => void): void;
  removeListener(event: 'parseComplete', listener: () => void): void;
}

/**
 * Several prepared statements sent as one message of the extended protocol:
 * Parse (only for a statement this connection has not prepared yet), Bind and
 * Execute for each, and one Sync at the end. Outside an explicit transaction
 * block PostgreSQL runs everything before a Sync as one implicit transaction,
 * committed at the Sync; after an error it skips the rest up to the Sync and
 * rolls all of it back. So this commits every statement or none, like a
 * multi-statement simple query, but the server binds stored plans instead of
 * parsing and planning statement text each time.
 *
 * A pg "submittable": pass it to `client.query`, then await `result`, which
 * resolves with the first column of the last row any statement returned.
 */
export class PipelinedStatements {
  readonly result: Promise<string | null | undefined>;
  private settle!: { resolve: (value: string | null | undefined) => void; reject: (error: unknown) => void };
  private lastValue: string | null | undefined;
  /** Statements this message asks the server to prepare, in order; `prepared` of them are confirmed (ParseComplete). */
  private readonly parsing: Array<{ name: string; text: string }> = [];
  private prepared = 0;
  private connection: WireConnection | undefined;
  private readonly onParseComplete = () => {
    const statement = this.parsing[this.prepared];
    this.prepared += 1;
    if (statement && statement.name !== '') {
      this.connection!.parsedStatements[statement.name] = statement.text;
      delete this.connection!.submittedNamedStatements[statement.name];
    }
  };

  constructor(private readonly statements: readonly PipelinedStatement[]) {
    this.result = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
  }

  /** Called by pg when the connection is free: writes the whole message at once. */
  submit(connection: WireConnection): Error | null {
    this.connection = connection;
    connection.stream.cork?.();
    try {
      for (const statement of this.statements) {
        const name = statement.name ?? '';
        const prepared = statement.name !== undefined && (connection.parsedStatements[name] !== undefined || connection.submittedNamedStatements[name] !== undefined);
        if (!prepared) {
          connection.parse({ text: statement.text, name, types: [] });
          // Unnamed statements are counted too, so the n-th ParseComplete is the n-th Parse sent.
          this.parsing.push({ name, text: statement.text });
          if (statement.name !== undefined) connection.submittedNamedStatements[name] = statement.text;
        }
        connection.bind({ portal: '', statement: name, values: statement.values as Array<string | null>, binary: false });
        connection.execute({ portal: '', rows: 0 });
      }
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    if (this.parsing.length > 0) connection.on('parseComplete', this.onParseComplete);
    return null;
  }

  handleRowDescription(): void {}

  handleDataRow(message: { fields: Array<string | null> }): void {
    this.lastValue = message.fields[0];
  }

  handleCommandComplete(): void {}

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: WireConnection): void {
    connection.sendCopyFail('No COPY in a pipelined message');
  }

  handleCopyData(): void {}

  /**
   * pg stops routing this message's replies to it after an error; the server
   * rolls the whole message back and skips the rest of it, so the statements
   * whose Parse it did not confirm were not prepared (a prepared statement
   * outlives the transaction that failed, so those it confirmed stay prepared).
   */
  handleError(error: unknown): void {
    this.finish();
    this.settle.reject(error);
  }

  handleReadyForQuery(): void {
    this.finish();
    this.settle.resolve(this.lastValue);
  }

  private finish(): void {
    const connection = this.connection;
    if (!connection || this.parsing.length === 0) return;
    connection.removeListener('parseComplete', this.onParseComplete);
    for (const { name } of this.parsing.slice(this.prepared)) if (name !== '') delete connection.submittedNamedStatements[name];
  }
}

/**
 * A parameter in text format. Only what a one-round-trip write binds (as the
 * literals it replaced): text, integers, finite numbers, booleans and NULL.
 */
export function wireValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Cannot bind ${value} as a parameter.`);
    return String(value);
  }
  throw new Error(`Cannot bind a ${typeof value} as a parameter.`);
}
