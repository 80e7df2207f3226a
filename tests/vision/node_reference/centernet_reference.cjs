// Runs the original CenterNet model with Human (tfjs, WASM backend) for the conversion test.
//
// usage: node centernet_reference.cjs NODE_MODULES_DIR JOB.json
// JOB: {"out_dir": "...", "inputs": [{"name", "file", "shape": [1, h, w, 3], "mode"}]}
//   file holds float32 RGB pixels (0-255), NHWC. mode "raw": the graph's outputs on that exact
//   tensor are written to out_dir/NAME.{keypoints,wh,detections}.f32 (NHWC, float32).
//   mode "detect": Human's own object detection (its resize, decode and NMS) on the tensor.
// Prints one JSON object: {"NAME": {"objects": [...]} | {"files": {...}}}.
'use strict';
const fs = require('fs');
const path = require('path');

const [nodeModules, jobPath] = process.argv.slice(2);
if (!nodeModules || !jobPath) {
  console.error('usage: node centernet_reference.cjs NODE_MODULES_DIR JOB.json');
  process.exit(2);
}

// Node's fetch has no file:// support; tfjs loads models and the WASM binary through fetch.
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const u = String(url);
  if (!u.startsWith('file://')) return realFetch(url, init);
  const body = fs.readFileSync(new URL(u));
  const type = u.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  return new Response(body, { status: 200, headers: { 'content-type': type } });
};

// By absolute path: the package's exports map does not resolve this build.
const { Human } = require(path.join(nodeModules, '@vladmandic/human/dist/human.node-wasm.js'));
const modelsDir = path.join(nodeModules, '@vladmandic/human/models/');

async function main() {
  const job = JSON.parse(fs.readFileSync(jobPath, 'utf8'));
  const human = new Human({
    backend: 'wasm',
    wasmPath: 'file://' + path.join(nodeModules, '@tensorflow/tfjs-backend-wasm/dist/'),
    modelBasePath: 'file://' + modelsDir,
    debug: false,
    cacheModels: false,
    face: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    filter: { enabled: false },
    object: { enabled: true, modelPath: 'centernet.json', minConfidence: 0.1, iouThreshold: 0.4, maxDetected: 100 },
  });
  await human.load();
  await human.tf.ready();
  const tf = human.tf;
  const model = await tf.loadGraphModel('file://' + modelsDir + 'centernet.json', { fetchFunc: globalThis.fetch });
  const result = { backend: tf.getBackend(), version: human.version };
  for (const item of job.inputs) {
    const buf = fs.readFileSync(item.file);
    const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    const input = tf.tensor(data, item.shape, 'float32');
    if (item.mode === 'raw') {
      const names = ['tower_0/keypoints', 'tower_0/wh', 'tower_0/detections'];
      const outs = model.execute(input, names);
      const files = {};
      for (let i = 0; i < names.length; i++) {
        const key = names[i].split('/')[1];
        const file = path.join(job.out_dir, `${item.name}.${key}.f32`);
        fs.writeFileSync(file, Buffer.from((await outs[i].data()).buffer));
        files[key] = { file, shape: outs[i].shape };
      }
      tf.dispose(outs);
      result[item.name] = { files };
    } else {
      const res = await human.detect(input);
      result[item.name] = { objects: res.object };
    }
    tf.dispose(input);
  }
  process.stdout.write(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : String(err));
  process.exit(1);
});
