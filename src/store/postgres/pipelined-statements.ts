/** One statement of a pipeline: a prepared statement's name (undefined: unnamed, parsed each time), its text, and its parameters. */
export interface PipelinedStatement {
  name: string | undefined;
  text: string;
  /** In text format (see wireValue). */
  values: ReadonlyArray<string | null>;
}

/** The parts of pg's connection a pipeline uses: its socket, and the statements pg knows it prepared (pg's own Query uses the same). */
interface WireConnection {
  stream: { writable: boolean; write(buffer: Uint8Array): boolean };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
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

  /**
   * Called by pg when the connection is free: writes the whole message at
   * once, encoded here into one buffer (pg's own serializer would build one
   * buffer per Bind, growing and copying each, and the socket would then
   * gather a few hundred of them).
   */
  submit(connection: WireConnection): Error | null {
    this.connection = connection;
    const parse: boolean[] = [];
    for (const statement of this.statements) {
      const name = statement.name ?? '';
      const prepared = statement.name !== undefined && (connection.parsedStatements[name] !== undefined || connection.submittedNamedStatements[name] !== undefined);
      parse.push(!prepared);
      if (!prepared) {
        // Unnamed statements are counted too, so the n-th ParseComplete is the n-th Parse sent.
        this.parsing.push({ name, text: statement.text });
        if (statement.name !== undefined) connection.submittedNamedStatements[name] = statement.text;
      }
    }
    // As pg's own writes: a socket that is no longer writable fails the query through the connection's end.
    if (connection.stream.writable) connection.stream.write(encodeMessage(this.statements, parse));
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

/**
 * The extended-protocol messages for `statements` (a Parse first for each
 * whose `parse` is set), then one Sync, in one buffer: Parse (name, text, no
 * parameter types), Bind (unnamed portal; no format codes, so every parameter
 * and every result column is text), Execute (unnamed portal, every row).
 */
export function encodeMessage(statements: readonly PipelinedStatement[], parse: readonly boolean[]): Buffer {
  // An upper bound: a UTF-16 code unit is at most 3 bytes of UTF-8.
  let bound = 5;
  for (const [index, statement] of statements.entries()) {
    const nameBytes = (statement.name?.length ?? 0) * 3 + 1;
    if (parse[index]) bound += 1 + 4 + nameBytes + statement.text.length * 3 + 1 + 2;
    bound += 1 + 4 + 1 + nameBytes + 2 + 2 + 2 + 10;
    for (const value of statement.values) bound += 4 + (value === null ? 0 : value.length * 3);
  }
  const buffer = Buffer.allocUnsafe(bound);
  let offset = 0;
  for (const [index, statement] of statements.entries()) {
    const name = statement.name ?? '';
    if (parse[index]) {
      buffer[offset] = 0x50; // 'P'
      const start = offset + 1;
      offset = writeCString(buffer, writeCString(buffer, start + 4, name), statement.text);
      offset = buffer.writeInt16BE(0, offset);
      buffer.writeInt32BE(offset - start, start);
    }
    buffer[offset] = 0x42; // 'B'
    const start = offset + 1;
    offset = writeCString(buffer, writeCString(buffer, start + 4, ''), name);
    offset = buffer.writeInt16BE(0, offset);
    offset = buffer.writeInt16BE(statement.values.length, offset);
    for (const value of statement.values) {
      if (value === null) {
        offset = buffer.writeInt32BE(-1, offset);
      } else {
        const end = writeString(buffer, offset + 4, value);
        buffer.writeInt32BE(end - offset - 4, offset);
        offset = end;
      }
    }
    offset = buffer.writeInt16BE(0, offset);
    buffer.writeInt32BE(offset - start, start);
    offset = EXECUTE.copy(buffer, offset) + offset;
  }
  offset = SYNC.copy(buffer, offset) + offset;
  return buffer.subarray(0, offset);
}

/** Execute of the unnamed portal, all rows; Sync. */
const EXECUTE = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0]);
const SYNC = Buffer.from([0x53, 0, 0, 0, 4]);

function writeCString(buffer: Buffer, offset: number, text: string): number {
  const end = writeString(buffer, offset, text);
  buffer[end] = 0;
  return end + 1;
}

/** Writes `text` as UTF-8 at `offset`; returns where it ends. Short ASCII (most parameters: ids, amounts, times) byte by byte, which beats a call into `buffer.write`. */
function writeString(buffer: Buffer, offset: number, text: string): number {
  const length = text.length;
  if (length <= 64) {
    let index = 0;
    for (; index < length; index += 1) {
      const code = text.charCodeAt(index);
      if (code >= 0x80) break;
      buffer[offset + index] = code;
    }
    if (index === length) return offset + length;
  }
  return offset + buffer.write(text, offset, 'utf8');
}
