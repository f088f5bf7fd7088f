import { register } from 'node:module';

/**
 * `node --import ./bench/typescript-loader.mjs file.ts`: runs the bench's TypeScript compiled the way
 * `npm start` compiles creditbook (esbuild, bin/creditbook.js), not the way tsx does. tsx keeps function
 * names (esbuild's keepNames), so every function object made at run time, a closure per call included,
 * costs a `__name` call and an Object.defineProperty: 5 to 10% of an in-process debit's CPU, which the
 * server never pays. The tests run on tsx; only the bench measures. See typescript-hooks.mjs.
 */
register('./typescript-hooks.mjs', import.meta.url);
