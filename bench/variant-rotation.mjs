// A measuring aid, not part of `npm run bench`: splits one server's CPU per request between variants of its code
// that take turns in the same process (bench/README.md, section 3, "Split within one server").
//
//   node --import ./bench/variant-rotation.mjs bin/creditbook.js serve …    (VARIANTS=0,1,2 VARIANT_MS=60)
//
// Every VARIANT_MS it sets `globalThis.__variant` to the next of VARIANTS; a throwaway build reads that number
// (a bit per change under test) where it would take another path. Each variant is charged the process's CPU
// (all threads) and the requests that arrived while it was current. Turns of tens of milliseconds spread a slow
// spell of the machine over every variant alike, which two servers in turn could not do here (an A/A pair of
// servers differed by 5%; variants of one server repeat within 2–3%). SIGUSR2 starts the tally over (after a
// warm-up); every 2 s a line `variants [[variant, requests, µs per request], …]` goes to stderr.
// A change that moves work to a later turn of the event loop (a batch held back) charges part of it to the variant
// after it: give such a change turns far longer than what it defers (bench/README.md, section 2, "Larger batches").
import http from 'node:http';

const variants = (process.env.VARIANTS ?? '0').split(',').map(Number);
const turnMs = Number(process.env.VARIANT_MS ?? 60);
const tallies = variants.map(() => ({ cpuUs: 0, requests: 0 }));
let current = 0;
let requests = 0;
let cpuAt = process.cpuUsage();
globalThis.__variant = variants[0];

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function countRequests(event, ...args) {
  if (event === 'request') requests += 1;
  return emit.call(this, event, ...args);
};

setInterval(() => {
  const used = process.cpuUsage(cpuAt);
  cpuAt = process.cpuUsage();
  tallies[current].cpuUs += used.user + used.system;
  tallies[current].requests += requests;
  requests = 0;
  current = (current + 1) % variants.length;
  globalThis.__variant = variants[current];
}, turnMs).unref();

process.on('SIGUSR2', () => {
  for (const tally of tallies) Object.assign(tally, { cpuUs: 0, requests: 0 });
});

setInterval(() => {
  const line = variants.map((variant, index) => [variant, tallies[index].requests, Number((tallies[index].cpuUs / Math.max(1, tallies[index].requests)).toFixed(1))]);
  process.stderr.write(`variants ${JSON.stringify(line)}\n`);
}, 2000).unref();
