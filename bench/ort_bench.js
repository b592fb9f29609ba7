// ort_bench.js: batch-1 prediction of an ONNX file that `NAME export-onnx`
// wrote, in ONNX Runtime (onnxruntime-node, CPU, one thread, all graph
// optimizations), as NAME bench times its own: a whole example of a
// classifier or series model, one character of a char-lm (its states fed
// back). Prints {"predict_ms": mean of N after N / 10 warm-up runs}.
//
//   NODE_PATH="$(npm root -g)" node bench/ort_bench.js MODEL.onnx [N]
'use strict';
const ort = require('onnxruntime-node');

function feedsFor(session) {
  const feeds = {};
  for (const m of session.inputMetadata) {
    const shape = m.shape.map((d) => (typeof d === 'number' ? d : 1)); // batch 1, one step
    const size = shape.reduce((a, b) => a * b, 1);
    if (m.type === 'int64') {
      const ids = new BigInt64Array(size);
      for (let i = 0; i < size; i++) ids[i] = BigInt(1 + (i * 7919) % 50);
      feeds[m.name] = new ort.Tensor('int64', ids, shape);
    } else {
      const v = new Float32Array(size);
      if (m.name === 'values') for (let i = 0; i < size; i++) v[i] = Math.sin(i / 3);
      feeds[m.name] = new ort.Tensor('float32', v, shape);
    }
  }
  return feeds;
}

async function main() {
  const [model, count] = process.argv.slice(2);
  const n = Number(count || 200);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = feedsFor(session);
  const states = session.inputNames.filter((s) => s.endsWith('_in'));
  const step = async () => {
    const out = await session.run(feeds);
    for (const s of states) feeds[s] = out[s.replace(/_in$/, '_out')]; // a char-lm carries them
  };
  for (let i = 0; i < Math.max(5, n / 10); i++) await step();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await step();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / n;
  process.stdout.write(JSON.stringify({predict_ms: ms}) + '\n');
}

main().catch((e) => {
  process.stderr.write('error: ' + (e && e.message ? e.message : e) + '\n');
  process.exit(1);
});
