import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/*
 * Node 20 (V8 11.3) builds an object literal that starts with a spread by cloning the
 * spread source's shape. Overwriting keys the source already has is then fast (a 35-key
 * grant with 3 keys overwritten: ~55 ns), but every key it adds (a property, or one a
 * later spread brings) goes the slow path: ~0.5 µs a key, 8 µs for a 13-key record that
 * takes ~15 ns spelled out. A literal that starts with a plain property is fast too.
 *
 * So in src/ (outside the web console) no literal that runs after startup may start with
 * a spread and then add a key that the spread source's type does not surely have (a
 * required key of every member of its type; an open record or `any` surely has none).
 * Rewrite such a literal with its fields spelled out, or `Object.assign({}, a, { … })`
 * typed explicitly (src/domain/README.md). Types are only evidence of the runtime shape:
 * the rule can miss a record that lacks a key its type promises, never the other way.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Whole files whose literals run only at startup (or only in tests). */
const STARTUP_FILES = new Map<string, string>([
  ['src/http/route-contract.ts', 'route schemas are assembled once, when routes are registered'],
  ['src/domain/reference-model.ts', 'the test oracle of the engine; no request runs it'],
]);
/** Any file named *schemas.ts: TypeBox schemas, built once at startup. */
const SCHEMA_FILE = /schemas\.ts$/;

/** Single startup-only literals in files that also serve requests: by file and how the literal starts (whitespace folded). */
const STARTUP_LITERALS: { file: string; text: string; why: string }[] = [
  { file: 'src/edge/access.ts', text: '{ ...route.config, scope }', why: 'an onRoute hook: once per route, at registration' },
  { file: 'src/http/validation.ts', text: '{ ...options, coerceTypes: false }', why: 'the two Ajv instances, made once at startup' },
  { file: 'src/http/validation.ts', text: '{ ...options, coerceTypes: true }', why: 'the two Ajv instances, made once at startup' },
  { file: 'src/http/routes/export-routes.ts', text: "{ ...Timestamp, description: 'Start of the window", why: "an export kind's query schema, built when its route is registered" },
  { file: 'src/http/routes/export-routes.ts', text: "{ ...Timestamp, description: 'End of the window", why: "an export kind's query schema, built when its route is registered" },
  { file: 'src/cli/serve.ts', text: '{ ...metricsAddress, key: configuration.metrics.key ?? undefined }', why: 'the metrics listener, started once' },
  {
    file: 'src/payments/stripe-provider.ts',
    text: '{ ...(settings.host !== undefined ? { host: settings.host } : {}),',
    why: "the Stripe client's options, in the provider's constructor (one provider per process)",
  },
];

/** Keys every member of the type surely has: required ones; none for `any`, `unknown` or an open record. */
function sureKeys(checker: ts.TypeChecker, type: ts.Type): Set<string> {
  let keys: Set<string> | undefined;
  for (const member of type.isUnion() ? type.types : [type]) {
    if (member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown) || checker.getIndexInfosOfType(member).length > 0) return new Set();
    const own = new Set(checker.getPropertiesOfType(member).filter((symbol) => !(symbol.flags & ts.SymbolFlags.Optional)).map((symbol) => symbol.name));
    keys = keys === undefined ? own : new Set([...keys].filter((key) => own.has(key)));
  }
  return keys ?? new Set();
}

/** Keys some member of the type may have; undefined when they cannot be listed (`any`, an open record). */
function possibleKeys(checker: ts.TypeChecker, type: ts.Type): Set<string> | undefined {
  const keys = new Set<string>();
  for (const member of type.isUnion() ? type.types : [type]) {
    if (member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown) || checker.getIndexInfosOfType(member).length > 0) return undefined;
    for (const symbol of checker.getPropertiesOfType(member)) keys.add(symbol.name);
  }
  return keys;
}

/** The keys a literal that starts with a spread adds to the clone of that spread (V8's slow path); empty when it adds none. */
function addedKeys(checker: ts.TypeChecker, node: ts.ObjectLiteralExpression): string[] {
  const [first, ...rest] = node.properties;
  if (!first || !ts.isSpreadAssignment(first)) return [];
  const base = sureKeys(checker, checker.getTypeAtLocation(first.expression));
  const added: string[] = [];
  for (const member of rest) {
    if (ts.isSpreadAssignment(member)) {
      const keys = possibleKeys(checker, checker.getTypeAtLocation(member.expression));
      if (keys === undefined) added.push('...(open)');
      else for (const key of keys) if (!base.has(key)) added.push(`...${key}`);
    } else {
      const name = member.name !== undefined && (ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)) ? member.name.text : undefined;
      if (name === undefined || !base.has(name)) added.push(name ?? '[computed]');
    }
  }
  return added;
}

