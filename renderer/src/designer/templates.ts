/**
 * What "New" starts from: a small MLP or a small CNN for 28×28 images (MNIST and the like), so a
 * convolutional network does not begin with typing "1, 28, 28". The presets (the paper's networks)
 * are offered beside them.
 */
import type { ModelSpec } from '../../../engine/spec/types';
import { defaultNeuron } from './layers';

export type TemplateName = 'mlp' | 'cnn';

export const TEMPLATES: Record<TemplateName, { label: string; description: string; spec(): ModelSpec }> = {
  mlp: {
    label: 'MLP (784-800-10)',
    description: 'flat 784 inputs, one hidden LIF layer, 10 classes',
    spec: () => ({
      name: 'untitled',
      neuron: defaultNeuron(),
      layers: [
        { className: 'input', config: { shape: [784] } },
        { className: 'dense', config: { units: 800 } },
        { className: 'output', config: { units: 10 } },
      ],
    }),
  },
  cnn: {
    label: 'CNN (28x28x1-6C5-P2-128-10)',
    description: 'a 1×28×28 image, a conv-LIF layer, average pooling, flatten, a hidden and an output layer',
    spec: () =>
      ({
        name: 'untitled-cnn',
        neuron: defaultNeuron(),
        layers: [
          { className: 'input', config: { shape: [1, 28, 28] } },
          { className: 'conv2d', config: { filters: 6, kernel: 5 } },
          { className: 'avgpool', config: { kernel: 2 } },
          { className: 'flatten' },
          { className: 'dense', config: { units: 128 } },
          { className: 'output', config: { units: 10 } },
        ],
      }) as ModelSpec,
  },
};
