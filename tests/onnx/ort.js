// ort.js: an ONNX file that `NAME export-onnx` wrote, run by ONNX Runtime
// (the npm package onnxruntime-node, CPU, one thread) on the lines of stdin;
// one line of outputs per input line, values space-separated (9 digits).
//
//   node ort.js MODEL.onnx < LINES
//
// What a line holds follows from the graph's inputs:
//   ids (a classifier)  what `NAME encode` prints: seq_len token ids, then for
//                       a char_cnn a tab and the words' char ids -> each
//                       class's probability
//   values (a series)   seq_len x features numbers -> the forecast
//   ids and states      a char-lm's character ids (from 1, as the metadata's
//                       seqcc.chars orders them), read from zero states ->
//                       the next character's probabilities after the last
// Exits 3 when onnxruntime-node cannot be loaded (the test skips).
'use strict';
const fs = require('fs');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  process.stderr.write('onnxruntime-node is not installed: ' + e.message + '\n');
  process.exit(3);
}

const numbers = (line) => line.trim().split(/[\s,]+/).filter((s) => s.length).map(Number);
const show = (values) => Array.from(values, (v) => Number(v).toPrecision(9)).join(' ');

async function classifier(session, lines, out) {
  const chunk = 100;
  for (let at = 0; at < lines.length; at += chunk) {
    const part = lines.slice(at, at + chunk);
    const rows = part.map((l) => l.split('\t'));
    const ids = rows.map((r) => numbers(r[0]));
    const T = ids[0].length;
    const feeds = {ids: new ort.Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [part.length, T])};
    if (session.inputNames.includes('chars')) {
      const chars = rows.map((r) => numbers(r[1] || ''));
      const W = chars[0].length / T;
      feeds.chars = new ort.Tensor('int64', BigInt64Array.from(chars.flat(), BigInt), [part.length, T, W]);
    }
    const result = await session.run(feeds);
    const probs = result.probs;
    const C = probs.dims[1];
    for (let n = 0; n < part.length; n++) out.push(show(probs.data.slice(n * C, (n + 1) * C)));
  }
}

async function series(session, lines, out) {
  const windows = lines.map(numbers);
  const dims = (session.inputMetadata && session.inputMetadata[0] && session.inputMetadata[0].shape) || null;
  let T, F;
  if (dims && typeof dims[1] === 'number') {
    T = dims[1], F = dims[2];
  } else {
    F = 1, T = windows[0].length;
  }
  const x = new ort.Tensor('float32', Float32Array.from(windows.flat()), [windows.length, T, F]);
  const result = await session.run({values: x});
  for (let n = 0; n < windows.length; n++) out.push(show([result.forecast.data[n]]));
}

async function charLm(session, lines, out) {
  for (const line of lines) {
    const ids = numbers(line);
    const feeds = {ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length])};
    for (const name of session.inputNames) {
      if (name === 'ids') continue;
      const m = (session.inputMetadata || []).find((i) => i.name === name);
      const H = m && m.shape ? m.shape[2] : Number(process.env.SEQCC_STATE_UNITS);
      const D = m && m.shape ? m.shape[0] : 1;
      feeds[name] = new ort.Tensor('float32', new Float32Array(D * H), [D, 1, H]);
    }
    const result = await session.run(feeds);
    const probs = result.probs;
    const V = probs.dims[2], S = probs.dims[1];
    out.push(show(probs.data.slice((S - 1) * V, S * V)));
  }
}

async function main() {
  const model = process.argv[2];
  if (!model) {
    process.stderr.write('usage: node ort.js MODEL.onnx < LINES\n');
    process.exit(2);
  }
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
  });
  const lines = fs.readFileSync(0, 'utf8').split('\n').filter((l) => l.length);
  const out = [];
  const inputs = session.inputNames;
  if (inputs.includes('values')) await series(session, lines, out);
  else if (inputs.length > 1 && !inputs.includes('chars')) await charLm(session, lines, out);
  else await classifier(session, lines, out);
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write('error: ' + (e && e.message ? e.message : e) + '\n');
  process.exit(1);
});
