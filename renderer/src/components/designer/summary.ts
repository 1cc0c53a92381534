import type { DesignLayer } from '../../designer/layers';

/** The one-line config summary on a card: "800 units", "15 filters 5×5, stride 1". */
export function layerSummary(layer: DesignLayer): string {
  const c = layer.config;
  const overrides = ['vth', 'tau'].filter((k) => c[k] !== undefined).map((k) => `${k} ${String(c[k])}`);
  const surrogate = c.surrogate as { name?: string; width?: number } | undefined;
  if (surrogate?.name || surrogate?.width !== undefined) overrides.push(`${surrogate.name ?? ''}${surrogate.width !== undefined ? ` a=${surrogate.width}` : ''}`.trim());
  const tail = overrides.length > 0 ? ` · ${overrides.join(', ')}` : '';
  switch (layer.className) {
    case 'input':
      return Array.isArray(c.shape) ? `shape [${(c.shape as unknown[]).join(', ')}]` : `shape ${JSON.stringify(c.shape)}`;
    case 'conv2d':
      return `${String(c.filters)} filters ${kernelText(c.kernel)}, stride ${String(c.stride ?? 1)}, pad ${String(c.padding ?? 0)}${c.bias === false ? ', no bias' : ''}${tail}`;
    case 'avgpool':
      return `${kernelText(c.kernel)}, stride ${String(c.stride ?? c.kernel)}`;
    case 'flatten':
      return 'to a vector';
    case 'dense':
    case 'output':
      return `${String(c.units)} units${c.bias === false ? ', no bias' : ''}${tail}`;
  }
}

function kernelText(kernel: unknown): string {
  return Array.isArray(kernel) ? `${kernel[0]}×${kernel[1]}` : `${String(kernel)}×${String(kernel)}`;
}
