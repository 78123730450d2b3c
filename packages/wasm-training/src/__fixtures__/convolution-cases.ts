import * as tf from '@tensorflow/tfjs';

/** Padding as the Conv2D kernels take it: a mode, one number for all sides, or explicit NHWC pairs. */
export type Padding = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** One convolution geometry, as the convolution kernel tests share it. `input` follows `dataFormat`. */
export interface ConvolutionCase {
  input: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number | [number, number];
  pad: Padding;
  dataFormat: 'NHWC' | 'NCHW';
}

/** The output shape of `testCase` (in its own data format), computed by tfjs itself. */
export function convolutionOutputShape(testCase: ConvolutionCase): number[] {
  const { dataFormat } = testCase;
  const nhwcInput: [number, number, number, number] =
    dataFormat === 'NCHW' ? [testCase.input[0], testCase.input[2], testCase.input[3], testCase.input[1]] : testCase.input;
  return tf.tidy(() => {
    const nhwcOutput = tf.conv2d(tf.zeros(nhwcInput) as tf.Tensor4D, tf.zeros(testCase.filter) as tf.Tensor4D, testCase.stride, testCase.pad).shape;
    return dataFormat === 'NCHW' ? [nhwcOutput[0], nhwcOutput[3], nhwcOutput[1], nhwcOutput[2]] : nhwcOutput;
  });
}
