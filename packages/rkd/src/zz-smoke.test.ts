import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runPipeline } from '@core/runtime';
import { it } from 'vitest';
import { plugin } from './index';

it('smoke', async () => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'rkd-smoke-'));
  const common = { epochs: 4, batchesPerEpoch: 40, batchSize: 120, recallK: [1, 2, 4, 8], evaluateEvery: 4 };
  const started = Date.now();
  const summary = await runPipeline(
    {
      config: {
        name: 'smoke', seed: 1, backend: 'cpu',
        data: { dataset: 'fashion-mnist', validation: 0, limit: { train: 12000, test: 3000 } },
        steps: [
          { id: 'teacher', use: 'rkd:metric-train', model: { use: 'rkd:cnn-embedding', dimension: 32, filters: [8, 16], hiddenUnits: 64, l2normalize: true }, loss: [{ use: 'rkd:triplet', sampling: 'distance-weighted' }], ...common },
          { id: 'triplet', use: 'rkd:metric-train', model: { use: 'rkd:mlp-embedding', dimension: 8 }, loss: [{ use: 'rkd:triplet', sampling: 'semi-hard' }], ...common },
          { id: 'rkd', use: 'rkd:metric-distill', teacher: 'teacher', model: { use: 'rkd:mlp-embedding', dimension: 8 }, ...common },
        ],
      },
      directory,
    },
    { plugins: [plugin], events: { onStageEnd: (info) => console.log(info.stage, JSON.stringify(info.metrics), info.seconds) } },
  );
  console.log('total seconds', (Date.now() - started) / 1000, summary.status);
}, 600_000);