/** Inside no function: evaluated once, when the module loads. */
function atModuleLevel(node: ts.Node): boolean {
  for (let parent = node.parent; parent; parent = parent.parent) if (ts.isFunctionLike(parent) || ts.isClassStaticBlockDeclaration(parent)) return false;
  return true;
}

interface Finding {
  file: string;
  line: number;
  text: string;
  added: string[];
}

/** Every literal in the files that starts with a spread and adds keys, but for the startup-only exceptions (which it reports as met). */
function findSlowSpreads(program: ts.Program, files: string[]): { findings: Finding[]; met: Set<(typeof STARTUP_LITERALS)[number]> } {
  const checker = program.getTypeChecker();
  const findings: Finding[] = [];
  const met = new Set<(typeof STARTUP_LITERALS)[number]>();
  for (const path of files) {
    const source = program.getSourceFile(path)!;
    const file = relative(root, path).split('\\').join('/');
    const visit = (node: ts.Node): void => {
      if (ts.isObjectLiteralExpression(node) && !atModuleLevel(node)) {
        const added = addedKeys(checker, node);
        if (added.length > 0) {
          const text = node.getText(source).replace(/\s+/g, ' ');
          const startup = STARTUP_LITERALS.find((entry) => entry.file === file && text.startsWith(entry.text));
          if (startup) met.add(startup);
          else findings.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, text: text.slice(0, 90), added });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { findings, met };
}

const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
const scanned = parsed.fileNames.filter((path) => {
  const file = relative(root, path).split('\\').join('/');
  return file.startsWith('src/') && !file.startsWith('src/web/') && !file.endsWith('.test.ts') && !STARTUP_FILES.has(file) && !SCHEMA_FILE.test(file);
});
/** One type-checked program and one scan of src/, shared by the two tests below (building it is most of their time). */
let scan: ReturnType<typeof findSlowSpreads> | undefined;
const scanOnce = () => (scan ??= findSlowSpreads(ts.createProgram(scanned, parsed.options), scanned));

it('no object literal after startup adds keys to a leading spread', () => {
  const { findings } = scanOnce();
  assert.deepEqual(
    findings.map((finding) => `${finding.file}:${finding.line}  adds ${finding.added.join(', ')}  in  ${finding.text}`),
    [],
    'Node 20 adds each key after a leading spread on its slow path (~0.5 µs a key): spell the fields out or use a typed Object.assign({}, …)',
  );
  assert.ok(scanned.length > 100, 'the scan covers src/');
});

it('every startup-only exception still names a literal that exists', () => {
  const { met } = scanOnce();
  assert.deepEqual(
    STARTUP_LITERALS.filter((entry) => !met.has(entry)).map((entry) => `${entry.file}: ${entry.text}`),
    [],
    'a stale exception would let the same text back in elsewhere in its file unnoticed',
  );
});

const probeDirectory = mkdtempSync(join(tmpdir(), 'object-spreads-'));
after(() => rmSync(probeDirectory, { recursive: true, force: true }));

it('tells the slow shapes from the fast ones', () => {
  const probes: [string, boolean][] = [
    ['{ ...grant, extra: 1 }', true],
    ['{ ...grant, ...address }', true],
    ['{ ...grant, ...(c ? { extra: 1 } : {}) }', true],
    ['{ ...open, id: "x" }', true],
    ['{ ...maybe, id: "x" }', true],
    ['{ ...grant, id: "y", amount: 2n }', false],
    ['{ ...grant, ...(c ? { id: "y" } : {}) }', false],
    ['{ ...grant }', false],
    ['{ extra: 1, ...grant, more: 2 }', false],
  ];
  const path = join(probeDirectory, 'probe.ts');
  writeFileSync(
    path,
    [
      'declare const grant: { id: string; amount: bigint; note?: string };',
      'declare const address: { customerId: string };',
      'declare const open: Record<string, string>;',
      'declare const maybe: { id?: string };',
      'declare const c: boolean;',
      ...probes.map(([literal], index) => `export const probe${index} = ${literal};`),
    ].join('\n'),
  );
  const program = ts.createProgram([path], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022 });
  const checker = program.getTypeChecker();
  const literals = program
    .getSourceFile(path)!
    .statements.filter(ts.isVariableStatement)
    .map((statement) => statement.declarationList.declarations[0]!.initializer)
    .filter((initializer): initializer is ts.ObjectLiteralExpression => initializer !== undefined && ts.isObjectLiteralExpression(initializer));
  assert.deepEqual(
    literals.map((literal, index) => [probes[index]![0], addedKeys(checker, literal).length > 0]),
    probes,
  );
});
