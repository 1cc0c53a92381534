import { inject, provide, type InjectionKey } from 'vue';

/**
 * What the charts of a view are of, for their exported figures: the file name stem (`run-12`,
 * `compare-runs-3-5`) and the subtitle under the chart's title (the run's name and id). A view
 * provides it once; every EChart below it reads it.
 */
export interface ChartContext {
  fileStem: string;
  subtitle: string;
}

const chartContextKey: InjectionKey<() => ChartContext | null> = Symbol('chart-context');

export function provideChartContext(context: () => ChartContext | null): void {
  provide(chartContextKey, context);
}

/** The nearest view's context, read when a chart is exported; null outside such a view. */
export function injectChartContext(): () => ChartContext | null {
  return inject(chartContextKey, () => null);
}
